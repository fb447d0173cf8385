"""Where index versions and the manifest live: embedded Chroma on disk (default) or a Chroma server."""

from __future__ import annotations

from assistant.settings import Settings
from assistant.store.base import IndexStore, empty_manifest


def open_store(settings: Settings) -> IndexStore:
    if settings.server_mode:
        from assistant.store.server import ServerStore

        return ServerStore(settings.chroma_host, settings.chroma_port, settings.collection_prefix)
    from assistant.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.home, settings.collection_prefix)


__all__ = ["IndexStore", "empty_manifest", "open_store"]
