"""The built wheel carries what an installed assistant needs beyond Python files: the prompts (the LLM path),
the catalogue and taxonomy, the chat's stylesheet."""

from __future__ import annotations

import subprocess
import zipfile

from tests.support import PY, ROOT


def test_the_wheel_carries_the_prompts_and_data(tmp_path):
    out = subprocess.run([PY, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("pair_evidence_assistant-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in (ROOT / "prompts").glob("*.md"):
        assert f"assistant/prompts/{prompt.name}" in names
    assert {"assistant/comb/catalogue.yaml", "assistant/comb/taxonomy.yaml", "assistant/comb/training_statements.jsonl",
            "assistant/app/web/static/ui.css", "assistant/answering/policy.py"} <= names
