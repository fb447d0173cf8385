"""A cited passage in its place: its document, the passages around it, a reference to copy, and for a PDF the
cited page rendered with the boxes of the cited words on it.

One place for "where does this citation come from", used by `pair-assistant show`, the chat's source viewer
and the brief. Everything here reads the index the answer came from (the passages and the manifest); the
only file it opens is a PDF the manifest names, and only when its content hash still matches what was indexed,
so the page shown is the page that was cited.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError
from assistant.models import Passage

PAGE_LOCATOR = re.compile(r"^p\. (\d+)(?:, .+)?$")  # "p. 5", or with the heading above: "p. 5, Monitoring returns"
RENDER_SCALE = 1.5  # 108 dpi: an A4 page is 893 px wide, sharp enough to read a figure, about 100-300 KB as PNG


# -- typed results ---------------------------------------------------------------------------------------
@dataclass
class ContextPassage:
    """One passage of the document shown around the cited one."""

    passage_id: str
    locator: str
    text: str
    cited: bool = False
    spans: list[list[int]] = field(default_factory=list)  # only on the cited passage


@dataclass
class SourceView:
    """A citation in its document: what `show --json` prints and the chat's viewer draws."""

    passage: Passage
    spans: list[list[int]]
    context: list[ContextPassage]
    reference: str
    path: str | None = None  # the indexed file, as the manifest records it
    content_hash: str | None = None  # the file's hash when indexed: a PDF page is drawn only from that file
    corpus: str | None = None  # the corpus folder: a PDF page is drawn only from a file inside it
    page: int | None = None  # PDF page of the passage (1-based)

    def to_dict(self) -> dict:
        p = self.passage
        return {"passage_id": p.passage_id, "doc_id": p.doc_id, "title": p.meta.title, "publisher": p.meta.publisher,
                "year": p.meta.year, "url": p.meta.url, "doc_type": p.meta.doc_type, "locator": p.locator,
                "text": p.text, "spans": [list(s) for s in self.spans], "strength": p.strength(),
                "com_b": p.com_b.to_dict(), "reference": self.reference, "page": self.page,
                "context": [{"passage_id": c.passage_id, "locator": c.locator, "text": c.text, "cited": c.cited}
                            for c in self.context]}


@dataclass
class PageImage:
    """A PDF page rendered as PNG, with the cited text's boxes in the image's pixels (left, top, right, bottom)."""

    page: int
    page_count: int
    png: bytes
    width: int
    height: int
    boxes: list[tuple[float, float, float, float]]
    found: bool  # False when the cited text could not be placed on the page (the page is still shown)


# -- references ------------------------------------------------------------------------------------------
def reference(p: Passage) -> str:
    """A Harvard-style reference with the section or page: ``Publisher (Year) Title. Section. Available at: URL``."""
    m = p.meta
    where = p.locator if PAGE_LOCATOR.match(p.locator or "") else (f"Section: {p.locator}" if p.locator else "")
    parts = [f"{m.publisher} ({m.year}) {m.title}."]
    if where:
        parts.append(f"{where}.")
    if m.url:
        parts.append(f"Available at: {m.url}")
    return " ".join(parts)


def page_of(locator: str | None) -> int | None:
    m = PAGE_LOCATOR.match(locator or "")
    return int(m.group(1)) if m else None


# -- the passage and its neighbours ----------------------------------------------------------------------
MAX_SPANS = 20  # an answer uses a few sentences of a passage; more is not a real request


def merge_spans(spans) -> list[list[int]]:
    """Sorted spans with overlapping or touching ones merged: highlighting and marking assume no overlap."""
    out: list[list[int]] = []
    for start, end in sorted((int(a), int(b)) for a, b in spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def check_spans(spans, text: str) -> list[list[int]]:
    """Spans as an answer gives them, checked against the passage: pairs of whole numbers (not text, fractions
    or booleans), 0 <= start < end <= length, at most MAX_SPANS; returned merged where they overlap."""
    spans = list(spans or [])
    if len(spans) > MAX_SPANS:
        raise AssistantError(f"at most {MAX_SPANS} spans can be shown at once, got {len(spans)}")
    out = []
    for sp in spans:
        if not (isinstance(sp, (list, tuple)) and len(sp) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in sp)):
            raise AssistantError(f"a span must be two whole numbers [start, end], got {sp!r}")
        start, end = sp
        if not 0 <= start < end <= len(text):
            raise AssistantError(f"span [{start}, {end}] is outside the passage ({len(text)} characters)")
        out.append([start, end])
    return merge_spans(out)


