"""Maintainers' commands: add documents (one file or a folder, with their metadata) to the corpus folder and
index them; edit a document's metadata; remove one.

The corpus folder stays the single record of what is indexed: `add` writes each file there (front matter for
markdown, a ``.meta.yaml`` sidecar otherwise) and then runs the same incremental index as `index`. Every change
holds the index lock from its first check to its last write and runs as a transaction over the folder
(``snapshots.transaction``): refused or failed, it leaves the folder exactly as it was, and the version it
publishes records the folder, so `rollback` can put it back.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.errors import AssistantError, LoadError
from assistant.ingest import duplicates, snapshots
from assistant.ingest.loaders import (
    FRONT_MATTER_RE,
    discover,
    load_noting,
    read_file,
    sidecar_path,
    supported_suffixes,
)
from assistant.ingest.loaders.metadata import (
    DOC_ID_RE,
    parse_yaml,
    read_text,
    validate_meta,
)
from assistant.ingest.pipeline import (
    IndexReport,
    _build_index,
    _record_corpus,
    active_documents,
    index_lock,
)
from assistant.settings import DOC_TYPES, Settings

META_FIELDS = ("title", "publisher", "year", "url", "doc_type", "licence", "supersedes", "design", "setting",
               "sample_size", "certainty", "publisher_kind")


@dataclass
class Prepared:
    """A file checked and staged for the corpus folder: its id, where it goes, its text's fingerprint."""
    file: Path
    doc_id: str
    target: Path
    staged: Path
    fingerprint: dict
    title: str


@dataclass
class AddResult:
    """What `add` did (or, with ``dry_run``, would do): files added, files refused with why, near-duplicates
    reported, and the index run (None for a dry run or when nothing was added)."""
    added: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    near_duplicates: list[dict] = field(default_factory=list)
    report: IndexReport | None = None
    dry_run: bool = False

    def to_dict(self) -> dict:
        out = {"dry_run": self.dry_run, "added": self.added, "refused": self.refused,
               "near_duplicates": self.near_duplicates}
        if self.report is not None:
            out["index"] = self.report.to_dict()
        return out


def add_document(settings: Settings, file: Path, *, title: str | None = None, publisher: str | None = None,
                 year: int | None = None, url: str | None = None, doc_type: str | None = None,
                 licence: str | None = None, doc_id: str | None = None, supersedes: str | None = None,
                 replace: bool = False, quiet: bool = False) -> IndexReport:
    """Check one file and its metadata, copy it into the corpus folder and index it. With ``replace``, the
    indexed document of that id keeps every metadata field not given (``supersedes`` included). Anything wrong
    (missing or bad metadata, not UTF-8, too big, the same text as an indexed document, refused by the index
    run or its lock) is an AssistantError naming the file, and the corpus folder is left exactly as it was."""
    file = Path(file)
    if not file.is_file():
        raise AssistantError(f"{file}: no such file")
    options = {"title": title, "publisher": publisher, "year": year, "url": url, "doc_type": doc_type,
               "licence": licence, "supersedes": supersedes}
    result = add_files(settings, [file], options, doc_id=doc_id, replace=replace, quiet=quiet, strict=True)
    report = result.report
    report.near_duplicates = result.near_duplicates
    return report


def expand(paths: list[Path]) -> list[Path]:
    """The files `add` is given: a folder stands for every supported document file in it (and below it), in a
    stable order; sidecars and READMEs are metadata, not documents."""
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = discover(p)
            if not found:
                raise AssistantError(f"{p}: no supported files in this folder (supported: {', '.join(supported_suffixes())})")
            files += [f for f in found if not f.is_symlink()]
        elif p.is_file():
            files.append(p)
        else:
            raise AssistantError(f"{p}: no such file or folder")
    return files


