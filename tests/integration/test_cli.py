"""The command line: contracts, help, clear errors."""

from __future__ import annotations

import json

import pytest

from tests.support import run_cli

COMMANDS = ["index", "add", "edit", "remove", "status", "ask", "tag", "show", "gaps", "eval", "eval answers", "eval tags", "eval compare", "bench", "serve"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help(cmd):
    out = run_cli([*cmd.split(), "--help"], timeout=60)
    assert out.returncode == 0 and "Usage" in out.stdout and len(out.stdout) > 200


def test_index_status_ask_json(tmp_path, small_corpus):
    env = {"ASSISTANT_HOME": str(tmp_path / "home"), "ASSISTANT_CORPUS": str(small_corpus)}
    ask = run_cli(["ask", "--json", "When did the last lighthouse keeper leave?", "How long is the Gateshead Millennium Bridge?"], env)
    assert ask.returncode == 0, ask.stderr
    answers = [json.loads(l) for l in ask.stdout.splitlines()]  # JSON Lines, one per question; index built on first use
    assert len(answers) == 2 and answers[1]["citations"][0]["doc_id"] == "bridges"
    idx = run_cli(["index", "--json"], env)
    report = json.loads(idx.stdout)
    assert set(report) >= {"added", "updated", "unchanged", "removed", "failed", "passages", "seconds"}
    assert report["added"] == [] and sorted(report["unchanged"]) == ["bridges", "lighthouses", "otters"]
    st = json.loads(run_cli(["status", "--json"], env).stdout)
    assert st["active_version"] == 1 and st["model"] == "all-MiniLM-L6-v2"
    assert {d["doc_id"] for d in st["documents"]} == {"bridges", "lighthouses", "otters"}
    assert all({"doc_id", "title", "doc_type", "year", "passages", "indexed_at", "content_hash"} <= set(d) for d in st["documents"])
    found = run_cli(["status", "--search", "LIGHTHOUSE"], env).stdout  # by title or id, any case, titles shown
    assert "1 document matches 'LIGHTHOUSE'" in found and "Test document lighthouses" in found and "otters" not in found
    assert [d["doc_id"] for d in json.loads(run_cli(["status", "--json", "-s", "bridge"], env).stdout)["documents"]] == ["bridges"]
    # show: a cited passage in its place, with the answer's span marked (same index: no second build)
    c = answers[1]["citations"][0]
    start, end = c["spans"][0]
    shown = run_cli(["show", c["passage_id"], "--span", f"{start}:{end}"], env)
    assert shown.returncode == 0, shown.stderr
    assert "»" + c["text"][start:end] + "«" in shown.stdout and f">> [{c['passage_id']}]" in shown.stdout
    as_json = json.loads(run_cli(["show", c["passage_id"], "--json", "--context", "2"], env).stdout)
    assert as_json["text"] == c["text"] and as_json["context"] and as_json["strength"] == {}
    assert as_json["reference"].startswith("Test Publisher (2024) Test document bridges.")
    missing = run_cli(["show", "otters:9999"], env)
    assert missing.returncode == 2 and "no passage 'otters:9999'" in missing.stderr
    (tmp_path / "qs.txt").write_text("otter diet\n\nlighthouse automation\n")
    many = run_cli(["ask", "--json", "--file", str(tmp_path / "qs.txt")], env)
    assert len(many.stdout.splitlines()) == 2


def test_index_exit_status_and_json_failures(tmp_path, small_corpus):
    (small_corpus / "report" / "empty.md").write_text("")
    env = {"ASSISTANT_HOME": str(tmp_path / "home"), "ASSISTANT_CORPUS": str(small_corpus)}
    out = run_cli(["index", "--json"], env)
    assert out.returncode == 1
    failed = json.loads(out.stdout)["failed"]
    assert failed[0]["path"].endswith("empty.md") and "empty" in failed[0]["error"]


def test_clear_errors(tmp_path):
    out = run_cli(["ask"], {"ASSISTANT_HOME": str(tmp_path)})
    assert out.returncode == 2 and "no question given" in out.stderr
    out = run_cli(["index"], {"ASSISTANT_HOME": str(tmp_path), "ASSISTANT_CORPUS": str(tmp_path / "nowhere")})
    assert out.returncode == 2 and "corpus folder does not exist" in out.stderr
    out = run_cli(["ask", "--doc-type", "blog", "x"], {"ASSISTANT_HOME": str(tmp_path)})
    assert out.returncode == 2 and "unknown document type" in out.stderr
