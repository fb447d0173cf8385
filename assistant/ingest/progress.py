"""The progress of an indexing run, for other processes to show: the run writes its phase and how far it is
(``{command, phase, done, total, unit, started, updated, pid, host}``) to ``$ASSISTANT_HOME/index-progress.json``
on every file read and every batch embedded, and deletes it when it ends. The chat's Corpus tab reads it on a timer
(``read``), so a maintainer's `index` or `add` is visible to the people using the chat while it runs.

The file is replaced atomically (written beside, then renamed), so a reader never sees half of it. A run that was
killed leaves it behind: a reader ignores it when its process is gone (same machine) or it has not moved for
``STALE_S`` seconds (another machine).
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

FILE = "index-progress.json"
STALE_S = 300.0  # a file from another machine that has not moved for this long is a killed run's


class Progress:
    """One run's progress file. ``update`` never raises: progress is a courtesy, never a reason to fail a run."""

    def __init__(self, home: Path, command: str):
        self.path = Path(home) / FILE
        self.state = {"command": command, "phase": "checking", "done": 0, "total": 0, "unit": "file",
                      "started": time.time(), "updated": time.time(), "pid": os.getpid(), "host": socket.gethostname()}

    def update(self, phase: str, done: int, total: int, unit: str) -> None:
        self.state.update(phase=phase, done=done, total=total, unit=unit, updated=time.time())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{FILE}.{os.getpid()}")
            tmp.write_text(json.dumps(self.state), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass

    def close(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass


@contextmanager
def running(home: Path, command: str):
    """A progress file for the length of a run, gone afterwards however the run ends."""
    progress = Progress(home, command)
    progress.update("checking", 0, 0, "file")
    try:
        yield progress
    finally:
        progress.close()


def _alive(state: dict, now: float) -> bool:
    if state.get("host") == socket.gethostname():
        try:
            os.kill(int(state["pid"]), 0)
        except ProcessLookupError:
            return False
        except (OSError, ValueError, KeyError, TypeError):
            pass  # another user's process, or an odd pid: judge by age
        else:
            return True
    return now - float(state.get("updated") or 0) < STALE_S


def read(home: Path, now: float | None = None) -> dict | None:
    """The run in progress (its state as written), or None when there is none: no file, an unreadable one, or a
    killed run's."""
    try:
        state = json.loads((Path(home) / FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not _alive(state, time.time() if now is None else now):
        return None
    return state
