"""`ask` on the shipped corpus: the Answer contract field by field, abstention, filters, odd input, follow-ups."""

from __future__ import annotations

import re

import pytest

from assistant.comb.catalogue import consistency_problems
from assistant.comb.taxonomy import SUBCOMPONENTS
from assistant.models import ComBTag, Filters

ANSWER_KEYS = {"question", "answer", "abstained", "citations", "timings_ms"}
ANSWER_EXTENSIONS = {"standalone_question", "notices", "suggestions", "intent", "scope", "not_covered", "markers"}
CITATION_KEYS = {"n", "passage_id", "doc_id", "title", "publisher", "year", "url", "doc_type", "locator", "text", "score", "com_b",
                 "spans", "strength"}
COMB_KEYS = {"component", "subcomponent", "polarity", "confidence", "barrier", "intervention_functions", "policy_categories",
             "level", "relation", "item", "other_options"}


def check_comb(tag: dict):
    assert COMB_KEYS <= set(tag) <= COMB_KEYS | {"items", "reviewed"}  # optional: items of a table passage; reviewed, a reader's label
    assert tag.get("reviewed", True) is True  # present only when true
    assert "items" not in tag or (len(tag["items"]) >= 2 and tag["items"][0] == tag["item"])
    assert tag["component"] in ("capability", "opportunity", "motivation", "none")
    assert tag["subcomponent"] in (*SUBCOMPONENTS, None)
    assert tag["polarity"] in ("barrier", "enabler", "neutral")
    assert 0.0 <= tag["confidence"] <= 1.0
    assert isinstance(tag["intervention_functions"], list) and isinstance(tag["policy_categories"], list)
    assert tag["barrier"] is None or isinstance(tag["barrier"], str)
    assert consistency_problems(ComBTag.from_dict(tag)) == []
    if tag["item"] is None:
        assert tag["relation"] == "none" and tag["polarity"] == "neutral" and tag["intervention_functions"] == []
    elif tag["level"] == "system":
        assert tag["component"] == "none" and tag["intervention_functions"] == []  # never forced into C, O or M
    else:
        assert tag["subcomponent"].endswith(tag["component"]) and tag["intervention_functions"]
    assert not {"coercion", "restriction"} & set(tag["intervention_functions"])  # the study's Table 3 proposes neither


def test_answer_contract_field_by_field(shipped):
    ans = shipped.ask("What would help my board fund a parent-infant team?").to_dict()
    assert ANSWER_KEYS <= set(ans) and set(ans) - ANSWER_KEYS <= ANSWER_EXTENSIONS
    assert ans["intent"] == "how_to" and ans["scope"] in ("in", "partial")
    assert ans["question"] == "What would help my board fund a parent-infant team?"
    assert ans["abstained"] is False
    assert 1 <= len(ans["citations"]) <= 5
    assert set(ans["timings_ms"]) >= {"retrieve", "total"} and ans["timings_ms"]["total"] >= ans["timings_ms"]["retrieve"] > 0
    passages = {p.passage_id: p for p in shipped.retriever.passages}
    for i, c in enumerate(ans["citations"], start=1):
        assert set(c) - {"superseded_by", "superseded_by_title"} == CITATION_KEYS
        assert c["n"] == i
        p = passages[c["passage_id"]]
        assert c["text"] == p.text and c["doc_id"] == p.doc_id and c["locator"] == p.locator  # exactly as indexed
        assert isinstance(c["year"], int) and c["url"].startswith("http") and c["doc_type"] in ("study", "guidance", "evidence_review", "report", "framework")
        assert 0 < c["score"] <= 1
        check_comb(c["com_b"])
    # the contract's markers are exactly the answer's citation markers
    assert [ans["answer"][a:b] for a, b in ans["markers"]] == re.findall(r"\[\d+\]", ans["answer"])
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans["answer"])}
    assert markers and markers <= {c["n"] for c in ans["citations"]}
    assert markers == {c["n"] for c in ans["citations"]}  # only passages the answer uses are cited
    # every span is text the answer uses, copied from its passage
    for c in ans["citations"]:
        assert c["spans"], c["passage_id"]
        for start, end in c["spans"]:
            assert " ".join(c["text"][start:end].split()) in " ".join(ans["answer"].split())


