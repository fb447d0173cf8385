"""The extractive composer alone, on hand-made passages: what leads, what is grouped, what is cited and where
the spans point. No model, no index."""

from __future__ import annotations

import re

import pytest

from assistant.answering.policy import intent_of

from assistant.answering.composer import (
    ANAPHORIC_START,
    MORE_LINES,
    TABLE_TALK,
    Said,
    actions_line,
    asked_component,
    candidates,
    compose,
    follow_up_topic,
    group_line,
    passage_sentences,
    readable,
    short_source,
)
from assistant.comb.catalogue import by_id, items, make_tag
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


def answer_for(question, intent, passages, not_covered=(), planned=()):
    """``planned``: passages an intent's plan brought in for their catalogue item (the groups may quote them)."""
    r = make_retrieval([(p, 0.7 - 0.01 * i) for i, p in enumerate(passages)], question)
    for h in r.hits:
        h.planned = h.passage in planned
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
    method = "The report combines a questionnaire sent to teams in the network with Freedom of Information requests."
    assert not readable(method, False) and readable(method, True)  # how a report was made, not what it found
    assert readable("The report draws on data from a cohort of mothers: the yearly cost is put at £8.1bn.", False)
    for method in ("The mixed-methods design was co-produced in workshops with local commissioners and practitioners.",
                   "Between May and July 2023 the team interviewed nine staff and 14 parents who had used the service.",
                   "The study's interviews asked commissioners about barriers and enablers across this kind of process.",
                   "The researchers held 14 in-depth interviews with stakeholders in 14 areas of England.",
                   "The McSweeney et al. study (2025) interviewed nine commissioners in North East and North Cumbria."):
        assert not readable(method, False) and readable(method, True)
    assert readable("Commissioners interviewed for the study agreed that there were gaps in provision for under-twos.", False)
    assert not readable("The authors' affiliations include Population Health Sciences at Newcastle University.", False)


def test_when_and_where_a_report_appeared_is_bibliographic():
    from assistant.answering.composer import BIBLIOGRAPHIC

    assert BIBLIOGRAPHIC.search("The Committee published First 1000 Days: a renewed focus on 22 January 2026.")
    assert BIBLIOGRAPHIC.search("The Committee launched a new inquiry into the first 1000 days of life on 21 March 2025.")
    assert not BIBLIOGRAPHIC.search("The review found that 42% of areas had no provision on 1 April 2019 rules.")
    # who wrote it for whom: "What does the NICE guideline on children's attachment recommend?" had opened on it
    assert BIBLIOGRAPHIC.search("It was developed for NICE by the National Collaborating Centre for Mental Health.")
    assert not BIBLIOGRAPHIC.search("The programme was developed by health visitors in Leeds.")
    assert not BIBLIOGRAPHIC.search("Mellow Babies was developed for Scottish families by Mellow Parenting.")


def test_the_nearest_evidence_for_a_local_question_is_never_where_a_study_was_published():
    study = make_passage("study:0000", "The study by four authors was published in BMC Health Services Research on 2 August "
                         "2025 about the Oxford service. Only 52% of local services accepted referrals for babies under two.")
    a = answer_for("How long is the waiting list at the Oxford service?", "local", [study])
    assert "published in BMC" not in a.text and "Only 52% of local services" in a.text
    b = answer_for("What did the study on the Oxford service find?", "named_source", [study])
    assert "published in BMC" in b.text  # elsewhere it may still be said, after what the source says


def test_a_sentence_about_the_studys_coding_is_table_talk():
    assert TABLE_TALK.search("The study treats both difficulties as barriers to commissioning support.")
    assert TABLE_TALK.search("The study reports these concerns as barriers to commissioning.")
    assert TABLE_TALK.search("The study treats this lack of understanding as a capability issue.")
    assert TABLE_TALK.search("Table 1 lists the rise in demand as a barrier coded to motivation.")
    assert not TABLE_TALK.search("Commissioners treat infant mental health as a low priority when budgets are tight.")


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
    assert ("The study proposes education, training, enablement: for example, plan from the start how the service "
            "will be evaluated") in a.text  # the item's own step (an enablement), not its component's first lever
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
    named = Citation(n=1, passage_id="y:0", doc_id="y", title="National Parent-Infant Relationship (PAIR) Framework "
                     "programme, and the current definition of a specialised parent-infant relationship team",
                     publisher="p", year=2025, url="u", doc_type="report", locator="l", text="t", score=0.5, com_b=ComBTag())
    assert short_source(named) == "National Parent-Infant Relationship (PAIR) Framework programme (2025)"
    lords = Citation(n=1, passage_id="z:0", doc_id="z", title="Perinatal mental health spending by integrated care boards, "
                     "2024-25 (House of Lords oral question, 25 June 2025)", publisher="p", year=2025, url="u",
                     doc_type="guidance", locator="l", text="t", score=0.5, com_b=ComBTag())
    assert short_source(lords) == "Perinatal mental health spending by integrated care boards, 2024-25 (2025)"


def test_suggested_topics_from_hostile_titles_are_text():
    from assistant.answering.composer import abstention_text, suggest_topics

    hostile = make_passage("evil:0000", "x", title="![i](http://198.51.100.8/t.png) Beavers", locator="[x](javascript:alert(1))")
    topics = suggest_topics(make_retrieval([(hostile, 0.2)]))
    assert topics[0].startswith("[x](javascript")  # the contract keeps the text as it is
    text = abstention_text(topics)
    assert "![i](" not in text and "](javascript" not in text and "\\!\\[i\\]" in text


# -- the lead carries on; the study's own list for a general barriers question -------------------------------
CYCLE = make_passage("study-cycle:0006",
                     "Commissioning usually rests on one cycle with four stages: understand, plan, do and review. "
                     "It starts by identifying what the local area needs and hearing what families think. "
                     "Otters are a separate matter entirely and swim in rivers all year round.",
                     doc_type="study")


def test_the_lead_takes_the_next_sentence_when_it_carries_the_point_on():
    a = answer_for("What is the commissioning cycle and where does it start?", "fact", [CYCLE])
    lead = a.text.split("\n\n")[0]
    assert "four stages" in lead and "hearing what families think" in lead  # "It starts ..." follows its antecedent
    assert "Otters" not in lead  # the sentence after shares no question word and no figure
    s1, s2 = passage_sentences(CYCLE.text)[:2]
    assert a.citations[0].spans[:2] == [[s1[0], s1[1]], [s2[0], s2[1]]]


# two rows of the study's Table 1, one system level (funding) and one capability, as its table passages quote them
TABLE_1_ROWS = make_passage("study-tables:0000",
                            "Table 1 lists barriers by theme.\n\n| Theme | Barrier (paraphrased) | COM-B |\n|---|---|---|\n"
                            "| Funding process | Funding is short term | N/A |\n"
                            "| Service impact and evaluation | Showing impact and value for money is difficult | Capability |",
                            doc_type="study", locator="Table 1 barriers: funding and impact")


def test_a_general_barriers_question_names_every_barrier_of_the_study_table_by_component():
    from assistant.retrieval.retriever import Hit

    rows = TABLE_1_ROWS
    table = Hit(rows, 0.4, 0.0, planned=True, overview=True)
    other = make_retrieval([(STUDY, 0.7), (IMPACT, 0.69)]).hits
    a = compose("What gets in the way of commissioning these services?", "barriers", [table, *other], IDF, DEFAULT_IDF, [], {})
    head = a.text.split("\n\n")[0]
    assert head.startswith("The study names 2 barriers to commissioning PAIR services (McSweeney et al. 2025, Table 1):")
    assert "**Capability (knowledge and skills):** Showing impact and value for money is difficult [1]" in head
    assert "**System level**" in head and "Funding is short term [1]" in head and "The study proposes education" in head
    assert "for example, plan from the start how the service will be evaluated" in head  # the row's own step
    cited = a.citations[0]
    assert cited.passage_id == "study-tables:0000" and cited.n == 1
    assert sorted(rows.text[s:e] for s, e in cited.spans) == ["Funding is short term",
                                                               "Showing impact and value for money is difficult"]
    assert "**By barrier**" not in a.text and "Table 1 lists barriers" not in a.text  # the table's own words are not the answer
    only = compose("Which of those are capability problems?", "barriers", [table, *other], IDF, DEFAULT_IDF, [], {})
    assert only.text.startswith("Of the barriers the study names (McSweeney et al. 2025, Table 1), 1 is coded capability:")
    assert "Funding is short term" not in only.text.split("\n\n")[0]
    assert STUDY.passage_id not in {c.passage_id for c in only.citations}  # a system-level passage is not quoted
    system = compose("Which of those are system level?", "barriers", [table, *other], IDF, DEFAULT_IDF, [], {})
    head = system.text.split("\n\n")[0]
    assert head.startswith("Of the barriers the study names (McSweeney et al. 2025, Table 1), 1 is system level (coded N/A):")
    assert "Funding is short term" in head and "Showing impact" not in head
    # the table passage is cited for its system-level row, and its card says so (its first row, quoted or not, leads
    # in the index); asked about capability, the same passage speaks for its capability row
    assert (system.citations[0].com_b.item, system.citations[0].com_b.level) == ("b-short-term-funding", "system")
    assert system.citations[0].com_b.relation == "reports_barrier"
    assert only.citations[0].com_b.item == "b-hard-to-show-impact" and only.citations[0].com_b.component == "capability"
    # a follow-up's own words decide when the earlier question named another component
    assert asked_component("Which of those are capability problems (following on from: Which of those are system "
                           "level (following on from: what stops funding))?") == "capability"
    assert asked_component("Which are system-level (following on from: the capability ones)?") == "not_individual"
    assert asked_component("Which barriers does the study code as system level?") == "not_individual"
    assert asked_component("Which enablers are classified as N/A?") == "not_individual"
    assert asked_component("Which barriers does the study class as system level?") == "not_individual"
    assert asked_component("Which barriers does it treat as system-level?") == "not_individual"
    assert asked_component("What stops funding?") is None
    assert asked_component("How do I make the case at system level?") is None  # not a question about the coding
    # the study codes none of its barriers opportunity: said first, from the catalogue, not left to the enablers below
    none = compose("Which of those are opportunity problems?", "barriers", [table, *other], IDF, DEFAULT_IDF, [], {})
    assert none.text.startswith("None of the 10 barriers the study names (McSweeney et al. 2025, Table 1) is coded "
                                "opportunity: it codes 2 capability, 3 motivation and 5 system level (N/A). Its "
                                "opportunity items are enablers (Table 2).")
    # asked about enablers with only Table 1 in the pool: Table 2 is what is asked about (it has opportunity rows)
    assert not compose("Which enablers are opportunity?", "barriers", [table, *other], IDF, DEFAULT_IDF, [],
                       {}).text.startswith("None of")
    # "which of those could I act on myself?": the study's individual-level rows (any component), not its system level
    mine = compose("Which of those could I act on myself (following on from: What gets in the way of commissioning "
                   "these services?)?", "barriers", [table, *other], IDF, DEFAULT_IDF, [], {})
    head = mine.text.split("\n\n")[0]
    # counted in the study's table (the catalogue), not in the passages cited; Table 1 codes no barrier opportunity
    assert head.startswith("Of the 10 barriers the study names (McSweeney et al. 2025, Table 1), 5 are individual level "
                           "(capability or motivation): the ones a commissioner can act on. The other 5 it codes system "
                           "level (N/A)")
    assert "Showing impact and value for money is difficult" in head and "Funding is short term" not in head
    for q in ("Which of those could I act on myself?", "Which of those are in my control?", "Which barriers are "
              "individual level?", "Which of them can we tackle ourselves?", "Which of those can I act on?",
              "Which of these could we do something about?"):
        assert asked_component(q) == "individual", q
    assert asked_component("Which of those capability problems could I act on myself?") == "capability"
    # not a question about the study's lists: the lead is not narrowed to individual-level passages
    for q in ("How do I change the board's mind?", "How can we tackle stigma locally?", "How can we address paternal "
              "depression locally?", "Can we influence the ICB?"):
        assert asked_component(q) is None, q
    for cap in (1, 2):  # the table passage counts towards the passages cited
        capped = compose("What gets in the way of commissioning these services?", "barriers", [table, *other], IDF,
                         DEFAULT_IDF, [], {}, max_cited=cap)
        assert len(capped.citations) == cap and capped.citations[0].passage_id == "study-tables:0000"


def test_a_barriers_question_naming_the_funding_theme_lists_that_themes_rows():
    """"What are the main funding problems that put commissioners off PAIR services?" (a development question) had
    been answered with passages on sustainability and evidence, never the study's three funding barriers."""
    from assistant.answering.composer import asked_theme
    from assistant.retrieval.retriever import Hit

    rows = TABLE_1_ROWS
    table = Hit(rows, 0.4, 0.0, planned=True, overview=True)
    question = "What are the main funding problems that put commissioners off PAIR services?"
    from assistant.answering.policy import general_barrier_question
    assert intent_of(question) == "barriers" and general_barrier_question("barriers", question)
    assert asked_theme(question) == "Funding process"
    a = compose(question, "barriers", [table, *make_retrieval([(STUDY, 0.7)]).hits], IDF, DEFAULT_IDF, [], {})
    head = a.text.split("\n\n")[0]
    assert head.startswith("Of the barriers the study names (McSweeney et al. 2025, Table 1), 1 is about its funding "
                           "process theme:")
    assert "Funding is short term [1]" in head and "Showing impact" not in head
    # the funding problems and others, or not only them: every row
    for q in ("What are the funding problems and other barriers that put commissioners off PAIR services?",
              "What are the barriers for commissioners? Not only the funding problems.",
              "What are the barriers, apart from money problems?"):
        assert asked_theme(q) is None, q
    # "what stops commissioners funding...?" names no theme: funding is what is stopped
    for q in ("What stops commissioners funding parent-infant services?", "What barriers to funding did it find?"):
        assert asked_theme(q) == (None if q.startswith("What stops") else "Funding process"), q


def test_a_general_enabler_question_lists_the_studys_table_2_by_component():
    from assistant.retrieval.retriever import Hit

    rows = make_passage("study-tables:0004",
                        "Table 2 lists enablers by theme.\n\n| Theme | Enabler (paraphrased) | COM-B |\n|---|---|---|\n"
                        "| Funding process | none listed | N/A |\n"
                        "| The commissioning process | Commissioners sharing information with each other | Opportunity |\n"
                        "| Collaborative approach to commissioning | Understanding the needs of the population | Capability |",
                        doc_type="study", locator="Table 2 enablers: process and collaboration")
    table = Hit(rows, 0.4, 0.0, planned=True, overview=True)
    a = compose("What are the enablers of commissioning?", "fact", [table, *make_retrieval([(STUDY, 0.7)]).hits], IDF,
                DEFAULT_IDF, [], {})
    head = a.text.split("\n\n")[0]
    assert head.startswith("The study names 2 enablers of commissioning PAIR services (McSweeney et al. 2025, Table 2):")
    assert "**Opportunity (relationships with other commissioners and providers):** Commissioners sharing information" in head
    assert "**Capability (knowledge and skills):** Understanding the needs of the population [1]" in head
    assert "none listed" not in head  # a theme with no enabler is no row
    only = compose("Which of those are opportunity (following on from: What are the enablers?)?", "fact", [table], IDF,
                   DEFAULT_IDF, [], {})
    assert only.text.startswith("Of the enablers the study names (McSweeney et al. 2025, Table 2), 1 is coded opportunity:")
    assert "Understanding the needs" not in only.text


