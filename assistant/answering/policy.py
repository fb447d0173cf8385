"""Every rule that decides whether, and from what, the assistant answers: abstention, which passages may be
cited, and the language check. Thresholds come from :class:`assistant.settings.Settings` (tuned values are
described there); nothing else in the package decides these things.

The rules, in the order they apply (the empty-question and length checks are in ``api.EvidenceAssistant.ask``):
1. An empty question is refused with a prompt to ask one; an over-long one is cut, with a notice.
2. A question that a language identifier (py3langid) reads as not English, with confidence, is refused: the
   evidence is in English.
3. Abstain when the best passage is far from the question (top cosine < ``abstain_threshold``). A question of
   several sentences is judged by its most on-topic sentence when the whole falls short (``on_topic_part``): a
   preamble often carries the topic that the asking sentence leaves out.
4. Abstain when the question hinges on a specialist word the corpus never uses (a word the model's vocabulary
   splits into pieces) and the match is below threshold + ``rare_margin``.
5. Abstain when it has a word the corpus never uses and the match is below threshold + ``unknown_margin``;
   with two or more such words, below threshold + 2 x ``unknown_margin``.
6. Cite only passages within ``relative_gap`` of the best and above the threshold, at most ``max_per_doc``
   from one document: an answer is never padded with loosely related passages.
7. Intent (INTENT_RULES) picks the answer plan (``plan_hits``, ``order_cited``); a local or operational question
   is refused unless the national evidence is clearly close, and otherwise flagged ``scope`` "out"; a "what
   first" question is never refused; the parts of a question nothing cited supports are named
   (``uncovered_parts``, ``named_places``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.followups import NEW_TOPIC, SELECTION, earlier_question, own_words
from assistant.answering.places import is_uk_place, places_in_lower_case
from assistant.retrieval.acronyms import WRITTEN_ACRONYM, idiom_words, long_form, without_listed_idioms
from assistant.retrieval.periods import HORIZON, MONTHS, years_in
from assistant.retrieval.retriever import CAPITALISED_WORD, Hit, Retrieval
from assistant.settings import Settings
from assistant.text import STOPWORDS, asking_sentences, content_words, one_slip_from, sentences_of, term, tokens

MIN_WORDS_FOR_LANGUAGE = 4  # shorter questions are too short to identify a language reliably
LANGUAGE_CONFIDENCE = 0.9


# Capitalised words that many titles share: naming them names no document ("Do Parent-Infant teams ...?")
GENERIC_TITLE_WORDS = frozenset("Parent Infant Relationship Relationships Team Teams Service Services Foundation "
                                "Health Mental Care Children Families Babies Baby Early Life Start Best National UK England "
                                "NHS Report Review Guidance Guide The A An Of For And In On What How".split())
CODE = re.compile(r"\b[A-Z]{2,}\d+\b")  # NG26, QS133, CG192: a guideline's own code


CAPITALISED = CAPITALISED_WORD  # the one definition, shared with the retriever's index of names


def capitalised(text: str) -> set[str]:
    """The capitalised words of a text, its first word included (callers strip opening words: ``OPENING``)."""
    return set(CAPITALISED.findall(text))


def asked_capitals(question: str) -> set[str]:
    """The capitalised words of a question less the words that open it ("What", "Does the"): a name that opens
    it stays ("Rare Jewels: what did it find?" names Rare Jewels; cutting its first letter had lost "Rare")."""
    return capitalised(OPENING.sub("", question.strip()))


def title_named(question: str, hits) -> str | None:
    """The document a question names by its title, strictly: two distinctive capitalised words of the title
    ("Circle of Security"), or its code ("NG26"); never by its publisher or by words many titles share."""
    asked = asked_capitals(question) - GENERIC_TITLE_WORDS
    if not asked:
        return None
    for hit in hits:
        title = capitalised(hit.passage.meta.title) - GENERIC_TITLE_WORDS
        shared = asked & title
        if len(shared) >= 2 or any(CODE.fullmatch(w) for w in shared):
            return hit.passage.doc_id
    return None


def is_acronym(word: str) -> bool:
    """NICE, VIPP, QS133: three or more characters, every letter a capital."""
    return word.isupper() and len(word) >= 3


FEW_DOCUMENTS = 5  # an acronym this few documents use names a programme or study, not a body every document cites


def acronym_named(question: str, hits, documents_mentioning) -> str | None:
    """The top hit's document when the question names a programme by an acronym that document and at most a few
    others use ("Does VIPP-SD work?", "Is FNP worth it?"): a short question of acronyms places poorly on the
    embedding, whose word pieces do not know them, although the corpus has passages on what is asked; never
    for an acronym many documents use (NHS, NICE, ICB)."""
    return top_named_by(question, hits, documents_mentioning,
                        lambda word, docs, top: is_acronym(word) and top in docs and len(docs) <= FEW_DOCUMENTS)


def threshold(r: Retrieval, s: Settings, named: str | None = None) -> float:
    """The top cosine below which the assistant abstains: ``abstain_threshold``, or ``named_margin`` lower when the
    best passage belongs to ``named``, the document the question names by its title (``title_named``: a short
    question about a named programme, "Is Circle of Security effective?", places poorly, but the corpus has a
    document on it), unless a question word is one the corpus never uses."""
    if named is not None and r.hits and r.hits[0].passage.doc_id == named and not (r.unknown_terms or r.rare_terms):
        return s.abstain_threshold - s.named_margin
    return s.abstain_threshold


def should_abstain(r: Retrieval, s: Settings, named: str | None = None) -> bool:
    """Rules 3-5 above (``named``: see ``threshold``)."""
    if r.top_similarity < threshold(r, s, named):
        return True
    t = s.abstain_threshold
    if r.rare_terms and r.top_similarity < t + s.rare_margin:
        return True
    if r.unknown_terms and r.top_similarity < t + s.unknown_margin:
        return True
    return len(r.unknown_terms) >= 2 and r.top_similarity < t + 2 * s.unknown_margin


PART_MIN_WORDS = 4  # a sentence of a longer question shorter than this ("Thanks.", "Quick one.") is never searched alone
MAX_PARTS = 4  # sentences searched alone at most (the asking sentence and those just before it): a bounded cost


def question_parts(question: str) -> list[str]:
    """The sentences of a question of two or more (each of at least PART_MIN_WORDS words); [] for a one-sentence
    question."""
    parts = [x for x in sentences_of(question) if len(x.split()) >= PART_MIN_WORDS]
    return parts if len(parts) >= 2 else []


# "What kinds of intervention might shift that?", "What would help?": asks what to do (a how-to)
WHAT_WOULD_HELP = (r"what (?:(?:kinds?|sorts?|types?) of [\w-]+(?: [\w-]+)? )?(?:might|could|would|can) "
                   r"(?:help|shift|fix|tackle|address|overcome|ease|solve)")
# an asking sentence that points back at the one before it: "How do I use it...?" after "We've only got a year of
# grant money."; "that" only at the sentence's end ("...shift that?"): inside it, it is as often "something that
# collapses" as a pointer
POINTS_BACK = re.compile(r"\b(?:it|its|this|these|those|they|them|their|such)\b|\bthat\W*$", re.I)
# ...and asks what to do about it: "Is it going to rain on them tomorrow?" or "What time does their canteen close?"
# after an on-topic preamble point back too, and are not about the preamble's topic
ASKS_WHAT_TO_DO = re.compile(r"\b(?:how|what|where|who|when|which \w+) (?:do|can|should|could|would|might|must) (?:i|we)\b|"
                             r"\b(?:should|can|could|do) (?:i|we)\b|\bis (?:it|this|that) (?:worth|enough|possible|wise|right)\b|"
                             # ...only what would help with the preamble's matter: "What might help them win the cup
                             # on Saturday?" after an on-topic preamble asks about something else
                             r"\b" + WHAT_WOULD_HELP + r" (?:that|this|it|them|these|those)\W*$", re.I)


def on_topic_part(question: str, search, s: Settings) -> Retrieval | None:
    """For a question of several sentences that rules 3-5 would refuse as a whole, and whose asking sentence points
    back at what comes before it (``POINTS_BACK``) and asks what to do (``ASKS_WHAT_TO_DO``): the retrieval of its
    most on-topic sentence (of the last MAX_PARTS), if that sentence alone is in scope. "We've only got one year of grant money. How do I use it without setting up something that
    just collapses?" scored 0.32 as a whole (the second sentence alone 0.11), its first sentence 0.40: the topic is
    in the preamble. An asking sentence that stands on its own ("I commission parent-infant services. Who won the
    football?") is what is asked, and is refused. ``search(text)`` is the retriever's search."""
    parts = question_parts(question)
    if not any(POINTS_BACK.search(x) and ASKS_WHAT_TO_DO.search(x) for x in asking_sentences(parts)):
        return None
    best = None
    for part in parts[-MAX_PARTS:]:
        r = search(part)
        if not should_abstain(r, s) and (best is None or r.top_similarity > best.top_similarity):
            best = r
    return best


def distinct_names(question: str, documents_mentioning) -> frozenset[str]:
    """The capitalised words of the question that one document alone uses ("What does Nesta fund?": only the Centre
    for Young Lives note mentions Nesta), leaving out words common in titles (``GENERIC_TITLE_WORDS``): what
    ``distinctive_document`` and ``select_hits`` read a question's names by."""
    # a sentence's first word ("Ideally, ...") is capitalised anyway; "Nesta's" is Nesta
    inside = re.sub(r"(?:^|(?<=[.!?]))\s*[\w'-]+", " ", question)
    words = {re.sub(r"['’]s$", "", w) for w in capitalised(inside)} - NOT_PLACES
    return frozenset(w for w in words if w not in GENERIC_TITLE_WORDS and len(documents_mentioning(w)) == 1)


def select_hits(r: Retrieval, k: int, s: Settings, named: str | None = None, titled: str | None = None,
                names: frozenset[str] = frozenset()) -> list[Hit]:
    """Rule 6: best-ranked passages, at most ``max_per_doc`` per document (unless the question names the
    document: ``named``, or ``titled`` when its passage leads), none far weaker than the best. Only the passages of
    ``titled``, the document the question names by its title or a rare acronym, may fall below
    ``abstain_threshold``, when its passage leads; and, wherever it ranks, a passage that writes a name of the
    question only one document uses (``names``: ``distinct_names``), down to the same margin and beside the
    ``max_per_doc`` cap: "What does Nesta fund?" had lost the one passage on Nesta (0.35) to passages on funding."""
    chosen: list[Hit] = []
    per_doc: dict[str, int] = {}
    # the question is about the titled document (its passage leads, and no question word is unknown): its passages
    # are on the question's topic well below the usual threshold ("Does VIPP-SD work?" had lost the trial's results,
    # 0.23), down to twice the named margin below it, so its reference list does not fill the pool
    about_titled = titled is not None and threshold(r, s, titled) < s.abstain_threshold
    for hit in r.hits:
        if len(chosen) >= k:
            break
        on_topic = ((about_titled and hit.passage.doc_id == titled)
                    or any(re.search(rf"\b{re.escape(w)}\b", hit.passage.text) for w in names))
        if on_topic:
            t = s.abstain_threshold - 2 * s.named_margin
        else:
            t = s.abstain_threshold if hit.planned else max(s.abstain_threshold, r.top_similarity - s.relative_gap)
        if not hit.overview and hit.score < t:
            continue
        if hit.passage.doc_id != named and not on_topic and not hit.overview and per_doc.get(hit.passage.doc_id, 0) >= s.max_per_doc:
            continue
        per_doc[hit.passage.doc_id] = per_doc.get(hit.passage.doc_id, 0) + 1
        chosen.append(hit)
    return chosen


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def looks_non_english(text: str, known_stems=None) -> bool:
    """Rule 2: True when py3langid says, with confidence, that a question of a few words is not English.
    A question every content word of which the (English) corpus uses is English without asking the identifier:
    loading its model is 0.4 s of a one-question process's start."""
    text = re.sub(r"<[^>]*>", " ", text)  # markup is not language
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "a" <= c.lower() <= "z")
    if latin / len(letters) < 0.5:
        return True  # mostly non-Latin script
    if len(re.findall(r"[^\W\d_]+", text)) < MIN_WORDS_FOR_LANGUAGE:
        return False
    if known_stems is not None:
        words = content_words(text)
        if words and all(term(w) in known_stems for w in words):
            return False
    lang, confidence = _identifier().classify(text)
    return lang != "en" and confidence >= LANGUAGE_CONFIDENCE


# -- what is asked (intent) ------------------------------------------------------------------------------
# Rules, tried in this order; the first that matches decides. Each intent has its own answer plan in the
# composer. Tested one by one in tests/unit/test_policy.py.
# "Why should an ICB care about babies' relationships?", "Why should ICBs and councils invest...?": the case for
# investing, asked directly (a how-to about making the case); "Why do parents care?" is not
# who decides on funding, in the singular: the intent rules below match each with its plural, and an "Also" line
# sharing only these with the question is not on its topic (composer.ACTORS)
DECIDERS = ("icb", "integrated care board", "board", "council", "commissioner", "local authority", "leader")
_DECIDERS = "(?:" + "|".join(d[:-1] + "(?:y|ies)" if d.endswith("y") else d + "s?" for d in DECIDERS) + ")"
_SOME = r"(?:(?:the|our|my|many|most|some|local) )?"
WHY_CASE = (r"why (?:should|would|must) (?:(?:an?|the|my|our) )?(?:local )?(?:" + _DECIDERS + r"(?:'s board)?"
            r"(?: (?:and|or) (?:(?:the|our) )?" + _DECIDERS + r")?|we|i) (?:care|invest|fund|pay|prioriti[sz]e|bother)")
# a question about the running of one's own service is local; one asking what should be done, or what the evidence,
# guidance or a standard says, is not, whatever it says of "our" service
OWN_RUNNING_GUARD = (r"^(?![^?]*\b(?:should|ought|could|would|need to|needs to|according to (?!our|my)|evidence|recommend\w*|"
                     r"guidance|guidelines?|standards?|best practice|good practice|typically|usually|national)\b)[^?]*?")
