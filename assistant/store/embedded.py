"""Embedded Chroma: each version is its own PersistentClient folder ``<home>/versions/vNNNN``; the manifest
is ``<home>/manifest.json``, replaced atomically. Once published, no passage, embedding or metadata of a
version changes: an indexing run only ever adds to a version it has just created.

The folder is not byte-for-byte read-only. Chroma (1.5) has no read-only mode: every PersistentClient that
opens a version, a serving process's included, inserts a row into the ``acquire_write`` table of its
``chroma.sqlite3`` and re-saves the HNSW files from its log. Copying a version before each open would avoid
that; we accept Chroma's bookkeeping instead (README, "What published means";
tests/integration/test_index.py::test_serving_never_changes_a_published_versions_content).

A version whose database file is missing or damaged (not a database, malformed) is moved aside to
``vNNNN.damaged-<UTC time>`` beside it, never deleted, and opening it is a StoreError that names the file and
the repair (``pair-assistant index --full``). The copy is no version (its name is not ``vNNNN``), so no
indexing run removes it; delete it by hand once it is of no more use."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from assistant.errors import StoreError
from assistant.store.base import (
    COLLECTION_METADATA,
    check_manifest,
    chroma_settings,
    collection_name,
    empty_manifest,
)

log = logging.getLogger("assistant.store")

DB_FILE = "chroma.sqlite3"
# What Chroma says when the database file is not one (SQLite 26), is malformed (SQLite 11), or, the file
# there, holds no collection for the version. A locked or unreadable file is not damage.
DAMAGE_SIGNS = ("file is not a database", "(code: 26)", "malformed", "(code: 11)", "does not exist")


def damaged(error: Exception) -> bool:
    return any(sign in str(error) for sign in DAMAGE_SIGNS)


def forget_open_folders() -> None:
    """Chroma keeps one System per folder for the life of the process, whichever EmbeddedStore opened it; a
    folder removed or moved aside and later made again under the same name (a leftover's version number is
    reused) would be served from that memory. Forget them all: clients already made keep working."""
    import sys

    if "chromadb" not in sys.modules:
        return
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # another Chroma layout: the folder is still removed, only memory stays
        log.debug("could not clear Chroma's system cache", exc_info=True)


class EmbeddedStore:
    def __init__(self, home: Path, prefix: str = "pair"):
        self.home = Path(home)
        self.prefix = prefix
        self.manifest_path = self.home / "manifest.json"
        self._clients: dict[int, object] = {}

    def describe(self) -> str:
        return f"embedded chroma at {self.home.resolve()}"

    def read_manifest(self) -> dict:
        try:
            raw = self.manifest_path.read_text("utf-8")
        except FileNotFoundError:
            return empty_manifest()
        except OSError as e:
            raise StoreError(f"the index manifest {self.manifest_path} could not be read ({e})") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise StoreError(f"the index manifest {self.manifest_path} is unreadable ({e}); "
                             "run `pair-assistant index --full` to rebuild it") from None
        return check_manifest(data, str(self.manifest_path))

    def manifest_stamp(self) -> float | None:
        """Cheap change detector for serving processes (a stat, no parsing)."""
        try:
            return self.manifest_path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def write_manifest(self, manifest: dict) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.home, prefix=".manifest-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.manifest_path)  # atomic: readers see the old or the new manifest, never half

    def _version_dir(self, version: int) -> Path:
        return self.home / "versions" / f"v{version:04d}"

    def _client(self, version: int, create: bool = False):
        import chromadb

        path = self._version_dir(version)
        if not create and not path.exists():
            kept = sorted(path.parent.glob(f"{path.name}.damaged-*"))
            raise StoreError(f"index version {version} is missing at {path}"
                             + (f" (its damaged copy is kept at {kept[-1]})" if kept else "")
                             + "; run `pair-assistant index --full` to rebuild the index")
        if not create and version not in self._clients and not (path / DB_FILE).exists():
            raise self._set_aside(version, "is missing")  # Chroma would make an empty one in its place
        if version not in self._clients:
            self._clients[version] = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
        return self._clients[version]

    def create_version(self, version: int):
        path = self._version_dir(version)
        if path.exists():  # left behind by an interrupted run: it was never published
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return self._client(version, create=True).create_collection(
            collection_name(self.prefix, version), embedding_function=None, metadata=COLLECTION_METADATA)

    def open_version(self, version: int):
        try:
            return self._client(version).get_collection(collection_name(self.prefix, version), embedding_function=None)
        except StoreError:
            raise
        except Exception as e:  # noqa: BLE001 - Chroma raises bare and Rust errors; each is a StoreError here
            if damaged(e):
                raise self._set_aside(version, f"is damaged ({' '.join(str(e).split())[:200]})") from None
            raise StoreError(f"index version {version} at {self._version_dir(version)} could not be opened "
                             f"({' '.join(str(e).split())[:300]}); if this persists, run `pair-assistant index --full`") from None

    def _set_aside(self, version: int, what: str) -> StoreError:
        """Move a damaged version's folder aside (renamed, never deleted) and return the error that says so."""
        path = self._version_dir(version)
        self._clients.pop(version, None)
        forget_open_folders()  # the failed open left Chroma's half-started System for this folder behind
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
        try:
            path.rename(aside)
            kept = f"the damaged copy is kept at {aside}"
        except FileNotFoundError:  # another process moved it aside first
            kept = "another process has moved the damaged copy aside"
        except OSError as e:
            kept = f"it could not be moved aside ({e.strerror}) and is left where it is"
        log.info("index version %s: %s %s; %s", version, path / DB_FILE, what, kept)
        return StoreError(f"index version {version}'s database {path / DB_FILE} {what}; {kept}. "
                          "Run `pair-assistant index --full` to rebuild the index")

    def drop_version(self, version: int) -> None:
        self._clients.pop(version, None)
        forget_open_folders()  # release the version's files before they are removed, whoever opened them
        shutil.rmtree(self._version_dir(version), ignore_errors=True)

    def existing_versions(self) -> list[int]:
        root = self.home / "versions"
        if not root.exists():
            return []
        return sorted(int(p.name[1:]) for p in root.iterdir() if p.name.startswith("v") and p.name[1:].isdigit())
