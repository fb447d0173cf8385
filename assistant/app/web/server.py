"""`pair-assistant serve`: open the assistant once, warm it up, and serve the chat and the JSON route."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import tempfile
import threading
from pathlib import Path

from assistant.app.web.api import json_api
from assistant.app.web.cards import render_cards
from assistant.app.web.layout import EXAMPLES, TITLE, build_app, css, page_js, theme
from assistant.app.web.security import check_host, gradio_auth, harden
from assistant.settings import Settings

log = logging.getLogger("assistant.web")


def serve(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False) -> None:
    """Open the assistant once and serve the chat. Blocks until the server stops (Ctrl-C or SIGTERM)."""
    from assistant.api import EvidenceAssistant
    from assistant.app.feedback import open_feedback
    from assistant.app.gaps import open_gaps

    settings = settings or Settings.from_env()
    creds = check_host(host, settings)  # before the slow part: refuse early
    private_temp_dir()  # exported briefs and Gradio's copies of them go here, and go when the server does
    from assistant.embedding import get_embedder

    get_embedder(settings.model_cache_dir).threads = max(1, settings.serve_threads)  # several requests at once share 2 cores better this way
    # With a Chroma server the index is shared: `serve` never builds one (one `pair-assistant index` does), so
    # processes starting together cannot build and prune over each other.
    assistant = EvidenceAssistant.open(settings, build_if_missing=not settings.server_mode, quiet=False)
    try:
        store = open_feedback(settings)
    except Exception as e:  # noqa: BLE001 - an unwritable home should not stop the chat
        log.warning("feedback is off: cannot open %s (%s)", settings.home, e)
        store = None
    try:
        gaps = open_gaps(settings)
    except (OSError, sqlite3.Error) as e:  # an unwritable home should not stop the chat
        log.warning("the evidence-gap register is off: cannot open %s (%s)", settings.home, e)
        gaps = None
    warm_up(assistant)
    assistant.keep_refreshing()  # new versions and store health are checked in the background, never in a request
    demo, chat_app = build_app(assistant, settings, store, with_app=True, gap_store=gaps)
    print(f"{TITLE}: index version {assistant.version}; serving on http://{host}:{port}"
          + (" (password required)" if creds else ""), flush=True)
    launch(demo, host, port, creds, open_browser, concurrency=settings.concurrency, queue_size=settings.queue_size,
           api=json_api(chat_app, settings, creds), settings=settings)


def private_temp_dir() -> Path:
    """One temporary folder for this serving process, removed on every exit: normal, SIGTERM and SIGINT.

    Exported briefs (questions and answers) are written under it, and Gradio's cache (GRADIO_TEMP_DIR), which
    copies each file it serves, lives in it too. uvicorn re-raises SIGTERM after its graceful shutdown, so an
    ``atexit`` hook alone never runs; the handlers installed here do (uvicorn restores them before it
    re-raises), then let the signal end the process as it would have."""
    folder = Path(tempfile.mkdtemp(prefix="pair-serve-"))
    tempfile.tempdir = str(folder)
    os.environ["GRADIO_TEMP_DIR"] = str(folder / "gradio")

    def remove() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    import atexit

    atexit.register(remove)
    if threading.current_thread() is threading.main_thread():
        def on_signal(signum, frame):
            remove()
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
    return folder


def warm_up(assistant) -> None:
    """Pay first-call costs at start-up, not in the first visitor's answer.

    One question warms the retriever; the common-English word list (``wordfreq``, about 0.35 s to load) is read
    for the first question with a word the corpus lacks; and Gradio wraps every event in a matplotlib backend
    switch whose first use imports matplotlib (0.8-2 s here), so that is done once now.
    """
    try:
        from assistant.retrieval.retriever import common_english

        render_cards(assistant.ask(EXAMPLES[0]))
        common_english("warm")
    except Exception:  # noqa: BLE001 - warming up is an optimisation, never a reason not to serve
        log.exception("warm-up question failed")
    try:
        from gradio.utils import MatplotlibBackendMananger  # sic: Gradio's spelling

        with MatplotlibBackendMananger():
            pass
    except Exception:  # noqa: BLE001
        log.debug("matplotlib warm-up skipped", exc_info=True)


# Gradio's queue keeps a record of the last GRADIO_ANALYTICS_MAX_EVENTS events (default 10,000) and, after every
# event, rebuilds a pandas summary of them all (GRADIO_ANALYTICS_CACHE_FREQUENCY, default 1) for its monitoring
# page, which `serve` turns off (enable_monitoring=False): work that grows with every answer served, nobody reads,
# and costs each answer more the longer the server runs. 20 clients, 60 s, Gradio /ask: p95 790 -> 695 ms,
# 31 -> 34 answers/s (load average 5). Set by the queue when it is made; a value already in the environment wins.
QUEUE_ANALYTICS_ENV = {"GRADIO_ANALYTICS_MAX_EVENTS": "100", "GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000000"}


def quiet_queue_analytics() -> None:
    for name, value in QUEUE_ANALYTICS_ENV.items():
        os.environ.setdefault(name, value)


def launch(demo, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           open_browser: bool = False, prevent_thread_lock: bool = False, concurrency: int = 4, queue_size: int = 64,
           api=None, settings: Settings | None = None):
    """Queue (overload waits rather than fails) and launch with system fonts and nothing fetched from outside.
    With ``api`` (a FastAPI app from json_api), the chat is mounted on it, hardened (Host check, body cap,
    wrong-password back-off, Content-Security-Policy: security.harden) and served by uvicorn. The chat's login
    compares user name and password as UTF-8 bytes in constant time (security.gradio_auth)."""
    login = gradio_auth(auth) if auth else None
    quiet_queue_analytics()
    demo.queue(default_concurrency_limit=concurrency, max_size=queue_size)
    options = dict(theme=theme(), css=css(), js=page_js(), footer_links=["api", "settings"], ssr_mode=False, pwa=False,
                   mcp_server=False, show_error=False, enable_monitoring=False,
                   run_history=False)  # Gradio would keep every question in the browser and offer to upload it to a hub bucket
    if api is None:
        return demo.launch(server_name=host, server_port=port, auth=login, inbrowser=open_browser, share=False, quiet=True,
                           prevent_thread_lock=prevent_thread_lock, **options)
    import gradio as gr
    import uvicorn

    app = gr.mount_gradio_app(api, demo, path="", server_name=host, server_port=port, auth=login, **options)
    harden(app, settings or Settings.from_env(), host)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.5, webbrowser.open, [f"http://{host}:{port}/"]).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
