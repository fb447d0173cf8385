"""Duplicates by the content of a document's extracted text, never its file bytes or metadata: the same PDF
under another name (or with another sidecar) has the same text, and a new edition with only a new cover page
has nearly the same text.

- **Same text**: sha256 over the text's words (lower case, punctuation and spacing dropped), so re-saving a
  PDF, re-wrapping a markdown file or changing its front matter does not hide a copy.
- **Near-duplicate**: the estimated Jaccard similarity of the two texts' sets of 5-word shingles, from
  datasketch's MinHash (128 permutations, affine32 scheme, seed 1; standard error about 0.035 at 0.8). A
  MinHash is why a library and not an exact Jaccard: the manifest keeps a 684-character signature per document
  instead of its shingle set, so a new document is compared with every indexed one without reading them again.
  The signature names its scheme, so one made by another setting is never compared.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

import numpy as np

SHINGLE = 5
NUM_PERM = 128
SCHEME = "affine32"
PREFIX = f"mh-{SCHEME}-{NUM_PERM}-{SHINGLE}:"
WORD_RE = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.casefold())


def document_text(doc) -> str:
    return "\n".join(s.text for s in doc.sections)


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(words(text)).encode("utf-8")).hexdigest()


def shingles(text: str) -> set[str]:
    ws = words(text)
    if len(ws) <= SHINGLE:
        return {" ".join(ws)} if ws else set()
    return {" ".join(ws[i:i + SHINGLE]) for i in range(len(ws) - SHINGLE + 1)}


def signature(text: str) -> str:
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    return PREFIX + base64.b64encode(np.asarray(m.hashvalues, dtype="<u4").tobytes()).decode("ascii")


@lru_cache(maxsize=100_000)
def _vector(sig: str) -> np.ndarray | None:
    """A signature's hash values, decoded once: ``check`` compares each new document with every indexed one,
    and decoding both signatures of every pair made a 2,570-document index spend about 90 s here."""
    if not sig.startswith(PREFIX):
        return None
    return np.frombuffer(base64.b64decode(sig[len(PREFIX):]), dtype="<u4")


def similarity(a: str | None, b: str | None) -> float | None:
    """Estimated Jaccard similarity of two signatures; None when either is missing or of another kind."""
    va, vb = (_vector(a) if a else None), (_vector(b) if b else None)
    if va is None or vb is None or va.shape != vb.shape:
        return None
    return float(np.mean(va == vb))


def fingerprint(doc) -> dict:
    """What the manifest keeps per document for duplicate checks."""
    text = document_text(doc)
    return {"text_hash": text_hash(text), "minhash": signature(text)}


def check(doc_id: str, fp: dict, others: dict[str, dict], threshold: float, related: set[str] = frozenset()
          ) -> tuple[str | None, list[dict]]:
    """Compare one document's fingerprint with others (``{doc_id: record with text_hash and minhash}``).
    Returns (the id of a document with the same text, or None; near-duplicates at or above ``threshold``, most
    similar first). ``related`` are ids it supersedes or is superseded by: a new edition is no surprise."""
    same = next((d for d, rec in others.items() if d != doc_id and rec.get("text_hash") == fp["text_hash"]), None)
    mine = _vector(fp["minhash"]) if fp.get("minhash") else None
    if mine is None:
        return same, []
    ids, vectors = [], []
    for d, rec in others.items():
        if d == doc_id or d == same or d in related or not rec.get("minhash"):
            continue
        v = _vector(rec["minhash"])
        if v is not None and v.shape == mine.shape:
            ids.append(d)
            vectors.append(v)
    if not ids:
        return same, []
    sims = (np.stack(vectors) == mine).mean(axis=1)  # one array operation for all the others
    near = [{"doc_id": doc_id, "of": d, "similarity": round(float(sim), 3)} for d, sim in zip(ids, sims) if sim >= threshold]
    return same, sorted(near, key=lambda n: -n["similarity"])
