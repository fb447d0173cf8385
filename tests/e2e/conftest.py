"""The browser for every end-to-end page test: Debian's chromium through Playwright, started once per session.

One Playwright for the whole session: a second ``sync_playwright()`` while one is running fails, so browser
test modules share this fixture rather than each starting their own."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("PAIR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install -y chromium` (or set PAIR_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@contextmanager
def guarded_page(browser, url: str, permissions: tuple[str, ...] = ()):
    """A fresh page on ``url`` in which any request to a host other than this computer is blocked, and which
    fails the test afterwards if one was tried, or if the page raised an error or opened a dialog."""
    outside: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    if permissions:
        context.grant_permissions(list(permissions))

    def route(r):
        u = r.request.url
        if u.startswith(("data:", "blob:", "about:")) or (urlparse(u).hostname or "") in LOCAL_HOSTS:
            r.continue_()
        else:
            outside.append(u)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    pg.goto(url)
    pg.wait_for_selector("#pair-question textarea")
    yield pg
    context.close()
    assert not outside, f"the page tried to reach outside hosts: {outside}"
    assert not errors, f"errors in the page: {errors}"
