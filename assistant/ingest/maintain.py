"""Maintainers' commands: add a document (with its metadata) to the corpus folder and index it; edit its
metadata; remove one.

The corpus folder stays the single record of what is indexed: `add` writes the file there (front matter for
markdown, a ``.meta.yaml`` sidecar otherwise) and then runs the same incremental index as `index`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from assistant.errors import AssistantError, LoadError
from assistant.ingest.loaders import (
    FRONT_MATTER_RE,
    discover,
    load_document,
    read_file,
    sidecar_path,
    supported_suffixes,
)
from assistant.ingest.loaders.metadata import DOC_ID_RE, parse_yaml, read_text, validate_meta
from assistant.ingest.pipeline import IndexReport, active_documents, build_index
from assistant.settings import DOC_TYPES, Settings


def add_document(settings: Settings, file: Path, *, title: str | None = None, publisher: str | None = None,
                 year: int | None = None, url: str | None = None, doc_type: str | None = None,
                 licence: str | None = None, doc_id: str | None = None, supersedes: str | None = None,
                 replace: bool = False, quiet: bool = False) -> IndexReport:
    """Check the file and its metadata, copy it into the corpus folder and index it. With ``replace``, the
    indexed document of that id keeps every metadata field not given (``supersedes`` included). Anything wrong
    (missing or bad metadata, not UTF-8, too big, a duplicate of an indexed document, refused by the index run)
    is an AssistantError, and the corpus folder is left as it was."""
    file = Path(file)
    if not file.is_file():
        raise AssistantError(f"{file}: no such file")
    suffix = file.suffix.lower()
    if suffix not in supported_suffixes():
        raise AssistantError(f"{file}: unsupported file type '{suffix}'; supported: {', '.join(supported_suffixes())}")
    doc_id = (doc_id or re.sub(r"[^a-z0-9._-]+", "-", file.stem.lower())).strip("-")
    if not DOC_ID_RE.match(doc_id):
        raise AssistantError(f"document id {doc_id!r} must be lowercase letters, digits, '-', '_' or '.'")
    given = {"title": title, "publisher": publisher, "year": year, "url": url, "doc_type": doc_type, "licence": licence,
             "supersedes": supersedes}
    kept = _indexed_meta(settings, doc_id) if replace else {}
    meta = {k: v for k, v in {**kept, **{k: v for k, v in given.items() if v is not None}}.items()
            if k in ("title", "publisher", "year", "url", "doc_type", "licence", "supersedes", "design", "setting",
                     "sample_size", "certainty", "publisher_kind") and v is not None}
    meta.setdefault("licence", "unknown")
    missing = [f"--{k.replace('_', '-')}" for k in ("title", "publisher", "year", "url", "doc_type") if k not in meta]
    if missing:
        raise AssistantError(f"{file}: missing {', '.join(missing)}" + ("" if replace else
                             " (with --replace, the indexed document's values are kept)"))
    doc_type = meta["doc_type"]
    if doc_type not in DOC_TYPES:
        raise AssistantError(f"--doc-type must be one of {', '.join(DOC_TYPES)}; got {doc_type!r}")
    supersedes = meta.get("supersedes")
    meta["source_note"] = f"Added with `pair-assistant add` from {file.name}."
    validate_meta(meta, file, doc_id)  # the same checks as indexing, before anything is copied
    # The size is checked before the file is read (the file named on the command line may be a link: it is the
    # user's own choice, so it is followed here; the copy in the corpus folder is a real file).
    data = read_file(file.resolve(), settings.max_file_bytes)
    if suffix in (".md", ".markdown"):
        read_text(file, data)  # a clear error for a file that is not UTF-8
    from assistant.store import open_store

    store = open_store(settings)
    existing = active_documents(store.read_manifest())
    _check_supersedes(supersedes, existing)
    target_dir = settings.corpus / doc_type
    target = target_dir / f"{doc_id}{'.md' if suffix == '.markdown' else suffix}"
    clash = corpus_files(settings, doc_id)
    if (clash or doc_id in existing) and not replace:
        raise AssistantError(f"a document with id '{doc_id}' already exists ({clash[0] if clash else 'in the index'}); "
                             "use --replace to replace it, or choose another --doc-id")
    # Load the file from where it is first, so that a bad file is refused before the corpus is touched.
    tmp_dir = settings.home / "incoming"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    staged = tmp_dir / target.name
    _write_with_meta(file, data, staged, meta)
    try:
        doc = load_document(staged, settings.max_file_bytes, max_pdf_pages=settings.max_pdf_pages)
        same = [d for d, rec in existing.items() if rec.get("content_hash") == doc.content_hash and d != doc_id]
        if same:
            raise AssistantError(f"{file}: same content and metadata as document '{same[0]}' already in the index; "
                                 "nothing was added")
    except LoadError as e:  # the error names the user's file, not the staged copy under $ASSISTANT_HOME
        _remove(staged)
        raise AssistantError(f"{file}: {e.reason}") from None
    except AssistantError:
        _remove(staged)
        raise
    target_dir.mkdir(parents=True, exist_ok=True)
    backup = tmp_dir / "replaced"
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir()
    moved = []  # (from, to): undone if the index run refuses the new file
    try:
        for old in clash:  # --replace: the new file takes the old one's place (and id)
            for p in (old, sidecar_path(old)):
                if p.exists() or p.is_symlink():
                    dest = backup / f"{len(moved)}-{p.name}"
                    shutil.move(str(p), dest)
                    moved.append((p, dest))
        shutil.move(str(staged), target)
        if sidecar_path(staged).exists():
            shutil.move(str(sidecar_path(staged)), sidecar_path(target))
        report = build_index(settings, quiet=quiet, store=store)
        refused = [f for f in report.failed if Path(f["path"]) == target]
        if refused:
            raise AssistantError(f"{file}: not added, the index run refused it: {refused[0]['error']}")
    except BaseException:
        _remove(target)
        for original, dest in moved:
            shutil.move(str(dest), original)
        raise
    finally:
        _remove(staged)
        shutil.rmtree(backup, ignore_errors=True)
    return report


def corpus_files(settings: Settings, doc_id: str) -> list[Path]:
    """The corpus files of a document id (by file name, as indexing derives ids); [] without a corpus folder."""
    return [p for p in discover(settings.corpus) if p.stem.lower() == doc_id] if settings.corpus.exists() else []


def _check_supersedes(supersedes: str | None, existing: dict) -> None:
    """A document can only supersede one that is indexed."""
    if supersedes and supersedes not in existing:
        raise AssistantError(f"--supersedes {supersedes}: no such document in the index (see `pair-assistant status`)")


def _indexed_meta(settings: Settings, doc_id: str) -> dict:
    """The metadata an indexed document has now (for --replace), from the index manifest; {} if none."""
    from assistant.store import open_store

    rec = active_documents(open_store(settings).read_manifest()).get(doc_id) or {}
    return dict(rec.get("meta") or {})


def _remove(path: Path) -> None:
    for p in (path, sidecar_path(path)):
        p.unlink(missing_ok=True)


def _write_with_meta(src: Path, data: bytes, dest: Path, meta: dict) -> None:
    if src.suffix.lower() in (".md", ".markdown"):
        text = read_text(src, data)
        m = FRONT_MATTER_RE.match(text)
        body = text[m.end():] if m else text
        dest.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + body.lstrip(), "utf-8")
    else:
        dest.write_bytes(data)
        sidecar_path(dest).write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), "utf-8")


def remove_document(settings: Settings, doc_id: str, quiet: bool = False) -> IndexReport:
    """Take an indexed document out of the corpus folder and the index. ``doc_id`` must be the id of a
    document in the index (`status` lists them): it is never matched against other file names."""
    from assistant.store import open_store

    store = open_store(settings)
    docs = active_documents(store.read_manifest())
    if doc_id not in docs:
        raise AssistantError(f"no document '{doc_id}' in the index; `remove` takes a document id as "
                             "`pair-assistant status` lists it, not a file name")
    paths = corpus_files(settings, doc_id)
    for p in paths:
        _remove(p)
    return build_index(settings, quiet=quiet, store=store)


EDITABLE = ("title", "publisher", "year", "url", "doc_type", "licence", "supersedes", "source_note")


def edit_document(settings: Settings, doc_id: str, changes: dict, quiet: bool = False) -> IndexReport:
    """Change some metadata fields of an indexed document in place (front matter or sidecar) and re-index it;
    every field not given is kept. ``supersedes=""`` clears it. The new metadata is checked as indexing checks
    it before anything is written, and if the index run refuses the document the file is put back as it was."""
    from assistant.store import open_store

    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise AssistantError(f"cannot edit {', '.join(unknown)}; editable fields: {', '.join(EDITABLE)}")
    if not changes:
        raise AssistantError("nothing to change: give at least one field, e.g. --title or --supersedes")
    store = open_store(settings)
    existing = active_documents(store.read_manifest())
    if doc_id not in existing:
        raise AssistantError(f"no document '{doc_id}' in the index; see `pair-assistant status --search TEXT`")
    paths = corpus_files(settings, doc_id)
    if len(paths) != 1:
        raise AssistantError(f"document '{doc_id}' is not one file in {settings.corpus} ({len(paths)} found); "
                             "re-index first")
    path = paths[0]
    supersedes = changes.get("supersedes")
    _check_supersedes(supersedes, existing)
    markdown = path.suffix.lower() in (".md", ".markdown")
    meta_file = path if markdown else sidecar_path(path)
    original = meta_file.read_bytes()
    text = read_text(meta_file, original)
    front = FRONT_MATTER_RE.match(text) if markdown else None
    if markdown and not front:
        raise AssistantError(f"{path}: no front matter to edit")
    meta = parse_yaml(front.group(1) if markdown else text, meta_file) or {}
    for field, value in changes.items():
        if field == "supersedes" and not value:
            meta.pop("supersedes", None)
        else:
            meta[field] = value
    validate_meta(meta, path, doc_id)  # the same checks as indexing, before anything is written
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    new_text = ("---\n" + dumped + "---\n" + text[front.end():]) if markdown else dumped
    meta_file.write_text(new_text, "utf-8")
    try:
        report = build_index(settings, quiet=quiet, store=store)
        refused = [f for f in report.failed if Path(f["path"]) == path]
        if refused:
            raise AssistantError(f"{path}: not changed, the index run refused it: {refused[0]['error']}")
    except BaseException:
        meta_file.write_bytes(original)
        raise
    return report
