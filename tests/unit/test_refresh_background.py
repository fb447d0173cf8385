"""Issue 15, item 2: a serving assistant answers from the version it holds and never waits for the store on the
request path. The check for a new version runs in the background (serve's loop, or one that ``ask`` starts);
a check that hangs reads as a failing store on /healthz; the JSON route answers a store failure with 503 and
Retry-After. No model, no server: the fake embedder, fake stores, FastAPI's TestClient."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.errors import StoreError
from assistant.settings import Settings
from tests.support import FakeEmbedder, make_passage
from tests.unit.test_retriever_memory import OneReadCollection

ANSWERABLE = "How many otters were counted along the Tyne?"


def collection(version: int):
    texts = ["The 2023 otter survey counted 412 otters along the Tyne and its tributaries.",
             "Keepers once worked shifts of four weeks on and four weeks off at the lighthouse."]
    if version > 1:
        texts.append("Grey herons nest in colonies along the Tyne in early spring.")
    passages = [make_passage(f"doc{i}:0000", t, title=f"Report {i}") for i, t in enumerate(texts)]
    return OneReadCollection(passages, FakeEmbedder().embed([p.embed_text() for p in passages]))


class SwitchableStore:
    """A store with a published version; ``gate`` (an Event) holds every manifest check until set, as a store
    that accepts requests and does not answer would; ``fail`` makes checks fail."""

    def __init__(self):
        self.active, self.fail = 1, False
        self.gate = threading.Event()
        self.gate.set()
        self.checks = 0

    def describe(self):
        return "chroma server http://chroma.internal:8000 (collections pair_*)"

    def manifest_stamp(self):
        self.checks += 1
        if not self.gate.wait(timeout=20):
            raise StoreError("timed out")
        if self.fail:
            raise StoreError("the index manifest could not be read (ServerUnavailable: HTTP 503)")
        return (self.active, f"t{self.active}")

    def read_manifest(self):
        return {"active": self.active, "versions": {str(self.active): {}}}

    def open_version(self, version):
        return collection(version)


def assistant_over(store, interval=0.01):
    from assistant.api import EvidenceAssistant
    from assistant.retrieval.retriever import Retriever

    fake = FakeEmbedder()
    s = Settings(refresh_interval_s=interval, feedback=False, gaps=False)
    return EvidenceAssistant(s, store, fake, Retriever(collection(1), fake, s), 1, (1, "t1"))


def wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_an_answer_never_waits_for_a_store_that_does_not_answer(monkeypatch):
    import assistant.api

    monkeypatch.setattr(assistant.api, "HUNG_CHECK_S", 0.2)
    store = SwitchableStore()
    a = assistant_over(store)
    store.gate.clear()  # every check now hangs
    time.sleep(0.02)
    t0 = time.perf_counter()
    for _ in range(5):
        ans = a.ask(ANSWERABLE)
        assert not ans.abstained and "412" in ans.citations[0].text
    assert time.perf_counter() - t0 < 2  # answers from memory; the hanging check runs beside them
    wait_until(lambda: store.checks >= 1)
    assert store.checks == 1  # one background check at a time, not one per request
    time.sleep(0.3)
    h = a.health()
    assert h["index_version"] == 1 and h["store_ok"] is False and "has not answered a check" in h["last_refresh_failed"]
    store.active = 2  # published meanwhile; the store answers again
    store.gate.set()
    wait_until(lambda: a.version == 2)  # the hung check returns and switches; the next answer uses version 2
    assert a.health()["store_ok"] is True
    assert any("herons" in c.text for c in a.ask("Where do grey herons nest?").citations)


def test_serves_loop_switches_versions_and_keeps_the_version_through_an_outage():
    store = SwitchableStore()
    a = assistant_over(store, interval=0.02)
    a.keep_refreshing()
    try:
        store.fail = True
        wait_until(lambda: a.health()["store_ok"] is False)
        assert a.version == 1 and "503" in a.health()["last_refresh_failed"]
        assert "412" in a.ask(ANSWERABLE).citations[0].text  # still answering, from memory
        store.fail, store.active = False, 2
        wait_until(lambda: a.version == 2 and a.health()["store_ok"] is True)
    finally:
        a.close()
    checks = store.checks
    time.sleep(0.1)
    assert store.checks <= checks + 1  # the loop stopped


# -- the JSON route ----------------------------------------------------------------------------------------
class StoreDownAssistant:
    version = 3

    def ask(self, question, history=None, filters=None, k=None):
        raise StoreError("searching index version 3 on chroma server http://127.0.0.1:8000 failed after 4 tries "
                         "(ServerUnavailable: HTTP 503); is `chroma run` up and reachable? Nothing was changed; try again")


class BrokenAssistant(StoreDownAssistant):
    def ask(self, question, history=None, filters=None, k=None):
        raise ValueError("a bug")


@pytest.mark.parametrize("assistant, status", [(StoreDownAssistant(), 503), (BrokenAssistant(), 400)])
def test_the_json_route_answers_a_store_failure_with_503_and_retry_after(tmp_path, assistant, status):
    from fastapi.testclient import TestClient

    from assistant.app.web import handlers, security
    from assistant.app.web.api import STORE_RETRY_AFTER_S, json_api

    settings = Settings(home=tmp_path / "home", corpus=tmp_path / "corpus", feedback=False, gaps=False)
    api = json_api(handlers.ChatApp(assistant, settings), settings, None)
    security.harden(api, settings, "127.0.0.1")
    r = TestClient(api, base_url="http://127.0.0.1").post("/api/ask", json={"question": "How many teams?"})
    assert r.status_code == status
    if status == 503:
        assert r.headers["retry-after"] == str(STORE_RETRY_AFTER_S) and STORE_RETRY_AFTER_S > 0
        assert "could not be read" in r.json()["error"] and "try again" in r.json()["error"]
    else:
        assert "retry-after" not in r.headers


def test_the_document_list_is_read_once_a_version_and_outlives_a_store_outage():
    class CountingStore(SwitchableStore):
        reads = 0

        def read_manifest(self):
            CountingStore.reads += 1
            if self.fail:
                raise StoreError("the index manifest could not be read (ServerUnavailable: HTTP 503)")
            meta = {"title": f"Report v{self.active}", "publisher": "P", "doc_type": "report", "year": 2024,
                    "url": "https://example.org/r"}
            return {"active": self.active, "versions": {str(self.active): {
                "documents": {"doc0": {"meta": meta, "passages": 1, "content_hash": "ab", "indexed_at": "2026-01-01T00:00:00+00:00"}}}}}

    store = CountingStore()
    a = assistant_over(store)
    first = a.documents()
    assert first[0]["title"] == "Report v1" and a.documents() == first and CountingStore.reads == 1  # once a version
    store.fail, a.version = True, 2  # a newer version served, and the store fails when its list is read
    assert a.documents() == first and CountingStore.reads == 2  # the last list read, as answers go on too
    store.fail, store.active = False, 2
    assert a.documents()[0]["title"] == "Report v2" and CountingStore.reads == 3  # read once the store answers
    fresh = assistant_over(CountingStore())
    fresh.store.fail = True
    with pytest.raises(StoreError):  # nothing read yet: the error, never an empty list
        fresh.documents()
