"""The README's maintainer walkthrough (add, supersede, edit, remove, history, rollback, add a folder), run as
written, end to end, and checked step by step (issue 17, "Done when"). The lines are read from README.md, so
the README cannot drift from what the commands do. No model: the fake embedder and no tagger."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from typer.testing import CliRunner

from assistant.ingest.pipeline import history, status
from tests.support import ROOT, SMALL_DOCS, make_pdf, write_md

OLD = "family-hubs-start-for-life-funding-2025-26"


def walkthrough() -> list[list[str]]:
    """The `pair-assistant` commands of the README's maintainer block, continuation lines joined, comments dropped."""
    text = (ROOT / "README.md").read_text("utf-8")
    block = text.split("## Adding new guidance (maintainers)", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in re.sub(r"\\\n\s*", " ", block).splitlines():
        if line.startswith(".venv/bin/pair-assistant "):
            args = shlex.split(line, comments=True)
            commands.append(args[1:])
    return commands


@pytest.fixture
def maintainer(tmp_path, fake_model, monkeypatch):
    """A corpus with the shipped 2025-26 Family Hubs guide and a few small documents; the new guide as a PDF in
    ~/Downloads and a folder of guides beside it."""
    corpus = tmp_path / "corpus"
    for doc_id, body in SMALL_DOCS.items():
        write_md(corpus / "report", doc_id, body)
    (corpus / "guidance").mkdir()
    shutil.copy(ROOT / "corpus" / "guidance" / f"{OLD}.md", corpus / "guidance")
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    make_pdf(downloads / "new-guide.pdf", [
        "Family Hubs and Start for Life: funding guide for 2026 to 2027.",
        ("In 2026-27 each local authority in the programme receives its Family Hubs allocation in two instalments, "
         "and must publish its Start for Life offer by 30 September 2026.")])
    write_md(downloads / "guides", "infant-feeding-2026", "## Infant feeding\nPeer supporters visit within 48 hours of birth.",
             title="Infant feeding support 2026", year=2026)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    from assistant.settings import Settings

    return Settings.from_env()


def run(args: list[str]):
    from assistant.app.cli import app

    args = [a.replace("~", str(__import__("os").environ["HOME"]), 1) if a.startswith("~") else a for a in args]
    return CliRunner().invoke(app, args)


def test_the_readme_walkthrough_runs_as_written(maintainer):
    s = maintainer
    from tests.support import index_with_fake_model

    index_with_fake_model(s)  # the shipped corpus is indexed first (README: quick start)
    steps = walkthrough()
    assert [a[0] for a in steps] == ["add", "add", "status", "ask", "edit", "remove", "history", "rollback", "rollback", "add"]
    corpus_before = sorted(p.relative_to(s.corpus).as_posix() for p in s.corpus.rglob("*"))

    out = run(steps[0])  # add --dry-run
    assert out.exit_code == 0, out.output
    assert "dry run, nothing changed: would add 1 of 1 file" in out.output and "+ new-guide" in out.output
    assert sorted(p.relative_to(s.corpus).as_posix() for p in s.corpus.rglob("*")) == corpus_before

    out = run(steps[1])  # add, superseding the 2025-26 guide
    assert out.exit_code == 0, out.output
    assert out.output.startswith("added new-guide; index version 2")
    docs = {d["doc_id"]: d for d in status(s)["documents"]}
    assert docs[OLD]["superseded_by"] == "new-guide" and docs["new-guide"]["year"] == 2026

    out = run(steps[2])  # status --search
    assert "Family Hubs guide 2026-27" in out.output and "[superseded by new-guide]" in out.output

    out = run(steps[3])  # ask
    assert out.exit_code == 0, out.output
    assert "Family Hubs guide 2026-27" in out.output  # the new guide is cited

    out = run(steps[4])  # edit --year 2027
    assert out.exit_code == 0, out.output
    docs = {d["doc_id"]: d for d in status(s)["documents"]}
    assert docs["new-guide"]["year"] == 2027 and docs["new-guide"]["title"] == "Family Hubs guide 2026-27"

    out = run(steps[5])  # remove the old guide
    assert out.exit_code == 0, out.output
    assert not (s.corpus / "guidance" / f"{OLD}.md").exists() and OLD not in {d["doc_id"] for d in status(s)["documents"]}

    out = run(steps[6])  # history
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "active version: 4; kept for rollback: 4, 3, 2, 1"
    assert [ln.split()[3:5] for ln in lines[1:5]] == [["remove", "removed"], ["edit", "edited"], ["add", "added"], ["index", "added"]]

    out = run(steps[7])  # rollback: the removed guide is back in the corpus folder and the index
    assert out.exit_code == 0, out.output
    assert "index version 3 is active (was 4)" in out.output and f"put back: guidance/{OLD}.md" in out.output
    assert (s.corpus / "guidance" / f"{OLD}.md").read_bytes() == (ROOT / "corpus" / "guidance" / f"{OLD}.md").read_bytes()
    assert OLD in {d["doc_id"] for d in status(s)["documents"]}

    out = run(steps[8])  # rollback --to 2: before the edit
    assert out.exit_code == 0, out.output
    docs = {d["doc_id"]: d for d in status(s)["documents"]}
    assert docs["new-guide"]["year"] == 2026 and "year: 2026" in (s.corpus / "guidance" / "new-guide.pdf.meta.yaml").read_text()
    assert [e["command"] for e in history(s)["changes"][:2]] == ["rollback", "rollback"]

    out = run(steps[9])  # add a folder, dry run
    assert out.exit_code == 0, out.output
    assert "would add 1 of 1 file" in out.output and "+ infant-feeding-2026" in out.output
    assert not (s.corpus / "guidance" / "infant-feeding-2026.md").exists()
