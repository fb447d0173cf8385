"""Issue 17 leftovers: a garbled PDF page reaches the maintainer in the index report (`warnings`, in `index --json`,
`add --json` and the summary lines), not only as a Python warning; and a file whose loader changed is read again
by the next `index` (the loader's VERSION is part of "unchanged"), which says so. No model: the fake embedder."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from assistant.bench import pdf_quality as bench
from assistant.ingest.loaders import pdf as pdf_loader
from assistant.ingest.maintain import add_document
from assistant.ingest.pipeline import status
from assistant.store import open_store
from tests.support import index_with_fake_model as index
from tests.support import make_pdf

META = {"title": "Garbled guide", "publisher": "Test", "year": 2026, "url": "https://example.org/g", "doc_type": "guidance"}


def garbled_pdf(folder, name="garbled-guide"):
    """The benchmark's garbled PDF (page 2 drawn with shifted letters, as a font without a character map gives)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pdf"
    bench.garbled(path, bench.Facts())
    return path


def with_sidecar(path):
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(META))
    return path


def cli(args, settings, monkeypatch):
    from assistant.app.cli import app

    monkeypatch.setenv("ASSISTANT_HOME", str(settings.home))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(settings.corpus))
    return CliRunner().invoke(app, args)


# -- 1. garbled pages in the report -----------------------------------------------------------------------

def test_a_garbled_page_is_in_the_index_report_by_file_and_page(small_settings, small_corpus, fake_model):
    path = with_sidecar(garbled_pdf(small_corpus / "guidance"))
    report = index(small_settings)
    assert [(w["file"], w["doc_id"], w["page"]) for w in report.warnings] == [(str(path), "garbled-guide", 2)]
    assert "garbled" in report.warnings[0]["reason"] and "OCR" in report.warnings[0]["reason"]
    assert report.to_dict()["warnings"] == report.warnings
    assert "garbled-guide" in report.added  # still indexed: the warning is advice
    assert index(small_settings).warnings == []  # an unchanged file is not read again, so not warned again


def test_index_json_and_summary_line_name_the_garbled_page(small_settings, small_corpus, fake_model, monkeypatch):
    index(small_settings)
    path = with_sidecar(garbled_pdf(small_corpus / "guidance"))
    out = cli(["index", "--json"], small_settings, monkeypatch)
    assert out.exit_code == 0, out.output
    assert [(w["file"], w["page"]) for w in json.loads(out.stdout)["warnings"]] == [(str(path), 2)]
    out = cli(["index", "--full"], small_settings, monkeypatch)
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("index version ") and "; 1 page may be garbled (see below)" in out.stdout
    assert f"warning: {path}, page 2: the text looks garbled" in out.stderr
    assert "GarbledTextWarning" not in out.stderr  # said once, in the report's words


def test_add_json_and_summary_name_the_users_file_and_page(small_settings, fake_model, monkeypatch, tmp_path):
    index(small_settings)
    mine = garbled_pdf(tmp_path / "downloads", "my-guide")
    args = ["add", str(mine), "--title", "Garbled guide", "--publisher", "Test", "--year", "2026",
            "--url", "https://example.org/g", "--doc-type", "guidance"]
    out = cli([*args, "--json"], small_settings, monkeypatch)
    assert out.exit_code == 0, out.output
    got = json.loads(out.stdout)
    assert [(w["doc_id"], w["page"]) for w in got["warnings"]] == [("my-guide", 2)]
    assert got["warnings"][0]["file"] == got["added_files"][0]["path"]  # the corpus copy, which added_files maps
    out = cli(["add", str(garbled_pdf(tmp_path / "v2", "my-guide")), "--replace"], small_settings, monkeypatch)
    assert "replaced my-guide; index version" in out.stdout and "1 page may be garbled" in out.stdout
    assert f"warning: {tmp_path / 'v2' / 'my-guide.pdf'}, page 2: the text looks garbled" in out.stderr


def test_a_clean_pdf_has_no_warnings(small_settings, fake_model, tmp_path):
    index(small_settings)
    clean = make_pdf(tmp_path / "clean.pdf", ["The ferry crossing takes seven minutes in calm weather."] * 3)
    assert add_document(small_settings, clean, **{**META, "title": "Clean"}, quiet=True).warnings == []


# -- 2. a changed loader re-reads old files ---------------------------------------------------------------

@pytest.fixture
def with_pdf(small_settings, small_corpus, tmp_path):
    (small_corpus / "guidance").mkdir()
    path = make_pdf(small_corpus / "guidance" / "ferry.pdf", ["The ferry crossing takes seven minutes in calm weather."])
    return with_sidecar(path)


def test_a_new_loader_version_rereads_its_files_only(small_settings, with_pdf, fake_model, monkeypatch):
    first = index(small_settings)
    assert {d["doc_id"]: d for d in status(small_settings)["documents"]}["ferry"]
    assert first.loader_changed == []
    monkeypatch.setattr(pdf_loader, "VERSION", pdf_loader.VERSION + 1)
    second = index(small_settings)
    assert second.loader_changed == ["ferry"] and second.updated == ["ferry"]
    assert second.added == [] and "ferry" not in second.unchanged and len(second.unchanged) == len(first.added) - 1
    third = index(small_settings)  # recorded: the next run has nothing to do
    assert not third.changed and third.loader_changed == [] and third.version == second.version


def test_the_cli_says_which_files_were_reread(small_settings, with_pdf, fake_model, monkeypatch):
    import assistant.comb.tagger

    monkeypatch.setattr(assistant.comb.tagger, "fingerprint", lambda: None)  # no tagger is no change of tagger
    index(small_settings)
    monkeypatch.setattr(pdf_loader, "VERSION", pdf_loader.VERSION + 1)
    out = cli(["index"], small_settings, monkeypatch)
    assert "1 updated (1 re-read: their loader changed)" in out.stdout, out.output


def test_a_record_without_a_loader_version_was_made_by_version_1(small_settings, with_pdf, fake_model):
    """Indexes made before loader versions were recorded: PDFs (now version 2, layout-aware) are read again once;
    markdown (still version 1) is not."""
    index(small_settings)
    store = open_store(small_settings)
    manifest = store.read_manifest()
    docs = manifest["versions"][str(manifest["active"])]["documents"]
    assert docs["ferry"]["loader"] == f"pdf:{pdf_loader.VERSION}" and docs["otters"]["loader"] == "markdown:1"
    for rec in docs.values():
        del rec["loader"]
    store.write_manifest(manifest)
    report = index(small_settings)
    assert report.loader_changed == ["ferry"] and "otters" in report.unchanged


def test_edit_names_the_garbled_page_it_read_again(small_settings, small_corpus, fake_model, monkeypatch):
    with_sidecar(garbled_pdf(small_corpus / "guidance"))
    index(small_settings)
    out = cli(["edit", "garbled-guide", "--year", "2025"], small_settings, monkeypatch)
    assert out.exit_code == 0, out.output
    assert "edited garbled-guide (year); index version" in out.stdout and "1 page may be garbled" in out.stdout
    assert "garbled-guide.pdf, page 2: the text looks garbled" in out.stderr
