"""bench: the parts that need no full run (formatting, guards, baseline scoring) and the load mode against a
tiny real Gradio app with an /ask endpoint. The full `bench --baseline` takes minutes and is run by hand."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from assistant.bench.load import call_ask_http, format_load, run_load
from tests.support import free_port

TINY_APP = textwrap.dedent("""
    import os, sys, time
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    def ask(question: str, request: gr.Request) -> dict:
        time.sleep(0.01)
        return {"question": question, "answer": "ok", "abstained": False, "citations": [], "timings_ms": {"total": 10.0},
                "session": request.session_hash}

    with gr.Blocks() as demo:
        gr.api(ask, api_name="ask")
    demo.queue().launch(server_name="127.0.0.1", server_port=int(sys.argv[1]), prevent_thread_lock=False)
""")


@pytest.mark.slow
def test_load_mode_against_a_tiny_app(tmp_path):
    script = tmp_path / "tiny_app.py"
    script.write_text(TINY_APP)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        from tests.support import wait_http

        wait_http(url, 90, proc)
        r = run_load(url, 2, 2.0, ["a question", "another"], log=lambda m: None, via="gradio")
        assert r["requests"] > 0 and r["errors"] == 0, r
        assert r["p50_ms"] > 0 and r["p99_ms"] >= r["p50_ms"] and r["throughput_per_s"] > 0
        assert "2 clients" in format_load(r)
        # A load client keeps one Gradio session for all its questions, as a browser tab does.
        assert [call_ask_http(url, q, session="tab1")["session"] for q in ("a", "b")] == ["tab1", "tab1"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)

