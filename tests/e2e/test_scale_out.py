"""Issue 15, item 4: scale-out, tested. Two `serve` processes share one `chroma run`; a third process indexes a
new document while a load generator spreads questions over both: every request answers right (0 errors), and
both processes switch to the new version without a restart. Also: a `serve` that starts while the shared
index cannot be read, or does not exist yet, exits with a clear error and builds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.request

import pytest

from tests.support import PY, ROOT, free_port, run_cli, stop_process, wait_http, write_md

OTTERS = "How many otters were counted along the Tyne?"
HERONS = "Where do grey herons nest?"


def ask(url: str, question: str) -> dict:
    req = urllib.request.Request(f"{url}/api/ask", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def healthz(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/healthz", timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture
def shared_env(small_settings, chroma_server):
    """Environment for every process: one Chroma server, a collection prefix of this test's own, a fast refresh."""
    return {"ASSISTANT_CHROMA_HOST": chroma_server[0], "ASSISTANT_CHROMA_PORT": str(chroma_server[1]),
            "ASSISTANT_COLLECTION": f"so{int(time.time() * 1000) % 10**8}", "ASSISTANT_CORPUS": str(small_settings.corpus),
            "ASSISTANT_HOME": str(small_settings.home), "ASSISTANT_REFRESH_INTERVAL_S": "0.25",
            "ASSISTANT_FEEDBACK": "0", "ASSISTANT_GAPS": "0", "GRADIO_ANALYTICS_ENABLED": "False"}


def start_serve(env: dict, tmp_path, n: int):
    port = free_port()
    log = open(tmp_path / f"serve{n}.log", "w")
    proc = subprocess.Popen([PY, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env={**os.environ, **env},
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, log, f"http://127.0.0.1:{port}"


def test_two_serves_one_chroma_an_index_run_under_load(shared_env, tmp_path, small_settings, embedder):
    from assistant.ingest.pipeline import build_index

    # version 1, in this process with the session's model (the tagger it trains, if the session has not yet,
    # is cached for the `index` process below)
    first = small_settings.with_(chroma_host=shared_env["ASSISTANT_CHROMA_HOST"],
                                 chroma_port=int(shared_env["ASSISTANT_CHROMA_PORT"]),
                                 collection_prefix=shared_env["ASSISTANT_COLLECTION"])
    assert build_index(first, quiet=True, embedder=embedder).version == 1
    servers = [start_serve(shared_env, tmp_path, n) for n in (1, 2)]
    results: list[tuple[int, str, bool]] = []  # (server, question, right)
    errors: list[str] = []
    stop = threading.Event()
    try:
        for proc, _, url in servers:
            wait_http(f"{url}/healthz", 180, proc)
        assert [healthz(url)["index_version"] for _, _, url in servers] == [1, 1]

        def client(i: int) -> None:
            j = i
            while not stop.is_set():
                s = j % 2
                j += 1
                try:
                    answer = ask(servers[s][2], OTTERS)
                    results.append((s, OTTERS, any("412" in c["text"] for c in answer["citations"])))
                except Exception as e:  # noqa: BLE001 - every failure is counted and shown
                    errors.append(f"server {s + 1}: {type(e).__name__}: {e}")
                stop.wait(0.3)  # steady load, not saturation: the indexer shares the same 2 cores

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(2)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        write_md(small_settings.corpus / "report", "herons", "## Herons\nGrey herons nest in colonies along the Tyne.")
        t0 = time.monotonic()
        out = run_cli(["index"], shared_env)  # the third process publishes version 2 while both answer
        assert out.returncode == 0, out.stderr
        print(f"index under load: {time.monotonic() - t0:.1f} s, {len(results)} answers so far")
        deadline = time.monotonic() + 60
        while [healthz(url)["index_version"] for _, _, url in servers] != [2, 2]:
            assert time.monotonic() < deadline, [healthz(url) for _, _, url in servers]
            time.sleep(0.2)
        time.sleep(1.0)  # load on the new version too
        stop.set()
        for t in threads:
            t.join(timeout=60)
        for _, _, url in servers:
            assert any(c["doc_id"] == "herons" for c in ask(url, HERONS)["citations"])
            assert healthz(url)["store_ok"] is True
    finally:
        stop.set()
        for proc, log, _ in servers:
            stop_process(proc, log)
    assert errors == []
    assert {s for s, _, _ in results} == {0, 1} and len(results) >= 8  # the load reached both processes
    assert all(right for _, _, right in results), [r for r in results if not r[2]][:3]


def test_serve_never_builds_a_shared_index_and_fails_clearly_when_it_cannot_read_it(shared_env, small_settings):
    """An empty shared index: `serve` refuses to build it (one `index` does). A server that does not answer:
    a clear error naming it, in bounded time. Neither writes anything to the server."""
    import chromadb

    out = run_cli(["serve", "--port", str(free_port())], shared_env, timeout=120)
    assert out.returncode != 0 and "no index yet" in out.stderr and "pair-assistant index" in out.stderr, out.stderr
    host, port = shared_env["ASSISTANT_CHROMA_HOST"], int(shared_env["ASSISTANT_CHROMA_PORT"])
    names = [c if isinstance(c, str) else c.name for c in chromadb.HttpClient(host=host, port=port).list_collections()]
    assert not [n for n in names if n.startswith(shared_env["ASSISTANT_COLLECTION"])]

    t0 = time.perf_counter()
    out = run_cli(["serve", "--port", str(free_port())], {**shared_env, "ASSISTANT_CHROMA_PORT": str(free_port())}, timeout=120)
    assert out.returncode != 0 and "cannot reach the Chroma server" in out.stderr and "Traceback" not in out.stderr
    assert time.perf_counter() - t0 < 60
    assert not (small_settings.home / "versions").exists()
