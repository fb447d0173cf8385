"""What keeps the chat safe: who may connect (loopback, or a password), and text from questions or documents
made inert before it reaches the page (HTML escaped, markdown neutralised, only http(s) links).
"""

from __future__ import annotations

import html
import ipaddress
import math
import re
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import AssistantError
from assistant.ingest.loaders.metadata import DESIGNS
from assistant.settings import COMPONENTS, DOC_TYPES, Settings

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


# Control characters (except tab and newline) and bidi overrides never reach the page.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")


# gr.HTML reads its value as a template (JS template string / Handlebars): neutralise $, { and } as entities.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})


# -- serving safely ---------------------------------------------------------------------------------------
def is_loopback(host: str | None) -> bool:
    h = (host or "").strip().strip("[]").lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """ASSISTANT_AUTH "user:password" -> (user, password); None when not set."""
    if not auth:
        return None
    user, sep, password = str(auth).partition(":")
    if not sep or not user.strip() or not password:
        raise AssistantError("ASSISTANT_AUTH must look like user:password (both parts non-empty)")
    return user.strip(), password


def check_host(host: str, settings: Settings) -> tuple[str, str] | None:
    """Refuse a non-loopback address unless a password is set; returns the credentials to pass to launch."""
    creds = parse_auth(settings.auth)
    if not is_loopback(host) and creds is None:
        raise AssistantError(
            f"refusing to serve on {host!r}: without a password only this computer may use the chat. "
            "Set ASSISTANT_AUTH=user:password to serve on a network address, or use --host 127.0.0.1."
        )
    return creds


# -- escaping ---------------------------------------------------------------------------------------------
def visible(text) -> str:
    return _INVISIBLE.sub("", "" if text is None else str(text))


def esc(text) -> str:
    """Text for HTML (element content or a quoted attribute): escaped, with template characters neutralised."""
    return html.escape(visible(text), quote=True).translate(_TEMPLATE_CHARS)


def md_literal(text) -> str:
    """Text shown literally inside markdown: punctuation backslash-escaped, and <, >, & as entities (never HTML)."""
    return html.escape(_MD_PUNCT.sub(r"\\\1", visible(text)), quote=False)


def md_safe(markdown: str) -> str:
    """Markdown written by the assistant (answers): kept as markdown (bold, lists, [n] markers), but any HTML
    in it shows as text, and nothing in it can become a link or an image. Answers quote corpus sentences
    verbatim (the contract keeps them so), and the assistant's own markdown has no links or images, so every
    bracket except a bare ``[n]`` marker is escaped, and so are the bare URLs, www. names and e-mail
    addresses GFM would turn into links. A backslash escape already in the text stays one unit, so an added
    backslash can never pair with a document's own to reopen a bracket."""
    return _LINKISH.sub(_inert, html.escape(visible(markdown), quote=False))


# An existing backslash escape (kept whole), a citation marker [n] that no link syntax follows (kept), any
# other bracket, the :// of a URL, www. at a word start, and @ (e-mail autolinks): the last four escaped.
_LINKISH = re.compile(r"\\[!-/:-@\[-`{-~]|\[\d{1,4}\](?![(\[:])|[\[\]]|(?<=[A-Za-z0-9])://|(?<![\w.])www\.|@")


def _inert(m: re.Match) -> str:
    s = m.group(0)
    if s.startswith("\\") or (s.startswith("[") and len(s) > 1):
        return s
    return "www\\." if s == "www." else "\\" + s


def safe_url(url) -> str | None:
    u = visible(url).strip()
    try:
        parsed = urlparse(u)
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return u


# -- who may connect, and how -----------------------------------------------------------------------------
def credentials_match(user, password, auth: tuple[str, str]) -> bool:
    """User name and password compared as UTF-8 bytes in constant time; both compared always (a wrong user
    name answers no faster). A string that is not valid Unicode is simply wrong."""
    import hmac

    def utf8(s) -> bytes:
        return str(s).encode("utf-8", "surrogatepass")

    user_ok = hmac.compare_digest(utf8(user), utf8(auth[0]))
    password_ok = hmac.compare_digest(utf8(password), utf8(auth[1]))
    return bool(user_ok & password_ok)


def gradio_auth(auth: tuple[str, str]):
    """The chat's login check for Gradio: Gradio's own looks the user name up first (a wrong one answers
    faster) and strips it; this compares both, as bytes, in constant time."""

    def check(username, password) -> bool:
        return credentials_match(username, password, auth)

    return check


def allowed_hosts(host: str, settings: Settings) -> list[str]:
    """The Host headers the chat answers (DNS-rebinding defence): the bound address, its loopback names when
    bound to loopback, and ASSISTANT_ALLOWED_HOSTS. Bound to every interface (0.0.0.0, ::) with no list set,
    any name is accepted: a password is required there anyway."""
    extra = [h.strip().lower() for h in (settings.allowed_hosts or "").split(",") if h.strip()]
    h = (host or "").strip().strip("[]").lower()
    if h in ("0.0.0.0", "::", ""):
        return extra or ["*"]
    names = [f"[{h}]" if ":" in h else h]
    if is_loopback(h):
        names += ["localhost", "127.0.0.1", "[::1]"]
    return list(dict.fromkeys(names + extra))


# Outside images, scripts, styles, fonts and connections are refused by the browser; Gradio's page needs
# inline scripts and styles and eval (its front end compiles templates), so those stay allowed for 'self'.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",  # the page does not load without eval (tried)
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])
SECURITY_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}
MAX_FAILURES = 5  # wrong passwords from one client before it must wait
FIRST_WAIT_S = 30  # then 30 s, doubling with each further wrong password
MAX_WAIT_S = 900
AUTH_PATHS = ("/login", "/login/", "/api/ask")