def test_also_in_the_evidence_is_at_most_more_lines_lines():
    said = ["funding for parent-infant teams was short", "boards rarely heard about infant mental health",
            "waiting lists for perinatal care were growing", "health visitors lacked training in bonding",
            "grant rules changed every year", "data on outcomes was hard to find"]
    extra = [make_passage(f"doc{i}:0000", f"Commissioners in area number {i} told the researchers that {s}, which "
                          "shaped their funding.") for i, s in enumerate(said)]  # each line shares "funding"
    a = answer_for("What did commissioners say about funding?", "fact", extra)
    more = a.text.split("**Also in the evidence**")[1] if "**Also in the evidence**" in a.text else ""
    assert 1 <= more.count("\n- ") <= MORE_LINES
    # with a figure further on in a passage the lead quotes, the closing key figure is the one line more
    figures = [make_passage(f"fig{i}:0000", f"Commissioners in area number {i} told the researchers that {s} at the time. "
                                            "A separate chapter looks at recruiting staff. "
                                            f"The budget in area number {i} was {i + 2}m pounds.") for i, s in enumerate(said)]
    a = answer_for("What did commissioners say about funding?", "fact", figures)
    more = a.text.split("**Also in the evidence**")[1]
    assert more.count("\n- ") <= MORE_LINES + 1 and "m pounds" in more


def test_the_closing_figure_comes_from_a_passage_the_lead_quotes_not_from_an_also_line():
    ics = make_passage("act:0000", "Integrated care boards replaced clinical commissioning groups on 1 July 2022.")
    other = make_passage("act:0004", "Commissioners hoped integrated care boards would pool resources. "
                         "A separate chapter looks at recruiting staff. The Family Hubs investment of 300m pounds offers "
                         "a chance for joint work.")
    a = answer_for("When did integrated care boards replace clinical commissioning groups?", "fact", [ics, other])
    assert "1 July 2022" in dict(a.parts)["lead"] and "300m pounds" not in a.text


def test_a_generated_lead_keeps_the_structure_and_renumbers_the_citations_it_uses():
    from assistant.answering.composer import with_generated_lead

    a = answer_for("What did commissioners say about short-term funding?", "barriers", [STUDY, FUNDING, IMPACT],
                   ["ring-fencing after 2026"], planned=[FUNDING, IMPACT])
    names = [name for name, _ in a.parts]
    assert names[0] == "barriers" and "lead" in names and names[-1] == "not_covered" and a.lead_spans
    last = max(c.n for c in a.citations)
    pid = next(c.passage_id for c in a.citations if c.n == last)
    text, cits, markers = with_generated_lead(a, f"Central money often lasts only a year or two [{last}].", {last: [[0, 10]]})
    assert [text[s:e] for s, e in markers] == [f"[{n}]" for n in re.findall(r"\[(\d+)\]", text)]
    new_n = next(c.n for c in cits if c.passage_id == pid)
    paras = text.split("\n\n")
    assert paras[1] == f"Central money often lasts only a year or two [{new_n}]."  # in the lead's place
    assert paras[0].startswith("The study's barriers") and paras[-1].startswith("**What the evidence here does not cover:**")
    assert [c.n for c in cits] == list(range(1, len(cits) + 1))  # renumbered in order of first use
    assert all(f"[{c.n}]" in text for c in cits)
    by_pid = {c.passage_id: c for c in a.citations}
    for c in cits:  # the spans only the replaced lead used are gone; the generated sentence's are there
        gone = a.lead_spans.get(by_pid[c.passage_id].n, [])
        assert not [sp for sp in gone if sp in c.spans and sp != [0, 10]]
    assert [0, 10] in next(c for c in cits if c.passage_id == pid).spans


def test_a_bracketed_number_in_a_quoted_passage_is_never_taken_for_a_citation():
    from assistant.answering.composer import Composed, ref, with_generated_lead

    quoting = make_passage("survey:0001", "Short spells of central money were noted in an earlier survey [1] of areas.")
    a = answer_for("How long does central money for a service last?", "fact", [STUDY, quoting])
    assert "earlier survey [1] of areas. [2]" in a.text  # quoted as it is, with our marker after it
    study, survey = a.citations
    composed = Composed("", [study, survey], [], [("lead", f"Commissioners said central money stops. {ref(1)}"),
                                                  ("more", f"**Also in the evidence**\n- {quoting.text} {ref(2)}")],
                        {1: [[0, 20]]})
    text, cits, markers = with_generated_lead(composed, "Central money often lasts a year or two [2].", {2: [[0, 12]]})
    assert [text[s:e] for s, e in markers] == ["[1]", "[1]"] and markers[1][0] == len(text) - 3  # not the quoted [1]
    assert text == ("Central money often lasts a year or two [1].\n\n**Also in the evidence**\n"
                    "- Short spells of central money were noted in an earlier survey [1] of areas. [1]")
    assert [c.passage_id for c in cits] == ["survey:0001"]  # the study, no longer used, is not cited
    assert cits[0].spans == survey.spans  # its own sentence, which the generated [0, 12] lies inside


def test_a_continuation_is_only_the_sentence_directly_after():
    gap = make_passage("study-gap:0003", "Commissioners said grants for parent-infant teams lasted one year. "
                                         "The authors interviewed nine people. "
                                         "Commissioners said 40% of grant-funded posts were lost.", doc_type="study")
    a = answer_for("What did commissioners say about grants for parent-infant teams?", "fact", [gap])
    lead = a.text.split("\n\n")[0]
    assert lead.startswith("Commissioners said grants for parent-infant teams lasted one year.")
    assert "40% of grant-funded posts" not in lead.split("[1]")[0]  # not carried on past the skipped sentence


TOOLKIT = make_passage("study-toolkit:0007",
                       "The authors worked with the Parent-Infant Foundation on a commissioning toolkit for these services. "
                       "The study says the toolkit would:\n- build a shared understanding of the topic;\n"
                       "- help clarify local population needs;\n- offer tools to map the provision that already exists.\n\n"
                       "Toolkits are hosted free of charge on the Foundation's website.", doc_type="study")


def test_a_list_is_quoted_with_its_intro_as_one_sentence_and_each_piece_is_a_span():
    a = answer_for("What would the commissioning toolkit help commissioners map and clarify?", "named_source", [TOOLKIT])
    assert ("The study says the toolkit would: build a shared understanding of the topic; help clarify local population "
            "needs; offer tools to map the provision that already exists." in a.text)
    spans = a.citations[0].spans
    quoted = [TOOLKIT.text[s:e] for s, e in spans]
    assert "help clarify local population needs" in quoted and "The study says the toolkit would:" in quoted
    assert all(q in a.text for q in quoted)  # every highlighted piece is words the answer shows
    assert not any("\n" in q or q.startswith("-") for q in quoted)


@pytest.mark.parametrize("text, question, intent, before, after", [
    ("The Early Years Healthy Development Review asked every area to publish a single local Start for Life offer. "
     "It judged support for families to be patchy and not joined up across services.",
     "Why did it judge family support patchy and not joined up?", "fact", "single local Start for Life offer", "It judged"),
    ("The same few commissioners tended to attend the regional forums. In particular, the forums were not places to "
     "hear from colleagues who had commissioned such services.",
     "Were the forums places to hear from colleagues who had commissioned services?", "fact", "The same few", "In particular"),
    ("Interventions with a moderate number of sessions and a clear focus on sensitivity worked best. For commissioners "
     "this is an argument for short, focused sensitivity work.",
     "Which works better: short focused sensitivity programmes or long ones?", "comparison", "Interventions with", "For commissioners"),
])
def test_a_lead_sentence_that_points_back_is_read_after_its_antecedent(text, question, intent, before, after):
    """'It judged...', 'In particular, ...', 'For commissioners this is...' never open the answer."""
    a = answer_for(question, intent, [make_passage("doc:0003", text, doc_type="guidance")])
    lead = dict(a.parts)["lead"]
    assert lead.index(before) < lead.index(after)


def test_a_continuation_about_another_year_is_not_carried_for_a_dated_question():
    a = answer_for("How much is there for perinatal mental health in 2025-26?", "fact", [FUNDING])
    assert "In 2024-25" not in a.text.split("\n\n")[0]


def test_a_continuation_that_points_back_is_carried_whatever_year_it_compares_with():
    """"That was £18 million more than in 2023-24" belongs with the 2024-25 figure before it; "In 2023-24 it was
    lower" stands alone and is another year's figure."""
    spend = make_passage("spend:0000", "In 2024-25 integrated care boards spent £212 million on specialist community "
                         "perinatal mental health services. That was £18 million more than in 2023-24, and spending kept "
                         "rising. In 2023-24 mother and baby units cost £58 million on top of that.",
                         title="ICB perinatal spending", year=2025, doc_type="report")
    lead = answer_for("How much did ICBs spend on perinatal mental health in 2024-25?", "fact", [spend]).text.split("\n\n")[0]
    assert "£18 million more" in lead and "£58 million" not in lead


def test_a_sentence_opening_with_the_same_brings_in_what_it_points_back_to():
    ratings = make_passage("ratings:0003", "Scotland's framework lists the Parents and Babies programme with an evidence "
                           "rating of 3+ and a usability rating of 4. The same programme therefore appears as not meeting "
                           "criteria in the US clearinghouse but rated 3+ in Scotland, on different scales.",
                           title="Clearinghouse ratings", year=2024, doc_type="evidence_review")
    lead = answer_for("Why does the Parents and Babies programme appear as not meeting criteria in the US clearinghouse?",
                      "fact", [ratings]).text.split("\n\n")[0]
    assert lead.index("evidence rating of 3+") < lead.index("The same programme therefore")


def test_what_puts_families_off_leads_with_an_obstacle_though_it_is_not_a_commissioning_barriers_question():
    hubs = make_passage("hubs:0001", "The review found that families who used Start for Life services through a family "
                        "hub had a positive experience of the family hub. Parents did not always know what services "
                        "existed, and some saw family hubs as being for troubled families.",
                        title="Start for Life thematic review", year=2024, doc_type="report")
    q = "What puts families off using the Start for Life support at family hubs?"
    assert intent_of(q) != "barriers"
    assert answer_for(q, intent_of(q), [hubs]).text.startswith("Parents did not always know")


def test_a_how_to_answer_opens_with_steps_from_the_studys_proposals_for_its_barriers():
    a = answer_for("How do I make the case to my board for a parent-infant team?", "how_to", [STUDY, IMPACT, FUNDING])
    names = [name for name, _ in a.parts]
    assert names.index("actions") < names.index("lead")
    actions = dict(a.parts)["actions"]
    # IMPACT is a capability barrier (education, training, enablement); the funding items are system level
    # the step on the board the question names first, then IMPACT's own step, then capability's other levers
    assert actions.split("local steps): ")[1].startswith("Brief the board and partners on the infant mental health "
                                                         "evidence; plan from the start how the service will be evaluated")
    assert "make the case with parents' stories" not in actions  # persuasion is proposed for motivation only
    assert ": for example," not in dict(a.parts)["by_barrier"]  # the levers are not said twice


def test_a_how_to_about_practice_rather_than_commissioning_opens_with_the_evidence_not_the_studys_steps():
    a = answer_for("How should a team support parents to read their baby's cues?", "how_to", [STUDY, IMPACT, FUNDING])
    names = [name for name, _ in a.parts]
    assert "actions" not in names and names[0] in ("lead", "barriers")
    assert ": for example, plan from the start how the service will be evaluated" in dict(a.parts)["by_barrier"]  # said in the groups


@pytest.mark.parametrize("question", ["How are other areas paying for their parent-infant teams?",
                                      "How do other ICBs fund parent-infant relationship teams?",
                                      "What are neighbouring ICBs doing about parent-infant teams?",
                                      "How have others funded a parent-infant team?"])
def test_a_how_to_about_what_other_areas_do_opens_with_the_evidence_not_the_studys_steps(question):
    a = answer_for(question, "how_to", [STUDY, IMPACT, FUNDING])
    assert "actions" not in [name for name, _ in a.parts]


def test_a_how_to_about_getting_a_board_to_fund_opens_with_the_studys_steps():
    a = answer_for("How do some services get their board to fund them?", "how_to", [STUDY, IMPACT, FUNDING])
    assert [name for name, _ in a.parts][0] == "actions"


def test_a_how_to_about_persuading_leaders_opens_with_the_studys_steps():
    a = answer_for("How can I persuade my council's leaders to prioritise parent-infant relationships?", "how_to",
                   [STUDY, IMPACT, FUNDING])
    assert [name for name, _ in a.parts][0] == "actions"


def test_a_how_to_about_system_level_items_only_offers_no_steps():
    a = answer_for("How do I get funding that lasts longer than a year?", "how_to", [STUDY, FUNDING])
    assert "actions" not in [name for name, _ in a.parts]


def test_an_evidence_answer_speaks_first_from_the_strongest_design():
    guideline = make_passage("ng26:0003", "Practitioner bodies describe the guideline as endorsing video interaction guidance "
                             "for children in care and video interaction guidance sessions.", design="guidance")
    review = make_passage("cochrane:0002", "The review found that video feedback may improve parental sensitivity, "
                          "rated as moderate-certainty evidence.", design="systematic_review")
    r = make_retrieval([(review, 0.6), (guideline, 0.7)], "Does video interaction guidance work?")
    a = compose("Does video interaction guidance work?", "evidence", r.hits, IDF, DEFAULT_IDF, [], {})
    lead = dict(a.parts)["lead"]
    assert lead.startswith("The review found") and "Practitioner bodies" in lead


def test_what_a_named_source_says_comes_before_when_it_was_published():
    qs = make_passage("qs133:0000", "NICE quality standard QS133 was published on 12 October 2016. "
                      "Statement 3 says parents of pre-school children with attachment difficulties are offered video feedback.",
                      title="QS133 summary")
    a = answer_for("What does NICE QS133 say?", "named_source", [qs])
    lead = dict(a.parts)["lead"]
    assert lead.startswith("Statement 3 says")
    assert dict(answer_for("When was NICE QS133 published?", "named_source", [qs]).parts)["lead"].startswith("NICE quality")


