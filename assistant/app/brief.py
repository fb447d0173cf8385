"""The evidence brief: a markdown file of a conversation that can go straight into a business case.

``build_brief(turns, index_version, date)`` takes the conversation's answers (Answer contract dicts, as
``Answer.to_dict()`` makes them, or Answer objects) and writes:

- every question with its answer, the answer's [n] markers renumbered to one reference list for the brief;
- the references in full (title, publisher, year, URL, locator, passage id, evidence strength) with the exact
  sentences the answer uses quoted first, then the whole passage, so a reader can check every sentence;
- a COM-B summary table by the study's catalogue item (barrier or enabler and component, what the study
  proposes, count, references);
- the index version and the date, so the brief can be reproduced.

Text from questions and documents is treated as untrusted: angle brackets are written as entities, so no
markdown viewer turns a question or a passage into live HTML; brackets, bare URLs and e-mail addresses are
escaped, so no title, heading or passage becomes a link or an image; table cells cannot break the table. The
only links are the http(s) URLs of the documents' front matter, written as links, never as images.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import OrderedDict

from assistant.app.web.security import md_safe, safe_url
from assistant.comb.catalogue import also_lists, describe
from assistant.models import ComBTag

MARKER = re.compile(r"\[(\d+)\]")


def _as_dict(turn) -> dict:
    """A turn is an Answer contract dict, an Answer object, or {"answer": <either>, "filters": {...}}."""
    if hasattr(turn, "to_dict"):
        return turn.to_dict()
    if not isinstance(turn, dict):
        return {}
    inner = turn.get("answer")
    if hasattr(inner, "to_dict") or isinstance(inner, dict):
        d = dict(inner.to_dict() if hasattr(inner, "to_dict") else inner)
        if turn.get("filters"):
            d["filters"] = turn["filters"]
        return d
    return dict(turn)


def safe(text) -> str:
    """Untrusted text for markdown: no raw HTML (angle brackets become entities), no link or image (brackets and
    bare URLs escaped; the [n] markers stay), control characters dropped."""
    return md_safe("" if text is None else str(text))


def url_link(url) -> str:
    """A front-matter URL as a link when it is plain http(s) (an autolink: never an image), else as text."""
    u = safe_url(url)
    if u and not re.search(r"[\s<>\x00-\x1f\\]", u):
        return f"<{u}>"
    return one_line(url) or "-"


def one_line(text, limit: int | None = None) -> str:
    s = " ".join(safe(text).split())
    if limit and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s


def cell(text) -> str:
    """A markdown table cell: one line, pipes escaped."""
    return one_line(text).replace("|", "\\|")


def quote(text) -> str:
    lines = [ln.rstrip() for ln in safe(text).strip().splitlines()]
    return "\n".join("> " + ln if ln else ">" for ln in lines) or ">"


def _tag(c: dict) -> dict:
    return c.get("com_b") or {}


def filters_text(filters: dict | None) -> str:
    if not filters:
        return ""
    parts = []
    if filters.get("doc_types"):
        parts.append("document types: " + ", ".join(map(str, filters["doc_types"])))
    if filters.get("components"):
        parts.append("COM-B: " + ", ".join(map(str, filters["components"])))
    if filters.get("designs"):
        parts.append("designs: " + ", ".join(map(str, filters["designs"])))
    if filters.get("year_min") or filters.get("year_max"):
        parts.append(f"years: {filters.get('year_min') or 'any'} to {filters.get('year_max') or 'any'}")
    return "; ".join(parts)


def build_brief(turns, index_version, date=None, title: str = "Evidence brief") -> str:
    """Markdown for a conversation: questions, answers, references, COM-B summary, index version and date."""
    date = date or _dt.date.today()
    date_text = date.isoformat() if hasattr(date, "isoformat") else str(date)
    answers = [_as_dict(t) for t in (turns or [])]

    # One reference list for the whole brief: each cited passage once, numbered in order of first citation.
    refs: "OrderedDict[str, dict]" = OrderedDict()
    cited_in: dict[str, list[int]] = {}
    local_to_global: list[dict[int, int]] = []
    for qi, a in enumerate(answers, start=1):
        mapping = {}
        for c in a.get("citations") or []:
            key = c.get("passage_id") or f"{c.get('doc_id')}#{c.get('locator')}"
            if key not in refs:
                refs[key] = c
            mapping[int(c.get("n", 0))] = list(refs).index(key) + 1
            cited_in.setdefault(key, [])
            if qi not in cited_in[key]:
                cited_in[key].append(qi)
        local_to_global.append(mapping)

    out = [f"# {title}: commissioning parent-infant relationship services", ""]
    out.append(f"- Date: {date_text}")
    out.append(f"- Index version: {safe(index_version)}")
    out.append(f"- Questions: {len(answers)}; sources cited: {len(refs)}")
    out.append("- Produced by the PAIR evidence assistant, offline, from its indexed corpus. Every sentence of an "
               "answer is taken from the passage its [n] cites; the passages are quoted in full under References. "
               "COM-B tags are assigned automatically and should be checked before they are relied on.")
    out.append("")

    if not answers:
        out += ["No questions were asked in this conversation.", ""]

    # Questions and answers
    if answers:
        out += ["## Questions and answers", ""]
    for qi, (a, mapping) in enumerate(zip(answers, local_to_global), start=1):
        q = one_line(a.get("question"), 2000) or "(empty question)"
        out.append(f"### Q{qi}. {q}")
        out.append("")
        sq = a.get("standalone_question")
        if sq and sq != a.get("question"):
            out += [f"*Understood as: {one_line(sq, 2000)}*", ""]
        ft = filters_text(a.get("filters"))
        if ft:
            out += [f"*Filters: {safe(ft)}*", ""]
        for notice in a.get("notices") or []:
            out += [f"*Note: {one_line(notice)}*", ""]

        def renumber(m, mapping=mapping):
            n = int(m.group(1))
            return f"[{mapping[n]}]" if n in mapping else m.group(0)

        body = MARKER.sub(renumber, safe(a.get("answer") or "").strip())
        out += [body or "(no answer)", ""]
        if a.get("abstained"):
            out += ["*The assistant did not answer from the evidence: the corpus does not cover this question.*", ""]
        elif mapping:
            out += ["Sources: " + ", ".join(f"[{g}]" for g in sorted(set(mapping.values()))), ""]

    # COM-B summary, by the study's catalogue item
    out += ["## COM-B summary", ""]
    rows: "OrderedDict[str, dict]" = OrderedDict()
    untagged = 0
    for key, c in refs.items():
        tag = _tag(c)
        words = describe(ComBTag.from_dict(tag))
        if words is None:
            untagged += 1
            continue
        row = rows.setdefault(words[0], {"proposes": words[1], "refs": []})
        row["refs"].append(list(refs).index(key) + 1)
    if rows:
        out.append("The barriers and enablers of the study's own diagnosis (McSweeney et al. 2025, Tables 1-3) that the "
                   "cited evidence bears on, with what the study proposes for each.")
        out.append("")
        out.append("| Barrier or enabler · COM-B | What the study proposes | Count | References |")
        out.append("|---|---|---|---|")
        for head, row in rows.items():
            out.append(f"| {cell(head)} | {cell(row['proposes'])} | {len(row['refs'])} | "
                       f"{', '.join(f'[{g}]' for g in row['refs'])} |")
        out.append("")
    else:
        out += ["None of the cited passages bears on a barrier or enabler in the study's catalogue.", ""]
    if untagged:
        out += [f"{untagged} cited passage{'s' if untagged != 1 else ''} bore on none of the study's barriers or enablers.", ""]

    # References
    out += ["## References", ""]
    if not refs:
        out += ["No passages were cited.", ""]
    for g, (key, c) in enumerate(refs.items(), start=1):
        year = c.get("year")
        line = f"**[{g}]** {one_line(c.get('publisher')) or 'Unknown publisher'} ({safe(year) if year else 'n.d.'}). *{one_line(c.get('title'))}*."
        out.append(line)
        out.append("")
        detail = [f"Locator: {one_line(c.get('locator')) or '-'}", f"URL: {url_link(c.get('url'))}",
                  f"Passage ID: `{' '.join(str(c.get('passage_id') or '').split()).replace('`', '')}`", f"Document type: {one_line(c.get('doc_type'))}"]
        words = describe(ComBTag.from_dict(_tag(c)))
        detail.append(f"COM-B: {safe(words[0])}" if words else "COM-B: no link to the study's barriers or enablers")
        also = also_lists(ComBTag.from_dict(_tag(c)))
        if also:
            detail.append(safe(also))
        strength = c.get("strength") or {}
        if strength.get("design"):
            detail.append("Evidence: " + safe(", ".join(str(strength[k]).replace("_", " ") for k in ("design", "setting", "sample_size")
                                                        if strength.get(k))
                                              + (f"; certainty: {strength['certainty']}" if strength.get("certainty") else "")))
        if c.get("superseded_by"):
            newer = c.get("superseded_by_title") or c["superseded_by"]
            detail.append(f"Superseded by: {one_line(newer)}")
        detail.append("Cited in: " + ", ".join(f"Q{q}" for q in cited_in.get(key, [])))
        out += [f"- {d}" for d in detail]
        out.append("")
        spans = sorted({tuple(sp) for a_ in answers for x in a_.get("citations") or []
                        if (x.get("passage_id") or f"{x.get('doc_id')}#{x.get('locator')}") == key for sp in x.get("spans") or []})
        used = [c.get("text", "")[a:b] for a, b in spans if 0 <= a < b <= len(c.get("text", ""))]
        if used:
            out += ["The answer uses:", ""] + [quote(u) for u in used] + ["", "The whole passage:", ""]
        out.append(quote(c.get("text")))
        out.append("")

    out += ["---", f"PAIR evidence assistant · index version {safe(index_version)} · {date_text}", ""]
    return "\n".join(out)
