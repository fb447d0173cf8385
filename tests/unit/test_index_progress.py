"""Issue 17 leftover: an indexing run's progress is visible in the chat's Corpus tab. The run writes its phase and
counts to a small file under the assistant's home on every batch, and removes it at the end; the Corpus tab's
handler reads it (and ignores a killed run's). No model: the fake embedder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from assistant.app.web.handlers import ChatApp
from assistant.ingest import pipeline, progress
from assistant.ingest.pipeline import build_index
from tests.support import FakeEmbedder, write_md


class WatchingEmbedder(FakeEmbedder):
    """The fake model, noting what another process would read from the progress file at each batch."""

    def __init__(self, home):
        self.home, self.seen = home, []

    def embed(self, texts, batch_size=64, progress_=None):
        self.seen.append(progress.read(self.home))
        return super().embed(texts)


def test_a_run_writes_its_progress_on_every_batch_and_removes_it_at_the_end(small_settings, small_corpus, monkeypatch):
    monkeypatch.setattr(pipeline, "EMBED_BATCH", 2)
    for i in range(4):
        write_md(small_corpus / "report", f"extra-{i}", f"Extra document {i} about ferries and tides.")
    watcher = WatchingEmbedder(small_settings.home)
    report = build_index(small_settings, quiet=True, embedder=watcher, tagger=False)
    batches = [s for s in watcher.seen if s and s["phase"] == "embedding passages"]
    assert len(batches) == -(-report.embedded // 2) >= 3  # one reading per batch of 2 passages
    assert [s["done"] for s in batches] == list(range(0, report.embedded, 2))
    assert {(s["total"], s["unit"], s["command"], s["pid"]) for s in batches} == {(report.embedded, "passage", "index", os.getpid())}
    assert progress.read(small_settings.home) is None and not (small_settings.home / progress.FILE).exists()


def state(home, **changes):
    s = {"command": "add", "phase": "embedding passages", "done": 128, "total": 500, "unit": "passage",
         "started": 1000.0, "updated": 1025.0, "pid": os.getpid(), "host": socket.gethostname(), **changes}
    home.mkdir(parents=True, exist_ok=True)
    (home / progress.FILE).write_text(json.dumps(s))
    return s


def test_the_corpus_tab_shows_a_run_in_progress(small_settings):
    app = ChatApp(None, small_settings)
    assert app.index_progress(now=1030.0) == ""  # no run
    state(small_settings.home)
    line = app.index_progress(now=1030.0)
    assert line.startswith("**Indexing in progress**") and "add" in line and "started 30 s ago" in line
    assert "embedding passages: 128 of 500 passages (26%)" in line
    state(small_settings.home, phase="reading files", done=0, total=1, unit="file")
    assert "reading files: 0 of 1 file (0%)" in app.index_progress(now=1030.0)
    state(small_settings.home, phase="checking", done=0, total=0)
    assert app.index_progress(now=1030.0).count("checking.") == 1  # no counts before there are any


def test_a_killed_runs_file_is_ignored(small_settings):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    state(small_settings.home, pid=int(gone.stdout))
    assert progress.read(small_settings.home) is None  # its process is gone
    assert ChatApp(None, small_settings).index_progress() == ""
    now = time.time()
    state(small_settings.home, host="another-machine", updated=now - 5)
    assert progress.read(small_settings.home, now)["phase"] == "embedding passages"  # moving: shown
    assert progress.read(small_settings.home, now + progress.STALE_S) is None  # still since: a killed run's
    (small_settings.home / progress.FILE).write_text("{not json")
    assert progress.read(small_settings.home) is None
