"""Read corpus files into Documents through a registry by file type: a new format is one module with
``SUFFIXES`` and ``load(path, data, doc_id) -> (DocumentMeta, sections)``, registered below.

Every failure is a LoadError that names the file and says what to do about it: an indexing run reports it
and carries on with the rest of the batch. A loader may also warn about text it read but doubts (a PDF page
that looks garbled): ``load_noting`` returns those warnings as records for the index report.

Each loader has a ``VERSION``, bumped whenever the passages it makes change; the index records it per document
(``loader_tag``), so that the next `index` re-reads a file whose loader changed even if the file did not.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import warnings
from pathlib import Path
from types import ModuleType

from assistant.errors import LoadError
from assistant.ingest.loaders import html, markdown, pdf, txt
from assistant.ingest.loaders.metadata import FRONT_MATTER_RE, sidecar_path
from assistant.models import Document

LOADERS: dict[str, ModuleType] = {}
MB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MB  # Settings.max_file_mb's default


def register(module: ModuleType) -> None:
    """Make a loader module handle the file types in its ``SUFFIXES``."""
    for suffix in module.SUFFIXES:
        LOADERS[suffix] = module


for _module in (markdown, pdf, html, txt):
    register(_module)


def loader_tag(path: Path | str) -> str | None:
    """Which loader reads ``path`` and at what version, as the index records it ("pdf:2"); None for a file no
    loader reads. Only the file name is looked at: cheap enough for every file of a no-op `index`."""
    module = LOADERS.get(Path(path).suffix.lower())
    if module is None:
        return None
    return f"{module.__name__.rsplit('.', 1)[-1]}:{getattr(module, 'VERSION', 1)}"


def supported_suffixes() -> tuple[str, ...]:
    return tuple(LOADERS)


def is_corpus_file(path: Path) -> bool:
    """A document file by its name. Symbolic links are included so that indexing can refuse them by name."""
    name = path.name
    return (
        (path.is_file() or path.is_symlink())
        and path.suffix.lower() in LOADERS
        and not name.startswith((".", "_"))
        and name.lower() != "readme.md"
        and not name.endswith(".meta.yaml")
    )


def discover(corpus: Path) -> list[Path]:
    """Corpus files below ``corpus`` in a stable order; sidecars and READMEs are not documents."""
    if not corpus.exists():
        raise LoadError(corpus, "corpus folder does not exist (set ASSISTANT_CORPUS or create it)")
    return sorted(p for p in corpus.rglob("*") if is_corpus_file(p))


def linked_folders(corpus: Path) -> list[Path]:
    """Symbolic links to folders inside the corpus folder: their files are not indexed (``discover`` does not
    follow them), and indexing reports each one so that it is not skipped silently."""
    return sorted(p for p in corpus.rglob("*") if p.is_symlink() and p.is_dir())


def check_inside(path: Path, root: Path) -> None:
    """Refuse a corpus file (or its sidecar) that is a symbolic link or resolves outside the corpus folder."""
    for p in (path, sidecar_path(path)):
        if p.is_symlink():
            raise LoadError(p, "is a symbolic link; corpus files must be real files inside the corpus folder: "
                               "copy the file in instead (or use `pair-assistant add`)")
        if p.exists() and not p.resolve().is_relative_to(Path(root).resolve()):
            raise LoadError(p, f"resolves outside the corpus folder {root} (through a linked folder); "
                               "copy the file into the corpus folder instead")


def read_file(path: Path, max_bytes: int, advice: str = "split it or raise ASSISTANT_MAX_FILE_MB") -> bytes:
    """The bytes of a file, refusing a symbolic link and checking the size before reading anything.
    ``advice`` is what the size error tells the user to do."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise LoadError(path, "is a symbolic link; corpus files must be real files inside the corpus folder: "
                                  "copy the file in instead") from None
        raise LoadError(path, f"cannot read file: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise LoadError(path, "is not a regular file; corpus files must be ordinary files")
        if st.st_size > max_bytes:
            raise LoadError(path, f"file is {st.st_size / MB:.1f} MB, over the {max_bytes / MB:g} MB limit; "
                                  f"{advice}")
        data = f.read(st.st_size + 1)  # not max_bytes + 1: read() allocates what it is asked for
        if len(data) > st.st_size:
            raise LoadError(path, "file changed while it was being read; index again when it is complete")
    return data


def content_hash(data: bytes, meta_bytes: bytes = b"") -> str:
    return hashlib.sha256(data + b"\0" + meta_bytes).hexdigest()


def file_hash(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Hash of the file and its sidecar, so that a metadata-only change re-indexes the document."""
    side = sidecar_path(path)
    meta = read_file(side, max_bytes) if (side.exists() or side.is_symlink()) else b""
    return content_hash(read_file(path, max_bytes), meta)


def pdf_page_count(data: bytes) -> int | None:
    """Pages in a PDF, read from its page tree without extracting text; None when pypdf cannot tell
    (the loader then reports what is wrong with the file)."""
    import io

    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return None if reader.is_encrypted else len(reader.pages)
    except Exception:  # noqa: BLE001 - a damaged PDF is reported by the loader itself
        return None


def load_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, *, root: Path | None = None,
                  max_pdf_pages: int | None = None) -> Document:
    """Load one corpus file. Raises LoadError naming the file and the problem. With ``root`` (the corpus
    folder), a file or sidecar that is a symbolic link or resolves outside it is refused."""
    path = Path(path)
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise LoadError(path, f"unsupported file type '{suffix or '(none)'}'; supported: {', '.join(LOADERS)}")
    if root is not None:
        check_inside(path, root)
    data = read_file(path, max_bytes)
    if not data:
        raise LoadError(path, "file is empty")
    if max_pdf_pages is not None and suffix == ".pdf":
        pages = pdf_page_count(data)
        if pages is not None and pages > max_pdf_pages:
            raise LoadError(path, f"PDF has {pages} pages, over the {max_pdf_pages}-page limit; split it or raise ASSISTANT_MAX_PDF_PAGES")
    try:
        meta, sections = loader.load(path, data, path.stem.lower())
    except (UnicodeError, ValueError, OverflowError, RecursionError) as e:  # a loader's own checks missed it
        raise LoadError(path, f"could not be read ({type(e).__name__}: {str(e)[:200]}); check the file and its metadata") from None
    if not any(s.text.strip() for s in sections):
        raise LoadError(path, "no text found after the metadata")
    side = sidecar_path(path)
    meta_bytes = read_file(side, max_bytes) if (side.exists() or side.is_symlink()) else b""
    return Document(meta=meta, path=str(path), content_hash=content_hash(data, meta_bytes), sections=sections)


def load_noting(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs) -> tuple[Document, list[dict]]:
    """``load_document``, and the loader's warnings about the text it read (``{file, page, reason}`` each, from
    a warning with a ``record()`` such as the PDF loader's GarbledTextWarning) instead of on stderr: an indexing
    run lists them in its report. Any other warning is passed on as it was raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = load_document(path, max_bytes, **kwargs)
    notes = []
    for w in caught:
        if callable(getattr(w.message, "record", None)):
            notes.append(w.message.record())
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return doc, notes


__all__ = ["FRONT_MATTER_RE", "LOADERS", "check_inside", "discover", "file_hash", "is_corpus_file", "linked_folders",
           "load_document", "load_noting", "loader_tag", "read_file", "register", "sidecar_path", "supported_suffixes"]
