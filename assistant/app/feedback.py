"""Thumbs up / down on answers, kept in SQLite at ``<ASSISTANT_HOME>/feedback.sqlite``.

Nothing is stored unless ``settings.feedback`` is true (``ASSISTANT_FEEDBACK=0`` turns it off): then
``open_feedback`` returns None and the app shows no feedback buttons. Each row keeps the time (UTC, ISO
8601), the question, the answer text, the citations (JSON: the Citation contract), the rating (+1 or -1)
and the index version, which is what a researcher needs to check a complaint against the evidence.

One short-lived connection per call, so several app threads (or processes) can write at once (the file is
opened as ``assistant.app.localdb`` opens the gap register too: WAL mode and a busy timeout).
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from pathlib import Path

from assistant.app import localdb

FILE_NAME = "feedback.sqlite"
MAX_TEXT = 20_000  # a 100,000-character question is stored cut short; nobody reads past this

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    rating INTEGER NOT NULL,
    standalone_question TEXT,
    index_version INTEGER
)
"""


def _clip(text) -> str:
    s = "" if text is None else str(text)
    s = s.replace("\x00", "")
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT]


def rating_value(rating) -> int:
    """+1 for a thumbs up (True, "up", "like", 1), -1 for a thumbs down (False, "down", "dislike", -1)."""
    if isinstance(rating, bool):
        return 1 if rating else -1
    if isinstance(rating, (int, float)):
        if rating > 0:
            return 1
        if rating < 0:
            return -1
        raise ValueError("a rating is +1 or -1")
    s = str(rating).strip().lower()
    if s in ("up", "like", "liked", "good", "+1", "1", "true", "yes"):
        return 1
    if s in ("down", "dislike", "disliked", "bad", "-1", "false", "no"):
        return -1
    raise ValueError(f"unknown rating {rating!r}")


class FeedbackStore:
    def __init__(self, path: Path | str):
        self.path = localdb.create(path, SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return localdb.connect(self.path)

    def record(self, question, answer, citations, rating, standalone_question=None, index_version=None,
               time: _dt.datetime | None = None) -> int:
        """Store one rating; returns the row id. ``citations`` is a list of Citation objects or contract dicts."""
        cits = [c.to_dict() if hasattr(c, "to_dict") else c for c in (citations or [])]
        when = (time or _dt.datetime.now(_dt.timezone.utc)).isoformat(timespec="seconds")
        con = self._connect()
        try:
            with con:
                cur = con.execute(
                    "INSERT INTO feedback (time, question, answer, citations, rating, standalone_question, index_version)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (when, _clip(question), _clip(answer), json.dumps(cits, ensure_ascii=False), rating_value(rating),
                     _clip(standalone_question) if standalone_question else None,
                     int(index_version) if index_version is not None else None),
                )
                return int(cur.lastrowid)
        finally:
            con.close()

    def rows(self) -> list[dict]:
        con = self._connect()
        try:
            con.row_factory = sqlite3.Row
            out = []
            for r in con.execute("SELECT * FROM feedback ORDER BY id"):
                d = dict(r)
                d["citations"] = json.loads(d["citations"] or "[]")
                out.append(d)
            return out
        finally:
            con.close()


def feedback_path(settings) -> Path:
    return Path(settings.home) / FILE_NAME


def open_feedback(settings) -> FeedbackStore | None:
    """The feedback store, or None when feedback is turned off (then nothing is ever written)."""
    if not getattr(settings, "feedback", False):
        return None
    return FeedbackStore(feedback_path(settings))
