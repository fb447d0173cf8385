"""A real Chroma server (``chroma run``) reached with HttpClient: each version is a collection
``<prefix>_vNNNN`` and the manifest is the metadata of the collection ``<prefix>_manifest``, so several app
processes share it. Only a collection that the server says does not exist reads as "no manifest".

Every failure to reach the server is a :class:`StoreError` naming it. Reads (the manifest, opening a version,
a version's ``get``, ``query`` and ``count``, listing versions) are tried again on a transient failure (see
:func:`transient`) with a bounded back-off (:func:`retried`); a "does not exist" or a bad request is never
retried. Writes are not retried (the indexer is run again instead: an unpublished version is a leftover the
next run removes). Every request has a timeout (``CONNECT_TIMEOUT_S``, ``READ_TIMEOUT_S``): Chroma's client
sets none, and a server that stops answering would hold a request for ever."""

from __future__ import annotations

import json
import logging

from assistant.errors import AssistantError, StoreError
from assistant.store.base import (
    COLLECTION_METADATA,
    check_manifest,
    chroma_settings,
    collection_name,
    empty_manifest,
)

log = logging.getLogger("assistant.store")

ATTEMPTS = 4  # a read is tried at most this often: waits of 0.2, 0.4 and 0.8 s between tries
FIRST_WAIT_S = 0.2
RETRY_WINDOW_S = 10.0  # no new try once this long has gone since the first (a slow server is not hammered)
CONNECT_TIMEOUT_S = 5.0
HEARTBEAT_TIMEOUT_S = 5.0  # the first contact: a server that takes longer to say it is alive is not up
READ_TIMEOUT_S = 60.0  # generous: opening a large version reads every vector in one request


class ServerUnavailable(Exception):
    """The Chroma server (or a proxy before it) answered with HTTP 5xx: worth another try."""

    def __init__(self, status: int, text: str):
        self.status = status
        super().__init__(f"HTTP {status}: {text[:200]}")


def _not_found(error: Exception) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(error, NotFoundError) or "does not exist" in str(error)


def transient(error: BaseException) -> bool:
    """Worth another try: a connection refused, reset or timed out (httpx.TransportError), or HTTP 5xx. Never a
    "does not exist" (404) or a bad request (4xx): another try would get the same answer."""
    import httpx

    return isinstance(error, (httpx.TransportError, ServerUnavailable))


def retried(call, *args, **kwargs):
    """``call(*args, **kwargs)``, tried again after 0.2, 0.4 and 0.8 s while it fails transiently (at most
    ``ATTEMPTS`` tries, none started after ``RETRY_WINDOW_S``); the last error is raised as it was."""
    from tenacity import (
        Retrying,
        retry_if_exception,
        stop_after_attempt,
        stop_after_delay,
        wait_exponential,
    )

    def note(state) -> None:
        log.info("chroma server: %s; trying again (%d of %d)", state.outcome.exception(), state.attempt_number + 1, ATTEMPTS)

    for attempt in Retrying(stop=stop_after_attempt(ATTEMPTS) | stop_after_delay(RETRY_WINDOW_S),
                            wait=wait_exponential(multiplier=FIRST_WAIT_S, max=4 * FIRST_WAIT_S),
                            retry=retry_if_exception(transient), before_sleep=note, reraise=True):
        with attempt:
            return call(*args, **kwargs)


def _raise_5xx(response) -> None:
    """httpx response hook: an HTTP 5xx becomes :class:`ServerUnavailable` (Chroma's client would raise a
    bare ``Exception`` with the body, which cannot be told apart from a bad request)."""
    if response.status_code >= 500:
        response.read()
        raise ServerUnavailable(response.status_code, response.text)


