"""Property-based tests: no input crashes the loaders, the splitter or the eval-file parser with anything but
our own clear errors."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.answering.policy import looks_non_english
from assistant.errors import EvalFileError, LoadError
from assistant.evaluation.datasets import (
    read_jsonl,
    validate_question_item,
    validate_tag_item,
)
from assistant.ingest.chunking import chunk_document, split_section, split_sentences
from assistant.ingest.loaders import load_document
from assistant.ingest.loaders.markdown import markdown_sections
from assistant.models import Document, DocumentMeta, Section
from assistant.text import clean_question, tokens

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
META = DocumentMeta(doc_id="d", title="T", publisher="P", year=2024, url="https://x.org", doc_type="report")


@FAST
@given(st.text(max_size=3000))
def test_splitter_keeps_every_word(text):
    for chunk in split_section(text, 40):
        assert len(chunk.split()) <= 50 or "\n" in chunk  # table rows are never cut
    joined = " ".join(split_section(text, 40)).split()
    assert sorted(joined) == sorted(text.split())
    assert all(s.strip() for s in split_sentences(text))


@FAST
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=400)), max_size=8))
def test_chunking_any_sections(sections):
    doc = Document(META, "d.md", "h", [Section(loc or "x", txt) for loc, txt in sections])
    ids = [p.passage_id for p in chunk_document(doc, 30)]
    assert len(ids) == len(set(ids))


@FAST
@given(st.binary(max_size=2000), st.sampled_from([".md", ".pdf", ".html", ".txt"]))
def test_loaders_raise_only_load_errors(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"doc{suffix}"
    path.write_bytes(data)
    if suffix != ".md":
        path.with_name(path.name + ".meta.yaml").write_text(
            "title: T\npublisher: P\nyear: 2024\nurl: https://x.org\ndoc_type: report\n")
    try:
        doc = load_document(path)
    except LoadError as e:
        assert str(path) in str(e)
    else:
        assert doc.sections and all(s.text.strip() for s in doc.sections)


@FAST
@given(st.text(max_size=2000))
def test_markdown_front_matter_any_text(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("md") / "doc.md"
    path.write_text("---\n" + body, "utf-8")
    try:
        load_document(path)
    except LoadError:
        pass
    markdown_sections(body)


@FAST
@given(st.lists(st.one_of(st.text(max_size=80), st.builds(json.dumps, st.dictionaries(st.sampled_from(
    ["id", "question", "answerable", "facts", "text", "component", "polarity", "subcomponent"]),
    st.one_of(st.text(max_size=20), st.booleans(), st.none(), st.lists(st.lists(st.text(max_size=5), max_size=2), max_size=2))))), max_size=6))
def test_eval_parser_raises_only_eval_errors(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("ev") / "set.jsonl"
    path.write_text("\n".join(lines), "utf-8")
    for validate in (validate_question_item, validate_tag_item):
        try:
            for n, obj in read_jsonl(path):
                validate(obj, path, n)
        except EvalFileError as e:
            assert str(path) in str(e)


@FAST
@given(st.text(max_size=500))
def test_question_cleaning_any_text(text):
    cleaned = clean_question(text)
    assert all(c.isprintable() or c == " " for c in cleaned)
    tokens(cleaned)
    looks_non_english(cleaned)