def test_a_named_source_is_answered_from_its_own_passages_not_from_one_that_mentions_it():
    ng26 = make_passage("ng26:0000", "The scope is children who are adopted from care, in care or on the edge of care.",
                        title="Children's attachment: NICE guideline NG26")
    qs = make_passage("qs133:0000", "The quality standard shares its population with the 2015 NICE guideline NG26.",
                      title="Quality standard QS133 summary")
    q = "Who is the NICE guideline NG26 aimed at?"
    r = make_retrieval([(ng26, 0.8), (qs, 0.7)], q)
    lead = dict(compose(q, "named_source", r.hits, IDF, DEFAULT_IDF, [], {}, named="ng26").parts)["lead"]
    assert lead.startswith("The scope is children who are adopted from care")


def test_a_barrier_answer_names_every_barrier_a_cited_table_passage_lists():
    tag = make_tag(by_id()["b-unsure-who-can-support"], "reports_barrier", 0.7)
    tag.items = ["b-unsure-who-can-support", "b-hard-to-show-impact", "e-sharing-between-commissioners"]
    table = make_passage("study-tables:0002", "Commissioners could not say who might support infant mental health, and "
                         "found it hard to show value for money.", doc_type="study", com_b=tag)
    a = answer_for("Why is it hard for commissioners to show value for money?", "barriers", [table])
    named = dict(a.parts)["barriers"]
    assert by_id()["b-hard-to-show-impact"].study_wording.lower() in named
    assert by_id()["b-unsure-who-can-support"].study_wording.lower() in named
    assert "sharing" not in named  # an enabler the table lists is not named among the barriers


def test_a_passage_the_barrier_plan_brought_in_goes_under_its_barrier_not_in_the_lead():
    from assistant.retrieval.retriever import Hit

    q = "Why do commissioners struggle to use research evidence?"
    own = make_passage("background:0007", "Earlier work found research evidence hard to apply in commissioning unless "
                       "it is actively mobilised.", doc_type="study")
    money = make_passage("study-funding:0004", "Commissioners struggle to use short-term money for core contracts, so they "
                         "use it for bridging work.", doc_type="study",
                         com_b=make_tag(by_id()["b-short-term-funding"], "reports_barrier", 0.7))
    planned = Hit(money, 0.45, 0.0, planned=True)  # brought in by the plan for its catalogue item
    r = make_retrieval([(own, 0.54)], q)
    parts = dict(compose(q, "barriers", [r.hits[0], planned], IDF, DEFAULT_IDF, [], {}).parts)
    assert parts["lead"].startswith("Earlier work found research evidence") and "short-term money" not in parts["lead"]
    assert "short-term money" in parts["by_barrier"]


def test_the_evidence_planned_for_making_the_case_leads_the_answer():
    # "make the case to my ICB board": the closest passage defines an ICB; the cost evidence the plan found is the answer
    from assistant.retrieval.retriever import Hit

    q = "How do I make the case to my ICB board for a parent-infant team?"
    icb = make_passage("act:0001", "An integrated care board (ICB) plans to meet the health needs of its population and "
                       "manages the NHS budget for its area.", doc_type="guidance")
    cost = make_passage("report:0001", "The report estimates savings of over £1.15bn a year from expanding parent-infant "
                        "teams.", doc_type="report",
                        com_b=make_tag(by_id()["b-hard-to-show-impact"], "evidence_against", 0.7))
    r = make_retrieval([(icb, 0.6)], q)
    case = Hit(cost, 0.4, 0.0, planned=True, leads=True)
    lead = dict(compose(q, "how_to", [r.hits[0], case], IDF, DEFAULT_IDF, [], {}).parts)["lead"]
    assert lead.startswith("The report estimates savings of over £1.15bn") and "integrated care board" not in lead
    # without the plan's mark, the same passage goes under its barrier and the question's own ranking leads
    plain = Hit(cost, 0.4, 0.0, planned=True)
    lead = dict(compose(q, "how_to", [r.hits[0], plain], IDF, DEFAULT_IDF, [], {}).parts)["lead"]
    assert lead.startswith("An integrated care board")


def test_making_the_case_leads_with_the_finding_not_a_persons_remark_on_it():
    """"How do I make the case ... to my ICB?" had opened on what the Foundation's adviser said at a report's launch."""
    from assistant.retrieval.retriever import Hit

    q = "How do I make the case for a parent-infant team to my ICB?"
    impact = make_passage("impact:0001", "Ann Smith, a psychotherapist and the Foundation's adviser, said at the launch "
                          "that parent-infant teams make a difference. According to the report, parent-infant "
                          "teams help babies and carers in three linked domains.", doc_type="report",
                          com_b=make_tag(by_id()["b-hard-to-show-impact"], "evidence_against", 0.7))
    lead = dict(compose(q, "how_to", [Hit(impact, 0.6, 0.0, planned=True, leads=True)], IDF, DEFAULT_IDF, [],
                        {}).parts)["lead"]
    assert lead.startswith("According to the report, parent-infant teams")


def test_the_lead_gives_the_finding_not_how_the_study_coded_it_unless_the_coding_is_asked():
    covid = make_passage("study-covid:0001", "The study's Table 1 lists increased demand for parent-infant services due "
                         "to the pandemic as a barrier coded to motivation. Commissioners felt that the need for support "
                         "rose during the pandemic while services were under strain. The pandemic had also created a "
                         "backlog of referrals.", doc_type="study")
    lead = dict(answer_for("Did Covid increase the need for parent-infant support?", "evidence", [covid]).parts)["lead"]
    assert lead.startswith("Commissioners felt that the need")  # the coding may follow; it does not lead
    lead = dict(answer_for("How does the study code the Covid increase in need for parent-infant support?", "fact",
                           [covid]).parts)["lead"]
    assert lead.startswith("The study's Table 1 lists")


def test_a_what_is_question_leads_with_the_sentence_that_defines_the_term():
    uses = make_passage("theme:0001", "Some commissioners said they did not think about infant mental health at all, "
                        "and infant mental health was rarely on the agenda of infant mental health meetings.", doc_type="study")
    defines = make_passage("background:0002", "The study adopts a definition of infant mental health as the social and "
                           "emotional wellbeing of babies.", doc_type="study")
    lead = dict(answer_for("What is infant mental health?", "fact", [uses, defines]).parts)["lead"]
    assert lead.startswith("The study adopts a definition of infant mental health")  # a study's own definition is quoted
    lead = dict(answer_for("Why is infant mental health overlooked?", "fact", [uses, defines]).parts)["lead"]
    assert lead.startswith("Some commissioners said")  # not a "what is" question: no preference


@pytest.mark.parametrize("sentence, leans", [
    ("Elsewhere in the study, however, commissioners named only health visitors.", True),  # needs what came before
    ("This list reflects the commissioners' view.", True),
    ("However, the trial found no difference.", True),
    ("Commissioners named a wide group of professionals.", False),
    ("Of this, £57m goes to Start for Life services.", True),  # a share of a total the sentence before gives
    ("The remaining £69m is for family hubs.", True),
    ("Of the nine commissioners, four had a dedicated lead.", False),
    ("For commissioners, it pointed to services they could fund for fathers.", True),  # "it" is the sentence before's
    ("For commissioners, the guidance is statutory.", False),
    ("For babies, their early relationships shape later development.", False),  # "their" is the babies'
])
def test_a_sentence_that_leans_on_the_one_before_is_recognised(sentence, leans):
    assert bool(ANAPHORIC_START.match(sentence)) is leans


def test_a_question_about_now_leads_with_the_latest_years_figure():
    old = make_passage("news:0000", "In June 2021 the region had 2 parent-infant teams, among few teams in the UK.")
    new = make_passage("counts:0001", "The December 2025 update gives 51 parent-infant teams in the UK.")
    lead = dict(answer_for("How many parent-infant teams are there now?", "fact", [old, new]).parts)["lead"]
    assert lead.startswith("The December 2025 update gives 51")
    lead = dict(answer_for("How many parent-infant teams were there?", "fact", [old, new]).parts)["lead"]
    assert lead.startswith("In June 2021")  # no "now": as ranked


def test_now_is_the_latest_year_stated_or_the_year_before():
    """A 2026 report is in the pool, but the latest count is dated December 2025: figures lag the reports that
    quote them, so "now" is the latest year any passage states or the one before."""
    from assistant.answering.composer import latest_year

    pool = make_retrieval([(make_passage("cmh:0000", "A February 2026 report on access."), 0.7),
                           (make_passage("counts:0000", "The December 2025 update gives 51 teams; 45 in 2023."), 0.6)]).hits
    assert latest_year(pool, "How many teams are there now?") == {2025, 2026}
    assert latest_year(pool, "How many teams were there in the UK?") == set()
    # "are there", in the present tense, asks for the current count as "now" does
    assert latest_year(pool, "How many specialist teams are there in the UK?") == {2025, 2026}
    assert latest_year(pool, "How many teams did Rare Jewels count?") == set()
    for source in ("How many studies are there of Circle of Security?", "How many teams are there according to Rare "
                   "Jewels?", "How many teams are there in the Rare Jewels report?",
                   "How many sessions are needed, and is there evidence?"):
        assert latest_year(pool, source) == set(), source  # what a source holds, or another clause's "is there"


def test_the_lead_covers_each_part_of_a_two_part_question(monkeypatch):
    # three passages, room in the lead for two of their sentences: the second-best repeats the best one's question
    # words, the third answers the question's other part, so the third goes in
    import assistant.answering.composer as composer

    monkeypatch.setattr(composer, "LEAD_WORDS", 75)  # room for two of these sentences, not three
    monkeypatch.setattr(composer, "CONTINUATION_WORDS", 0)  # and none for a passage's next sentence
    first = make_passage("act:0000", "Integrated care boards replaced clinical commissioning groups on 1 July 2022 in "
                                     "every part of England, taking over the planning and buying of local NHS services "
                                     "for their populations from that date onwards.")
    again = make_passage("kings-fund:0000", "The King's Fund explains that integrated care boards replaced clinical "
                                            "commissioning groups as the statutory NHS bodies for each area, with the "
                                            "former groups' staff moving across to the new boards during the transfer.")
    other = make_passage("act:0001", "The Health and Care Act, which set up the new boards, received Royal Assent on 28 "
                                     "April 2022 after its passage through Parliament, giving the new bodies their "
                                     "legal basis.")
    a = answer_for("When did integrated care boards replace clinical commissioning groups, and when did the Health "
                   "and Care Act get Royal Assent?", "fact", [first, again, other])
    lead = dict(a.parts)["lead"]
    assert "1 July 2022" in lead and "28 April 2022" in lead
    assert "King's Fund" not in lead


def test_sentences_come_from_a_wider_pool_but_at_most_max_cited_passages_are_cited():
    # eight passages, each tagged with its own barrier: without the cap a barrier answer names and cites all eight
    texts = {
        "b-short-term-funding": "Short grants for parent-infant teams end before the teams can show results to the board.",
        "b-hard-to-show-impact": "Boards asked commissioners for value-for-money evidence on parent-infant teams that nobody had collected.",
        "b-doubts-about-numbers": "Some finance leads doubted how many families would need a parent-infant team at all.",
        "b-infants-not-considered": "Infant mental health rarely appeared in the joint strategic needs assessment for parent-infant teams.",
        "b-unsure-who-can-support": "Few commissioners knew which practitioners could already support parent-infant relationships locally.",
        "b-no-dedicated-commissioning": "No budget line is dedicated to parent-infant teams, so each one is pieced together from several pots.",
        "b-local-not-national": "Local priorities for parent-infant teams were not national ones, so no national money followed them.",
        "b-sustainability-concerns": "Providers worried that parent-infant teams could not be sustained once pilot money ran out.",
    }
    pool = [make_passage(f"doc{i}:0000", text, com_b=make_tag(by_id()[item], "reports_barrier", 0.7))
            for i, (item, text) in enumerate(texts.items())]
    question = "What gets in the way of funding parent-infant teams?"
    r = make_retrieval([(p, 0.7 - 0.01 * i) for i, p in enumerate(pool)], question)
    for cap in (1, 2, 3, 5):
        a = compose(question, "barriers", r.hits, IDF, DEFAULT_IDF, [], {}, max_cited=cap)
        assert len(a.citations) == cap
        assert [c.n for c in a.citations] == list(range(1, cap + 1))
        assert max(int(n) for n in re.findall(r"\[(\d+)\]", a.text)) == cap
    assert len(compose(question, "barriers", r.hits, IDF, DEFAULT_IDF, [], {}, max_cited=20).citations) == 8


def test_the_terminal_form_shows_corpus_titles_without_markdown_escapes():
    from assistant.answering.composer import abstention_text
    from assistant.app.cli import format_answer
    from assistant.models import Answer

    text = abstention_text(["Theme 6 (McSweeney et al. 2025) [draft] *v2*"])
    assert "\\(McSweeney" in text  # escaped for the chat, which renders markdown
    shown = format_answer(Answer(question="q?", answer=text, abstained=True, citations=[], timings_ms={}))
    assert "- Theme 6 (McSweeney et al. 2025) [draft] *v2*" in shown and "\\" not in shown


def test_a_sentence_opening_with_a_connective_is_never_a_line_on_its_own():
    first = make_passage("a:0000", "Commissioners said short-term funding for parent-infant teams stops services being planned.")
    second = make_passage("b:0000", "Some areas had no specialist parent-infant provision at all. Even so, commissioners said "
                                    "short-term funding for parent-infant support was vital for families.")
    a = answer_for("What did commissioners say about short-term funding for parent-infant teams?", "fact", [first, second])
    assert not re.search(r"(^|\n|- |\] )Even so", a.text)


def test_a_lead_sentence_that_points_back_brings_its_antecedent_through_a_short_chain():
    toolkit = make_passage("toolkit:0002", "Chapter 3 of the toolkit is the part written for commissioners. It explains where "
                                           "specialist teams fit in a local system. It describes the arrangements paying for "
                                           "parent-infant teams, including joint commissioning, fundraising and grants.")
    a = answer_for("Who pays for parent-infant teams: joint commissioning, fundraising or grants?", "fact", [toolkit])
    lead = dict(a.parts)["lead"]
    assert lead.startswith("Chapter 3 of the toolkit")
    assert lead.index("It explains") < lead.index("It describes")


def test_a_chain_that_still_points_back_where_it_stops_is_not_brought_in():
    """"Its central conclusion..." had been led by "It drew on 800 studies. It covers..." without the sentence they
    point to (three back): the chain now reaches it, and one longer than BACK_SENTENCES that still points back where
    it stops is left out."""
    text = ("Bringing Baby Home reviewed the UK evidence on fathers in the first year. It drew on almost 800 studies "
            "of fathers and babies. It covers who fathers are and what care they give. Its central conclusion is that "
            "maternity services overlook fathers in the year after birth.")
    q = "Why do maternity services overlook fathers?"
    lead = dict(answer_for(q, "evidence", [make_passage("dads:0000", text)]).parts)["lead"]
    assert lead.startswith("Bringing Baby Home reviewed") and lead.index("It drew on") < lead.index("Its central")
    longer = text.replace("It covers", "It was widely read by midwives and health visitors across England. It covers")
    lead = dict(answer_for(q, "evidence", [make_passage("dads:0000", longer)]).parts)["lead"]
    assert lead.startswith("Its central conclusion") and "It drew on" not in lead
    # a chain that reaches the passage's start is whole, however it opens
    opening = "This review, Bringing Baby Home, looked at fathers. " + text.split(". ", 1)[1]
    lead = dict(answer_for(q, "evidence", [make_passage("dads:0000", opening)]).parts)["lead"]
    assert lead.startswith("This review, Bringing Baby Home") and lead.index("It drew on") < lead.index("Its central")


