"""Markdown with YAML front matter (or a sidecar): sections split on headings, the heading path as locator."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.errors import LoadError
from assistant.ingest.loaders.metadata import (
    FRONT_MATTER_RE,
    parse_yaml,
    read_sidecar,
    read_text,
    sidecar_path,
    validate_meta,
)
from assistant.models import DocumentMeta, Section

SUFFIXES = (".md", ".markdown")
VERSION = 1  # bumped whenever the passages it makes change: `index` then re-reads the files it indexed
HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


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


def load(path: Path, data: bytes, doc_id: str) -> tuple[DocumentMeta, list[Section]]:
    """Front matter gives the metadata; a sidecar is accepted when there is none."""
    text = read_text(path, data)
    m = FRONT_MATTER_RE.match(text)
    if m:
        meta = validate_meta(parse_yaml(m.group(1), path), path, doc_id)
        body = text[m.end():]
    elif sidecar_path(path).exists():
        meta = read_sidecar(path, doc_id)
        body = text
    else:
        raise LoadError(path, "no YAML front matter (a '---' block with title, publisher, year, url, doc_type) and no .meta.yaml sidecar")
    return meta, markdown_sections(body)
