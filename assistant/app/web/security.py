"""What keeps the chat safe: who may connect (loopback, or a password), and text from questions or documents
made inert before it reaches the page (HTML escaped, markdown neutralised, only http(s) links).
"""

from __future__ import annotations

import html
import ipaddress
import re
from urllib.parse import urlparse

from assistant.errors import AssistantError
from assistant.settings import Settings

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
    """Markdown written by the assistant (answers): kept as markdown, but any HTML in it shows as text."""
    return html.escape(visible(markdown), quote=False)


def safe_url(url) -> str | None:
    u = visible(url).strip()
    try:
        parsed = urlparse(u)
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return u
