"""Issue 18, web side: corpus text stays data in the chat and the brief; the JSON route and the chat's login
hold against hostile clients (any UTF-8 password, lock-out, Host check, JSON only, body cap, typed errors);
the chat's pages carry a Content-Security-Policy. No model, no server process: FastAPI's TestClient."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re

import pytest
from markdown_it import MarkdownIt

from assistant.answering.composer import abstention_text
from assistant.app import brief
from assistant.app.web import cards, handlers, security
from assistant.settings import Settings
from tests.unit.test_ui import FakeAssistant, answer, citation

OUTSIDE_IMG = "![i](http://198.51.100.8/t.png)"
HOSTILE = (f"{OUTSIDE_IMG} Beavers [click](javascript:alert(1)) [ref][1] <img src=x onerror=alert(1)> "
           "see http://198.51.100.8/x and www.example.org [1]: http://198.51.100.8/def.png")
LOCAL = "http://127.0.0.1"


def render(markdown: str) -> str:
    """CommonMark with GFM tables and strikethrough, as the chat's renderer reads it (raw HTML off: md_safe
    has already turned it into text)."""
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(markdown)


def links_and_images(html: str) -> tuple[list[str], list[str]]:
    return re.findall(r'<a href="([^"]*)"', html), re.findall(r"<img\b[^>]*>", html)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", corpus=tmp_path / "corpus")


# -- Found 1: corpus text is data, never markup ----------------------------------------------------------
def test_answer_markdown_shows_document_markdown_as_text():
    text = f"The 2023 survey counted beavers. {HOSTILE} [1]\n\n- **By barrier** {OUTSIDE_IMG} [2]"
    html = render(cards.answer_markdown({"question": "q", "answer": text}))
    links, images = links_and_images(html)
    assert not images and not links, html
    assert "198.51.100.8/t.png" in html and "[1]" in html and "<strong>By barrier</strong>" in html


def test_refusal_topics_from_headings_are_text():
    html = render(cards.answer_markdown({"question": "q", "answer": abstention_text([f"{OUTSIDE_IMG} Beavers (T, 2024)"])}))
    assert links_and_images(html) == ([], []) and "Beavers" in html


def test_md_safe_keeps_backslash_escapes_from_reopening_a_link():
    for payload in ["\\![i](http://198.51.100.8/a.png)", "\\\\![i](http://198.51.100.8/a.png)",
                    "`x`![i](http://198.51.100.8/a.png)", "&#91;x&#93;(http://198.51.100.8/a.png)",
                    "![i]<http://198.51.100.8/a.png>", "[a]\n\n[a]: http://198.51.100.8/a.png"]:
        html = render(security.md_safe(payload))
        assert links_and_images(html) == ([], []), (payload, html)


def hostile_citation(n=1, **kw):
    return citation(n, text=f"Beavers build dams. {HOSTILE}", title=f"{OUTSIDE_IMG} Beavers [x](javascript:alert(1))",
                    publisher="![p](http://198.51.100.8/p.png)", locator="## [h](javascript:alert(2))", **kw)


def test_brief_has_no_images_and_links_only_to_front_matter_urls():
    cits = [hostile_citation(1), hostile_citation(2, url="javascript:alert(3)", passage_id="b:1", doc_id="b"),
            hostile_citation(3, url="http://198.51.100.8/page ![x](http://198.51.100.8/u.png)", passage_id="c:1", doc_id="c")]
    a = answer(question=f"Beavers? {OUTSIDE_IMG}", citations=cits, text=f"Beavers build dams. {HOSTILE} [1] [2] [3]")
    md = brief.build_brief([{"answer": a.to_dict(), "filters": {"doc_types": [OUTSIDE_IMG]}}], 3, dt.date(2026, 1, 2))
    links, images = links_and_images(render(md))
    assert not images, images
    assert links == ["https://doi.org/10.1186/s12913-025-13215-5"], links  # the one http(s) URL from front matter
    assert "[1]" in md and "198.51.100.8/t.png" in md  # the text is still there, as text


# -- the app under test: the JSON route and the chat, hardened as `serve` hardens them ---------------------
def hardened(settings, auth=None, host="127.0.0.1", with_chat=False):
    from fastapi.testclient import TestClient

    from assistant.app.web.api import json_api
    from assistant.app.web.layout import build_app

    fake = FakeAssistant()
    api = json_api(handlers.ChatApp(fake, settings), settings, auth)
    if with_chat:
        import gradio as gr

        demo = build_app(FakeAssistant(), settings, None)
        api = gr.mount_gradio_app(api, demo, path="", auth=security.gradio_auth(auth) if auth else None,
                                  ssr_mode=False, pwa=False, mcp_server=False)
    security.harden(api, settings, host)
    client = TestClient(api, base_url=LOCAL)
    client.fake = fake
    return client


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def post(client, body=b'{"question": "What did commissioners say?"}', content_type="application/json", **headers):
    return client.post("/api/ask", content=body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"),
                       headers={"Content-Type": content_type, **headers} if content_type else headers)


# -- Found 10: Host header, JSON only as application/json ------------------------------------------------
def test_json_only_as_application_json(settings):
    client = hardened(settings)
    assert post(client).status_code == 200
    assert post(client, content_type="application/json; charset=utf-8").status_code == 200
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]:
        r = post(client, content_type=ct)
        assert r.status_code == 415 and "application/json" in r.json()["error"], (ct, r.status_code)


@pytest.mark.parametrize("host,ok", [("127.0.0.1:7860", True), ("localhost:7860", True), ("localhost", True),
                                     ("[::1]:7860", True), ("evil.example:7860", False), ("198.51.100.8", False),
                                     ("127.0.0.1.evil.example", False)])
def test_host_header_checked_against_a_loopback_bind(settings, host, ok):
    r = post(hardened(settings), Host=host)
    assert (r.status_code == 200) if ok else (r.status_code == 400), (host, r.status_code)


def test_allowed_hosts_setting(settings):
    s = settings.with_(allowed_hosts="pair.example.nhs.uk, 10.0.0.5")
    assert post(hardened(s, host="0.0.0.0", auth=("a", "b")), Host="pair.example.nhs.uk", **basic("a", "b")).status_code == 200
    assert post(hardened(s, host="0.0.0.0", auth=("a", "b")), Host="evil.example", **basic("a", "b")).status_code == 400
    assert security.allowed_hosts("10.0.0.5", settings) == ["10.0.0.5"]


# -- Found 5: auth that holds ---------------------------------------------------------------------------
def test_json_route_locks_out_a_client_after_repeated_wrong_passwords(settings):
    client = hardened(settings, auth=("alice", "pässwort"))
    assert post(client, **basic("alice", "pässwort")).status_code == 200
    for _ in range(security.MAX_FAILURES):
        assert post(client, **basic("alice", "wrong")).status_code == 401
    r = post(client, **basic("alice", "pässwort"))  # even the right password waits
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and "wrong password" in r.json()["error"]
    from fastapi.testclient import TestClient

    elsewhere = TestClient(client.app, base_url=LOCAL, client=("10.9.9.9", 5000))
    assert post(elsewhere, **basic("alice", "pässwort")).status_code == 200  # per client


def test_throttle_backs_off_and_forgets_on_success():
    clock = [1000.0]
    t = security.LoginThrottle(now=lambda: clock[0])
    for _ in range(security.MAX_FAILURES - 1):
        t.failed("1.2.3.4")
    assert t.retry_after("1.2.3.4") == 0
    t.failed("1.2.3.4")
    first = t.retry_after("1.2.3.4")
    assert first > 0
    clock[0] += first + 1
    assert t.retry_after("1.2.3.4") == 0
    t.failed("1.2.3.4")
    assert t.retry_after("1.2.3.4") > first  # each further failure waits longer
    clock[0] += 10_000
    t.succeeded("1.2.3.4")
    assert t.retry_after("1.2.3.4") == 0 and t.failures("1.2.3.4") == 0


def test_gradio_auth_is_constant_time_utf8_and_never_short_circuits():
    check = security.gradio_auth(("alice", "pässwort"))
    assert check("alice", "pässwort") is True
    assert check("alice", "passwort") is False and check("bob", "pässwort") is False and check("", "") is False
    assert check("alice", "pässwort\udc80") is False  # an unencodable string is simply wrong


def test_chat_login_any_utf8_password_and_lock_out(settings):
    pytest.importorskip("gradio")
    client = hardened(settings, auth=("alice", "pässwort"), with_chat=True)
    ok = client.post("/login", data={"username": "alice", "password": "pässwort"})
    assert ok.status_code == 200, ok.text
    for _ in range(security.MAX_FAILURES):
        assert client.post("/login", data={"username": "alice", "password": "nope"}).status_code == 400
    r = client.post("/login", data={"username": "alice", "password": "pässwort"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


# -- the Content-Security-Policy --------------------------------------------------------------------------
def test_chat_pages_carry_a_content_security_policy(settings):
    pytest.importorskip("gradio")
    client = hardened(settings, with_chat=True)
    r = client.get("/")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    for name in ("img-src", "connect-src", "script-src", "font-src", "style-src"):
        sources = directives[name].split()
        assert not [s for s in sources if s.startswith(("http", "*")) or s in ("https:", "http:")], (name, sources)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert post(client).headers["Content-Security-Policy"] == csp


# -- Found 9: a cap on request bodies --------------------------------------------------------------------
def test_request_bodies_are_capped(settings):
    s = settings.with_(max_request_kb=4)
    client = hardened(s)
    big = '{"question": "' + "a" * 5000 + '"}'
    r = post(client, body=big)
    assert r.status_code == 413 and "ASSISTANT_MAX_REQUEST_KB" in r.json()["error"]

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"question": "'
        for _ in range(10):
            yield b"a" * 1000
        yield b'"}'
    r = client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert post(client).status_code == 200


# -- Found 8: typed, named errors; filters never silently dropped ----------------------------------------
@pytest.mark.parametrize("body,field", [
    ('{"question": "q", "filters": {"doc_types": 5}}', "filters.doc_types"),
    ('{"question": "q", "filters": {"doc_types": {"study": 1}}}', "filters.doc_types"),
    ('{"question": "q", "filters": {"doc_types": ["posters"]}}', "filters.doc_types"),
    ('{"question": "q", "filters": {"year_min": "abc"}}', "filters.year_min"),
    ('{"question": "q", "filters": {"year_min": NaN}}', "filters.year_min"),
    ('{"question": "q", "filters": {"year_min": 1e308}}', "filters.year_min"),
    ('{"question": "q", "filters": {"year_max": 20199}}', "filters.year_max"),
    ('{"question": "q", "filters": {"year_min": 2024, "year_max": 2019}}', "filters"),
    ('{"question": "q", "filters": {"colour": ["red"]}}', "filters.colour"),
    ('{"question": "q", "filters": 5}', "filters"),
    ('{"question": 5}', "question"),
    ('{"filters": {}}', "question"),
])
def test_wrong_types_get_a_422_naming_the_field(settings, body, field, caplog):
    caplog.set_level(logging.INFO, logger="assistant.web")
    r = post(hardened(settings), body=body)
    assert r.status_code == 422, (body, r.status_code, r.text)
    assert field in r.json()["error"], r.json()
    assert "object is not iterable" not in r.text
    records = [rec for rec in caplog.records if rec.name == "assistant.web"]
    assert records and all(rec.exc_info is None and "\n" not in rec.getMessage() for rec in records)


def test_good_filters_are_applied(settings):
    client = hardened(settings)
    body = '{"question": "q", "filters": {"doc_types": ["study"], "year_min": 2019, "year_max": "2025", "components": "motivation"}}'
    assert post(client, body=body).status_code == 200
    f = client.fake.calls[-1]["filters"]
    assert (f.doc_types, f.components, f.year_min, f.year_max) == (["study"], ["motivation"], 2019, 2025)


@pytest.mark.parametrize("body", [b'{"question": "a\\ud800b"}', b'{"question": "a\xed\xa0\x80b"}', b'{"question": "a\xff"}',
                                  b"[1, 2]", b"{", b""])
def test_undecodable_or_malformed_json_is_a_clear_client_error(settings, body, caplog):
    r = post(hardened(settings), body=body)
    assert r.status_code in (400, 422), (body, r.status_code)
    msg = r.json()["error"]
    assert "codec" not in msg and "Traceback" not in msg and "JSON" in msg
    assert all(rec.exc_info is None for rec in caplog.records if rec.name == "assistant.web")


@pytest.mark.parametrize("filters,field", [({"year_min": "abc"}, "year_min"), ({"year_min": float("nan")}, "year_min"),
                                           ({"year_max": 1e308}, "year_max"), ({"doc_types": {"study": 1}}, "doc_types"),
                                           ({"doc_types": 5}, "doc_types"), ({"year_min": 2024, "year_max": 2019}, "year_min")])
def test_gradio_ask_endpoint_refuses_bad_filters_instead_of_dropping_them(settings, filters, field):
    """The chat's `/ask` endpoint (gradio_client) reads filters through handlers.filters_from_json: a bad value is
    an error naming the field, never an unfiltered answer."""
    import gradio as gr

    fake = FakeAssistant()
    with pytest.raises(gr.Error) as e:
        handlers.ChatApp(fake, settings).api_ask("What did commissioners say?", filters)
    assert field in str(e.value) and "not iterable" not in str(e.value)
    assert not fake.calls  # nothing answered unfiltered


@pytest.mark.parametrize("how", ["exit", "SIGTERM", "SIGINT"])
def test_the_serving_temp_folder_goes_on_every_exit(tmp_path, how):
    """server.private_temp_dir: exported briefs and Gradio's copies live in one folder that a normal exit,
    SIGTERM and SIGINT all remove (uvicorn re-raises the signal, so atexit alone is not enough)."""
    import os
    import subprocess
    import sys

    code = f"""
