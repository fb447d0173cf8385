"""Indexing: corpus files -> passages -> COM-B tags -> embeddings -> a new Chroma version, swapped in atomically.

Incremental by content hash and loader version: unchanged documents are copied (with their stored embeddings) from the active
version, changed and new ones are embedded, deleted ones dropped; a file whose loader changed since it was indexed (``VERSION`` of
its loader, recorded per document as ``loader``) is read again. A loader's doubts about a page (garbled text) are
listed in the report's ``warnings``. A file that fails to load is reported
(with the reason) and, if it was indexed before, its previous passages stay. The new version is verified
(counts, a probe query) before the manifest points at it; ``ASSISTANT_KEEP_VERSIONS`` earlier versions are kept
for rollback, each with the corpus folder as it was (``snapshots``), and the manifest's ``history`` lists every
change. Version numbers are never reused: ``last_version`` counts every version ever published.
Nothing here imports torch or chromadb when nothing has changed, so a no-op re-index takes well under a second.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from assistant.errors import AssistantError, LoadError
from assistant.ingest import duplicates, progress, snapshots
from assistant.ingest.loaders import (
    check_inside,
    discover,
    file_hash,
    linked_folders,
    load_noting,
    loader_tag,
)
from assistant.models import ComBTag, Passage
from assistant.settings import Settings
from assistant.store.codec import passage_metadata

ADD_BATCH = 1000
EMBED_BATCH = 64  # passages per model call (the progress bar moves each call)
EMBED_WINDOW = 1000  # passages tagged and written per step; within a step they go to the model shortest first
HISTORY_LIMIT = 500  # changes the manifest's history keeps (the oldest go first)


@dataclass
class IndexReport:
    """What an indexing run did. Beyond ``../shared/DESIGN.md``'s fields: ``near_duplicates``, ``warnings`` (pages
    read but doubted: ``{file, doc_id, page, reason}``) and ``loader_changed`` (unchanged files read again because
    their loader's version changed; they are also in ``updated``)."""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    passages: int = 0
    seconds: float = 0.0
    version: int | None = None
    embedded: int = 0
    embed_seconds: float = 0.0
    near_duplicates: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    loader_changed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": self.failed,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "near_duplicates": self.near_duplicates,
            "warnings": self.warnings,
            "loader_changed": self.loader_changed,
        }


