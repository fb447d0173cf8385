"""Issue 15, item 1: store errors are errors. A failed manifest read never builds, prunes or switches a version
(indexer, rollback, start-up, refresh); transient server errors are tried again with a bounded back-off, others
are not; `GET /healthz` says what is being served and whether the store answers. No model, no server: fake
stores and FastAPI's TestClient (the real-Chroma side is tests/integration/test_real_store_faults.py)."""

from __future__ import annotations

import base64

import pytest

from assistant.errors import AssistantError, StoreError
from assistant.settings import Settings

MANIFEST = {"format": 1, "active": 2, "previous": [1], "last_indexed": "2026-11-01T00:00:00+00:00",
            "versions": {"1": {"documents": {}, "passages": 3}, "2": {"documents": {}, "passages": 3}}}


class FailingStore:
    """A store whose manifest cannot be read (HTTP 503); records every call that would change something."""

    def __init__(self, fail_reads=True):
        self.fail_reads = fail_reads
        self.changes: list[tuple] = []

    def describe(self):
        return "chroma server http://chroma.internal:8000 (collections pair_*)"

    def read_manifest(self):
        if self.fail_reads:
            raise StoreError("the index manifest could not be read (ServerUnavailable: HTTP 503)")
        return MANIFEST

    def manifest_stamp(self):
        m = self.read_manifest()
        return (m["active"], m["last_indexed"])

    def existing_versions(self):
        return [1, 2]

    def write_manifest(self, manifest):
        self.changes.append(("write_manifest", manifest))

    def create_version(self, version):
        self.changes.append(("create_version", version))
        raise AssertionError("no version may be built after a failed manifest read")

    def open_version(self, version):
        return f"collection v{version}"

    def drop_version(self, version):
        self.changes.append(("drop_version", version))


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    (corpus / "report").mkdir(parents=True)
    (corpus / "report" / "only-here.md").write_text("---\ntitle: Only on this host\npublisher: X\nyear: 2024\n"
                                                    "url: https://example.org\n---\n\nSome text.\n")
    return Settings(home=tmp_path / "home", corpus=corpus)


@pytest.mark.parametrize("full", [False, True])
def test_the_indexer_never_builds_prunes_or_publishes_after_a_failed_manifest_read(settings, full):
    from assistant.ingest.pipeline import build_index

    store = FailingStore()
    with pytest.raises(StoreError, match="503"):
        build_index(settings, full=full, quiet=True, store=store, embedder=object(), tagger=False)
    assert store.changes == []


def test_rollback_never_switches_after_a_failed_manifest_read(settings):
    from assistant.ingest.pipeline import rollback

    store = FailingStore()
    with pytest.raises(StoreError):
        rollback(settings, store=store)
    assert store.changes == []


def test_start_up_builds_an_index_only_when_a_successful_read_finds_none(settings, monkeypatch):
    """A `serve` that starts during a store outage must fail clearly, never rebuild over the shared index."""
    import assistant.embedding
    import assistant.store
    from assistant import api
    from assistant.ingest import pipeline

    built = []
    monkeypatch.setattr(pipeline, "build_index", lambda *a, **k: built.append(k))
    monkeypatch.setattr(assistant.embedding, "get_embedder", lambda *a, **k: "embedder")
    monkeypatch.setattr(api, "Retriever", lambda coll, embedder, s: f"retriever over {coll}")

    failing = FailingStore()
    monkeypatch.setattr(assistant.store, "open_store", lambda s: failing)
    for build_if_missing in (True, False):
        with pytest.raises(StoreError, match="503"):
            api.EvidenceAssistant.open(settings, build_if_missing=build_if_missing)
    assert built == [] and failing.changes == []

    class Empty(FailingStore):  # the read succeeds and finds no manifest: now (and only now) an index is built
        def __init__(self):
            super().__init__(fail_reads=False)
            self.manifest = {"format": 1, "active": None, "versions": {}, "last_indexed": None}

        def read_manifest(self):
            return self.manifest

    empty = Empty()
    monkeypatch.setattr(assistant.store, "open_store", lambda s: empty)
    with pytest.raises(AssistantError, match="no index yet"):
        api.EvidenceAssistant.open(settings, build_if_missing=False)
    assert built == []

    def build(*a, **k):
        built.append(k)
        empty.manifest = MANIFEST

    monkeypatch.setattr(pipeline, "build_index", build)
    a = api.EvidenceAssistant.open(settings)
    assert len(built) == 1 and a.version == 2 and a.retriever == "retriever over collection v2"


