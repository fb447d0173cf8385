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


def _units(text: str) -> list[str]:
    """Paragraph-aware units: sentences of prose; whole lines of tables and lists."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block:
            continue
        lines = block.splitlines()
        if all(re.match(r"^\s*(\||[-*+] |\d+[.)] )", ln) for ln in lines if ln.strip()):
            units.extend(ln.rstrip() for ln in lines if ln.strip())
        else:
            units.extend(split_sentences(" ".join(ln.strip() for ln in lines)))
    return units


def _words(s: str) -> int:
    return len(s.split())


def split_section(text: str, max_words: int) -> list[str]:
    """Greedy packing of sentence units up to ``max_words``; a lone over-long sentence is cut at words."""
    if _words(text) <= max_words:
        return [text.strip()]
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for unit in _units(text):
        n = _words(unit)
        if n > max_words:  # a single enormous "sentence" (no punctuation): cut it at word boundaries
            if current:
                chunks.append(current)
                current, count = [], 0
            words = unit.split()
            for i in range(0, len(words), max_words):
                chunks.append([" ".join(words[i:i + max_words])])
            continue
        if current and count + n > max_words:
            chunks.append(current)
            current, count = [], 0
        current.append(unit)
        count += n
    if current:
        chunks.append(current)
    # Avoid a tiny trailing passage: merge it back when the result stays within 1.25x the limit.
    if len(chunks) > 1 and sum(map(_words, chunks[-1])) < max_words // 4:
        if sum(map(_words, chunks[-2] + chunks[-1])) <= int(max_words * 1.25):
            chunks[-2:] = [chunks[-2] + chunks[-1]]
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
