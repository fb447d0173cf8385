"""Issue 18, the ingest side: a hostile or broken corpus file is reported against its file and never stops the
batch, never reaches outside the corpus folder, never blows up memory; `remove` works on index ids only; the
indexer cleans up after killed runs. Everything here uses the fake embedder (no model)."""

from __future__ import annotations

import json
import os
import tracemalloc
from datetime import date

import pytest
import yaml
from typer.testing import CliRunner

from assistant.errors import AssistantError, LoadError
from assistant.ingest.loaders import load_document
from assistant.ingest.pipeline import status
from assistant.settings import Settings
from tests.support import index_with_fake_model, make_pdf, write_md

GOOD_META = "title: T\npublisher: P\nyear: 2020\nurl: https://example.org/x\ndoc_type: report\n"


def front(meta: str, body: str = "## A\nSome text about otters.\n") -> str:
    return f"---\n{meta}---\n\n{body}"


def alias_bomb(levels: int = 7) -> str:
    """A few hundred bytes of YAML whose aliases expand to millions of strings."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        p = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{','.join([p] * 9)}]")
    return "\n".join(lines) + f"\ntitle: *a{levels - 1}\npublisher: P\nyear: 2020\nurl: https://example.org/x\ndoc_type: report\n"


@pytest.fixture
def corpus(small_corpus):
    return small_corpus


@pytest.fixture
def settings(small_settings):
    return small_settings


index = index_with_fake_model


def failed_names(report) -> dict[str, str]:
    return {os.path.basename(f["path"]): f["error"] for f in report.failed}


# -- Found 2: one bad file must never crash the batch ----------------------------------------------------------

def test_year_inf_is_a_load_error(tmp_path):
    p = tmp_path / "inf.md"
    p.write_text(front(GOOD_META.replace("year: 2020", "year: .inf")))
    with pytest.raises(LoadError, match="'year'") as e:
        load_document(p)
    assert "inf.md" in str(e.value)


@pytest.mark.parametrize("depth,needle", [(30_000, "nested more than"), (50_000, "characters, over the")])
def test_yaml_nested_deep_is_a_load_error(tmp_path, depth, needle):
    p = tmp_path / "deep.md"
    p.write_text(front(GOOD_META + "extra: " + "[" * depth + "]" * depth + "\n"))
    with pytest.raises(LoadError, match=needle) as e:
        load_document(p)
    assert "deep.md" in str(e.value)


def test_sidecar_that_is_not_utf8_is_a_load_error(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_text("Plain text about otters.")
    (tmp_path / "latin.txt.meta.yaml").write_bytes(GOOD_META.replace("title: T", "title: caf\xe9").encode("latin-1"))
    with pytest.raises(LoadError, match="UTF-8") as e:
        load_document(p)
    assert "latin.txt.meta.yaml" in str(e.value)


@pytest.mark.parametrize("change,field", [
    ({"year": date.today().year + 2}, "year"),      # beyond next year
    ({"year": 2999}, "year"),
    ({"year": 1899}, "year"),
    ({"year": "true"}, "year"),
    ({"year": 2020.5}, "year"),
    ({"title": "x" * 5000}, "title"),               # string size limits
    ({"publisher": ["a", "b"]}, "publisher"),       # wrong type
    ({"sample_size": True}, "sample_size"),
    ({"sample_size": -3}, "sample_size"),
    ({"source_note": "y" * 50_000}, "source_note"),
])
def test_front_matter_types_ranges_and_sizes(tmp_path, change, field):
    meta = {**yaml.safe_load(GOOD_META), **change}
    p = tmp_path / "doc.md"
    p.write_text(front(yaml.safe_dump(meta)))
    with pytest.raises(LoadError, match=f"'{field}'"):
        load_document(p)


def test_good_front_matter_still_loads(tmp_path):
    p = tmp_path / "doc.md"
    p.write_text(front(GOOD_META + "year_note: ok\nsample_size: 120\ndesign: cohort\nlicence: OGL\n"))
    doc = load_document(p)
    assert (doc.meta.year, doc.meta.sample_size, doc.meta.design, doc.meta.licence) == (2020, 120, "cohort", "OGL")


def test_a_batch_of_hostile_files_is_reported_file_by_file(settings, corpus):
    bad = corpus / "report"
    (bad / "latin.txt").write_text("Plain text about otters.")
    (bad / "latin.txt.meta.yaml").write_bytes(GOOD_META.replace("title: T", "title: caf\xe9").encode("latin-1"))
    (bad / "inf.md").write_text(front(GOOD_META.replace("year: 2020", "year: .inf")))
    (bad / "deep.md").write_text(front(GOOD_META + "x: " + "[" * 50_000 + "]" * 50_000 + "\n"))
    (bad / "bomb.md").write_text(front(alias_bomb()))
    (bad / "junk.md").write_bytes(os.urandom(4000) + b"\xff\xfe")
    r = index(settings)
    failed = failed_names(r)
    assert set(failed) == {"latin.txt", "inf.md", "deep.md", "bomb.md", "junk.md"}, failed
    assert sorted(r.added) == ["bridges", "lighthouses", "otters"] and r.version == 1


def test_cli_index_names_each_bad_file_exits_1_without_traceback(settings, corpus, fake_model, monkeypatch):
    (corpus / "report" / "inf.md").write_text(front(GOOD_META.replace("year: 2020", "year: .inf")))
    (corpus / "report" / "deep.md").write_text(front(GOOD_META + "x: " + "[" * 30_000 + "]" * 30_000 + "\n"))
    monkeypatch.setenv("ASSISTANT_HOME", str(settings.home))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    from assistant.app.cli import app

    result = CliRunner().invoke(app, ["index"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if "failed:" in ln]
    assert len(lines) == 2 and any("inf.md" in ln and "year" in ln for ln in lines)
    assert any("deep.md" in ln and "nested" in ln for ln in lines)
    assert {d["doc_id"] for d in status(settings)["documents"]} == {"bridges", "lighthouses", "otters"}


# -- Found 3: YAML aliases ------------------------------------------------------------------------------------

def test_yaml_aliases_are_refused_without_expanding_them(tmp_path):
    p = tmp_path / "bomb.md"
    p.write_text(front(alias_bomb(levels=8)))  # 43 million strings if expanded
    assert p.stat().st_size < 1000
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match="alias") as e:
            load_document(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "bomb.md" in str(e.value) and peak < 5_000_000


def test_yaml_anchor_without_alias_is_refused_too(tmp_path):
    p = tmp_path / "anchor.md"
    p.write_text(front(GOOD_META.replace("title: T", "title: &t T")))
    with pytest.raises(LoadError, match="anchor"):
        load_document(p)


# -- Found 4: symlinks ------------------------------------------------------------------------------------------

def test_symlinks_and_paths_outside_the_corpus_are_refused(settings, corpus, tmp_path):
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:SECRET-LEAK-MARKER:/root:/bin/bash\n")
    (corpus / "report" / "leak.txt").symlink_to(secret)
    (corpus / "report" / "leak.txt.meta.yaml").write_text(GOOD_META)
    write_md(tmp_path / "outside", "elsewhere", "## Elsewhere\nSECRET-LEAK-MARKER in a markdown file.")
    (corpus / "linked").symlink_to(tmp_path / "outside")  # a symlinked folder
    # a real file whose sidecar is a symlink to a file outside
    (corpus / "report" / "notes.txt").write_text("Notes about otters.")
    (tmp_path / "outside" / "meta.yaml").write_text(GOOD_META)
    (corpus / "report" / "notes.txt.meta.yaml").symlink_to(tmp_path / "outside" / "meta.yaml")
    r = index(settings)
    failed = failed_names(r)
    assert set(failed) == {"leak.txt", "notes.txt", "linked"}, failed
    assert all("symbolic link" in failed[n] or "outside" in failed[n] for n in failed)
    assert sorted(r.added) == ["bridges", "lighthouses", "otters"]
    from assistant.store import open_store

    got = open_store(settings).open_version(r.version).get(include=["documents"])
    assert not any("SECRET-LEAK-MARKER" in d for d in got["documents"])


def test_load_document_refuses_a_symlink(tmp_path):
    real = write_md(tmp_path / "real", "doc", "## A\ntext")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    with pytest.raises(LoadError, match="symbolic link"):
        load_document(link)


# -- Found 7: remove by index id only; add leaves no rejected copy ------------------------------------------------

def test_remove_works_on_index_ids_only(settings, corpus, fake_model):
    from assistant.ingest.maintain import remove_document

    readme = corpus / "README.md"
    readme.write_text("# The data card\n")
    (corpus / "report" / "_draft.md").write_text(front(GOOD_META))
    index(settings)
    for name in ("readme", "README", "_draft", "report"):
        with pytest.raises(AssistantError, match="no document"):
            remove_document(settings, name, quiet=True)
    assert readme.exists() and (corpus / "report" / "_draft.md").exists()
    r = remove_document(settings, "otters", quiet=True)
    assert r.removed == ["otters"] and not (corpus / "report" / "otters.md").exists()


def test_add_of_invalid_utf8_markdown_is_a_clear_error(settings, corpus, tmp_path):
    from assistant.ingest.maintain import add_document

    index(settings)
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    for name, data in (("bad.md", b"## A\n\xff\xfe\xfa not utf-8\n"), ("noise.md", os.urandom(3000) + b"\xff")):
        src = tmp_path / name
        src.write_bytes(data)
        with pytest.raises(AssistantError, match="UTF-8") as e:
            add_document(settings, src, title="T", publisher="P", year=2020, url="https://example.org/x",
                         doc_type="report", quiet=True)
        assert name in str(e.value)
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == before


def test_add_of_a_duplicate_leaves_nothing_in_the_corpus(settings, corpus, tmp_path, fake_model):
    from assistant.ingest.maintain import add_document

    index(settings)
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    pdf = make_pdf(tmp_path / "ferry.pdf", ["The Shields ferry crossing takes seven minutes."])
    meta = {"title": "Ferry", "publisher": "Nexus", "year": 2025, "url": "https://example.org/ferry", "doc_type": "report"}
    r = add_document(settings, pdf, **meta, quiet=True)
    assert r.added == ["ferry"] and r.failed == []
    after_first = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    with pytest.raises(AssistantError, match="same content"):
        add_document(settings, pdf, **meta, doc_id="ferry-copy", quiet=True)
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == after_first != before
    r = index(settings)  # and the next index is clean
    assert r.failed == []


# -- Found 9 (ingest): caps, checked before reading; leftovers of killed runs ------------------------------------

def _sparse(path, mb: int):
    with open(path, "wb") as f:
        f.truncate(mb * 1024 * 1024)
    return path


def test_add_checks_the_size_before_reading(settings, tmp_path):
    from assistant.ingest.maintain import add_document

    big = _sparse(tmp_path / "big.md", 200)
    tracemalloc.start()
    try:
        with pytest.raises(AssistantError, match="ASSISTANT_MAX_FILE_MB") as e:
            add_document(settings, big, title="T", publisher="P", year=2020, url="https://example.org/x",
                         doc_type="report", quiet=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "big.md" in str(e.value) and peak < 20_000_000


def test_index_checks_the_size_before_reading_and_reads_the_setting(settings, corpus, monkeypatch):
    _sparse(corpus / "report" / "big.md", 120)
    tracemalloc.start()
    try:
        r = index(settings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "ASSISTANT_MAX_FILE_MB" in failed_names(r)["big.md"] and peak < 60_000_000
    assert sorted(r.added) == ["bridges", "lighthouses", "otters"]
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0.0001")  # about 100 bytes: every small document is now too big
    small = Settings.from_env(home=settings.home, corpus=corpus)
    assert small.max_file_bytes < 200
    with pytest.raises(LoadError, match="ASSISTANT_MAX_FILE_MB"):
        load_document(corpus / "report" / "otters.md", small.max_file_bytes)


def test_pages_per_pdf_are_capped(settings, corpus):
    pdf = make_pdf(corpus / "report" / "long.pdf", [f"Page {i} about canal locks." for i in range(1, 8)])
    pdf.with_name("long.pdf.meta.yaml").write_text(GOOD_META)
    r = index(settings.with_(max_pdf_pages=5))
    assert "ASSISTANT_MAX_PDF_PAGES" in failed_names(r)["long.pdf"]
    assert sorted(r.added) == ["bridges", "lighthouses", "otters"]


def test_passages_per_document_are_capped(settings, corpus):
    body = "\n\n".join(f"## Section {i}\nOtters section {i} has some words in it." for i in range(30))
    write_md(corpus / "report", "many", body)
    r = index(settings.with_(max_passages=10))
    assert "ASSISTANT_MAX_PASSAGES" in failed_names(r)["many.md"]
    assert sorted(r.added) == ["bridges", "lighthouses", "otters"]
    assert "many" not in {d["doc_id"] for d in status(settings)["documents"]}


def test_leftover_versions_of_killed_runs_are_removed_by_the_next_index(settings):
    r1 = index(settings)
    leftover = settings.home / "versions" / "v0007"
    leftover.mkdir()
    (leftover / "chroma.sqlite3").write_bytes(b"half-written")
    r2 = index(settings)  # nothing changed in the corpus: still cleans up
    assert not r2.changed and r2.version == r1.version == 1
    assert not leftover.exists()
    assert (settings.home / "versions" / "v0001").exists()


def test_index_json_lists_failures(settings, corpus, fake_model, monkeypatch):
    (corpus / "report" / "inf.md").write_text(front(GOOD_META.replace("year: 2020", "year: .inf")))
    monkeypatch.setenv("ASSISTANT_HOME", str(settings.home))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    from assistant.app.cli import app

    result = CliRunner().invoke(app, ["index", "--json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert [os.path.basename(f["path"]) for f in out["failed"]] == ["inf.md"]


def test_add_names_the_users_file_never_its_staged_copy(settings, corpus, tmp_path):
    from assistant.ingest.maintain import add_document

    index(settings)
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    bad = tmp_path / "my-guide.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really a pdf at all\n%%EOF\n")
    with pytest.raises(AssistantError) as e:
        add_document(settings, bad, title="Guide", publisher="P", year=2024, url="https://example.org/g",
                     doc_type="guidance", quiet=True)
    assert str(e.value).startswith(f"{bad}: ") and "incoming" not in str(e.value)
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == before