def test_a_figure_further_on_in_a_cited_passage_is_quoted_once():
    # the lead quotes the best sentence and the one after it; the figure, two sentences on, shares no question word
    report = make_passage("savings:0001", "The 2026 report estimates savings from expanding parent-infant teams across England. "
                                          "Its authors say the savings fall across health, social care and education services. "
                                          "A separate chapter looks at recruiting and keeping clinical staff. "
                                          "The lifetime value of specialist support is put at 12m pounds for each cohort of "
                                          "families supported.")
    a = answer_for("Is there a figure for savings from parent-infant teams?", "evidence", [report])
    assert a.text.count("12m pounds") == 1
    assert "recruiting and keeping" not in a.text


@pytest.mark.parametrize("earlier, follow_up, intent, off_topic, on_topic", [
    ("What stops commissioners funding parent-infant services?", "What about dads?", "barriers",
     "Commissioners said short-term funding stops them funding parent-infant services for more than a year or two.",
     "Few parent-infant services reach dads, and commissioners rarely ask providers about them."),
    # even when the earlier question's words score far higher
    ("How do I persuade our ICB to fund a parent-infant relationship service?", "and what about fathers?", "how_to",
     "To persuade an ICB to fund a parent-infant relationship service, commissioners can use the £1.15bn savings "
     "estimate in the business case.",
     "Services built around the mother and baby may miss fathers altogether."),
])
def test_a_follow_ups_own_words_lead_over_the_earlier_questions(earlier, follow_up, intent, off_topic, on_topic):
    from assistant.answering.followups import condense

    question = condense(follow_up, [{"role": "user", "content": earlier}, {"role": "assistant", "content": "..."}])
    passages = [make_passage("earlier:0000", off_topic), make_passage("topic:0000", on_topic)]
    assert dict(answer_for(question, intent, passages).parts)["lead"].startswith(on_topic)
    assert dict(answer_for(earlier, intent, passages).parts)["lead"].startswith(off_topic)  # without the follow-up


def test_a_follow_up_that_points_back_keeps_the_earlier_questions_lead():
    """"Can you explain that more simply?" has words of its own, but they are not a topic to lead with."""
    from assistant.answering.followups import condense

    question = condense("Can you explain that more simply?",
                        [{"role": "user", "content": "How many parent-infant teams are there in England?"}])
    count = make_passage("count:0000", "There are 51 parent-infant teams in England, the Foundation counted in 2025.")
    other = make_passage("other:0000", "Commissioners could not explain to their boards what a parent-infant team does.")
    assert dict(answer_for(question, "fact", [count, other]).parts)["lead"].startswith("There are 51")


def test_a_follow_ups_topic_leaves_out_common_words():
    # "and which areas have none?": the topic is areas, not "have" or "none"
    assert follow_up_topic("and which areas have none (following on from: how many are there)?") == {"area"}


@pytest.mark.parametrize("figure_asked, plain, worded, figured, figured_ranked_first", [
    # "how much" is answered by a sum of money on its topic, not by a sentence on funding
    ("How much funding did the government give to Start for Life?",
     "How much difference did government funding make to Start for Life?",
     "In 2024 the review recommended long-term funding for Start for Life.",
     "In 2021 the government committed over £300 million to Start for Life.", False),
    # "how many" by a count or a share, not by a sentence whose only number is a year (which shares more words)
    ("How many babies are affected by poor relationships?", "Are babies affected by poor relationships?",
     "In 2022 a review found that poor relationships with fathers affect babies.",
     "Insecure relationships affect 40% of babies, some estimates suggest.", True),
])
def test_a_question_asking_for_a_figure_leads_with_that_kind_of_figure(figure_asked, plain, worded, figured,
                                                                        figured_ranked_first):
    intent = "fact"
    passages = [make_passage("worded:0000", worded), make_passage("figured:0000", figured)]
    passages = passages[::-1] if figured_ranked_first else passages
    assert dict(answer_for(figure_asked, intent, passages).parts)["lead"].startswith(figured)
    assert dict(answer_for(plain, intent, passages).parts)["lead"].startswith(worded)  # no figure asked for


def test_which_questions_ask_for_which_figure():
    from assistant.answering.composer import asked_figure, states_count, states_money, states_number

    assert asked_figure("How much funding did the government give to Start for Life?") is states_money
    assert asked_figure("What proportion of mothers?") is states_count  # a count or a share
    assert asked_figure("How many teams are there in the UK?") is states_number  # a count, not a share
    assert asked_figure("How many babies are affected?") is states_count  # of people, a share of them too
    assert asked_figure("How many parent-infant teams are there?") is states_number
    # what is counted is the last word before the verb: family hubs and units are things, health visitors people
    for things in ("How many family hubs are there?", "How many mother and baby units are there?",
                   "How many teams for babies are there?"):
        assert asked_figure(things) is states_number, things
    for people in ("How many health visitors are there?", "How many under-2s are seen?",
                   "How many parents-to-be get support?"):
        assert asked_figure(people) is states_count, people
    assert not states_number("Teams support only 4-6% of the babies who need them.")
    assert not states_number("Some 40 per cent of babies.")
    assert states_number("The Foundation counted 45 teams, with 14 more in development.")
    for no_figure in ("How much do teams improve outcomes?", "How much difference did the funding make?",
                      "How much time should staff spend on funding bids?", "Are babies affected?"):
        assert asked_figure(no_figure) is None, no_figure
    # a year, a financial year, a date or a table's number is not a count
    for text in ("In 2025-26 the programme ran.", "In 2024/25 it ran.", "Table 2 lists enablers.", "It began on 12 March."):
        assert not states_count(text), text
    assert states_count("About 40% of babies.") and states_count("There are 51 teams.")


def test_a_return_on_investment_question_asks_for_a_saving_or_verdict_not_a_sum():
    """"What return on investment is there for early relationship support?" had led with a report's "strong social
    and economic returns" and said no cited passage gave a saving, with the £900 million estimate among the hits."""
    from assistant.answering.composer import asked_figure, states_value

    assert asked_figure("What return on investment is there for early relationship support?") is states_value
    assert asked_figure("Are parent-infant teams worth the investment?") is states_value
    assert asked_figure("How do I calculate the return on investment?") is None  # how to show it, not whether
    for asked in ("What is the ROI of parent-infant teams?", "Do parent-infant teams save money?",
                  "Would a PAIR team pay for itself?"):
        assert asked_figure(asked) is states_value, asked
    for not_asked in ("How do I calculate the ROI?", "Do teams save lives?", "Can I save money by cutting the team?"):
        assert asked_figure(not_asked) is None, not_asked
    assert states_value("The report estimated at least £900 million of benefit to the UK each year.")
    assert states_value("It estimates savings of over £1.15bn a year.")
    assert states_value("For every £1 invested, the programme returns £4.50.")
    assert states_value("The cost per QALY was £12,000.") and states_value("The trial found it was not cost-effective.")
    assert not states_value("The programme's funding, £301.75 million, was announced in October 2021.")  # a bare sum
    assert not states_value("Early help delivers strong social and economic returns.")  # no sum or verdict
    assert not states_value("Early help saves lives.")


def test_a_saving_on_another_topic_gets_no_bonus_for_the_asking_words_it_shares():
    """"Is VIPP-SD cost-effective?": a sentence that VIG "was cost-effective, saving £2,000 per family" shares only
    the asking words ("cost", "effective"), so it is not the answer's figure."""
    from assistant.answering.composer import FIGURE_BONUS, Candidate, score_sentence
    from assistant.text import tokens

    q = "Is VIPP-SD cost-effective?"
    other = "Video interaction guidance was found to be cost-effective, saving £2,000 per family."
    same = "VIPP-SD was found to be cost-effective, saving £2,000 per family."

    def scored(text: str, question: str) -> float:
        hit = make_retrieval([(make_passage("a:0000", text), 0.6)], q).hits[0]
        return score_sentence(Candidate(hit, 0, len(text), text), set(tokens(q)), {}, 1.0, "evidence", set(), 0, question)

    assert scored(same, q) - scored(same, "") >= FIGURE_BONUS  # the value asked for, on its topic
    assert scored(other, q) - scored(other, "") < FIGURE_BONUS  # on another topic: only the asking words shared


def test_a_count_question_leads_with_a_count_of_the_thing_it_counts():
    """"How many teams are there?": "51 teams" answers it; a sentence on the teams that counts babies ("4-6% of the
    babies", "fewer than 25 families a team") does not, although it shares more of the question's words."""
    from assistant.answering.composer import counted_thing, counts_it

    assert counted_thing("How many specialist parent-infant relationship teams are there in England?") == "team"
    assert counted_thing("What funding is there?") is None
    assert counts_it("The most recent count is 51 teams (December 2025).", "team")
    assert counts_it("The Foundation counted 45 specialised parent-infant relationship teams.", "team")
    assert not counts_it("Specialist teams support only 4-6% of the babies who need them.", "team")
    assert not counts_it("In 2025 teams were counted.", "team")  # a year is not a count
    for not_a_count in ("51.5% of teams", "4-6% of teams", "£2.5 million was given to teams",
                        "Over 300 babies were seen by teams"):  # a share, a sum, or a count of something else
        assert not counts_it(not_a_count, "team"), not_a_count
    assert counts_it("Counts for 2019 were 27 or 29 teams.", "team")
    assert counted_thing("How many specialist teams exist in England now?") == "team"
    # a follow-up's own words decide, and "how many would be needed?" names nothing counted: no count is preferred
    # (the answer is what it would take to reach every area, not the latest count of teams)
    assert counted_thing("and how many would be needed to cover every area (following on from: How many "
                         "parent-infant teams are there in England)?") is None
    babies = make_passage("babies:0000", "Specialist parent-infant teams support only 4-6% of the babies estimated to "
                                         "need them.")
    count = make_passage("count:0000", "Counts of parent-infant teams differ by source; the most recent is 51 teams.")
    lead = dict(answer_for("How many specialist parent-infant relationship teams are there in England?", "fact",
                           [babies, count]).parts)["lead"]
    assert lead.startswith("Counts of parent-infant teams"), lead


def test_a_share_of_a_total_is_read_after_the_total():
    guide = make_passage("guide:0000", "For 2025-26 the programme has £126m in total. Of this, £57m goes to Start for "
                                       "Life services for families from pregnancy to age two.")
    lead = dict(answer_for("How much Start for Life funding goes to services for families in 2025-26?", "fact",
                           [guide]).parts)["lead"]
    assert lead.index("£126m in total") < lead.index("Of this, £57m")


def test_the_lead_keeps_one_passages_sentences_together_in_their_order():
    from assistant.answering.composer import Candidate, with_continuations

    a = make_passage("a:0000", "Commissioners fund bridging work with short-term money in one area. Otters swim in rivers "
                               "at night. This reflects a wider reluctance to start services that cannot be sustained.")
    b = make_passage("b:0000", "The study's Table 1 codes short-term funding as a system-level barrier.")
    r = make_retrieval([(a, 0.7), (b, 0.6)], "short-term funding")
    ha, hb = r.hits
    spans = {p.passage_id: passage_sentences(p.text) for p in (a, b)}
    a1, _, a3 = (Candidate(ha, s, e, t) for s, e, t in spans["a:0000"])
    b1 = Candidate(hb, *spans["b:0000"][0])
    out = with_continuations([a1, b1, a3], [a1, b1, a3])  # picked in score order: a1, then b1, then a3
    assert [c.text[:20] for c in out] == [a1.text[:20], a3.text[:20], b1.text[:20]]


def test_a_contents_list_is_not_carried_entry_by_entry():
    toolkit = make_passage("toolkit:0001", "Chapter 2 sets out the case for change for a parent-infant team. Chapter 3 deals "
                                           "with funding a parent-infant team. Chapter 4 covers clinical interventions for a "
                                           "parent-infant team. Chapter 5 is about setting up a parent-infant team.")
    lead = dict(answer_for("How do I make the case for a parent-infant team?", "how_to", [toolkit]).parts)["lead"]
    assert lead.startswith("Chapter 2") and "Chapter 3" not in lead and "Chapter 5" not in lead  # only entries picked on merit


def test_what_is_not_covered_is_judged_on_the_passages_cited_not_on_the_whole_pool():
    funding = make_passage("funding:0000", "Commissioners said short-term funding for parent-infant teams stops planning.")
    fathers = make_passage("fathers:0000", "Few parent-infant services reach dads at all.")
    r = make_retrieval([(funding, 0.7), (fathers, 0.5)], "funding")

    def uncovered(texts, sources):
        assert len(sources) == len(texts)  # a title and publisher for each cited passage
        return [] if any("dads" in t for t in texts) else ["dads"]

    one = compose("What about funding for dads?", "fact", r.hits, IDF, DEFAULT_IDF, ["Sunderland: local"], {},
                  max_cited=1, uncovered=uncovered)
    assert [c.passage_id for c in one.citations] == ["funding:0000"]  # the pool held the dads passage, uncited
    assert one.not_covered == ["Sunderland: local", "dads"] and "does not cover:** Sunderland: local; dads." in one.text
    two = compose("What about funding for dads?", "fact", r.hits, IDF, DEFAULT_IDF, [], {}, max_cited=2, uncovered=uncovered)
    assert "fathers:0000" in {c.passage_id for c in two.citations} and two.not_covered == []


def test_a_barrier_group_says_what_happens_rather_than_restating_the_studys_coding():
    coded = make_passage("study-workforce:0004",
                         "The study's Table 1 lists not knowing who could support parent-infant relationships as a barrier "
                         "coded to capability. Most commissioners could think only of health visitors as the professionals "
                         "who see a baby, unless they already knew of a specialist team.",
                         doc_type="study", com_b=make_tag(by_id()["b-unsure-who-can-support"], "reports_barrier", 0.7))
    a = answer_for("How should money for parent-infant relationships across 75 local authorities be spent?", "how_to",
                   [FUNDING, coded], planned=[coded])
    group = dict(a.parts)["by_barrier"]
    assert "health visitors" in group and "coded to capability" not in group


def test_a_barrier_group_never_prefers_an_unrelated_sentence_to_the_studys_coding():
    coded = make_passage("study-workforce:0005",
                         "The study's Table 1 lists not knowing who could support parent-infant relationships as a barrier "
                         "coded to capability. The region is mostly rural, with long journeys between its towns.",
                         doc_type="study", com_b=make_tag(by_id()["b-unsure-who-can-support"], "reports_barrier", 0.7))
    a = answer_for("How should money for parent-infant relationships across 75 local authorities be spent?", "how_to",
                   [FUNDING, coded], planned=[coded])
    assert "mostly rural" not in dict(a.parts)["by_barrier"]


