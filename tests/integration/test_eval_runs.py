"""Real evaluation runs against the shipped corpus (real embedding model, real index in a temporary ASSISTANT_HOME)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.app.cli import app
from tests.support import ROOT, question_item, write_lines

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def real_home(shipped):
    """The real index of the shipped corpus that ``shipped`` built once per session, as ASSISTANT_HOME for the
    CLI: a second index of the same corpus here had cost about a minute of the suite. The eval runs only read it
    (and write their own ``evals/`` folder, which no other test reads)."""
    home = Path(shipped.settings.home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_HOME", str(home))
        mp.setenv("ASSISTANT_CORPUS", str(CORPUS))
        mp.delenv("ASSISTANT_CHROMA_HOST", raising=False)
        mp.delenv("ASSISTANT_LLM", raising=False)
        yield home


@pytest.fixture()
def three_questions(tmp_path):
    return write_lines(tmp_path / "three.jsonl", [
        question_item("a1", [["nine"]], question="How many commissioners were interviewed for the commissioning study?"),
        question_item("a2", [["short-term", "short term"]], question="What did commissioners say about short-term funding?"),
        question_item("u1", [], answerable=False, question="What is the best recipe for a lemon drizzle cake?"),
    ])


@pytest.mark.parametrize("command", ["answers", "tags"])
def test_cli_malformed_file_exits_2(tmp_path, command):
    f = write_lines(tmp_path / "bad.jsonl", [question_item("a", [["x"]]), question_item("b", [["y"]]), "not json"])
    result = CliRunner().invoke(app, ["eval", command, str(f)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and "bad.jsonl, line 3" in result.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", "utf-8")
    result = CliRunner().invoke(app, ["eval", command, str(empty)])
    assert result.exit_code == 2 and "no items" in result.stderr
    result = CliRunner().invoke(app, ["eval", command, str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "missing.jsonl: no such file" in result.stderr


def test_real_eval_answers_with_report(real_home, three_questions, tmp_path):
    report = tmp_path / "report"
    result = CliRunner().invoke(app, ["eval", "answers", str(three_questions), "--json", "--report", str(report)])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) >= {"metrics", "items", "run"}
    m = out["metrics"]
    for name in ("fact_recall", "answer_fact_recall", "abstain_correct", "false_abstain", "citations_per_answer",
                 "latency_ms_p50", "latency_ms_p95", "n_items", "n_answerable", "n_unanswerable"):
        assert name in m
    assert (m["n_items"], m["n_answerable"], m["n_unanswerable"]) == (3, 2, 1)
    assert 0.0 <= m["fact_recall"] <= 1.0 and m["latency_ms_p50"] > 0
    run = out["run"]
    assert re.fullmatch(r"[0-9a-f]{64}", run["corpus_hash"]) and run["index_version"] >= 1
    assert set(run["retrieval"]) == {"k", "candidates", "rrf_k", "abstain_threshold"}
    assert run["package_version"] and run["model"] and run["date"]
    assert [it["id"] for it in out["items"]] == ["a1", "a2", "u1"]
    for name in ("results.json", "report.md", "report.html"):
        assert (report / name).is_file()
    html = (report / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 2
    assert "fact_recall" in html and "latency_ms_p95" in html
    md = (report / "report.md").read_text()
    assert "fact_recall" in md and "abstain_correct" in md
    assert json.loads((report / "results.json").read_text())["metrics"] == m

    # the readable table (no --json) and --k
    result = CliRunner().invoke(app, ["eval", "answers", str(three_questions), "--k", "3"])
    assert result.exit_code == 0, result.stderr
    assert "fact_recall" in result.stdout and ">= 0.9" in result.stdout


def test_eval_after_index_saves_and_compares(real_home, three_questions, capsys):
    from assistant.evaluation.runner import eval_after_index
    from assistant.settings import Settings

    settings = Settings.from_env()
    first = eval_after_index(settings, quiet=False, questions=three_questions)
    assert first["comparison"] is None and Path(first["path"]).parent == Path(real_home) / "evals"
    second = eval_after_index(settings, quiet=False, questions=three_questions)
    assert second["comparison"] is not None and second["path"] != first["path"]
    out = capsys.readouterr().out
    assert "compared with the previous run" in out and "fact_recall" in out


def test_real_eval_tags_with_baselines(real_home, tmp_path):
    from assistant.comb.tagger import TRAINING_FILE

    if not TRAINING_FILE.exists():
        pytest.skip("the tagger has no training statements in this checkout")
    f = write_lines(tmp_path / "tags.jsonl", [
        {"id": "x1", "text": "We simply had no recurrent money to keep a parent-infant team going after the pilot.",
         "component": "opportunity", "polarity": "barrier", "subcomponent": "physical_opportunity"},
        {"id": "x2", "text": "The interviews were transcribed verbatim and analysed in NVivo.", "component": "none"},
        {"id": "x3", "text": "A neighbouring ICB that had already funded a team showed our board how it could be done.",
         "component": "opportunity", "polarity": "enabler", "subcomponent": "social_opportunity"},
    ])
    linked = write_lines(tmp_path / "links.jsonl", [
        {"id": "l1", "text": "Challenging to demonstrate impact and value for money", "item": "b-hard-to-show-impact",
         "relation": "reports_barrier", "component": "capability", "level": "individual", "polarity": "barrier", "split": "dev"},
        {"id": "l2", "text": "The interviews were transcribed verbatim and analysed in NVivo.", "item": None, "relation": "none",
         "component": "none", "level": None, "polarity": "neutral", "split": "heldout"},
    ])
    report = tmp_path / "treport"
    result = CliRunner().invoke(app, ["eval", "tags", str(f), str(linked), "--json", "--report", str(report)])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    components, links = out["slices"]["tags.jsonl"], out["slices"]["links.jsonl"]
    assert components["kind"] == "components" and links["kind"] == "links"
    assert set(components["metrics"]) == {"ours", "previous_tagger_0.1", "nearest_definition", "keyword"}
    assert set(links["metrics"]) == {"ours", "previous_tagger_0.1", "nearest_item"}
    assert set(links["metrics"]["ours"]) == {"all", "dev", "heldout"}  # each half reported apart
    assert links["metrics"]["ours"]["all"]["item_accuracy"] == 1.0  # the study's own row, and a methods sentence
    for run in components["metrics"].values():
        assert 0.0 <= run["all"]["accuracy"] <= 1.0
    page = (report / "report.html").read_text()
    assert "<h2>links.jsonl</h2>" in page and "nearest_item" in page