class LoginThrottle:
    """Wrong passwords per client address: after MAX_FAILURES in a row the client waits FIRST_WAIT_S, doubling
    with each further failure up to MAX_WAIT_S; a right password forgets it. Keeps at most ``max_clients``."""

    def __init__(self, now=None, max_clients: int = 10_000):
        import threading
        import time

        self._now = now or time.monotonic
        self._state: dict[str, tuple[int, float]] = {}  # client -> (failures in a row, may try again at)
        self._lock = threading.Lock()
        self._max = max_clients

    def failures(self, client: str) -> int:
        return self._state.get(client, (0, 0.0))[0]

    def retry_after(self, client: str) -> int:
        """Seconds this client must wait before trying again (0: it may try now)."""
        import math

        until = self._state.get(client, (0, 0.0))[1]
        return max(0, math.ceil(until - self._now()))

    def failed(self, client: str) -> None:
        with self._lock:
            n = self.failures(client) + 1
            wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (n - MAX_FAILURES)) if n >= MAX_FAILURES else 0
            self._state.pop(client, None)
            self._state[client] = (n, self._now() + wait)
            while len(self._state) > self._max:  # the longest-quiet client goes first
                self._state.pop(next(iter(self._state)))

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._state.pop(client, None)


def _json_error(message: str, status: int, headers: dict | None = None):
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=headers)


class SecurityHeaders:
    """Adds the Content-Security-Policy (and nosniff, no-referrer) to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.datastructures import MutableHeaders

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers[k] = v
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with 413: by its Content-Length, or counted as it arrives."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self):
        kb = self.max_bytes // 1024
        return _json_error(f"request body too large: at most {kb} KB (ASSISTANT_MAX_REQUEST_KB)", 413)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.datastructures import Headers

        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_bytes):
            return await self._too_large()(scope, receive, send)
        seen = 0
        started = False

        class TooLarge(Exception):
            pass

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked_send)
        except TooLarge:
            if not started:
                await self._too_large()(scope, receive, send)


class Throttle:
    """Back-off per client address on the password routes (the chat's /login, the JSON route): a locked-out
    client gets 429 with Retry-After before its password is even read."""

    def __init__(self, app, throttle: LoginThrottle):
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in AUTH_PATHS:
            return await self.app(scope, receive, send)
        from starlette.datastructures import Headers

        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.retry_after(client)
        if wait:
            return await _json_error(f"too many wrong passwords from this address; try again in {wait} s", 429,
                                     {"Retry-After": str(wait)})(scope, receive, send)
        tried = scope["path"] != "/api/ask" or "authorization" in Headers(scope=scope)
        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        code = status.get("code")
        wrong = code == 400 if scope["path"] != "/api/ask" else code == 401
        if tried and wrong:
            self.throttle.failed(client)
        elif tried and code is not None and code < 400:
            self.throttle.succeeded(client)


def harden(app, settings: Settings, host: str):
    """What `serve` puts in front of the chat and the JSON route, outermost first: the Host check (400), the
    body cap (413), the wrong-password back-off (429), and the security headers on every response."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app.add_middleware(SecurityHeaders)
    app.add_middleware(Throttle, throttle=LoginThrottle())
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_kb * 1024)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(host, settings), www_redirect=False)
    return app


# -- requests checked, never silently dropped ---------------------------------------------------------
DocType = Literal[DOC_TYPES]  # type: ignore[valid-type]
Component = Literal[COMPONENTS]  # type: ignore[valid-type]
Design = Literal[DESIGNS]  # type: ignore[valid-type]
Year = Field(None, ge=1900, le=2100, description="A year between 1900 and 2100.")


class AskFilters(BaseModel):
    """The filters a JSON request may send: every value checked, none dropped (a single string is a list of one)."""

    model_config = ConfigDict(extra="forbid")

    doc_types: list[DocType] | None = None
    components: list[Component] | None = None
    designs: list[Design] | None = None
    year_min: int | None = Year
    year_max: int | None = Year

    @field_validator("doc_types", "components", "designs", mode="before")
    @classmethod
    def _one_is_a_list(cls, v):
        return [v] if isinstance(v, str) else v

    @field_validator("year_min", "year_max", mode="before")
    @classmethod
    def _a_whole_year(cls, v):
        if isinstance(v, float) and not (math.isfinite(v) and v.is_integer()):
            raise ValueError("must be a whole year between 1900 and 2100")
        return v

    @model_validator(mode="after")
    def _in_order(self):
        if self.year_min and self.year_max and self.year_min > self.year_max:
            raise ValueError(f"year_min ({self.year_min}) is after year_max ({self.year_max})")
        return self


def validation_message(error: ValidationError) -> str:
    """One line naming each bad field: ``filters.year_min: Input should be a valid integer (got 'abc')``."""
    parts = []
    for err in error.errors():
        loc = ".".join(str(x) for x in err["loc"] if not isinstance(x, int))
        if err["type"] == "json_invalid":
            return f"send valid JSON in UTF-8 (no lone surrogates): {err['msg']}"
        if not loc and err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            return 'send a JSON object: {"question": "...", "filters": {...}}'
        got = err.get("input")
        shown = "" if err["type"] in ("missing", "value_error") or isinstance(got, dict) else f" (got {str(repr(got))[:60]})"
        parts.append(f"{loc + ': ' if loc else ''}{err['msg'].removeprefix('Value error, ')}{shown}")
    return "; ".join(parts)
