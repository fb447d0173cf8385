"""PDF through pypdf: one section per page, located as ``p. N``, without running headers, footers and page
numbers, and with lines the page wrapped joined back into sentences."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import LoadError
from assistant.ingest.loaders.metadata import read_sidecar
from assistant.models import DocumentMeta, Section

SUFFIXES = (".pdf",)


def load(path: Path, data: bytes, doc_id: str) -> tuple[DocumentMeta, list[Section]]:
    return read_sidecar(path, doc_id), pdf_sections(path, data)


def unwrap(text: str) -> str:
    """Lines a PDF wrapped joined back into paragraphs (a blank line still ends one): otherwise a sentence
    broken across two lines reads, and is quoted, as two. A line ending in a hyphen keeps it ("short-term")."""
    text = re.sub(r"-[ ]?\n[ ]?(?=\S)", "-", text)
    return re.sub(r"(?<!\n)[ ]?\n[ ]?(?!\n)", " ", text)


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


def strip_running_lines(pages: list[str]) -> list[str]:
    """Each page's text without its running headers and footers: a line at the top or bottom of the page that
    recurs, numbers aside, at the top or bottom of at least half the pages (three or more; so bare page numbers
    go too), and "Page 7 of 80" labels. Otherwise a guide's title and "Page 3 of 6" are glued into quoted
    sentences. A number that is not a running page number (a table value at the foot of one page) stays."""
    split = [t.split("\n") for t in pages]
    counts: dict[str, int] = {}
    for lines in split:
        for key in {_line_key(lines[i]) for i in _edges(lines)}:
            counts[key] = counts.get(key, 0) + 1
    running = {k for k, n in counts.items() if len(pages) >= 3 and n >= max(3, len(pages) / 2)}
    out = []
    for lines in split:
        drop = {i for i in _edges(lines) if _line_key(lines[i]) in running or PAGE_LABEL.match(lines[i].strip())}
        out.append("\n".join(ln for i, ln in enumerate(lines) if i not in drop))
    return out


def pdf_sections(path: Path, data: bytes) -> list[Section]:
    """One section per page, located as ``p. N``. Encrypted and image-only PDFs are refused clearly."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise LoadError(path, "PDF is encrypted with a password; save an unencrypted copy and add that instead")
        pages = list(reader.pages)
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise LoadError(path, f"PDF could not be read (corrupt or not a PDF): {e}") from None
    except Exception as e:  # pypdf raises a wide range of errors on damaged files
        raise LoadError(path, f"PDF could not be read (corrupt or not a PDF): {type(e).__name__}: {e}") from None
    texts = []
    for i, page in enumerate(pages, start=1):
        try:
            texts.append(re.sub(r"[ \t]+", " ", page.extract_text() or ""))
        except Exception as e:
            raise LoadError(path, f"text of page {i} could not be extracted: {e}") from None
    sections = []
    for i, text in enumerate(strip_running_lines(texts), start=1):
        text = unwrap(text).strip()
        if text:
            sections.append(Section(locator=f"p. {i}", text=text))
    if not sections:
        raise LoadError(path, f"PDF has no text layer ({len(pages)} page(s), no extractable text): it is probably scanned; run OCR and add the result")
    return sections
