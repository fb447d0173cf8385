"""Duplicates by the content of the text (issue 17, item 3) and the paths around a change (item 5): `add FOLDER`,
`--dry-run`, `--eval` on `add` and `remove`, progress that moves on every batch. No model: the fake embedder
and no tagger."""

from __future__ import annotations

import io
import json
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from assistant.errors import AssistantError
from assistant.ingest.maintain import add_document
from assistant.ingest.pipeline import status
from tests.support import index_with_fake_model as index
from tests.support import make_pdf, write_md

META = {"title": "Canal guide", "publisher": "Canal Trust", "year": 2025, "url": "https://example.org/canals", "doc_type": "guidance"}
RIVERS = ["Tyne", "Wear", "Tees", "Coquet", "Aln", "Derwent", "Blyth", "Wansbeck"]
ANIMALS = ["otters", "kingfishers", "herons", "salmon", "beavers", "dippers", "voles", "eels"]


def long_text(seed: int = 0, n: int = 20) -> list[str]:
    """Varied sentences (so that 5-word shingles are many and distinct), as pages of a guide."""
    sentences = [f"In {2000 + (i * 7 + seed) % 25} the survey of the {RIVERS[(i + seed) % 8]} counted {37 * i + seed} "
                 f"{ANIMALS[(i * 3 + seed) % 8]} near weir number {i}." for i in range(n)]
    return [" ".join(sentences[i:i + 10]) for i in range(0, n, 10)]


def cli(args, settings, monkeypatch, input=None):
    from assistant.app.cli import app

    monkeypatch.setenv("ASSISTANT_HOME", str(settings.home))
    monkeypatch.setenv("ASSISTANT_CORPUS", str(settings.corpus))
    return CliRunner().invoke(app, args, input=input)


def tree(corpus) -> dict:
    return {p.relative_to(corpus).as_posix(): (p.read_bytes() if p.is_file() else "folder") for p in corpus.rglob("*")}


# -- Found 5: duplicates by content ---------------------------------------------------------------------------

def test_the_same_pdf_under_another_name_and_metadata_is_refused(small_settings, fake_model, tmp_path):
    """Before, the check hashed the file with its metadata: another title let a copy through."""
    index(small_settings)
    pdf = make_pdf(tmp_path / "canal-guide.pdf", long_text())
    add_document(small_settings, pdf, **META, quiet=True)
    before = tree(small_settings.corpus)
    copy = shutil.copy(pdf, tmp_path / "canals-2025.pdf")
    with pytest.raises(AssistantError, match=r"canals-2025.pdf: same content as document 'canal-guide'"):
        add_document(small_settings, copy, **{**META, "title": "Guide to canals", "year": 2024}, quiet=True)
    assert tree(small_settings.corpus) == before


def test_a_copy_made_by_hand_is_refused_by_index(small_settings, small_corpus, fake_model):
    index(small_settings)
    body = (small_corpus / "report" / "otters.md").read_text().split("---", 2)[2]
    write_md(small_corpus / "study", "otter-survey", "\n\n" + body.replace("\n", "\n\n"), title="Otter survey", year=2023)
    r = index(small_settings)
    assert len(r.failed) == 1 and r.failed[0]["error"].startswith("same content as document 'otters' (the same text)")
    assert "otter-survey" not in {d["doc_id"] for d in status(small_settings)["documents"]}


def guide(folder, doc_id: str, pages: list[str], cover: str | None = None, **meta):
    """A markdown guide of several sections, with an optional cover page first (a PDF's cover is one more page)."""
    body = ([f"## Cover\n{cover}"] if cover else []) + [f"## Part {i + 1}\n{p}" for i, p in enumerate(pages)]
    return write_md(folder, doc_id, "\n\n".join(body), **{**META, **meta})