def add_files(settings: Settings, files: list[Path], options: dict, *, doc_id: str | None = None,
              replace: bool = False, quiet: bool = False, dry_run: bool = False, strict: bool = False) -> AddResult:
    """Add several files in one change and one index run. Each file is checked on its own (metadata: the
    options given, then its own front matter or sidecar, then with ``replace`` the indexed document's), and
    against the index and the other files for the same text; refused files are listed with why and the rest
    are added. ``dry_run`` stops after the checks and changes nothing. ``strict`` (one file): a refusal is an
    AssistantError."""
    from assistant.store import open_store

    result = AddResult(dry_run=dry_run)
    with tempfile.TemporaryDirectory(prefix="pair-add-") as stage, index_lock(settings):
        store = open_store(settings)
        existing = active_documents(store.read_manifest())
        prepared = _check_all(settings, files, options, doc_id, replace, existing, Path(stage), result, strict)
        if dry_run or not prepared:
            return result
        if _commit(settings, store, prepared, replace, quiet, result):
            _record_corpus(settings, store, store.read_manifest(), snapshots.scan(settings.corpus))
    if strict and result.refused:
        raise AssistantError(result.refused[0]["error"])
    return result


def _check_all(settings, files, options, doc_id, replace, existing, stage, result, strict) -> list[Prepared]:
    prepared: list[Prepared] = []
    for file in files:
        try:
            p = _prepare(settings, Path(file), options, doc_id, replace, existing, stage)
            others = {**existing, **{q.doc_id: q.fingerprint for q in prepared}}
            if replace:
                others.pop(p.doc_id, None)
            related = {options.get("supersedes")} | {d for d, r in existing.items()
                                                     if (r.get("meta") or {}).get("supersedes") == p.doc_id}
            same, near = duplicates.check(p.doc_id, p.fingerprint, others, settings.near_duplicate, related)
            if same:
                where = "already in the index" if same in existing else "in this batch"
                raise AssistantError(f"{file}: same content as document '{same}' (the same text, {where}), whatever "
                                     "the file name or metadata; nothing was added (use --replace to correct that document)")
            if any(q.doc_id == p.doc_id for q in prepared):
                raise AssistantError(f"{file}: document id '{p.doc_id}' is also another file's in this batch; rename one")
        except AssistantError as e:
            if strict:
                raise
            result.refused.append({"file": str(file), "error": str(e)})
            continue
        result.near_duplicates += [{**n, "file": str(file)} for n in near]
        prepared.append(p)
        result.added.append({"file": str(file), "doc_id": p.doc_id,
                             "path": str(p.target), "title": p.title})
    return prepared


def _prepare(settings: Settings, file: Path, options: dict, doc_id: str | None, replace: bool, existing: dict,
             stage: Path) -> Prepared:
    """Check one file and its metadata and stage it as it will be written; every error names the user's file."""
    suffix = file.suffix.lower()
    if suffix not in supported_suffixes():
        raise AssistantError(f"{file}: unsupported file type '{suffix}'; supported: {', '.join(supported_suffixes())}")
    doc_id = (doc_id or re.sub(r"[^a-z0-9._-]+", "-", file.stem.lower())).strip("-")
    if not DOC_ID_RE.match(doc_id):
        raise AssistantError(f"{file}: document id {doc_id!r} must be lowercase letters, digits, '-', '_' or '.'")
    # The size is checked before the file is read (the file named on the command line may be a link: it is the
    # user's own choice, so it is followed here; the copy in the corpus folder is a real file).
    data = read_file(file.resolve(), settings.max_file_bytes)
    own = _own_meta(file, data)
    kept = dict(existing.get(doc_id, {}).get("meta") or {}) if replace else {}
    given = {k: v for k, v in options.items() if v is not None}
    meta = {k: v for k, v in {**kept, **own, **given}.items() if k in META_FIELDS and v is not None}
    meta.setdefault("licence", "unknown")
    missing = [f"--{k.replace('_', '-')}" for k in ("title", "publisher", "year", "url", "doc_type") if k not in meta]
    if missing:
        raise AssistantError(f"{file}: missing {', '.join(missing)}" + ("" if replace else
                             " (give them as options, in the file's front matter or a .meta.yaml sidecar beside it; "
                             "with --replace, the indexed document's values are kept)"))
    if meta["doc_type"] not in DOC_TYPES:
        raise AssistantError(f"{file}: --doc-type must be one of {', '.join(DOC_TYPES)}; got {meta['doc_type']!r}")
    if meta.get("supersedes") and meta["supersedes"] not in existing:
        raise AssistantError(f"{file}: --supersedes {meta['supersedes']}: no such document in the index (see `pair-assistant status`)")
    meta["source_note"] = f"Added with `pair-assistant add` from {file.name}."
    try:
        validate_meta(meta, file, doc_id)  # the same checks as indexing, before anything is copied
    except LoadError as e:
        raise AssistantError(f"{file}: {e.reason}") from None
    target = settings.corpus / meta["doc_type"] / f"{doc_id}{'.md' if suffix == '.markdown' else suffix}"
    clash = corpus_files(settings, doc_id)
    if (clash or doc_id in existing) and not replace:
        raise AssistantError(f"{file}: a document with id '{doc_id}' already exists ({clash[0] if clash else 'in the index'}); "
                             "use --replace to replace it, or choose another --doc-id")
    staged = stage / target.name
    try:
        _write_with_meta(file, data, staged, meta)
        doc, _ = load_noting(staged, settings.max_file_bytes, max_pdf_pages=settings.max_pdf_pages)  # the index run reports its warnings
        _check_passages(settings, doc, staged)
    except LoadError as e:  # the error names the user's file, not the staged copy
        raise AssistantError(f"{file}: {e.reason}") from None
    return Prepared(file=file, doc_id=doc_id, target=target, staged=staged, fingerprint=duplicates.fingerprint(doc),
                    title=str(meta["title"]))


