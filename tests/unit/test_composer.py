"""The extractive composer alone, on hand-made passages: what leads, what is grouped, what is cited and where
the spans point. No model, no index."""

from __future__ import annotations

import re

from assistant.answering.composer import compose, passage_sentences, readable, short_source
from assistant.comb.catalogue import by_id, make_tag
from assistant.models import Citation, ComBTag
from tests.support import make_passage, make_retrieval

IDF: dict = {}
DEFAULT_IDF = 2.0

FUNDING = make_passage("guide-2025:0001",
                       "The guide sets out the programme. In 2025-26 there is £36.5m for perinatal mental health and "
                       "parent-infant relationships across 75 local authorities. In 2024-25 the figure was lower for the same strand.",
                       title="Family Hubs guide 2025 to 2026", year=2025, doc_type="guidance",
                       com_b=make_tag(by_id()["b-short-term-funding"], "evidence_against", 0.6))
STUDY = make_passage("study-funding:0002",
                     "The authors interviewed nine commissioners between February and April 2022. Commissioners said "
                     "central money for a service often arrives for one or two years only and then stops.",
                     title="Who's got the infants in mind? (McSweeney et al. 2025): Theme 3, the funding process",
                     doc_type="study", com_b=make_tag(by_id()["b-short-term-funding"], "reports_barrier", 0.7))
IMPACT = make_passage("study-impact:0001",
                      "Commissioners found it hard to show the impact and value for money of a parent-infant service to their boards. "
                      "The study says the toolkit would:",
                      doc_type="study", com_b=make_tag(by_id()["b-hard-to-show-impact"], "reports_barrier", 0.7))
UNUSED = make_passage("other:0000", "Otters eat fish and sometimes frogs along the river banks in summer.")


def answer_for(question, intent, passages, not_covered=()):
    r = make_retrieval([(p, 0.7 - 0.01 * i) for i, p in enumerate(passages)], question)
    return compose(question, intent, r.hits, IDF, DEFAULT_IDF, list(not_covered), {})


def test_sentence_offsets_point_at_the_text():
    text = "First sentence here is long enough.\n\n- A list item that reads as a sentence too.\n| a | b |\nLast one, with £5m in 2025."
    for start, end, sentence in passage_sentences(text):
        assert text[start:end] == sentence
    assert [s for _, _, s in passage_sentences(text)] == ["First sentence here is long enough.",
                                                           "A list item that reads as a sentence too.",
                                                           "Last one, with £5m in 2025."]


def test_a_hard_wrapped_paragraph_is_read_as_whole_sentences():
    text = "Page 3 of a guide says the grant\nruns for three years from April 2026\nand covers every council."
    assert [s for _, _, s in passage_sentences(text)] == [text.replace("\n", " ")]
    start, end, _ = passage_sentences(text)[0]
    assert (start, end) == (0, len(text))


def test_markdown_in_a_not_covered_part_is_shown_as_text():
    a = answer_for("What about ![x](http://198.51.100.8/t.png)?", "fact", [FUNDING], ["![x](http://198.51.100.8/t.png)"])
    assert "![x](" not in a.text and "\\!\\[x\\]" in a.text


def test_fragments_and_process_sentences_are_not_answers():
    assert not readable("The study says the toolkit would:", False)
    assert not readable("The authors interviewed nine commissioners between February and April 2022.", False)
    assert readable("The authors interviewed nine commissioners between February and April 2022.", True)  # a methods question
    assert not readable("too short.", False)


def test_a_fact_question_leads_with_the_figure_for_its_year():
    a = answer_for("How much is there for perinatal mental health in 2025-26?", "fact", [FUNDING, STUDY])
    lead = a.text.split("\n\n")[0]
    assert lead.startswith("In 2025-26 there is £36.5m") and "[1]" in lead
    assert "In 2024-25" not in lead


def test_every_citation_is_used_numbered_in_order_with_spans_in_the_answer():
    a = answer_for("What stops commissioners funding these services?", "barriers", [FUNDING, STUDY, IMPACT, UNUSED])
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", a.text)]
    assert sorted(set(numbers)) == list(range(1, len(a.citations) + 1))
    assert numbers[0] == 1 and all(n <= max(numbers[:i + 1]) + 1 for i, n in enumerate(numbers))  # first use in order
    assert "other:0000" not in [c.passage_id for c in a.citations]  # unrelated passage: never cited
    for c in a.citations:
        for start, end in c.spans:
            assert " ".join(c.text[start:end].split()) in " ".join(a.text.split())


def test_a_barrier_question_names_the_barriers_and_groups_by_item_with_the_study_proposal():
    a = answer_for("What stops commissioners funding these services?", "barriers", [STUDY, IMPACT, FUNDING])
    assert a.text.startswith("The study's barriers that the cited evidence reports: short term funding [1]; "
                             "challenging to demonstrate impact and value for money [2].")
    assert "**By barrier**" in a.text
    assert "**Barrier: hard to show impact and value for money** · Capability (knowledge and skills)" in a.text
    assert "The study proposes education, training, enablement: for example, brief the board" in a.text
    assert a.text.count("The study proposes") == 1  # said once per component
    assert "System level in the study: national funding and structures" in a.text
    assert "coercion" not in a.text.lower() and "restriction" not in a.text.lower()
    assert "The authors interviewed" not in a.text and "would:" not in a.text


def test_capability_follow_up_keeps_only_capability_items():
    a = answer_for("Which of those are capability problems (following on from: what stops funding)?", "barriers",
                   [STUDY, IMPACT])
    first = a.text.split("\n\n")[0]
    assert "challenging to demonstrate impact" in first and "short term funding" not in first
    groups = a.text.split("**By barrier**")[1].split("\n\n")[0]
    assert "hard to show impact" in groups and "short-term funding" not in groups  # the body keeps to capability too


def test_not_covered_is_said():
    a = answer_for("Is the money ring-fenced after April 2026?", "fact", [FUNDING], ["anything for 2026 onwards"])
    assert a.text.endswith("**What the evidence here does not cover:** anything for 2026 onwards.")


def test_short_source_never_cuts_mid_phrase():
    c = Citation(n=1, passage_id="x:0", doc_id="x", title="Local evaluations of parent-infant relationship services in England: "
                 "the Nottinghamshire Parent/Infant Relationship Initiative (PIRi)", publisher="p", year=2024, url="u",
                 doc_type="study", locator="l", text="t", score=0.5, com_b=ComBTag())
    label = short_source(c)
    assert label == "Local evaluations of parent-infant relationship services in England (2024)" and "..." not in label


def test_suggested_topics_from_hostile_titles_are_text():
    from assistant.answering.composer import abstention_text, suggest_topics

    hostile = make_passage("evil:0000", "x", title="![i](http://198.51.100.8/t.png) Beavers", locator="[x](javascript:alert(1))")
    topics = suggest_topics(make_retrieval([(hostile, 0.2)]))
    assert topics[0].startswith("[x](javascript")  # the contract keeps the text as it is
    text = abstention_text(topics)
    assert "![i](" not in text and "](javascript" not in text and "\\!\\[i\\]" in text