def source_view(passages: list[Passage], passage_id: str, spans=None, context: int = 1,
                documents: dict[str, dict] | None = None, corpus: Path | None = None) -> SourceView:
    """The passage ``passage_id`` with ``context`` neighbours on each side, from one index version's passages.

    ``documents`` is the manifest's records by doc id (for the indexed file's path); unknown ids and spans
    outside the passage raise AssistantError saying what to give instead."""
    by_id = {p.passage_id: p for p in passages}
    p = by_id.get(passage_id)
    if p is None:
        raise AssistantError(f"no passage {passage_id!r} in this index; ids look like doc-id:0003 (see `ask --json`)")
    spans = check_spans(spans, p.text)
    doc = sorted((x for x in passages if x.doc_id == p.doc_id), key=lambda x: x.position)
    i = next(n for n, x in enumerate(doc) if x.passage_id == passage_id)
    around = doc[max(0, i - max(0, context)): i + max(0, context) + 1]
    ctx = [ContextPassage(x.passage_id, x.locator, x.text, x is p, spans if x is p else []) for x in around]
    record = (documents or {}).get(p.doc_id) or {}
    return SourceView(passage=p, spans=spans, context=ctx, reference=reference(p), path=record.get("path"),
                      content_hash=record.get("content_hash"), corpus=str(corpus) if corpus else None,
                      page=page_of(p.locator))


def marked(text: str, spans, left: str = "»", right: str = "«") -> str:
    """The text with each span between ``left`` and ``right`` (for a terminal)."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + left + text[start:end] + right + text[end:]
    return text


# -- PDF pages -------------------------------------------------------------------------------------------
# soft hyphens and pdfium's generated hyphen markers; and a markdown table's pipes and rule dashes, which a PDF table
# passage has and its page does not (a hyphen is dropped from both texts alike)
_IGNORED = {"\u00ad", "\x02", "\ufffe", "\u200b", "|", "-"}


def normalised(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace and soft hyphens, case-folded, and the index in ``text`` of each kept char:
    the two extractors (pypdf for the index, pdfium for the page) agree on glyphs, not on spacing."""
    chars, where = [], []
    for i, ch in enumerate(text):
        if ch.isspace() or ch in _IGNORED:
            continue
        folded = ch.casefold()
        for f in folded:
            chars.append(f)
            where.append(i)
    return "".join(chars), where


def find_on_page(page_text: str, quote: str, min_anchor: int = 24, hay=None) -> tuple[int, int] | None:
    """[start, end) of ``quote`` in ``page_text``, ignoring spacing and case; when the whole quote is not
    found (a line break hyphenated differently, a ligature), its first and last ``min_anchor`` characters are
    looked for on their own. None when neither is found."""
    hay, where = hay or normalised(page_text)  # a caller looking for several quotes normalises the page once
    needle, _ = normalised(quote)
    if not needle or not hay:
        return None
    at = hay.find(needle)
    if at >= 0:
        return where[at], where[at + len(needle) - 1] + 1
    if len(needle) < 2 * min_anchor:
        return None
    head, tail = needle[:min_anchor], needle[-min_anchor:]
    a = hay.find(head)
    b = hay.find(tail, a + 1) if a >= 0 else -1
    if a >= 0 and b >= 0 and b - a < 2 * len(needle):
        return where[a], where[b + len(tail) - 1] + 1
    return None