import os, signal, tempfile
from assistant.app.web.server import private_temp_dir
d = private_temp_dir()
brief = tempfile.mkdtemp(prefix="pair-briefs-")
open(os.path.join(brief, "brief.md"), "w").write("a question and its answer")
print(d, brief, flush=True)
how = {how!r}
if how != "exit":
    os.kill(os.getpid(), getattr(signal, how))
    signal.pause()
"""
    out = subprocess.run([sys.executable, "-c", code], check=False, env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True,
                         text=True, timeout=120)
    folder, brief_dir = out.stdout.split()
    assert brief_dir.startswith(folder) and folder.startswith(str(tmp_path)), out.stdout
    assert not list(tmp_path.iterdir()), (how, out.returncode, out.stderr[-500:])
    if how != "exit":
        assert out.returncode == -getattr(__import__("signal"), how)  # the signal still ends the process as before


@pytest.mark.parametrize("year_min,year_max", [(50, None), (None, 99999), (12, 2020)])
def test_the_chat_says_when_it_ignores_a_year_filter(settings, year_min, year_max):
    """An implausible year in the chat's year boxes is not applied, and the answer says so (not silently)."""
    chat, _, turns, _ = handlers.ChatApp(FakeAssistant(), settings).respond("What did commissioners say?", [], None, None,
                                                                           year_min, year_max)
    shown = chat[-1]["content"]
    assert "ignored" in shown and "year" in shown, shown
    assert any("ignored" in n for n in turns[-1]["answer"]["notices"])
