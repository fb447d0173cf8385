"""The cards beside the answer: one per cited passage, with its source, passage text and COM-B badge."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from assistant.answering.composer import CITE_MARK
from assistant.app.web.security import esc, md_literal, md_safe, safe_url, visible
from assistant.comb.taxonomy import label
from assistant.settings import COMPONENTS

DOC_TYPE_LABELS = {
    "study": "Study",
    "guidance": "Guidance",
    "evidence_review": "Evidence review",
    "report": "Report",
    "framework": "Framework",
}


COMPONENT_LABELS = {**{c: label(c) for c in COMPONENTS if c != "none"}, "none": "System level or no link"}


MAX_SHOWN_QUESTION = 1500  # characters of a question shown in the chat (ask() reads its first 2,000)


def short_question(question: str, limit: int = MAX_SHOWN_QUESTION) -> str:
    q = visible(question).strip()
    if len(q) > limit:
        q = q[:limit].rstrip() + f"… ({len(q):,} characters in all)"
    return q


# -- cards ------------------------------------------------------------------------------------------------
def text_fingerprint(text: str) -> str:
    """A short hash of a passage's text: the viewer shows a citation only while the index still holds that text
    (after a re-index the same passage id can hold other words)."""
    import hashlib

    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def view_request(passage_id: str, spans=None, page: int | None = None, text: str | None = None) -> str:
    """A ``data-view`` attribute value (escaped) that opens this passage in the source viewer (viewer.py)."""
    req = {"passage_id": passage_id, "spans": [[int(a), int(b)] for a, b in spans or []]}
    if text is not None:
        req["h"] = text_fingerprint(text)
    if page is not None:
        req["page"] = int(page)
    return esc(json.dumps(req, separators=(",", ":")))


def _as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def comb_badge(tag: dict) -> str:
    """The COM-B link in plain words: "Barrier: short-term funding · system level (the study codes it N/A)",
    then what the study proposes. A passage with no link says so."""
    from assistant.comb.catalogue import also_lists, describe
    from assistant.models import ComBTag

    words = describe(ComBTag.from_dict(tag))
    if words is None:
        return ('<span class="pair-badge pair-none" title="This passage bears on none of the study\'s barriers or '
                'enablers">COM-B: no link to the study\'s barriers</span>')
    comp = tag.get("component") or "none"
    kind = "system" if tag.get("level") == "system" else comp
    relation = tag.get("relation") or "none"
    pol_class = {"reports_barrier": "barrier", "reports_enabler": "enabler", "evidence_against": "evidence"}.get(relation, "neutral")
    also = also_lists(ComBTag.from_dict(tag))  # a table passage: the other barriers or enablers its rows quote
    who = "A reader labelled this passage" if tag.get("reviewed") else "The COM-B tagger labelled this passage"
    return (f'<span class="pair-badge pair-{esc(kind)} pair-{pol_class}" data-item="{esc(tag.get("item"))}" '
            f'title="{esc(who)}">{esc(words[0])}</span>'
            f'<div class="pair-proposes">{esc(words[1])}</div>' + (f'<div class="pair-also">{esc(also)}</div>' if also else ""))


def strength_badge(strength: dict) -> str:
    """The evidence behind a passage: its design, setting, sample and certainty as the source states them."""
    design = strength.get("design")
    if not design:
        return ""
    bits = [design.replace("_", " ")]
    if strength.get("setting"):
        bits.append(strength["setting"])
    if strength.get("sample_size"):
        bits.append(f"n = {strength['sample_size']:,}")
    title = f"Certainty as the source states it: {strength['certainty']}" if strength.get("certainty") else "No certainty stated"
    return f'<span class="pair-strength" data-design="{esc(design)}" title="{esc(title)}">{esc(" · ".join(bits))}</span>'


def card_html(citation) -> str:
    c = _as_dict(citation)
    tag = c.get("com_b") or {}
    n = esc(c.get("n", ""))
    view = view_request(c.get("passage_id") or "", c.get("spans") or [], text=c.get("text") or "")
    url = safe_url(c.get("url"))
    meta = [esc(c.get("publisher") or "Unknown publisher"), esc(c.get("year") or "n.d."),
            esc(DOC_TYPE_LABELS.get(c.get("doc_type"), c.get("doc_type") or ""))]
    parts = [f'<article class="pair-card" id="pair-cite-{n}" data-doc-type="{esc(c.get("doc_type"))}" '
             f'data-component="{esc(tag.get("component") or "none")}" data-design="{esc((c.get("strength") or {}).get("design"))}">',
             '<header class="pair-card-head">',
             f'<button type="button" class="pair-n" data-view="{view}" title="Show [{n}] in its source">[{n}]</button>',
             f'<span class="pair-title">{esc(c.get("title") or c.get("doc_id") or "Untitled")}</span>',
             '</header>',
             f'<div class="pair-meta">{" · ".join(m for m in meta if m)} {strength_badge(c.get("strength") or {})}</div>']
    locator = c.get("locator")
    if locator:
        parts.append(f'<div class="pair-locator">{esc(locator)}</div>')
    if url:
        host = (urlparse(url).hostname or url).removeprefix("www.")
        parts.append(f'<div class="pair-link"><a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                     f'{esc(host)} ↗</a></div>')
    if c.get("superseded_by"):
        newer = c.get("superseded_by_title") or c["superseded_by"]
        parts.append(f'<div class="pair-superseded">superseded by {esc(newer)}</div>')
    parts.append(f'<blockquote class="pair-text">{highlighted(c.get("text") or "", c.get("spans") or [])}</blockquote>')
    parts.append(f'<div class="pair-comb">{comb_badge(tag)}</div>')
    parts.append(f'<button type="button" class="pair-view-btn" data-view="{view}">Show in source</button>')
    parts.append("</article>")
    return "".join(parts)


TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*\r?$", re.M)  # a markdown table line, as the corpus writes Tables 1-3
TABLE_RULE = re.compile(r"^[ \t]*\|(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*\r?$")  # its |---|:--| line under the header


def _marked(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> str:
    """text[start:end], escaped, with the parts inside the used spans wrapped in ``<mark>``."""
    out, pos = [], start
    for a, b in marks:
        a, b = max(a, start), min(b, end)
        if a >= b or a < pos:
            continue
        out.append(esc(text[pos:a]))
        out.append(f'<mark class="pair-used">{esc(text[a:b])}</mark>')
        pos = b
    out.append(esc(text[pos:end]))
    return "".join(out)


def _table(text: str, rows: list[tuple[int, int]], marks: list[tuple[int, int]]) -> str:
    """Consecutive markdown table lines as an HTML table (the first row the header), cells cut at the pipes so the
    used spans' offsets still mark the right words; the rule line under the header is dropped. Hand-cut rather than
    rendered by a markdown library: the highlight offsets are into the raw text, which a renderer does not keep."""
    html = []
    for i, (start, end) in enumerate(rows):
        line = text[start:end]
        if TABLE_RULE.match(line):
            continue
        # a pipe the PDF loader escaped inside a cell ("\\|", loaders/pdf.py) is the cell's text, not a border
        pipes = [start + j for j, ch in enumerate(line) if ch == "|" and (j == 0 or line[j - 1] != "\\")]
        tag = "th" if i == 0 and len(rows) > 1 and TABLE_RULE.match(text[rows[1][0]:rows[1][1]]) else "td"
        cells = "".join(f"<{tag}>{_marked(text, a + 1, b, marks).strip().replace(chr(92) + '|', '|')}</{tag}>"
                        for a, b in zip(pipes, pipes[1:]))
        html.append(f"<tr>{cells}</tr>")
    return '<table class="pair-table">' + "".join(html) + "</table>"


def highlighted(text: str, spans: list) -> str:
    """The passage, escaped, with the sentences the answer uses marked (``<mark>``) by their offsets; a markdown table
    in it is shown as a table, not as raw pipes."""
    marks = sorted((int(a), int(b)) for a, b in spans if 0 <= int(a) < int(b) <= len(text))
    out, pos = [], 0
    lines = list(TABLE_ROW.finditer(text))
    blocks: list[list[tuple[int, int]]] = []
    for m in lines:  # runs of table lines separated by a line break only (a blank line starts another table)
        if blocks and text[blocks[-1][-1][1]:m.start()] in ("\n", "\r\n"):
            blocks[-1].append(m.span())
        else:
            blocks.append([m.span()])
    for rows in blocks:
        if len(rows) < 2:
            continue  # a single piped line is text, not a table
        out.append(_marked(text, pos, rows[0][0], marks))
        out.append(_table(text, rows, marks))
        pos = rows[-1][1]
    out.append(_marked(text, pos, len(text), marks))
    return "".join(out).strip()


def render_cards(answer=None) -> str:
    """The right-hand panel for one answer (an Answer, its contract dict, or None before the first question)."""
    if answer is None:
        return ('<div class="pair-cards pair-empty"><p>The passages an answer cites appear here, each with its source, '
                'a link, and its COM-B tag: the barrier or enabler to commissioning it speaks to, and the '
                'intervention functions that address it.</p></div>')
    a = _as_dict(answer)
    question = short_question(a.get("question") or "", 300)
    head = f'<div class="pair-cards-head">Sources for: <q>{esc(question)}</q></div>'
    citations = a.get("citations") or []
    if not citations:
        reason = ("No passages cited: the indexed evidence does not cover this question." if a.get("abstained")
                  else "No passages cited.")
        return f'<div class="pair-cards">{head}<p class="pair-none-cited">{esc(reason)}</p></div>'
    return f'<div class="pair-cards">{head}' + "".join(card_html(c) for c in citations) + "</div>"


# -- the chat ---------------------------------------------------------------------------------------------
def linked_answer(answer: dict, turn: int | None) -> str:
    """The answer's markdown made safe (security.md_safe), with each citation marker the assistant wrote (the
    contract's ``markers``) linked to the source viewer when ``turn`` is given. Only those offsets are linked: a
    bracketed number inside a quoted passage stays text."""
    text = answer.get("answer") or ""
    known = {c.get("n") for c in answer.get("citations") or []}
    markers = answer.get("markers")
    if markers is None:  # an answer from before the contract had markers: every [n] of a cited n
        markers = [[m.start(), m.end()] for m in CITE_MARK.finditer(text) if int(m.group(1)) in known]
    out, pos = [], 0
    for start, end in sorted(tuple(m) for m in markers if 0 <= m[0] < m[1] <= len(text)):
        if start < pos:
            continue
        out.append(md_safe(text[pos:start]))
        mark = text[start:end]
        n = mark[1:-1]
        if turn is not None and n.isdigit() and int(n) in known:
            out.append(f"[\\[{n}\\]](#pair-cite-{turn}-{n})")
        else:
            out.append(md_safe(mark))
        pos = end
    out.append(md_safe(text[pos:]))
    return "".join(out)


def answer_markdown(answer: dict, standalone: str | None = None, turn: int | None = None) -> str:
    """The assistant's chat message: 'Understood as', notices, then the answer markdown (HTML shown as text),
    its citation markers linked to the source viewer when ``turn`` (the answer's place in the conversation) is
    given."""
    parts = []
    sq = standalone or answer.get("standalone_question")
    if sq and visible(sq).strip() != visible(answer.get("question")).strip():
        parts.append(f"*Understood as: {md_literal(short_question(sq, 600))}*")
    for notice in answer.get("notices") or []:
        parts.append(f"> Note: {md_literal(notice)}")
    parts.append(linked_answer(answer, turn))
    return "\n\n".join(parts)
