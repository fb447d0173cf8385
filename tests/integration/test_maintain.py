"""The maintainer cycle: add a PDF, find its fact, replace it, supersede, remove - and bad input refused cleanly."""

from __future__ import annotations

import json

import pytest

from assistant.api import EvidenceAssistant
from assistant.errors import AssistantError
from assistant.ingest.maintain import add_document, remove_document
from assistant.ingest.pipeline import build_index, status
from tests.support import make_pdf, run_cli

META = dict(title="Canal guide 2026", publisher="Canal Trust", year=2026, url="https://example.org/canals", doc_type="guidance")


def guide_pages(fact_page_text: str) -> list[str]:
    pages = [f"Page {i}: general notes on canal maintenance, towpaths and volunteer rotas." for i in range(1, 21)]
    pages[13] = fact_page_text
    return pages


def test_add_find_replace_supersede_remove(tmp_path, small_settings, embedder):
    s = small_settings
    build_index(s, quiet=True, embedder=embedder)
    pdf = make_pdf(tmp_path / "canal-guide.pdf", guide_pages("The Tyne lock keeper scheme recruited 58 volunteers in 2026."))
    r = add_document(s, pdf, **META, quiet=True)
    assert r.added == ["canal-guide"] and r.failed == []
    assert (s.corpus / "guidance" / "canal-guide.pdf").exists() and (s.corpus / "guidance" / "canal-guide.pdf.meta.yaml").exists()
    a = EvidenceAssistant.open(s, build_if_missing=False)
    ans = a.ask("How many volunteers did the lock keeper scheme recruit?")
    top = ans.citations[0]
    assert top.doc_id == "canal-guide" and top.locator == "p. 14" and "58 volunteers" in top.text

    with pytest.raises(AssistantError, match="--replace"):
        add_document(s, pdf, **META, quiet=True)
    pdf2 = make_pdf(tmp_path / "canal-guide-v2.pdf", guide_pages("The Tyne lock keeper scheme recruited 73 volunteers in 2026."))
    r = add_document(s, pdf2, **META, doc_id="canal-guide", replace=True, quiet=True)
    assert r.updated == ["canal-guide"]
    a.refresh(force=True)
    assert "73 volunteers" in a.ask("How many volunteers did the lock keeper scheme recruit?").citations[0].text

    note = tmp_path / "canal-update.md"
    note.write_text("## Lock keeper volunteers in 2027\nThe Tyne lock keeper scheme had 90 volunteers by 2027.\n")
    add_document(s, note, **{**META, "title": "Canal guide 2027", "year": 2027}, supersedes="canal-guide", quiet=True)
    a.refresh(force=True)
    docs = {d["doc_id"]: d for d in status(s)["documents"]}
    assert docs["canal-guide"]["superseded_by"] == "canal-update"
    ans = a.ask("How many volunteers did the lock keeper scheme have?")
    assert ans.citations[0].doc_id == "canal-update"  # the current document ranks first
    # ... but the superseded one still answers for its own year, marked with its successor's title
    ans = a.ask("How many volunteers did the lock keeper scheme recruit in 2026?")
    old = [c for c in ans.citations if c.doc_id == "canal-guide"]
    assert old and all(c.superseded_by == "canal-update" for c in old)
    assert all(c.to_dict()["superseded_by_title"] == "Canal guide 2027" for c in old)

    r = remove_document(s, "canal-guide", quiet=True)
    assert r.removed == ["canal-guide"] and not (s.corpus / "guidance" / "canal-guide.pdf").exists()
    assert not (s.corpus / "guidance" / "canal-guide.pdf.meta.yaml").exists()
    with pytest.raises(AssistantError, match="no document"):
        remove_document(s, "canal-guide", quiet=True)


def test_add_refuses_bad_files_and_leaves_the_corpus_alone(tmp_path, small_settings, embedder):
    from pypdf import PdfReader, PdfWriter

    s = small_settings
    build_index(s, quiet=True, embedder=embedder)
    before = sorted(p.name for p in s.corpus.rglob("*"))
    plain = make_pdf(tmp_path / "plain.pdf", ["secret"])
    w = PdfWriter()
    w.add_page(PdfReader(plain).pages[0])
    w.encrypt("pw")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        w.write(f)
    with pytest.raises(AssistantError, match="encrypted"):
        add_document(s, locked, **META, quiet=True)
    scan = make_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(AssistantError, match="no text layer"):
        add_document(s, scan, **META, quiet=True)
    with pytest.raises(AssistantError, match="doc_type|doc-type"):
        add_document(s, plain, **{**META, "doc_type": "blog"}, quiet=True)
    with pytest.raises(AssistantError, match="url"):
        add_document(s, plain, **{**META, "url": "ftp:/x"}, quiet=True)
    assert sorted(p.name for p in s.corpus.rglob("*")) == before
    assert status(s)["active_version"] == 1


def test_add_via_cli_json(tmp_path, small_settings):
    pdf = make_pdf(tmp_path / "ferry.pdf", ["The Shields ferry crossing takes seven minutes."])
    env = {"ASSISTANT_HOME": str(small_settings.home), "ASSISTANT_CORPUS": str(small_settings.corpus)}
    out = run_cli(["add", str(pdf), "--title", "Ferry facts", "--publisher", "Nexus", "--year", "2025",
                   "--url", "https://example.org/ferry", "--doc-type", "report", "--json"], env)
    assert out.returncode == 0, out.stderr
    assert "ferry" in json.loads(out.stdout)["added"]
    ans = json.loads(run_cli(["ask", "--json", "How long does the Shields ferry take?"], env).stdout)
    assert ans["citations"][0]["doc_id"] == "ferry" and ans["citations"][0]["locator"] == "p. 1"