# "Where do I find out how many babies in my area need support?" asks how to estimate local need (a how-to the
# evidence answers: prevalence estimates and a needs assessment), not for the figure itself; "how do I find out how
# many families are waiting in my area?" or "who runs the team in my area?" are local
_ESTIMATING = r"\b(?:find out|work out|estimate|calculate)\b[^?]*\bhow "
_NEEDING = r"\b[^?]*\b(?:need|needs|needing|eligible|at risk)\b"
ESTIMATING_NEED = _ESTIMATING + r"(?:many|much)" + _NEEDING
FINDING_OUT_GUARD = r"^(?![\s\S]*" + ESTIMATING_NEED + r")[\s\S]*?"
ESTIMATING_NEED_RE = re.compile(ESTIMATING_NEED, re.I)
# ...of which "how many babies need support?" asks for the reach and prevalence evidence; "how much a team needs to
# cost" does not
NEED_COUNTED = re.compile(_ESTIMATING + "many" + _NEEDING, re.I)
# record systems a commissioner's or provider's staff log their work on ("On RiO, where do I log...?")
RECORD_SYSTEMS = r"(?:rio|systmone|emis|lorenzo|mosaic|liquidlogic|eclipse)"
# one's own figures now, as against an estimate the evidence gives
NOW_PERIOD = r"(?:right now|at the moment|currently|so far|(?:this|last) (?:year|quarter|month|week))"
INTENT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("local", re.compile(
        r"\b(waiting (?:time|list)s?|wait(?:s|ing)? for|referral (?:criteria|route|pathway|process|form)s?|how (?:do|can) (?:i|we) refer|"
        r"procurement (?:act|law|rules|threshold)|"
        r"tender(?:ing)? threshold|procurement (?:route|process|regime|option)s?|which procurement|provider selection regime|"
        r"direct[- ]award|agenda for change|pay band|band \d|salary|salaries|pay (?:scale|rate|level|grade)s?|"
        r"how much (?:do|does|are|is|will) (?:[\w'-]+ ){0,4}(?:get )?(?:paid|earn)|opening (?:hours|times)|phone number|"
        # a job of one's own ("apply for a health visitor job"); workforce vacancies and adverts in general are evidence
        r"appl(?:y|ying|ied) for (?:an?|the|this|that) (?:[\w'-]+ ){0,3}(?:job|post|role)\b(?!-)|job (?:applications?|interviews?)|"
        r"near me|" + FINDING_OUT_GUARD + r"in my area|local provider|referrals?\b.{0,60}\b(?:last|this) (?:year|month|quarter)|"
        # one's own contract, tender or agreement to run ("extend it by contract variation", "the evaluation panel
        # for our tender", "a section 75"), or a post to write
        r"contract variations?|vary (?:the|our|my|this) contract|(?:go|going|gone) (?:out )?to tender|evaluation panel|"
        # one's own records: "On RiO, where do I log a joint home visit?" (a named record system, or one's own)
        + OWN_RUNNING_GUARD + r"where (?:do|can) (?:i|we) (?:log|record|enter|upload|input) [^?]*\b(?:on|in|into) (?:"
        + RECORD_SYSTEMS + r"|(?:our|my|the) (?:[\w-]+ )?(?:system|database|records?|dashboard|spreadsheet))\b|"
        r"\b(?:on|in) " + RECORD_SYSTEMS + r"\b[^?]*\bwhere (?:do|can) (?:i|we) (?:log|record|enter|upload|input)\b|"
        # a named district's, council's or ICB's own figures now ("bolsover - how much is the district putting into
        # perinatal mental health this year?"); not what an evaluation or guidance reports of one
        + OWN_RUNNING_GUARD + r"(?:how many|how much)\b[^?]*\bthe (?:borough|district|county|council|icb|ics|la|locality|"
        r"patch|footprint)\b[^?]*\b" + NOW_PERIOD + r"|"
        r"scoring (?:weights|criteria|matrix)|tender (?:documents?|scoring|evaluation|specification)|section 75|s75|"
        r"job descriptions?|person spec(?:ification)?s?|"
        # one's own area's figures now ("how many under-1s in our borough are on a plan right now?", "whats the
        # average wait in our area at the moment", "which of our family hubs", "our ICB's current spend"), not "how many
        # babies in our area are likely to need a service?" (an estimate the evidence gives) or "how much supervision
        # should my team get?"
        r"(?:how many|how much|what(?:'s|s| is| was| are)? (?:the |our )?(?:average|current|latest|median|total))"
        r"\b[^?]*\b(?:our|my) (?:borough|area|patch|district|county|city|town|locality|footprint|icb|ics|council|la|trust|"
        r"teams?|(?:family )?hubs?|services?|providers?)\b[^?]*\b" + NOW_PERIOD + r"|"
        r"(?:our|my) (?:icb|ics|council|la|trust|team|service|provider|borough|area)(?:'s|’s) (?:current|latest|own|actual|total) "
        r"(?:spend\w*|budgets?|figures?|data|waiting|caseloads?|referrals?|numbers?|allocations?|activity)|"
        r"which of (?:our|my) (?:[\w-]+ ){0,2}(?:hubs|teams|services|sites|clinics|areas|practices|providers|wards|localities)|"
        # the running of one's own service, staff, data and meetings (evals/questions_local3.jsonl had these answered):
        # "how many of our health visitors have been trained", "is our family hub open on Saturdays", "according to
        # our JSNA", "which GP practices in our PCN", "who covers our patch", "what did we agree at the last board",
        # "when is the next partnership meeting and who chairs it", "last year's audit at our trust", "is our hub's
        # baby group working". Never a question asking what should be done or what the evidence says ("what should our
        # service's KPIs include?", "how many of our staff need training, according to the guidance?", "should family
        # hubs open on Saturdays?"): ``OWN_RUNNING_GUARD``
        + OWN_RUNNING_GUARD + r"(?:"
        r"how many of (?:our|my) (?:[\w-]+ ){0,2}(?:staff|health visitors|hvs|midwives|practitioners|clinicians|nurses|"
        r"workforce|team|hubs|sites|clinics|families|cases|referrals) (?:have|had|were|are (?:now|currently)|did)\b|"
        r"(?:our|my) (?:[\w-]+ ){0,2}(?:team|hub|service|trust|icb|council|pcn|group|clinic)(?:'s|’s)? (?:[\w-]+ ){0,3}"
        r"(?:caseloads?|rotas?|kpis?|open (?:on|at))\b|"
        r"(?:our|my) (?:[\w-]+ ){0,2}(?:hub|clinic|centre|center|service) (?:\w+ )?open\b|"
        r"(?:according to|in|from) (?:our|my|the (?:borough|council|county)(?:'s|’s)) (?:local |latest )?jsna|"
        r"(?:our|my) jsna\b|(?:in|across) (?:our|my) pcn\b|which (?:of (?:our|my) )?gp practices\b[^?]*\b(?:our|my)\b|"
        r"who (?:chairs|covers) (?:it\b|our|my|the (?:[\w-]+ ){0,4}(?:meeting|board|panel|group|forum))|"
        r"who (?:runs|manages|covers) (?:our|my)\b|who(?:'s|’s| is) covering\b|"
        r"(?:what date|when)(?: is|'s|’s| does| will) (?:the|our) next (?:[\w-]+ ){0,8}(?:meeting|meet|board|panel|"
        r"committee|forum)\b|"
        r"what did (?:we|our (?:[\w-]+ ){0,2}(?:board|team|group|panel|committee|icb|council|trust|la)) "
        r"(?:agree|decide|sign off|approve)|minutes of (?:the|our) (?:last|next|latest)\b|"
        r"(?:(?:our|my|last year's|the last|the latest) (?:[\w'’-]+ ){0,3}audits?|audits? (?:at|of|in) (?:our|my))\b"
        r"[^?]*\b(?:find|found|show|showed|shows|say|said|results?)\b|"
        r"(?:is|are) (?:our|my) (?:[\w-]+(?:'s|’s)? ){1,4}(?:actually |really )?(?:working|making a difference|doing any good))|"
        # filling in a form or finding a portal is operational whatever it asks ("which section should we use?")
        r"(?:our|my|the) (?:[\w-]+ ){0,3}application forms?\b[^?]*\b(?:section|deadline|box|question|submit)|"
        r"deadline\b[^?]*\b(?:applications?|expressions? of interest|tenders?|bids?)\b|"
        r"e-?tender\w* portal|which portal\b|tender\b[^?]*\bportal\b|"
        # a named body's own meetings and a named person's view ("Kent's cabinet", "what does the DCS in Kent think",
        # "our DPH"), not "what did the director of children's services in the study say?"
        r"cabinet (?:decid\w*|decisions?|meetings?|papers?)|(?:board|committee|cabinet) minutes|"
        r"(?:our|my|the (?:[\w-]+ )?(?-i:[A-Z][a-z]+)(?:'s|’s)?) (?:dcs|dph|director of (?:children's services|public health)|"
        r"chief executive|portfolio holder|lead member)\b[^?]*\b(?:think|view|position|stance|opinion|said|say|support)|"
        r"(?:dcs|dph|director of (?:children's services|public health)|chief executive|portfolio holder|lead member) "
        r"(?:in|at|of|for) (?-i:[A-Z][a-z]+)\b[^?]*\b(?:think|view|position|stance|opinion|said|say|support))\b", re.I)),
    ("what_first", re.compile(
        r"\b(where (?:do|does) (?:i|we|(?:a|an|the|my|our) (?:[\w'-]+ ){0,3}[\w'-]+) (?-i:start|begin)\b(?! for life)|"
        r"where (?:should|can|would|might) (?:i|we|(?:a|an|the|my|our) (?:[\w'-]+ ){0,8}[\w'-]+) (?-i:start|begin)\b(?! for life)|what (?:should|do|must) (?:i|we) (?:do|read|look at|know|learn) first|first steps?|"
        r"what first|start(?:ing)? point|just been (?:given|handed|asked)|new to (?:this|commissioning)|getting started|"
        # "Just picked up the 0-19 contract. What's step one...?"; not "step one of the stepped-care model" or "has the
        # ICB just taken over...?"
        r"what(?:'s|’s|s| is| would be| should be) (?:my |our |the )?step (?:one|1)\b(?! (?:of|in)\b)|"
        r"(?:^|[.!?]\s*|\b(?:i|we)(?:'ve|’ve| have)? )just (?:picked up|taken (?:on|over)|inherited)\b|"
        # "We have £200k for one year. What should we spend it on?": where to start with it
        r"what should (?:i|we) (?:spend|use) (?:it|this|that|(?:the|our|my) (?:[\w£'-]+ ){0,3}?(?:money|funding|grant|"
        r"budget|allocation|pot))(?: (?:first|now))? on\s*[?.!]?\s*$)", re.I)),
    ("comparison", re.compile(r"\b(compare[ds]?|comparison|versus|vs\.?|difference between|better than|rather than|stacks? up against|"
                              r"(?:is|are|was|were|hows) (?:[\w'-]+ ){0,6}different (?:from|to)|differs? from|"
                              r"which (?:\w+ ){0,2}(?:works?|is|are|does) (?:better|best))\b", re.I)),
    ("barriers", re.compile(
        r"\b(barriers?|obstacles?|what (?:stops|prevents|holds? back|gets in the way)|get(?:s|ting)? in the way|"
        r"hold(?:s|ing)? (?:them|us|commissioners) back|challenges?|difficult\b|why (?:is|was|are|were) it (?:so )?(?:hard|tough)\b|(?<!attachment )(?<!relationship )(?<!PAIR )(?<!bonding )difficult(?:y|ies)\b|struggle|why (?:don't|do not|aren't|are not|won't|doesn't|does not|isn't|is not)|why (?:do|does|are|is) (?:[\w'-]+ ){1,3}(?:not|never)\b(?! (?:work|help|improve))|"
        r"worr(?:y|ies|ied)|concerns?|stopp(?:ing|ed)|lose out|makes? (?:\w+ ){0,3}decide|capability problems?|"
        # "what puts ICBs off...?", "what deters councils...?": the deciders put off, not families (what puts families
        # off a service is not one of the study's commissioning barriers)
        r"(?:what|why|which \w+)(?:'s| is| are| might| could| would| else| tends? to)? (?:puts?|putting|is putting) " + _SOME
        + _DECIDERS + r" off|(?:problems?|issues?|things?|barriers?|factors?|concerns?|obstacles?) (?:that|which) "
        r"(?:puts?|put|putting) " + _SOME + _DECIDERS + r" off|"  # "the funding problems that put commissioners off"
        r"(?:what|which \w+)(?:'s| is| are| might| could| would| else)? (?:deters?|deterring|discourages?|"
        r"discouraging|keeps?|keeping) " + _SOME + _DECIDERS + r"(?! (?:informed|updated|on board|engaged))|"
        r"(?:capability|opportunity|motivation) (?:issues?|problems?|barriers?)|"
        # "What problems did Ofsted and CQC find?", "which problems do commissioners face?"; not "how common are
        # perinatal mental health problems?"
        r"(?:what|which) (?:\w+ )?problems|problems (?:did|do|does|have|has) (?:[\w'-]+ ){1,4}(?:find|found|face|faced|"
        r"see|seen|report|reported|identify|identified))\b", re.I)),
    # "How can I show the impact of our service?", "best way to evidence its impact": how to, before "impact of"
    # makes it an evidence question
    ("how_to", re.compile(r"\b(?:how (?:do|can|should|could|might|would) (?:i|we)|(?:best|good) way to|ways? to)\b"
                          r"(?:\W+\w+){0,4}?\W+(?:show\w*|demonstrat\w*|evidenc\w*|prov(?:e|ing)|measur\w*|captur\w*)\b"
                          r"(?:\W+\w+){0,3}?\W+(?:impact|value|difference|outcomes?)\b", re.I)),
    # "Where do I find out how many babies in my area need support?", "how do I work out how many families need a
    # team?": how to estimate it, before "how many" makes it a fact (and "work" an evidence question)
    ("how_to", ESTIMATING_NEED_RE),
    ("evidence", re.compile(
        r"\b(d(?:o|oes|id) [\w'-]+ (?:(?!propos|recommend|suggest)\w+ ){0,4}(?:work|improve|help|reduce|change|increase)|works?\?|evidence|effective(?:ness)?|trials?|"
        r"(?:^|[?.!;,]\s*|\band\s+|\bbut\s+)(?:do|does|did|has|have|is|are|will|would)\b(?:\s+[\w'/-]+){0,10}?\s+"
        r"ma(?:ke|kes|de|king) (?:a|any|much of a|no|the) (?:\w+ )?difference|"
        r"randomi[sz]ed|systematic review|outcomes?|proven|shown|impact of|evaluations?|gains?)\b", re.I)),
    ("how_to", re.compile(
        r"\b(how (?:do|can|should|could|might) (?:i|we|a commissioner|commissioners|my|our)|how to|" + WHAT_WOULD_HELP + r"|"
        r"how (?:much|many|often) (?:\w+ ){0,4}should|how (?:are|do|did) other (?:areas|places|commissioners|councils|icbs)|"
        r"who (?:should|do|must|can|would) (?:i|we) (?:need to |have to )?(?:involve|engage|consult|bring in|talk to|"
        r"work with)|who (?:should|needs? to|must) be (?:involved|consulted|engaged|at the table)|"
        r"make the case|persuade|convince|business case|what (?:can|should) (?:i|we)|what (?:could|might) (?:i|we) do\b|steps to|set up|get .* funded|"
        + WHY_CASE + r"|"
        r"what (?:does|do|did) (?:the (?:study|authors|researchers|toolkit)|it|they) (?:propose|recommend|suggest))\b", re.I)),
    ("fact", re.compile(
        r"\b(how (?:many|much|long|often)|when (?:did|was|were|is|will)|what year|what (?:percentage|proportion|share|figure|amount)|"
        r"how big|what is the (?:total|number|cost))\b", re.I)),
)