DEFINITION = make_passage("framework:0001", "A specialised parent-infant relationship team is a multidisciplinary team with "
                          "expertise in relationships between babies and their parents, and such a team works at two levels.",
                          doc_type="report")
CYCLE = make_passage("study-cycle:0000", "Commissioning usually follows one cycle of four stages: understand, plan, do and "
                     "review. The understand stage means identifying local needs, hearing what families think and looking at "
                     "the services already in place.", doc_type="study")


def test_a_what_first_answer_leads_with_the_first_stage_not_with_what_the_question_happens_to_name():
    a = answer_for("We have no parent-infant relationship team. What should I do first?", "what_first", [DEFINITION, CYCLE])
    lead = dict(a.parts)["lead"]
    assert "The understand stage means identifying local needs" in lead and "multidisciplinary" not in lead


def test_a_follow_up_that_asks_where_to_start_is_answered_from_the_first_stage():
    a = answer_for("So where do I start (following on from: How do I make the case for a parent-infant relationship team)?",
                   "what_first", [DEFINITION, CYCLE])
    lead = dict(a.parts)["lead"]
    assert "The understand stage means identifying local needs" in lead and "multidisciplinary" not in lead


def test_a_follow_up_to_a_what_first_question_answers_its_own_words():
    a = answer_for("What about babies' parents (following on from: What should I do first)?", "what_first",
                   [CYCLE, DEFINITION])
    assert dict(a.parts)["lead"].startswith("A specialised parent-infant relationship team")


def test_after_a_follow_up_a_barrier_group_quotes_only_what_is_on_its_topic():
    dads = make_passage("dads:0001", "Some programmes already include fathers: one runs separate groups for dads.",
                        com_b=make_tag(by_id()["b-unsure-who-can-support"], "evidence_against", 0.6))
    toolkit = make_passage("toolkit:0003", "The toolkit helps commissioners clarify local population needs and map "
                           "the provision that already exists.", doc_type="study",
                           com_b=make_tag(by_id()["e-population-needs"], "reports_enabler", 0.6))
    question = "What about dads (following on from: We have no parent-infant team. What should I do first)?"
    a = answer_for(question, "what_first", [dads, toolkit], planned=[toolkit])
    assert "population needs" not in a.text.split("**By barrier**")[1].split("\n\n")[0]
    where = answer_for("So where do I start (following on from: What about dads)?", "what_first", [CYCLE, toolkit],
                       planned=[CYCLE, toolkit])
    assert "population needs" in where.text  # where to start: the plan's passages are what it asks about


def test_an_also_line_must_share_more_than_common_words_or_a_year_with_the_question():
    lifetime = make_passage("cmh-2026:0001", "In April 2026 the lifetime value of parent-infant support was put at over "
                            "£40,000 per child.", title="Why babies' first relationships matter", year=2026, doc_type="report")
    hubs = make_passage("hubs-2026:0002", "From April 2026 family hubs money runs as a three-year programme for every "
                        "council.", title="Best Start Family Hubs", year=2025, doc_type="guidance")
    pilots = make_passage("hubs-2025:0003", "Family hubs money in 2025-26 went to 75 councils chosen in advance.",
                          title="Family Hubs guide", year=2025, doc_type="guidance")
    idf = {"parent": 0.6, "infant": 0.45, "2026": 2.3, "april": 2.4, "famili": 0.9, "hub": 1.9, "money": 2.3}
    question = "How much family hubs money is there for parent-infant relationships after April 2026?"
    r = make_retrieval([(hubs, 0.7), (lifetime, 0.69), (pilots, 0.68)], question)
    a = compose(question, "fact", r.hits, idf, DEFAULT_IDF, [], {})
    assert "three-year programme" in a.text and "75 councils" in a.text
    assert "£40,000" not in a.text  # it shares only 'parent', 'infant', the month and the year


def test_an_also_line_must_share_more_than_who_acts():
    """"How do I make the case to my ICB board...?" had ended with two lines on what an ICB is."""
    case = make_passage("case:0001", "A business case for a parent-infant team sets local need beside the costs of "
                        "late intervention.", title="Toolkit", year=2019, doc_type="report")
    icb = make_passage("act:0001", "Under the Act, each ICB board plans services and manages the NHS budget "
                       "for its area.", title="Health and Care Act", year=2022, doc_type="guidance")
    costs = make_passage("costs:0001", "Late intervention costs councils and the NHS billions each year, and a business "
                         "case can set a team against them.", title="Cost of late intervention", year=2016, doc_type="report")
    idf = {"case": 2.0, "busi": 2.2, "icb": 2.5, "integr": 1.5, "care": 0.8, "board": 1.8, "team": 1.0}
    question = "How do I make the business case to my ICB board for a parent-infant team?"
    r = make_retrieval([(case, 0.7), (icb, 0.69), (costs, 0.68)], question)
    a = compose(question, "how_to", r.hits, idf, DEFAULT_IDF, [], {})
    assert "costs councils and the NHS" in a.text  # shares "business case"
    assert "manages the NHS budget" not in a.text  # shares only the ICB board


def test_an_also_line_is_never_a_trials_publication_record_unless_when_is_asked():
    """"Fonagy, Sleed and Baradon published a trial ... (DOI 10.1002/imhj.21553)" says where a trial appeared, not
    what it found: not an Also line for "does it work?"."""
    review = make_passage("review:0001", "Parent-infant psychotherapy increased the number of securely attached infants "
                          "compared with usual care.", title="PIP review", year=2015, doc_type="evidence_review")
    trial = make_passage("trial:0000", "Fonagy and colleagues published a randomised trial of parent-infant psychotherapy "
                         "in the Infant Mental Health Journal (DOI 10.1002/imhj.21553).", title="PIP trial", year=2016,
                         doc_type="study")
    idf = {"parent": 0.6, "infant": 0.45, "psychotherapi": 2.5, "work": 1.0, "publish": 2.0, "when": 1.0}
    r = make_retrieval([(review, 0.7), (trial, 0.69)], "Does parent-infant psychotherapy work?")
    assert "DOI" not in compose("Does parent-infant psychotherapy work?", "evidence", r.hits, idf, DEFAULT_IDF, [], {}).text
    asked = "When was the parent-infant psychotherapy trial published?"
    r = make_retrieval([(review, 0.7), (trial, 0.69)], asked)
    assert "DOI" in compose(asked, "fact", r.hits, idf, DEFAULT_IDF, [], {}).text


def test_the_questions_own_evidence_is_cited_before_the_plans_barrier_groups_fill_the_citations():
    """"How do I get a share of the ICB's mental health budget...?" lost the passage on the Mental Health Investment
    Standard, second in its own ranking, to three passages the plan brought in for their barriers."""
    from assistant.retrieval.retriever import Hit

    q = "How do I get a share of the ICB mental health budget when nothing is ring-fenced?"
    ringfence = make_passage("figures:0000", "Nothing in the ICB mental health budget is ring-fenced for parent-infant work.")
    mhis = make_passage("mhis:0000", "The investment standard makes each ICB mental health budget grow with its allocation.")
    planned = [Hit(make_passage(f"plan{i}:0000", f"Commissioners said {words} when asked about the budget.", doc_type="study",
                                com_b=make_tag(by_id()[item], "reports_barrier", 0.7)), 0.45, 0.0, planned=True)
               for i, (item, words) in enumerate([("b-hard-to-show-impact", "impact was hard to show"),
                                                  ("b-short-term-funding", "money came for a year"),
                                                  ("b-infants-not-considered", "infants were not on their minds")])]
    r = make_retrieval([(ringfence, 0.6), (mhis, 0.58)], q)
    a = compose(q, "how_to", r.hits + planned, IDF, DEFAULT_IDF, [], {}, max_cited=3)
    cited = [c.passage_id for c in a.citations]
    assert "investment standard" in a.text and "mhis:0000" in cited and len(cited) == 3
    first_use = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", a.text)))
    assert first_use == list(range(1, len(cited) + 1))  # numbered in the order the text reads


def test_a_barrier_group_never_quotes_a_pool_passage_the_lead_and_the_plan_did_not_bring():
    """A passage that only ranked in the pool shares a word with the question by accident ("secure" for "Circle
    of Security"): under its barrier it read as off topic. Groups point at what the lead cites or the plan chose."""
    trial = make_passage("trials:0001", "Good evidence on Circle of Security is scarce: its trials are small, with mixed "
                         "findings on secure attachment.",
                         doc_type="evidence_review",
                         com_b=make_tag(by_id()["b-hard-to-show-impact"], "evidence_against", 0.6))
    stray = make_passage("study-needs:0003", "Commissioners would want health visitors to see that a toddler feels secure "
                         "when separating without distress.", doc_type="study",
                         com_b=make_tag(by_id()["e-population-needs"], "reports_enabler", 0.6))
    a = answer_for("Is there good evidence for Circle of Security?", "evidence", [trial, stray])
    groups = a.text.split("**By barrier**")[1].split("\n\n")[0]
    assert "hard to show impact" in groups and "See [1]" in groups
    assert "separating without distress" not in groups and "population needs" not in groups


def test_barrier_groups_never_repeat_a_lever_or_the_system_level_note():
    said = Said()
    lines = [group_line("b-hard-to-show-impact", "evidence_against", "Costs are high. [1]", said),
             group_line("b-doubts-about-numbers", "evidence_against", "Few babies are reached. [2]", said),
             group_line("b-short-term-funding", "reports_barrier", "Money lasts a year. [3]", said),
             group_line("b-no-dedicated-commissioning", "reports_barrier", "No one leads. [4]", said)]
    text = "\n".join(lines)
    assert "for example, plan from the start how the service will be evaluated" in lines[0]  # each item's own step
    assert "for example, set out how many local families are likely to need each level of support" in lines[1]
    assert text.count("for example") == 2
    assert text.count("System level in the study") == 1 and "System level in the study" in lines[2]
    assert "system level (the study codes it N/A)" in lines[3]  # each system item still says its level
    assert not any("coercion" in line or "restriction" in line for line in lines)


def test_how_to_answers_about_different_barriers_open_with_different_steps():
    """Each item's own step leads: before, every capability item gave the same three levers."""
    def steps(item_id: str) -> str:
        return actions_line([(item_id, [])])

    capability = [i.id for i in items() if i.component == "capability"]
    assert len({steps(i) for i in capability}) == len(capability)
    assert "Map which local teams" in steps("b-unsure-who-can-support")
    assert actions_line([("b-short-term-funding", [])]) == ""  # system level: nothing a commissioner does alone
    # an item's own persuasion step is not followed by motivation's general persuasion lever, which says the same
    support = actions_line([("e-family-support-matters", [])])
    assert "parents' own accounts" in support and "make the case with parents' stories and local data" not in support
    assert "brief the board and partners on the infant mental health evidence" in support  # education: not applied yet


def test_a_step_the_question_asks_about_comes_first():
    """"How can I hear from other commissioners?" is answered by modelling, which had come fourth and been cut."""
    groups = [("b-unsure-who-can-support", []), ("e-provider-relationships", [])]
    assert "hear from a commissioner" not in actions_line(groups)
    asked = actions_line(groups, "How can I hear from other commissioners who have already funded PAIR services?")
    assert asked.split("local steps): ")[1].startswith("Hear from a commissioner who has commissioned such a service")
    # the words every how-to shares (commissioning, service, business case) bring no step forward
    plain = actions_line(groups, "How do I commission a parent-infant service and write the business case?")
    assert plain == actions_line(groups)


def test_what_a_named_publisher_says_is_answered_from_its_documents():
    study = make_passage("study-bg:0001", "Parent-infant relationships matter: parent-infant relationship difficulties follow "
                         "lines of inequality in every local area.", title="Who's got the infants in mind?")
    nice = make_passage("ng26:0000", "The guideline recommends a video feedback programme for parents of pre-school "
                        "children at risk of attachment difficulties.", title="Children's attachment")
    nice.meta.publisher = "National Institute for Health and Care Excellence (NICE)"
    question = "What does NICE say about parent-infant relationships?"
    r = make_retrieval([(study, 0.7), (nice, 0.6)], question)
    a = compose(question, "named_source", r.hits, IDF, DEFAULT_IDF, [], {}, named="ng26")
    assert a.text.startswith("The guideline recommends a video feedback programme")
    plain = compose(question, "named_source", r.hits, IDF, DEFAULT_IDF, [], {})  # no source named: the better match leads
    assert plain.text.startswith("Parent-infant relationships matter")


def test_a_what_first_lead_stops_at_the_cycles_first_stage():
    cycle = make_passage("study-bg:0003", "Commissioning usually rests on one basic cycle with four stages: understand, plan, "
                         "do, review. The understand stage means identifying what the local area needs and hearing what "
                         "families think. The plan stage means working out strategically the best way to meet the needs found. "
                         "The do stage is where investment decisions are taken and services are procured.")
    question = "We have no parent-infant team. What should I do first?"
    a = answer_for(question, "what_first", [cycle])
    assert "The understand stage means" in a.text and "The plan stage" not in a.text
    b = answer_for(question, "fact", [cycle])  # any other intent carries on with the passage
    assert "The plan stage" in b.text


def test_also_lines_leave_out_the_studys_coding_unless_it_is_asked_about():
    from assistant.answering.composer import more_evidence

    coding = make_passage("study-tables:0004", "In Table 3 the motivation item is awareness about mental health in infancy "
                          "among commissioners.")
    finding = make_passage("survey:0001", "Awareness of infant mental health among commissioners was low in 2021, the "
                           "survey of mental health staff found.")
    for question, kept in (("Why is awareness of infant mental health low among commissioners?", {"survey:0001"}),
                           ("How does Table 3 code awareness of infant mental health?", {"study-tables:0004", "survey:0001"})):
        r = make_retrieval([(coding, 0.6), (finding, 0.55)], question)
        cands = candidates(r.hits, question, "fact", IDF, DEFAULT_IDF)
        assert {c.hit.passage.passage_id for c in more_evidence(r.hits, cands, [], question=question)} == kept


def test_a_sentence_opening_with_later_points_back():
    assert ANAPHORIC_START.match("Later Parent-Infant Foundation counts differ: 49 teams in June 2025.")
    assert not ANAPHORIC_START.match("Latest counts give 51 teams in December 2025.")
    assert ANAPHORIC_START.match("Within this, the Department for Education will put over half a billion pounds in.")