def _check_passages(settings: Settings, doc, path: Path) -> None:
    from assistant.ingest.chunking import chunk_document

    n = len(chunk_document(doc, settings.passage_words))
    if n > settings.max_passages:
        raise LoadError(path, f"makes {n} passages, over the {settings.max_passages}-passage limit; "
                              "split it or raise ASSISTANT_MAX_PASSAGES")


def _own_meta(file: Path, data: bytes) -> dict:
    """The metadata a file carries itself: markdown front matter, or a .meta.yaml sidecar beside it."""
    try:
        if file.suffix.lower() in (".md", ".markdown"):
            m = FRONT_MATTER_RE.match(read_text(file, data))
            return parse_yaml(m.group(1), file) if m else {}
        side = sidecar_path(file)
        if side.is_file():
            return parse_yaml(read_text(side, side.read_bytes()), side)
    except LoadError as e:
        raise AssistantError(f"{file}: {e.reason}") from None
    return {}


def _commit(settings, store, prepared: list[Prepared], replace: bool, quiet: bool, result: AddResult) -> bool:
    """Write the staged files into the corpus folder and index them, as one transaction. A file the index run
    still refuses is taken out again (and any file it replaced put back). Returns whether it did that."""
    corpus = Path(settings.corpus)
    touched: dict[str, list[str]] = {}
    ids = [p.doc_id for p in prepared]
    what = ("replaced " if replace else "added ") + ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    with snapshots.transaction(settings) as txn:
        for p in prepared:
            rels = []
            for old in corpus_files(settings, p.doc_id) if replace else []:
                for q in (old, sidecar_path(old)):
                    if q.exists() and not q.is_symlink():
                        rels.append(q.relative_to(corpus).as_posix())
                        q.unlink()
            p.target.parent.mkdir(parents=True, exist_ok=True)
            for src, dest in ((p.staged, p.target), (sidecar_path(p.staged), sidecar_path(p.target))):
                if src.exists():
                    shutil.copyfile(src, dest)
                    rels.append(dest.relative_to(corpus).as_posix())
            touched[str(p.target)] = rels
        report = _build_index(settings, False, quiet, store, None, None, "add", f"{what} ({len(prepared)} file"
                              f"{'' if len(prepared) == 1 else 's'} by `pair-assistant add`)")
    refused = {f["path"]: f["error"] for f in report.failed if f["path"] in touched}
    result.report = result.report or report
    mine = {p.doc_id for p in prepared}  # a run that re-reads everything reports older pairs too: not this change's
    result.near_duplicates += [n for n in report.near_duplicates if (n["doc_id"] in mine or n["of"] in mine)
                               and not any({n["doc_id"], n["of"]} == {m["doc_id"], m["of"]} for m in result.near_duplicates)]
    if not refused:
        return False
    for p in prepared:
        if str(p.target) in refused:
            result.added = [a for a in result.added if a["doc_id"] != p.doc_id]
            result.refused.append({"file": str(p.file), "error": f"{p.file}: not added, the index run refused it: {refused[str(p.target)]}"})
    txn.revert([r for t in refused for r in touched[t]])
    return True


