"""Every change is a transaction over the corpus folder and the index together (issue 17, item 1): rollback puts
the files and metadata back with the index, version numbers are never reused, how many versions are kept is a
setting, `history` lists the changes, and a refused or failed `add` leaves the folder exactly as it was.
No model: the fake embedder and no tagger."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.errors import AssistantError
from assistant.ingest.maintain import add_document, edit_document, remove_document
from assistant.ingest.pipeline import history, index_lock, rollback, rollback_to, status
from tests.support import index_with_fake_model as index
from tests.support import make_pdf, write_md

META = {"title": "Ferry timetable", "publisher": "Nexus", "year": 2025, "url": "https://example.org/ferry", "doc_type": "guidance"}


def tree(corpus) -> dict:
    """Every file and folder under the corpus folder, with the bytes of each file: 'exactly as it was'."""
    return {p.relative_to(corpus).as_posix(): (p.read_bytes() if p.is_file() else "folder") for p in corpus.rglob("*")}


def ids(settings) -> set[str]:
    return {d["doc_id"] for d in status(settings)["documents"]}


def cli(args, settings, monkeypatch, input=None):
    from assistant.app.cli import app

    monkeypatch.setenv("ASSISTANT_HOME", str(settings.home))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(settings.corpus))
    return CliRunner().invoke(app, args, input=input)


# -- Found 1: rollback undoes the corpus folder too; numbers never reused; versions kept is a setting --------------

def test_remove_then_rollback_then_index_keeps_the_document(small_settings, small_corpus, fake_model):
    """The issue's reproduction: `remove DOC; index --rollback; index` removed the document again."""
    index(small_settings)
    before = tree(small_corpus)
    remove_document(small_settings, "otters", quiet=True)
    assert "report/otters.md" not in tree(small_corpus)
    assert rollback(small_settings) == 1
    assert tree(small_corpus) == before  # the file is back, byte for byte (its front matter with it)
    r = index(small_settings)
    assert not r.changed and r.removed == [] and "otters" in ids(small_settings)


def test_rollback_restores_metadata_and_a_replaced_file(small_settings, small_corpus, fake_model, tmp_path):
    index(small_settings)
    pdf = make_pdf(tmp_path / "ferry.pdf", ["The ferry crossing takes seven minutes in calm weather."])
    add_document(small_settings, pdf, **META, quiet=True)
    after_add = tree(small_corpus)
    edit_document(small_settings, "ferry", {"title": "Ferry times (corrected)"}, quiet=True)
    (tmp_path / "v2").mkdir()
    fixed = make_pdf(tmp_path / "v2" / "ferry.pdf", ["The ferry crossing takes eight minutes when the tide is out."])
    add_document(small_settings, fixed, replace=True, quiet=True)
    assert tree(small_corpus) != after_add
    v_add = [e["version"] for e in history(small_settings)["changes"] if e["command"] == "add"][-1]  # the first add
    rollback(small_settings, to=v_add)
    assert tree(small_corpus) == after_add  # the first PDF and its first sidecar, not the corrected ones
    assert {d["doc_id"]: d["title"] for d in status(small_settings)["documents"]}["ferry"] == "Ferry timetable"
    assert not index(small_settings).changed  # the index and the folder agree


def test_version_numbers_are_never_reused(small_settings, small_corpus, fake_model):
    """Before, rollback dropped the newest version and the next run took its number again."""
    assert index(small_settings).version == 1
    (small_corpus / "report" / "bridges.md").unlink()
    assert index(small_settings).version == 2
    assert rollback(small_settings) == 1
    write_md(small_corpus / "report", "herons", "## Herons\nGrey herons nest in colonies along the Tyne.")
    assert index(small_settings).version == 3
    assert rollback(small_settings, to=2) == 2  # a rollback does not drop versions: forward again
    assert ids(small_settings) == {"otters", "lighthouses"} and not (small_corpus / "report" / "herons.md").exists()


def test_how_many_versions_are_kept_is_a_setting(small_settings, small_corpus, fake_model):
    s = small_settings.with_(keep_versions=2)
    index(s)
    for i in range(4):
        write_md(small_corpus / "report", f"note-{i}", f"## Note {i}\nCanal note number {i} about lock gates.")
        index(s)
    info = status(s)
    assert info["active_version"] == 5 and info["previous_versions"] == [4, 3]
    assert sorted(p.name for p in (s.home / "versions").iterdir()) == ["v0003", "v0004", "v0005"]
    with pytest.raises(AssistantError, match="version 1 is not kept"):
        rollback(s, to=1)
    h = history(s)
    assert [e["version"] for e in h["changes"]] == [5, 4, 3, 2, 1]  # every change is listed, kept or not
    assert [e["kept"] for e in h["changes"]] == [True, True, True, False, False]
    # saved copies of files no kept version refers to are deleted, the rest stay
    objects = list((s.home / "corpus-history" / "objects").glob("*/*"))
    assert len(objects) == 3 + 4 + 3  # 3 documents, 4 notes, one listing per kept version