def asks_where_to_start(text: str) -> bool:
    """The words of the "what first" rule ("where do I start?"), in a follow-up's own words too."""
    return bool(dict(INTENT_RULES)["what_first"].search(text))


# A how-to about delivering a service rather than commissioning it ("how much supervision should staff get?"):
# the study's proposals are commissioning steps and do not answer it. "Commissioners" as the subject does not
# make a question about commissioning; commissioning, funding or making the case does.
PRACTICE_WORDS = re.compile(r"\b(supervis\w*|staff\w*|practitioners?|clinicians?|therap\w*|sessions?|caseloads?|"
                            r"treat\w*|protocols?|manage a baby|support parents to|delivered|deliver(?:ing)? (?:it|the))\b", re.I)
COMMISSIONING_WORDS = re.compile(r"\b(commission(?:ing|ed)?|fund\w*|budgets?|pay(?:ing)? for|money|grants?|invest\w*|"
                                 r"boards?|set(?:ting)? up|sustain\w*)\b", re.I)  # or MAKING_THE_CASE, below


# "How are other areas paying for their teams?" asks what others do: examples, not the study's steps.
OTHERS_DO = re.compile(r"\b(?:how|what) (?:are|do|did|have) (?:others\b|(?:other|different|neighbouring) (?:\w+ )?"
                       r"(?:areas?|places|ICBs|councils|commissioners|authorities|systems|teams|services)\b)", re.I)


def commissioning_steps_answer(question: str) -> bool:
    """Whether a how-to answer opens with the study's proposals as steps: unless it asks about practice only, or
    about what other areas do."""
    if OTHERS_DO.search(question):
        return False
    about_commissioning = COMMISSIONING_WORDS.search(question) or MAKING_THE_CASE.search(question)
    return not (PRACTICE_WORDS.search(question) and not about_commissioning)


# "What did the Commons committee say about the first 1000 days?": what a source says, even one named only loosely
SOURCE_SAYS = re.compile(r"\bwhat (?:did|does|do|has|have) (?:the )?[\w'’ -]{3,60}? (?:say|said|recommend\w*|find|found|"
                         r"conclude\w*|propose\w*|call(?:ed)? for)\b", re.I)


# "What stops ICBs ...?", "Why is it so hard to ...?", "What are the barriers?": a barriers question asking what gets in
# the way, whose lead names an obstacle; not "what makes commissioners decide to fund?" or "would London hit the same
# barriers?", which are barriers questions of another kind
ASKS_WHAT_STOPS = re.compile(r"\b(?:what|why|which)\b(?:\W+\w+){0,6}?\W+(?:barriers?|obstacles?|stop\w*|prevent\w*|"
                             r"hold\w* (?:\w+ )?back|in the way|hard(?:er)?|difficult\w*|deter\w*|puts? (?:\w+ ){1,3}off|"
                             r"struggl\w*)\b", re.I)
# ...but "what helped them get past the barriers?" asks what helps
ASKS_WHAT_HELPS = re.compile(r"\b(?:help\w*|enabl\w*|overc[oa]m\w*|get(?:ting)? (?:past|round|around|over)|easier|despite|"
                             r"work(?:ed|ing)? (?:round|around)|tackl\w*|address\w*|solv\w*|facilitat\w*)\b", re.I)


def asks_what_stops(question: str) -> bool:
    """A barriers question asking what gets in the way, not what helps past it."""
    return bool(ASKS_WHAT_STOPS.search(question)) and not ASKS_WHAT_HELPS.search(question)


def classify_intent(question: str, named_source: bool = False, fallback: str | None = "fact") -> str | None:
    """The answer plan a question needs (see INTENT_RULES); a question naming a corpus source that matches no
    other rule asks what that source says; one that matches nothing gets ``fallback``."""
    for intent, pattern in INTENT_RULES:
        if pattern.search(question):
            return intent
    return "named_source" if named_source or SOURCE_SAYS.search(question) else fallback


# "What stops commissioners in Sunderland funding teams?" is answered by the national evidence on what stops them,
# the place said last as not covered; a local question's answer ("the wait at the Plymouth team?") is that the
# evidence does not cover the place, said first
ANSWERED_NATIONALLY = frozenset(("barriers", "how_to", "what_first", "evidence"))


def local_gap_first(intent: str, local: list[str]) -> bool:
    """Whether an answer opens with what the evidence does not cover locally (see ANSWERED_NATIONALLY)."""
    return bool(local) and intent not in ANSWERED_NATIONALLY


def intent_of(standalone: str) -> str:
    """A question's intent; for a follow-up, its own words decide ("What does the study propose for those?" after a
    barriers question is a how-to; "What does the study say about those?" asks what a source says), and the
    question it follows only when its own words match no rule ("and what about dads?")."""
    own = own_words(standalone)
    return (classify_intent(own, fallback=None) if own != standalone else None) or classify_intent(standalone)


# -- what the evidence does not cover (scope) --------------------------------------------------------------
PLACE_WORDS = re.compile(r"\b(?:in|into|at|near|across|around|within|throughout) ((?:[A-Z][a-z]+)(?:[ -](?:[A-Z][a-z]+|upon|on|under))*)")
JOINING = frozenset(("upon", "on", "under"))
# a named local body, whatever precedes it: "Leeds City Council", "Oxford Health NHS Foundation Trust", "the Kent
# and Medway ICB". Its place words (before the body's kind) are a place like one after "in". The name stops at
# the kind ("Sheffield City Council and Kent County Council" is two bodies); a council needs its kind and a trust
# "NHS", so the Nuffield Trust or the Medical Research Council is not a place.
_BODY_KIND_WORDS = r"(?:City|County|Borough|District|Metropolitan|Town|Unitary|Council|Foundation|Trust|Integrated|Board|Teaching|Hospitals?)\b"
LOCAL_BODY = re.compile(r"\b([A-Z][a-z]+(?:(?:-on-|-upon-| upon | on | and |,? and |, | & |[ -])(?!" + _BODY_KIND_WORDS +
                        r")[A-Z][a-z]+)*) (?:(?:City|County|Borough|District|Metropolitan Borough|Town|Unitary) Council|"
                        r"NHS (?:Foundation )?Trust|NHS FT|(?:Teaching |University )?Hospitals?(?: NHS (?:Foundation )?Trust| NHS FT)?|"
                        r"Integrated Care Board|ICB|Health Board|Local Maternity(?: and Neonatal)? System|LMNS)\b")
# a hospital or a local maternity and neonatal system needs a UK place in its name ("Bradford Teaching Hospitals",
# "Mid and South Essex LMNS"): "Maternity Hospitals" or "the National LMNS guidance" names a kind
KIND_BODY = re.compile(r"\bHospitals?\b|\bLocal Maternity\b|\bLMNS\b")
_NAME = r"([A-Z][a-z]+(?:[ -](?!" + _BODY_KIND_WORDS + r")(?:[A-Z][a-z]+|upon|on))*)"  # "Kent", not "Kent County Council"
# a place that acts ("Does Lancashire have a team?", "How much does Bristol spend?") or owns ("Bristol's budget",
# "the Surrey infant mental health contract"): what it has, spends or holds is its own, local, business
PLACE_ACTS = re.compile(r"\b(?i:does|do|did|has|have|is|are|will|would|can|could) " + _NAME +
                        r" (?:(?:have|has|got) (?:a|an|any|its own|(?:\w+ )?enough) (?:[\w-]+ ){0,3}(?:teams?|services?|"
                        r"provision|contracts?|budgets?|hubs?|staff|workers|visitors)|spend|spent|employ|fund|commission|run|offer|"
                        r"provide|pay|receive|meet|budget|done|do|decided?|planned)\b")
PLACE_OWNS = re.compile(r"(?<![Tt]he )\b" + _NAME + r"(?:'s|’s) (?:own )?(?:[\w-]+ ){0,3}(?:teams?|services?|JSNA|contracts?|"
                        r"budgets?|spend\w*|plans?|strateg(?:y|ies)|offer|provision|figures?|data|waiting lists?|"
                        r"allocations?|grants?|funding|money|share|boards?|councils?|hubs?|(?:health )?visitors?|"
                        r"commissioners?|ICBs?|HWBs?)\b|"
                        r"\bthe " + _NAME + r" (?:(?i:parent-infant|infant mental health|perinatal|family hubs?|health "
                        r"visiting|early years|start for life) )(?i:contracts?|budgets?|spend\w*|tenders?|strateg(?:y|ies)|"
                        r"plans?|offer|provision)\b|"
                        # "the Kirklees JSNA", "the Dorset health and wellbeing board": a place's own assessment or board
                        r"\bthe " + _NAME + r" (?:JSNA|HWB|(?i:joint strategic needs assessment|health and wellbeing board|"
                        r"integrated care strategy|start for life offer|local offer))\b")
# a place after "for" or "from" ("Who commissions infant mental health for Hull?"): only a UK place counts, as
# "evidence for Theraplay" and "guidance from Nesta" have the same shape
PLACE_FOR = re.compile(r"\b(?:for|from) " + _NAME)

# "the Cambridge parent-infant service", "the Plymouth perinatal team": a named place's own service, by the kind of
# service named ("the Video Interaction Guidance service" names a programme, not a place); covered when the corpus
# names that service, or the name is of several words the corpus uses, or its one word starts a service's name
# there ("Nottinghamshire Parent/Infant Relationship Initiative")
_SERVICE_FIELD = r"parent-infant|parent infant|perinatal|infant mental health|family|baby|early years|mother and baby"
_SERVICE_KIND = r"services?|teams?|clinics?|hubs?|units?"
LOCAL_SERVICE = re.compile(r"\bthe ((?:[A-Z][a-z]+)(?:[ -](?:[A-Z][a-z]+|upon|on))*) (?i:" + _SERVICE_FIELD +
                           r")(?i: relationship)?(?i: [\w-]+)?? (?i:" + _SERVICE_KIND + r")\b")  # "the Leeds Infant Mental Health Service" too
# "Rotherham parent-infant team - are they...?", "the Somerset PAIR team", "a Shropshire GP practice": a place's own
# service without "the" before it, or a PAIR team or GP practice; counted only for a UK place (``named_places``), as
# "Which parent-infant team" or "Specialist PAIR teams" start the same way
PLACE_SERVICE_BARE = re.compile(r"\b" + _NAME + r" (?i:" + _SERVICE_FIELD + r"|(?-i:PAIR)|GP)(?i: relationship)? (?i:"
                                + _SERVICE_KIND + r"|practices?|surgery|surgeries)\b")
# capitalised words that describe a service rather than name its place: "the Specialist Parent-Infant Team", "the
# Community Perinatal Team" are kinds of service, not Specialist's or Community's own
SERVICE_DESCRIPTORS = frozenset("Specialist Specialised Specialized Community Integrated Local Regional National New "
                                "Existing Current Main Early Targeted Universal Enhanced Joint Perinatal Infant Parent "
                                "Parent-Infant Family Baby Maternal Mental Health Relationship Multi-Agency Multiagency".split())


def place_of_service(name: str) -> str:
    """The place in a service's capitalised name, before any word that describes the service ("Leeds Specialist"
    -> "Leeds"; "Specialist" -> "")."""
    words = name.split()
    cut = next((i for i, w in enumerate(words) if w in SERVICE_DESCRIPTORS), len(words))
    return " ".join(words[:cut])


SERVICE_NAME_STARTS = ("Parent", "Perinatal", "Infant", "Family", "Baby", "NHS", "Healthy")


def known_service(name: str, service: str, mentions) -> bool:
    """Whether the corpus speaks of this named service (see LOCAL_SERVICE)."""
    return (mentions(service) or (len(name.split()) > 1 and mentions(name))
            or any(mentions(f"{name} {start}") for start in SERVICE_NAME_STARTS))
NOT_PLACES = frozenset("England UK Britain Scotland Wales Ireland NHS ICB ICBs ICS Family Hubs Start Life Best "
                       "Parliament Government Covid What How Which Who When Where Why Is Are Do Does Can The A An I My Our".split()) | frozenset(MONTHS)


OTHER_NATIONS = ("Scotland", "Wales", "Northern Ireland")  # the evidence is mostly England's: a real part of the question


