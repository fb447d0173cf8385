"""Settings: defaults, the environment, and one clear line for a bad value (CLI exit status 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from assistant.app.cli import app
from assistant.errors import SettingsError
from assistant.settings import Settings, settings_table


def test_defaults_and_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_K", "3")
    monkeypatch.setenv("ASSISTANT_COLLECTION", "pairtest")
    monkeypatch.setenv("ASSISTANT_FEEDBACK", "0")
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "")  # empty means unset
    s = Settings.from_env()
    assert (s.k, s.collection_prefix, s.feedback, s.chroma_host, s.server_mode) == (3, "pairtest", False, None, False)
    assert Settings.from_env(k=7).k == 7  # keyword arguments win over the environment


@pytest.mark.parametrize("name,value,needle", [
    ("ASSISTANT_K", "five", "ASSISTANT_K"),
    ("ASSISTANT_K", "0", "greater than or equal to 1"),
    ("ASSISTANT_ABSTAIN_THRESHOLD", "1.5", "ASSISTANT_ABSTAIN_THRESHOLD"),
    ("ASSISTANT_LLM", "gpt", "ASSISTANT_LLM"),
    ("ASSISTANT_AUTH", "nopassword", "user:password"),
    ("ASSISTANT_COLLECTION", "x", "ASSISTANT_COLLECTION"),
])
def test_bad_value_names_the_variable(monkeypatch, name, value, needle):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as e:
        Settings.from_env()
    message = str(e.value)
    assert needle in message and "\n" not in message and repr(value) in message


def test_cli_bad_setting_is_one_line_and_status_2(monkeypatch):
    monkeypatch.setenv("ASSISTANT_K", "five")
    result = CliRunner().invoke(app, ["ask", "x"])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "ASSISTANT_K" in lines[0] and "Traceback" not in result.output


def test_with_validates_and_keeps_other_fields(tmp_path):
    s = Settings.from_env(home=tmp_path)
    t = s.with_(k=2)
    assert (t.k, t.home) == (2, tmp_path)
    with pytest.raises(SettingsError):
        s.with_(k=99)


def test_every_setting_is_described():
    rows = settings_table()
    assert {r[0] for r in rows} >= {"ASSISTANT_HOME", "ASSISTANT_K", "ASSISTANT_MAX_FILE_MB", "ASSISTANT_COLLECTION"}
    assert all(len(desc) > 15 for _, _, desc in rows)


def test_readme_documents_every_setting():
    from tests.support import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [name for name, _, _ in settings_table() if f"`{name}`" not in readme]
    assert not missing, f"settings missing from the README's table: {missing}"