def test_a_new_cover_page_is_reported_as_a_near_duplicate(small_settings, fake_model, tmp_path, monkeypatch):
    index(small_settings)
    add_document(small_settings, guide(tmp_path / "a", "canal-guide", long_text()), quiet=True)
    recovered = guide(tmp_path / "b", "canal-guide-2026", long_text(), cover="Canal guide, 2026 edition. Canal Trust.")
    out = cli(["add", str(recovered), "--title", "Canal guide 2026", "--year", "2026"], small_settings, monkeypatch)
    assert out.exit_code == 0, out.output  # reported, not refused: it may be a new edition
    assert "near-duplicate: canal-guide-2026 has about" in out.output and "--supersedes canal-guide" in out.output
    near = json.loads(cli(["index", "--full", "--json"], small_settings, monkeypatch).output)["near_duplicates"]
    assert [(n["doc_id"], n["of"]) for n in near] == [("canal-guide-2026", "canal-guide")] and near[0]["similarity"] > 0.9
    other = guide(tmp_path / "c", "river-guide", long_text(seed=3), title="Rivers")  # the same kind of sentences, other facts
    assert add_document(small_settings, other, quiet=True).near_duplicates == []


def test_a_declared_new_edition_is_not_reported(small_settings, fake_model, tmp_path):
    index(small_settings)
    add_document(small_settings, guide(tmp_path / "a", "canal-guide", long_text()), quiet=True)
    new = guide(tmp_path / "b", "canal-guide-2026", long_text(), cover="Canal guide, 2026 edition.", year=2026)
    r = add_document(small_settings, new, supersedes="canal-guide", quiet=True)
    assert r.added == ["canal-guide-2026"] and r.near_duplicates == []


# -- Found 7: add FOLDER, --dry-run ---------------------------------------------------------------------------

@pytest.fixture
def inbox(tmp_path):
    """A folder of new documents as a maintainer would collect them: metadata in front matter or sidecars,
    one file missing its title, a README that is not a document."""
    box = tmp_path / "inbox"
    write_md(box, "herons", "## Herons\nGrey herons nest in colonies along the Tyne.", title="Herons", doc_type="study")
    write_md(box / "more", "dippers", "## Dippers\nDippers walk underwater in fast streams.", title="Dippers")
    make_pdf(box / "ferry.pdf", ["The Shields ferry crossing takes seven minutes."])
    (box / "ferry.pdf.meta.yaml").write_text(yaml.safe_dump({"title": "Ferry", "publisher": "Nexus", "year": 2025,
                                                              "url": "https://example.org/ferry"}))
    (box / "untitled.md").write_text("---\npublisher: Somebody\n---\n\n## Notes\nSome notes about weirs.\n")
    (box / "README.md").write_text("What is in this folder.\n")
    return box


def test_add_a_folder_adds_every_supported_file_in_one_change(small_settings, fake_model, inbox, monkeypatch):
    index(small_settings)
    out = cli(["add", str(inbox), "--doc-type", "report", "--licence", "OGL"], small_settings, monkeypatch)
    assert out.exit_code == 1  # one file was refused
    assert "added dippers, ferry, herons (3 of 4 files); index version 2" in out.output
    assert "refused: " in out.output and "untitled.md: missing --title, --year, --url" in out.output
    docs = {d["doc_id"]: d for d in status(small_settings)["documents"]}
    assert {"herons", "dippers", "ferry"} <= set(docs) and "untitled" not in docs and "readme" not in docs
    assert docs["herons"]["doc_type"] == "report"  # an option given wins over the file's own metadata
    assert (small_settings.corpus / "report" / "ferry.pdf.meta.yaml").exists()
    assert status(small_settings)["active_version"] == 2  # one index run for the folder


def test_dry_run_says_what_would_happen_and_changes_nothing(small_settings, fake_model, inbox, monkeypatch):
    index(small_settings)
    before, manifest = tree(small_settings.corpus), (small_settings.home / "manifest.json").read_bytes()
    out = cli(["add", str(inbox), "--doc-type", "report", "--dry-run"], small_settings, monkeypatch)
    assert out.exit_code == 1, out.output
    assert "dry run, nothing changed: would add 3 of 4 files" in out.output
    assert "+ herons  <- " in out.output and "untitled.md: missing --title" in out.output
    data = json.loads(cli(["add", str(inbox), "--doc-type", "report", "--dry-run", "--json"], small_settings,
                          monkeypatch).stdout)
    assert data["dry_run"] and sorted(a["doc_id"] for a in data["added_files"]) == ["dippers", "ferry", "herons"]
    assert [r["file"].rsplit("/", 1)[1] for r in data["refused_files"]] == ["untitled.md"]
    assert tree(small_settings.corpus) == before and (small_settings.home / "manifest.json").read_bytes() == manifest
    assert "bridges" in cli(["add", str(small_settings.corpus / "report" / "bridges.md"), "--dry-run"], small_settings,
                            monkeypatch).output  # an indexed document: 'already exists'


