"""Issue 18 in a real browser: hostile documents (markdown images to an outside address, javascript: links,
<script>, <img onerror>, in titles, headings, text and front-matter URLs) are indexed, cited and exported, and
the page never requests anything beyond this computer and never runs their script. Then `serve` is stopped
with SIGTERM and leaves nothing in its (private) TMPDIR: no exported brief outlives it.

One small corpus and one server for the module (Debian chromium through Playwright, as test_ui_browser.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support import ROOT, SMALL_DOCS, free_port, wait_http, write_md

pytestmark = pytest.mark.slow

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
OUTSIDE = "198.51.100.8"  # TEST-NET-2: never a real host
BOT = "#pair-chat .message.bot"

HOSTILE_TITLE = f'![i](http://{OUTSIDE}/title.png) Beavers of the Tyne <img src=x onerror="window.__pwned=1">'
HOSTILE_BODY = f"""
    ## ![h](http://{OUTSIDE}/heading.png) Beaver dams <script>window.__pwned=2</script>
    Beavers built 37 dams on the River Tyne in 2024 ![b](http://{OUTSIDE}/body.png) according to the river wardens' survey.
    The wardens counted 12 beaver lodges across the Tyne catchment in 2024 [see the map](javascript:window.__pwned=3) and reported them.
    The 2024 beaver survey on the Tyne used <img src=x onerror="window.__pwned=4"> trail cameras at 40 sites along the river.
    Beaver survey results for the Tyne are listed at http://{OUTSIDE}/results and www.example.org for every year since 2020.
    """
QUESTION = "How many dams did beavers build on the River Tyne in 2024?"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    corpus, tmp = base / "corpus", base / "tmp"
    tmp.mkdir()
    for doc_id, body in SMALL_DOCS.items():
        write_md(corpus / "report", doc_id, body)
    write_md(corpus / "report", "beavers", HOSTILE_BODY, title=HOSTILE_TITLE,
             publisher=f"![p](http://{OUTSIDE}/publisher.png) Wardens", url="https://example.org/beavers")
    write_md(corpus / "report", "beaver-lodges", """
        ## Beaver lodges <img src=x onerror="window.__pwned=6">
        Beaver lodges on the River Tyne in 2024 were mostly built in quiet side channels, the wardens' survey found.
        """, title=f"[Beaver lodges](javascript:window.__pwned=7) ![x](http://{OUTSIDE}/lodges.png)", url=f"http://{OUTSIDE}/lodges")
    port = free_port()
    env = dict(os.environ, ASSISTANT_HOME=str(base / "home"), ASSISTANT_CORPUS=str(corpus), ASSISTANT_FEEDBACK="0",
               TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    env.pop("ASSISTANT_AUTH", None)
    log = open(base / "serve.log", "w")  # noqa: SIM115 - open for the server's lifetime
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 240, proc)
        yield {"url": f"http://127.0.0.1:{port}/", "proc": proc, "tmp": tmp, "log": base / "serve.log"}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=15)
        log.close()



@pytest.fixture
def page(browser, served):
    """A page that records every request beyond loopback (and blocks it), every dialog, page error and
    Content-Security-Policy violation."""
    seen = {"outside": [], "dialogs": [], "errors": [], "csp": []}
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)

    def route(r):
        u = r.request.url
        if u.startswith(("data:", "blob:", "about:")) or (urlparse(u).hostname or "") in LOCAL_HOSTS:
            r.continue_()
        else:
            r.abort()

    def on_request(req):
        u = req.url
        if not u.startswith(("data:", "blob:", "about:")) and (urlparse(u).hostname or "") not in LOCAL_HOSTS:
            seen["outside"].append(u)

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("request", on_request)
    pg.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: seen["errors"].append(str(e)))
    pg.on("console", lambda m: seen["csp"].append(m.text) if "Content Security Policy" in m.text else None)
    response = pg.goto(served["url"])
    seen["csp_header"] = response.headers.get("content-security-policy", "")
    pg.wait_for_selector("#pair-question textarea")
    pg.seen = seen
    yield pg
    context.close()


def ask(page, question: str, timeout_ms: int = 30_000) -> None:
    n = page.locator(BOT).count()
    box = page.locator("#pair-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """(n) => {
            if (document.querySelector('#pair-chat [aria-label="Loading response"]')) return false;
            const bots = document.querySelectorAll('#pair-chat .message.bot');
            return bots.length > n && bots[bots.length - 1].innerText.trim().length > 0;
        }""", arg=n, timeout=timeout_ms)


def assert_inert(page) -> None:
    page.wait_for_timeout(1500)  # let any image or script the answer might carry try to load
    assert page.evaluate("typeof window.__pwned") == "undefined", "a document's script ran"
    assert not page.seen["dialogs"], page.seen["dialogs"]
    assert not page.seen["outside"], f"the page requested outside hosts: {page.seen['outside']}"
    bad = page.evaluate(f"""() => [
        ...[...document.querySelectorAll('img')].map(i => i.getAttribute('src') || '').filter(s => s.includes('{OUTSIDE}')),
        ...[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
            .filter(h => /^\\s*javascript:/i.test(h) || (h.includes('{OUTSIDE}') && !h.endsWith('/lodges'))),
    ]""")
    assert not bad, f"live images or links from document text: {bad}"
    assert not page.seen["errors"], page.seen["errors"]
    assert not page.seen["csp"], f"the page broke its own Content-Security-Policy: {page.seen['csp'][:3]}"


def test_hostile_documents_are_cited_as_text_and_load_nothing(page):
    csp = page.seen["csp_header"]
    assert "default-src 'self'" in csp and "img-src 'self' data: blob:" in csp and "connect-src 'self'" in csp
    ask(page, QUESTION)
    answer = page.locator(BOT).last.inner_text()
    assert "37 dams" in answer and f"![b](http://{OUTSIDE}/body.png)" in answer  # cited, its markdown shown as text
    assert "Beavers of the Tyne" in page.locator("#pair-cards").inner_text()
    ask(page, "How many beaver lodges did the wardens count on the Tyne in 2024, and where are the results listed?")
    ask(page, "What trail cameras did the 2024 beaver survey use?")
    ask(page, "What is the best recipe for sourdough bread?")  # a refusal offers nearby headings as topics
    assert_inert(page)


def test_exported_brief_has_no_live_images_or_script_links(page):
    import re

    from markdown_it import MarkdownIt

    ask(page, QUESTION)
    page.locator("#pair-export").click()
    page.locator("#pair-download").wait_for(state="visible", timeout=60_000)
    with page.expect_download(timeout=60_000) as dl:  # the shown button, clicked as a person would
        page.locator("#pair-download").click()
    text = Path(dl.value.path()).read_text("utf-8")
    assert "37 dams" in text and f"{OUTSIDE}/body.png" in text
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    hrefs = re.findall(r'<a href="([^"]*)"', html)
    assert "<img" not in html, re.findall(r"<img[^>]*>", html)
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert [h for h in hrefs if OUTSIDE in h] in ([], [f"http://{OUTSIDE}/lodges"]), hrefs  # front matter only
    assert_inert(page)


def test_sigterm_leaves_no_brief_behind(served):
    tmp = served["tmp"]
    assert any(tmp.rglob("pair-evidence-brief-*.md")), "the export test wrote no brief here: TMPDIR not used"
    proc = served["proc"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    time.sleep(0.5)
    left = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
    assert not left, f"left behind after SIGTERM: {left[:10]}"
