"""`ask` on the shipped corpus: the Answer contract field by field, abstention, filters, odd input, follow-ups."""

from __future__ import annotations

import re

import pytest

from assistant.comb.taxonomy import SUBCOMPONENTS
from assistant.models import Filters

ANSWER_KEYS = {"question", "answer", "abstained", "citations", "timings_ms"}
CITATION_KEYS = {"n", "passage_id", "doc_id", "title", "publisher", "year", "url", "doc_type", "locator", "text", "score", "com_b"}
COMB_KEYS = {"component", "subcomponent", "polarity", "confidence", "barrier", "intervention_functions", "policy_categories"}


def check_comb(tag: dict):
    assert set(tag) == COMB_KEYS
    assert tag["component"] in ("capability", "opportunity", "motivation", "none")
    assert tag["subcomponent"] in (*SUBCOMPONENTS, None)
    assert tag["polarity"] in ("barrier", "enabler", "neutral")
    assert 0.0 <= tag["confidence"] <= 1.0
    assert isinstance(tag["intervention_functions"], list) and isinstance(tag["policy_categories"], list)
    assert tag["barrier"] is None or isinstance(tag["barrier"], str)
    if tag["component"] == "none":
        assert tag["subcomponent"] is None and tag["polarity"] == "neutral" and tag["intervention_functions"] == []
    else:
        assert tag["subcomponent"].endswith(tag["component"]) and tag["intervention_functions"]


def test_answer_contract_field_by_field(shipped):
    ans = shipped.ask("What would help my board fund a parent-infant team?").to_dict()
    assert ANSWER_KEYS <= set(ans) and set(ans) - ANSWER_KEYS <= {"standalone_question", "notices", "suggestions"}
    assert ans["question"] == "What would help my board fund a parent-infant team?"
    assert ans["abstained"] is False
    assert 1 <= len(ans["citations"]) <= 5
    assert set(ans["timings_ms"]) >= {"retrieve", "total"} and ans["timings_ms"]["total"] >= ans["timings_ms"]["retrieve"] > 0
    passages = {p.passage_id: p for p in shipped.retriever.passages}
    for i, c in enumerate(ans["citations"], start=1):
        assert set(c) == CITATION_KEYS
        assert c["n"] == i
        p = passages[c["passage_id"]]
        assert c["text"] == p.text and c["doc_id"] == p.doc_id and c["locator"] == p.locator  # exactly as indexed
        assert isinstance(c["year"], int) and c["url"].startswith("http") and c["doc_type"] in ("study", "guidance", "evidence_review", "report", "framework")
        assert 0 < c["score"] <= 1
        check_comb(c["com_b"])
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans["answer"])}
    assert markers and markers <= {c["n"] for c in ans["citations"]}
    # every answer sentence is copied from the passage it cites
    for line in ans["answer"].splitlines():
        m = re.match(r"- \*\*.*?:\*\* (.+) \[(\d+)\]$", line)
        if m:
            assert m.group(1) in ans["citations"][int(m.group(2)) - 1]["text"]


def test_citations_carry_real_comb_tags(shipped):
    ans = shipped.ask("What stops commissioners funding parent-infant services?")
    tagged = [c for c in ans.citations if c.com_b.component != "none"]
    assert tagged, "barrier passages from the study must be tagged"
    assert "**COM-B:**" in ans.answer


@pytest.mark.parametrize("q", ["What is the best recipe for sourdough bread?", "What dose of sertraline is safe while breastfeeding?",
                               "Which football team won the Premier League in 2019?"])
def test_off_topic_abstains_with_suggestions(shipped, q):
    ans = shipped.ask(q)
    assert ans.abstained and ans.citations == [] and "does not cover" in ans.answer


def test_on_topic_does_not_abstain(shipped):
    for q in ["How many parent-infant teams are there?", "How much Family Hubs money is there for perinatal mental health in 2025-26?",
              "Is there evidence that video feedback works?"]:
        assert not shipped.ask(q).abstained, q


def test_filters_and_k(shipped):
    ans = shipped.ask("How many parent-infant teams are there?", filters=Filters(doc_types=["report"]), k=3)
    assert ans.citations and len(ans.citations) <= 3 and all(c.doc_type == "report" for c in ans.citations)
    ans = shipped.ask("funding for perinatal mental health", filters=Filters(year_min=2023, year_max=2025))
    assert ans.citations and all(2023 <= c.year <= 2025 for c in ans.citations)
    ans = shipped.ask("What stops commissioners funding parent-infant services?", filters=Filters(components=["capability"]))
    assert all(c.com_b.component == "capability" for c in ans.citations)


def test_odd_questions_never_raise(shipped):
    empty = shipped.ask("   ")
    assert empty.abstained and empty.notices == ["empty question"]
    huge = shipped.ask("What did commissioners say about funding? " * 5000)
    assert any("truncated" in n for n in huge.notices)
    ctrl = shipped.ask("What\x00 did\x1b commissioners say about\x07 short-term funding?")
    assert not ctrl.abstained
    foreign = shipped.ask("¿Cuántos equipos de relación entre padres e hijos hay en el Reino Unido?")
    assert foreign.abstained and any("English" in n for n in foreign.notices)
    html = shipped.ask("<script>alert(1)</script> funding?")
    assert html.question.startswith("<script>")  # returned as given; the UI escapes it


def test_follow_up_is_resolved_against_history(shipped):
    first = shipped.ask("What did commissioners say about short-term funding?")
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.answer}]
    follow = shipped.ask("and what about the workforce?", history=history)
    assert follow.standalone_question != follow.question and "short-term funding" in follow.standalone_question
    assert not follow.abstained
    standalone = shipped.ask("How many parent-infant teams are there?", history=history)
    assert standalone.standalone_question == "How many parent-infant teams are there?"