def test_a_folder_takes_no_title_or_id(small_settings, fake_model, inbox, monkeypatch):
    out = cli(["add", str(inbox), "--title", "One title for all"], small_settings, monkeypatch)
    assert out.exit_code == 2 and "--title and --doc-id name one document" in out.output


# -- Found 7: --eval on add and remove ------------------------------------------------------------------------

def test_add_and_remove_eval_compare_with_the_last_run_and_say_what_differs(small_settings, fake_model, tmp_path,
                                                                            monkeypatch):
    index(small_settings)
    (tmp_path / "evals").mkdir()
    questions = tmp_path / "evals" / "questions.jsonl"
    qs = [{"id": "q1", "question": "How many otters did the 2023 survey count?", "answerable": True, "facts": ["412"]},
          {"id": "q2", "question": "When did the Gateshead Millennium Bridge open?", "answerable": True, "facts": ["2001"]}]
    questions.write_text("".join(json.dumps(q) + "\n" for q in qs))
    monkeypatch.chdir(tmp_path)  # evals/questions.jsonl in the working folder, as in the project
    note = write_md(tmp_path / "in", "herons", "## Herons\nGrey herons nest in colonies along the Tyne.")
    first = cli(["add", str(note), "--eval"], small_settings, monkeypatch)
    assert first.exit_code == 0, first.output
    assert "eval: evals/questions.jsonl" in first.output and "first saved run" in first.output
    questions.write_text(json.dumps(qs[0]) + "\n")  # the question set changes, and a setting
    monkeypatch.setenv("ASSISTANT_K", "3")
    second = cli(["remove", "herons", "--yes", "--eval"], small_settings, monkeypatch)
    assert second.exit_code == 0, second.output
    assert "compared with the previous run" in second.output
    assert "warning: the question sets differ" in second.output and "1 question(s) only in the last run" in second.output
    assert "warning: retrieval differs: {'k': 5" in second.output and "'k': 3" in second.output
    assert "note: the corpus differs: corpus_hash " in second.output and "n_documents 4 -> 3" in second.output
    assert len(list((small_settings.home / "evals").glob("*.json"))) == 2


# -- Found 7: progress moves on every batch ---------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_moves_on_every_batch(small_settings, small_corpus, fake_model, monkeypatch):
    """Before, tqdm drew at most every 0.1 s, so batches that took less were never shown."""
    from assistant.ingest import pipeline

    for i in range(6):
        write_md(small_corpus / "report", f"note-{i}", f"## Note {i}\nCanal note number {i} about lock gates.")
    monkeypatch.setattr(pipeline, "EMBED_BATCH", 2)
    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    r = pipeline.build_index(small_settings, embedder=__import__("tests.support").support.FakeEmbedder(), tagger=False)
    shown = term.getvalue()
    n = r.embedded
    assert n == 10 and all(f"{k}/{n}" in shown for k in range(2, n + 1, 2)), shown
    assert "reading" in shown and "9/9" in shown  # the files read before embedding (a long PDF takes a while)


# -- Found 7: bench --baseline reads the same files the assistant reads -------------------------------------------

def test_the_baseline_reads_the_files_the_assistant_indexes(small_corpus, tmp_path):
    """Before, it read only markdown (and the corpus README with it): a PDF's facts were never in the baseline."""
    from assistant.evaluation.baselines import baseline_documents

    make_pdf(small_corpus / "report" / "ferry.pdf", ["The Shields ferry crossing takes seven minutes."])
    (small_corpus / "report" / "ferry.pdf.meta.yaml").write_text("title: Ferry\n")
    (small_corpus / "README.md").write_text("The data card: what is in this corpus.\n")
    docs = baseline_documents(small_corpus)
    text = "\n".join(d.text for d in docs)
    assert "seven minutes" in text and "412 otters" in text
    assert "data card" not in text and "title: Ferry" not in text
    assert sorted({d.metadata["file_name"] for d in docs}) == ["bridges.md", "ferry.pdf", "lighthouses.md", "otters.md"]
