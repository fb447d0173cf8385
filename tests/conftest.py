"""Shared fixtures. ``tests/unit`` uses no model, index, server or browser and runs in seconds
(``pytest -m "not slow"``); ``tests/integration`` and ``tests/e2e`` use the real model, a real index, a real
`chroma run` and a real browser, and are marked slow here by their folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support import (
    GUARD,
    PY,
    ROOT,
    SMALL_DOCS,
    free_port,
    stop_process,
    wait_http,
    write_md,
)


@pytest.fixture(scope="session", autouse=True)
def shared_tagger_cache(tmp_path_factory):
    """One tagger cache for the whole session (ASSISTANT_CACHE, inherited by every CLI and `serve` the tests
    start): the tagger is trained once, not once per temporary home, which kept the suite under 15 minutes."""
    cache = tmp_path_factory.mktemp("tagger-cache")
    old = os.environ.get("ASSISTANT_CACHE")
    os.environ["ASSISTANT_CACHE"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("ASSISTANT_CACHE", None)
    else:
        os.environ["ASSISTANT_CACHE"] = old


@pytest.fixture
def fake_model(monkeypatch):
    """Entry points that pick their own embedder and tagger (the CLI, `add`, `edit`, `remove`) get the fake ones."""
    import assistant.comb.tagger
    import assistant.embedding

    from tests.support import FakeEmbedder

    monkeypatch.setattr(assistant.embedding, "get_embedder", lambda *a, **k: FakeEmbedder())
    monkeypatch.setattr(assistant.comb.tagger, "load_tagger", lambda *a, **k: None)


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding import get_embedder

    return get_embedder()


@pytest.fixture(scope="session")
def shipped(tmp_path_factory, embedder):
    """An EvidenceAssistant over the shipped corpus, indexed once into a temporary ASSISTANT_HOME."""
    from assistant.api import EvidenceAssistant
    from assistant.settings import Settings

    home = tmp_path_factory.mktemp("shipped-home")
    settings = Settings.from_env(home=home, corpus=ROOT / "corpus")
    return EvidenceAssistant.open(settings)


@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    for doc_id, body in SMALL_DOCS.items():
        write_md(corpus / "report", doc_id, body)
    return corpus


@pytest.fixture
def small_settings(tmp_path, small_corpus):
    from assistant.settings import Settings

    return Settings.from_env(home=tmp_path / "home", corpus=small_corpus)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`) on a loopback port, for the server-mode tests."""
    chroma = Path(PY).with_name("chroma")
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(path / "server.log", "w")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, proc)
        yield ("127.0.0.1", port)
    finally:
        stop_process(proc, log)


@pytest.fixture
def net_guard(tmp_path):
    """Environment for a subprocess in which every non-loopback connection is refused and recorded.
    Returns (env, log path); the log stays empty when nothing tried to reach the network."""
    guard_dir = tmp_path / "net-guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net-attempts.log"
    return {"PYTHONPATH": str(guard_dir), "NET_GUARD_LOG": str(log)}, log




def pytest_collection_modifyitems(config, items):
    """Everything outside tests/unit is slow: it loads the model, builds an index or starts a server."""
    for item in items:
        if "unit" not in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.slow)
