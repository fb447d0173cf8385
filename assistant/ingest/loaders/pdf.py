"""PDF text in reading order, from the positions of its words (pdfplumber): columns read one after another,
tables as markdown table passages, headings found from font size as locators ("p. 5, Monitoring returns"),
running headers, footers and page numbers removed, lines the page wrapped joined back into sentences, and a
warning naming the file and page when a page's text looks garbled.

Why pdfplumber: it gives every character's box and font size (pypdf gives neither: it follows the order the
PDF draws its text in, which interleaves two columns drawn line across line, and runs a table's cells into one
sentence), and it has a maintained table finder (ruled tables: a cell per drawn box), which pypdfium2 lacks;
pypdfium2, which the source viewer draws pages with, is what pdfplumber itself renders with, so both read one
text layer. The measured difference is in the README (``python -m assistant.bench.pdf_quality``).
"""

from __future__ import annotations

import io
import itertools
import re
import warnings
from pathlib import Path

from assistant.errors import LoadError
from assistant.ingest.loaders.metadata import read_sidecar
from assistant.ingest.loaders.pdf_layout import (
    Line,
    Row,
    body_size,
    group_lines,
    inside,
    is_heading,
    reading_order,
)
from assistant.ingest.loaders.pdf_text import garbled
from assistant.models import DocumentMeta, Section

SUFFIXES = (".pdf",)
VERSION = 2  # bumped whenever the passages it makes change (2: layout-aware text): `index` re-reads every
             # PDF indexed by an older version, unchanged or not
HEADING_CHARS = 80  # a locator quotes at most this much of a heading


class GarbledTextWarning(UserWarning):
    """A page's text layer looks garbled (broken glyphs, or few real words): quotes from it may be wrong. It
    carries the file, page and reason apart, so that an indexing run can list it in its report, not only on
    stderr (``record()``)."""

    def __init__(self, path: Path, page: int, why: str):
        self.file, self.page = str(path), page
        self.reason = (f"the text looks garbled ({why}); quotes from this page may be wrong: check it in the source "
                       "viewer, or run OCR on the PDF and add the result")
        super().__init__(f"{Path(path).name}, page {page}: {self.reason}")

    def record(self) -> dict:
        """The warning as the index report lists it: ``{file, page, reason}``."""
        return {"file": self.file, "page": self.page, "reason": self.reason}


def load(path: Path, data: bytes, doc_id: str) -> tuple[DocumentMeta, list[Section]]:
    return read_sidecar(path, doc_id), pdf_sections(path, data)


def unwrap(text: str) -> str:
    """Lines a PDF wrapped joined back into paragraphs (a blank line still ends one): otherwise a sentence
    broken across two lines reads, and is quoted, as two. A line ending in a hyphen keeps it ("short-term")."""
    text = re.sub(r"-[ ]?\n[ ]?(?=\S)", "-", text)
    return re.sub(r"(?<!\n)[ ]?\n[ ]?(?!\n)", " ", text)