def corpus_files(settings: Settings, doc_id: str) -> list[Path]:
    """The corpus files of a document id (by file name, as indexing derives ids); [] without a corpus folder."""
    return [p for p in discover(settings.corpus) if p.stem.lower() == doc_id] if settings.corpus.exists() else []


def _check_supersedes(supersedes: str | None, existing: dict) -> None:
    """A document can only supersede one that is indexed."""
    if supersedes and supersedes not in existing:
        raise AssistantError(f"--supersedes {supersedes}: no such document in the index (see `pair-assistant status`)")


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
    document in the index (`status` lists them): it is never matched against other file names. If the index
    run fails, the files are put back."""
    from assistant.store import open_store

    with index_lock(settings):
        store = open_store(settings)
        docs = active_documents(store.read_manifest())
        if doc_id not in docs:
            raise AssistantError(f"no document '{doc_id}' in the index; `remove` takes a document id as "
                                 "`pair-assistant status` lists it, not a file name")
        title = (docs[doc_id].get("meta") or {}).get("title", "")
        with snapshots.transaction(settings):
            for p in corpus_files(settings, doc_id):
                _remove(p)
            return _build_index(settings, False, quiet, store, None, None, "remove", f"removed {doc_id} ({title})")


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
    with index_lock(settings):
        store = open_store(settings)
        existing = active_documents(store.read_manifest())
        if doc_id not in existing:
            raise AssistantError(f"no document '{doc_id}' in the index; see `pair-assistant status --search TEXT`")
        meta_file, new_text = _edited(settings, doc_id, changes, existing)
        with snapshots.transaction(settings) as txn:
            meta_file.write_text(new_text, "utf-8")
            report = _build_index(settings, False, quiet, store, None, None, "edit",
                                  f"edited {doc_id}: {', '.join(f'{k}={v!r}' for k, v in changes.items())}")
        refused = [f for f in report.failed if Path(f["path"]) == corpus_files(settings, doc_id)[0]]
        if refused:  # the previous version of the document keeps serving: its file goes back as it was
            txn.undo()
            _record_corpus(settings, store, store.read_manifest(), snapshots.scan(settings.corpus))
            raise AssistantError(f"{meta_file}: not changed, the index run refused it: {refused[0]['error']}")
    return report


def _edited(settings: Settings, doc_id: str, changes: dict, existing: dict) -> tuple[Path, str]:
    """The metadata file of a document and its new text, checked as indexing checks it; nothing is written."""
    paths = corpus_files(settings, doc_id)
    if len(paths) != 1:
        raise AssistantError(f"document '{doc_id}' is not one file in {settings.corpus} ({len(paths)} found); "
                             "re-index first")
    path = paths[0]
    _check_supersedes(changes.get("supersedes"), existing)
    markdown = path.suffix.lower() in (".md", ".markdown")
    meta_file = path if markdown else sidecar_path(path)
    text = read_text(meta_file, meta_file.read_bytes())
    front = FRONT_MATTER_RE.match(text) if markdown else None
    if markdown and not front:
        raise AssistantError(f"{path}: no front matter to edit")
    meta = parse_yaml(front.group(1) if markdown else text, meta_file) or {}
    for name, value in changes.items():
        if name == "supersedes" and not value:
            meta.pop("supersedes", None)
        else:
            meta[name] = value
    validate_meta(meta, path, doc_id)  # the same checks as indexing, before anything is written
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return meta_file, (("---\n" + dumped + "---\n" + text[front.end():]) if markdown else dumped)
