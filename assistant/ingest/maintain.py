"""Maintainers' commands: add a document (with its metadata) to the corpus folder and index it; remove one.

The corpus folder stays the single record of what is indexed: `add` writes the file there (front matter for
markdown, a ``.meta.yaml`` sidecar otherwise) and then runs the same incremental index as `index`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from assistant.errors import AssistantError
from assistant.ingest.loaders import (
    FRONT_MATTER_RE,
    load_document,
    sidecar_path,
    supported_suffixes,
)
from assistant.ingest.loaders.metadata import DOC_ID_RE, validate_meta
from assistant.ingest.pipeline import IndexReport, active_documents, build_index
from assistant.settings import DOC_TYPES, Settings


def add_document(settings: Settings, file: Path, *, title: str, publisher: str, year: int, url: str, doc_type: str,
                 licence: str = "unknown", doc_id: str | None = None, supersedes: str | None = None,
                 replace: bool = False, quiet: bool = False) -> IndexReport:
    file = Path(file)
    if not file.is_file():
        raise AssistantError(f"{file}: no such file")
    suffix = file.suffix.lower()
    if suffix not in supported_suffixes():
        raise AssistantError(f"{file}: unsupported file type '{suffix}'; supported: {', '.join(supported_suffixes())}")
    if doc_type not in DOC_TYPES:
        raise AssistantError(f"--doc-type must be one of {', '.join(DOC_TYPES)}; got {doc_type!r}")
    doc_id = (doc_id or re.sub(r"[^a-z0-9._-]+", "-", file.stem.lower())).strip("-")
    if not DOC_ID_RE.match(doc_id):
        raise AssistantError(f"document id {doc_id!r} must be lowercase letters, digits, '-', '_' or '.'")
    meta = {"title": title, "publisher": publisher, "year": year, "url": url, "doc_type": doc_type, "licence": licence,
            "source_note": f"Added with `pair-assistant add` from {file.name}."}
    if supersedes:
        meta["supersedes"] = supersedes
    validate_meta(meta, file, doc_id)  # the same checks as indexing, before anything is copied
    from assistant.store import open_store

    store = open_store(settings)
    existing = active_documents(store.read_manifest())
    if supersedes and supersedes not in existing:
        raise AssistantError(f"--supersedes {supersedes}: no such document in the index (see `pair-assistant status`)")
    target_dir = settings.corpus / doc_type
    target = target_dir / f"{doc_id}{'.md' if suffix == '.markdown' else suffix}"
    clash = [p for p in settings.corpus.rglob(f"{doc_id}.*") if not p.name.endswith(".meta.yaml")] if settings.corpus.exists() else []
    if (clash or doc_id in existing) and not replace:
        raise AssistantError(f"a document with id '{doc_id}' already exists ({clash[0] if clash else 'in the index'}); "
                             "use --replace to replace it, or choose another --doc-id")
    # Load the file from where it is first, so that a bad file is refused before the corpus is touched.
    tmp_dir = settings.home / "incoming"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    staged = tmp_dir / target.name
    _write_with_meta(file, staged, meta)
    try:
        load_document(staged, settings.max_file_bytes)
    except AssistantError:
        for p in (staged, sidecar_path(staged)):
            p.unlink(missing_ok=True)
        raise
    target_dir.mkdir(parents=True, exist_ok=True)
    for old in clash:  # --replace: the new file takes the old one's place (and id)
        sidecar_path(old).unlink(missing_ok=True)
        old.unlink(missing_ok=True)
    try:
        shutil.move(str(staged), target)
        if sidecar_path(staged).exists():
            shutil.move(str(sidecar_path(staged)), sidecar_path(target))
    finally:
        for p in (staged, sidecar_path(staged)):
            p.unlink(missing_ok=True)
    return build_index(settings, quiet=quiet, store=store)


def _write_with_meta(src: Path, dest: Path, meta: dict) -> None:
    if src.suffix.lower() in (".md", ".markdown"):
        text = src.read_text("utf-8")
        m = FRONT_MATTER_RE.match(text)
        body = text[m.end():] if m else text
        dest.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + body.lstrip(), "utf-8")
    else:
        shutil.copyfile(src, dest)
        sidecar_path(dest).write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), "utf-8")


def remove_document(settings: Settings, doc_id: str, quiet: bool = False) -> IndexReport:
    from assistant.store import open_store

    store = open_store(settings)
    docs = active_documents(store.read_manifest())
    paths = [p for p in settings.corpus.rglob("*") if p.is_file() and p.stem.lower() == doc_id and not p.name.endswith(".meta.yaml")] \
        if settings.corpus.exists() else []
    if doc_id not in docs and not paths:
        raise AssistantError(f"no document '{doc_id}' in the corpus or the index (see `pair-assistant status`)")
    for p in paths:
        sidecar_path(p).unlink(missing_ok=True)
        p.unlink()
    return build_index(settings, quiet=quiet, store=store)
