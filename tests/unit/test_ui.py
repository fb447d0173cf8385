"""Unit tests for the chat's pieces that need no browser and no model: cards, brief, feedback, serving rules."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest

from assistant.app import brief, feedback
from assistant.app.web import cards, handlers, layout, security, server
from assistant.comb.catalogue import by_id, make_tag
from assistant.errors import AssistantError
from assistant.models import Answer, Citation, ComBTag
from assistant.settings import Settings

XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__xss=1">'


def citation(n=1, text="Short-term funding stops boards committing to new teams.", **kw) -> Citation:
    tag = kw.pop("com_b", None) or make_tag(by_id()["b-hard-to-show-impact"], "reports_barrier", 0.81)
    base = dict(n=n, passage_id=f"study-theme-funding-process:000{n}", doc_id="study-theme-funding-process",
                title="Who's got the infants in mind? Theme 3, the funding process", publisher="BMC Health Services Research",
                year=2025, url="https://doi.org/10.1186/s12913-025-13215-5", doc_type="study",
                locator="Short-term funding", text=text, score=0.71, com_b=tag)
    base.update(kw)
    return Citation(**base)


def answer(question="What did commissioners say about short-term funding?", citations=None, **kw) -> Answer:
    cits = citations if citations is not None else [
        citation(1),
        citation(2, text="Commissioners valued local champions.", passage_id="arc:0001", doc_id="arc", doc_type="report",
                 title="ARC news", publisher="NIHR ARC NENC", year=2021, url="https://arc-nenc.nihr.ac.uk/news/x",
                 com_b=make_tag(by_id()["e-family-support-matters"], "reports_enabler", 0.6)),
    ]
    text = kw.pop("text", "- **BMC, 2025:** Short-term funding stops boards committing. [1]\n- **ARC, 2021:** Champions help. [2]\n\n"
                          "**COM-B:** barriers in physical opportunity [1]; enablers in reflective motivation [2].")
    markers = [[m.start(), m.end()] for m in re.finditer(r"\[\d+\]", text)]  # as the composer records them
    return Answer(question=question, answer=text, abstained=not cits, citations=cits,
                  timings_ms={"retrieve": 5.0, "total": 9.0}, markers=markers, **kw)


class FakeAssistant:
    """Stands in for EvidenceAssistant: records calls, answers from a script."""

    version = 7

    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def ask(self, question, history=None, filters=None, k=None):
        self.calls.append({"question": question, "history": history, "filters": filters})
        if self.fail:
            raise RuntimeError("boom")
        if not (question or "").strip():
            return Answer(question=question, answer="Please type a question.", abstained=True, citations=[],
                          timings_ms={"total": 0.0}, notices=["empty question"])
        if "sourdough" in question:
            return Answer(question=question, answer="The indexed evidence does not cover this question, so I won't guess.",
                          abstained=True, citations=[], timings_ms={"total": 1.0})
        standalone = question if not question.lower().startswith("and") else f"{question} (following on from: earlier)?"
        return answer(question=question, standalone_question=standalone)

    retriever = type("R", (), {"passages": []})()

    def documents(self):
        return [{"doc_id": "arc", "title": "ARC <b>news</b>", "publisher": "NIHR", "year": 2021, "doc_type": "report",
                 "licence": "unknown", "url": "https://x", "passages": 4, "superseded_by": None,
                 "indexed_at": "2026-01-01T00:00:00+00:00"}]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", corpus=tmp_path / "corpus")


# -- cards ------------------------------------------------------------------------------------------------
def test_card_escapes_script_in_passage():
    html_out = cards.card_html(citation(text=f"Before {XSS} after {IMG}"))
    assert "<script>" not in html_out and "<img" not in html_out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in html_out


def test_card_escapes_every_field_and_template_syntax():
    c = citation(title=XSS, publisher=IMG, locator="<b>loc</b>", doc_type="<i>x</i>", superseded_by="<u>new</u>",
                 text="${alert(1)} {{constructor}} `x`", strength={"design": "<svg onload=alert(1)>", "certainty": XSS})
    out = cards.card_html(c)
    assert not re.search(r"<(script|img|b|i|u|svg)\b", out)
    assert "${" not in out and "{{" not in out and "`" not in out
    assert "superseded by &lt;u&gt;new&lt;/u&gt;" in out


def test_card_contents():
    out = cards.card_html(citation(strength={"design": "qualitative", "setting": "England", "sample_size": 9,
                                             "certainty": "nine commissioners, one region"}, spans=[[0, 10]]))
    assert "[1]" in out and "BMC Health Services Research" in out and "2025" in out and "Short-term funding" in out
    assert 'href="https://doi.org/10.1186/s12913-025-13215-5"' in out
    assert 'rel="noopener noreferrer"' in out and 'target="_blank"' in out
    # the COM-B badge in plain words, from the study's catalogue and Table 3
    assert "Barrier: hard to show impact and value for money · Capability (knowledge and skills)" in out
    assert "What the study proposes: education, training, enablement" in out
    assert "coercion" not in out.lower() and "restriction" not in out.lower()
    # the evidence-strength badge and the used span marked
    assert "qualitative · England · n = 9" in out and 'title="Certainty as the source states it: nine commissioners' in out
    assert '<mark class="pair-used">Short-term</mark>' in out
    assert "superseded" not in out


def test_card_system_level_badge():
    out = cards.card_html(citation(com_b=make_tag(by_id()["b-short-term-funding"], "evidence_against", 0.5)))
    assert "Evidence against: short-term funding · system level (the study codes it N/A)" in out
    assert "proposes no individual-level intervention" in out and "pair-system" in out
    assert 'title="The COM-B tagger labelled this passage"' in out
    reviewed = make_tag(by_id()["b-short-term-funding"], "evidence_against", 1.0)
    reviewed.reviewed = True  # a training passage's own label (comb.tagger.reviewed_tag)
    assert 'title="A reader labelled this passage"' in cards.card_html(citation(com_b=reviewed))


def test_card_none_badge_and_unsafe_url():
    c = citation(url="javascript:alert(1)", com_b=ComBTag())
    out = cards.card_html(c)
    assert "javascript:" not in out and "<a " not in out
    assert "pair-badge pair-none" in out and "What the study proposes" not in out


def test_render_cards_states():
    assert "appear here" in cards.render_cards(None)
    abstained = cards.render_cards(Answer(question=IMG, answer="no", abstained=True, citations=[], timings_ms={}))
    assert "does not cover" in abstained and "<img" not in abstained
    full = cards.render_cards(answer())
    assert full.count('class="pair-card"') == 2
    assert "pair-motivation" in full and "pair-enabler" in full and "Enabler: new parents need family support" in full


# -- chat handlers ----------------------------------------------------------------------------------------
def test_respond_builds_chat_history_and_filters(settings):
    fake = FakeAssistant()
    app = handlers.ChatApp(fake, settings)
    chat, cards, turns, box = app.respond("What did commissioners say about short-term funding?", [],
                                          ["study"], ["opportunity"], 2026, 2019)
    assert box == "" and len(chat) == 2 and chat[0]["role"] == "user" and chat[1]["role"] == "assistant"
    assert "[\\[1\\]](#pair-cite-0-1)" in chat[1]["content"] and "**COM-B:**" in chat[1]["content"]
    assert 'class="pair-card"' in cards
    f = fake.calls[0]["filters"]
    assert f.doc_types == ["study"] and f.components == ["opportunity"] and (f.year_min, f.year_max) == (2019, 2026)
    chat, cards, turns, _ = app.respond("and what about champions?", turns)
    hist = fake.calls[1]["history"]
    assert [m["role"] for m in hist] == ["user", "assistant"]
    assert hist[0]["content"] == "What did commissioners say about short-term funding?"
    assert hist[0]["metadata"]["standalone"] == "What did commissioners say about short-term funding?"
    assert fake.calls[1]["filters"] is None
    assert "Understood as:" in chat[3]["content"] and "(#pair-cite-1-1)" in chat[3]["content"]
    assert len(turns) == 2 and turns[1]["standalone"].startswith("and what about champions?")


@pytest.mark.parametrize("q", ["", "   ", "\x00\x01\x02"])
def test_respond_ignores_empty_questions(settings, q):
    fake = FakeAssistant()
    chat, cards, turns, box = handlers.ChatApp(fake, settings).respond(q, [])
    assert chat == [] and turns == [] and fake.calls == []


@pytest.mark.parametrize("q", ["a" * 100_000, "funding \x1b[31m\x07 \u202e", "¿Cuántos equipos hay?", XSS, IMG,
                               "**bold** [link](javascript:alert(1)) # heading $x$"])
def test_respond_hostile_input_is_shown_literally(settings, q):
    chat, cards, turns, _ = handlers.ChatApp(FakeAssistant(), settings).respond(q, [])
    user = chat[0]["content"]
    assert "<" not in user and "\x1b" not in user and "\u202e" not in user
    assert len(user) < 4000  # shown cut short; ask() gets the whole text
    assert "<script" not in cards and "<img" not in cards


def test_respond_survives_a_failing_ask(settings):
    chat, cards, turns, _ = handlers.ChatApp(FakeAssistant(fail=True), settings).respond("What works?", [])
    assert "something went wrong" in chat[1]["content"] and len(turns) == 1


def test_only_the_assistants_own_markers_are_linked_to_the_viewer():
    from assistant.app.web.cards import answer_markdown

    text = "A survey [2] of areas found it. [1]"
    a = {"answer": text, "citations": [{"n": 1}, {"n": 2}], "markers": [[len(text) - 3, len(text)]]}
    md = answer_markdown(a, turn=4)
    assert md.endswith("[\\[1\\]](#pair-cite-4-1)") and "#pair-cite-4-2" not in md and "survey [2] of" in md
    assert "#pair-cite-4-2" in answer_markdown({**a, "answer": "Found [2].", "markers": None}, turn=4)  # older answers


def test_answer_markdown_escapes_html_from_documents():
    a = answer(text=f"- **X, 2020:** passage says {XSS} [1]", notices=[IMG]).to_dict()
    md = cards.answer_markdown(a)
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md


def test_select_shows_cards_for_an_earlier_answer(settings):
    app = handlers.ChatApp(FakeAssistant(), settings)
    _, _, turns, _ = app.respond("What did commissioners say about short-term funding?", [])
    _, _, turns, _ = app.respond("What is the best recipe for sourdough bread?", turns)
    assert "does not cover" in app.cards_for_message(turns, 3)
    assert 'class="pair-card"' in app.cards_for_message(turns, 1)


def test_filters_from_json():
    assert handlers.filters_from_json(None) is None and handlers.filters_from_json({}) is None
    f = handlers.filters_from_json('{"doc_types": "guidance", "year_min": 2020}')
    assert f.doc_types == ["guidance"] and f.year_min == 2020
    with pytest.raises(AssistantError):
        handlers.filters_from_json({"doc_types": ["poetry"]})
    with pytest.raises(AssistantError):
        handlers.filters_from_json({"colour": "red"})
    with pytest.raises(AssistantError):
        handlers.filters_from_json("not json")


def test_api_ask_returns_the_contract(settings):
    d = handlers.ChatApp(FakeAssistant(), settings).api_ask("What did commissioners say?", {"components": ["motivation"]})
    assert list(d)[:5] == ["question", "answer", "abstained", "citations", "timings_ms"]
    assert d["citations"][0]["com_b"]["component"] == "capability"
    assert d["citations"][0]["com_b"]["item"] == "b-hard-to-show-impact" and d["citations"][0]["com_b"]["level"] == "individual"
    json.dumps(d)


def test_corpus_rows(settings):
    rows = handlers.ChatApp(FakeAssistant(), settings).corpus_rows()
    assert rows[0][:3] == ["ARC <b>news</b>", "NIHR", 2021] and rows[0][5] == 4 and rows[0][6] == "2026-01-01 00:00"


# -- brief ------------------------------------------------------------------------------------------------
def test_build_brief_contents():
    a1 = answer()
    a2 = answer(question="and what about champions?", standalone_question="and what about champions (following on from: x)?",
                citations=[citation(1, text="Older toolkit text.", passage_id="toolkit-2019:0003", doc_id="toolkit-2019",
                                    title="Toolkit", publisher="Parent-Infant Foundation", year=2019,
                                    url="https://parentinfantfoundation.org.uk/tools/", superseded_by="toolkit-2024",
                                    com_b=ComBTag()),
                           citation(2, text="Commissioners valued local champions.", passage_id="arc:0001", doc_id="arc",
                                    title="ARC news", publisher="NIHR ARC NENC", year=2021,
                                    url="https://arc-nenc.nihr.ac.uk/news/x",
                                    com_b=make_tag(by_id()["e-family-support-matters"], "reports_enabler", 0.6))],
                text="- **PIF, 2019:** Older toolkit text here. [1]\n- **NIHR ARC NENC, 2021:** Commissioners valued local champions. [2]")
    a3 = Answer(question="What is the best recipe for sourdough bread?", answer="The indexed evidence does not cover this question.",
                abstained=True, citations=[], timings_ms={})
    turns = [{"answer": a1.to_dict(), "filters": {"doc_types": ["study"], "components": [], "year_min": 2019, "year_max": None}},
             a2, a3.to_dict()]
    md = brief.build_brief(turns, 7, dt.date(2026, 3, 1))
    assert "Index version: 7" in md and "2026-03-01" in md
    for q in ("What did commissioners say about short-term funding?", "and what about champions?", "sourdough"):
        assert q in md
    assert "Understood as: and what about champions (following on from: x)?" in md
    assert "Filters: document types: study; years: 2019 to any" in md
    # references: full, deduplicated, numbered across the brief
    assert "<https://doi.org/10.1186/s12913-025-13215-5>" in md and "<https://arc-nenc.nihr.ac.uk/news/x>" in md
    assert "Passage ID: `study-theme-funding-process:0001`" in md and "Locator: Short-term funding" in md
    assert md.count("**[2]**") == 1 and "**[3]**" in md and "**[4]**" not in md  # arc:0001 cited twice, listed once
    assert "Superseded by: toolkit-2024" in md
    # answer 2's [1] is the brief's [3]; its [2] (arc:0001) is the brief's [2]
    assert "Older toolkit text here. [3]" in md and "Commissioners valued local champions. [2]" in md
    assert "Cited in: Q1, Q2" in md
    assert "1 cited passage bore on none of the study's barriers or enablers" in md
    # COM-B summary table, by the study's catalogue item, with what the study proposes (never coercion)
    assert "## COM-B summary" in md
    assert "| Barrier or enabler · COM-B | What the study proposes | Count | References |" in md
    assert ("| Barrier: hard to show impact and value for money · Capability (knowledge and skills) | What the study "
            "proposes: education, training, enablement | 1 | [1] |") in md
    assert "coercion" not in md.lower()
    assert "does not cover" in md


def test_build_brief_escapes_html_and_pipes():
    a = answer(question=f"{XSS} | pipe", citations=[citation(1, text=f"passage {IMG}", title="A | B",
                                                             com_b=ComBTag(component="capability", subcomponent="psychological_capability",
                                                                           polarity="barrier", barrier="x | y"))])
    md = brief.build_brief([a], 1, dt.date(2026, 1, 1))
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md


def test_build_brief_empty():
    md = brief.build_brief([], 3, dt.date(2026, 1, 1))
    assert "No questions were asked" in md and "Index version: 3" in md


def test_write_brief_file(settings):
    app = handlers.ChatApp(FakeAssistant(), settings)
    _, _, turns, _ = app.respond("What did commissioners say about short-term funding?", [])
    path = app.write_brief(turns, dt.date(2026, 2, 2))
    assert path.name == "pair-evidence-brief-2026-02-02.md"
    text = path.read_text("utf-8")
    assert "Index version: 7" in text and "COM-B" in text and "https://doi.org/" in text


# -- feedback ---------------------------------------------------------------------------------------------
def test_feedback_is_stored_and_read_back(settings):
    store = feedback.open_feedback(settings)
    assert store is not None
    app = handlers.ChatApp(FakeAssistant(), settings, store)
    _, _, turns, _ = app.respond("What did commissioners say about short-term funding?", [])
    assert app.rate(turns, 1, True) is True
    assert app.rate(turns, 1, "Dislike") is True
    assert app.rate(turns, 9, True) is False  # no such message
    rows = store.rows()
    assert [r["rating"] for r in rows] == [1, -1]
    assert rows[0]["question"] == "What did commissioners say about short-term funding?"
    assert "[1]" in rows[0]["answer"] and rows[0]["index_version"] == 7
    assert rows[0]["citations"][0]["passage_id"] == "study-theme-funding-process:0001"
    dt.datetime.fromisoformat(rows[0]["time"])
    # the file is plain SQLite with the documented columns
    con = sqlite3.connect(Path(settings.home) / "feedback.sqlite")
    cols = [r[1] for r in con.execute("PRAGMA table_info(feedback)")]
    con.close()
    assert {"time", "question", "answer", "citations", "rating"} <= set(cols)


def test_feedback_off_writes_nothing(settings):
    off = settings.with_(feedback=False)
    assert feedback.open_feedback(off) is None
    app = handlers.ChatApp(FakeAssistant(), off, None)
    _, _, turns, _ = app.respond("What did commissioners say about short-term funding?", [])
    assert app.rate(turns, 1, True) is False
    assert not (Path(off.home) / "feedback.sqlite").exists()


def test_feedback_env_switch(monkeypatch):
    monkeypatch.setenv("ASSISTANT_FEEDBACK", "0")
    assert Settings.from_env().feedback is False
    monkeypatch.setenv("ASSISTANT_FEEDBACK", "1")
    assert Settings.from_env().feedback is True


def test_rating_values():
    assert feedback.rating_value(True) == 1 and feedback.rating_value("Like") == 1 and feedback.rating_value("up") == 1
    assert feedback.rating_value(False) == -1 and feedback.rating_value("Dislike") == -1 and feedback.rating_value(-1) == -1
    with pytest.raises(ValueError):
        feedback.rating_value(None)


# -- serving ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org", "::"])
def test_non_loopback_refused_without_auth(settings, host):
    with pytest.raises(AssistantError, match="ASSISTANT_AUTH"):
        security.check_host(host, settings)
    with pytest.raises(AssistantError):
        server.serve(settings, host=host, port=1)  # refused before anything is opened


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_allowed(settings, host):
    assert security.check_host(host, settings) is None


def test_non_loopback_allowed_with_auth(settings):
    assert security.check_host("0.0.0.0", settings.with_(auth="ann:s3cret:x")) == ("ann", "s3cret:x")
    with pytest.raises(AssistantError, match="user:password"):
        security.check_host("0.0.0.0", settings.with_(auth="nopassword"))


def test_theme_uses_no_outside_fonts():
    pytest.importorskip("gradio")
    t = layout.theme()
    css = t._get_theme_css() if hasattr(t, "_get_theme_css") else ""
    assert "googleapis" not in css and "@import" not in css
    assert all(not type(f).__name__.startswith("Google") for f in list(t._font) + list(t._font_mono))


def test_build_app_smoke(settings):
    pytest.importorskip("gradio")
    demo = layout.build_app(FakeAssistant(), settings, feedback.open_feedback(settings))
    names = [d.get("api_name") for d in demo.config["dependencies"] if d.get("api_visibility", "public") == "public"]
    assert "ask" in names


def test_json_route_basic_auth_any_utf8_password(settings):
    from fastapi.testclient import TestClient

    from assistant.app.web.api import json_api

    api = json_api(handlers.ChatApp(FakeAssistant(), settings), settings, ("alice", "pässwort"))
    client = TestClient(api)
    body = {"question": "What did commissioners say?"}
    assert client.post("/api/ask", json=body).status_code == 401
    assert client.post("/api/ask", json=body, auth=("alice", "wrong")).status_code == 401
    assert client.post("/api/ask", json=body, auth=("bob", "pässwort")).status_code == 401
    ok = client.post("/api/ask", json=body, auth=("alice".encode(), "pässwort".encode("utf-8")))
    assert ok.status_code == 200 and ok.json()["citations"]


def test_the_chat_keeps_refused_questions_in_the_gap_register(settings, tmp_path):
    from assistant.app.gaps import GapStore

    gaps = GapStore(tmp_path / "gaps.sqlite")
    chat = handlers.ChatApp(FakeAssistant(), settings, gap_store=gaps)
    chat.respond("What is the best sourdough recipe?", [])
    chat.respond("What did commissioners say about short-term funding?", [])
    rows = chat.gap_rows()
    assert len(rows) == 1 and rows[0][0] == "best sourdough recipe" and rows[0][1] == 1 and rows[0][2] == "refused"


def _table_tag() -> ComBTag:
    tag = make_tag(by_id()["b-unsure-who-can-support"], "reports_barrier", 0.7)
    tag.items = ["b-unsure-who-can-support", "b-hard-to-show-impact", "b-no-dedicated-commissioning"]
    return tag


def test_a_table_passage_card_says_what_else_its_rows_list():
    out = cards.card_html(citation(com_b=_table_tag()))
    assert "Barrier: unsure who in the workforce can support" in out
    assert "This table also lists: hard to show impact and value for money (barrier)" in out
    assert "pair-also" not in cards.card_html(citation())  # a passage quoting one item has no such line


def test_the_comb_map_counts_and_opens_a_table_passage_under_each_item_it_lists(settings):
    from assistant.comb.catalogue import items
    from tests.support import make_passage

    fake = FakeAssistant()
    table = make_passage("study-tables:0001", "| Theme | Barrier |", com_b=_table_tag(), doc_type="study")
    other = make_passage("report:0002", "Boards ask for value for money.",
                         com_b=make_tag(by_id()["b-hard-to-show-impact"], "evidence_against", 0.6))
    fake.retriever = type("R", (), {"passages": [table, other]})()
    app = handlers.ChatApp(fake, settings)
    counts = {row[0]: row[-1] for row in app.comb_map_rows()}
    assert counts[by_id()["b-hard-to-show-impact"].label] == 2 and counts[by_id()["b-no-dedicated-commissioning"].label] == 1
    row = next(i for i, it in enumerate(items()) if it.id == "b-no-dedicated-commissioning")
    html = app.passages_for_item(row)
    assert "(1 passage)" in html and "This table also lists" in html
    assert "A local step" not in html  # system level: the study proposes nothing a commissioner does alone
    row = next(i for i, it in enumerate(items()) if it.id == "b-hard-to-show-impact")
    html = app.passages_for_item(row)
    assert "(2 passages)" in html and "A local step (enablement, which the study proposes" in html
    assert "plan from the start how the service will be evaluated" in html


def test_a_markdown_table_in_a_passage_is_shown_as_a_table_with_the_used_cell_marked():
    """Tables 1-3 of the study are markdown tables in their passages: a card showed their raw pipes."""
    from assistant.app.web.cards import highlighted
    text = ("Table 1 lists barriers.\n\n| Theme | Barrier | COM-B |\n|---|---|---|\n"
            "| Funding | Short-term funding | N/A |\n| Impact | Hard to show <b>impact</b> | Capability |\n\nAfter the table.")
    start = text.index("Short-term")
    html = highlighted(text, [[start, start + len("Short-term funding")]])
    assert "|" not in html and "---" not in html
    assert "<tr><th>Theme</th><th>Barrier</th><th>COM-B</th></tr>" in html
    assert '<td><mark class="pair-used">Short-term funding</mark></td>' in html
    assert "<td>Hard to show &lt;b&gt;impact&lt;/b&gt;</td>" in html  # cells are escaped
    assert html.startswith("Table 1 lists barriers.") and html.endswith("After the table.")
    assert highlighted("Costs rose | fell in 2024.", []) == "Costs rose | fell in 2024."  # one piped line is text
    # two tables a blank line apart stay two; a short :-- rule is a rule; CRLF line ends are line ends
    two = highlighted("| A | B |\n|---|---|\n| x | y |\n\n| C | D |\n|---|---|\n| z | w |", [])
    assert two.count("<table") == 2 and "<th>C</th>" in two
    assert highlighted("| H1 | H2 |\n|:--|:--|\n| a | b |", []).startswith('<table class="pair-table"><tr><th>H1</th>')
    assert "|" not in highlighted("| A | B |\r\n|---|---|\r\n| x | y |\r\n", [])
    # a pipe the PDF loader escaped inside a cell stays in its cell
    assert "<td>x | y</td><td>z</td>" in highlighted("| A | B |\n|---|---|\n| x \\| y | z |", [])
