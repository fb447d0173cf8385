"""The evidence-gap register: questions the assistant refused or answered only in part, kept on this computer
in ``<ASSISTANT_HOME>/gaps.sqlite`` so that maintainers can see what guidance to add next.

On by default; ``ASSISTANT_GAPS=0`` turns it off (then ``open_gaps`` returns None and nothing is written).
Recorded by the chat and by `ask`, never by evaluation runs. ``pair-assistant gaps`` and the chat's Corpus tab
list them grouped by topic: the part of the question the evidence did not cover, or, for a refusal, the
question's main words.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from pathlib import Path

from assistant.app import localdb

from assistant.text import content_words

FILE_NAME = "gaps.sqlite"
MAX_TEXT = 2_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    question TEXT NOT NULL,
    kind TEXT NOT NULL,
    not_covered TEXT NOT NULL,
    index_version INTEGER
)
"""


def topic_of(question: str, kind: str, not_covered: list[str]) -> str:
    """What a gap is about: the uncovered part, or for a refusal the question's first four main words."""
    if not_covered:
        return not_covered[0].strip().lower()
    words = [w for w in content_words(question) if not w[0].isdigit()][:4]
    return " ".join(words) or "(no words)"


class GapStore:
    def __init__(self, path: Path | str):
        self.path = localdb.create(path, SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return localdb.connect(self.path)

    def record_answer(self, answer, index_version=None) -> bool:
        """Keep an answer that was refused or flagged (scope "partial" or "out"); returns whether it was kept."""
        a = answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)
        if a.get("notices") == ["empty question"]:
            return False
        kind = "refused" if a.get("abstained") else a.get("scope", "in")
        if kind == "in":
            return False
        con = self._connect()
        try:
            with con:
                con.execute("INSERT INTO gaps (time, question, kind, not_covered, index_version) VALUES (?, ?, ?, ?, ?)",
                            (_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                             str(a.get("question") or "")[:MAX_TEXT].replace("\x00", ""), kind,
                             json.dumps(a.get("not_covered") or [], ensure_ascii=False), index_version))
        finally:
            con.close()
        return True

    def grouped(self) -> list[dict]:
        """Gaps by topic, most asked first: topic, count, kinds, last asked, an example question."""
        con = self._connect()
        try:
            rows = con.execute("SELECT time, question, kind, not_covered FROM gaps ORDER BY id").fetchall()
        finally:
            con.close()
        groups: dict[str, dict] = {}
        for time, question, kind, not_covered in rows:
            topic = topic_of(question, kind, json.loads(not_covered or "[]"))
            g = groups.setdefault(topic, {"topic": topic, "count": 0, "kinds": [], "last_asked": time, "example": question})
            g["count"] += 1
            g["last_asked"] = max(g["last_asked"], time)
            if kind not in g["kinds"]:
                g["kinds"].append(kind)
        return sorted(groups.values(), key=lambda g: (-g["count"], g["topic"]))


def open_gaps(settings) -> GapStore | None:
    """The gap register, or None when it is turned off (``ASSISTANT_GAPS=0``)."""
    if not getattr(settings, "gaps", False):
        return None
    return GapStore(Path(settings.home) / FILE_NAME)
