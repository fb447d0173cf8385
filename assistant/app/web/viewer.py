"""The source viewer: a cited passage shown in its document, the used text highlighted; for a PDF, the cited
page as an image with the cited words boxed. Everything from the document is escaped: text, never markup.

The page asks for a view by writing a small JSON request into a hidden textbox (see ``static/ui.js``):
``{"turn": 0, "n": 2}`` for citation [2] of the first answer, ``{"passage_id": "...", "spans": [[a, b]]}``
from a card, either with ``"page": k`` to turn a PDF's pages, or ``{"close": true}``.
"""

from __future__ import annotations

import base64
import json
import logging

from assistant.app.web.cards import (
    DOC_TYPE_LABELS,
    comb_badge,
    highlighted,
    strength_badge,
    text_fingerprint,
    view_request,
)
from assistant.app.web.security import esc, safe_url
from assistant.errors import AssistantError

log = logging.getLogger("assistant.web")

MAX_REQUEST_CHARS = 4000


def parse_request(raw, turns) -> tuple[str, list, int | None, str | None] | None:
    """A viewer request -> (passage id, spans, page, fingerprint of the cited text or None), or None to close.
    Raises AssistantError when malformed."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    if len(raw) > MAX_REQUEST_CHARS:
        raise AssistantError("the request to show a source is too long")
    try:
        req = json.loads(raw)
    except json.JSONDecodeError:
        raise AssistantError("the request to show a source is not JSON") from None
    if not isinstance(req, dict) or req.get("close"):
        return None
    page = req.get("page")
    if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
        raise AssistantError("a page must be a whole number from 1")
    if "turn" in req:
        turn, n = req.get("turn"), req.get("n")
        if not (isinstance(turn, int) and isinstance(n, int) and 0 <= turn < len(turns or [])):
            raise AssistantError("that answer is no longer in this conversation")
        cits = {c.get("n"): c for c in turns[turn]["answer"].get("citations") or []}
        if n not in cits:
            raise AssistantError(f"the answer has no citation [{n}]")
        return cits[n]["passage_id"], cits[n].get("spans") or [], page, text_fingerprint(cits[n].get("text") or "")
    pid = req.get("passage_id")
    if not isinstance(pid, str) or not pid:
        raise AssistantError("say which passage to show")
    fingerprint = req.get("h")
    return pid, req.get("spans") or [], page, fingerprint if isinstance(fingerprint, str) else None


def message_html(text: str) -> str:
    return (f'<section class="pair-viewer pair-viewer-message" role="status"><p>{esc(text)}</p>'
            f'<button type="button" class="pair-viewer-close" data-view="{esc(json.dumps({"close": True}))}">Close</button>'
            '</section>')


def pdf_html(view, page) -> str:
    """The page image with the boxes of the cited words (positions in % so the image can scale), and paging."""
    img = base64.b64encode(page.png).decode("ascii")
    boxes = "".join(
        f'<div class="pair-pdf-box" style="left:{100 * l / page.width:.3f}%;top:{100 * t / page.height:.3f}%;'
        f'width:{100 * (r - l) / page.width:.3f}%;height:{100 * (b - t) / page.height:.3f}%" '
        f'data-box="{l:.1f},{t:.1f},{r:.1f},{b:.1f}"></div>' for l, t, r, b in page.boxes)
    pid, spans = view.passage.passage_id, view.spans
    prev_btn = (f'<button type="button" class="pair-page-prev" data-view="{view_request(pid, spans, page.page - 1, view.passage.text)}">'
                '← Previous page</button>' if page.page > 1 else '<span></span>')
    next_btn = (f'<button type="button" class="pair-page-next" data-view="{view_request(pid, spans, page.page + 1, view.passage.text)}">'
                'Next page →</button>' if page.page < page.page_count else '<span></span>')
    note = ""
    if page.page == view.page and not page.found:
        note = '<p class="pair-pdf-note">The cited words could not be placed on this page; the passage text is below.</p>'
    elif page.page != view.page:
        note = (f'<p class="pair-pdf-note">The passage is on page {view.page}. '
                f'<button type="button" data-view="{view_request(pid, spans, view.page, view.passage.text)}">Back to page {view.page}</button></p>')
    return (f'<nav class="pair-pdf-nav">{prev_btn}<span class="pair-page-no">Page {page.page} of {page.page_count}</span>{next_btn}</nav>'
            f'{note}<div class="pair-pdf-page" data-page="{page.page}" data-width="{page.width}" data-height="{page.height}">'
            f'<img src="data:image/png;base64,{img}" alt="{esc(f"Page {page.page} of {view.passage.meta.title}")}">'
            f'{boxes}</div>')


def viewer_html(view, page=None, page_error: str | None = None) -> str:
    """The viewer panel for a SourceView (and, for a PDF, its PageImage or why it cannot be drawn)."""
    p, m = view.passage, view.passage.meta
    url = safe_url(m.url)
    meta = " · ".join(x for x in (esc(m.publisher), esc(m.year), esc(DOC_TYPE_LABELS.get(m.doc_type, m.doc_type))) if x)
    parts = [f'<section class="pair-viewer" data-passage="{esc(p.passage_id)}" aria-label="Source viewer">',
             '<header class="pair-viewer-head">',
             f'<span class="pair-viewer-title">{esc(m.title)}</span>',
             f'<button type="button" class="pair-viewer-close" data-view="{esc(json.dumps({"close": True}))}" '
             'aria-label="Close the source viewer">Close ✕</button></header>',
             f'<div class="pair-meta">{meta} {strength_badge(p.strength())}</div>',
             '<div class="pair-viewer-actions">']
    if url:
        parts.append(f'<a class="pair-open-original" href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                     'Open the original ↗</a>')
    parts.append(f'<button type="button" class="pair-copy-ref" data-copy="{esc(view.reference)}">Copy citation</button>'
                 '</div>')
    parts.append(f'<p class="pair-viewer-ref">{esc(view.reference)}</p>')
    parts.append(f'<div class="pair-comb">{comb_badge(p.com_b.to_dict())}</div>')
    if page is not None:
        parts.append(pdf_html(view, page))
    elif page_error:
        parts.append(f'<p class="pair-pdf-note">{esc(page_error)}</p>')
    parts.append('<div class="pair-viewer-doc">')
    last_locator = None
    for c in view.context:
        if c.locator != last_locator:
            parts.append(f'<h4 class="pair-viewer-loc">{esc(c.locator)}</h4>')
            last_locator = c.locator
        cls = "pair-ctx pair-ctx-cited" if c.cited else "pair-ctx"
        body = highlighted(c.text, c.spans if c.cited else [])  # tables as tables, cited or not
        parts.append(f'<div class="{cls}" data-passage="{esc(c.passage_id)}">{body}</div>')  # a table may not sit in a <p>
    parts.append("</div></section>")
    return "".join(parts)


def render_view(assistant, raw_request, turns, context: int = 2) -> str:
    """The viewer's HTML for a request from the page: "" closes it; a bad request is a short message."""
    from assistant.sources import page_image

    try:
        parsed = parse_request(raw_request, turns)
        if parsed is None:
            return ""
        passage_id, spans, page, fingerprint = parsed
        view = assistant.source(passage_id, spans, context)
        if fingerprint is not None and fingerprint != text_fingerprint(view.passage.text):
            return message_html("The evidence has been re-indexed since this answer, and this passage has changed: "
                                "ask the question again to see its sources.")
    except AssistantError as e:
        return message_html(str(e))
    except Exception:  # noqa: BLE001 - the page never shows a stack trace
        log.exception("showing a source failed")
        return message_html("The source could not be shown; see the server log.")
    image, error = None, None
    if view.page is not None and (view.path or "").lower().endswith(".pdf"):
        try:
            image = page_image(view, page)
        except AssistantError as e:
            error = str(e)
        except Exception:  # noqa: BLE001
            log.exception("rendering a PDF page failed (%s)", view.path)
            error = "The PDF page could not be drawn; the passage text is below."
    return viewer_html(view, image, error)