# a name the question asks about: a run of words in capitals after the sentence's first word ("What does Nesta
# fund?", "the King's Fund", "Kingston upon Hull"), each word whole ("DfE" and "Core20PLUS5" are not "Df" and
# "Core"); acronyms are left out, as the passages often spell them out ("CAMHS", "WTE")
NAME_WORDS = re.compile(r"(?<![.?!:] )(?<!^)\b[A-Z][a-z]+(?![A-Za-z0-9])(?:(?: (?:in|for|of|the|and|to|on|upon|super|under) "
                        r"| |-|-(?:on|upon|super|under)-|['’]s )[A-Z][a-z]+(?![A-Za-z0-9]))*(?! ?\d)")
# words any organisation's name may hold: a passage that uses them ("Trusts with higher referral numbers") does not
# mention the Wave Trust; the name's other words must be there
ORGANISATION_WORDS = frozenset("Trust Foundation Centre Center Association Council Institute Society Fund Group Network "
                               "Partnership College Committee Board Charity Alliance Coalition Forum Commission Office "
                               "Department Agency Local National Royal Service Services Team Unit".split())


def name_words(run: str) -> list[str]:
    """The words of a run in capitals that make it a name, without NOT_NAME_WORDS and small words ("the Local
    Government Association" -> Local, Association)."""
    return [w for w in re.split(r"[ -]|['’]s ", run) if w[:1].isupper() and w not in NOT_NAME_WORDS
            and w.lower() not in STOPWORDS]


def asked_names(question: str) -> list[str]:
    """The names a question asks about (see NAME_WORDS), each once, as written ("Local Government Association").
    A run with a UK place in it, or a local body's ("Frimley ICB"), is left to the place rules ("for Hull",
    "Kingston upon Hull"), and
    a run with a nation to ``asked_nations``."""
    bodies = [m.span() for m in LOCAL_BODY.finditer(question)]  # "the Frimley ICB" is a named place's body
    out = []
    for m in NAME_WORDS.finditer(question):
        run, words = m.group(0), name_words(m.group(0))
        if (words and not is_uk_place(run) and not any(is_uk_place(w) for w in words)
                and not any(n in run for n in OTHER_NATIONS) and not any(a <= m.start() < b for a, b in bodies)):
            out.append(run)
    return list(dict.fromkeys(out))


def asked_nations(question: str) -> list[str]:
    """The UK nations other than England that the question names ("Is video feedback recommended in Scotland?")."""
    return [n for n in OTHER_NATIONS if re.search(rf"\b{n}\b", question)]


# words that open a question in capitals and so join a name run: "Could Kent County Council...", "Every ICB..."
OPENING_WORDS = tuple("Does Do Did Is Are Was Were Has Have Had Can Could May Might Will Would Shall Should Must How What Why "
                      "Which Where When Who Whose If In For And But So Please Tell Give Show Every Any Compare Explain List "
                      "Summarise Summarize Describe Name Find Check Apart Besides Beyond Our My Your The A An".split())
OPENING = re.compile(r"^(?:(?:" + "|".join(OPENING_WORDS) + r")(?:\s+|$))+")

# words in capitals that are not a name's: a nation or national body or programme (NOT_PLACES), a word that opens a
# clause ("Does", "Compare"), a compass point ("the North East commissioners": the study's region, a place)
NOT_NAME_WORDS = (NOT_PLACES | frozenset(OPENING_WORDS)
                  | frozenset("North Northern South Southern East Eastern West Western Midlands Central Greater".split()))


CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:(?:[ -](?:upon|on|under)[ -]| |-)[A-Z][a-z]+)*")
# what follows a place's name when the name is a study's or a programme's: "the Durham study", "Harlow's monkey
# experiments", "Southend A Better Start" (a capitalised word goes on with the name)
NAMES_A_STUDY = re.compile(r"^(?:['’]s)?(?: [\w-]+){0,2}? (?:stud(?:y|ies)|trials?|experiments?|research|evaluations?|"
                           r"cohort|theory|model|paper|review|report|work)\b|^ (?!(?:ICBs?|ICS|NHS|CCG|JSNA|HWB|PCN|LA)\b)[A-Z]|"
                           r"^ (?:and (?:colleagues|co-?authors|others)|et al)\b")  # "Copeland and colleagues": authors


def uk_places_named(question: str) -> list[str]:
    """Every UK place the question names as a place, wherever it stands ("Walsall: is there a team?", "Liverpool's
    pathway", "the Croydon perinatal mental health clinic", "the Rutland Start for Life group"): a run of capitalised
    words that opens with the place and goes on, if at all, only with a programme's or service's words. "Solihull
    Approach", "Sutton Trust" or "the Durham study" names a programme, a body or a study after a place, not the
    place (``NAMES_A_STUDY``). A place's "Council" ("Knowsley Council") is the place's own body."""
    out = []
    for m in CAPITALISED_RUN.finditer(question):
        after = question[m.end():]
        if NAMES_A_STUDY.match(after):
            continue
        run = OPENING.sub("", m.group(0))
        words = re.split(r"(?<=[a-z])(?=[ -][A-Z])", run)
        for j in range(min(len(words), 4), 0, -1):
            name = "".join(words[:j]).strip(" -")
            rest = {w.strip(" -") for w in words[j:]}
            if name not in NOT_PLACES and is_uk_place(name) and rest <= NOT_PLACES | SERVICE_DESCRIPTORS | {"Council"}:
                out.append(name)
                break
    return list(dict.fromkeys(out))


def place_words(name: str) -> list[str]:
    """The words of a place's name that name the place ("Kent and Medway" -> Kent, Medway; a trust's "Health",
    "NHS", "Partnership", "Care" are its kind)."""
    words = [w for w in re.split(r"[ ,&-]", name) if w and w not in JOINING and w != "and"]
    return [w for w in words if w not in ("Health", "NHS", "Partnership", "Care")]


def named_places(question: str, known_stems, mentions=None, one_passage_idf: float | None = None) -> list[str]:
    """Capitalised place-like names in the question whose own services the corpus cannot speak of (a city, a
    trust, a team): a name the corpus never uses; a named body ("Sheffield City Council") unless the corpus names
    that body (``mentions(phrase)``, when given): a passage that mentions Sheffield in passing says nothing of its
    council's spending; a UK place (``places.is_uk_place``) that only one passage uses (its IDF in ``known_stems``
    at ``one_passage_idf``: "work in Manchester and Sheffield"). A name that acts or owns ("Does Lancashire have
    a team?", "Newcastle's JSNA") or follows "for" or "from" ("for Hull") counts only when it is a UK place: "What
    does Nesta fund?" and "evidence for Theraplay" have the same shapes."""
    def uses_all(words: list[str]) -> bool:
        """Whether the corpus uses every one of a name's words."""
        return all(term(w.lower()) in known_stems for w in words)

    def in_one_passage(word: str) -> bool:
        idf = known_stems.get(term(word.lower())) if isinstance(known_stems, dict) else None
        return one_passage_idf is not None and idf is not None and idf >= one_passage_idf - 1e-9

    out = []
    names = [(m.group(1), None) for m in PLACE_WORDS.finditer(question)]
    # "Does Leeds and York Partnership NHS Foundation Trust...": the question's opening word is not the body's
    names += [(OPENING.sub("", m.group(1)), OPENING.sub("", m.group(0))) for m in LOCAL_BODY.finditer(question)]
    services = {name: m.group(0)[4:] for m in LOCAL_SERVICE.finditer(question) if (name := place_of_service(m.group(1)))}
    names += [(name, None) for name in services]
    # a place that acts or owns, once the bodies and services have claimed their names ("Leeds City Council spend")
    acting = [OPENING.sub("", m.group(1)) for m in PLACE_ACTS.finditer(question)]
    acting += [OPENING.sub("", next(g for g in m.groups() if g)) for m in PLACE_OWNS.finditer(question)]
    acting += [m.group(1) for m in PLACE_FOR.finditer(question)]
    acting += [OPENING.sub("", m.group(1)) for m in PLACE_SERVICE_BARE.finditer(question)]
    names += [(name, None) for name in acting if is_uk_place(name)]
    # any other UK place the corpus never uses ("Walsall: is there a team?"): one it uses even once may be the
    # subject of a study ("the Nottinghamshire PIRi evaluation"), so only the rules above judge those
    def known_place(name: str) -> bool:
        return uses_all(place_words(name))

    lower_case = places_in_lower_case(question, known_place, lambda after: bool(NAMES_A_STUDY.match(after)))
    names += [(name, None) for name in uk_places_named(question) + lower_case if not known_place(name)]
    for name, body in dict.fromkeys(names):
        words = place_words(name)
        if not words or any(w in NOT_PLACES for w in words) or any(name in o or o in name for o in out):
            continue
        if name in services and mentions is not None:
            known = known_service(name, services[name], mentions)
        elif body is not None and KIND_BODY.search(body) and not any(is_uk_place(w) for w in words):
            continue  # "Maternity Hospitals", "Acute Hospital", "the National LMNS": a kind, not a place's
        elif body is not None and mentions is not None:  # the corpus names the body itself (ICB written either way)
            known = any(mentions(v) for v in {body, body.replace(" ICB", " Integrated Care Board"),
                                              body.replace(" Integrated Care Board", " ICB")})
        else:
            known = uses_all(words) and not (is_uk_place(name) and all(in_one_passage(w) for w in words))
        if not known:
            out.append(name)
    return out


def scope_of(intent: str, unknown_places: list[str], uncovered: list[str]) -> str:
    """"out" for a local or operational question (a named place's service, waiting times, procurement law,
    pay): the corpus is national evidence; "partial" when part of the question has no support; else "in"."""
    if intent == "local" or unknown_places:
        return "out"
    return "partial" if uncovered else "in"


def too_weak_for_local(intent: str, places: list[str], r: Retrieval, s: Settings) -> bool:
    """A local or operational question is answered with the nearest national evidence only when that evidence
    is clearly close (threshold + 2 x unknown_margin); otherwise it is refused, saying why."""
    return (intent == "local" or bool(places)) and r.top_similarity < s.abstain_threshold + 2 * s.unknown_margin


def never_refused(intent: str, r: Retrieval | None = None) -> bool:
    """A "what first" question is answered from the commissioning cycle and toolkit passages, never refused,
    unless it hinges on words the corpus never uses ("where do I start with sertraline dosing?")."""
    return intent == "what_first" and not (r is not None and r.unknown_terms)


CLAUSE_SPLIT = re.compile(r"\s+(?:and|but|or|plus)\s+|[,;?]|\s+-\s+")
LOCAL_GAP = "local or operational detail for your area (waiting times, referral criteria, procurement rules, pay, jobs)"
# Making the case to decision makers ("make the case to my board", "a business case", "persuade my ICB"):
# not persuading parents to come to a group
MAKING_THE_CASE = re.compile(r"\b(?:make|making|build|building|put|putting) (?:the|a|an|our|my) (?:\w+ )?case\b|"
                             r"\bbusiness case\b|\bjustify(?:ing)? (?:the|this|our|my) (?:investment|spend\w*|funding)\b|"
                             r"\b(?:persuad|convinc)\w* (?:my|our|the|a) (?:\w+ )?(?:boards?|ICBs?|council|leaders?|"
                             r"directors?|executives?|finance|chief)\b|"
                             r"\bget (?:my|our|the|a) (?:\w+ ){0,2}(?:boards?|ICBs?|council|leaders?|directors?|executives?|"
                             r"chief|members) to (?:take|fund|prioriti[sz]e|invest|care|back|support|listen|commission|pay for|"
                             r"put (?:money|funding|resources) (?:into|towards))\b|"
                             r"\b" + WHY_CASE + r"\b", re.I)
CASE_ITEMS = ("b-hard-to-show-impact", "b-doubts-about-numbers")


VALUE_FOR_MONEY = re.compile(r"\b(?:cost|costs|savings?|return)\b", re.I)


def case_evidence(passage, item: str) -> bool:
    """Whether a passage is evidence for the case against ``item`` (one of ``CASE_ITEMS``): tagged evidence against
    it, and, against "hard to show impact and value for money", stating a saving, a cost or a sum (``VALUE_STATED``):
    the case is argued in money. "How do I make the case for a team to my ICB?" had led with an impact report's three
    domains of benefit, which the plan took for that evidence, and never reached the £1.15bn saving."""
    tag = passage.com_b
    return (tag.item == item and tag.relation == "evidence_against"
            and (item != CASE_ITEMS[0] or bool(VALUE_STATED.search(passage.text))))


def case_queries(question: str) -> list[tuple[str, str]]:
    """What the evidence for making the case is, in the catalogue's own words, item by item: against "hard to show
    impact and value for money", the question with the catalogue's cost and return sentences (the case is argued in
    money, for the service asked about); against "doubts about how many families need specialist services", the
    catalogue's reach and prevalence sentences. A question about estimating local need ("Where do I find out how many
    babies in my area need support?") asks for the second alone, searched with the question: it had led with the
    £73m a year a select committee heard would fund a team in every area."""
    from assistant.comb.catalogue import by_id

    impact, numbers = (by_id()[item].evidence for item in CASE_ITEMS)
    if NEED_COUNTED.search(question) and not MAKING_THE_CASE.search(question):
        return [(CASE_ITEMS[1], f"{question} {' '.join(numbers)}")]
    money = " ".join(sentence for sentence in impact if VALUE_FOR_MONEY.search(sentence))
    return [(CASE_ITEMS[0], f"{question} {money}"), (CASE_ITEMS[1], " ".join(numbers))]


WHAT_FIRST_QUERY = ("Where to start commissioning: the commissioning cycle of understand (local needs, families' views, the "
                    "services already in place), plan, do and review; a commissioning toolkit for parent-infant services")


