"""End to end: the real app as a subprocess, driven with Debian chromium through Playwright.

One server for the session (a fresh ASSISTANT_HOME, so it builds the index from corpus/ first: about a
minute), a fresh browser page per test. Any request the page makes to a host other than this computer is
blocked and fails the test. The Enter-to-answer time is printed and written to test-output/ui-timings.json;
a screenshot goes to test-output/chat.png.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import guarded_page
from tests.support import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
STARTUP_TIMEOUT_S = 240

Q_FUND = "What would help my board fund a parent-infant team?"
Q_TEAMS = "How many parent-infant teams are there in the UK?"
Q_SHORT = "What did commissioners say about short-term funding?"
Q_OFF_TOPIC = "What is the best recipe for sourdough bread?"
XSS = '<img src=x onerror="window.__xss=1">'

BOT = "#pair-chat .message.bot"
USER = "#pair-chat .message.user"


@pytest.fixture(scope="session")
def server(shipped):
    """`serve` over the index the integration tests' ``shipped`` assistant built (the shipped corpus, indexed once
    per session: a second index of the same corpus had cost half a minute of the suite). It only reads that index;
    the feedback and gaps it records are the browser tests' own, as no test of ``shipped`` reads them."""
    home = Path(shipped.settings.home)
    port = free_port()
    env = dict(os.environ, ASSISTANT_HOME=str(home), ASSISTANT_CORPUS=str(ROOT / "corpus"), ASSISTANT_FEEDBACK="1",
               PYTHONUNBUFFERED="1")
    env.pop("ASSISTANT_AUTH", None)
    log_path = home / "serve.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited with status {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer on {url} within {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "home": home, "proc": proc, "log": log_path}
    finally:
        proc.terminate()  # SIGTERM stops a served Gradio app
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()



@pytest.fixture
def page(browser, server):
    with guarded_page(browser, server["url"]) as pg:
        yield pg


def ask(page, question: str, timeout_ms: int = 20_000) -> float:
    """Type a question, press Enter; wait until the new answer is visible. Returns ms from Enter to answer."""
    box = page.locator("#pair-question textarea")
    box.fill(question)
    n = page.locator(BOT).count()
    page.evaluate("""() => {
        window.__t0 = null;
        document.querySelector('#pair-question textarea').addEventListener('keydown', e => {
            if (e.key === 'Enter') window.__t0 = performance.now(); }, {capture: true, once: true});
    }""")
    box.press("Enter")
    handle = page.wait_for_function(
        """(n) => {
            if (document.querySelector('#pair-chat [aria-label="Loading response"]')) return false;
            const bots = document.querySelectorAll('#pair-chat .message.bot');
            if (bots.length <= n || window.__t0 === null) return false;
            const last = bots[bots.length - 1];
            if (!last.innerText.trim() || last.getBoundingClientRect().height === 0) return false;
            return performance.now() - window.__t0;
        }""", arg=n, polling="raf", timeout=timeout_ms)
    return float(handle.json_value())


def last_bot_text(page) -> str:
    return page.locator(BOT).last.inner_text()


def record_timing(name: str, ms: float) -> None:
    OUT.mkdir(exist_ok=True)
    path = OUT / "ui-timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = round(ms, 1)
    path.write_text(json.dumps(data, indent=2))


def test_ask_shows_answer_and_cited_cards(page, pytestconfig):
    cold = ask(page, Q_FUND)
    text = last_bot_text(page)
    assert "[1]" in text and "What the study proposes" in page.locator("#pair-cards").inner_text()
    cards = page.locator("#pair-cards .pair-card")
    assert cards.count() >= 1
    first = cards.first
    assert first.locator(".pair-badge").count() == 1 and first.locator(".pair-badge").is_visible()
    assert first.locator(".pair-title").inner_text().strip()
    link = first.locator(".pair-link a")
    assert link.get_attribute("rel") == "noopener noreferrer" and link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").startswith("http")
    assert "Sources for:" in page.locator("#pair-cards").inner_text()

    warm = ask(page, Q_SHORT)
    assert "[1]" in last_bot_text(page)
    assert page.locator(USER).count() == 2  # the conversation is kept
    # what commissioners said about funding is linked to the study's barrier, in plain words, with its level
    badges = page.locator("#pair-cards .pair-badge").all_inner_texts()
    assert any(b.startswith(("Barrier: short-term funding", "Evidence against: short-term funding")) and "system level" in b
               for b in badges), badges
    assert page.locator("#pair-cards .pair-strength").count() >= 1  # the evidence-strength badge on the cards
    assert page.locator("#pair-cards mark.pair-used").count() >= 1  # the sentences the answer uses are marked
    record_timing("enter_to_answer_ms_first", cold)
    record_timing("enter_to_answer_ms_warm", warm)
    with pytestconfig.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(f"\nEnter-to-answer: first question {cold:.0f} ms, next question {warm:.0f} ms")
    # reported, not asserted: a timed test on a shared 2-core machine fails on noise; the figures are checked by
    # `pair-assistant bench` (README: Latency), and test-output/ui-timings.json keeps these for the record

    OUT.mkdir(exist_ok=True)
    page.wait_for_timeout(300)  # let the progress indicator fade before the screenshot
    page.screenshot(path=str(OUT / "chat.png"), full_page=True)

    # clicking an earlier answer brings its passages back
    page.locator(BOT).first.click()
    page.wait_for_function("(q) => document.querySelector('.pair-cards-head').innerText.includes(q)", arg=Q_FUND,
                           timeout=10_000)


