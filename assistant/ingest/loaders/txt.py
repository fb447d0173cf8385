"""Plain text with a ``.meta.yaml`` sidecar: one section."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.loaders.metadata import read_sidecar, read_text
from assistant.models import DocumentMeta, Section

SUFFIXES = (".txt",)
VERSION = 1  # bumped whenever the passages it makes change: `index` then re-reads the files it indexed


def load(path: Path, data: bytes, doc_id: str) -> tuple[DocumentMeta, list[Section]]:
    meta = read_sidecar(path, doc_id)
    text = read_text(path, data).strip()
    return meta, ([Section(locator="Text", text=text)] if text else [])
