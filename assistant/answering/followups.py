"""Conversation state: resolve a follow-up ("and what about funding?") into a standalone question.

Without an LLM, a follow-up is recognised by its opening words or by a pronoun with little content of its
own, and is joined to the previous standalone question, which is what retrieval then searches. With an LLM
configured, the condense prompt in prompts/condense_followup.md rewrites it instead (falling back to the rule).
"""

from __future__ import annotations

import re

from assistant.retrieval.periods import MONTHS, years_in
from assistant.text import content_words

# A period in the earlier question ("in 2025-26", "for 2024/25", "after April 2026"), dropped when the follow-up
# names its own: otherwise the answer would draw on both years' figures.
_PERIOD = re.compile(r"\s*\b(?:in|for|during|by|after|from|since|before|until)?\s*(?:(?:the\s+)?(?:financial\s+)?year\s+)?"
                     rf"(?:(?:{'|'.join(MONTHS)})\s+)?"
                     r"(?:19|20)\d{2}(?:\s*[-/–]\s*\d{2,4})?\b", re.I)

# "ok and from April 2026?", "thanks - what about dads?": a word of acknowledgement may come first, before a word that
# opens a follow-up ("Great Ormond Street: what about it?" and "Fine motor skills..." keep their first word)
_OPENS = r"(?:and|but|also|so|then|what|how|why|which|any|is|are|was|were|does|do|did|can|could|tell|more)\b"
_ACKNOWLEDGEMENT = r"(?:ok(?:ay)?|right|thanks|thank you|great|cool|fine|got it|i see)\b[\s,.!:;–-]*(?=" + _OPENS + ")"
ACKNOWLEDGEMENT = re.compile(r"^" + _ACKNOWLEDGEMENT, re.I)
FOLLOW_UP_OPENERS = re.compile(r"^(?:" + _ACKNOWLEDGEMENT + r")?(and|but|also|so|then|what about|how about|and what|what else|why|how so|more on|tell me more|"
                               r"which of (?:those|these|them|the above)|what of|any of (?:those|these|them))\b", re.I)
CONTEXT_MARK = " (following on from: "  # joins a follow-up to the earlier question it leans on (condense)
SELECTION = re.compile(r"^(?:(?:and|so|but) )?(?:which|any) of (?:those|these|them|the above)\b", re.I)  # picks from a list named before
# a very short question that asks for more of what was just discussed
SHORT_ASK = re.compile(r"^(?:any|anything|anyone|more|else|other)\b|\b(?:though|then|too|as well)\W*$", re.I)
# "which kind of programme came out best in it?": a short question ending on what the one before named
ENDS_POINTING = re.compile(r"\b(?:in|of|from|about|for|with|on|by|to) (?:it|them|those|these|that)\W*$", re.I)
ENDS_POINTING_MAX_WORDS = 5
# ...unless the question itself names what the pronoun points to first: "Video feedback: what do health visitors
# think of it?", "If a new mum has postnatal anxiety, what helps with it?"
NAMES_ITS_OWN = re.compile(r"[,:;(]|\s[-–—]\s|^\s*(?:if|when|whenever|once|where|as|because|since|after|before|for)\b", re.I)
ANAPHORA = re.compile(r"\b(that|this|it|its|they|them|their|those|these|he|she|such|same)\b", re.I)
# "Is it still reliable though?", "Does that include dads?": a question about what was just said, whatever its length
POINTING_OPENER = re.compile(r"^(?:is|are|was|were|does|do|did|can|could|should|would|will|has|have) "
                             r"(?:it|they|this|that|these|those)\b", re.I)


def previous_question(history: list[dict]) -> str | None:
    """The last user question in a history of {"role", "content"} messages (standalone form if recorded)."""
    for msg in reversed(history or []):
        if msg.get("role") == "user":
            meta = msg.get("metadata") or {}
            return meta.get("standalone") or msg.get("content")
    return None


def is_follow_up(question: str) -> bool:
    """A question that leans on the one before: it opens like a follow-up ("and after April 2026?", "what about
    dads?", "which of those...", "is it still reliable?") and is short, or it is short and ends on what went before
    ("which kind came out best in it?"), or it is a pronoun with almost nothing of its own, or it has no word of
    its own at all ("how many are there?")."""
    words = content_words(question)
    if not words:  # "how many are there?", "when?": nothing of its own to search for
        return True
    if len(words) <= 2 and SHORT_ASK.match(question.strip()):  # "Any upside though?", "Anything on dads?"
        return True
    if (FOLLOW_UP_OPENERS.match(question.strip()) or POINTING_OPENER.match(question.strip())) and len(words) <= 6:
        return True
    if ENDS_POINTING.search(question) and len(words) <= ENDS_POINTING_MAX_WORDS and not NAMES_ITS_OWN.search(question):
        return True
    return bool(ANAPHORA.search(question)) and len(words) <= 3


def condense(question: str, history: list[dict], rewrite=None) -> str:
    """The follow-up as a standalone question. ``rewrite(question, history)`` (the LLM's condense step, when
    one is configured) is tried first; the rule is the fallback."""
    prev = previous_question(history)
    if not prev or not is_follow_up(question):
        return question
    if rewrite is not None:
        rewritten = rewrite(question, history)
        if rewritten:
            return rewritten
    q = ACKNOWLEDGEMENT.sub("", question.strip()).rstrip("?.! ")  # "ok and after 2026?": "ok" is not searched for
    prev = prev.strip().rstrip("?")
    if SELECTION.match(q) and CONTEXT_MARK in prev and SELECTION.match(prev):
        # "which of those are capability problems?" after "which of those are system level?" picks from the same
        # list as the earlier follow-up did, not from its selection
        prev = earlier_question(f"{prev}?")
    if years_in(q):  # "and after April 2026?" asks about its own period instead of the earlier one's
        prev = " ".join(_PERIOD.sub(" ", prev).split())
    return f"{q}{CONTEXT_MARK}{prev})?"


NEW_TOPIC = re.compile(r"^\s*(?:(?:and|but|so|ok|okay),? )?(?:(?:what|how) about|what of|and)\b", re.I)  # "and what about dads?"


def earlier_question(standalone: str) -> str:
    """The earlier question a condensed follow-up leans on ("Do teams pay for themselves" in "What about fathers
    (following on from: Do teams pay for themselves)?"); empty for a question that stands alone."""
    return standalone.split(CONTEXT_MARK, 1)[1].removesuffix(")?") if CONTEXT_MARK in standalone else ""


def own_words(standalone: str) -> str:
    """The follow-up's own words in a condensed question ("what about dads" in "What about dads (following on
    from: ...)?"): the new focus, which the answer must speak to; the whole question for any other."""
    return standalone.split(CONTEXT_MARK, 1)[0]