def test_doc_type_filter_is_respected(page):
    page.get_by_text("Filters: which evidence may be cited").click()
    page.locator("#pair-filter-doctype input[name=study]").check()
    ask(page, Q_FUND)
    cards = page.locator("#pair-cards .pair-card")
    assert cards.count() >= 1, page.locator("#pair-cards").inner_text()
    types = [cards.nth(i).get_attribute("data-doc-type") for i in range(cards.count())]
    assert set(types) == {"study"}, types
    assert all("Study" in cards.nth(i).locator(".pair-meta").inner_text() for i in range(cards.count()))
    # and the filter can be widened again
    page.locator("#pair-filter-doctype input[name=study]").uncheck()
    page.locator("#pair-filter-doctype input[name=report]").check()
    ask(page, Q_FUND)
    types = [cards.nth(i).get_attribute("data-doc-type") for i in range(cards.count())]
    assert types and set(types) == {"report"}, types


def test_export_brief(page):
    ask(page, Q_FUND)
    with page.expect_download(timeout=60_000) as dl:  # a hang guard, not a speed check: it timed out at 15 s under load
        page.locator("#pair-export").click()
    download = dl.value
    assert download.suggested_filename.startswith("pair-evidence-brief-") and download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text("utf-8")
    assert Q_FUND in text
    assert "https://" in text and "COM-B" in text and "## COM-B summary" in text and "## References" in text
    assert "Index version:" in text and "Passage ID:" in text
    # the download button stays for a second copy, labelled with what it holds
    assert "1 question" in page.locator("#pair-download").inner_text()


def test_off_topic_question_abstains(page):
    ask(page, Q_OFF_TOPIC)
    assert "does not cover" in last_bot_text(page)
    assert page.locator("#pair-cards .pair-card").count() == 0
    assert "does not cover" in page.locator("#pair-cards").inner_text()


def test_html_in_a_question_is_shown_as_text(page):
    ask(page, XSS)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert XSS in page.locator(USER).last.inner_text()
    assert page.evaluate("document.querySelectorAll('#pair-chat img[onerror], #pair-cards img').length") == 0
    ask(page, "<script>window.__xss=2</script> ${window.__xss=3} What about funding?")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert "<script>window.__xss=2</script>" in page.locator(USER).last.inner_text()


def test_hostile_input_never_breaks_the_page(page):
    for q in ["a" * 100_000, "funding \x00\x07\x1b[31m teams", "¿Cuántos equipos de padres e hijos hay en el Reino Unido?"]:
        ask(page, q)
        assert last_bot_text(page).strip()
    # an empty question is ignored rather than sent
    n = page.locator(USER).count()
    page.locator("#pair-question textarea").fill("   ")
    page.locator("#pair-question textarea").press("Enter")
    page.wait_for_timeout(500)
    assert page.locator(USER).count() == n


def test_example_question_asks_it(page):
    n = page.locator(BOT).count()
    # the label is shortened (Gradio cuts example text at 60 characters); the full question is asked
    page.locator("#pair-examples").get_by_text("Family Hubs funding for perinatal mental health in 2025-26?").click()
    page.wait_for_function(
        """(n) => !document.querySelector('#pair-chat [aria-label="Loading response"]')
                  && document.querySelectorAll('#pair-chat .message.bot').length > n""", arg=n, timeout=20_000)
    assert "How much Family Hubs funding is there for perinatal mental health in 2025-26?" in page.locator(USER).last.inner_text()
    assert "[1]" in last_bot_text(page) and page.locator("#pair-cards .pair-card").count() >= 1


def test_feedback_is_saved(page, server):
    ask(page, Q_TEAMS)
    page.locator(BOT).last.hover()
    page.locator("#pair-chat button[aria-label='Like']").last.click()
    db = Path(server["home"]) / "feedback.sqlite"
    # 30 s, not 10: under a loaded machine (evals beside the suite) the row once took longer than 10 s to appear
    deadline = time.monotonic() + 30
    rows = []
    while time.monotonic() < deadline:
        if db.exists():
            con = sqlite3.connect(db)
            try:
                rows = con.execute("SELECT question, rating, citations FROM feedback").fetchall()
            except sqlite3.OperationalError:  # the file is there but its table is not made yet
                rows = []
            finally:
                con.close()
            if rows:
                break
        time.sleep(0.2)
    assert rows and rows[-1][0] == Q_TEAMS and rows[-1][1] == 1
    assert json.loads(rows[-1][2])[0]["passage_id"]