STOP_LIST_CONTENT = frozenset("""amount bill bottom call cry describe detail empty fire front full interest keep mill move
name serious show side system thick thin top whole one two three four five six eight nine ten eleven twelve fifteen
twenty forty fifty sixty hundred first third last next""".split())


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    """The Glasgow IR group's English stop words as scikit-learn ships them (318, against the 140 retrieval
    drops), less the ones that can be what a question asks about (``STOP_LIST_CONTENT``: "system", "amount",
    "bill", "fire", numbers...): "now", "somewhere" and "else" say nothing the evidence could lack, so they
    never make a clause of the question uncovered. The list's own module is parsed as a literal, not imported:
    importing it imports scikit-learn's package (1.1 s of a serving process's first answer); parsing it takes
    2 ms. Should a later scikit-learn move it, the import is the fallback."""
    import ast
    import importlib.util
    from pathlib import Path

    try:
        path = Path(importlib.util.find_spec("sklearn").origin).parent / "feature_extraction" / "_stop_words.py"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ENGLISH_STOP_WORDS":
                return frozenset(ast.literal_eval(node.value.args[0])) - STOP_LIST_CONTENT
    except (OSError, AttributeError, IndexError, ValueError, SyntaxError):
        pass
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) - STOP_LIST_CONTENT


# "How much does a team cost to run?", "What would a service cost?": answered only by a sum of money
COST_ASKED = re.compile(r"(?:\bhow much (?:does|do|did|would|will|might|is|are)\b[^?]{0,80}?\bcost|"
                        r"\bwhat (?:does|do|would|will|might) (?:[\w'-]+ ){1,6}cost|"
                        r"\bwhat(?:'s| is| would be| will be) the cost of|\b(?:the )?cost of (?:running|setting up))"
                        r"(?![- ]effective)\b", re.I)  # cost-effectiveness is evidence, not a price
COST_GAP = "what it costs (no cited passage gives a figure)"  # the answer to the question: said first
UNCOMPARED = "a head-to-head comparison of "  # opens the gap ``uncompared`` finds: the answer then goes side by side
NAME_GAP = ": none of the cited evidence mentions it"  # after a name the question asks about (``asked_names``)
COST_WORDS = frozenset("cost costs run running set setting up much".split())
MONEY = re.compile(r"£\s?\d")
# what something costs is a sum said as a cost, a spend, a budget or a price: "How much does a specialised team cost
# per year?" had been taken as answered by the lifetime value of support, "£40,000 per child"
COST_STATED = re.compile(r"\b(?:costs?|costing|costed|spend|spends|spending|spent|budgets?|price[sd]?|contract value|"
                         r"paid|pays?|fees?)\b(?:\W+\w+){0,8}?\W+£\s?\d|"
                         r"£\s?\d[\d,.]*\w*(?:\W+\w+){0,4}?\W+(?:costs?|spend(?:ing)?|budgets?|price)\b", re.I)  # "£8.1bn annual cost"


def cost_uncovered(question: str, cited_texts: list[str], stem_of) -> bool:
    """Whether a question asking what something costs has no cited sentence giving a sum of money for it (one that
    shares a word with what is asked about): the cost of a team is then said to be not covered, however well the
    cited passages describe the team. A follow-up ("how much would that cost?") asks about what the question it
    follows was about."""
    return bool(COST_ASKED.search(own_words(question))) and not stated_for(question, cited_texts, stem_of, COST_STATED,
                                                                          COST_WORDS)


def stated_for(question: str, cited_texts: list[str], stem_of, stated: re.Pattern, asking_words: frozenset[str]) -> bool:
    """Whether a cited sentence matching ``stated`` (a sum, a verdict) shares a word with what the question asks
    about: its content words less ``asking_words`` ("cost", "value"...), from a follow-up's own words first."""
    def subject_of(text: str) -> set[str]:
        return {stem_of(w) for w in content_words(text) if w not in asking_words and w not in generic_words()}
    subject = subject_of(own_words(question)) or subject_of(question)
    sentences = [x for t in cited_texts for x in re.split(r"(?<=[.;!?])\s+", t) if stated.search(x)]
    return any(subject & {stem_of(w) for w in content_words(x)} for x in sentences)


# "Is VIPP-SD cost effective?", "Is it value for money?": answered by a verdict or a sum, not by a sentence saying that
# a report "includes an assessment of cost-effectiveness"
VALUE_ASKED = re.compile(r"\b(?:is|are|was|were|would|will|be) (?:[\w'-]+ ){0,6}(?:cost[- ]effective|value for money|"
                         r"worth the (?:money|cost|investment))\b|\bcost[- ]effectiveness\b|\breturn on (?:the )?investment\b|"
                         r"\b(?:S?ROI)\b|\b(?:do|does|did|would|will|could|can) (?!i |we |you )(?:[\w'-]+ ){1,5}(?:save|saves) (?:money|£)|"
                         r"\bpays? for (?:itself|themselves)\b",
                         re.I)  # whether something is: not "why is it hard to show value for money?"
VALUE_STATED = re.compile(r"\b(?:is|was|were|are|be|been|not|as) (?:\w+ ){0,2}cost[- ]effective\b|£\s?\d|\bsav(?:e|es|ed|ing|ings)\b|"
                          r"\breturns? (?:of|on)\b|\bnet (?:benefit|cost)\b|\bcost[- ]benefit\b", re.I)
# "why is it hard to show (that a service is) value for money?", "barriers to showing cost-effectiveness", "how do I
# calculate the return on investment?": how to show it, not whether it is
SHOWING_VALUE = re.compile(r"\b(?:show|demonstrat|prov|evidenc|calculat|measur|estimat|work\w* out)\w* (?:[\w'-]+ ){0,8}?"
                           r"(?:(?:is|are|as) )?(?:cost[- ]effective(?:ness)?|value for money|return on (?:the )?investment|S?ROI\b)",
                           re.I)
VALUE_WORDS = frozenset("cost costs effective effectiveness value money return investment worth".split())
# what a lead that answers "what return is there?" states (``states_value``; narrower than VALUE_STATED, which
# any cited sum satisfies for the gap): a sum or a cost-effectiveness verdict said as a saving, a benefit, a value,
# a return or a ratio ("£900 million of benefit", "returns £4.50 for every £1", "£12,000 per QALY"); a bare sum
# (an allocation) or "saves lives" is not one
VALUE_SUM_OR_VERDICT = re.compile(r"£\s?\d|\bcost[- ]effective\b", re.I)
VALUE_CLAIM = re.compile(r"\bsav(?:e|es|ed|ing|ings)\b|\bvalue\b|\bbenefits?\b|\breturns?\b|\bfor every £|\bQALYs?\b|"
                         r"\b(?:S?ROI)\b|\bcost[- ](?:effective|benefit)|\bnet (?:benefit|cost)\b", re.I)


def states_value(text: str) -> bool:
    """A sum or a cost-effectiveness verdict said as a saving, benefit, value or return (``VALUE_CLAIM``)."""
    return bool(VALUE_SUM_OR_VERDICT.search(text) and VALUE_CLAIM.search(text))


VALUE_GAP = "whether it is cost-effective (no cited passage gives its costs, savings or a verdict)"


# "is there evidence that teams are value for money?" asks whether they are: "evidence" there is the noun, not the
# verb of "how do I evidence value for money?"
EVIDENCE_NOUN = re.compile(r"\b(?:is there|are there|any|what|some|no|good|strong|much|real|published)\s+(?:[\w'-]+\s+)?"
                           r"evidence(?:\s+(?:showing|that shows?|to show|demonstrating|proving))?\b", re.I)


def asks_value(question: str) -> bool:
    """Whether the question asks if something is cost-effective or what return it gives (not how to show that);
    so does a follow-up that turns such a question to something new ("What about for fathers?" after "Do teams pay
    for themselves?"), whose own words are then what the value is asked of."""
    own = own_words(question)
    if value_turned_to(question) is not None:
        own = earlier_question(question)
    return bool(VALUE_ASKED.search(own)) and not SHOWING_VALUE.search(" ".join(EVIDENCE_NOUN.sub(" ", own).split()))


# what a "what about X?" follow-up may turn to: a short noun phrase, not a new question ("And who funds them?", "And
# is it effective?") nor another ask about value or showing it
TURNED_MAX_WORDS = 4
NOT_A_TURN = re.compile(r"\b(?:who|what|how|why|when|where|which|is|are|was|were|does|do|did|can|could|would|should|will|"
                        r"cost\w*|value|worth|save\w*|return\w*|show\w*|prove\w*|evidence|barriers?|enablers?)\b", re.I)


def value_turned_to(question: str) -> str | None:
    """What a follow-up turns the earlier question to when it opens a new topic with a short noun phrase ("for
    fathers" in "What about for fathers?", "after April 2026" in "And after April 2026?"); None for any other
    question."""
    own = own_words(question)
    if own == question or not NEW_TOPIC.match(own) or VALUE_ASKED.search(own):
        return None
    turned = NEW_TOPIC.sub("", own).strip(" ?.!,")
    if not turned or len(turned.split()) > TURNED_MAX_WORDS or NOT_A_TURN.search(turned):
        return None
    return turned


# what a follow-up turns the earlier question to, after its opening ("what about"): "for fathers", "after April 2026"
TURNED_TO = re.compile(r"^(?:for|in|among|with|after|before|from|during|outside|at|by|to|under|over)\b", re.I)


def value_gap(question: str) -> str:
    """VALUE_GAP, with what a follow-up turns a value question to: "whether it is cost-effective for fathers"."""
    turned = value_turned_to(question)
    if turned is None:
        return VALUE_GAP
    joined = turned if TURNED_TO.match(turned) else f"for {turned}"
    return VALUE_GAP.replace("cost-effective", f"cost-effective {joined}", 1)


def value_uncovered(question: str, cited_texts: list[str], stem_of) -> bool:
    """Whether a question asking if something is cost-effective has no cited sentence stating a verdict, a sum or a
    saving that shares a word with what is asked about (as ``cost_uncovered`` for a price)."""
    return asks_value(question) and not stated_for(question, cited_texts, stem_of, VALUE_STATED, VALUE_WORDS)


# Phrases whose words are not what a question is about: "did it make a difference?" asks whether it worked, and its
# "difference" had matched "counts differ between sources" and, unmatched, flagged the question as not covered
IDIOMS = re.compile(r"\b(?:make|makes|made|making) (?:a |any |much |a real |a big )?(?:[\w-]+ )?difference\b", re.I)


# "which of those could I act on myself?", "which are individual level?", "which are in my gift?": the study's
# individual-level items (capability, opportunity, motivation), which one commissioner can act on, as against the
# system-level ones it codes N/A
INDIVIDUAL_ASKED = re.compile(r"\b(?:can|could) (?:i|we) (?:act on|do (?:something|anything) about|change|tackle)"
                              r"(?: (?:it|them|those|these))?(?: (?:myself|ourselves|on (?:my|our) own))?\s*[?.!]?\s*$|"
                              r"\b(?:act on|do something about)(?: (?:it|them|those|these))? (?:myself|ourselves|on (?:my|our) own)\b|"
                              r"\bindividual[- ]level\b|\b(?:in|within) (?:my|our) (?:own )?(?:gift|control|power|remit|hands)\b",
                              re.I)
# ...asked of the study's own lists: a pick from what went before ("which of those...?") or "which barriers ...?"
ITEMS_ASKED = re.compile(SELECTION.pattern + r"|\bwhich (?:of the )?(?:barriers|enablers|ones|items|problems)\b", re.I)


# "money-wise", "cost-wise": "as for money"; the word before is the topic, "wise" is not
WISE = re.compile(r"\b([A-Za-z]+)-wise\b", re.I)


def without_idioms(question: str, listed: bool = True) -> str:
    """The question without its idioms (``IDIOMS`` and, when ``listed``, the everyday ones of retrieval/idioms.txt:
    "apples and oranges?"), its asking for what one can act on oneself (``INDIVIDUAL_ASKED``: the study's
    individual level, not a topic) and the "-wise" of "money-wise", for judging which of its words a sentence
    shares. The not-covered line quotes clauses of it, so it keeps the listed idioms there (``listed=False``) and
    judges their words apart (``uncovered_parts``)."""
    question = without_listed_idioms(question) if listed else question
    return WISE.sub(r"\1", INDIVIDUAL_ASKED.sub(" ", IDIOMS.sub(" ", question)))


# "Is that a recognised problem?", "Is this common?": a short clause asking whether what went before holds
CONFIRMS = re.compile(r"^(?:is|are|was|were|does|do|did|has|have) (?:that|this|it|they|these|those)\b", re.I)
CONFIRMS_MAX_WORDS = 3


# "Who is the chief executive of NHS England?", "What is the recommended vaccination schedule for babies?": the thing a
# who-is or what-is question asks for, up to the words that place it ("of", "for", "in"...)
# words that end the thing asked for and start what is said of it: a verb, an adverb of degree, "there"
_CLAUSE_WORDS = (r"can|could|should|would|will|do|does|did|is|are|cost|likely|typically|usually|normally|roughly|"
                 r"known|there|getting|receiving|spending|paying|given|spent|paid|allocated|worth")
# a participle after the thing starts what is said of it ("how much is the NHS expected to spend"); before a noun
# it is part of the thing ("the expected saving", "the planned care director")
_PARTICIPLES = frozenset("expected estimated projected forecast predicted thought planned due".split())
_THING = (r"(?P<thing>[\w'-]+(?: [\w'-]+){1,3}?)(?= (?:of|for|in|at|on|to|from|with|that|which|who|when|under|between|"
          r"and|or|" + _CLAUSE_WORDS + r")\b|\s*[?.!]|\s*$)")
ASKED_THING = re.compile(r"^\s*(?:who(?:'s| is| are| was| were) (?:the |a |an )?(?:current |new |main )?|"
                         r"what(?:'s| is| are| was| were) (?:the |a |an )?(?:current|recommended|latest|usual|official) |"
                         # "How much is child benefit for a first child?", "How many hours of free childcare...?"
                         r"how much (?:is|are) (?:the |a |an )?|how many (?:hours|days|weeks|places) (?:of |are )?|"
                         r"what does (?:the |a |an |one )?(?=[\w'-]+(?: [\w'-]+){1,3}? cost\b)|"
                         # "Which football team does the health secretary support?": the thing a person picks or owns
                         r"which (?=[\w'-]+(?: [\w'-]+){0,2} (?:does|do|did) (?:the |a |an |my |our )?[\w'-]+(?: [\w'-]+){0,2} "
                         r"(?:support|follow|own|like|prefer|favour|favor|play|drive|use)\b))"
                         + _THING, re.I)  # "what is the X?" alone is too often a definition or a clause to read this way
