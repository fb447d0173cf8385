"""Which years a question asks about and which years a document covers: so that a superseded document still
answers questions about its own period, and its successor wins for later ones (supersede demotes, never hides).

A financial year written "2025-26" or "2025/26" counts as its first year; "after April 2026" or "from 2026"
counts as 2026 and every later year the corpus could hold.
"""

from __future__ import annotations

import re

_FINANCIAL = re.compile(r"\b((?:19|20)\d{2})\s*[-/–]\s*(\d{2})\b")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_ONWARDS = re.compile(r"\b(?:after|from|since|beyond|onwards? from|post)\s+(?:\w+\s+)?((?:19|20)\d{2})\b", re.I)
HORIZON = 2040


def stated_years(text: str) -> set[int]:
    """The years a text writes out ("2021", the 2025 of "2025-26"), without the open ranges ``years_in`` adds."""
    return {int(y) for y in _YEAR.findall(text)}


def years_in(text: str) -> set[int]:
    """Years a text names: financial years by their first year, and open ranges up to the horizon."""
    years = {int(a) for a, _ in _FINANCIAL.findall(text)}
    rest = _FINANCIAL.sub(" ", text)
    years |= {int(y) for y in _YEAR.findall(rest)}
    for start in _ONWARDS.findall(text):
        years |= set(range(int(start), HORIZON + 1))
    return years


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
