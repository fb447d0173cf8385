"""The feedback database under concurrent writers (issue 15, item 6): WAL, a busy timeout, nothing lost."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

from assistant.app.feedback import FeedbackStore


def _write(path, i, n):
    store = FeedbackStore(path)
    for j in range(n):
        store.record(f"question {i} {j}", "an answer", [], +1 if j % 2 else -1, index_version=3)


def test_feedback_uses_wal_and_a_busy_timeout(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent: set once on the file
    finally:
        con.close()
    con = store._connect()
    try:
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    finally:
        con.close()


def test_twenty_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "feedback.sqlite"
    FeedbackStore(path)
    threads = [threading.Thread(target=_write, args=(path, i, 10)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = FeedbackStore(path).rows()
    assert len(rows) == 200 and len({r["question"] for r in rows}) == 200


def test_twenty_writer_processes_lose_nothing(tmp_path):
    """Separate processes (several `serve` workers on one home): each opens the file itself, none is refused."""
    path = tmp_path / "feedback.sqlite"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write, args=(path, i, 10)) for i in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 20
    rows = FeedbackStore(path).rows()
    assert len(rows) == 200 and len({r["question"] for r in rows}) == 200
