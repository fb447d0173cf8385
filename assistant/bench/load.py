"""`pair-assistant bench --load N`: N concurrent clients drive a running app (loopback only) for a bounded time."""

from __future__ import annotations

import json
import time

from assistant.app.web.security import is_loopback
from assistant.bench.speed import _r, _v
from assistant.errors import AssistantError
from assistant.evaluation.metrics import percentile

MAX_LOAD_CLIENTS = 64


MAX_LOAD_SECONDS = 3600.0


def _loopback(url: str) -> bool:
    from urllib.parse import urlparse

    return is_loopback(urlparse(url).hostname)


def http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def call_ask_json(url: str, question: str, timeout: float = 60.0) -> dict:
    """One call of the app's plain JSON route, POST /api/ask; returns the Answer contract."""
    import urllib.request

    req = urllib.request.Request(f"{url.rstrip('/')}/api/ask", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def call_ask_http(url: str, question: str, timeout: float = 60.0, session: str | None = None) -> dict:
    """One call of the app's `ask` endpoint over Gradio's REST API (queue and event stream); the Answer contract.

    ``session`` is the Gradio session the call belongs to, as a browser tab's: the chat page joins the queue with
    one session for all the questions asked in it, so Gradio builds that session's state (a copy of every
    component's configuration) once per page load. Without one, Gradio makes a new session for every call."""
    import urllib.request

    base = url.rstrip("/")
    body = {"data": [question, None], **({"session_hash": session} if session else {})}
    req = urllib.request.Request(f"{base}/gradio_api/call/ask", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        event_id = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/ask/{event_id}", timeout=timeout) as r:
        event = None
        for raw in r:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                if event == "error":
                    raise RuntimeError(f"the app answered with an error: {line[5:].strip()[:200]}")
                data = json.loads(line[5:])
                return data[0] if isinstance(data, list) else data
    raise RuntimeError("the app closed the stream without an answer")


def run_load(url: str, clients: int, seconds: float, questions: list[str], log=None, via: str = "json") -> dict:
    """N concurrent clients call the running app's ask endpoint for S seconds (loopback only)."""
    import threading
    import uuid

    if not _loopback(url):
        raise AssistantError(f"--load only drives an app on this machine (loopback); {url} is not")
    if not 1 <= clients <= MAX_LOAD_CLIENTS:
        raise AssistantError(f"--load must be between 1 and {MAX_LOAD_CLIENTS} clients")
    if not 0 < seconds <= MAX_LOAD_SECONDS:
        raise AssistantError(f"--seconds must be between 0 and {MAX_LOAD_SECONDS:.0f}")
    if not http_ok(url):
        raise AssistantError(f"no app answers at {url}: start it with `pair-assistant serve` first")
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def worker(i: int):
        # Plain HTTP against Gradio's REST API (POST the call, read the event stream): a client much lighter than
        # gradio_client, so that on a 2-core machine the load generator does not starve the server it measures.
        # One Gradio session a client, as one browser tab per commissioner (see call_ask_http).
        session = f"load{i}{uuid.uuid4().hex[:10]}"
        j = i
        while time.perf_counter() < deadline:
            q = questions[j % len(questions)]
            j += clients
            t0 = time.perf_counter()
            try:
                call_ask_json(url, q) if via == "json" else call_ask_http(url, q, session=session)
                with lock:
                    lat.append((time.perf_counter() - t0) * 1000)
            except Exception as e:
                with lock:
                    errors.append(f"{type(e).__name__}: {str(e)[:200]}")

    if log:
        log(f"load: {clients} clients for {seconds:g} s against {url} ...")
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - start
    return {"url": url, "via": "POST /api/ask" if via == "json" else "Gradio /gradio_api/call/ask",
            "clients": clients, "seconds": _r(elapsed, 2), "requests": len(lat),
            "throughput_per_s": _r(len(lat) / elapsed if elapsed else None, 2),
            "p50_ms": _r(percentile(lat, 50)), "p95_ms": _r(percentile(lat, 95)), "p99_ms": _r(percentile(lat, 99)),
            "errors": len(errors), "error_examples": sorted(set(errors))[:5]}


def format_load(r: dict) -> str:
    return (f"load: {r['clients']} clients, {r['seconds']} s against {r['url']} ({r.get('via')}): {r['requests']} answers, "
            f"{_v(r['throughput_per_s'])}/s; p50 {_v(r['p50_ms'], ' ms')}, p95 {_v(r['p95_ms'], ' ms')}, "
            f"p99 {_v(r['p99_ms'], ' ms')}; {r['errors']} errors" +
            "".join(f"\n  {e}" for e in r["error_examples"]))