def test_health_says_what_is_served_and_whether_the_store_answers():
    from assistant.api import EvidenceAssistant

    store = FailingStore(fail_reads=False)
    a = EvidenceAssistant(Settings(refresh_interval_s=1e-6), store, None, retriever="retriever v2", version=2, stamp=(2, MANIFEST["last_indexed"]))
    h = a.health()
    assert h["status"] == "ok" and h["index_version"] == 2 and h["store"] == store.describe()
    assert h["store_ok"] is True and h["last_refresh_failed"] is None and h["last_refresh"]  # open read the store
    store.fail_reads = True
    assert a.refresh() is False and a.version == 2
    h = a.health()
    assert h["status"] == "ok" and h["index_version"] == 2 and h["store_ok"] is False
    assert "503" in h["last_refresh_failed"] and "\n" not in h["last_refresh_failed"]
    failed_at = h["last_refresh"]
    store.fail_reads = False  # the store answers again, nothing new published: healthy again, same version
    assert a.refresh() is False
    h = a.health()
    assert h["store_ok"] is True and h["last_refresh_failed"] is None and h["last_refresh"] >= failed_at


# -- retries ---------------------------------------------------------------------------------------------
def test_transient_errors_are_tried_again_and_others_are_not(monkeypatch):
    import httpx
    from chromadb.errors import InvalidArgumentError, NotFoundError

    from assistant.store import server

    sleeps = []
    monkeypatch.setattr("time.sleep", lambda s: sleeps.append(round(s, 2)))

    def flaky(errors):
        calls = []

        def call():
            calls.append(1)
            if errors:
                raise errors.pop(0)
            return "read"

        return call, calls

    call, calls = flaky([httpx.ConnectError("refused"), server.ServerUnavailable(503, "busy"),
                         httpx.ReadTimeout("slow")])
    assert server.retried(call) == "read" and len(calls) == 4 and sleeps == [0.2, 0.4, 0.8]

    sleeps.clear()
    call, calls = flaky([httpx.RemoteProtocolError("reset")] * 9)
    with pytest.raises(httpx.RemoteProtocolError):
        server.retried(call)
    assert len(calls) == server.ATTEMPTS == 4 and sleeps == [0.2, 0.4, 0.8]  # bounded

    for error in (NotFoundError("Collection [pair_manifest] does not exist"), InvalidArgumentError("bad where"),
                  Exception("HTTP 400 from a proxy")):
        sleeps.clear()
        call, calls = flaky([error])
        with pytest.raises(type(error)):
            server.retried(call)
        assert len(calls) == 1 and sleeps == []


def test_a_5xx_answer_is_told_apart_from_a_bad_request():
    import httpx

    from assistant.store.server import ServerUnavailable, _raise_5xx, transient

    with pytest.raises(ServerUnavailable) as e:
        _raise_5xx(httpx.Response(503, text="<html>Service Unavailable</html>"))
    assert transient(e.value) and e.value.status == 503
    for status in (200, 400, 404, 422):
        _raise_5xx(httpx.Response(status, text="{}"))  # left to Chroma's client


def server_store_with(client):
    from assistant.store.server import ServerStore

    store = ServerStore.__new__(ServerStore)
    store.host, store.port, store.prefix, store.client = "chroma.internal", 8000, "pair", client
    return store


