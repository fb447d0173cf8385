"""A real Chroma server (``chroma run``) reached with HttpClient: each version is a collection
``<prefix>_vNNNN`` and the manifest is the metadata of the collection ``<prefix>_manifest``, so several app
processes share it. Only a collection that the server says does not exist reads as "no manifest"."""

from __future__ import annotations

import json

from assistant.errors import StoreError
from assistant.store.base import (
    COLLECTION_METADATA,
    check_manifest,
    chroma_settings,
    collection_name,
    empty_manifest,
)


def _not_found(error: Exception) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(error, NotFoundError) or "does not exist" in str(error)


class ServerStore:
    def __init__(self, host: str, port: int, prefix: str = "pair"):
        import chromadb

        self.host, self.port, self.prefix = host, port, prefix
        try:
            self.client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings())
            self.client.heartbeat()
        except Exception as e:
            raise StoreError(
                f"cannot reach the Chroma server at http://{host}:{port} ({type(e).__name__}); "
                "is `chroma run` up? (or unset ASSISTANT_CHROMA_HOST for the embedded index)") from None

    def describe(self) -> str:
        return f"chroma server http://{self.host}:{self.port} (collections {self.prefix}_*)"

    @property
    def _manifest_name(self) -> str:
        return f"{self.prefix}_manifest"

    def read_manifest(self) -> dict:
        try:
            coll = self.client.get_collection(self._manifest_name, embedding_function=None)
        except Exception as e:
            if _not_found(e):
                return empty_manifest()
            raise StoreError(f"the index manifest on {self.describe()} could not be read ({type(e).__name__}: {e})") from None
        raw = (coll.metadata or {}).get("manifest")
        if not raw:
            return empty_manifest()
        try:
            return check_manifest(json.loads(raw), self._manifest_name)
        except json.JSONDecodeError as e:
            raise StoreError(f"the index manifest {self._manifest_name} is unreadable ({e}); run `pair-assistant index --full`") from None

    def manifest_stamp(self):
        m = self.read_manifest()
        return (m.get("active"), m.get("last_indexed"))

    def write_manifest(self, manifest: dict) -> None:
        coll = self.client.get_or_create_collection(self._manifest_name, embedding_function=None)
        coll.modify(metadata={"manifest": json.dumps(manifest, sort_keys=True)})

    def create_version(self, version: int):
        name = collection_name(self.prefix, version)
        try:
            self.client.delete_collection(name)  # left behind by an interrupted run: it was never published
        except Exception as e:
            if not _not_found(e):
                raise
        return self.client.create_collection(name, embedding_function=None, metadata=COLLECTION_METADATA)

    def open_version(self, version: int):
        try:
            return self.client.get_collection(collection_name(self.prefix, version), embedding_function=None)
        except Exception as e:
            raise StoreError(f"index version {version} could not be opened on the Chroma server ({e}); "
                             "run `pair-assistant index --full`") from None

    def drop_version(self, version: int) -> None:
        try:
            self.client.delete_collection(collection_name(self.prefix, version))
        except Exception as e:
            if not _not_found(e):
                raise

    def existing_versions(self) -> list[int]:
        out = []
        for c in self.client.list_collections():
            name = c if isinstance(c, str) else c.name
            tail = name[len(self.prefix) + 2:]
            if name.startswith(f"{self.prefix}_v") and tail.isdigit():
                out.append(int(tail))
        return sorted(out)