# -- running headers and footers -------------------------------------------------------------------------
PAGE_LABEL = re.compile(r"^page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)  # "Page 7", "Page 7 of 80"
EDGE_LINES = 2  # lines at the top and at the bottom of a page where running headers and footers sit


def _line_key(line: str) -> str:
    """A line with its numbers blanked: "Page 3 of 6" and "Page 4 of 6" are the same running footer."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the non-blank lines where a running header or footer can sit: two at each end, one on a
    short page, none on a page of fewer than three lines (all body)."""
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(filled) < 3:
        return []
    n = 1 if len(filled) <= 6 else EDGE_LINES
    return filled[:n] + filled[-n:]


def running_lines(pages: list[list[str]]) -> list[set[int]]:
    """For each page (its lines top to bottom), the indexes of its running header and footer lines: a line at
    the top or bottom of the page that recurs, numbers aside, at the top or bottom of at least half the pages
    (three or more; so bare page numbers go too), and "Page 7 of 80" labels. A number that is not a running page
    number (a table value at the foot of one page) stays."""
    counts: dict[str, int] = {}
    for lines in pages:
        for key in {_line_key(lines[i]) for i in _edges(lines)}:
            counts[key] = counts.get(key, 0) + 1
    running = {k for k, n in counts.items() if len(pages) >= 3 and n >= max(3, len(pages) / 2)}
    return [{i for i in _edges(lines) if _line_key(lines[i]) in running or PAGE_LABEL.match(lines[i].strip())}
            for lines in pages]


def strip_running_lines(pages: list[str]) -> list[str]:
    """Each page's text (lines split at newlines) without its running headers and footers: otherwise a guide's
    title and "Page 3 of 6" are glued into quoted sentences."""
    split = [t.split("\n") for t in pages]
    return ["\n".join(ln for i, ln in enumerate(lines) if i not in drop)
            for lines, drop in zip(split, running_lines(split))]


# -- reading a page --------------------------------------------------------------------------------------
def _cell(text) -> str:
    """A table cell as one line of markdown: wrapped lines joined, a pipe escaped."""
    return unwrap(str(text or "")).replace("\n", " ").replace("|", "\\|").strip()


def table_markdown(rows: list[list[str]]) -> str:
    """A table as markdown, its first row the header: each row one line, so chunking never splits a row and
    repeats the header on every passage of a long table."""
    width = max(len(r) for r in rows)
    rows = [[_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    line = lambda cells: "| " + " | ".join(cells) + " |"
    return "\n".join([line(rows[0]), "|" + "---|" * width] + [line(r) for r in rows[1:]])


def _page_tables(page) -> list[tuple[tuple[float, float, float, float], list[list[str]]]]:
    """Ruled tables on the page (pdfplumber's lines strategy) with at least two rows and two columns of text."""
    out = []
    for table in page.find_tables():
        rows = [[c or "" for c in row] for row in table.extract()]
        rows = [r for r in rows if any(c.strip() for c in r)]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2 and sum(bool(c.strip()) for c in rows[0]) >= 2:
            out.append((tuple(table.bbox), rows))
    return out


def _deduped(page):
    """The page without characters drawn twice on one spot (a fake bold, a shadow), which would read "ttwwiiccee".
    pdfplumber's dedupe doubles the time a page takes, so it runs only on a page that has such a character."""
    seen = set()
    for c in page.chars:
        key = (c["text"], round(c["x0"]), round(c["top"]))
        if key in seen:
            return page.dedupe_chars()
        seen.add(key)
    return page


def page_rows(page) -> tuple[list[Row], list[str]]:
    """The page read: its rows in reading order, and the text of its full-width lines top to bottom (where
    running headers and footers are looked for; each row knows which of these lines it came from). Tables
    stand where they are drawn, as one pseudo-word each while the reading order is found."""
    page = _deduped(page)
    tables = _page_tables(page)
    words = [w for w in page.extract_words(extra_attrs=["size"]) if not any(inside(w, b) for b, _ in tables)]
    lines = group_lines(words)
    for i, ln in enumerate(lines):
        for w in ln.words:
            w["line"] = i
    for (x0, top, x1, bottom), rows in tables:
        words.append({"text": "", "x0": x0, "x1": x1, "top": top, "bottom": bottom, "size": 0, "table": rows})
    out = []
    for ln in reading_order(words):
        text = Line([w for w in ln.words if "table" not in w], column_break=ln.column_break)
        if text.words:
            out.append(Row(text.text, text.top, text.bottom, text.size, ln.column_break, line=text.words[0]["line"]))
        out.extend(Row("", w["top"], w["bottom"], 0.0, table=w["table"]) for w in ln.words if "table" in w)
    return out, [ln.text for ln in lines]


# -- sections --------------------------------------------------------------------------------------------
def _paragraphs(lines: list[Row]) -> str:
    """Body lines as text: a line the page wrapped joined to the next, a paragraph break where the gap above a
    line is clearly wider than the page's usual line gap after a sentence ends."""
    gaps = sorted(b.top - a.bottom for a, b in itertools.pairwise(lines) if not b.column_break and b.top > a.bottom)
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    parts = [lines[0].text] if lines else []
    for a, b in itertools.pairwise(lines):
        gap = b.top - a.bottom
        wide = not b.column_break and gap > 1.6 * usual + 2 and re.search(r"[.!?:;]['\")\]]?$", a.text)
        parts.append(("\n\n" if wide else "\n") + b.text)
    return unwrap("".join(parts)).strip()


def _locator(page: int, heading: str) -> str:
    if not heading:
        return f"p. {page}"
    if len(heading) > HEADING_CHARS:
        heading = heading[:HEADING_CHARS].rsplit(" ", 1)[0] + "..."
    return f"p. {page}, {heading}"


def page_sections(number: int, lines: list[Row], body: float, heading: str) -> tuple[list[Section], str]:
    """Sections of one page in reading order, and the heading in force at its end (carried to the next page):
    a heading starts a section and names it in the locator; a table is a section of its own."""
    sections: list[Section] = []
    buffer: list[Row] = []
    last_heading: Row | None = None

    def flush():
        text = _paragraphs(buffer)
        if text:
            sections.append(Section(locator=_locator(number, heading), text=text))
        buffer.clear()

    for ln in lines:
        if ln.table is not None:
            flush()
            sections.append(Section(locator=_locator(number, heading), text=table_markdown(ln.table)))
            last_heading = None
        elif is_heading(ln, body):
            flush()
            joined = last_heading is not None and abs(last_heading.size - ln.size) < 0.5  # a heading wrapped onto two lines
            heading = (heading + " " + ln.text) if joined else ln.text
            last_heading = ln
        else:
            buffer.append(ln)
            last_heading = None
    flush()
    return sections, heading


def _open_pages(path: Path, data: bytes):
    """The PDF's pages through pdfplumber; a password or a damaged file is refused clearly."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        return pdf, list(pdf.pages)
    except Exception as e:  # pdfminer raises a wide range of errors on damaged files
        cause = e.args[0] if e.args else e
        if isinstance(e, PDFPasswordIncorrect) or isinstance(cause, PDFPasswordIncorrect):
            raise LoadError(path, "PDF is encrypted with a password; save an unencrypted copy and add that instead") from None
        raise LoadError(path, f"PDF could not be read (corrupt or not a PDF): {type(e).__name__}: {e}") from None


def pdf_sections(path: Path, data: bytes) -> list[Section]:
    """Sections in reading order, located as ``p. N`` or ``p. N, Heading``. Encrypted and image-only PDFs are
    refused clearly; a page whose text looks garbled is warned about (GarbledTextWarning) and still indexed."""
    pdf, pages = _open_pages(path, data)
    try:
        read = []
        for i, page in enumerate(pages, start=1):
            try:
                read.append(page_rows(page))
            except Exception as e:  # noqa: BLE001 - pdfminer's errors on one damaged page are many
                raise LoadError(path, f"text of page {i} could not be extracted: {type(e).__name__}: {e}") from None
            finally:
                page.close()  # pdfplumber keeps every parsed page's characters until then
    finally:
        pdf.close()
    drops = running_lines([lines for _, lines in read])
    kept = [[r for r in rows if r.line not in drop] for (rows, _), drop in zip(read, drops)]
    body = body_size([r for rows in kept for r in rows])
    sections, heading = [], ""
    for number, rows in enumerate(kept, start=1):
        found, heading = page_sections(number, rows, body, heading)
        sections.extend(found)
        why = garbled(" ".join(s.text for s in found))
        if why:
            warnings.warn(GarbledTextWarning(path, number, why), stacklevel=2)
    if not sections:
        raise LoadError(path, f"PDF has no text layer ({len(pages)} page(s), no extractable text): it is probably scanned; run OCR and add the result")
    return sections