def test_citations_carry_real_comb_tags(shipped):
    ans = shipped.ask("What stops commissioners funding parent-infant services?")
    tagged = [c for c in ans.citations if c.com_b.item]
    assert len(tagged) >= 2, "barrier passages from the study must be linked to its catalogue"
    # a general barriers question names every barrier of the study's Table 1, by component, as the table words it
    assert ans.answer.startswith("The study names 10 barriers to commissioning PAIR services (McSweeney et al. 2025, Table 1):")
    for heading in ("**Capability (knowledge and skills):**", "**Motivation (awareness and priorities):**", "**System level**"):
        assert heading in ans.answer
    assert "Funding is short term [" in ans.answer and "Showing impact and value for money is difficult [" in ans.answer


def test_a_general_enabler_question_names_every_enabler_of_the_studys_table_2(shipped):
    ans = shipped.ask("What helps commissioners fund parent-infant services?")
    assert ans.answer.startswith("The study names 12 enablers of commissioning PAIR services (McSweeney et al. 2025, Table 2):")
    for row in ("Understanding the needs of the population [", "Faster response times [", "A whole systems approach is needed ["):
        assert row in ans.answer
    follow = shipped.ask("Which of those are system level?", history=[
        {"role": "user", "content": "What helps commissioners fund parent-infant services?"}])
    assert follow.answer.startswith("Of the enablers the study names (McSweeney et al. 2025, Table 2), 3 are system level")


def test_a_what_is_question_is_answered_with_a_definition(shipped):
    """The passage that defines a term ranks below the many that use it, for the question alone: once the
    question is in scope it is searched for as "(definition of X)", and a defining sentence leads."""
    assert shipped.ask("What is commissioning?").answer.startswith(
        "The McSweeney et al. (2025) study adopts a definition of commissioning")
    assert shipped.ask("What is infant mental health?").answer.startswith(
        "McSweeney and colleagues (2025) define infant mental health")
    assert shipped.ask("What is neonatal jaundice?").abstained  # out of scope stays refused


def test_a_question_naming_a_document_by_its_title_is_answered_from_it(shipped):
    """A short question about a named programme places poorly; its document still answers it, unless the question
    has a word the corpus never uses; a UK nation the cited evidence never names is stated as not covered."""
    circle = shipped.ask("Is Circle of Security effective?")
    assert not circle.abstained and circle.citations[0].doc_id == "smaller-trials-mellow-babies-circle-of-security"
    assert shipped.ask("What does the Building Blocks trial say about dentistry?").abstained
    scotland = shipped.ask("Is video feedback recommended in Scotland?")
    assert scotland.scope == "partial" and "Scotland: none of the cited evidence is about it" in scotland.not_covered


def test_every_indexed_passage_tag_agrees_with_the_catalogue(shipped):
    """No tag contradicts the catalogue: component and level follow the item, polarity the relation; and a
    passage that states the study's own coding of an item is tagged as it says."""
    problems = [f"{p.passage_id}: {'; '.join(x)}" for p in shipped.retriever.passages
                if (x := consistency_problems(p.com_b))]
    assert not problems, "\n".join(problems)
    stated = [(p, coding) for p in shipped.retriever.passages for coding in stated_codings(p.text)]
    assert len(stated) >= 3
    wrong = [f"{p.passage_id} says {item} is {comp}, tagged {p.com_b.component}/{p.com_b.level}"
             for p, (item, comp) in stated if p.com_b.item == item and
             (p.com_b.level != "system" if comp == "N/A" else p.com_b.component != comp)]
    assert not wrong, "\n".join(wrong)


def test_a_passage_a_reader_labelled_is_indexed_with_that_label(shipped):
    """The index keeps the hand labels of the training passages (comb.tagger.reviewed_tag), and only theirs."""
    from assistant.comb.tagger import _training_passages

    labels = {r["passage_id"]: (r["item"], r["relation"]) for r in _training_passages()}
    indexed = {p.passage_id: p.com_b for p in shipped.retriever.passages}
    assert set(labels) <= set(indexed)
    assert all(indexed[pid].reviewed and (indexed[pid].item, indexed[pid].relation) == label
               for pid, label in labels.items())
    assert not any(tag.reviewed for pid, tag in indexed.items() if pid not in labels)  # the gold passages' are the tagger's


@pytest.mark.parametrize("q", ["What is the best recipe for sourdough bread?", "What dose of sertraline is safe while breastfeeding?",
                               "Which football team won the Premier League in 2019?"])
def test_off_topic_abstains_with_suggestions(shipped, q):
    ans = shipped.ask(q)
    assert ans.abstained and ans.citations == [] and "does not cover" in ans.answer


@pytest.mark.parametrize("q", ["I commission parent-infant relationship services for our ICB. What will the weather be like tomorrow?",
                               "I'm new to commissioning perinatal mental health services. Can you recommend a good recipe for bread?"])