def test_a_component_question_names_only_that_components_items_of_a_table_passage():
    import dataclasses

    from assistant.answering.composer import named_items

    tag = make_tag(by_id()["b-unsure-who-can-support"], "reports_barrier", 0.7)
    tag = dataclasses.replace(tag, items=["b-unsure-who-can-support", "b-infants-not-considered",
                                        "b-no-dedicated-commissioning", "b-hard-to-show-impact"])
    table = make_passage("study-tables:0001", "| Theme | Barrier | COM-B |", doc_type="study", com_b=tag)
    hits = make_retrieval([(table, 0.7)]).hits
    everything = [item.id for _, item in named_items(hits, ("reports_barrier",))]
    assert everything == ["b-unsure-who-can-support", "b-infants-not-considered", "b-no-dedicated-commissioning",
                          "b-hard-to-show-impact"]
    capability = [item.id for _, item in named_items(hits, ("reports_barrier",), "capability")]
    assert capability == ["b-unsure-who-can-support", "b-hard-to-show-impact"]
    assert [item.id for _, item in named_items(hits, ("reports_barrier",), "not_individual")] == ["b-no-dedicated-commissioning"]


def test_a_component_question_leads_from_a_passage_of_that_component():
    system = make_passage("icb:0001", "Integrated care boards hold the NHS budget and decide which capability problems "
                          "and services to fund in their area.", doc_type="guidance",
                          com_b=make_tag(by_id()["b-no-dedicated-commissioning"], "evidence_against", 0.6))
    question = "Which of those are capability problems (following on from: What stops integrated care boards funding this)?"
    a = answer_for(question, "barriers", [system, IMPACT])
    lead = dict(a.parts)["lead"]
    assert lead.startswith("Commissioners found it hard to show the impact") and "Integrated care boards" not in lead


def test_where_a_section_sits_in_a_report_is_never_an_answer_line_unless_asked():
    """'Action Area 3 ... starts on page 82 of the report' says where to look, not what the report says."""
    from assistant.answering.composer import only_locates

    vision = make_passage("vision-2021:0003", "Action Area 3 of the 2021 vision, the information families need, starts "
                          "on page 82 of the report.", title="The Best Start for Life vision", year=2021, doc_type="guidance")
    hubs = make_passage("hubs-2025:0002", "Family hubs give families information on parent-infant support in one place.",
                        title="Family Hubs guide", year=2025, doc_type="guidance")
    question = "What information do family hubs give families about parent-infant support?"
    r = make_retrieval([(hubs, 0.7), (vision, 0.69)], question)
    a = compose(question, "fact", r.hits, IDF, DEFAULT_IDF, [], {})
    assert "one place" in a.text and "page 82" not in a.text
    assert only_locates(vision.text, question)
    assert not only_locates(vision.text, "Which page of the vision covers information for families?")
    assert only_locates("Chapter 3 of the toolkit (2019) is the part written most directly for commissioners.", question)
    assert not only_locates(hubs.text, question)


def test_an_entry_of_a_contents_list_is_never_an_also_line():
    """'Chapter 2 sets out the case for change.' names a topic and says nothing of it; read alone as an Also line
    it told a commissioner nothing (seen on 'How do I make the case to my board?')."""
    from assistant.answering.composer import only_locates

    q = "How do I make the case to my board for a parent-infant team?"
    assert only_locates("Chapter 2 sets out the case for change.", q)
    assert only_locates("Chapter 3 deals with funding and commissioning a specialised parent-infant team.", q)
    assert not only_locates("Chapter 5 observes that many teams began with one practitioner finding a little time.", q)
    assert not only_locates("Chapter 2 sets out the case for change.", "Which chapter of the toolkit makes the case?")
    economic = make_passage("economic-2026:0001", "The 2026 report estimates that parent-infant teams could save over "
                            "£1bn a year, so the case for a team can rest on savings.", title="Economic case", year=2026)
    toolkit = make_passage("toolkit-2019:0000", "The toolkit has eight chapters. Chapter 2 sets out the case for change.",
                           title="Toolkit", year=2019)
    r = make_retrieval([(economic, 0.7), (toolkit, 0.66)], q)
    a = compose(q, "how_to", r.hits, IDF, DEFAULT_IDF, [], {})
    assert "£1bn" in a.text and "Chapter 2 sets out" not in a.text


def test_what_is_in_a_document_is_answered_by_the_sentence_saying_what_it_contains():
    """A long list sentence ('the guidance contains four things: ...') shares few words per word with the question;
    for 'what's in X?' it is still the answer, not a blog's one-line description of X."""
    guide = make_passage("hubs-guide-2025:0000",
                         "The Centre for Young Lives described the December guidance as the first guidance for the new hub "
                         "network. According to the summary, the guidance contains four things: a framework for choosing "
                         "hub sites with priority for disadvantaged families; an outline of the core services each hub should "
                         "offer; rules on branding and naming; and information on local plans and how they relate to funding.",
                         title="Best Start Family Hubs guidance", year=2025, doc_type="guidance")
    question = "What's actually in the Best Start Family Hubs guidance that came out in December?"
    r = make_retrieval([(guide, 0.7)], question)
    a = compose(question, "named_source", r.hits, IDF, DEFAULT_IDF, [], {})
    assert "framework for choosing hub sites" in a.text
    assert "Centre for Young Lives" not in a.text or \
        a.text.index("framework for choosing hub sites") < a.text.index("Centre for Young Lives")


def test_the_terminal_form_says_what_else_a_cited_table_passage_lists():
    """A Table 1 passage cited for its motivation row carries a capability row as its primary tag: the CLI, like
    the chat card, names the other rows, so the label does not read as the reason it is cited."""
    from assistant.app.cli import format_answer
    from assistant.models import Answer

    tag = make_tag(by_id()["b-unsure-who-can-support"], "reports_barrier", 0.9)
    tag.items = ["b-unsure-who-can-support", "b-infants-not-considered"]
    table = make_passage("study-table-1:0001", "Table 1 barriers: not able to think who could support; many did not "
                         "think about infant mental health.", doc_type="study", com_b=tag)
    citation = Citation.from_passage(table, 1, 0.7)
    shown = format_answer(Answer(question="q?", answer="See [1].", abstained=False, citations=[citation], timings_ms={}))
    assert "Barrier: unsure who in the workforce can support" in shown
    assert "This table also lists: infant mental health not on commissioners' minds (barrier)" in shown


def test_a_barrier_group_never_quotes_the_studys_coding_as_what_the_evidence_says():
    """Under 'Enabler: involving families in commissioning' the line read 'The findings were later mapped onto the
    COM-B model...': a sentence about how the study coded its findings says nothing about involving families."""
    families = make_passage("study-collab:0002", "The findings were later mapped onto the COM-B model and the Behaviour "
                            "Change Wheel to inform a commissioning support resource.", doc_type="study",
                            com_b=make_tag(by_id()["e-engage-families"], "reports_enabler", 0.6))
    q = "How can I make sure the parent-infant service we commission works with dads as well as mums?"
    a = answer_for(q, "how_to", [STUDY, IMPACT, families], planned=[families])
    assert "COM-B model" not in a.text
    coding = answer_for("How did the study code its findings with COM-B?", "how_to", [STUDY, IMPACT, families],
                        planned=[families])
    assert "mapped onto the COM-B model" in coding.text  # asked about: then it is the answer


def test_also_lines_come_from_the_questions_own_ranking_before_passages_a_plan_brought_in():
    """A how-to plan adds a passage per catalogue item for the groups; the Also lines are the rest of what the
    question itself found, so a planned passage does not take the place of the question's own second hit."""
    from assistant.answering.composer import candidates, more_evidence

    q = "How do I get a share of the mental health budget for a parent-infant team?"
    lead = make_passage("a:0000", "The mental health budget is set by each board for its area every year.")
    planned = [make_passage(f"p{i}:0000", f"Board members said the mental health budget was tight in year {i}.") for i in (1, 2)]
    own = make_passage("own:0000", "The investment standard requires each board's mental health budget to grow with its allocation.")
    r = make_retrieval([(lead, 0.7), (planned[0], 0.66), (planned[1], 0.65), (own, 0.64)], q)
    for h in r.hits:
        h.planned = h.passage in planned
    cands = candidates(r.hits, q, "how_to", IDF, DEFAULT_IDF)
    used = [next(c for c in cands if c.hit.passage is lead)]
    lines = more_evidence(r.hits, cands, used, question=q)
    assert [c.hit.passage.passage_id for c in lines][:1] == ["own:0000"]


def test_a_passage_the_retrieval_demoted_does_not_lead_over_one_about_the_period_asked():
    """The retrieval demotes a superseded document or one wholly about earlier years; its sentence, which may share
    more words with the question, does not then lead the answer ('From April 2026, what replaces the guide?')."""
    q = "From April 2026, what replaces the Family Hubs and Start for Life funding guide?"
    old = make_passage("guide-2025-26:0000", "The Family Hubs and Start for Life funding guide covers the 75 areas "
                       "in its funding year.", title="Family Hubs and Start for Life guide 2025 to 2026", year=2025)
    new = make_passage("hubs-2026:0000", "Best Start Family Hubs replace the Start for Life guide in every area.",
                       title="Best Start Family Hubs guidance", year=2025)
    r = make_retrieval([(old, 0.8), (new, 0.75)], q)
    assert compose(q, "fact", r.hits, IDF, DEFAULT_IDF, [], {}).text.startswith("The Family Hubs and Start for Life")
    r.hits[0].demoted = True
    assert compose(q, "fact", r.hits, IDF, DEFAULT_IDF, [], {}).text.startswith("Best Start Family Hubs replace the Start")


def test_a_local_question_says_first_that_the_evidence_does_not_cover_the_place():
    """"Can we refer a family to the Cambridge service?": that the evidence is national is the answer, so it comes
    before the nearest national evidence, and anything else uncovered is said after it."""
    r = make_retrieval([(FUNDING, 0.7)], "funding")
    a = compose("Can we refer dads to the Cambridge team about funding?", "local", r.hits, IDF, DEFAULT_IDF,
                ["Cambridge: services there"], {}, uncovered=lambda texts, sources: ["dads"], local_first=True)
    names = [name for name, _ in a.parts]
    assert names[0] == "not_covered_first" and names.index("lead") > 0 and names[-1] == "not_covered"
    assert a.text.startswith("**Not covered here (the evidence is national):** Cambridge: services there. **The nearest")
    assert a.text.endswith("**Nor does it cover:** dads.") and a.not_covered == ["Cambridge: services there", "dads"]


def test_a_cost_nothing_cited_gives_is_said_first():
    """"How much does a team cost to run?": that no cited passage gives a figure is the answer, so it comes first."""
    from assistant.answering.policy import COST_GAP

    r = make_retrieval([(FUNDING, 0.7)], "funding")
    a = compose("How much does a parent-infant team cost to run?", "fact", r.hits, IDF, DEFAULT_IDF, [], {},
                uncovered=lambda texts, sources: [COST_GAP])
    assert [name for name, _ in a.parts][0] == "not_covered_first" and "not_covered" not in dict(a.parts)
    assert a.text.startswith(f"**Not in the evidence here:** {COST_GAP}. **The nearest evidence:**")
    assert a.not_covered == [COST_GAP]


def test_a_name_nothing_cited_mentions_is_said_first_for_a_question_about_it():
    """"What does Nesta fund?" answered from other funders' passages: that none mentions Nesta comes first; in a
    barriers or how-to answer the same gap is said at the end."""
    from assistant.answering.policy import NAME_GAP

    r = make_retrieval([(FUNDING, 0.7)], "funding")
    gap = f"Nesta{NAME_GAP}"
    a = compose("What does Nesta fund?", "fact", r.hits, IDF, DEFAULT_IDF, [], {}, uncovered=lambda texts, sources: [gap])
    assert a.text.startswith(f"**Not in the evidence here:** {gap}. **The nearest evidence:**")
    assert "not_covered" not in dict(a.parts) and a.not_covered == [gap]
    b = compose("How do I get Nesta to fund a team?", "how_to", r.hits, IDF, DEFAULT_IDF, [], {},
                uncovered=lambda texts, sources: [gap])
    assert [name for name, _ in b.parts][-1] == "not_covered" and "not_covered_first" not in dict(b.parts)


def test_a_question_asking_what_stops_leads_with_an_obstacle_not_with_what_the_asked_body_is():
    from assistant.retrieval.retriever import Hit

    q = "What stops ICBs commissioning parent-infant relationship services?"
    icb = make_passage("act:0001", "Since July 2022 the ICB carries out the NHS commissioning that CCGs used to do.",
                       doc_type="guidance", com_b=make_tag(by_id()["b-no-dedicated-commissioning"], "evidence_against", 0.6))
    system = make_passage("discussion:0008", "The shift to integrated care systems should partly meet the call for whole "
                          "systems approaches, though integration may bring challenges.", doc_type="study",
                          com_b=make_tag(by_id()["e-ccg-to-ics"], "reports_enabler", 0.6))
    money = make_passage("study-funding:0002", "Commissioners said central money is often offered only for a short "
                         "period, a barrier to commissioning.", doc_type="study",
                         com_b=make_tag(by_id()["b-short-term-funding"], "reports_barrier", 0.7))
    r = make_retrieval([(icb, 0.65), (system, 0.6)], q)
    hits = [r.hits[0], Hit(money, 0.6, 0.0, planned=True), r.hits[1]]
    lead = dict(compose(q, "barriers", hits, IDF, DEFAULT_IDF, [], {}).parts)["lead"]
    assert lead.startswith("Commissioners said central money is often offered only for a short period")
    # a barriers question of another kind ("what makes them decide?") keeps the question's own ranking
    other = "What actually makes ICBs decide to commission parent-infant relationship services?"
    r = make_retrieval([(icb, 0.65), (system, 0.6)], other)
    lead = dict(compose(other, "barriers", [r.hits[0], Hit(money, 0.6, 0.0, planned=True), r.hits[1]],
                        IDF, DEFAULT_IDF, [], {}).parts)["lead"]
    assert "short period" not in lead


def test_does_it_work_ranks_the_trials_results_above_where_it_was_published_and_who_took_part():
    from assistant.answering.composer import candidates

    design = make_passage("vipp:0000", "The VIPP-SD trial was reported in Health Technology Assessment (DOI "
                          "10.3310/hta25290). Among 818 eligible families, 300 VIPP-SD families were randomised.",
                          doc_type="study", design="rct")
    results = make_passage("vipp:0002", "At five months, children in the VIPP-SD group had fewer behaviour problems.",
                           doc_type="study", design="rct")
    r = make_retrieval([(design, 0.33), (results, 0.23)], "Does VIPP-SD work?")
    ranked = [c.text for c in candidates(r.hits, "Does VIPP-SD work?", "evidence", IDF, DEFAULT_IDF, None)]
    assert ranked[0].startswith("At five months")
    # a question of another kind is not re-ranked: what a trial is, where it was reported
    ranked = [c.text for c in candidates(r.hits, "What is VIPP-SD?", "fact", IDF, DEFAULT_IDF, None)]
    assert not ranked[0].startswith("At five months")


