"""PDF through pypdf: one section per page, located as ``p. N``."""

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
    sections = []
    for i, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as e:
            raise LoadError(path, f"text of page {i} could not be extracted: {e}") from None
        text = unwrap(re.sub(r"[ \t]+", " ", text)).strip()
        if text:
            sections.append(Section(locator=f"p. {i}", text=text))
    if not sections:
        raise LoadError(path, f"PDF has no text layer ({len(pages)} page(s), no extractable text): it is probably scanned; run OCR and add the result")
    return sections