THING_GAP = ": none of the cited evidence speaks of it"


def asked_thing(question: str) -> str | None:
    """The thing of two or more words a "who is the X?", "what is the current / recommended X?", "how much is X?",
    "how many hours of X?" or "what does X cost?" question asks for ("chief executive", "vaccination schedule", "child
    benefit", "free childcare", "PAIR team"), or None. A comparison ("the difference between...") and a question
    about the cost or value of a thing not named here ("the cost of running a team"), which have their own gaps, are
    not read here."""
    m = ASKED_THING.search(question)
    if m is None:
        return None
    thing = m.group("thing")
    while thing.split()[-1].lower() in _PARTICIPLES and len(thing.split()) > 1:
        thing = thing.rsplit(" ", 1)[0]  # "the NHS expected (to spend)": what is said of it starts there
    words = [w for w in content_words(thing) if w not in generic_words()]
    if len(words) < 2 or re.search(r"\b(?:difference|costs?|value|point|best way|evidence)\b", thing, re.I):
        return None
    if re.search(r"\b(?:" + _CLAUSE_WORDS + r")\b", thing, re.I):
        return None  # "how much is Kent getting for...", "how much is known about...": a clause, not a thing named
    if thing.split()[-1][:1].isupper():
        return None  # "the Start" of "the Start for Life money": a name the stop word cut through
    return thing


def mentions_thing(thing: str, texts: list[str], stem_of) -> bool:
    """Whether one sentence of ``texts`` holds every word of ``thing`` (its content words less common ones), each by
    its stem, except that a noun in -ing ("meeting", "screening") is met only by a word in -ing: the stemmer folds
    "an ICB board meeting" into an ICB's duty to "meet the health needs" of its population."""
    def in_ing(word: str) -> bool:
        return word.lower().removesuffix("s").endswith("ing")  # "meeting", "meetings"

    wanted = [(stem_of(w), in_ing(w)) for w in content_words(thing) if w not in generic_words()]

    def holds(sentence: str) -> bool:
        words = content_words(sentence)
        stems = {stem_of(w) for w in words}
        ing_stems = {stem_of(w) for w in words if in_ing(w)}
        return all(st in (ing_stems if ing else stems) for st, ing in wanted)
    return any(holds(x) for t in texts for x in sentences_of(t))


def unasked_thing(question: str, intent: str, texts: list[str], stem_of) -> str | None:
    """For a fact or named-source question, the thing it asks for (``asked_thing``) when no sentence of ``texts``
    (the passages the answer could draw on) speaks of it: "Who is the chief executive of NHS England?" is then
    refused by name rather than answered from NHS England's planning guidance."""
    thing = asked_thing(own_words(question)) if intent in ("fact", "named_source") else None
    return thing if thing is not None and not mentions_thing(thing, texts, stem_of) else None


def answers_another_question(question: str, intent: str, lead: str, not_covered: list[str], stem_of) -> bool:
    """A fact question part of which is not covered whose lead shares no content word with it: "What position
    should a baby sleep in?" answered with who wrote the study. Nothing in the evidence speaks of it, so it is
    refused rather than answered with a sentence on something else."""
    if intent != "fact" or not not_covered or not lead or own_words(question) != question:
        return False  # a follow-up's few own words ("Any upside though?") are read with the question before it
    asked = {stem_of(w) for w in content_words(question)}
    return bool(asked) and not asked & {stem_of(w) for w in content_words(lead)}


def uncovered_parts(question: str, cited_texts: list[str], stem_of, title: str | None = None,
                    intent: str | None = None, sources: list[str] | tuple = ()) -> list[str]:
    """Parts of the question nothing cited supports: a clause whose content words are mostly absent from the
    cited passages, a UK nation other than England that no cited passage names ("is video feedback recommended
    in Scotland?" answered from NICE's English guidance), or a year (or "after YEAR") that no cited passage
    mentions. ``title``: the title of the document the question names,
    whose words do not count as covered ("what does the 10 Year Health Plan say about hip replacements?" is
    covered only if something cited speaks of hip replacements). ``intent``: the question's (``intent_of``), when
    known: a barriers question of one clause is answered by reasons, not judged clause by clause. A name the question
    asks about (``asked_names``: "Does the Wave Trust fund teams?") no word of which the cited passages or
    ``sources`` (the cited documents' titles and publishers) use is uncovered: the answer is about something else."""
    generic = generic_words()
    cited_words = {stem_of(w) for t in cited_texts for w in content_words(t)}
    written = {w.lower() for t in list(cited_texts) + list(sources) for w in content_words(t)}  # for misspellings
    cited_years = set().union(*(years_in(t) for t in cited_texts)) if cited_texts else set()
    out = []
    own = own_words(question)  # a follow-up is judged on its own words: the earlier question was judged before
    asking = asking_sentences(sentences_of(own))
    named = {stem_of(w) for w in content_words(title)} if title else set()
    clauses = [c for c in CLAUSE_SPLIT.split(without_idioms(" ".join(asking), listed=False)) if c.strip()]
    # the words of an everyday idiom ("apples and oranges?") are no part the evidence could cover; the clause shown
    # keeps them, as the question wrote them
    idiom = idiom_words(" ".join(asking))
    # a barriers question of one clause is answered by reasons, whose words are not its own: "Why don't ICBs
    # prioritise babies?" answered from the study's motivation barriers (which say "infants") is not followed by
    # "the evidence here does not cover: why don't ICBs prioritise babies"; any other clause is judged by its words
    # ("Does baby massage in libraries improve bonding?")
    whole_reasons = len(clauses) == 1 and not title and intent == "barriers"
    for clause in [] if whole_reasons else clauses:
        if CONFIRMS.match(clause.strip()) and len([w for w in content_words(clause) if w not in generic]) <= CONFIRMS_MAX_WORDS:
            continue  # "Is that a recognised problem?": asks whether what went before holds, which the answer says
        words = [w for w in content_words(clause) if not w[0].isdigit() and w not in generic and stem_of(w) not in named
                 and w.lower() not in idiom]
        if len(words) >= 2 and sum(stem_of(w) in cited_words or one_slip_from(w, written) for w in words) / len(words) < 0.5:
            out.append(clause.strip())
    if own != question:  # a follow-up whose own words ("what about dads?") nothing cited mentions, however few
        words = [w for w in content_words(without_idioms(own)) if not w[0].isdigit()]
        missing = [w for w in words if stem_of(w) not in cited_words]
        if missing and len(missing) == len(words) and not any(w in clause for clause in out for w in missing):
            out.append(" ".join(missing))
    if cost_uncovered(question, cited_texts, stem_of) and not any("cost" in x.lower() for x in out):  # not said twice
        out.append(COST_GAP)
    if value_uncovered(question, cited_texts, stem_of) and not any("cost" in x.lower() for x in out):
        out.append(value_gap(question))
    cited = " ".join(cited_texts)
    # a name no word of which the cited passages or their titles and publishers use ("the Wave Trust"): the answer
    # is about something else. One word is enough to count as mentioned: "Health Visitors" is cited as "health
    # visiting", "Family Nurse Partnership" as "the FNP's family nurses"
    source_words = cited_words | {stem_of(w) for t in sources for w in content_words(t)}
    for name in asked_names(own):
        words = name_words(name)
        words = [w for w in words if w not in ORGANISATION_WORDS] or words  # "Trusts with higher referral numbers"
        if not any(stem_of(w.lower()) in source_words or one_slip_from(w.lower(), written) for w in words):
            out.append(f"{name}{NAME_GAP}")  # does not mention the Wave Trust ("Ofstead" is Ofsted misspelt)
    thing = asked_thing(own)
    if thing is not None and not mentions_thing(thing, cited_texts, stem_of):
        out.append(f"{thing}{THING_GAP}")  # "who is the chief executive of NHS England?" answered with its guidance
    for nation in asked_nations(own):
        if not re.search(rf"\b{nation}\b", cited):
            out.append(f"{nation}: none of the cited evidence is about it")
    asked = years_in(question)
    if asked and not asked & cited_years:
        start = min(asked)
        out.append(f"anything for {start} onwards" if max(asked) == HORIZON else f"figures for {', '.join(map(str, sorted(asked)))}")
    return out


# a name in capitals with its small joining words: "Best Start in Life", "Start for Life", "Circle of Security"
NAME_RUN = re.compile(r"\b[A-Z][\w'-]*(?: (?:in|for|of|the|and|to) [A-Z][\w'-]*| [A-Z][\w'-]*)+")


def named_by_phrase(question: str, hits) -> str | None:
    """The one document whose title holds, in any case, a name of three or more words the question writes in
    capitals: "the Best Start in Life strategy" names "Giving every child the best start in life", whose title
    has no capitals to match, and not "The best start for life" vision. A name several titles hold ("Start for
    Life": a programme, not a document) names none."""
    titles = titles_holding(question, hits)
    if len(titles) == 1:
        return next(iter(titles))
    # several titles hold the name: the kind of document the question puts after it ("the Best Start for Life
    # vision") picks the one whose title goes on with that word ("The Best Start for Life: a vision for...", not
    # "...: a progress report on delivering the vision"); "Start for Life funding" names no document
    chosen = {doc for doc, title in titles.items() for run in _name_runs(question)
              if (asked := _word_after(_plain(question), run)) in DOCUMENT_KINDS and _word_after(title, run) == asked}
    return next(iter(chosen)) if len(chosen) == 1 else None


FEW_TITLES = 3  # a name this few titles hold is a source named through several of its documents


def _name_runs(question: str) -> list[str]:
    """The names of three or more words a question writes in capitals, lower-cased ("healthy child programme")."""
    return [run.lower() for m in NAME_RUN.finditer(question) if len((run := OPENING.sub("", m.group(0))).split()) >= 3]


def titles_holding(question: str, hits) -> dict[str, str]:
    """Each document among ``hits`` whose title holds, in any case, a name of three or more words the question
    writes in capitals, with that title in plain form."""
    runs = _name_runs(question)
    return {h.passage.doc_id: _plain(h.passage.meta.title) for h in hits
            if any(re.search(rf"\b{re.escape(run)}\b", _plain(h.passage.meta.title)) for run in runs)}


DOCUMENT_KINDS = frozenset("vision report review strategy guide guidance plan framework manifesto toolkit standard "
                           "progress evaluation consultation statement".split())


def _word_after(text: str, run: str) -> str | None:
    """The first word after ``run`` in ``text`` that is not an article ("a vision" -> vision)."""
    m = re.search(rf"\b{re.escape(run)}\b((?: [\w'-]+){{1,2}})", text)
    words = [w for w in (m.group(1).split() if m else []) if w not in ("a", "an", "the")]
    return words[0] if words else None


TITLE_WORDS_TO_NAME = 6  # a shorter title ("First 1000 days of life") is a phrase a question may use without meaning the document


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w'-]+", " ", text.lower()).split())


def named_by_title_words(question: str, hits) -> str | None:
    """The one document whose title (its part before a colon or bracket), of six or more words, the question
    writes out in any case: "Are there local evaluations of parent-infant relationship services in England we
    could learn from?" asks about "Local evaluations of parent-infant relationship services in England"."""
    asked = f" {_plain(question)} "
    docs = []
    for hit in hits:
        main = _plain(re.split(r"[:(]", hit.passage.meta.title, maxsplit=1)[0])
        if len(main.split()) >= TITLE_WORDS_TO_NAME and f" {main} " in asked and hit.passage.doc_id not in docs:
            docs.append(hit.passage.doc_id)
    return docs[0] if len(docs) == 1 else None


# a year written as part of a document's name ("the 2019 Commons First 1000 Days report", "Rare Jewels (2019)"), not
# a period asked about ("since 2021", "in 2024")
NAMING_YEAR = re.compile(r"(?<!\bsince )(?<!\bfrom )(?<!\bafter )(?<!\bin )(?<!\bby )(?<!\buntil )\b((?:19|20)\d\d)\b(?= (?-i:[A-Z]))|"
                         r"\(((?:19|20)\d\d)\)")


def named_document(question: str, hits) -> str | None:
    """The document a question names ("What does the Rare Jewels report say...?"): two or more of its
    title's capitalised words, or one distinctive acronym such as NICE, in the question; or a name of three or
    more words that its title holds in any case (``named_by_phrase``); or its title written out in any case
    (``named_by_title_words``). Of two documents so named, the one of a year the question gives: "What did the 2019
    Commons First 1000 Days report recommend?" had been answered from its 2026 successor, which ranked first."""
    asked = {re.sub(r"['’]s$", "", w) for w in asked_capitals(question)} - NOT_PLACES  # "EIF's" is EIF
    acronyms = {w for w in asked if is_acronym(w)}

    def names_it(meta) -> bool:
        title_words = capitalised(f"{meta.title} {meta.publisher}") - NOT_PLACES
        shared = asked & title_words
        # "EIF's Foundations for Life report": a distinctive word of the title itself with its publisher's acronym
        # (the acronym alone names the publisher, whose documents are several; "What does EIF say about Early
        # help?" shares only the publisher's own name)
        return bool(len(shared) >= 2 or any(is_acronym(w) for w in shared) or acronyms & title_initials(meta.title)
                    or (asked & (capitalised(meta.title) - NOT_PLACES - GENERIC_TITLE_WORDS)
                        and acronyms & title_initials(meta.publisher)))

    # with no capitalised word asked, nothing is shared: the names below decide
    named = [hit for hit in hits if names_it(hit.passage.meta)]
    if named:
        years = {int(a or b) for a, b in NAMING_YEAR.findall(question)}
        return next((h for h in named if h.passage.meta.year in years), named[0]).passage.doc_id
    return named_by_phrase(question, hits) or named_by_title_words(question, hits)


def distinctive_document(question: str, hits, documents_mentioning) -> str | None:
    """The top hit's document when the question writes a name that only that document's passages use ("Did the
    Nottinghamshire initiative make a difference?"): the question is about that document although it never names
    its title. ``documents_mentioning(word)`` is the set of documents whose passages use the word as written."""
    if not hits:
        return None
    top = hits[0].passage.doc_id
    return top if any(documents_mentioning(w) == {top} for w in distinct_names(question, documents_mentioning)) else None


