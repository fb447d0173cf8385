"""The evidence-gap register: what is kept, how it is grouped, that concurrent writers lose nothing, and the
`gaps` command."""

from __future__ import annotations

import json
import threading

from typer.testing import CliRunner

from assistant.app.cli import app
from assistant.app.gaps import GapStore, open_gaps, topic_of
from assistant.settings import Settings


def answer(q, abstained=False, scope="in", not_covered=()):
    return {"question": q, "answer": "x", "abstained": abstained, "citations": [], "timings_ms": {}, "scope": scope,
            "not_covered": list(not_covered)}


def test_only_refused_or_partly_covered_questions_are_kept(tmp_path):
    store = GapStore(tmp_path / "gaps.sqlite")
    assert not store.record_answer(answer("How many teams are there?"))
    assert store.record_answer(answer("What is the wait in Sunderland?", scope="out",
                                      not_covered=["Sunderland: services, waiting times or criteria there"]))
    assert store.record_answer(answer("Is the money ring-fenced after 2026?", scope="partial",
                                      not_covered=["anything for 2026 onwards"]))
    assert store.record_answer(answer("Best sourdough recipe?", abstained=True))
    assert store.record_answer(answer("Best sourdough recipe please?", abstained=True))
    groups = store.grouped()
    assert [g["topic"] for g in groups][0] == "best sourdough recipe" and groups[0]["count"] == 2
    assert {g["topic"] for g in groups} == {"best sourdough recipe", "anything for 2026 onwards",
                                            "sunderland: services, waiting times or criteria there"}
    assert topic_of("What about 2026?", "refused", []) == "(no words)"  # only stop words and a year


def test_twenty_concurrent_writers_lose_nothing(tmp_path):
    store = GapStore(tmp_path / "gaps.sqlite")

    def write(i):
        for j in range(10):
            store.record_answer(answer(f"refused question {i} {j}", abstained=True))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(g["count"] for g in store.grouped()) == 200


def test_off_writes_nothing(tmp_path):
    assert open_gaps(Settings.from_env(home=tmp_path, gaps=False)) is None
    assert not (tmp_path / "gaps.sqlite").exists()


def test_gaps_command(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    GapStore(tmp_path / "gaps.sqlite").record_answer(answer("Is the money ring-fenced after 2026?", scope="partial",
                                                            not_covered=["anything for 2026 onwards"]))
    out = CliRunner().invoke(app, ["gaps", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["gaps"][0]["topic"] == "anything for 2026 onwards"
    human = CliRunner().invoke(app, ["gaps"])
    assert "1  anything for 2026 onwards  (partial" in human.stdout
    monkeypatch.setenv("ASSISTANT_GAPS", "0")
    off = CliRunner().invoke(app, ["gaps"])
    assert off.exit_code == 2 and "ASSISTANT_GAPS=0" in off.output
