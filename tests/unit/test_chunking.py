"""Splitting: sentence-aware, locators kept, stable ids, text cited exactly as stored."""

from assistant.ingest.chunking import (
    chunk_document,
    passage_id,
    split_section,
    split_sentences,
)
from assistant.models import Document, DocumentMeta, Section

META = DocumentMeta(doc_id="d", title="T", publisher="P", year=2024, url="https://x.org", doc_type="report")


def test_sentences_respect_abbreviations_and_figures():
    s = split_sentences("The budget was £1.15bn in 2026, e.g. for teams. It rose by 3.5% (p. 12). Next one!")
    assert s == ["The budget was £1.15bn in 2026, e.g. for teams.", "It rose by 3.5% (p. 12).", "Next one!"]


def test_long_section_is_cut_between_sentences_only():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(60))
    chunks = split_section(text, 50)
    assert len(chunks) > 1
    assert all(c.endswith(".") for c in chunks)
    assert all(len(c.split()) <= 50 for c in chunks)
    assert " ".join(chunks) == text


def test_table_rows_are_not_split_mid_row():
    rows = "\n".join(f"| row {i} | value {i} with several more words to fill the row |" for i in range(40))
    chunks = split_section(rows, 60)
    assert all(line.startswith("|") and line.endswith("|") for c in chunks for line in c.splitlines())


def test_ids_are_stable_and_locators_kept():
    doc = Document(META, "d.md", "h", [Section("Funding", "One. Two."), Section("p. 3", "Three.")])
    a, b = chunk_document(doc), chunk_document(doc)
    assert [p.passage_id for p in a] == [p.passage_id for p in b] == [passage_id("d", 0), passage_id("d", 1)]
    assert [p.locator for p in a] == ["Funding", "p. 3"]
    assert a[0].text == "One. Two."


def test_bibliographic_sections_are_not_passages():
    doc = Document(META, "d.md", "h", [Section("Findings", "A finding."), Section("Source and citation", "Author (2024).")])
    assert [p.locator for p in chunk_document(doc)] == ["Findings"]
