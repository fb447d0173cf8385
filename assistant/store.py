"""Where index versions and the manifest live: embedded Chroma on disk, or a Chroma server.

An index *version* is a complete Chroma collection; the *manifest* says which version is active, which
earlier ones are kept for rollback, and what documents each holds. Writers build a new version beside the
active one and switch the manifest's pointer only when it is complete, so readers never see a half-built
index.

- Embedded (default): each version is its own PersistentClient folder ``<home>/versions/vNNNN`` and the
  manifest is ``<home>/manifest.json`` (replaced atomically). A version is never written after it is
  published, so a serving process and an indexing process never share a writable Chroma.
- Server (``ASSISTANT_CHROMA_HOST``): each version is a collection ``<prefix>_vNNNN`` and the manifest is
  the metadata of the collection ``<prefix>_manifest``, so several app processes share it.

Every get/create passes ``embedding_function=None``: Chroma must never fall back to downloading its own
default model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import assistant.config  # noqa: F401  (telemetry off before chromadb is imported)
from assistant.config import Settings
from assistant.documents import AssistantError

MANIFEST_FORMAT = 1
COLLECTION_METADATA = {"hnsw:space": "cosine"}


def empty_manifest() -> dict:
    return {"format": MANIFEST_FORMAT, "active": None, "versions": {}, "last_indexed": None}


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class LocalStore:
    """Embedded Chroma: one folder per version, manifest in a JSON file."""

    def __init__(self, home: Path, prefix: str = "pair"):
        self.home = Path(home)
        self.prefix = prefix
        self.manifest_path = self.home / "manifest.json"
        self._clients: dict[int, object] = {}

    def describe(self) -> str:
        return f"embedded chroma at {self.home.resolve()}"

    def read_manifest(self) -> dict:
        if not self.manifest_path.exists():
            return empty_manifest()
        try:
            data = json.loads(self.manifest_path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise AssistantError(
                f"the index manifest {self.manifest_path} is unreadable ({e}); "
                "run `pair-assistant index --full` to rebuild it"
            ) from None
        if not isinstance(data, dict) or "versions" not in data:
            raise AssistantError(f"the index manifest {self.manifest_path} is not a manifest; run `pair-assistant index --full`")
        return data

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
            raise AssistantError(f"index version {version} is missing at {path}; run `pair-assistant index --full`")
        if version not in self._clients:
            self._clients[version] = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        return self._clients[version]

    def collection_name(self, version: int) -> str:
        return f"{self.prefix}_v{version:04d}"

    def create_version(self, version: int):
        path = self._version_dir(version)
        if path.exists():  # left behind by an interrupted run: it was never published
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return self._client(version, create=True).create_collection(
            self.collection_name(version), embedding_function=None, metadata=COLLECTION_METADATA
        )

    def open_version(self, version: int):
        try:
            return self._client(version).get_collection(self.collection_name(version), embedding_function=None)
        except AssistantError:
            raise
        except Exception as e:
            raise AssistantError(f"index version {version} could not be opened ({e}); run `pair-assistant index --full`") from None

    def drop_version(self, version: int) -> None:
        client = self._clients.pop(version, None)
        if client is not None:
            try:
                client.clear_system_cache()
            except Exception:
                pass
        shutil.rmtree(self._version_dir(version), ignore_errors=True)

    def existing_versions(self) -> list[int]:
        root = self.home / "versions"
        if not root.exists():
            return []
        return sorted(int(p.name[1:]) for p in root.iterdir() if p.name.startswith("v") and p.name[1:].isdigit())


class ServerStore:
    """A real Chroma server reached with HttpClient: versions are collections, manifest is metadata."""

    def __init__(self, host: str, port: int, prefix: str = "pair"):
        import chromadb

        self.host, self.port, self.prefix = host, port, prefix
        try:
            self.client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
            self.client.heartbeat()
        except Exception as e:
            raise AssistantError(
                f"cannot reach the Chroma server at http://{host}:{port} ({type(e).__name__}); "
                "is `chroma run` up? (or unset ASSISTANT_CHROMA_HOST for the embedded index)"
            ) from None

    def describe(self) -> str:
        return f"chroma server http://{self.host}:{self.port} (collections {self.prefix}_*)"

    @property
    def _manifest_name(self) -> str:
        return f"{self.prefix}_manifest"

    def read_manifest(self) -> dict:
        try:
            coll = self.client.get_collection(self._manifest_name, embedding_function=None)
        except Exception:
            return empty_manifest()
        raw = (coll.metadata or {}).get("manifest")
        return json.loads(raw) if raw else empty_manifest()

    def manifest_stamp(self):
        m = self.read_manifest()
        return (m.get("active"), m.get("last_indexed"))

    def write_manifest(self, manifest: dict) -> None:
        coll = self.client.get_or_create_collection(self._manifest_name, embedding_function=None)
        coll.modify(metadata={"manifest": json.dumps(manifest, sort_keys=True)})

    def collection_name(self, version: int) -> str:
        return f"{self.prefix}_v{version:04d}"

    def create_version(self, version: int):
        name = self.collection_name(version)
        try:
            self.client.delete_collection(name)
        except Exception:
            pass
        return self.client.create_collection(name, embedding_function=None, metadata=COLLECTION_METADATA)

    def open_version(self, version: int):
        try:
            return self.client.get_collection(self.collection_name(version), embedding_function=None)
        except Exception as e:
            raise AssistantError(f"index version {version} is missing on the Chroma server ({e}); run `pair-assistant index --full`") from None

    def drop_version(self, version: int) -> None:
        try:
            self.client.delete_collection(self.collection_name(version))
        except Exception:
            pass

    def existing_versions(self) -> list[int]:
        out = []
        for c in self.client.list_collections():
            name = c if isinstance(c, str) else c.name
            tail = name[len(self.prefix) + 2:]
            if name.startswith(f"{self.prefix}_v") and tail.isdigit():
                out.append(int(tail))
        return sorted(out)


def open_store(settings: Settings):
    if settings.server_mode:
        return ServerStore(settings.chroma_host, settings.chroma_port, settings.collection_prefix)
    return LocalStore(settings.home, settings.collection_prefix)