@contextmanager
def index_lock(settings: Settings):
    """One writer at a time: a second `index`/`add`/`remove`/`rollback` fails at once with a clear message
    instead of racing the first for the next version number. (An advisory lock on this machine; with a Chroma
    server shared by several machines, run maintenance from one of them.)"""
    import fcntl

    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / "index.lock"
    with open(path, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AssistantError(f"another indexing run is in progress (lock {path}); wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def active_documents(manifest: dict) -> dict:
    active = manifest.get("active")
    if active is None:
        return {}
    return manifest["versions"].get(str(active), {}).get("documents", {})


def _progress(total: int, label: str, quiet: bool, unit: str = "passage"):
    """A progress bar on a terminal that moves on every batch (``mininterval=0``: tqdm would otherwise skip
    redraws closer than 0.1 s apart); nothing when quiet or piped."""
    if quiet or total == 0 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False, mininterval=0)


def _embed_by_length(embedder, texts: list[str], step: int, prog: progress.Progress, bar, done: int, total: int):
    """The vectors of ``texts``, in their order, from model calls of ``step`` texts taken shortest first: each
    call is padded to its longest text, and calls over document order padded 1.39 word pieces per real one on
    the shipped corpus, against 1.28 for calls over a window sorted by length (issue 15)."""
    import numpy as np

    order = sorted(range(len(texts)), key=lambda j: len(texts[j]))
    vectors: list = [None] * len(texts)
    for b in range(0, len(order), step):
        prog.update("embedding passages", done + b, total, "passage")
        idx = order[b:b + step]
        for j, v in zip(idx, embedder.embed([texts[j] for j in idx])):
            vectors[j] = v
        if bar:
            bar.update(len(idx))
    return np.stack(vectors)


def plan(settings: Settings, manifest: dict, full: bool) -> tuple[dict, dict, IndexReport, dict]:
    """Classify corpus files against the active version: what to (re)load, what to keep, what to drop."""
    report = IndexReport()
    old = active_documents(manifest)
    files = discover(settings.corpus)
    seen_ids: dict[str, Path] = {}
    seen_hashes: dict[str, str] = {}
    to_load: dict[str, Path] = {}
    keep: dict[str, dict] = {}
    hashes: dict[str, str] = {}
    for link in linked_folders(settings.corpus):
        report.failed.append({"path": str(link), "error": "is a symbolic link to a folder; its files are not indexed: "
                                                          "move or copy them into the corpus folder instead"})
    for path in files:
        doc_id = path.stem.lower()
        try:
            if doc_id in seen_ids:
                raise LoadError(path, f"duplicate document id '{doc_id}' (also {seen_ids[doc_id]}); rename one of the files")
            seen_ids[doc_id] = path
            check_inside(path, settings.corpus)  # before anything is read: no symbolic links, nothing outside
            h = file_hash(path, settings.max_file_bytes)  # the size is checked before the file is read
        except LoadError as e:
            report.failed.append({"path": str(path), "error": e.reason})
            continue
        except OSError as e:
            report.failed.append({"path": str(path), "error": f"cannot read file: {e}"})
            continue
        hashes[doc_id] = h
        prev = old.get(doc_id)
        if prev and prev["content_hash"] == h and not full and indexed_by(prev, path) == loader_tag(path):
            keep[doc_id] = prev
        else:
            to_load[doc_id] = path
            if prev and prev["content_hash"] == h and not full:
                report.loader_changed.append(doc_id)
    # Same content under two names is a duplicate: keep the one already indexed (or the first by path).
    for doc_id in list(keep) + list(to_load):
        h = hashes[doc_id]
        if h in seen_hashes:
            path = to_load.pop(doc_id, None) or Path(keep.pop(doc_id)["path"])
            report.failed.append({"path": str(path), "error": f"same content as document '{seen_hashes[h]}' (duplicate); remove one copy"})
        else:
            seen_hashes[h] = doc_id
    removed = [d for d in old if d not in seen_ids]
    return to_load, keep, report, {"removed": removed, "old": old}


def indexed_by(record: dict, path: Path) -> str | None:
    """The loader (and version) that made a document's passages, as its record says; a record from before
    loader versions were kept was made by version 1 of its loader."""
    tag = loader_tag(path)
    return record.get("loader") or (tag and tag.split(":")[0] + ":1")


def build_index(settings: Settings, full: bool = False, quiet: bool = False, store=None, embedder=None,
                tagger=None, command: str = "index", what: str | None = None) -> IndexReport:
    """Bring the index in line with the corpus folder. Returns what changed; never leaves a half index active.
    ``command`` and ``what`` describe the change in the history (default: the command and what changed)."""
    with index_lock(settings):
        return _build_index(settings, full, quiet, store, embedder, tagger, command, what)


def _build_index(settings, full, quiet, store, embedder, tagger, command="index", what=None) -> IndexReport:
    """The run itself (the caller holds the index lock), its progress written for the chat's Corpus tab."""
    with progress.running(settings.home, command) as prog:
        return _run(settings, full, quiet, store, embedder, tagger, command, what, prog)


def _run(settings, full, quiet, store, embedder, tagger, command, what, prog: progress.Progress) -> IndexReport:
    from assistant.comb.tagger import Context, fingerprint
    from assistant.store import open_store

    t0 = time.perf_counter()
    store = store or open_store(settings)
    manifest = store.read_manifest()
    remove_leftovers(store, manifest)
    active_info = manifest["versions"].get(str(manifest.get("active")), {})
    if tagger is None and manifest.get("active") is not None and active_info.get("tagger") != fingerprint():
        full = True  # the COM-B tagger changed: every passage needs its tag again
    to_load, keep, report, extra = plan(settings, manifest, full)
    corpus_files = snapshots.scan(settings.corpus)  # the folder as this version will record it
    old = extra["old"]
    report.removed = extra["removed"]
    report.unchanged = sorted(keep)

    from assistant.ingest.chunking import chunk_document

    docs = {}
    chunks: dict[str, list[Passage]] = {}
    reading = _progress(len(to_load), "reading", quiet, unit="file") if len(to_load) > 1 else None
    for i, (doc_id, path) in enumerate(to_load.items()):
        prog.update("reading files", i, len(to_load), "file")
        if reading:
            reading.update(1)
        try:
            doc, notes = load_noting(path, settings.max_file_bytes, root=settings.corpus,
                                     max_pdf_pages=settings.max_pdf_pages)
            passages = chunk_document(doc, settings.passage_words)
            if len(passages) > settings.max_passages:
                raise LoadError(path, f"makes {len(passages)} passages, over the {settings.max_passages}-passage limit; "
                                      "split it or raise ASSISTANT_MAX_PASSAGES")
            docs[doc_id], chunks[doc_id] = doc, passages
            report.warnings += [{"file": n.get("file", str(path)), "doc_id": doc_id, "page": n.get("page"),
                                 "reason": n.get("reason", "")} for n in notes]
        except Exception as e:  # noqa: BLE001 - one file never stops the batch; anything unforeseen is reported against it
            reason = e.reason if isinstance(e, LoadError) else \
                f"could not be indexed ({type(e).__name__}: {str(e)[:200]}); check the file, and report this if it looks right"
            report.failed.append({"path": str(path), "error": reason})
            if doc_id in old and not full:
                keep[doc_id] = old[doc_id]  # the previous good version of this document keeps serving
    if reading:
        reading.close()
    fingerprints = _check_duplicates(settings, docs, chunks, keep, old, full, report)
    report.warnings = [w for w in report.warnings if w["doc_id"] in docs]  # a refused copy is reported as that
    report.loader_changed = [d for d in report.loader_changed if d in docs]
    report.added = sorted(d for d in docs if d not in old)
    report.updated = sorted(d for d in docs if d in old)
    if report.failed:
        report.failed.sort(key=lambda f: f["path"])

    active = manifest.get("active")
    if not report.changed and active is not None and not full:
        report.passages = sum(d["passages"] for d in old.values())
        report.version = active
        _record_corpus(settings, store, manifest, corpus_files)
        report.seconds = time.perf_counter() - t0
        return report
    if not docs and not keep:
        if active is None or full:
            raise AssistantError(f"no documents could be indexed from {settings.corpus}: " + (
                "; ".join(f"{f['path']}: {f['error']}" for f in report.failed[:5]) or "the folder has no supported files"))

    from assistant.embedding import get_embedder

    new_count = sum(len(c) for c in chunks.values())
    prog.update("loading the model", 0, new_count, "passage")
    embedder = embedder or get_embedder(settings.model_cache_dir)
    new_passages: list[Passage] = [p for doc_id in docs for p in chunks[doc_id]]

    # Superseding: a document that names another in `supersedes` marks it as out of date.
    metas = {d: docs[d].meta.__dict__ for d in docs}
    for d, rec in keep.items():
        metas[d] = rec["meta"]
    superseded_by = {m["supersedes"]: d for d, m in metas.items() if m.get("supersedes")}

    version = next_version(manifest, store)
    coll = store.create_version(version)
    written = 0

    # 1. copy unchanged documents, embeddings included, from the active version
    if keep:
        prog.update("copying unchanged documents", 0, 0, "passage")
        src = store.open_version(active)
        got = src.get(where={"doc_id": {"$in": sorted(keep)}}, include=["embeddings", "documents", "metadatas"])
        for meta in got["metadatas"]:
            meta["superseded_by"] = superseded_by.get(meta["doc_id"], "")
        for i in range(0, len(got["ids"]), ADD_BATCH):
            coll.add(ids=got["ids"][i:i + ADD_BATCH], embeddings=got["embeddings"][i:i + ADD_BATCH],
                     documents=got["documents"][i:i + ADD_BATCH], metadatas=got["metadatas"][i:i + ADD_BATCH])
        written += len(got["ids"])

    # 2. embed, tag and add the new and changed documents, in batches with a progress bar
    t_embed = time.perf_counter()
    from assistant.comb.tagger import reviewed_tag

    if tagger is None:
        from assistant.comb.tagger import load_tagger

        tagger = load_tagger(embedder, settings.cache_dir)
    bar = _progress(len(new_passages), "indexing", quiet)  # after the tagger is ready: it starts moving at once
    step, done = EMBED_BATCH, 0
    for w in range(0, len(new_passages), EMBED_WINDOW):
        batch = new_passages[w:w + EMBED_WINDOW]
        vectors = _embed_by_length(embedder, [p.embed_text() for p in batch], step, prog, bar, done, len(new_passages))
        done += len(batch)
        contexts = [Context(doc_type=p.meta.doc_type, design=p.meta.design, heading=p.locator) for p in batch]
        tags = tagger.tag_vectors(vectors, [p.text for p in batch], contexts) if tagger else [ComBTag() for _ in batch]
        for p, tag in zip(batch, tags):
            p.com_b = reviewed_tag(p.passage_id, p.text) or tag  # a reader's label of this very text beats the model's
            p.superseded_by = superseded_by.get(p.doc_id)
        coll.add(ids=[p.passage_id for p in batch], embeddings=vectors.tolist(), documents=[p.text for p in batch],
                 metadatas=[passage_metadata(p) for p in batch])
        written += len(batch)
    if bar:
        bar.close()
    report.embedded = len(new_passages)
    report.embed_seconds = time.perf_counter() - t_embed

    # 3. verify before publishing: every passage is there and a probe query answers
    prog.update("checking and publishing", len(new_passages), len(new_passages), "passage")
    expected = written
    if coll.count() != expected:
        store.drop_version(version)
        raise AssistantError(f"index version {version} is incomplete ({coll.count()} of {expected} passages); the previous index is still active")
    if expected:
        probe = coll.query(query_embeddings=[[1.0 / 384 ** 0.5] * 384], n_results=1, include=["distances"])
        if not probe["ids"] or not probe["ids"][0]:
            store.drop_version(version)
            raise AssistantError(f"index version {version} failed its probe query; the previous index is still active")

    # 4. publish: the manifest now points at the new version; keep a few previous ones
    stamp = now_iso()
    counts: dict[str, int] = {}
    for p in new_passages:
        counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
    documents = {}
    for doc_id, rec in keep.items():
        documents[doc_id] = dict(rec, superseded_by=superseded_by.get(doc_id))
    for doc_id, doc in docs.items():
        documents[doc_id] = {
            "doc_id": doc_id,
            "path": str(doc.path),
            "content_hash": doc.content_hash,
            "passages": counts.get(doc_id, 0),
            "indexed_at": stamp,
            "meta": doc.meta.__dict__,
            "superseded_by": superseded_by.get(doc_id),
            "loader": loader_tag(doc.path),
            **fingerprints.get(doc_id, {}),
        }
    for doc_id, fp in fingerprints.items():  # kept documents indexed before fingerprints were recorded
        if doc_id in keep:
            documents[doc_id].update(fp)
    manifest["versions"][str(version)] = {
        "version": version,
        "created": stamp,
        "passages": expected,
        "documents": documents,
        "model": getattr(embedder, "name", "all-MiniLM-L6-v2"),
        "tagger": fingerprint() if tagger else None,
        "corpus": snapshots.save(settings, corpus_files),
    }
    report.passages, report.version = expected, version
    summary = what or describe_change(command, report)
    manifest["versions"][str(version)]["change"] = {"command": command, "what": summary}
    _log_change(manifest, version, stamp, command, summary)
    manifest["last_version"] = version
    manifest["active"] = version
    manifest["last_indexed"] = stamp
    _keep_versions(settings, store, manifest, version)
    store.write_manifest(manifest)
    for v in store.existing_versions():  # old versions and leftovers of interrupted runs
        if str(v) not in manifest["versions"]:
            store.drop_version(v)
    _collect_garbage(settings, manifest)
    report.passages = expected
    report.version = version
    report.seconds = time.perf_counter() - t0
    return report


def next_version(manifest: dict, store) -> int:
    """One more than any version ever published (``last_version``), held or not: a number is never reused, so
    a version named in the history or an eval run always means the same index."""
    return max([int(manifest.get("last_version") or 0)] + [int(v) for v in manifest["versions"]]
               + store.existing_versions()) + 1


def describe_change(command: str, report: IndexReport) -> str:
    parts = []
    for verb, ids in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        if ids:
            parts.append(f"{verb} {', '.join(ids[:5])}" + (f" and {len(ids) - 5} more" if len(ids) > 5 else ""))
    return "; ".join(parts) or ("rebuilt every document" if command == "index" else "no document changed")


def _log_change(manifest: dict, version: int, when: str, command: str, what: str, **extra) -> None:
    history = manifest.setdefault("history", [])
    history.append({"version": version, "when": when, "command": command, "what": what, **extra})
    del history[:-HISTORY_LIMIT]


def _keep_versions(settings: Settings, store, manifest: dict, active: int) -> None:
    """Keep the active version and the ``keep_versions`` most recent others the store still holds (a version
    moved aside as damaged is no rollback target); the rest leave the manifest."""
    held = set(store.existing_versions()) | {active}
    others = sorted((int(v) for v in manifest["versions"] if int(v) != active and int(v) in held), reverse=True)
    manifest["previous"] = others[:settings.keep_versions]
    for v in list(manifest["versions"]):
        if int(v) != active and int(v) not in manifest["previous"]:
            manifest["versions"].pop(v)


def _collect_garbage(settings: Settings, manifest: dict) -> None:
    """Saved corpus files that no kept version refers to are deleted (never one a change in progress holds);
    what the latest `rollback --force` runs saved from the folder is kept as long as versions are."""
    keep = [rec["corpus"] for rec in manifest["versions"].values() if rec.get("corpus")]
    forced = [e["corpus_before"] for e in manifest.get("history", []) if e.get("corpus_before")]
    keep += forced[-settings.keep_versions:]
    snapshots.gc(settings, keep)


def _record_corpus(settings: Settings, store, manifest: dict, files: dict[str, str]) -> None:
    """With nothing to index, the active version still records the folder as it is (a file that failed to
    load, say), so that rolling back to it later restores the folder as it was."""
    rec = manifest["versions"].get(str(manifest.get("active")))
    if rec is None:
        return
    listing = snapshots.save(settings, files)
    if rec.get("corpus") != listing:
        rec["corpus"] = listing
        store.write_manifest(manifest)


def _check_duplicates(settings: Settings, docs: dict, chunks: dict, keep: dict, old: dict, full: bool,
                      report: IndexReport) -> dict[str, dict]:
    """Refuse a document whose text is the same as another's (whatever its file name, bytes or metadata) and
    report near-duplicates; returns the fingerprints the manifest keeps. A previously indexed document is
    checked first, so the copy that is new is the one refused; a refused document that was indexed before
    keeps its previous version."""
    if not docs:
        return {}
    fps: dict[str, dict] = {}
    others = {d: rec for d, rec in keep.items()}
    for d, rec in keep.items():  # indexed before fingerprints were kept: read the file again (no embedding)
        if not rec.get("text_hash") and rec.get("path") and Path(rec["path"]).exists():
            try:
                fps[d] = duplicates.fingerprint(load_noting(Path(rec["path"]), settings.max_file_bytes)[0])
                others[d] = {**rec, **fps[d]}
            except LoadError:
                continue
    supersedes = {d: (docs[d].meta.supersedes if d in docs else (rec.get("meta") or {}).get("supersedes"))
                  for d, rec in {**keep, **docs}.items()}
    order = {d: (d not in old, (old.get(d) or {}).get("indexed_at") or "", docs[d].meta.year, docs[d].path) for d in docs}
    for d in sorted(docs, key=order.get):  # the older document first: the newer one is the copy
        fp = duplicates.fingerprint(docs[d])
        related = {supersedes.get(d)} | {x for x, sup in supersedes.items() if sup == d}
        same, near = duplicates.check(d, fp, others, settings.near_duplicate, related)
        if same:
            report.failed.append({"path": str(docs[d].path), "error": f"same content as document '{same}' (the same text) "
                                  f"({others[same].get('path') or 'indexed'}), under another name; remove one copy "
                                  "(or use `add --replace` to correct a document)"})
            docs.pop(d), chunks.pop(d)
            if d in old and not full:
                keep[d] = old[d]
            continue
        report.near_duplicates.extend(near)
        fps[d] = fp
        others[d] = {"path": str(docs[d].path), **fp}
    return fps


def remove_leftovers(store, manifest: dict) -> list[int]:
    """Drop index versions that the manifest does not know: what killed or failed runs left half-built. The
    active version and those kept for rollback are in the manifest, so they are never touched. Called with the
    index lock held, so no other run is building one of them."""
    known = {int(v) for v in manifest.get("versions", {})}
    if manifest.get("active") is not None:
        known.add(int(manifest["active"]))
    leftovers = [v for v in store.existing_versions() if v not in known]
    for v in leftovers:
        store.drop_version(v)
    return leftovers


@dataclass
class Rollback:
    """What `rollback` did: the version now active, the one it left, and the corpus files it put back."""
    version: int
    from_version: int
    files: dict = field(default_factory=lambda: {"added": [], "changed": [], "removed": []})
    warning: str | None = None

    def to_dict(self) -> dict:
        return {"active_version": self.version, "from_version": self.from_version, "files": self.files,
                "warning": self.warning}


def rollback(settings: Settings, store=None, to: int | None = None, force: bool = False) -> int:
    """Make an earlier (or, after a rollback, a later) kept version active again, with the corpus folder as it
    was then. Returns the version now active; :func:`rollback_to` says what else changed."""
    return rollback_to(settings, store, to, force).version


def rollback_to(settings: Settings, store=None, to: int | None = None, force: bool = False) -> Rollback:
    with index_lock(settings):
        return _rollback(settings, store, to, force)


def _rollback(settings: Settings, store, to: int | None, force: bool) -> Rollback:
    """Check everything first (the version opens, its saved files are all there, the folder has no change
    that no version records), then put the corpus folder back, then switch the manifest; if the switch fails,
    the folder is put back as it was. No version is dropped: `rollback --to` can go forward again."""
    from assistant.store import open_store

    store = store or open_store(settings)
    manifest = store.read_manifest()
    current = manifest.get("active")
    if current is None:
        raise AssistantError("there is no index to roll back; run `pair-assistant index`")
    kept = sorted(int(v) for v in manifest["versions"] if int(v) != int(current))
    if to is None:
        earlier = [v for v in kept if v < int(current)]
        if not earlier:
            raise AssistantError("there is no previous index version to roll back to")
        to = earlier[-1]
    elif int(to) == int(current):
        raise AssistantError(f"index version {to} is already active")
    elif int(to) not in kept:
        raise AssistantError(f"index version {to} is not kept (kept: {', '.join(map(str, kept)) or 'none'}); "
                             "see `pair-assistant history`")
    store.open_version(to)  # fails clearly if it is gone
    target_rec, current_rec = manifest["versions"][str(to)], manifest["versions"].get(str(current), {})
    now_files = snapshots.scan(settings.corpus)
    result = Rollback(version=int(to), from_version=int(current))
    if not target_rec.get("corpus"):
        result.warning = (f"index version {to} was made before the corpus folder was recorded with each version: "
                          "only the index was rolled back, the corpus folder is unchanged")
        target_files = None
    else:
        target_files = snapshots.listing(settings, target_rec["corpus"])
        recorded = snapshots.listing(settings, current_rec["corpus"]) if current_rec.get("corpus") else now_files
        unrecorded = snapshots.diff(recorded, now_files)
        pending = unrecorded["added"] + unrecorded["changed"] + unrecorded["removed"]
        if pending and not force:
            raise AssistantError(f"the corpus folder has changes no index version records ({', '.join(pending[:5])}"
                                 f"{' ...' if len(pending) > 5 else ''}); run `pair-assistant index` first (then "
                                 "`rollback` can come back to them), or add --force to discard them (a copy is saved)")
    saved = snapshots.save(settings, now_files)  # nothing in the folder is lost, even with --force
    if target_files is not None:
        result.files = snapshots.restore(settings, target_files, now_files)
    manifest["active"] = int(to)
    manifest["previous"] = sorted((v for v in kept + [int(current)] if v != int(to)), reverse=True)
    manifest["last_indexed"] = now_iso()
    _log_change(manifest, int(to), manifest["last_indexed"], "rollback", f"rolled back from version {current} to {to}",
                corpus_before=saved)
    try:
        store.write_manifest(manifest)
    except BaseException:
        if target_files is not None:
            snapshots.restore(settings, now_files)
        raise
    return result


def history(settings: Settings, store=None) -> dict:
    """The changes, newest first: version, when, command and what; each says whether its version is still
    kept (a `rollback --to` target) and which is active. Versions indexed before the history was kept appear
    once, from their record."""
    from assistant.store import open_store

    store = store or open_store(settings)
    manifest = store.read_manifest()
    active = manifest.get("active")
    logged = [dict(e) for e in manifest.get("history") or []]  # in the order the changes were made
    seen = {e["version"] for e in logged}
    older = [{"version": int(v), "when": rec.get("created"), "command": "index", "what": "(made before changes were recorded)"}
             for v, rec in sorted(manifest["versions"].items(), key=lambda kv: int(kv[0])) if int(v) not in seen]
    entries = list(reversed(older + logged))
    kept = {int(v) for v in manifest["versions"]}
    for e in entries:
        e["kept"] = e["version"] in kept
        e["active"] = e["version"] == active
    return {"active_version": active, "kept_versions": sorted(kept, reverse=True), "changes": entries}


def status(settings: Settings, store=None) -> dict:
    from assistant.store import open_store

    store = store or open_store(settings)
    manifest = store.read_manifest()
    docs = active_documents(manifest)
    active = manifest.get("active")
    info = manifest["versions"].get(str(active), {}) if active is not None else {}
    return {
        "index": store.describe(),
        "corpus": str(settings.corpus),
        "model": info.get("model", "all-MiniLM-L6-v2"),
        "active_version": active,
        "previous_versions": manifest.get("previous", []),
        "last_indexed": manifest.get("last_indexed"),
        "passages": info.get("passages", 0),
        "documents": [
            {
                "doc_id": d,
                "title": rec["meta"]["title"],
                "publisher": rec["meta"]["publisher"],
                "doc_type": rec["meta"]["doc_type"],
                "year": rec["meta"]["year"],
                "licence": rec["meta"].get("licence", "unknown"),
                "url": rec["meta"]["url"],
                "passages": rec["passages"],
                "content_hash": rec["content_hash"],
                "path": rec.get("path"),
                "superseded_by": rec.get("superseded_by"),
                "indexed_at": rec["indexed_at"],
            }
            for d, rec in sorted(docs.items())
        ],
    }
