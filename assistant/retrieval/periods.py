"""Which years a question asks about and which years a document covers: so that a superseded document still
answers questions about its own period, and its successor wins for later ones (supersede demotes, never hides).

A financial year written "2025-26" or "2025/26" counts as its first year; "after April 2026" or "from 2026"
counts as 2026 and every later year the corpus could hold.
"""

from __future__ import annotations

import re
from functools import lru_cache

_FINANCIAL = re.compile(r"\b((?:19|20)\d{2})\s*[-/–]\s*(\d{2})\b")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_ONWARDS = re.compile(r"\b(?:after|from|since|beyond|onwards? from|post)\s+(?:\w+\s+)?((?:19|20)\d{2})\b", re.I)
HORIZON = 2040


def stated_years(text: str) -> set[int]:
    """The years a text writes out ("2021", the 2025 of "2025-26"), without the open ranges ``years_in`` adds."""
    return {int(y) for y in _YEAR.findall(text)}


# a year a text aims at ("by 2030", "until 2029"), which no figure yet describes
_TARGET = re.compile(r"\b(?:by|until|before)\s+(?:the end of\s+)?(?:(?:early|mid|late)[- ])?((?:19|20)\d{2})\b", re.I)


def reached_years(text: str) -> set[int]:
    """The years a text writes out (``stated_years``) less those it only aims at ("an ambition that by 2030 teams
    should be available"): what the newest figures of a pool can be dated by."""
    return stated_years(_TARGET.sub(" ", text))


def years_in(text: str) -> set[int]:
    """Years a text names: financial years by their first year, and open ranges up to the horizon."""
    years = {int(a) for a, _ in _FINANCIAL.findall(text)}
    rest = _FINANCIAL.sub(" ", text)
    years |= {int(y) for y in _YEAR.findall(rest)}
    for start in _ONWARDS.findall(text):
        years |= set(range(int(start), HORIZON + 1))
    return years


# a year that labels a document ("the 2023 Best Start for Life progress report", "the 2025-26 guide", "the 2019
# Cochrane Review") or dates one ("published on 25 November 2015", "(25 February 2025)") is not the period a figure is
# for ("For the 2025-26 financial year ... £126m", "In 2025-26 the plan allocates...", "From 1 April 2025 ..."): "the",
# the year, a title's capitalised words, at most one other word, then the kind of document
_MONTH = "(?:" + "|".join(MONTHS) + ")"
_KINDS = (r"(?i:guide|guidance|report|page|plan|strategy|document|review|update|edition|version|manifesto|survey|"
          r"press release|statement|study|trial|evaluation|inquiry|audit|census)s?\b")
_TITLED = r"(?:19|20)\d\d(?:\s*[-/–]\s*\d{2,4})?(?: (?:[A-Z][\w'-]*|for|of|and)){0,6}?(?: [a-z][\w-]*)? " + _KINDS
LABEL_YEAR = re.compile(r"\b[Tt]he (?=(?:19|20)\d\d(?:\s*[-/–]\s*\d{2,4})?(?! (?:in|the)\b))" + _TITLED +
                        r"|(?:\(|\b(?:published|updated|dated|issued|released|of)\s+(?:on\s+)?)\d{1,2} " + _MONTH +
                        r" (?:19|20)\d\d\b")
# in a question, any year that goes on to a kind of document names it ("the committee's 2019 report", "a 2016 trial")
QUESTION_LABEL_YEAR = re.compile(r"\b" + _TITLED)


def period_years(text: str) -> set[int]:
    """The years a sentence speaks of as periods, less those that label or date a document (``LABEL_YEAR``)."""
    return years_in(LABEL_YEAR.sub(" ", text))


@lru_cache(maxsize=256)
def asks_period(question: str) -> bool:
    """Whether the question's years are periods ("funding for 2025-26?"), not labels of the document it asks about
    ("What did the 2019 Cochrane review find?"): only then are labels in a sentence not the period asked."""
    return bool(years_in(question)) and years_in(QUESTION_LABEL_YEAR.sub(" ", question)) == years_in(question)


def document_years(doc_id: str, title: str, year: int) -> set[int]:
    """The period a document covers: years in its id or title (a guide "2025-26" covers 2025), else its year."""
    return years_in(f"{doc_id.replace('-', ' ')} {title}") or {year}


def supersede_penalised(question_years: set[int], own_years: set[int], successor_years: set[int] | None) -> str:
    """Which side of a superseded pair to demote for this question: "old" (the default, and for later years),
    "new" (the question names the old document's period and not the successor's), or "none"."""
    if not question_years:
        return "old"
    if question_years & own_years and not (successor_years and question_years & successor_years):
        return "new"
    return "old"


def earlier_documents(question_years: set[int], doc_years: dict[str, set[int]]) -> set[str]:
    """For a question about a period from some date on ("after April 2026", "from 2026"), the documents wholly
    about earlier years: ranked below the rest, like a superseded document (demoted, never hidden). Nothing for
    a question naming only closed years ("in 2025-26"), which may well be about an older document."""
    if HORIZON not in question_years:
        return set()
    start = min(question_years)
    return {doc for doc, years in doc_years.items() if years and max(years) < start}
