"""The plain JSON route, ``POST /api/ask``, beside the chat."""

from __future__ import annotations

import logging

from fastapi import Request  # at module level: the route's annotation is resolved here

from assistant.app.web.handlers import ChatApp
from assistant.settings import Settings

log = logging.getLogger("assistant.web")


def json_api(app: "ChatApp", settings: Settings, auth: tuple[str, str] | None):
    """A plain JSON route, ``POST /api/ask``, beside the chat: the Answer contract without Gradio's queue and
    event stream, which cost more than the answer itself under load (README: load figures). At most
    ``settings.concurrency`` answers are computed at once; up to ``settings.queue_size`` more wait; beyond
    that the route answers 503 with Retry-After, so overload queues, then refuses clearly, never crashes."""
    import base64
    import secrets
    import threading

    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse

    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    slots = threading.BoundedSemaphore(max(1, settings.concurrency))
    waiting = {"n": 0}
    lock = threading.Lock()
    limit = max(1, settings.concurrency) + max(0, settings.queue_size)

    async def authorised(request: Request) -> bool:
        """HTTP Basic, read by hand: FastAPI's HTTPBasic decodes the credentials as ASCII and rejects any other
        password. Compared as UTF-8 bytes in constant time, both checks always run (a wrong user name answers
        no faster)."""
        if not auth:
            return True
        scheme, _, param = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(param, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        user_ok = secrets.compare_digest(user.encode("utf-8"), auth[0].encode("utf-8"))
        password_ok = secrets.compare_digest(password.encode("utf-8"), auth[1].encode("utf-8"))
        return bool(sep) and user_ok & password_ok

    def answer(body: dict) -> dict:
        with slots:
            return app.api_ask(body.get("question", ""), body.get("filters"))

    @api.post("/api/ask")
    async def ask_route(request: Request):
        if not await authorised(request):
            return JSONResponse({"error": "authentication required"}, status_code=401, headers={"WWW-Authenticate": "Basic"})
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001
            return JSONResponse({"error": 'send JSON: {"question": "...", "filters": {...}}'}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": 'send a JSON object: {"question": "..."}'}, status_code=400)
        with lock:
            if waiting["n"] >= limit:
                return JSONResponse({"error": "the assistant is busy; try again shortly"}, status_code=503, headers={"Retry-After": "2"})
            waiting["n"] += 1
        try:
            return JSONResponse(await run_in_threadpool(answer, body))
        except Exception as e:  # noqa: BLE001 - a client gets a short message, the log gets the trace
            log.exception("ask failed (JSON API)")
            return JSONResponse({"error": str(e)[:300] or type(e).__name__}, status_code=400)
        finally:
            with lock:
                waiting["n"] -= 1

    return api