def top_named_by(question: str, hits, documents_mentioning, names_top) -> str | None:
    """The top hit's document when ``names_top(word, documents using it, top document)`` holds for a capitalised
    word of the question (``acronym_named``)."""
    if not hits:
        return None
    top = hits[0].passage.doc_id
    words = sorted(asked_capitals(question) - NOT_PLACES)
    return top if any(names_top(w, documents_mentioning(w), top) for w in words) else None


def named_source_docs(question: str, hits, named: str | None) -> set[str]:
    """The documents a "what does X say?" question asks about: the one it names (``named_document``) and, when it
    names it only through its publisher ("What does NICE say ...?": NG26, PH40 and QS133 alike), every document
    of that publisher among ``hits``. With no one document named, the documents whose titles all hold the name the
    question writes ("What does the Healthy Child Programme say...?": its delivery guidance and its high-impact
    areas alike), so that the answer is not led by another document's sentence about health visitors."""
    meta = next((h.passage.meta for h in hits if named and h.passage.doc_id == named), None)
    if meta is None:  # a name a few titles hold; "Start for Life" is in many, a programme, and names none of them
        held = titles_holding(question, hits)
        return set(held) if len(held) <= FEW_TITLES else set()
    by_title = title_named(question, [h for h in hits if h.passage.doc_id == named][:1]) == named
    if by_title or not (asked_capitals(question) - NOT_PLACES) & capitalised(meta.publisher):
        return {named}
    return {named} | {h.passage.doc_id for h in hits if h.passage.meta.publisher == meta.publisher}


def title_initials(title: str) -> set[str]:
    """The acronyms a title spells out: "The Family Nurse Partnership to reduce..." gives FNP ("of", "and", "for"
    and "the" inside a run are skipped, as in CAMHS)."""
    out = set()
    for run in re.findall(r"[A-Z][a-z]+(?:\s+(?:(?:of|and|for|the)\s+)?[A-Z][a-z]+)+", title):
        initials = "".join(w[0] for w in re.sub(r"^The\s+", "", run).split() if w[0].isupper())
        if len(initials) >= 3:
            out.add(initials)
    return out


# -- each intent's plan for which passages to cite -----------------------------------------------------------
WANTED_RELATIONS = {"barriers": ("reports_barrier",), "how_to": ("reports_enabler", "evidence_against")}
DESIGN_ORDER = ("systematic_review", "randomised_trial", "quasi_experimental", "cohort", "economic_model", "survey",
                "qualitative", "guidance", "expert_report", "framework")
PLAN_EXTRA = 3  # passages an intent's plan may bring in beside the plain ranking (one per catalogue item)


STUDY_TABLE_1 = re.compile(r"^Table 1 barriers\b")
# Words that do not narrow "what stops commissioners funding parent-infant services?" to one barrier.
GENERAL_BARRIER_WORDS = (
    "what which why how main biggest key common usual real stop stops stopping stopped prevent prevents get gets way "
    "barrier barriers obstacle obstacles hard harder difficult difficulty challenge challenges problem problems issue "
    "issues block blocks hold holding back commission commissions commissioner commissioners commissioning fund funds "
    "funding service services parent infant parent-infant pair relationship relationships team teams say said tell "
    "told report reported reports find found study north east cumbria england local area areas capability opportunity "
    "council councils icb icbs authority authorities "  # the study's commissioners
    "motivation those these them they their this behaviour behavioural individual level system following "
    "propose proposes proposed recommend recommends recommended suggest suggests suggested "
    "code codes coded coding classify classifies classified count counts counted class classes classed "
    "treat treats treated label labels labelled put puts")  # "which does the study code as system level?"


@lru_cache(maxsize=1)
def _general_barrier_stems() -> frozenset:
    return frozenset(tokens(GENERAL_BARRIER_WORDS))


# "What is commissioning?", "What's COM-B?", "What does PAIR mean?": a short term asked to be explained
DEFINITION_ASKED = re.compile(r"^\s*(?:what(?:'s| is| are) (?:an? |the )?(?P<a>[^?]+?)|what does (?P<b>[^?]+?) mean)\s*\??\s*$", re.I)
DEFINITION_TERM_WORDS = 4  # longer is a question about something else ("what is the weather forecast for Newcastle?")
# "What is the best way to start?", "What is the cost of a team?", "What are the barriers?": not a term to explain
NOT_A_TERM = re.compile(r"^(?:best|main|biggest|key|latest|current|cost|costs|number|total|amount|budget|difference|"
                        r"evidence|point|purpose|role|aim|barriers?|enablers?|problems?|options?|way|ways|next|first)\b", re.I)


def asked_term(question: str, intent: str = "fact") -> str | None:
    """The term a "what is X?" question asks to be explained, if it is one: a fact or named-source question of at
    most four words after "what is", no figure, not "the best way", "the cost of ...", "the barriers"."""
    if intent not in ("fact", "named_source"):
        return None
    m = DEFINITION_ASKED.match(question)
    phrase = m and (m.group("a") or m.group("b"))
    if not phrase or len(phrase.split()) > DEFINITION_TERM_WORDS or any(ch.isdigit() for ch in phrase) or NOT_A_TERM.match(phrase):
        return None
    return phrase


def definition_query(question: str, phrase: str) -> str:
    """What a "what is X?" question is searched with once it is known to be in scope: the passage that defines a
    term ("Definition of commissioning used in the study") ranks below the many that use it, for the question alone."""
    return f"{question} (definition of {phrase})"


def general_barrier_question(intent: str, question: str) -> bool:
    """A barriers question that names no particular barrier ("What gets in the way of commissioning these
    services?"): answered from the study's own list of barriers (its Table 1), not from whichever three
    passages happen to be closest."""
    return intent == "barriers" and not (asked_words(question) - _general_barrier_stems())


# phrases that name no particular barrier: the study's own subject ("what stops councils commissioning infant mental
# health services?") and asking which one can act on oneself (INDIVIDUAL_ASKED)
STUDY_SUBJECT = re.compile(r"\b(?:infants?|bab(?:y|ies))(?:['’]s?)? mental health\b", re.I)


def asked_words(question: str) -> set[str]:
    """The question's word stems that could narrow it to one barrier: not the "s" of a possessive ("the study's
    barriers") or any other one-letter token. Dropping lone letters in ``text.tokens`` itself was tried (ninth
    pass): it re-ranked 21 development answers and cost 0.016 of point recall, so the filter stays here."""
    question = INDIVIDUAL_ASKED.sub(" ", STUDY_SUBJECT.sub(" ", question))
    return {t for t in tokens(question) if len(t) > 1}


STUDY_TABLE_2 = re.compile(r"^Table 2 enablers\b")
# "enablers" or "facilitators" by name; "what helps" only about commissioning or funding ("what helps the
# parent-infant relationship?" asks about practice, not the study's enablers)
ENABLERS_ASKED = re.compile(r"\b(?:enablers?|facilitators?)\b|\bwhat (?:helps?|helped|makes? it easier|made it easier)\b"
                            r"(?=.*\b(?:commission\w*|fund\w*))", re.I)
GENERAL_ENABLER_WORDS = ("enabler enablers facilitator facilitators help helps helped make makes made easier enable enables "
                         "work rather than instead")  # "rather than the barriers, what makes ... work commissioned?"


@lru_cache(maxsize=1)
def _general_enabler_stems() -> frozenset:
    return _general_barrier_stems() | frozenset(tokens(GENERAL_ENABLER_WORDS))


def general_enabler_question(question: str) -> bool:
    """A question about the enablers in general ("What are the enablers of commissioning parent-infant
    services?", "What helps commissioners fund these services?"), naming none in particular: answered from the
    study's own list of enablers (its Table 2), as a general barriers question is from its Table 1."""
    return bool(ENABLERS_ASKED.search(question)) and not (asked_words(question) - _general_enabler_stems())


def enabler_overview(intent: str, question: str) -> bool:
    """Whether the answer lists the study's Table 2: a general question about enablers that does not also ask
    about barriers ("what are the barriers and enablers?" is answered as a barriers question, as before)."""
    return intent not in ("what_first", "barriers") and general_enabler_question(question)


def overview_hits(retriever, sims, filters=None, table: re.Pattern = STUDY_TABLE_1) -> list[Hit]:
    """The study's Table 1 passages (every barrier it names, with its COM-B coding), or with ``table``
    STUDY_TABLE_2 its Table 2 passages (every enabler), in document order."""
    rows = [(i, p) for i, p in enumerate(retriever.passages)
            if p.meta.doc_type == "study" and table.match(p.locator or "") and (filters is None or filters.allows(p))]
    return [Hit(p, float(sims[i]), 0.0, planned=True, overview=True) for i, p in sorted(rows, key=lambda r: r[1].position)]


# "Compare Family Nurse Partnership and video feedback for attachment", "PIP versus video feedback", "the difference
# between a parent-infant team and a perinatal service", "Which has the stronger evidence - PIP or video feedback?"
_WORD = r"[\w'’/]+(?:-[\w'’/]+)*"  # a word, hyphenated or not; never a dash on its own
_SIDE = rf"{_WORD}(?: {_WORD}){{0,5}}?"
_TAIL = r"(?: (?:for|in|on|at|among|with) [\w'’ -]+)?\s*[?.!]?$"  # "... or VIG for attachment?": not part of a side
COMPARED = (
    re.compile(rf"\bcompare (?:the )?(?P<a>{_SIDE}) (?:and|with|to|against) (?:the )?(?P<b>{_SIDE})(?= for\b| on\b| in\b| as\b|[?.!,]|$)", re.I),
    re.compile(rf"\bdifference between (?:an? |the )?(?P<a>{_SIDE}) and (?:an? |the )?(?P<b>{_SIDE})(?= for\b| on\b| in\b|[?.!,]|$)", re.I),
    re.compile(rf"(?:^|[-–:,] )(?:is |are )?(?:an? |the )?(?P<a>{_SIDE}) (?:vs\.?|versus|or) (?:an? |the )?(?P<b>{_SIDE}){_TAIL}", re.I),
    re.compile(rf"^(?:how )?(?:is|are) (?:an? |the )?(?P<a>{_SIDE}) (?:(?:really|any|much|very) )?different (?:from|to|than) "
               rf"(?:an? |the )?(?P<b>{_SIDE}){_TAIL}", re.I),
    re.compile(rf"^(?:is|are|does|do|was|were) (?:an? |the )?(?P<a>{_SIDE}) (?:(?:work|do|did|works)(?: (?:any|much|far))? )?"
               rf"(?:(?:any|much|far) )?(?:better|worse|more effective|less effective|stronger|weaker|cheaper) than "
               rf"(?:an? |the )?(?P<b>{_SIDE}){_TAIL}", re.I),
)


def comparison_sides(question: str) -> list[str]:
    """The two things a comparison question sets side by side, or [] when it names no pair."""
    for pattern in COMPARED:
        m = pattern.search(question.strip())
        if m:
            return [m.group("a").strip(), m.group("b").strip()]
    return []


# a sentence that sets two things side by side: "teams focus on the relationship, while perinatal services focus on
# the mother", "fewer than five sessions were as effective as longer ones", "compared with usual care"
COMPARES = re.compile(r"\b(?:(?<!rather )than|compar\w*|whereas|while|differ\w*|difference|versus|vs|both|unlike|similar|"
                      r"as (?:\w+ )?(?:effective|good|well|strong) as|head[- ]to[- ]head)\b", re.I)
SIDE_NOT_TOPIC = frozenset(tokens("different difference better worse best more less effective stronger weaker cheaper "
                                  "really much far any use using"))


UNCOMPARED_LOOKUP = 50  # passages read for each side and for both: the lexical ranking's first, at any index size


def uncompared(question: str, intent: str, retriever, filters=None) -> str | None:
    """"A direct comparison of A and B" when a comparison names two sides, each of which some passage of the evidence
    speaks of (all of a side's words in one passage), but no sentence of it speaks of both while comparing (``COMPARES``):
    "Is a parent-infant team better than a health visitor?" is then answered side by side, and the reader is told
    that no source sets one against the other. A side the evidence never speaks of is left to ``uncovered_parts``;
    a comparison some sentence does make ("fewer sessions were as effective as more") is not flagged. Only the
    passages the lexical ranking puts first for a side's words are read, so the cost does not grow with the index;
    with ``filters``, only the passages they allow (the evidence the answer draws on)."""
    from assistant.ingest.chunking import split_sentences

    sides = comparison_sides(question) if intent == "comparison" else []  # "perinatal or maternal services" is one thing
    if len(sides) != 2:
        return None
    a, b = (set(tokens(side)) - SIDE_NOT_TOPIC for side in sides)
    if not a or not b or a <= b or b <= a:
        return None
    mask = None if filters is None or filters.is_empty() else retriever.columns.mask(filters)
    known = getattr(retriever, "acronyms", {})  # the long forms the corpus gives its acronyms
    side_a, side_b = (Side.of(side, words, known) for side, words in zip(sides, (a, b)))

    def texts_holding(words: set[str], holds):
        """The texts, among the lexical ranking's first for ``words``, whose tokens ``holds`` accepts (lazily)."""
        ranked = retriever.lexical.rank(sorted(words), UNCOMPARED_LOOKUP, None if mask is None else (lambda i: bool(mask[i])))
        return (text for i, _ in ranked if holds(set(tokens(text := retriever.passages[i].text))))

    if (next(texts_holding(side_a.searched, side_a.held), None) is None
            or next(texts_holding(side_b.searched, side_b.held), None) is None):
        return None
    for text in texts_holding(side_a.searched | side_b.searched, lambda t: side_a.held(t) and side_b.held(t)):
        if any(COMPARES.search(s) and side_a.held(t := set(tokens(s))) and side_b.held(t) for s in split_sentences(text)):
            return None
    return f"{UNCOMPARED}{sides[0]} with {sides[1]}: no source here compares them directly"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its plain words, and for each acronym the corpus spells out ("PAIR":
    parent-infant relationship) the words of that long form. A text speaks of the side when it holds all the plain
    words and, for each acronym, the acronym or most of its long form, as sources write it ("a PAIR team" is spoken
    of by "parent-infant teams ..., while perinatal services ...")."""
    plain: frozenset
    forms: tuple  # (acronym token, frozenset of its long form's tokens)

    @classmethod
    def of(cls, side: str, words: set[str], known: dict[str, str]) -> "Side":
        forms = {}
        for word in WRITTEN_ACRONYM.findall(side):
            key, long = next(iter(tokens(word)), None), long_form(word, known)
            if long and key in words:
                forms[key] = frozenset(tokens(long))
        return cls(frozenset(words - set(forms)), tuple(forms.items()))

    def held(self, t: set[str]) -> bool:
        return self.plain <= t and all(k in t or 2 * len(long & t) >= len(long) for k, long in self.forms)

    @property
    def searched(self) -> set[str]:
        """The words to rank passages by: the side's own and its acronyms' long forms."""
        return set(self.plain).union(k for k, _ in self.forms).union(*(long for _, long in self.forms))


def side_words(question: str) -> list[tuple[set[str], set[str]]]:
    """For each side a comparison names, its words and the other side's words it does not share."""
    words = [set(tokens(side)) for side in comparison_sides(question)]
    return [(w, set().union(*(x for j, x in enumerate(words) if j != i)) - w) for i, w in enumerate(words)]


