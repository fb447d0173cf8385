"""The IndexStore protocol and the manifest: what every store (embedded or server) must do, said once.

An index *version* is a complete Chroma collection; the *manifest* says which version is active, which
earlier ones are kept for rollback, and what documents each holds. Writers build a new version beside the
active one and switch the manifest's pointer only when it is complete, so readers never see a half-built
index.

``read_manifest`` returns an empty manifest only when a successful read finds none; any failure to read is a
:class:`StoreError`, never "no index".
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

MANIFEST_FORMAT = 1
COLLECTION_METADATA = {"hnsw:space": "cosine"}


def empty_manifest() -> dict:
    return {"format": MANIFEST_FORMAT, "active": None, "versions": {}, "last_indexed": None}


def check_manifest(data: Any, where: str) -> dict:
    """A manifest read from anywhere must be a mapping with versions; anything else is a clear error."""
    from assistant.errors import StoreError

    if not isinstance(data, dict) or "versions" not in data:
        raise StoreError(f"the index manifest at {where} is not a manifest; run `pair-assistant index --full`")
    return data


def collection_name(prefix: str, version: int) -> str:
    return f"{prefix}_v{version:04d}"


def chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


@runtime_checkable
class IndexStore(Protocol):
    """Where index versions and the manifest live. Both implementations pass ``embedding_function=None``
    everywhere: Chroma must never fall back to downloading its own default model."""

    def describe(self) -> str: ...

    def read_manifest(self) -> dict: ...

    def manifest_stamp(self) -> Any: ...

    def write_manifest(self, manifest: dict) -> None: ...

    def create_version(self, version: int) -> Any: ...

    def open_version(self, version: int) -> Any: ...

    def drop_version(self, version: int) -> None: ...

    def existing_versions(self) -> list[int]: ...