def line_boxes(char_boxes: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Character boxes (left, bottom, right, top in PDF points) merged into one box per line."""
    lines: list[list[float]] = []
    for left, bottom, right, top in char_boxes:
        if right <= left or top <= bottom:
            continue  # generated spaces and line ends have empty boxes
        if lines:
            cur = lines[-1]
            overlaps = bottom < cur[3] and top > cur[1]  # a comma or a descender still overlaps its line
            if overlaps and left >= cur[0] - 1:
                cur[0], cur[1], cur[2], cur[3] = min(cur[0], left), min(cur[1], bottom), max(cur[2], right), max(cur[3], top)
                continue
        lines.append([left, bottom, right, top])
    return [tuple(b) for b in lines]


def indexed_pdf(view: SourceView) -> bytes:
    """The bytes of the PDF file the manifest names for this view's document, read once and checked to be the
    file that was indexed (its hash with its sidecar, as the indexer records it); pdfium is given these bytes,
    so the file cannot change between the check and the drawing."""
    from assistant.ingest.loaders import content_hash
    from assistant.ingest.loaders.metadata import sidecar_path

    doc_id = view.passage.doc_id
    path = Path(view.path or "")
    if not view.path or path.suffix.lower() != ".pdf":
        raise AssistantError(f"document {doc_id!r} is not a PDF")
    if not view.corpus or path.is_symlink() or not path.resolve().is_relative_to(Path(view.corpus).resolve()):
        raise AssistantError(f"the PDF of {doc_id!r} ({path.name}) is not in this computer's corpus folder, so its pages "
                             "cannot be shown")
    if not path.is_file():
        raise AssistantError(f"the PDF of {doc_id!r} ({path.name}) is not on this computer, so its pages cannot be shown")
    data = path.read_bytes()
    side = sidecar_path(path)
    if not view.content_hash or content_hash(data, side.read_bytes() if side.exists() else b"") != view.content_hash:
        raise AssistantError(f"{path.name} has changed since it was indexed; re-index it to see its pages")
    return data


def page_image(view: SourceView, page: int | None = None) -> PageImage:
    """The view's PDF page (or ``page``), with the answer's spans (or, without spans, the whole passage) boxed
    when it is the cited page."""
    data = indexed_pdf(view)
    page = page or view.page or 1
    text = view.passage.text
    quotes = ([text[a:b] for a, b in view.spans] or [text]) if page == view.page else []
    return render_page(data, page, quotes, name=Path(view.path or "").name)


# pdfium is not thread-safe, not even across documents: one page is drawn at a time in this process.
_PDFIUM = threading.Lock()


def render_page(pdf_file: Path | bytes, page: int, quotes: list[str], scale: float = RENDER_SCALE,
                name: str | None = None) -> PageImage:
    """Page ``page`` (1-based) of the PDF (a path or its bytes) as PNG, with the boxes of each quote found on
    it, via pdfium (under a lock: pdfium must never run on two threads at once)."""
    with _PDFIUM:
        return _render_page(pdf_file, page, quotes, scale, name or (pdf_file.name if isinstance(pdf_file, Path) else "the PDF"))


def page_text(textpage, height_pt: float) -> tuple[str, list[int]]:
    """A pdfium text page's text in reading order (columns one after another, as the loader read it for the
    index), and for each of its characters the pdfium character index (-1 for a space put between words)."""
    import pypdfium2.raw as pdfium_c

    from assistant.ingest.loaders.pdf_layout import reading_order_indexes

    glyphs = [chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(textpage.count_chars())]
    order = reading_order_indexes([(g, *textpage.get_charbox(i, loose=True)) for i, g in enumerate(glyphs)], height_pt)
    return "".join(" " if i < 0 else glyphs[i] for i in order), order


def _render_page(pdf_file, page: int, quotes: list[str], scale: float, name: str) -> PageImage:
    import io

    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(pdf_file if isinstance(pdf_file, bytes) else str(pdf_file))
    except pdfium.PdfiumError as e:
        raise AssistantError(f"{name}: the PDF could not be opened ({e})") from None
    try:
        count = len(pdf)
        if not 1 <= page <= count:
            raise AssistantError(f"{name} has {count} page(s); there is no page {page}")
        pg = pdf[page - 1]
        width_pt, height_pt = pg.get_size()
        image = pg.render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=True)
        textpage = pg.get_textpage()
        text, order = page_text(textpage, height_pt)
        boxes, found = [], bool(quotes)
        hay = normalised(text)
        for quote in quotes:
            at = find_on_page(text, quote, hay=hay)
            if at is None:
                found = False
                continue
            chars = [textpage.get_charbox(order[k], loose=False) for k in range(at[0], at[1]) if order[k] >= 0]
            for left, bottom, right, top in line_boxes(chars):
                boxes.append((left * scale, (height_pt - top) * scale, right * scale, (height_pt - bottom) * scale))
        return PageImage(page=page, page_count=count, png=buf.getvalue(), width=image.width, height=image.height,
                         boxes=boxes, found=found)
    finally:
        pdf.close()
