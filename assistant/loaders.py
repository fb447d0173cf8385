"""Read corpus files (markdown with YAML front matter, PDF, HTML, plain text) into Documents.

Every failure is a LoadError that names the file and says what to do about it: an indexing run reports it
and carries on with the rest of the batch.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from assistant.config import DOC_TYPES, SUPPORTED_SUFFIXES
from assistant.documents import Document, DocumentMeta, LoadError, Section

REQUIRED_FIELDS = ("title", "publisher", "year", "url", "doc_type")
DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,120}$")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def sidecar_path(path: Path) -> Path:
    """Metadata for a non-markdown file lives beside it in ``<file>.meta.yaml``."""
    return path.with_name(path.name + ".meta.yaml")


def is_corpus_file(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not name.startswith((".", "_"))
        and name.lower() != "readme.md"
        and not name.endswith(".meta.yaml")
    )


def discover(corpus: Path) -> list[Path]:
    """Corpus files below ``corpus`` in a stable order; sidecars and READMEs are not documents."""
    if not corpus.exists():
        raise LoadError(corpus, "corpus folder does not exist (set ASSISTANT_CORPUS or create it)")
    return sorted(p for p in corpus.rglob("*") if is_corpus_file(p))


def content_hash(data: bytes, meta_bytes: bytes = b"") -> str:
    return hashlib.sha256(data + b"\0" + meta_bytes).hexdigest()


def file_hash(path: Path) -> str:
    """Hash of the file and its sidecar, so that a metadata-only change re-indexes the document."""
    side = sidecar_path(path)
    return content_hash(path.read_bytes(), side.read_bytes() if side.exists() else b"")


def validate_meta(raw: dict, path: Path, doc_id: str) -> DocumentMeta:
    if not isinstance(raw, dict):
        raise LoadError(path, "metadata must be a YAML mapping of fields (title, publisher, year, url, doc_type)")
    for name in REQUIRED_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise LoadError(path, f"metadata field '{name}' is missing or empty")
    try:
        year = int(raw["year"])
    except (TypeError, ValueError):
        raise LoadError(path, f"metadata field 'year' must be a whole number, got {raw['year']!r}") from None
    if not 1900 <= year <= 2100:
        raise LoadError(path, f"metadata field 'year' is out of range: {year}")
    doc_type = str(raw["doc_type"]).strip()
    if doc_type not in DOC_TYPES:
        raise LoadError(path, f"metadata field 'doc_type' must be one of {', '.join(DOC_TYPES)}; got {doc_type!r}")
    url = str(raw["url"]).strip()
    if not re.match(r"^https?://\S+$", url):
        raise LoadError(path, f"metadata field 'url' must be an http(s) address, got {url!r}")
    if not DOC_ID_RE.match(doc_id):
        raise LoadError(path, f"document id {doc_id!r} (the file name) must be lowercase letters, digits, '-', '_' or '.'")
    supersedes = raw.get("supersedes")
    return DocumentMeta(
        doc_id=doc_id,
        title=str(raw["title"]).strip(),
        publisher=str(raw["publisher"]).strip(),
        year=year,
        url=url,
        doc_type=doc_type,
        licence=str(raw.get("licence") or "unknown").strip(),
        source_note=str(raw.get("source_note") or "").strip(),
        supersedes=str(supersedes).strip() if supersedes else None,
    )


def _parse_yaml(text: str, path: Path) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise LoadError(path, f"metadata is not valid YAML: {e}".splitlines()[0]) from None
    return data if data is not None else {}


def _read_text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError(path, "not UTF-8 text; save it as UTF-8 and index again") from None


def markdown_sections(body: str) -> list[Section]:
    """Split markdown on headings; each section's locator is its heading path ("A > B")."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []

    def flush():
        text = "\n".join(buf).strip()
        if text:
            # The document title heading (level 1) is not useful as a locator when deeper headings exist.
            names = [name for level, name in path if level > 1] or [name for _, name in path]
            sections.append(Section(locator=" > ".join(names) or "Text", text=text))
        buf.clear()

    in_code = False
    for line in body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        m = None if in_code else HEADING_RE.match(line)
        if m:
            flush()
            level = len(m.group(1))
            path = [(lv, nm) for lv, nm in path if lv < level] + [(level, m.group(2).strip())]
        else:
            buf.append(line)
    flush()
    return sections