def speaks_of(text: str, words: set[str], others: set[str] = frozenset()) -> bool:
    """A sentence of ``text`` that holds all of a side's ``words`` and not all of the other side's (``others``):
    one sentence listing both programmes' ratings to look up speaks of neither on its own."""
    from assistant.ingest.chunking import split_sentences

    if not words <= set(tokens(text)):
        return False
    return any(words <= (held := set(tokens(s))) and not (others and others <= held) for s in split_sentences(text))


def with_each_side(question: str, hits: list[Hit], retriever, s: Settings, filters=None) -> list[Hit]:
    """A comparison answered from both sides: for each side the plain ranking does not reach in its first ``k``
    passages, the best passage of a search for that side alone that uses its words, placed after the best hit
    ("Compare Family Nurse Partnership and video feedback" had drawn on video feedback alone)."""
    superseded = retriever.superseded_documents(question)
    first = hits[:s.k]
    added: list[Hit] = []
    for side, (words, others) in zip(comparison_sides(question), side_words(question)):
        if not words or any(speaks_of(h.passage.text, words, others) for h in first):
            continue  # the ranking already has a passage on this side
        for h in retriever.search(side, s.k, filters).hits:
            if (h.passage.doc_id not in superseded and words <= set(tokens(h.passage.text))
                    and all(h.passage.passage_id != x.passage.passage_id for x in first + added)):
                added.append(Hit(h.passage, h.score, h.fused, h.bm25, planned=True))
                break
    return hits[:1] + added + [h for h in hits[1:] if all(h.passage.passage_id != a.passage.passage_id for a in added)]


def placed_first(first: list[Hit], hits: list[Hit]) -> list[Hit]:
    """The passages a plan brought in (a study table, the cycle and toolkit) first, then the other hits."""
    ids = {h.passage.passage_id for h in first}
    return first + [h for h in hits if h.passage.passage_id not in ids]


# "Does it work?" is answered by what a trial or review found, not by how it was run: a passage whose heading reports
# findings ("Results: fewer behaviour problems", "PIRi findings: ...", "No clear effect on ...")
FINDINGS_HEADING = re.compile(r"^(?:results?|findings?|effects?)\b|\b(?:findings|(?<!were )(?<!was )found|shows?|did best)\b|"
                              r"\b(?:improved|improvements?|fewer|better|worse|strongest evidence)\b|"
                              r"\b(?:no|little|some|mixed|clear|positive|negative|small|moderate|added) (?:clear |added )?"
                              r"(?:effects?|benefits?|differences?|changes?|results?|improvements?|evidence)\b", re.I)
EVALUATED_DESIGNS = frozenset(("systematic_review", "randomised_trial", "quasi_experimental", "cohort"))


def reports_findings(passage) -> bool:
    """A passage of a trial, review or evaluation whose heading says what it found."""
    return passage.meta.design in EVALUATED_DESIGNS and bool(FINDINGS_HEADING.search(passage.locator))


def findings_first(hits: list[Hit]) -> list[Hit]:
    """After each evaluated document's best passage, its findings passages ahead of its others, in the slots its
    passages hold: with at most ``max_per_doc`` passages of a document cited, its design and recruitment had taken
    both. The best passage stays first: it may answer another part of the question (its cost, whom it covered)."""
    queues: dict[str, list[Hit]] = {}
    for h in hits:
        queues.setdefault(h.passage.doc_id, []).append(h)
    for queue in queues.values():  # its best passage keeps its place; after it, findings before the rest
        queue[1:] = sorted(queue[1:], key=lambda h: not reports_findings(h.passage))  # stable within each kind
    return [queues[h.passage.doc_id].pop(0) for h in hits]


# "Which of those studies were done in England?", "Were any UK trials positive?": the evidence from that setting (each
# document's ``setting``: England, UK or other) first; not "What evidence is there on funding in England?" (evidence
# on a topic, not studies), nor "studies outside the UK"
SETTING_ASKED = re.compile(r"(?<!outside )(?<!apart from )(?<!other than )(?<!non-)\b(?:in|from|within) (?:the )?"
                           r"(England|UK|United Kingdom|Britain)\b|"
                           r"(?<!non-)\b(English|British|UK)(?: [\w-]+)? (?:stud(?:y|ies)|trials?|evaluations?|research)\b", re.I)
STUDY_WORDS = re.compile(r"\b(?:stud(?:y|ies)|trials?|evaluations?|research)\b", re.I)
NOT_THERE = re.compile(r"\b(?:outside|apart from|other than|non-|besides|beyond)\s*(?:the )?(?:England|UK|Britain|English|British)\b", re.I)


def asked_setting(question: str) -> frozenset[str] | None:
    """The settings a question about studies asks for, in a follow-up's own words first ("Which of those studies
    were done in England?" -> {"England"}; "Were any UK trials positive?" -> {"England", "UK"}), or None."""
    for text in dict.fromkeys((own_words(question), question)):
        m = SETTING_ASKED.search(text)
        if m and STUDY_WORDS.search(text) and not NOT_THERE.search(text):
            place = (m.group(1) or m.group(2)).lower()
            return frozenset({"England"}) if place in ("england", "english") else frozenset({"England", "UK"})
    return None


def in_setting_first(hits: list[Hit], settings: frozenset[str]) -> list[Hit]:
    """The hits from the asked setting first, in their order, then the rest; unchanged when none is from it."""
    inside = [h for h in hits if h.passage.meta.setting in settings]
    return inside + [h for h in hits if h.passage.meta.setting not in settings] if inside else hits


def plan_hits(intent: str, question: str, retrieval: Retrieval, retriever, s: Settings, filters=None) -> list[Hit]:
    """The ranking the answer draws on, adjusted to what is asked:
    - a general barriers question: the study's Table 1 passages first (the composer names every barrier there);
      a general question about enablers, whatever its intent: its Table 2 passages;
    - barriers / how to: the closest passage for each of up to three catalogue items whose tag
      reports a barrier (or an enabler, or is evidence against a barrier), placed after the best hit, so the
      answer can name distinct barriers or levers rather than three passages on one;
    - what first: the commissioning cycle and toolkit passages (a fixed query, BM25 and dense), then the rest;
    - a how-to about making the case: also the closest evidence against "hard to show impact and value for money"
      and "doubts about how many families need specialist services", found by what the catalogue says that
      evidence is (``case_queries``); the answer leads with it;
    - a comparison naming its sides: a passage for a side the ranking does not reach (``with_each_side``);
    - evidence: each trial's or review's findings ahead of its design, in its own slots (``findings_first``);
    - studies from a setting ("which were done in England?"): those first (``asked_setting``), before any plan.
    Passages the filters exclude are never brought in."""
    setting = asked_setting(question)  # "which of those studies were done in England?": those first, then any plan
    hits = in_setting_first(list(retrieval.hits), setting) if setting is not None else list(retrieval.hits)
    # the search already scored every passage against the question; a second pass costs 12-50 ms at 50k passages
    sims = retrieval.similarities if retrieval.similarities is not None else retriever.vectors @ retrieval.query_vector
    if enabler_overview(intent, question):
        return placed_first(overview_hits(retriever, sims, filters, STUDY_TABLE_2), hits)
    wanted = WANTED_RELATIONS.get(intent)
    if intent == "what_first":  # answered from the cycle and toolkit (BM25 + dense, like any question)
        superseded = retriever.superseded_documents(question)
        fixed = [Hit(h.passage, h.score, h.fused, h.bm25, planned=True)
                 for h in retriever.search(WHAT_FIRST_QUERY, s.k, filters).hits if h.passage.doc_id not in superseded][:s.k]
        return placed_first(fixed, hits)
    if intent != "how_to" and asks_value(question):  # "what's the return on investment of teams?"
        hits = with_value_evidence(question, hits, retriever, s, filters)
    if intent in ("comparison", "evidence") and comparison_sides(question):  # "which has the stronger evidence - X or Y?"
        return with_each_side(question, hits, retriever, s, filters)
    if intent == "evidence":
        return findings_first(hits)
    if not wanted:
        return hits
    have = {h.passage.passage_id for h in hits[:1]}
    items_seen = {h.passage.com_b.item for h in hits[:1]}
    superseded = retriever.superseded_documents(question)
    extra: list[Hit] = []
    case: list[Hit] = []
    if intent == "how_to" and (MAKING_THE_CASE.search(question) or NEED_COUNTED.search(question)):
        # the study's diagnosis: making the case is being able to show impact and value for money (Table 3,
        # capability), against doubts about how many families need the service; the evidence for both (cost, return,
        # reach figures) shares few words with "make the case to my board", so it is searched for by what the
        # catalogue says that evidence is, like the "what first" plan, and scored against that search. Estimating
        # local need is the second half alone: prevalence and reach figures to scale to local births
        for item, query in case_queries(question):
            if any(case_evidence(h.passage, item) for h in hits[:1]):
                # the best hit is already that evidence: one passage per item, and it leads with the others
                hits[0] = dataclasses.replace(hits[0], leads=True)
                continue
            for h in retriever.search(query, s.k * 4, filters).hits:
                p = h.passage
                # the evidence against each item, even when the best hit reports that barrier
                if not case_evidence(p, item) or p.passage_id in have or p.doc_id in superseded:
                    continue
                case.append(Hit(p, h.score, h.fused, h.bm25, planned=True, leads=True))
                have.add(p.passage_id)
                items_seen.add(item)
                break
    for i in sims.argsort()[::-1]:
        p = retriever.passages[i]
        if len(extra) >= PLAN_EXTRA or sims[i] < s.abstain_threshold:
            break
        if p.passage_id in have or p.com_b.relation not in wanted or p.com_b.item in items_seen:
            continue
        if filters is not None and not filters.allows(p):
            continue  # the plan never brings in what the commissioner filtered out
        if p.doc_id in superseded:
            continue  # nor a superseded document for a question about its successor's period
        extra.append(Hit(p, float(sims[i]), 0.0, planned=True))
        have.add(p.passage_id)
        items_seen.add(p.com_b.item)
    extra = case + extra  # the case's own two places, then up to PLAN_EXTRA items as for any how-to
    ids = {h.passage.passage_id for h in extra}
    planned = hits[:1] + extra + [h for h in hits[1:] if h.passage.passage_id not in ids]
    if general_barrier_question(intent, question):
        planned = placed_first(overview_hits(retriever, sims, filters), planned)
    return planned


def with_value_evidence(question: str, hits: list[Hit], retriever, s: Settings, filters=None) -> list[Hit]:
    """"What's the return on investment of parent-infant teams?" had been answered with team counts (the words
    "parent-infant teams"), and said no cited passage gives a saving. A question asking whether something is
    cost-effective or what it returns (``asks_value``) gets the closest evidence against "hard to show impact and
    value for money" with a sentence stating a saving, return or sum for what the value is asked of (as
    ``value_uncovered`` judges a cited passage: "is video feedback cost-effective?" is not answered by the saving from
    parent-infant teams), searched for as making the case is (``case_queries``), placed after the best hit, and the
    answer leads with it; unchanged when the top three hits already hold such evidence, or nothing found speaks of
    it."""
    if any(case_evidence(h.passage, CASE_ITEMS[0]) for h in hits[:3]):
        return hits
    superseded = retriever.superseded_documents(question)
    for h in retriever.search(case_queries(question)[0][1], s.k * 4, filters).hits:
        p = h.passage
        if (case_evidence(p, CASE_ITEMS[0]) and p.doc_id not in superseded
                and not value_uncovered(question, [p.text], term)):
            rest = [x for x in hits if x.passage.passage_id != p.passage_id]
            return rest[:1] + [Hit(p, h.score, h.fused, h.bm25, planned=True, leads=True)] + rest[1:]
    return hits


def order_cited(intent: str, hits: list[Hit], question: str = "") -> list[Hit]:
    """The order the composer reads the cited passages in: strongest design first for an evidence question
    ("does it work" answers lead with the strongest design), else as ranked. When the question names a programme
    (``asked_names``), the passages that speak of it come first, strongest first: "How strong is the trial evidence
    for Circle of Security Parenting?" had led with the Cochrane review of video feedback, the strongest design cited."""
    if intent != "evidence":
        return hits
    rank = {d: i for i, d in enumerate(DESIGN_ORDER)}
    named = asked_names(own_words(question)) if question else []
    return sorted(hits, key=lambda h: (bool(named) and not speaks_of_a_name(h.passage.text, named),
                                       rank.get(h.passage.meta.design or "", len(DESIGN_ORDER))))


def speaks_of_a_name(text: str, names: list[str]) -> bool:
    """Whether a passage speaks of one of the names: a sentence with all its words (``speaks_of``), or its initials
    as a word (``title_initials``: "FNP" for Family Nurse Partnership)."""
    return any(speaks_of(text, set(tokens(name))) or any(re.search(rf"\b{i}\b", text) for i in title_initials(name))
               for name in names)