class ServerStore:
    def __init__(self, host: str, port: int, prefix: str = "pair"):
        import chromadb

        self.host, self.port, self.prefix = host, port, prefix
        try:
            retried(self._heartbeat)  # before the client: making one sends requests that have no timeout yet
            self.client = retried(chromadb.HttpClient, host=host, port=port, settings=chroma_settings())
            self._harden_session()
        except Exception as e:  # noqa: BLE001 - whatever the client raised, the user gets one clear line
            raise StoreError(
                f"cannot reach the Chroma server at http://{host}:{port} ({type(e).__name__}); "
                "is `chroma run` up? (or unset ASSISTANT_CHROMA_HOST for the embedded index)") from None

    def _heartbeat(self) -> None:
        import httpx

        response = httpx.get(f"http://{self.host}:{self.port}/api/v2/heartbeat",
                             timeout=httpx.Timeout(HEARTBEAT_TIMEOUT_S, connect=CONNECT_TIMEOUT_S))
        _raise_5xx(response)
        response.raise_for_status()

    def _harden_session(self) -> None:
        """Timeouts and the 5xx hook on the client's HTTP session (shared by every client of this server in
        the process, so the hook is added once)."""
        import httpx

        session = getattr(getattr(self.client, "_server", None), "_session", None)
        if not isinstance(session, httpx.Client):  # another Chroma client layout: keep its defaults
            log.warning("chroma client has no httpx session where expected; requests have no timeout or retry on 5xx")
            return
        session.timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        hooks = session.event_hooks
        if _raise_5xx not in hooks.get("response", []):
            session.event_hooks = {**hooks, "response": [*hooks.get("response", []), _raise_5xx]}

    def describe(self) -> str:
        return f"chroma server http://{self.host}:{self.port} (collections {self.prefix}_*)"

    def _failed(self, what: str, error: Exception, tries: bool = True) -> StoreError:
        again = f" after {ATTEMPTS} tries" if tries and transient(error) else ""
        return StoreError(f"{what} on {self.describe()} failed{again} ({type(error).__name__}: {str(error)[:300]}); "
                          "is `chroma run` up and reachable? Nothing was changed; try again")

    def read(self, what: str, call, *args, **kwargs):
        """A read, tried again on a transient failure; any failure is a StoreError saying what could not be read."""
        try:
            return retried(call, *args, **kwargs)
        except AssistantError:
            raise
        except Exception as e:  # noqa: BLE001 - Chroma's client raises bare Exceptions; named in the StoreError
            raise self._failed(what, e) from None

    @property
    def _manifest_name(self) -> str:
        return f"{self.prefix}_manifest"

    def read_manifest(self) -> dict:
        return self._read_manifest(retry=True)

    def _read_manifest(self, retry: bool) -> dict:
        try:
            get = self.client.get_collection
            coll = retried(get, self._manifest_name, embedding_function=None) if retry else \
                get(self._manifest_name, embedding_function=None)
        except Exception as e:  # noqa: BLE001 - only "does not exist" is "no manifest"; anything else a StoreError
            if _not_found(e):
                return empty_manifest()
            raise StoreError(f"the index manifest on {self.describe()} could not be read ({type(e).__name__}: "
                             f"{str(e)[:300]}); nothing was changed: try again when the server answers") from None
        raw = (coll.metadata or {}).get("manifest")
        if not raw:
            return empty_manifest()
        try:
            return check_manifest(json.loads(raw), self._manifest_name)
        except json.JSONDecodeError as e:
            raise StoreError(f"the index manifest {self._manifest_name} is unreadable ({e}); run `pair-assistant index --full`") from None

    def manifest_stamp(self):
        """What a serving process compares each second to notice a new version: one try, no back-off (the next
        check is the retry, and a request waiting on it should not pay for an outage)."""
        m = self._read_manifest(retry=False)
        return (m.get("active"), m.get("last_indexed"))

    def write_manifest(self, manifest: dict) -> None:
        try:
            coll = self.client.get_or_create_collection(self._manifest_name, embedding_function=None)
            coll.modify(metadata={"manifest": json.dumps(manifest, sort_keys=True)})
        except Exception as e:  # noqa: BLE001 - re-raised as a StoreError naming the server
            raise StoreError(f"the index manifest could not be written to {self.describe()} ({type(e).__name__}: "
                             f"{str(e)[:300]}); the new version may not be active: check with `pair-assistant status` "
                             "and run the command again") from None

    def create_version(self, version: int):
        name = collection_name(self.prefix, version)
        try:
            try:
                self.client.delete_collection(name)  # left behind by an interrupted run: it was never published
            except Exception as e:
                if not _not_found(e):
                    raise
            coll = self.client.create_collection(name, embedding_function=None, metadata=COLLECTION_METADATA)
        except Exception as e:  # noqa: BLE001 - re-raised as a StoreError naming the server
            raise self._failed(f"creating index version {version}", e, tries=False) from None
        return VersionCollection(self, coll, version)

    def open_version(self, version: int):
        try:
            coll = retried(self.client.get_collection, collection_name(self.prefix, version), embedding_function=None)
        except Exception as e:  # noqa: BLE001 - re-raised as a StoreError naming the version
            raise StoreError(f"index version {version} could not be opened on the Chroma server ({type(e).__name__}: "
                             f"{str(e)[:300]}); " + ("run `pair-assistant index --full`" if _not_found(e) else
                                                     "is `chroma run` up and reachable? Try again")) from None
        return VersionCollection(self, coll, version)

    def drop_version(self, version: int) -> None:
        """Remove a version no longer wanted. Never raises (as the embedded store): a version that could not be
        removed is a leftover, which the next indexing run removes."""
        try:
            self.client.delete_collection(collection_name(self.prefix, version))
        except Exception as e:  # noqa: BLE001 - logged; removed by the next run (pipeline.remove_leftovers)
            if not _not_found(e):
                log.warning("could not remove index version %s from %s (%s: %s); the next indexing run removes it",
                            version, self.describe(), type(e).__name__, str(e)[:200])

    def existing_versions(self) -> list[int]:
        out = []
        for c in self.read("listing the index versions", self.client.list_collections):
            name = c if isinstance(c, str) else c.name
            tail = name[len(self.prefix) + 2:]
            if name.startswith(f"{self.prefix}_v") and tail.isdigit():
                out.append(int(tail))
        return sorted(out)


class VersionCollection:
    """One version's collection on the server: ``get``, ``query`` and ``count`` are reads (tried again on a
    transient failure), ``add`` a write; any failure is a StoreError naming the version. Everything else is
    the Chroma collection's own."""

    def __init__(self, store: ServerStore, collection, version: int):
        self._store, self._collection, self.version = store, collection, version

    def get(self, *args, **kwargs):
        return self._store.read(f"reading index version {self.version}", self._collection.get, *args, **kwargs)

    def query(self, *args, **kwargs):
        return self._store.read(f"searching index version {self.version}", self._collection.query, *args, **kwargs)

    def count(self) -> int:
        return self._store.read(f"counting index version {self.version}", self._collection.count)

    def add(self, *args, **kwargs):
        try:
            return self._collection.add(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - re-raised as a StoreError naming the version
            raise self._store._failed(f"writing to index version {self.version} (not yet published)", e, tries=False) from None

    def __getattr__(self, name):
        return getattr(self._collection, name)