def test_the_server_stores_reads_are_retried_and_fail_as_store_errors(monkeypatch):
    import httpx
    from chromadb.errors import NotFoundError

    monkeypatch.setattr("time.sleep", lambda s: None)

    class Client:
        def __init__(self, errors):
            self.errors, self.calls = errors, 0

        def get_collection(self, name, embedding_function=None):
            self.calls += 1
            if self.errors:
                raise self.errors.pop(0)
            return type("C", (), {"metadata": {"manifest": '{"versions": {}, "active": null}'}, "count": lambda s: 5})()

    client = Client([httpx.ConnectError("refused")])
    assert server_store_with(client).read_manifest()["versions"] == {} and client.calls == 2

    client = Client([httpx.ConnectError("refused")] * 9)
    with pytest.raises(StoreError, match="could not be read.*ConnectError"):
        server_store_with(client).read_manifest()
    assert client.calls == 4

    client = Client([NotFoundError("Collection [pair_manifest] does not exist")])
    assert server_store_with(client).read_manifest()["active"] is None and client.calls == 1  # only this is "none"

    client = Client([httpx.ConnectError("refused")])
    with pytest.raises(StoreError):  # the per-second change check tries once: the next check is the retry
        server_store_with(client).manifest_stamp()
    assert client.calls == 1

    client = Client([httpx.ReadTimeout("slow")])
    coll = server_store_with(client).open_version(3)
    assert coll.count() == 5 and client.calls == 2

    client = Client([NotFoundError("Collection [pair_v0003] does not exist")])
    with pytest.raises(StoreError, match="index version 3 could not be opened.*index --full"):
        server_store_with(client).open_version(3)


# -- GET /healthz ----------------------------------------------------------------------------------------
class HealthyAssistant:
    version = 4

    def __init__(self):
        self.refreshed = 0

    def refresh_soon(self):
        self.refreshed += 1

    def health(self):
        return {"status": "ok", "index_version": self.version, "store": "chroma server http://chroma.internal:8000",
                "store_ok": False, "last_refresh": "2026-11-30T00:00:00+00:00",
                "last_refresh_failed": "StoreError: HTTP 503"}


def health_client(tmp_path, auth=None):
    from fastapi.testclient import TestClient

    from assistant.app.web import handlers, security
    from assistant.app.web.api import json_api

    settings = Settings(home=tmp_path / "home", corpus=tmp_path / "corpus")
    assistant = HealthyAssistant()
    api = json_api(handlers.ChatApp(assistant, settings), settings, auth)
    security.harden(api, settings, "127.0.0.1")
    client = TestClient(api, base_url="http://127.0.0.1")
    client.assistant = assistant
    return client


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_healthz_answers_200_with_the_version_served_even_when_the_store_is_down(tmp_path):
    client = health_client(tmp_path)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "ok" and body["index_version"] == 4 and body["store_ok"] is False
    assert body["store"].startswith("chroma server") and "503" in body["last_refresh_failed"]
    assert client.assistant.refreshed == 1  # a health check starts a background check of the store when one is due
    assert "content-security-policy" in r.headers  # hardened like every route


def test_healthz_without_the_password_says_only_ok(tmp_path):
    from assistant.app.web import security

    client = health_client(tmp_path, auth=("alice", "pässwort"))
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}  # a load balancer's check needs no password
    r = client.get("/healthz", headers=basic("alice", "pässwort"))
    assert r.status_code == 200 and r.json()["index_version"] == 4 and r.json()["store_ok"] is False
    for _ in range(security.MAX_FAILURES):  # a wrong password is refused, and repeated ones are locked out
        assert client.get("/healthz", headers=basic("alice", "wrong")).status_code == 401
    r = client.get("/healthz", headers=basic("alice", "pässwort"))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert client.get("/healthz").json() == {"status": "ok"}  # the bare check still answers
