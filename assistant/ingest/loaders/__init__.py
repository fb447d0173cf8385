"""Read corpus files into Documents through a registry by file type: a new format is one module with
``SUFFIXES`` and ``load(path, data, doc_id) -> (DocumentMeta, sections)``, registered below.

Every failure is a LoadError that names the file and says what to do about it: an indexing run reports it
and carries on with the rest of the batch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from assistant.errors import LoadError
from assistant.ingest.loaders import html, markdown, pdf, txt
from assistant.ingest.loaders.metadata import FRONT_MATTER_RE, sidecar_path
from assistant.models import Document

LOADERS: dict[str, ModuleType] = {}


def register(module: ModuleType) -> None:
    """Make a loader module handle the file types in its ``SUFFIXES``."""
    for suffix in module.SUFFIXES:
        LOADERS[suffix] = module


for _module in (markdown, pdf, html, txt):
    register(_module)


def supported_suffixes() -> tuple[str, ...]:
    return tuple(LOADERS)


def is_corpus_file(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
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


def content_hash(data: bytes, meta_bytes: bytes = b"") -> str:
    return hashlib.sha256(data + b"\0" + meta_bytes).hexdigest()


def file_hash(path: Path) -> str:
    """Hash of the file and its sidecar, so that a metadata-only change re-indexes the document."""
    side = sidecar_path(path)
    return content_hash(path.read_bytes(), side.read_bytes() if side.exists() else b"")


def load_document(path: Path, max_bytes: int = 50 * 1024 * 1024) -> Document:
    """Load one corpus file. Raises LoadError naming the file and the problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise LoadError(path, f"unsupported file type '{suffix or '(none)'}'; supported: {', '.join(LOADERS)}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise LoadError(path, f"cannot read file: {e.strerror}") from None
    if size == 0:
        raise LoadError(path, "file is empty")
    if size > max_bytes:
        raise LoadError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; split it or raise ASSISTANT_MAX_FILE_MB")
    meta, sections = loader.load(path, path.read_bytes(), path.stem.lower())
    if not any(s.text.strip() for s in sections):
        raise LoadError(path, "no text found after the metadata")
    return Document(meta=meta, path=str(path), content_hash=file_hash(path), sections=sections)


__all__ = ["FRONT_MATTER_RE", "LOADERS", "discover", "file_hash", "is_corpus_file", "load_document", "register",
           "sidecar_path", "supported_suffixes"]
