"""Loaders: every supported format, and every way a file can be bad gives a LoadError naming file and problem."""

from __future__ import annotations

import pytest
import yaml

from assistant.errors import LoadError
from assistant.ingest.loaders import load_document
from assistant.ingest.loaders.markdown import markdown_sections
from tests.support import make_pdf, write_md

META = {"title": "A PDF report", "publisher": "Test", "year": 2023, "url": "https://example.org/pdf", "doc_type": "report"}


def sidecar(path, **meta):
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump({**META, **meta}), "utf-8")


def test_markdown_sections_keep_heading_path(tmp_path):
    p = write_md(tmp_path, "doc-a", "## Funding\nShort-term money is a problem.\n\n### Year four\nThe 2025 figure.\n\n## Workforce\nHealth visitors.")
    doc = load_document(p)
    assert [s.locator for s in doc.sections] == ["Funding", "Funding > Year four", "Workforce"]
    assert doc.meta.title == "Test document doc-a" and doc.meta.year == 2024 and doc.doc_id == "doc-a"
    assert len(doc.content_hash) == 64


@pytest.mark.parametrize("field", ["title", "publisher", "year", "url", "doc_type"])
def test_missing_metadata_field_names_file_and_field(tmp_path, field):
    p = write_md(tmp_path, "doc-b", "## A\ntext here", **{field: ""})
    with pytest.raises(LoadError) as e:
        load_document(p)
    assert "doc-b.md" in str(e.value) and f"'{field}'" in str(e.value)


@pytest.mark.parametrize("meta,expect", [({"year": "twenty"}, "year"), ({"doc_type": "blog"}, "doc_type"),
                                         ({"url": "not a url"}, "url"), ({"year": 1066}, "year")])
def test_invalid_metadata_is_refused(tmp_path, meta, expect):
    p = write_md(tmp_path, "doc-c", "## A\ntext", **meta)
    with pytest.raises(LoadError, match=expect):
        load_document(p)


def test_front_matter_that_is_not_yaml(tmp_path):
    p = tmp_path / "bad.md"
    p.write_text("---\ntitle: [unclosed\n---\n\n## A\ntext\n")
    with pytest.raises(LoadError, match="not valid YAML"):
        load_document(p)


def test_markdown_without_front_matter(tmp_path):
    p = tmp_path / "plain.md"
    p.write_text("## A\ntext\n")
    with pytest.raises(LoadError, match="front matter"):
        load_document(p)


def test_empty_file_and_unsupported_type(tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_text("")
    with pytest.raises(LoadError, match="empty"):
        load_document(empty)
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK\x03\x04")
    with pytest.raises(LoadError, match="unsupported file type"):
        load_document(docx)


def test_pdf_pages_become_locators(tmp_path):
    p = make_pdf(tmp_path / "guide.pdf", ["First page about funding.", "Second page about the workforce.", "Third page: 46 teams."])
    sidecar(p)
    doc = load_document(p)
    assert [s.locator for s in doc.sections] == ["p. 1", "p. 2", "p. 3"]
    assert "46 teams" in doc.sections[2].text
    assert doc.meta.title == "A PDF report"


def test_pdf_without_sidecar_says_what_to_create(tmp_path):
    p = make_pdf(tmp_path / "nometa.pdf", ["text"])
    with pytest.raises(LoadError, match="nometa.pdf.meta.yaml"):
        load_document(p)


def test_encrypted_pdf_is_refused_clearly(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", ["secret figures"])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt("a-password")
    enc = tmp_path / "locked.pdf"
    with enc.open("wb") as f:
        writer.write(f)
    sidecar(enc)
    with pytest.raises(LoadError) as e:
        load_document(enc)
    assert "locked.pdf" in str(e.value) and "encrypted" in str(e.value)


def test_scanned_pdf_without_text_layer(tmp_path):
    p = make_pdf(tmp_path / "scan.pdf", ["", ""])
    sidecar(p)
    with pytest.raises(LoadError, match="no text layer"):
        load_document(p)


def test_corrupt_pdf(tmp_path):
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\x01")
    sidecar(p)
    with pytest.raises(LoadError, match="broken.pdf"):
        load_document(p)


def test_html_headings_and_scripts(tmp_path):
    p = tmp_path / "page.html"
    p.write_text("<html><head><title>T</title><script>var x = 'ignore me';</script></head><body>"
                 "<nav>Menu</nav><h1>Guide</h1><h2>Funding</h2><p>Year four money.</p><h2>Staff</h2><p>Health visitors.</p></body></html>")
    sidecar(p)
    doc = load_document(p)
    assert [s.locator for s in doc.sections] == ["Funding", "Staff"]
    assert all("ignore me" not in s.text and "Menu" not in s.text for s in doc.sections)


def test_txt_with_sidecar(tmp_path):
    p = tmp_path / "note.txt"
    p.write_text("A plain note about commissioning.")
    sidecar(p, doc_type="guidance")
    doc = load_document(p)
    assert doc.meta.doc_type == "guidance" and doc.sections[0].text.startswith("A plain note")


def test_markdown_sections_ignore_headings_in_code():
    secs = markdown_sections("## Real\ntext\n```\n## not a heading\n```\nmore")
    assert [s.locator for s in secs] == ["Real"]
