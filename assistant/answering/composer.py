"""The extractive composer: a short answer whose every sentence is copied from a cited passage.

Pick up to ``k`` passages (no more than two from one document, so the evidence spans sources), then
choose from them the two to five sentences that best match the question, skipping near-repeats, each with
its [n]. Close with the COM-B line: the barriers and enablers the cited passages speak to and the
intervention functions that address them. When retrieval says the evidence is weak, abstain and offer
nearby topics instead of padding.
"""

from __future__ import annotations

import re

from assistant.comb.taxonomy import functions_for, label
from assistant.ingest.chunking import split_sentences
from assistant.models import Citation
from assistant.retrieval.retriever import Hit, Retrieval
from assistant.text import tokens

MAX_SENTENCES = 4
MIN_SENTENCE_WORDS = 6
# A sentence that opens by pointing back ("This reflects...", "It found...") reads badly on its own.
ANAPHORIC_START = re.compile(r"^(this|that|these|those|it|its|they|their|such|however|also|both|he|she)\b", re.I)


def to_citations(hits: list[Hit]) -> list[Citation]:
    out = []
    for n, h in enumerate(hits, start=1):
        p = h.passage
        out.append(Citation(n=n, passage_id=p.passage_id, doc_id=p.doc_id, title=p.meta.title, publisher=p.meta.publisher,
                            year=p.meta.year, url=p.meta.url, doc_type=p.meta.doc_type, locator=p.locator, text=p.text,
                            score=h.score, com_b=p.com_b, superseded_by=p.superseded_by))
    return out


def _sentences(text: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n|\n(?=\s*[-*|]|\s*\d+[.)] )", text):
        block = block.strip()
        if not block or block.startswith("|"):
            continue  # table rows read badly as answer sentences; the card shows the table
        block = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", block)
        out.extend(s for s in split_sentences(" ".join(block.split())) if len(s.split()) >= MIN_SENTENCE_WORDS)
    return out


def sentence_score(sentence: str, qtok: set[str], idf: dict[str, float], default_idf: float) -> float:
    stoks = set(tokens(sentence))
    if not stoks:
        return 0.0
    overlap = sum(idf.get(t, default_idf) for t in qtok & stoks)
    return overlap / (1.0 + 0.02 * len(stoks))


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokens(a)), set(tokens(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.5


def compose(retrieval: Retrieval, citations: list[Citation], idf: dict[str, float], default_idf: float) -> str:
    qtok = set(retrieval.query_tokens)
    candidates = []  # (score, citation rank, order within passage, sentence)
    for c in citations:
        for j, s in enumerate(_sentences(c.text)):
            # Rank weight: the retriever's order matters most; lexical fit picks the sentence within a passage.
            lexical = sentence_score(s, qtok, idf, default_idf)
            penalty = 1.5 if ANAPHORIC_START.match(s) else 0.0
            candidates.append((lexical + 2.0 * c.score - 0.15 * (c.n - 1) - 0.02 * j - penalty, c.n, j, s))
    if not candidates:
        return ""
    # One sentence per citation first (best of each), in citation order, then extras if room.
    best_by_cit: dict[int, tuple] = {}
    for cand in candidates:
        if cand[1] not in best_by_cit or cand[0] > best_by_cit[cand[1]][0]:
            best_by_cit[cand[1]] = cand
    picked: list[tuple] = []
    for n in sorted(best_by_cit):
        cand = best_by_cit[n]
        if len(picked) >= MAX_SENTENCES:
            break
        if any(_similar(cand[3], p[3]) for p in picked):
            continue
        picked.append(cand)
    lines = []
    by_n = {c.n: c for c in citations}
    for _, n, _, s in picked:
        c = by_n[n]
        source = short_source(c)
        note = f" (superseded by {c.superseded_by})" if c.superseded_by else ""
        lines.append(f"- **{source}{note}:** {s} [{n}]")
    return "\n".join(lines)


def short_source(c: Citation) -> str:
    """A short label for an answer line: the title up to its colon, with the year; for a paper split into
    parts ("Title (Author et al. 2025): Theme 3"), the authors and the part."""
    m = re.search(r"\(([^()]*et al\.? \d{4})\):\s*(.+)$", c.title)
    if m:
        part = m.group(2).split(",")[0].strip()
        return f"{m.group(1)}, {part}"
    title = c.title.split(": ")[0].strip()
    if len(title) > 70:
        title = title[:67].rsplit(" ", 1)[0] + "..."
    return title if str(c.year) in title else f"{title} ({c.year})"


def comb_line(citations: list[Citation]) -> str:
    """One line naming the COM-B barriers/enablers in the cited passages and the functions that address them."""
    groups: dict[tuple[str, str], list[int]] = {}
    functions: dict[str, int] = {}
    for c in citations:
        tag = c.com_b
        if tag.component == "none" or not tag.subcomponent:
            continue
        groups.setdefault((tag.polarity, tag.subcomponent), []).append(c.n)
        for fn in functions_for(tag.subcomponent):
            functions[fn] = functions.get(fn, 0) + 1
    if not groups:
        return ""
    parts = []
    for polarity in ("barrier", "enabler"):
        items = [f"{label(sub).lower()} {''.join(f'[{n}]' for n in ns)}" for (pol, sub), ns in groups.items() if pol == polarity]
        if items:
            parts.append(f"{polarity}s: " + ", ".join(items))
    ranked = sorted(functions, key=lambda f: -functions[f])  # the functions most of the cited passages call for first
    fns = ", ".join(label(f).lower() for f in ranked)
    return f"**COM-B:** {'; '.join(parts)}. Intervention functions that address them: {fns}."


def abstention_text(suggestions: list[str], reason: str | None = None) -> str:
    head = reason or "The indexed evidence does not cover this question, so I won't guess."
    if suggestions:
        return head + " Topics it does cover that are close to it:\n" + "\n".join(f"- {s}" for s in suggestions)
    return head


def suggest_topics(retrieval, limit: int = 3) -> list[str]:
    """Nearby topics the corpus does cover: the headings of the closest passages, one per document."""
    seen, out = set(), []
    for hit in sorted(retrieval.hits, key=lambda h: -h.score):
        p = hit.passage
        if p.doc_id in seen:
            continue
        seen.add(p.doc_id)
        heading = p.locator.split(" > ")[-1]
        out.append(f"{heading} ({p.meta.title}, {p.meta.year})")
        if len(out) >= limit:
            break
    return out
