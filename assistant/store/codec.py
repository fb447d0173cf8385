"""Passage <-> Chroma metadata, in one place: Chroma keeps flat primitives only, so the COM-B tag is stored
whole (as JSON) and by component and polarity (for filters)."""

from __future__ import annotations

import json

from assistant.models import ComBTag, DocumentMeta, Filters, Passage


def passage_metadata(p: Passage) -> dict:
    tag = p.com_b
    return {
        "doc_id": p.doc_id,
        "position": p.position,
        "locator": p.locator,
        "title": p.meta.title,
        "publisher": p.meta.publisher,
        "year": int(p.meta.year),
        "url": p.meta.url,
        "doc_type": p.meta.doc_type,
        "licence": p.meta.licence,
        "com_b": json.dumps(tag.to_dict()),
        "com_b_component": tag.component,
        "com_b_polarity": tag.polarity,
        "superseded_by": p.superseded_by or "",
        "supersedes": p.meta.supersedes or "",
        # evidence strength: empty string / 0 for "not stated" (Chroma keeps no nulls)
        "design": p.meta.design or "",
        "setting": p.meta.setting or "",
        "sample_size": int(p.meta.sample_size or 0),
        "certainty": p.meta.certainty or "",
        "publisher_kind": p.meta.publisher_kind or "",
    }


def passage_from_chroma(pid: str, text: str, meta: dict, shared: dict | None = None) -> Passage:
    """A passage from what Chroma holds. With ``shared`` (a dict the caller keeps across calls), every passage of
    a document shares one DocumentMeta and equal COM-B tags one ComBTag: at 50,000 passages that is the
    difference between one copy of each title and URL per document and one per passage."""
    shared = {} if shared is None else shared
    dm = shared.get(("meta", meta["doc_id"]))
    if dm is None:
        dm = shared[("meta", meta["doc_id"])] = DocumentMeta(
            doc_id=meta["doc_id"], title=meta["title"], publisher=meta["publisher"], year=int(meta["year"]),
            url=meta["url"], doc_type=meta["doc_type"], licence=meta.get("licence", "unknown"),
            supersedes=meta.get("supersedes") or None, design=meta.get("design") or None,
            setting=meta.get("setting") or None, sample_size=int(meta.get("sample_size") or 0) or None,
            certainty=meta.get("certainty") or None, publisher_kind=meta.get("publisher_kind") or None)
    raw_tag = meta.get("com_b") or "{}"
    tag = shared.get(("tag", raw_tag))
    if tag is None:
        tag = shared[("tag", raw_tag)] = ComBTag.from_dict(json.loads(raw_tag))
    return Passage(passage_id=pid, doc_id=meta["doc_id"], position=int(meta["position"]), locator=meta["locator"],
                   text=text, meta=dm, com_b=tag, superseded_by=meta.get("superseded_by") or None)


def where_clause(filters: Filters) -> dict | None:
    """The filters as a Chroma ``where`` clause over the metadata written by :func:`passage_metadata`."""
    clauses = []
    if filters.doc_types:
        clauses.append({"doc_type": {"$in": list(filters.doc_types)}})
    if filters.components:
        clauses.append({"com_b_component": {"$in": list(filters.components)}})
    if filters.year_min:
        clauses.append({"year": {"$gte": int(filters.year_min)}})
    if filters.year_max:
        clauses.append({"year": {"$lte": int(filters.year_max)}})
    if filters.designs:
        clauses.append({"design": {"$in": list(filters.designs)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
