"""Indexing: corpus files -> passages -> COM-B tags -> embeddings -> a new Chroma version, swapped in atomically.

Incremental by content hash: unchanged documents are copied (with their stored embeddings) from the active
version, changed and new ones are embedded, deleted ones dropped. A file that fails to load is reported
(with the reason) and, if it was indexed before, its previous passages stay. The new version is verified
(counts, a probe query) before the manifest points at it; the previous versions are kept for rollback.
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
from assistant.ingest.loaders import (
    check_inside,
    discover,
    file_hash,
    linked_folders,
    load_document,
)
from assistant.models import ComBTag, Passage
from assistant.settings import Settings
from assistant.store.codec import passage_metadata

KEEP_PREVIOUS = 2  # versions kept for `index --rollback`
ADD_BATCH = 1000
EMBED_BATCH = 64  # passages embedded, tagged and written per step (the progress bar moves each step)


@dataclass
class IndexReport:
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


def _progress(total: int, label: str, quiet: bool):
    """A progress bar on a terminal; nothing when quiet or piped."""
    if quiet or total == 0 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="passage", file=sys.stderr, leave=False)


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
        if prev and prev["content_hash"] == h and not full:
            keep[doc_id] = prev
        else:
            to_load[doc_id] = path
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


def build_index(settings: Settings, full: bool = False, quiet: bool = False, store=None, embedder=None,
                tagger=None) -> IndexReport:
    """Bring the index in line with the corpus folder. Returns what changed; never leaves a half index active."""
    with index_lock(settings):
        return _build_index(settings, full, quiet, store, embedder, tagger)


def _build_index(settings, full, quiet, store, embedder, tagger) -> IndexReport:
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
    old = extra["old"]
    report.removed = extra["removed"]
    report.unchanged = sorted(keep)

    from assistant.ingest.chunking import chunk_document

    docs = {}
    chunks: dict[str, list[Passage]] = {}
    for doc_id, path in to_load.items():
        try:
            doc = load_document(path, settings.max_file_bytes, root=settings.corpus, max_pdf_pages=settings.max_pdf_pages)
            passages = chunk_document(doc, settings.passage_words)
            if len(passages) > settings.max_passages:
                raise LoadError(path, f"makes {len(passages)} passages, over the {settings.max_passages}-passage limit; "
                                      "split it or raise ASSISTANT_MAX_PASSAGES")
            docs[doc_id], chunks[doc_id] = doc, passages
        except Exception as e:  # noqa: BLE001 - one file never stops the batch; anything unforeseen is reported against it
            reason = e.reason if isinstance(e, LoadError) else \
                f"could not be indexed ({type(e).__name__}: {str(e)[:200]}); check the file, and report this if it looks right"
            report.failed.append({"path": str(path), "error": reason})
            if doc_id in old and not full:
                keep[doc_id] = old[doc_id]  # the previous good version of this document keeps serving
    report.added = sorted(d for d in docs if d not in old)
    report.updated = sorted(d for d in docs if d in old)
    if report.failed:
        report.failed.sort(key=lambda f: f["path"])

    active = manifest.get("active")
    if not report.changed and active is not None and not full:
        report.passages = sum(d["passages"] for d in old.values())
        report.version = active
        report.seconds = time.perf_counter() - t0
        return report
    if not docs and not keep:
        if active is None or full:
            raise AssistantError(f"no documents could be indexed from {settings.corpus}: " + (
                "; ".join(f"{f['path']}: {f['error']}" for f in report.failed[:5]) or "the folder has no supported files"))

    from assistant.embedding import get_embedder

    embedder = embedder or get_embedder()
    new_passages: list[Passage] = [p for doc_id in docs for p in chunks[doc_id]]

    # Superseding: a document that names another in `supersedes` marks it as out of date.
    metas = {d: docs[d].meta.__dict__ for d in docs}
    for d, rec in keep.items():
        metas[d] = rec["meta"]
    superseded_by = {m["supersedes"]: d for d, m in metas.items() if m.get("supersedes")}

    version = max([0] + [int(v) for v in manifest["versions"]] + store.existing_versions()) + 1
    coll = store.create_version(version)
    written = 0

    # 1. copy unchanged documents, embeddings included, from the active version
    if keep:
        src = store.open_version(active)
        got = src.get(where={"doc_id": {"$in": sorted(keep)}}, include=["embeddings", "documents", "metadatas"])
        for meta in got["metadatas"]:
            meta["superseded_by"] = superseded_by.get(meta["doc_id"], "")
        for i in range(0, len(got["ids"]), ADD_BATCH):
            coll.add(ids=got["ids"][i:i + ADD_BATCH], embeddings=got["embeddings"][i:i + ADD_BATCH],
                     documents=got["documents"][i:i + ADD_BATCH], metadatas=got["metadatas"][i:i + ADD_BATCH])
        written += len(got["ids"])

    # 2. embed, tag and add the new and changed documents, in batches with a progress bar
    bar = _progress(len(new_passages), "indexing", quiet)
    t_embed = time.perf_counter()
    if tagger is None:
        from assistant.comb.tagger import load_tagger

        tagger = load_tagger(embedder, settings.cache_dir)
    step = EMBED_BATCH
    for i in range(0, len(new_passages), step):
        batch = new_passages[i:i + step]
        vectors = embedder.embed([p.embed_text() for p in batch])
        contexts = [Context(doc_type=p.meta.doc_type, design=p.meta.design) for p in batch]
        tags = tagger.tag_vectors(vectors, [p.text for p in batch], contexts) if tagger else [ComBTag() for _ in batch]
        for p, tag in zip(batch, tags):
            p.com_b = tag
            p.superseded_by = superseded_by.get(p.doc_id)
        coll.add(ids=[p.passage_id for p in batch], embeddings=vectors.tolist(), documents=[p.text for p in batch],
                 metadatas=[passage_metadata(p) for p in batch])
        written += len(batch)
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    report.embedded = len(new_passages)
    report.embed_seconds = time.perf_counter() - t_embed

    # 3. verify before publishing: every passage is there and a probe query answers
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
        }
    manifest["versions"][str(version)] = {
        "version": version,
        "created": stamp,
        "passages": expected,
        "documents": documents,
        "model": getattr(embedder, "name", "all-MiniLM-L6-v2"),
        "tagger": fingerprint() if tagger else None,
    }
    held = set(store.existing_versions())  # a version moved aside as damaged is no rollback target
    previous = [int(v) for v in manifest["versions"] if int(v) != version and int(v) in held]
    manifest["previous"] = sorted(previous, reverse=True)[:KEEP_PREVIOUS]
    manifest["active"] = version
    manifest["last_indexed"] = stamp
    for v in list(manifest["versions"]):  # what is neither active nor kept for rollback leaves the manifest
        if int(v) != version and int(v) not in manifest["previous"]:
            manifest["versions"].pop(v)
    store.write_manifest(manifest)
    for v in store.existing_versions():  # old versions and leftovers of interrupted runs
        if str(v) not in manifest["versions"]:
            store.drop_version(v)
    report.passages = expected
    report.version = version
    report.seconds = time.perf_counter() - t0
    return report


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


def rollback(settings: Settings, store=None) -> int:
    """Point the manifest back at the most recent previous version. Returns the version now active."""
    with index_lock(settings):
        return _rollback(settings, store)


def _rollback(settings: Settings, store=None) -> int:
    from assistant.store import open_store

    store = store or open_store(settings)
    manifest = store.read_manifest()
    previous = manifest.get("previous") or []
    if not previous:
        raise AssistantError("there is no previous index version to roll back to")
    target = previous[0]
    store.open_version(target)  # fails clearly if it is gone
    current = manifest["active"]
    manifest["active"] = target
    manifest["previous"] = previous[1:]
    manifest["versions"].pop(str(current), None)
    manifest["last_indexed"] = now_iso()
    store.write_manifest(manifest)
    store.drop_version(current)
    return target


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
