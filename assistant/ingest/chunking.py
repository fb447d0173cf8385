"""Split Documents into Passages: sentence-aware, one locator each, stable ids.

A passage is what a commissioner sees cited, so it must read on its own: sections shorter than the limit
stay whole; longer ones are cut between sentences (never inside one), and tables and lists between rows.
"""

from __future__ import annotations

import re

from assistant.models import Document, Passage

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before a space and a capital,
# digit, quote or bracket. Common abbreviations are protected first.
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|al|approx|Dr|Mr|Mrs|Ms|Prof|No|Vol|p|pp|para|Fig|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.", re.I)
_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘\[]?[A-Z0-9£])")
_DOT = "\u2024"  # one-dot leader: stands in for a protected full stop while splitting


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, with their original characters."""
    protected = _ABBREV.sub(lambda m: m.group(0)[:-1] + _DOT, text)
    parts, start = [], 0
    for m in _SENT_END.finditer(protected):
        parts.append(protected[start:m.start()] + protected[m.start():m.end()].rstrip())
        start = m.end()
    parts.append(protected[start:])
    return [p.replace(_DOT, ".").strip() for p in parts if p.strip()]


_TABLE_RULE = re.compile(r"^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$")  # a markdown table's rule: |---|:---:|


def _units(text: str) -> list[tuple[str, str]]:
    """Paragraph-aware units: sentences of prose; whole lines of tables and lists. Each with the header of the
    table it is a row of (its first line and rule, "" for anything else), to repeat on every passage the
    table is cut into: a row cited without its header cannot be read."""
    units: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        lines = [ln.rstrip() for ln in block.splitlines() if ln.strip()]
        if all(re.match(r"^\s*(\||[-*+] |\d+[.)] )", ln) for ln in lines):
            header = "\n".join(lines[:2]) if len(lines) > 2 and _TABLE_RULE.match(lines[1]) else ""
            units.extend((ln, header if header and i >= 2 else "") for i, ln in enumerate(lines))
        else:
            units.extend((s, "") for s in split_sentences(" ".join(ln.strip() for ln in lines)))
    return units


def _words(s: str) -> int:
    return len(s.split())


def split_section(text: str, max_words: int) -> list[str]:
    """Greedy packing of sentence units up to ``max_words``; a lone over-long sentence is cut at words. A table
    cut across passages has its header repeated at the top of each."""
    if _words(text) <= max_words:
        return [text.strip()]
    chunks: list[list[str]] = []
    repeated: list[int] = []  # how many leading units of each chunk are a repeated table header
    current: list[str] = []
    count = 0

    def close():
        nonlocal current, count
        if current:
            chunks.append(current)
            repeated.append(lead)
        current, count = [], 0

    lead = 0
    for unit, header in _units(text):
        n = _words(unit)
        if n > max_words:  # a single enormous "sentence" (no punctuation): cut it at word boundaries
            close()
            words = unit.split()
            for i in range(0, len(words), max_words):
                chunks.append([" ".join(words[i:i + max_words])])
                repeated.append(0)
            continue
        if current and count + n > max_words:
            close()
        if not current:
            lead = 0
            if header:  # a table row opens this passage: its header first
                current, count, lead = header.split("\n"), _words(header), 2
        current.append(unit)
        count += n
    close()
    # Avoid a tiny trailing passage: merge it back when the result stays within 1.25x the limit.
    if len(chunks) > 1 and sum(map(_words, chunks[-1][repeated[-1]:])) < max_words // 4:
        if sum(map(_words, chunks[-2] + chunks[-1][repeated[-1]:])) <= int(max_words * 1.25):
            chunks[-2:] = [chunks[-2] + chunks[-1][repeated[-1]:]]
    joiner = lambda units: "\n".join(units) if any(u.lstrip().startswith("|") for u in units) else " ".join(units)
    return [joiner(c).strip() for c in chunks if c]


def passage_id(doc_id: str, position: int) -> str:
    return f"{doc_id}:{position:04d}"


# Bibliographic sections repeat the document's metadata (shown on every citation card); they are not evidence.
SKIP_SECTIONS = re.compile(r"^(source and citation|sources?|references?|citation)$", re.I)


def chunk_document(doc: Document, max_words: int = 160) -> list[Passage]:
    passages: list[Passage] = []
    for section in doc.sections:
        if SKIP_SECTIONS.match(section.locator.split(" > ")[-1].strip()):
            continue
        for text in split_section(section.text, max_words):
            if len(text) < 2:
                continue
            pos = len(passages)
            passages.append(
                Passage(
                    passage_id=passage_id(doc.doc_id, pos),
                    doc_id=doc.doc_id,
                    position=pos,
                    locator=section.locator,
                    text=text,
                    meta=doc.meta,
                )
            )
    return passages