@pytest.mark.parametrize("question, leads_with_limits", [
    ("and how reliable is that figure (following on from: What evidence is there that teams save money)?", True),
    ("How strong is the evidence that teams save money?", True),
    ("What evidence is there that teams save money?", False),
])
def test_how_reliable_is_answered_by_what_the_source_says_of_its_own_limits(question, leads_with_limits):
    from assistant.answering.composer import candidates

    model = make_passage("cmh:0001", "The report estimates that teams save over £1.15bn a year across health and social "
                         "care. The figures are best read as modelled estimates rather than observed savings.",
                         doc_type="report", design="economic_model")
    r = make_retrieval([(model, 0.6)], question)
    ranked = [c.text for c in candidates(r.hits, question, "evidence", IDF, DEFAULT_IDF, None)]
    assert ranked[0].startswith("The figures are best read as modelled estimates") is leads_with_limits


def test_a_lead_carries_on_its_passage_but_not_into_how_the_study_coded_the_finding():
    study = make_passage("study-impact:0001", "Commissioners said that showing a service's impact and value for money "
                         "matters, but that showing impact is difficult. The study's Table 1 lists showing impact as a "
                         "barrier coded to capability.", doc_type="study")
    lead = dict(answer_for("How can I show the impact of a service to my board?", "how_to", [study]).parts)["lead"]
    assert lead.startswith("Commissioners said that showing") and "Table 1" not in lead
    coding = dict(answer_for("How did the study code showing impact?", "fact", [study]).parts)["lead"]
    assert "Table 1" in coding  # asked about the coding, the coding is the answer


@pytest.mark.parametrize("question, asks_effect", [
    ("Did the Nottinghamshire initiative actually make a difference for families?", True),
    ("Does video feedback work?", True),
    ("What did the trial find for mums?", True),
    ("Is it any good?", True),
    ("Does showing parents videos of themselves playing with their child actually make them more responsive?", True),
    ("Did the UK trial of parent-infant psychotherapy show benefits for the babies or for the mums?", True),
    ("Does Family Nurse Partnership make any long-term difference for children?", True),
    ("Did the Family Nurse Partnership actually work when it was tested in England?", True),  # a four-word name
    ("Does the new team work with fathers?", False),
    ("Did the commissioners in the study work in public health?", False),  # work as a job
    ("Do the staff in most parent-infant teams work evenings?", False),
    ("Do PAIR teams and health visitors work well together?", False),
    ("Does video feedback work in practice?", True),
    ("Has FNP been trialled in England, and did it actually work for teenage mums?", True),  # "for" whom it worked
    ("What is the Nottinghamshire initiative?", False),
    ("How do I make the case for a team?", False),
    ("What is the difference between a team and a perinatal service?", False),
])
def test_which_questions_ask_whether_something_worked(question, asks_effect):
    from assistant.answering.composer import asks_effect as asks

    assert asks(question) is asks_effect


@pytest.mark.parametrize("question", [
    "How much does it cost (following on from: Does video feedback work)?",  # a follow-up asks in its own words
    "Do parent-infant teams work with fathers?",
    "When did the NICE guidance change?",
    "How exactly does video feedback work?",
    "What outcomes should we measure for a new team?",
    "How can I make a difference for dads?",
])
def test_questions_that_ask_how_when_or_with_whom_are_not_effect_questions(question):
    from assistant.answering.composer import asks_effect

    assert not asks_effect(question)


def test_did_it_make_a_difference_leads_with_what_was_found_not_what_the_service_is():
    about = make_passage("eval:0001", "The Parent/Infant Relationship Initiative in Nottinghamshire is a short one-to-one "
                         "intervention for families. It was evaluated by a university team in 2024.", doc_type="report")
    found = make_passage("eval:0002", "On the service's own measures, 80% (62) of parents reported better interaction "
                         "with their baby.", doc_type="report")
    counts = make_passage("figures:0003", "Counts of teams differ slightly between sources of a similar date.",
                          doc_type="report")
    question = "Did the Nottinghamshire parent relationship initiative make a difference for families?"
    composed = answer_for(question, "evidence", [about, found, counts])
    lead = dict(composed.parts)["lead"]
    assert lead.startswith("On the service's own measures, 80% (62)")
    assert "differ slightly" not in composed.text  # the idiom's "difference" is not a topic word
    # asked what it is, the description leads
    lead = dict(answer_for("What is the Nottinghamshire parent relationship initiative?", "fact", [about, found]).parts)["lead"]
    assert lead.startswith("The Parent/Infant Relationship Initiative")


def test_an_idiom_is_not_a_part_of_the_question_left_uncovered():
    from assistant.answering.policy import uncovered_parts

    def stem(w):
        return w.lower().rstrip("s")

    cited = ["Families in the Nottinghamshire initiative reported better parent-infant interaction."]
    question = "Did the Nottinghamshire parent-infant relationship initiative make a difference for families?"
    assert uncovered_parts(question, cited, stem, title="Nottinghamshire parent-infant relationship initiative") == []
    # a clause whose words the cited passages lack is still flagged
    assert uncovered_parts("Did the initiative change the referral thresholds for families?", cited, stem,
                           title="Nottinghamshire parent-infant relationship initiative")


def test_how_something_works_is_not_asking_whether_it_worked():
    from assistant.answering.composer import asks_effect

    assert not asks_effect("How does the Family Hubs funding work?")


def test_a_comparisons_own_wording_is_not_its_topic():
    from assistant.answering.composer import candidates

    side = make_passage("rj:0001", "Parent-infant teams focus on the relationship, while perinatal services focus on the "
                        "mother's own mental health.", doc_type="report")
    word = make_passage("impact:0001", "The launch report showed the positive difference teams make.", doc_type="report")
    r = make_retrieval([(word, 0.6), (side, 0.55)], "q")
    question = "How is a parent-infant team different from a perinatal service?"
    ranked = candidates(r.hits, question, "comparison", IDF, DEFAULT_IDF, None)
    assert not any("differ" in c.weights for c in ranked)
    assert ranked[0].text.startswith("Parent-infant teams focus")
    # asked of another kind, "different" may be the topic ("why do sources give different counts?")
    assert any("differ" in c.weights for c in candidates(r.hits, question, "fact", IDF, DEFAULT_IDF, None))


def test_a_what_first_lead_adds_a_step_on_the_askers_own_situation():
    from assistant.retrieval.retriever import Hit

    cycle = make_passage("study-background:0006", "Commissioning usually rests on one cycle with four stages: understand, "
                         "plan, do, review. The understand stage means identifying local needs and the services in place.",
                         doc_type="study")
    icb = make_passage("hca-2022:0001", "Under the 2022 Act, an integrated care board (ICB) plans perinatal care to meet "
                       "the health needs of its population with a joint forward plan.", doc_type="guidance")
    question = "I've just taken on the perinatal brief at an ICB - what should I do first?"
    hits = [Hit(cycle, 0.6, 0.0, planned=True), Hit(icb, 0.5, 0.0)]
    lead = dict(compose(question, "what_first", hits, IDF, DEFAULT_IDF, [], {}).parts)["lead"]
    assert lead.startswith("Commissioning usually rests on one cycle") and "integrated care board (ICB) plans" in lead
    # the service the question names is not the asker's situation: no definition of a team as a first step
    lead = dict(compose("We have no parent-infant relationship team. What should I do first?", "what_first", hits, IDF,
                        DEFAULT_IDF, [], {}).parts)["lead"]
    assert "integrated care board" not in lead
    # a question that says nothing of its own gets the cycle alone
    lead = dict(compose("What should I do first?", "what_first", hits, IDF, DEFAULT_IDF, [], {}).parts)["lead"]
    assert "integrated care board" not in lead
    # the situated step never cites more passages than allowed
    one = compose(question, "what_first", hits, IDF, DEFAULT_IDF, [], {}, max_cited=1)
    assert len(one.citations) == 1


def test_a_system_not_set_up_for_someone_is_an_obstacle():
    from assistant.answering.composer import INTENT_CUES

    assert INTENT_CUES["barriers"].search("NHS systems are not set up to engage with or support fathers.")
    assert INTENT_CUES["barriers"].search("Fathers are not counted as patients of maternity services.")
    assert not INTENT_CUES["barriers"].search("Fathers' health affects babies' later wellbeing.")


def test_a_sentence_that_sends_the_reader_to_the_source_is_aside():
    from assistant.answering.composer import aside

    pointer = ("Commissioners who need the detail of NG26's video feedback recommendation, such as the number of "
               "sessions, should consult the guideline itself.")
    assert aside(pointer, "What does NICE say about video feedback?")
    assert not aside("NICE recommends video feedback for parents of children at risk of attachment difficulties.",
                     "What does NICE say about video feedback?")
    # a sentence with content of its own that also mentions reading the guidance is not a pointer
    assert not aside("Commissioners should read the guidance alongside their local needs assessment, which must "
                     "include fathers.", "What does NICE say about fathers?")


def test_a_sentence_that_only_announces_a_topic_is_aside():
    from assistant.answering.composer import aside

    q = "Did Covid make commissioners more or less willing to fund these services?"
    assert aside("In their discussion, McSweeney et al. (2025) highlight what commissioners said about the Covid-19 "
                 "pandemic.", q)
    assert not aside("In their discussion, the authors highlight that the pandemic raised demand for support.", q)
    assert not aside("The authors set out what commissioners said: demand rose and services were stretched.", q)
    assert not aside("The review describes what the programme costs: £1,200 per family.", q)  # a figure is content
    assert not aside("Mothers described what helped them most as regular home visits from the same health visitor.", q)
    assert not aside("The toolkit outlines what a team does.", q)


def test_a_comparison_no_source_makes_says_so_first_and_goes_side_by_side():
    """With the gap ``policy.uncompared`` finds, the answer opens by saying no source compares the two, then gives a
    sentence on each side on its own; a sentence that lists both (a ratings look-up) speaks of neither."""
    from assistant.answering.policy import UNCOMPARED

    q = "Is video interaction guidance better than parent-infant psychotherapy?"
    gap = f"{UNCOMPARED}video interaction guidance with parent-infant psychotherapy: no source here compares them directly"
    listing = make_passage("guide:0000", "Check the ratings of video interaction guidance and parent-infant "
                                         "psychotherapy on the live guidebook before relying on them.")
    vig = make_passage("vig:0000", "Video interaction guidance improved parental sensitivity in a review of trials.")
    pip = make_passage("pip:0000", "A trial of parent-infant psychotherapy found no difference in infant development.")
    answer = answer_for(q, "comparison", [listing, vig, pip], not_covered=[gap])
    parts = dict(answer.parts)
    assert parts["not_covered_first"].startswith("**Not in the evidence here:** a head-to-head comparison of video")
    assert parts["not_covered_first"].endswith("**What each says on its own:**")
    assert parts["lead"].startswith("Video interaction guidance improved") and "parent-infant psychotherapy found" in parts["lead"]
    assert "not_covered" not in parts  # said once, first
    plain = dict(answer_for(q, "comparison", [listing, vig, pip]).parts)  # no gap: the ordinary lead
    assert "not_covered_first" not in plain and plain["lead"].startswith("Check the ratings")
    # only one side in what is cited: no promise of both; the gap is said at the end
    one_side = dict(answer_for(q, "comparison", [listing, vig], not_covered=[gap]).parts)
    assert "not_covered_first" not in one_side and "head-to-head comparison" in one_side["not_covered"]


def test_side_by_side_each_side_is_said_by_a_source_about_it_before_one_that_mentions_it_in_passing():
    from assistant.answering.policy import UNCOMPARED

    q = "Is parent-infant psychotherapy better than video feedback?"
    gap = f"{UNCOMPARED}parent-infant psychotherapy with video feedback: no source here compares them directly"
    passing = make_passage("guide:0001", "Commissioners should check the live guidebook rating of parent-infant "
                           "psychotherapy, noting its review date, before quoting it in a business case.",
                           title="Guidebook ratings")
    review = make_passage("pip:0001", "The review found parent-infant psychotherapy improved infant attachment.",
                          title="Parent-infant psychotherapy for improving infant mental health")
    vf = make_passage("vf:0001", "Video feedback improved parental sensitivity in a review of trials.",
                      title="Video feedback for parental sensitivity")
    lead = dict(answer_for(q, "comparison", [passing, vf, review], not_covered=[gap]).parts)["lead"]
    assert lead.startswith("The review found parent-infant psychotherapy improved") and "Video feedback improved" in lead


def test_a_lead_does_not_carry_on_into_a_studys_publication_record():
    """"Compare Family Nurse Partnership with parent-infant psychotherapy" had quoted, after the follow-up's design, who
    published it in which journal with its DOI; a record that also states what was found or judged is kept, and one
    asked for ("who published it?") is the answer."""
    from assistant.answering.composer import only_records

    record = ("The study, by Robling and colleagues at Cardiff University, was published by the NIHR in Public Health "
              "Research in February 2021 (DOI 10.3310/phr09020).")
    assert only_records(record)
    assert not only_records("A protocol by Maxwell and colleagues (https://doi.org/10.3389/fgwh) described the evidence "
                            "as very limited.")
    assert not only_records("The trial found no difference in child-in-need status (published in The Lancet in 2016).")
    assert not only_records("Its best-known trial (Cassidy et al., 2017, published online 12 April 2017, "
                            "https://doi.org/10.1017/S0954579417000244) took place in the USA with 141 mothers.")
    trial = make_passage("fnp:0000", "The BB:2-6 study followed up the Family Nurse Partnership trial children until age "
                         f"seven, using routine records. {record} It linked the children to school data.",
                         title="The Family Nurse Partnership follow-up", design="randomised_trial")
    lead = dict(answer_for("What did the Family Nurse Partnership follow-up do?", "evidence", [trial]).parts)["lead"]
    assert lead.startswith("The BB:2-6 study followed up") and "DOI" not in lead
    asked = dict(answer_for("Who published the Family Nurse Partnership follow-up, and when?", "fact", [trial]).parts)["lead"]
    assert "DOI" in asked


def test_a_question_asking_for_a_named_documents_gist_is_answered_section_by_section():
    """"Rare Jewels: what did it find?" has no topic of its own: the lead is the first sentence of each of the
    document's passages in its order (not when it was published), not the sentence that repeats its title most."""
    from assistant.answering.composer import asks_for_summary
    from assistant.answering.policy import named_document

    title = "Rare Jewels: specialised parent-infant relationship teams in the UK"
    first = make_passage("rare:0000", "Rare Jewels was published on 3 June 2019. Sally Hogg, its author, counted 27 teams in the UK.",
                         title=title)
    second = make_passage("rare:0001", "Most babies lived where no team existed. Rare Jewels, Rare Jewels, Rare Jewels.",
                          title=title)
    third = make_passage("rare:0002", "The report set an ambition of a team everywhere by 2030.", title=title)
    q = "Rare Jewels: what did it find?"
    r = make_retrieval([(third, 0.5), (second, 0.45), (first, 0.4)], q)
    assert named_document(q, r.hits) == "rare"  # the name that opens the question counts
    assert asks_for_summary(q, r.hits, "rare")
    assert not asks_for_summary("What does Rare Jewels say about CAMHS referrals?", r.hits, "rare")
    # a document named by its topic ("the NICE quality standard on children's attachment") is still asked for its gist
    qs = make_passage("qs133:0000", "Statement 1 is about assessment.", title="Children's attachment (NICE quality "
                                                                            "standard QS133) - summary")
    rq = make_retrieval([(qs, 0.5)], "attachment")
    assert asks_for_summary("What does the NICE quality standard on children's attachment say?", rq.hits, "qs133")
    assert not asks_for_summary("What does the NICE quality standard on attachment say about fostering?", rq.hits, "qs133")
    # a title that does not say "NICE guideline": its publisher and what kind of document it is name it, not a topic
    ng = make_passage("ng26:0000", "NG26 is about attachment difficulties.", title="Children's attachment - summary",
                      publisher="National Institute for Health and Care Excellence (NICE)")
    rn = make_retrieval([(ng, 0.5)], "attachment")
    assert asks_for_summary("What does the NICE guideline on children's attachment recommend?", rn.hits, "ng26")
    assert not asks_for_summary("What does the NICE guideline on children's attachment say about adoption?", rn.hits, "ng26")
    lead = dict(compose(q, "named_source", r.hits, IDF, DEFAULT_IDF, [], {}, named="rare").parts)["lead"]
    assert lead.index("Sally Hogg, its author, counted 27 teams") < lead.index("Most babies lived") < lead.index("The report set an")
    assert "published on 3 June" not in lead