def load_markdown(path: Path, data: bytes, doc_id: str) -> tuple[DocumentMeta, list[Section]]:
    text = _read_text(path, data)
    m = FRONT_MATTER_RE.match(text)
    side = sidecar_path(path)
    if m:
        meta = validate_meta(_parse_yaml(m.group(1), path), path, doc_id)
        body = text[m.end():]
    elif side.exists():
        meta = validate_meta(_parse_yaml(side.read_text("utf-8"), side), side, doc_id)
        body = text
    else:
        raise LoadError(path, "no YAML front matter (a '---' block with title, publisher, year, url, doc_type) and no .meta.yaml sidecar")
    return meta, markdown_sections(body)


def load_pdf(path: Path, data: bytes) -> list[Section]:
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
        text = re.sub(r"[ \t]+", " ", text).strip()
        if text:
            sections.append(Section(locator=f"p. {i}", text=text))
    if not sections:
        raise LoadError(path, f"PDF has no text layer ({len(pages)} page(s), no extractable text): it is probably scanned; run OCR and add the result")
    return sections


class _HTMLSections(HTMLParser):
    """Collects text under h1-h6 headings, skipping scripts, styles and navigation."""

    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template"}
    BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "table", "ul", "ol", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.skip = 0
        self.heading: int | None = None
        self.text: list[str] = []
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._end_line()
            self.heading = int(tag[1])
        elif tag in self.BLOCK:
            self._end_line()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self.heading:
            words = " ".join("".join(self.text).split())
            self.text = []
            if words:
                self.lines.append("#" * self.heading + " " + words)
            self.heading = None
        elif tag in self.BLOCK:
            self._end_line()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.text.append(data)

    def _end_line(self):
        if self.heading:
            return
        words = " ".join("".join(self.text).split())
        self.text = []
        if words:
            self.lines.append(words + "\n")


def load_html(path: Path, data: bytes) -> list[Section]:
    parser = _HTMLSections()
    parser.feed(_read_text(path, data))
    parser.close()
    parser._end_line()
    return markdown_sections("\n".join(parser.lines))


def load_txt(path: Path, data: bytes) -> list[Section]:
    text = _read_text(path, data).strip()
    return [Section(locator="Text", text=text)] if text else []


def load_document(path: Path, max_bytes: int = 50 * 1024 * 1024) -> Document:
    """Load one corpus file. Raises LoadError naming the file and the problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(path, f"unsupported file type '{suffix or '(none)'}'; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise LoadError(path, f"cannot read file: {e.strerror}") from None
    if size == 0:
        raise LoadError(path, "file is empty")
    if size > max_bytes:
        raise LoadError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; split it or raise ASSISTANT_MAX_FILE_MB")
    data = path.read_bytes()
    doc_id = path.stem.lower()
    side = sidecar_path(path)
    if suffix in (".md", ".markdown"):
        meta, sections = load_markdown(path, data, doc_id)
    else:
        if not side.exists():
            raise LoadError(path, f"no metadata: create {side.name} beside it with title, publisher, year, url, doc_type")
        meta = validate_meta(_parse_yaml(side.read_text("utf-8"), side), side, doc_id)
        if suffix == ".pdf":
            sections = load_pdf(path, data)
        elif suffix in (".html", ".htm"):
            sections = load_html(path, data)
        else:
            sections = load_txt(path, data)
    if not any(s.text.strip() for s in sections):
        raise LoadError(path, "no text found after the metadata")
    return Document(meta=meta, path=str(path), content_hash=file_hash(path), sections=sections)
