"""The plain JSON route, ``POST /api/ask``, and the health check, ``GET /healthz``, beside the chat."""

from __future__ import annotations

import logging

from fastapi import Request  # at module level: the route's annotation is resolved here
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.app.web.handlers import ChatApp
from assistant.app.web.security import (
    AskFilters,
    LoginThrottle,
    credentials_match,
    validation_message,
)
from assistant.errors import StoreError
from assistant.settings import Settings

log = logging.getLogger("assistant.web")

STORE_RETRY_AFTER_S = 5  # a store that failed a request has had its retries (about 1.4 s); ask again after this


class AskRequest(BaseModel):
    """A JSON request: {"question": "...", "filters": {...}}."""

    model_config = ConfigDict(extra="forbid")

    question: str
    filters: AskFilters | None = None


def json_api(app: ChatApp, settings: Settings, auth: tuple[str, str] | None):
    """A plain JSON route, ``POST /api/ask``, beside the chat: the Answer contract without Gradio's queue and
    event stream, which cost more than the answer itself under load (README: load figures). At most
    ``settings.concurrency`` answers are computed at once; up to ``settings.queue_size`` more wait; beyond
    that the route answers 503 with Retry-After, so overload queues, then refuses clearly, never crashes. An
    index store that could not be read (StoreError) is 503 with Retry-After too: the request was fine.
    Requests: HTTP Basic when a password is set (401), ``application/json`` only (415), a JSON object
    checked by :class:`AskRequest` (422 naming the field). Client errors are logged on one line."""
    import base64
    import threading

    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse

    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    slots = threading.BoundedSemaphore(max(1, settings.concurrency))
    waiting = {"n": 0}
    lock = threading.Lock()
    limit = max(1, settings.concurrency) + max(0, settings.queue_size)

    def authorised(request: Request) -> bool:
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
        return credentials_match(user, password, auth) and bool(sep)

    def client_error(request: Request, status: int, message: str, headers: dict | None = None):
        client = request.client.host if request.client else "?"
        log.warning("JSON API %s from %s: %s", status, client, message.replace("\n", " ")[:300])
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    def answer(req: AskRequest) -> dict:
        filters = req.filters.model_dump(exclude_none=True) if req.filters else None
        with slots:
            return app.api_ask(req.question, filters)

    @api.post("/api/ask")
    async def ask_route(request: Request):
        if not authorised(request):
            return JSONResponse({"error": "authentication required"}, status_code=401, headers={"WWW-Authenticate": "Basic"})
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return client_error(request, 415, 'send JSON with Content-Type: application/json: {"question": "...", "filters": {...}}')
        try:
            req = AskRequest.model_validate_json(await request.body())
        except ValidationError as e:
            return client_error(request, 422, validation_message(e))
        with lock:
            if waiting["n"] >= limit:
                return JSONResponse({"error": "the assistant is busy; try again shortly"}, status_code=503, headers={"Retry-After": "2"})
            waiting["n"] += 1
        try:
            return JSONResponse(await run_in_threadpool(answer, req))
        except Exception as e:  # noqa: BLE001 - api_ask has logged any internal failure with its trace
            if isinstance(e, StoreError) or isinstance(e.__cause__, StoreError):  # the store, not the request
                return client_error(request, 503, str(e)[:300], headers={"Retry-After": str(STORE_RETRY_AFTER_S)})
            return client_error(request, 400, str(e)[:300] or type(e).__name__)
        finally:
            with lock:
                waiting["n"] -= 1

    health_throttle = LoginThrottle()  # /healthz is a GET, which the serve-wide back-off (security.Throttle) skips

    @api.get("/healthz")
    async def healthz(request: Request):
        """200 while this process serves, even when the store is down (it answers from the version it holds;
        ``store_ok`` says whether the store answered its latest check). With a password set, a request without
        credentials gets only {"status": "ok"} (what a load balancer needs); the details (version, store,
        last refresh and why it failed) need the password, and wrong passwords are locked out as on /api/ask."""
        if auth and "authorization" not in request.headers:
            return JSONResponse({"status": "ok"})
        client = request.client.host if request.client else "unknown"
        if auth:
            wait = health_throttle.retry_after(client)
            if wait:
                return JSONResponse({"error": f"too many wrong passwords from this address; try again in {wait} s"},
                                    status_code=429, headers={"Retry-After": str(wait)})
            if not authorised(request):
                health_throttle.failed(client)
                return JSONResponse({"error": "authentication required"}, status_code=401,
                                    headers={"WWW-Authenticate": "Basic"})
            health_throttle.succeeded(client)
        return JSONResponse(await run_in_threadpool(health, app.assistant))

    return api


def health(assistant) -> dict:
    """The served assistant's health: what ``GET /healthz`` returns with details. It never waits for the store:
    ``serve`` checks it in the background every refresh interval, and without that loop a check is started
    here (in the background) when one is due."""
    soon = getattr(assistant, "refresh_soon", None)
    if soon:
        soon()
    report = getattr(assistant, "health", None)
    return report() if report else {"status": "ok", "index_version": getattr(assistant, "version", None)}
