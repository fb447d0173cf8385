"""The chat's local SQLite files (feedback, the evidence-gap register): one way to create and open them.

WAL mode (kept in the file) lets readers go on while one writes, and a writer waits up to ``BUSY_TIMEOUT_S``
for another's lock instead of failing at once: several app threads or processes may write at the same time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 10  # how long a writer waits for another writer's lock


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)


def create(path: Path | str, schema: str) -> Path:
    """Make the folder and the file in WAL mode with ``schema`` (CREATE ... IF NOT EXISTS); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        with con:
            con.execute(schema)
    finally:
        con.close()
    return path