def test_history_lists_what_when_and_version(small_settings, small_corpus, fake_model, tmp_path, monkeypatch):
    index(small_settings)
    add_document(small_settings, make_pdf(tmp_path / "ferry.pdf", ["The ferry crossing takes seven minutes."]), **META, quiet=True)
    edit_document(small_settings, "ferry", {"year": 2024}, quiet=True)
    remove_document(small_settings, "ferry", quiet=True)
    rollback(small_settings, to=3)
    changes = history(small_settings)["changes"]
    assert [(e["version"], e["command"]) for e in changes] == [(3, "rollback"), (4, "remove"), (3, "edit"), (2, "add"), (1, "index")]
    assert changes[2]["what"] == "edited ferry: year=2024" and changes[1]["what"] == "removed ferry (Ferry timetable)"
    assert all(e["when"].startswith("20") for e in changes) and changes[0]["active"]
    out = cli(["history"], small_settings, monkeypatch)
    assert out.exit_code == 0, out.output
    assert "active version: 3; kept for rollback: 4, 3, 2, 1" in out.output and "remove   removed ferry" in out.output
    back = cli(["rollback", "--to", "4", "--json"], small_settings, monkeypatch)
    assert back.exit_code == 0, back.output
    assert json.loads(back.output)["files"]["removed"] == ["guidance/ferry.pdf", "guidance/ferry.pdf.meta.yaml"]
    assert not (small_settings.corpus / "guidance").exists()  # the folder it left empty goes too
    again = cli(["rollback", "--to", "4"], small_settings, monkeypatch)
    assert again.exit_code == 2 and "already active" in again.output


def test_rollback_will_not_discard_changes_no_version_records(small_settings, small_corpus, fake_model):
    index(small_settings)
    (small_corpus / "report" / "bridges.md").unlink()
    index(small_settings)
    draft = write_md(small_corpus / "report", "draft", "## Draft\nA guide still being written.")
    with pytest.raises(AssistantError, match=r"changes no index version records \(report/draft.md\).*index` first"):
        rollback(small_settings)
    assert draft.exists() and status(small_settings)["active_version"] == 2
    r = rollback_to(small_settings, force=True)  # --force: discarded from the folder, but saved first
    assert r.version == 1 and not draft.exists() and (small_corpus / "report" / "bridges.md").exists()
    saved = history(small_settings)["changes"][0]["corpus_before"]
    assert "report/draft.md" in json.loads((small_settings.home / "corpus-history" / "objects" / saved[:2] / saved).read_text())


def test_a_version_made_before_the_corpus_was_recorded_rolls_back_the_index_only(small_settings, small_corpus, fake_model):
    index(small_settings)
    (small_corpus / "report" / "bridges.md").unlink()
    index(small_settings)
    manifest_path = small_settings.home / "manifest.json"
    m = json.loads(manifest_path.read_text())
    del m["versions"]["1"]["corpus"]  # as a manifest written by an earlier release
    manifest_path.write_text(json.dumps(m))
    r = rollback_to(small_settings)
    assert r.version == 1 and "only the index was rolled back" in r.warning
    assert not (small_corpus / "report" / "bridges.md").exists()


# -- Found 4: a refused or failed add leaves the corpus folder exactly as it was ----------------------------------

def test_an_add_refused_by_the_lock_leaves_the_folder_exactly_as_it_was(small_settings, small_corpus, fake_model, tmp_path):
    """Before, `add` copied the file (and made corpus/guidance/) before the index run found the lock taken."""
    index(small_settings)
    before = tree(small_corpus)
    pdf = make_pdf(tmp_path / "ferry.pdf", ["The ferry crossing takes seven minutes."])
    import fcntl

    with open(small_settings.home / "index.lock", "w") as held:  # another process's run holds the lock
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            with pytest.raises(AssistantError, match="another indexing run"):
                add_document(small_settings, pdf, **META, quiet=True)
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    assert tree(small_corpus) == before
    assert add_document(small_settings, pdf, **META, quiet=True).added == ["ferry"]  # a retry just works


def test_an_add_that_fails_mid_run_puts_everything_back(small_settings, small_corpus, fake_model, tmp_path, monkeypatch):
    import assistant.embedding

    index(small_settings)
    first = make_pdf(tmp_path / "ferry.pdf", ["The ferry crossing takes seven minutes."])
    add_document(small_settings, first, **META, quiet=True)
    before = tree(small_corpus)

    class Broken:
        name = "broken"

        def embed(self, texts, batch_size=64, progress=None):
            raise RuntimeError("out of memory")

    monkeypatch.setattr(assistant.embedding, "get_embedder", lambda *a, **k: Broken())
    (tmp_path / "v2").mkdir()
    fixed = make_pdf(tmp_path / "v2" / "ferry.pdf", ["The ferry crossing takes eight minutes."])
    with pytest.raises(RuntimeError, match="out of memory"):
        add_document(small_settings, fixed, replace=True, quiet=True)
    new_doc = write_md(tmp_path / "in", "herons", "## Herons\nGrey herons nest along the Tyne.", doc_type="study")
    with pytest.raises(RuntimeError, match="out of memory"):
        add_document(small_settings, new_doc, quiet=True)
    assert tree(small_corpus) == before  # the replaced PDF and sidecar are back; no study/ folder was left
    assert status(small_settings)["active_version"] == 2


def test_a_refusal_never_leaves_a_lock_or_a_pending_record(small_settings, small_corpus, fake_model, tmp_path):
    index(small_settings)
    with pytest.raises(AssistantError, match="missing --title"):
        add_document(small_settings, make_pdf(tmp_path / "notes.pdf", ["Some text."]), publisher="P", quiet=True)
    assert not list((small_settings.home / "corpus-history").glob("pending-*"))
    with index_lock(small_settings):  # free again
        pass
