"""Indexing: incremental by hash, bad files reported without losing the rest, atomic versions, rollback,
surviving a kill, and the same cycle against a real Chroma server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from assistant.api import EvidenceAssistant
from assistant.errors import AssistantError
from assistant.ingest.pipeline import build_index, rollback, status
from tests.support import PY, ROOT, run_cli, write_md


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.texts = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed(self, texts, *args, **kwargs):
        self.texts += len(texts)
        return self.inner.embed(texts, *args, **kwargs)

    def embed_one(self, text):
        self.texts += 1
        return self.inner.embed_one(text)


def ask_top(settings, question):
    a = EvidenceAssistant.open(settings, build_if_missing=False)
    return a.ask(question)


def test_incremental_cycle(small_settings, embedder):
    s = small_settings
    r1 = build_index(s, quiet=True, embedder=embedder)
    assert sorted(r1.added) == ["bridges", "lighthouses", "otters"] and r1.failed == [] and r1.version == 1
    assert r1.passages == 4

    counting = CountingEmbedder(embedder)
    r2 = build_index(s, quiet=True, embedder=counting)
    assert not r2.changed and r2.version == 1 and sorted(r2.unchanged) == ["bridges", "lighthouses", "otters"]
    assert counting.texts == 0  # nothing unchanged is embedded again (checked by count, not by a timer)

    write_md(s.corpus / "report", "otters", "## River otters\nThe 2024 survey counted 530 otters on the Tyne.")
    (s.corpus / "report" / "bridges.md").unlink()
    r3 = build_index(s, quiet=True, embedder=embedder)
    assert r3.updated == ["otters"] and r3.removed == ["bridges"] and r3.unchanged == ["lighthouses"] and r3.version == 2
    ans = ask_top(s, "How many otters were counted on the Tyne?")
    assert not ans.abstained and "530" in ans.citations[0].text
    assert all(c.doc_id != "bridges" for c in ans.citations)
    info = status(s)
    assert info["active_version"] == 2 and info["previous_versions"] == [1]
    assert {d["doc_id"] for d in info["documents"]} == {"otters", "lighthouses"}


def test_bad_files_are_reported_and_the_rest_indexed(small_settings, embedder):
    s = small_settings
    (s.corpus / "report" / "empty.md").write_text("")
    (s.corpus / "report" / "nometa.md").write_text("## Heading\nNo front matter here.\n")
    (s.corpus / "report" / "notes.docx").write_bytes(b"PK")  # unsupported types are not corpus files: ignored
    (s.corpus / "study").mkdir()
    (s.corpus / "study" / "otters-copy.md").write_bytes((s.corpus / "report" / "otters.md").read_bytes())  # same bytes
    r = build_index(s, quiet=True, embedder=embedder)
    failed = {os.path.basename(f["path"]): f["error"] for f in r.failed}
    assert set(failed) == {"empty.md", "nometa.md", "otters-copy.md"}
    assert "empty" in failed["empty.md"] and "front matter" in failed["nometa.md"] and "duplicate" in failed["otters-copy.md"]
    assert sorted(r.added) == ["bridges", "lighthouses", "otters"]


def test_a_file_that_breaks_keeps_its_previous_version(small_settings, embedder):
    s = small_settings
    build_index(s, quiet=True, embedder=embedder)
    (s.corpus / "report" / "otters.md").write_text("---\ntitle: broken\n---\n## x\ny\n")
    r = build_index(s, quiet=True, embedder=embedder)
    assert [os.path.basename(f["path"]) for f in r.failed] == ["otters.md"]
    ans = ask_top(s, "How many otters did the 2023 survey count?")
    assert any("412" in c.text for c in ans.citations)


def test_rollback_restores_previous_version(small_settings, embedder):
    s = small_settings
    build_index(s, quiet=True, embedder=embedder)
    (s.corpus / "report" / "lighthouses.md").unlink()
    build_index(s, quiet=True, embedder=embedder)
    assert {d["doc_id"] for d in status(s)["documents"]} == {"otters", "bridges"}
    assert rollback(s) == 1
    assert {d["doc_id"] for d in status(s)["documents"]} == {"otters", "bridges", "lighthouses"}
    with pytest.raises(AssistantError, match="no previous"):
        rollback(s)


def test_broken_manifest_is_a_clear_error(small_settings, embedder):
    s = small_settings
    build_index(s, quiet=True, embedder=embedder)
    (s.home / "manifest.json").write_text("{not json")
    with pytest.raises(AssistantError, match="index --full"):
        EvidenceAssistant.open(s)


def test_kill_during_indexing_leaves_the_old_index_serving(small_settings, embedder):
    s = small_settings
    build_index(s, quiet=True, embedder=embedder)
    for i in range(300):
        write_md(s.corpus / "report", f"extra-{i}", f"## Extra {i}\nExtra document number {i} about canal boats and locks.")
    code = ("from pathlib import Path; from assistant.settings import Settings; from assistant.ingest.pipeline import build_index;"
            f"build_index(Settings.from_env(home=Path({str(s.home)!r}), corpus=Path({str(s.corpus)!r})), quiet=True)")
    proc = subprocess.Popen([PY, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    new_version = s.home / "versions" / "v0002" / "chroma.sqlite3"
    deadline = time.monotonic() + 240
    while not (new_version.exists() and new_version.stat().st_size > 0):  # the new version is being written
        assert proc.poll() is None and time.monotonic() < deadline, "the indexer finished before it could be killed"
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)  # killed part-way through, from outside: no hook in the indexer
    assert proc.wait(timeout=30) == -signal.SIGKILL
    info = status(s)
    assert info["active_version"] == 1 and len(info["documents"]) == 3  # the half-built version was never published
    assert any("412" in c.text for c in ask_top(s, "otter survey count").citations)
    assert (s.home / "versions" / "v0002").exists()  # the unfinished version the killed run left behind
    r = build_index(s, quiet=True, embedder=embedder)  # and the next run completes
    # it first removed the leftover, so the number was free again (issue 18: leftovers go at the start of a run)
    assert r.version == 2 and len(r.added) == 300 and len(status(s)["documents"]) == 303
    assert sorted(p.name for p in (s.home / "versions").iterdir()) == ["v0001", "v0002"]


def test_server_mode_full_cycle(small_settings, chroma_server, embedder):
    host, port = chroma_server
    s = small_settings.with_(chroma_host=host, chroma_port=port, collection_prefix=f"t{int(time.time() * 1000) % 10**8}")
    r1 = build_index(s, quiet=True, embedder=embedder)
    assert r1.version == 1 and r1.passages == 4
    assert not build_index(s, quiet=True, embedder=embedder).changed
    a = EvidenceAssistant.open(s, build_if_missing=False)
    ans = a.ask("When did the Gateshead Millennium Bridge open?")
    assert not ans.abstained and ans.citations[0].doc_id == "bridges" and "2001" in ans.citations[0].text
    (s.corpus / "report" / "bridges.md").unlink()
    r2 = build_index(s, quiet=True, embedder=embedder)
    assert r2.removed == ["bridges"] and r2.version == 2
    assert a.refresh(force=True) and a.version == 2  # a serving process picks up the new version
    assert all(c.doc_id != "bridges" for c in a.ask("Gateshead Millennium Bridge tilting").citations)
    assert rollback(s) == 1
    assert status(s)["index"].startswith("chroma server")


def test_server_mode_cli_contract(small_settings, chroma_server):
    host, port = chroma_server
    env = {"ASSISTANT_CHROMA_HOST": host, "ASSISTANT_CHROMA_PORT": str(port), "ASSISTANT_COLLECTION": "clitest",
           "ASSISTANT_CORPUS": str(small_settings.corpus), "ASSISTANT_HOME": str(small_settings.home)}
    out = run_cli(["ask", "--json", "How many otters were counted?"], env)
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout)
    assert ans["citations"][0]["doc_id"] == "otters" and not ans["abstained"]
    assert not (small_settings.home / "versions").exists()  # nothing was written to the embedded store


def test_unreachable_server_is_a_clear_error(small_settings):
    s = small_settings.with_(chroma_host="127.0.0.1", chroma_port=9)
    with pytest.raises(AssistantError, match="cannot reach the Chroma server"):
        build_index(s, quiet=True)


def test_a_second_indexer_is_refused_while_one_runs(small_settings):
    from assistant.ingest.pipeline import index_lock

    with index_lock(small_settings):
        with pytest.raises(AssistantError, match="another indexing run is in progress"):
            build_index(small_settings, quiet=True)


DIGEST = """
import hashlib, json, sys
from pathlib import Path
from assistant.store.embedded import EmbeddedStore
coll = EmbeddedStore(Path(sys.argv[1])).open_version(int(sys.argv[2]))
got = coll.get(include=["documents", "metadatas", "embeddings"])
rows = sorted(zip(got["ids"], got["documents"], got["metadatas"], [[round(float(x), 6) for x in e] for e in got["embeddings"]]))
print(hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest())
"""


def test_serving_never_changes_a_published_versions_content(small_settings, embedder):
    """Issue 18: Chroma has no read-only mode and writes bookkeeping on open (README, "What published means");
    what is promised, and checked here, is that no passage, embedding or metadata changes."""
    s = small_settings
    r = build_index(s, quiet=True, embedder=embedder)

    def digest() -> str:  # in a fresh process, as a serving process would open it
        return subprocess.run([PY, "-c", DIGEST, str(s.home), str(r.version)], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()

    before = digest()
    env = {"ASSISTANT_HOME": str(s.home), "ASSISTANT_CORPUS": str(s.corpus)}
    out = run_cli(["ask", "--json", "How many otters were counted on the Tyne?"], env)  # a serving process
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["citations"][0]["doc_id"] == "otters"
    assert digest() == before and len(before) == 64
    assert status(s)["active_version"] == r.version