def test_a_section_on_how_participants_were_found_is_not_quoted_unless_methods_are_asked():
    """"A second route used commissioner forum groups..." had led "Who do I go to first for NHS money?": a sentence
    of a recruitment section is process whatever its words. A section on recruiting staff is not."""
    methods = make_passage("methods:0001", "A second route used commissioner forum groups where contact details for "
                                           "NHS money questions were shared.",
                           locator="How participants were found: scoping and purposive recruitment")
    staff = make_passage("funding:0003", "Short-term funding makes it hard to recruit staff for NHS money-funded teams.",
                         locator="Funding uncertainty, recruitment and the skilled workforce")
    lead = dict(answer_for("Who do I go to for NHS money?", "how_to", [methods, staff]).parts)["lead"]
    assert "forum groups" not in lead and "recruit staff" in lead
    asked = dict(answer_for("How were the commissioners recruited for the study?", "fact", [methods]).parts)["lead"]
    assert "forum groups" in asked
    counted = make_passage("methods:0004", "In all, 13 commissioners replied and 11 consented to be interviewed.",
                           locator="How many commissioners were interviewed, and data saturation")
    lead = dict(answer_for("How many commissioners took part?", "fact", [counted]).parts)["lead"]
    assert "13 commissioners replied" in lead  # a count under a methods heading is a finding


def test_a_sentence_on_research_history_is_process_not_a_finding():
    """"...later built on the same question, using a behaviour change framework" says how research went on, not what
    stops commissioners: it had followed the study's list of barriers as the answer's second paragraph."""
    from assistant.answering.composer import readable

    assert not readable("The McSweeney et al. study (2025) later built on the same question, using a behaviour change "
                        "framework to pin down barriers a commissioning tool could address.", False)
    assert readable("Commissioners built on the same networks to share what worked for families.", False)


def test_what_a_named_source_concluded_leads_with_its_findings_not_how_it_was_made():
    method = make_passage("ffl:0000", "The 2016 report was the first time the foundation applied its own methods for "
                          "rating the evidence of early years programmes.", doc_type="evidence_review")
    results = make_passage("ffl:0001", "Of the 75 early years programmes in the report, 17 were rated as well evidenced "
                           "and five as having no effect.", doc_type="evidence_review")
    question = "What did the Foundations for Life report conclude about early years programmes?"
    lead = dict(answer_for(question, "named_source", [method, results]).parts)["lead"]
    assert lead.startswith("Of the 75 early years programmes")
    # "where can I find it?" asks for no findings
    from assistant.answering.composer import asks_findings

    assert asks_findings("What did the report conclude?") and not asks_findings("Where can I find the 2016 report?")


def test_a_year_that_labels_or_dates_a_document_is_not_the_period_a_figure_is_for():
    from assistant.answering.composer import period_years

    assert period_years("The 2023 Best Start for Life progress report notes a £12 million fund; the gov.uk page for "
                        "the 2025-26 guide (25 February 2025) counts 13 authorities.") == set()
    assert period_years("For the 2025-26 financial year the programme has £126m in total, set out in a press "
                        "release of 10 January 2025.") == {2025}
    assert period_years("In 2025-26 under the plan, ICBs spent £1m.") == {2025}  # a period, though "plan" follows


def test_a_question_whose_year_names_the_document_it_asks_about_keeps_that_year_in_every_sentence():
    from assistant.answering.composer import asks_period

    assert asks_period("How much family hubs funding is there for 2025-26?")
    assert not asks_period("What did the 2019 Cochrane review of video feedback find?")
    assert not asks_period("What did the 2016 Building Blocks trial find?")
    assert not asks_period("What does the guidance say?")
    review = make_passage("vf:0001", "The 2019 Cochrane review of video feedback found moderate-certainty gains in "
                          "parental sensitivity.", doc_type="evidence_review")
    other = make_passage("vf:0002", "Video feedback trials in 2016 varied in how many home visits families had.",
                         doc_type="evidence_review")
    lead = dict(answer_for("What did the 2019 Cochrane review of video feedback find?", "named_source",
                           [other, review]).parts)["lead"]
    assert lead.startswith("The 2019 Cochrane review")


def test_how_much_for_a_year_leads_with_the_sum_for_that_year_not_one_citing_that_years_guide():
    aside = make_passage("guide-2022:0003", "The 2023 Family Hubs progress report separately notes a £12 million family "
                         "hubs transformation fund for 12 further local authorities; the page for the 2025-26 guide "
                         "counts 13 family hubs funding authorities.", doc_type="guidance")
    total = make_passage("funding-2025-26:0001", "For the 2025-26 financial year the family hubs programme has £126m "
                         "in total.", doc_type="guidance")
    lead = dict(answer_for("How much family hubs funding is there for 2025-26?", "fact", [aside, total]).parts)["lead"]
    assert lead.startswith("For the 2025-26 financial year")


def test_periods_and_labels_of_documents_are_told_apart():
    from assistant.retrieval.periods import asks_period, period_years

    for period in ("£500m for 2025-26 in the Best Start for Life plan", "In 2025-26 the plan allocates £126m",
                   "From 1 April 2025, local authorities receive £126m", "By 2025 the strategy aims to reach every area"):
        assert period_years(period) == {2025}, period
    for label in ("the 2019 Cochrane Review found", "published on 25 November 2019", "the gov.uk page (3 May 2019)"):
        assert period_years(label) == set(), label
    assert not asks_period("What did the 2019 Cochrane Review find?")
    assert not asks_period("What did the committee's 2019 report say?")  # a label in a question needs no "the"
    assert not asks_period("What did a 2016 trial find?")
    assert asks_period("What is the funding for 2026-27?")


def test_a_fact_told_again_in_other_words_is_a_repeat_but_a_new_figure_about_it_is_not():
    from assistant.answering.composer import _similar, telling_figures

    assert telling_figures("nearly 65,000 women in 2025; £1.15bn, or £1.15 Billion; 846 participants") == \
        {"65000", "£1.15bn", "846"}
    assert telling_figures("A survey of 2,006 parents; 12 per cent; £900mn; it rose to 1,250,000.") == \
        {"2006", "12%", "£900m", "1250000"}
    assert telling_figures("95% of women") == {"95%"}  # a share; "95% CI" is a confidence level
    # years, days, confidence levels and numbers in names identify nothing
    assert telling_figures("On 25 June 2025 (95% CI) the 1001 Critical Days group and HC 1496 on the first 1000 "
                           "days") == set()
    said = ("In a Lords debate on 25 June 2025 the minister said a record of nearly 65,000 women had used a specialist "
            "community perinatal mental health service in the 12 months to April.")
    again = ("Answering questions in the Lords, Baroness Merron said nearly 65,000 women had accessed a specialist "
             "community perinatal mental health service.")
    assert _similar(again, said)
    more = ("Of the roughly £8.1bn cost per birth cohort, 72% relates to effects on the child rather than the mother.")
    first = "The 2014 report puts the long-run cost of perinatal mental health problems at roughly £8.1bn per cohort."
    assert not _similar(more, first)  # it adds a figure: a second fact about the first
    other = ("The Lords were told that a record of nearly 65,000 women had been seen, while the Alliance reports 26 "
             "hubs for mothers.")
    assert not _similar("A survey of 2,006 parents found 41% did not know babies' mental health matters.", other)
    # one shared figure and a word or two in two short sentences about different things
    assert not _similar("Only 40% of areas have a team.", "40% of mothers had no support from a team in their areas.")


def test_the_sentence_that_asks_weighs_more_than_the_preamble():
    from assistant.answering.composer import preamble_words

    asked = "I commission early years services in the North East region. Is there a ready-made toolkit for commissioners?"
    assert {"north", "east", "region", "earli"} <= preamble_words(asked)
    # a word the asking sentence uses too is never discounted
    assert "region" not in preamble_words("We are in the North East region. Is there a toolkit for our region?")
    assert preamble_words("Is there a ready-made toolkit for commissioners?") == frozenset()
    # without a "?", which sentence asks is a guess; "(p. 5)" does not end a sentence
    assert preamble_words("Tell me about toolkits for commissioners. I work in the North East.") == frozenset()
    assert preamble_words("What does the Plan (p. 5) say about toolkits?") == frozenset()
    region = make_passage("region:0000", "The North East region had one team in 2021, serving families in one area "
                                         "of the region, and early years services there were stretched.")
    toolkit = make_passage("kit:0000", "A ready-made commissioning toolkit for commissioners is free on the "
                                       "Foundation's website.")
    lead = dict(answer_for(asked, "fact", [region, toolkit]).parts)["lead"]
    assert lead.startswith("A ready-made commissioning toolkit")


def test_how_many_now_leads_with_the_latest_dated_count():
    """"How many PAIR teams exist now?" had led with the framework programme, and "...across the UK now?" with a 2019
    ambition for 2030, which share more of the question's words than the count does."""
    ambition = make_passage("jewels:0003", "Rare Jewels (June 2019) set an ambition that by 2030 specialised "
                                           "parent-infant relationship teams should be available across the UK.")
    old = make_passage("jewels:0000", "Rare Jewels counted 27 specialised parent-infant relationship teams across "
                                      "the UK in 2019.")
    latest = make_passage("update:0001", "The Foundation's December 2025 update gives 51 teams.")
    q = "How many specialised parent-infant relationship teams are there across the UK now?"
    lead = dict(answer_for(q, "fact", [ambition, old, latest]).parts)["lead"]
    assert lead.startswith("The Foundation's December 2025 update gives 51 teams")
    # a count question without "now" is not rearranged
    lead = dict(answer_for("How many teams did Rare Jewels count across the UK?", "fact", [old, latest]).parts)["lead"]
    assert lead.startswith("Rare Jewels counted 27")


def test_a_barrier_group_quotes_a_sentence_on_the_question_or_its_item_or_points_to_the_passage(monkeypatch):
    """The workforce group had quoted "The commissioners also criticised their forums" for a question about fathers:
    one shared word that every passage uses ("commissioners") is not a sentence on the question."""
    monkeypatch.setitem(IDF, "commission", 0.5)
    forums = make_passage("study-forums:0002", "Commissioners said parent-infant teams need fathers' voices. The region "
                          "is mostly rural. The commissioners also criticised their regional forums for meeting too "
                          "rarely.", doc_type="study",
                          com_b=make_tag(by_id()["b-unsure-who-can-support"], "evidence_against", 0.6))
    a = answer_for("How do commissioners make sure parent-infant teams hear fathers' voices?", "how_to", [forums])
    groups = dict(a.parts)["by_barrier"]
    assert "criticised their regional forums" not in groups and "See " in groups


def test_a_best_sentence_that_says_also_keeps_its_passages_order():
    """"Access should also not depend on ethnicity..." had opened a NICE answer, before the principle it adds to;
    a best sentence that stands alone still comes first (an answer leads with its answer)."""
    from assistant.answering.composer import Candidate, leans_back, with_continuations

    nice = make_passage("nice:0000", "The guideline's opening principles stress equal access to attachment help. "
                                     "Access should also not depend on ethnicity or disability.")
    r = make_retrieval([(nice, 0.7)], "access")
    (hit,) = r.hits
    first, second = (Candidate(hit, s, e, t) for s, e, t in passage_sentences(nice.text))
    assert leans_back(second.text) and not leans_back(first.text)
    out = with_continuations([second, first], [first, second])  # the "also" sentence scored best
    assert [c.text[:10] for c in out] == [first.text[:10], second.text[:10]]
    counts = make_passage("counts:0000", "Who is holding the baby? gives 49 teams. The December 2025 update gives 51 teams.")
    (hit,) = make_retrieval([(counts, 0.7)], "teams").hits
    older, newer = (Candidate(hit, s, e, t) for s, e, t in passage_sentences(counts.text))
    assert [c.text[:10] for c in with_continuations([newer, older], [older, newer])] == [newer.text[:10], older.text[:10]]


def test_a_how_long_question_leads_with_a_period_on_its_topic():
    """"How long does the Start for Life funding last?" had opened on a review recommending long-term funding."""
    review = make_passage("review:0000", "The review recommended long-term national funding for the Start for Life "
                                         "programme, so that the Start for Life funding lasts.")
    report = make_passage("report:0000", "The funding was around £300 million for a new 3-year Start for Life programme.")
    r = make_retrieval([(review, 0.7), (report, 0.6)], "start for life funding")
    lead = dict(compose("How long does the Start for Life funding last?", "fact", r.hits, IDF, DEFAULT_IDF, [],
                        {}).parts)["lead"]
    assert lead.startswith("The funding was around £300 million for a new 3-year")
    waiting = dict(compose("How long does the Start for Life funding review take?", "fact", r.hits, IDF, DEFAULT_IDF,
                           [], {}).parts)["lead"]
    assert waiting.startswith("The review recommended")  # a wait or a task's length is not a programme's period


def test_how_the_studys_interviews_were_run_is_aside_unless_methods_are_asked():
    from assistant.answering.composer import aside

    guide = "The final topic guide, published as supplementary material, covered three areas of the commissioner's role."
    assert aside(guide, "Who should I involve when commissioning a parent-infant service?")
    assert not aside(guide, "How was the study's interview topic guide designed?")


def test_the_same_diagnosis_in_other_words_is_a_near_repeat():
    """The opportunity follow-up's lead had given Table 3's diagnosis twice, from two passages (half the words shared)."""
    from assistant.answering.composer import _similar

    a = ("The need for change is framed this way: where commissioners lack supportive relationships with fellow "
         "commissioners and with service providers, their opportunities to commission PAIR services may shrink.")
    b = ("The study's diagnosis is that where commissioners lack supportive relationships with other commissioners "
         "and with service providers, they may have fewer opportunities to commission PAIR services.")
    assert _similar(a, b) and _similar(b, a)
    assert not _similar(a, "Commissioners valued open, honest relationships with providers of PAIR services.")