def test_an_off_topic_question_after_an_on_topic_preamble_abstains(shipped, q):
    assert shipped.ask(q).abstained


@pytest.mark.parametrize("q", ["Who is the chief executive of NHS England?",
                               "What is the recommended vaccination schedule for babies in their first year?"])
def test_a_question_asking_for_a_thing_no_cited_sentence_speaks_of_is_refused_by_name(shipped, q):
    """The corpus speaks of NHS England and of vaccination coverage, so the gate lets these through; what they ask
    for (a chief executive, a schedule) is in no sentence the answer would cite."""
    ans = shipped.ask(q)
    assert ans.abstained and ans.citations == [] and "does not speak of the" in ans.answer


def test_a_who_or_current_question_the_evidence_speaks_to_is_answered(shipped):
    ans = shipped.ask("Who are the key professionals in a baby's life, according to commissioners?")
    assert not ans.abstained and ans.citations


def test_a_question_whose_topic_is_in_its_preamble_is_answered_from_it(shipped):
    ans = shipped.ask("We've only got one year of grant money. How do I use it without setting up something that just collapses?")
    assert not ans.abstained and ans.citations
    assert any(c.doc_id == "study-theme-funding-process" for c in ans.citations)  # the funding theme the preamble names


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
    ans = shipped.ask("Does video feedback work?", filters=Filters(designs=["systematic_review", "randomised_trial"]))
    assert ans.citations and all(c.strength["design"] in ("systematic_review", "randomised_trial") for c in ans.citations)


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


CODING = re.compile(r"(?:coded|codes it|coding it|coded to|mapped to)\s+(?:as\s+)?(N/A|capability|opportunity|motivation)", re.I)


def stated_codings(text: str) -> list[tuple[str, str]]:
    """(catalogue item, coding) for each sentence that names an item in the study's wording and states its code."""
    from assistant.comb.tagger import named_item
    from assistant.ingest.chunking import split_sentences

    out = []
    clauses = [c for sentence in split_sentences(text) for c in re.split(r";|, and |, while |: ", sentence)]
    for sentence in clauses:
        m = CODING.search(sentence)
        item = named_item(sentence) if m else None
        if item is not None:
            code = m.group(1)
            out.append((item.id, "N/A" if code.upper() == "N/A" else code.lower()))
    return out


def test_local_and_partly_covered_questions_say_what_is_not_covered(shipped):
    local = shipped.ask("What are the waiting times for the parent-infant service in Sunderland?")
    assert local.scope == "out" and (local.abstained or "does not cover" in local.answer)
    partial = shipped.ask("How many parent-infant teams are there in the UK, and what colour are their logos?")
    assert not partial.abstained and partial.scope == "partial" and partial.not_covered == ["what colour are their logos"]
    assert partial.answer.endswith("**What the evidence here does not cover:** what colour are their logos.")
    first = shipped.ask("What should I do first?")
    assert not first.abstained and first.intent == "what_first"


def test_a_2026_question_gets_the_2026_guidance_first(shipped):
    new = shipped.ask("What funding replaces Family Hubs and Start for Life from April 2026?")
    assert new.citations[0].doc_id == "best-start-family-hubs-healthy-babies-2026"
    old = shipped.ask("How much Family Hubs funding is there for perinatal mental health in 2025-26?")
    assert old.citations[0].doc_id == "family-hubs-start-for-life-funding-2025-26"  # demoted, never hidden
    assert old.citations[0].superseded_by == "best-start-family-hubs-healthy-babies-2026"
    assert old.citations[0].superseded_by_title.startswith("Best Start Family Hubs")


def test_a_question_about_making_the_case_brings_in_the_value_for_money_evidence(shipped):
    """The study's Table 3: making the case is showing impact and value for money (capability); the cost and
    savings figures share few words with "make the case to my board", so the plan searches for them."""
    a = shipped.ask("How do I make the case to my ICB board for a parent-infant team?")
    value = [c for c in a.citations if c.com_b.item == "b-hard-to-show-impact" and c.com_b.relation == "evidence_against"]
    assert value and any("£" in c.text for c in value)
    lead = a.answer.split("\n\n")[1]  # after the study's steps: the economic case, not what an ICB is
    assert "£" in lead and "integrated care board (ICB)" not in lead


def test_a_business_case_question_about_one_figure_leads_with_that_figure(shipped):
    """"£900m" in the question is "£900 million" in the passage (one amount, one token pair), and a best hit that
    is itself the evidence for the case leads, rather than the reach figures the plan adds beside it."""
    a = shipped.ask("Should the Parent-Infant Foundation's £900m annual saving go in our business case?")
    lead = a.answer.split("\n\n")[1]  # after the study's steps
    assert "£900 million" in lead
    assert a.scope == "in"  # "£900m" is covered by the passage that says "£900 million"