def test_corpus_tab_lists_documents(page):
    page.get_by_role("tab", name="Corpus").click()
    table = page.locator("#pair-corpus")
    table.wait_for()
    page.wait_for_function("document.querySelector('#pair-corpus').innerText.includes('Sutton Trust')", timeout=10_000)
    text = table.inner_text()
    assert "Baby Bonds" in text and "Sutton Trust" in text and "Indexed (UTC)" in text


def test_api_endpoint_returns_the_answer_contract(server):
    gradio_client = pytest.importorskip("gradio_client")
    client = gradio_client.Client(server["url"], verbose=False)
    d = client.predict(Q_FUND, api_name="/ask")
    assert list(d)[:5] == ["question", "answer", "abstained", "citations", "timings_ms"]
    assert d["question"] == Q_FUND and d["abstained"] is False and d["citations"]
    c = d["citations"][0]
    for key in ("n", "passage_id", "doc_id", "title", "publisher", "year", "url", "doc_type", "locator", "text", "score", "com_b"):
        assert key in c
    keys = {"component", "subcomponent", "polarity", "confidence", "barrier", "intervention_functions",
            "policy_categories", "level", "relation", "item", "other_options"}
    assert keys <= set(c["com_b"]) <= keys | {"items"}  # items: only on a passage quoting several catalogue items
    assert c["spans"] and set(c["strength"]) >= {"design", "setting", "publisher_kind"}
    filtered = client.predict(Q_FUND, {"doc_types": ["guidance"]}, api_name="/ask")
    assert {x["doc_type"] for x in filtered["citations"]} <= {"guidance"}
    off = client.predict(Q_OFF_TOPIC, api_name="/ask")
    assert off["abstained"] is True and off["citations"] == []


def test_barrier_answer_leads_groups_and_says_what_is_not_covered(page):
    ask(page, "What stops commissioners in Sunderland funding parent-infant services?")
    text = last_bot_text(page)
    assert text.startswith("The study's barriers that the cited evidence reports:")  # the lead names the barriers
    groups = text.split("By barrier", 1)[1]  # grouped by catalogue item, each with what the study proposes
    assert "The study proposes education, training, enablement" in groups and "system level (the study codes it N/A)" in groups
    assert "What the evidence here does not cover:" in text and "Sunderland" in text
    assert "coercion" not in text.lower()


def test_comb_map_tab_opens_the_evidence_for_a_barrier(page):
    page.get_by_role("tab", name="COM-B map").click()
    table = page.locator("#pair-comb-map")
    table.get_by_text("hard to show impact and value for money", exact=True).click()
    cards = page.locator("#pair-map-passages")
    cards.wait_for(timeout=10_000)
    assert cards.get_attribute("data-item") == "b-hard-to-show-impact"
    n = cards.locator(".pair-card").count()
    assert n >= 1
    # each card names the barrier in its badge, or (a table passage whose rows list several) in "This table also lists"
    linked = cards.locator(".pair-card").evaluate_all(
        "els => els.map(e => [e.querySelector('.pair-badge')?.innerText || '', e.querySelector('.pair-also')?.innerText || ''])")
    assert len(linked) == n and all("hard to show impact and value for money" in badge + also for badge, also in linked)
    assert any("hard to show impact and value for money" in badge for badge, _ in linked)


def test_design_filter_is_respected(page):
    page.locator("#pair-filters").get_by_text("Filters: which evidence may be cited").click()
    page.locator("#pair-filter-design").get_by_text("Randomised trial", exact=True).click()
    ask(page, "Does video feedback work for parents and babies?")
    designs = page.locator("#pair-cards .pair-card").evaluate_all("els => els.map(e => e.dataset.design)")
    assert designs and set(designs) == {"randomised_trial"}, designs


def test_corpus_tab_shows_an_indexing_run_in_progress(page, server):
    """A run's progress file (written as `index` writes it; this test's process stands for the run) appears on the
    Corpus tab within a few timer ticks, and goes when the run ends."""
    from assistant.ingest import progress

    run = progress.Progress(server["home"], "add")
    run.update("embedding passages", 128, 500, "passage")
    try:
        page.get_by_role("tab", name="Corpus").click()
        page.wait_for_function("(document.querySelector('#pair-index-progress') || {innerText: ''}).innerText"
                               ".includes('128 of 500 passages')", timeout=10_000)
        run.update("embedding passages", 192, 500, "passage")
        page.wait_for_function("document.querySelector('#pair-index-progress').innerText.includes('192 of 500')",
                               timeout=10_000)  # the timer keeps reading it
    finally:
        run.close()
    page.wait_for_function("!document.querySelector('#pair-index-progress').innerText.includes('Indexing')",
                           timeout=10_000)
