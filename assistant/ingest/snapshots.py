"""The corpus folder as it was at each index version, so that a change is one transaction over the folder and
the index: `rollback` puts the files and their metadata back with the index, and a refused or failed `add`,
`edit` or `remove` leaves the folder exactly as it was.

Each tracked file is stored once by its sha256 under ``$ASSISTANT_HOME/corpus-history/objects`` (as git stores
objects): most versions differ by one file, so a copy of the folder per version would store the same PDFs over
and over. A version's record in the manifest names one *listing* (``{relative path: sha256}``, itself stored as
an object), which keeps the manifest small when it lives in a Chroma server.

Tracked files are what indexing reads: the corpus documents and their ``.meta.yaml`` sidecars. Anything else in
the folder (its README, notes, hidden files) is never saved, replaced or deleted, and neither is a symbolic
link. The objects are local to the machine that runs maintenance (as the index lock is).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import AssistantError
from assistant.ingest.loaders import is_corpus_file
from assistant.settings import Settings

HISTORY_DIR = "corpus-history"
CHUNK = 1 << 20


def history_dir(settings: Settings) -> Path:
    return settings.home / HISTORY_DIR


def _objects(settings: Settings) -> Path:
    return history_dir(settings) / "objects"


def object_path(settings: Settings, sha: str) -> Path:
    return _objects(settings) / sha[:2] / sha


def is_tracked(path: Path) -> bool:
    """A corpus document or a sidecar, as a real file (never a symbolic link)."""
    if path.is_symlink() or not path.is_file():
        return False
    return path.name.endswith(".meta.yaml") or is_corpus_file(path)


def scan(corpus: Path) -> dict[str, str]:
    """``{path relative to the corpus folder: sha256}`` of every tracked file; {} when there is no folder."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        return {}
    return {p.relative_to(corpus).as_posix(): _sha256(p) for p in sorted(corpus.rglob("*")) if is_tracked(p)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _put_file(settings: Settings, src: Path, sha: str) -> None:
    dest = object_path(settings, sha)
    if dest.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{sha}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    if _sha256(tmp) != sha:  # the file changed while it was being saved: never store a wrong copy
        tmp.unlink(missing_ok=True)
        raise AssistantError(f"{src} changed while it was being saved; run the command again when it is complete")
    os.replace(tmp, dest)


def _put_bytes(settings: Settings, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    dest = object_path(settings, sha)
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{sha}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    return sha


def save(settings: Settings, files: dict[str, str] | None = None) -> str:
    """Store every tracked file of the corpus folder (those not stored yet) and their listing; returns the
    listing's sha256, which a version's record keeps as ``corpus``."""
    files = scan(settings.corpus) if files is None else files
    for rel, sha in files.items():
        _put_file(settings, settings.corpus / rel, sha)
    return _put_bytes(settings, json.dumps(files, sort_keys=True).encode("utf-8"))


def listing(settings: Settings, sha: str) -> dict[str, str]:
    """The files of a stored listing. A listing or file that is gone is a clear error, before anything changes."""
    path = object_path(settings, sha)
    try:
        files = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise AssistantError(f"the record of the corpus folder at that version ({path}) cannot be read ({e}); "
                             "the index can still be rolled back by hand with `index --full` after restoring the files") from None
    missing = [rel for rel, s in files.items() if not object_path(settings, s).exists()]
    if missing:
        raise AssistantError(f"the saved copies of {len(missing)} corpus file(s) are missing from "
                             f"{_objects(settings)} (e.g. {missing[0]}); nothing was changed")
    return files


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """What changes from ``before`` to ``after``: files added, changed and removed (relative paths)."""
    return {"added": sorted(set(after) - set(before)),
            "changed": sorted(r for r in after if r in before and before[r] != after[r]),
            "removed": sorted(set(before) - set(after))}


def restore(settings: Settings, target: dict[str, str], current: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Make the tracked files of the corpus folder exactly ``target``: write what differs (through a temporary
    file, so no file is ever half-written), delete what it does not have, and remove folders that this left
    empty. Returns what changed (relative to the folder as it was)."""
    corpus = Path(settings.corpus)
    current = scan(corpus) if current is None else current
    changes = diff(current, target)
    for rel in changes["added"] + changes["changed"]:
        dest = corpus / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.restore.tmp")
        shutil.copyfile(object_path(settings, target[rel]), tmp)
        os.replace(tmp, dest)
    for rel in changes["removed"]:
        path = corpus / rel
        if is_tracked(path):
            path.unlink()
        _prune_empty(path.parent, corpus)
    return changes


def _prune_empty(folder: Path, root: Path) -> None:
    root = root.resolve()
    while folder.resolve() != root and folder.resolve().is_relative_to(root):
        try:
            folder.rmdir()  # only an empty folder goes
        except OSError:
            return
        folder = folder.parent


def gc(settings: Settings, keep: list[str]) -> int:
    """Delete stored files that no kept listing (nor a change in progress) refers to; returns how many."""
    root = _objects(settings)
    if not root.is_dir():
        return 0
    wanted = set()
    for sha in list(keep) + _pending(settings):
        wanted.add(sha)
        try:
            wanted.update(json.loads(object_path(settings, sha).read_text("utf-8")).values())
        except (OSError, ValueError):
            continue
    dropped = 0
    for p in root.glob("*/*"):
        if p.name not in wanted and not p.name.startswith("."):
            p.unlink(missing_ok=True)
            dropped += 1
    return dropped


def _pending_file(settings: Settings) -> Path:
    return history_dir(settings) / f"pending-{os.getpid()}.json"


def _pending(settings: Settings) -> list[str]:
    out = []
    for p in history_dir(settings).glob("pending-*.json"):
        try:
            out.append(json.loads(p.read_text("utf-8"))["listing"])
        except (OSError, ValueError, KeyError):
            continue
    return out


class Transaction:
    """The corpus folder as it was when a change began; ``undo`` puts it all back, ``revert`` some files."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.before = scan(settings.corpus)
        self.folders = _folders(settings.corpus)
        self.existed = Path(settings.corpus).is_dir()
        self.listing = save(settings, self.before)

    def revert(self, rels: list[str]) -> None:
        """Put back these files (relative paths) as they were: a new one goes, a replaced one returns."""
        corpus = Path(self.settings.corpus)
        for rel in rels:
            path = corpus / rel
            if rel in self.before:
                tmp = path.with_name(f".{path.name}.restore.tmp")
                shutil.copyfile(object_path(self.settings, self.before[rel]), tmp)
                os.replace(tmp, path)
            elif is_tracked(path):
                path.unlink()
        self._drop_new_folders()

    def undo(self) -> None:
        restore(self.settings, self.before)
        self._drop_new_folders()

    def _drop_new_folders(self) -> None:
        new = sorted(_folders(self.settings.corpus) - self.folders, key=lambda p: len(p.parts), reverse=True)
        for folder in new + ([] if self.existed else [Path(self.settings.corpus)]):
            try:
                folder.rmdir()  # only an empty folder goes
            except OSError:
                pass


def _folders(corpus: Path) -> set[Path]:
    corpus = Path(corpus)
    if not corpus.is_dir():
        return set()
    return {p for p in corpus.rglob("*") if p.is_dir() and not p.is_symlink()}


@contextmanager
def transaction(settings: Settings):
    """Run a change to the corpus folder; if it raises (refused, failed, interrupted), the folder is put back
    exactly as it was (files, metadata and folders) before the error goes on. Hold the index lock around it."""
    txn = Transaction(settings)
    marker = _pending_file(settings)
    marker.write_text(json.dumps({"listing": txn.listing}), "utf-8")
    try:
        yield txn
    except BaseException:
        txn.undo()
        raise
    finally:
        marker.unlink(missing_ok=True)