def test_answers_are_the_same_whatever_the_hash_seed(shipped):
    """Python salts string hashes per process, so iterating a set of words orders float sums differently from
    run to run; near-tied sentences then swapped places, and 'Is there evidence video feedback works?' led with
    another sentence under some seeds (seen with PYTHONHASHSEED=4). Two processes, two seeds, the same answers."""
    import json
    import os
    import subprocess

    from tests.support import PY

    questions = ["Is there evidence video feedback works?", "What stops commissioners funding parent-infant services?",
                 "How do I make the case to my board for a parent-infant team?"]
    script = ("import json, sys\nfrom assistant.api import EvidenceAssistant\na = EvidenceAssistant.open(build_if_missing=False)\n"
              "print(json.dumps([a.ask(q).answer for q in json.loads(sys.argv[1])]))")
    runs = []
    for seed in ("1", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "ASSISTANT_HOME": str(shipped.settings.home),
               "ASSISTANT_CORPUS": str(shipped.settings.corpus)}
        out = subprocess.run([PY, "-c", script, json.dumps(questions)], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert all(runs[0]) and runs[0] == runs[1]


def test_a_named_council_is_covered_only_when_the_corpus_names_that_council(shipped):
    """The corpus mentions Sheffield once, in passing, and names Kent County Council as a body with its own record:
    a question about Sheffield City Council's spending is out of scope, one about Kent County Council is not."""
    sheffield = shipped.ask("How much does Sheffield City Council spend on its parent-infant team?")
    assert sheffield.scope == "out"
    kent = shipped.ask("What has Kent County Council put into its Start for Life offer?")
    assert not kent.abstained and kent.scope != "out" and "Kent County Council" in kent.answer


def test_the_policy_decisions_reach_the_answer(shipped):
    """The answering policy's decisions, through ``ask`` on the shipped corpus: a title written out in lower case
    lifts the two-per-document cap; a named place's own service is said first to be not covered; a follow-up's own
    words decide its intent; the index of capitalised names matches whole words only."""
    evals = "local-evaluations-parent-infant-services-piri-newpip"
    titled = shipped.ask("Are there local evaluations of parent-infant relationship services in England we could learn from?")
    assert sum(c.doc_id == evals for c in titled.citations) >= 3
    assert shipped.retriever.documents_mentioning("Nottinghamshire") == {evals}
    assert shipped.retriever.documents_mentioning("Nottingham") == frozenset()  # not inside "Nottinghamshire"
    local = shipped.ask("Can we refer a family to the Cambridge parent-infant service?")
    assert local.scope == "out" and local.answer.startswith("**Not covered here (the evidence is national):** Cambridge's")
    # a barriers question naming a place is answered by the national evidence first, the place said last
    national = shipped.ask("What stops commissioners in Sunderland funding parent-infant services?")
    assert national.intent == "barriers" and not national.answer.startswith("**Not covered")
    assert "**What the evidence here does not cover:** Sunderland's own services" in national.answer
    first = shipped.ask("Why don't ICBs commission parent-infant relationship services?")
    assert first.intent == "barriers"
    history = [{"role": "user", "content": first.question, "metadata": {"standalone": first.standalone_question}},
               {"role": "assistant", "content": first.answer}]
    follow = shipped.ask("What does the study propose for those?", history=history)
    assert follow.intent == "how_to" and follow.answer.startswith("**What you can do**")
    # a programme named by an acronym few documents use is answered, below the threshold, from its trial; and
    # whether it is cost-effective is said to be not covered
    vipp = shipped.ask("Is VIPP-SD cost effective?")
    assert not vipp.abstained and vipp.citations[0].doc_id == "healthy-start-happy-start-vipp-sd-trial-2021"
    assert "whether it is cost-effective" in vipp.answer.split("**What the evidence here does not cover:**")[1]
    # a comparison draws on both sides it names
    both = shipped.ask("Compare Family Nurse Partnership and video feedback for attachment.")
    assert {"building-blocks", "video"} <= {w for c in both.citations for w in ("building-blocks", "video") if w in c.doc_id}
    # "the Best Start for Life vision" is the vision, not its progress report
    vision = shipped.ask("What does the Best Start for Life vision say about the first 1001 days?")
    assert vision.citations[0].doc_id == "best-start-for-life-vision-2021"
