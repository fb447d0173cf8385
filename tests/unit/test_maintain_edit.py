"""`edit`: change some metadata of an indexed document in place, keep the rest, re-index; a bad value or a
refused run leaves the file as it was (issue 17, item 3). No model: the fake embedder and no tagger."""

from __future__ import annotations

import pytest
import yaml

from assistant.errors import AssistantError
from assistant.ingest.loaders import FRONT_MATTER_RE, load_document
from assistant.ingest.maintain import edit_document
from assistant.ingest.pipeline import status
from tests.support import index_with_fake_model as index
from tests.support import make_pdf


def front_matter(path) -> dict:
    return yaml.safe_load(FRONT_MATTER_RE.match(path.read_text()).group(1))


def test_edit_changes_only_the_fields_given_and_reindexes(small_settings, small_corpus, fake_model):
    index(small_settings)
    path = small_corpus / "report" / "otters.md"
    body = path.read_text().split("---", 2)[2]
    before = front_matter(path)
    r = edit_document(small_settings, "otters", {"title": "Otters of the Tyne", "supersedes": "bridges"}, quiet=True)
    after = front_matter(path)
    assert after == {**before, "title": "Otters of the Tyne", "supersedes": "bridges"}
    assert path.read_text().split("---", 2)[2] == body  # the text itself is untouched
    assert "otters" in r.updated and not r.failed
    docs = {d["doc_id"]: d for d in status(small_settings)["documents"]}
    assert docs["otters"]["title"] == "Otters of the Tyne" and docs["bridges"]["superseded_by"] == "otters"
    edit_document(small_settings, "otters", {"supersedes": ""}, quiet=True)
    assert "supersedes" not in front_matter(path)  # '' clears it


def test_edit_of_a_pdf_changes_its_sidecar(small_settings, small_corpus, fake_model):
    pdf = make_pdf(small_corpus / "report" / "ferry.pdf", ["The ferry crossing takes seven minutes."])
    (small_corpus / "report" / "ferry.pdf.meta.yaml").write_text(yaml.safe_dump(
        {"title": "Ferry", "publisher": "Nexus", "year": 2025, "url": "https://example.org/ferry", "doc_type": "report"}))
    index(small_settings)
    edit_document(small_settings, "ferry", {"year": 2024}, quiet=True)
    assert load_document(pdf).meta.year == 2024 and load_document(pdf).meta.title == "Ferry"


@pytest.mark.parametrize("changes, message", [
    ({"year": 1850}, "year"), ({"doc_type": "blog"}, "doc_type"), ({"colour": "red"}, "cannot edit colour"),
    ({}, "nothing to change"), ({"supersedes": "no-such-doc"}, "no such document"),
])
def test_a_bad_edit_changes_nothing(small_settings, small_corpus, fake_model, changes, message):
    index(small_settings)
    path = small_corpus / "report" / "otters.md"
    before = path.read_bytes()
    with pytest.raises(AssistantError, match=message):
        edit_document(small_settings, "otters", changes, quiet=True)
    assert path.read_bytes() == before


def test_edit_needs_an_indexed_document_id(small_settings, small_corpus, fake_model):
    index(small_settings)
    with pytest.raises(AssistantError, match="no document 'readme'"):
        edit_document(small_settings, "readme", {"title": "x"}, quiet=True)


def test_replace_keeps_every_field_it_is_not_given(small_settings, small_corpus, fake_model, tmp_path):
    from assistant.ingest.maintain import add_document

    index(small_settings)
    first = make_pdf(tmp_path / "ferry.pdf", ["The ferry crossing takes seven minutes."])
    add_document(small_settings, first, title="Ferry timetable", publisher="Nexus", year=2025, url="https://example.org/ferry",
                 doc_type="report", licence="OGL", supersedes="bridges", quiet=True)
    (tmp_path / "fix").mkdir()
    corrected = make_pdf(tmp_path / "fix" / "ferry.pdf", ["The ferry crossing takes eight minutes."])
    add_document(small_settings, corrected, year=2026, replace=True, quiet=True)
    meta = load_document(small_corpus / "report" / "ferry.pdf").meta
    assert (meta.title, meta.publisher, meta.year, meta.licence, meta.supersedes) == (
        "Ferry timetable", "Nexus", 2026, "OGL", "bridges")
    with pytest.raises(AssistantError, match="missing --title, --publisher, --url, --doc-type"):
        add_document(small_settings, corrected, year=2026, doc_id="ferry-two", quiet=True)


def test_remove_asks_first_and_needs_yes_without_a_terminal(small_settings, small_corpus, fake_model, monkeypatch):
    from typer.testing import CliRunner

    from assistant.app.cli import app

    index(small_settings)
    monkeypatch.setenv("ASSISTANT_HOME", str(small_settings.home))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(small_corpus))
    refused = CliRunner().invoke(app, ["remove", "otters"])  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 2 and "add --yes" in refused.output and "Test document otters" in refused.output
    assert (small_corpus / "report" / "otters.md").exists()
    unknown = CliRunner().invoke(app, ["remove", "beavers"])
    assert unknown.exit_code == 2 and "no document 'beavers'" in unknown.output
    done = CliRunner().invoke(app, ["remove", "otters", "--yes"])
    assert done.exit_code == 0, done.output
    assert not (small_corpus / "report" / "otters.md").exists()
