"""Hybrid retrieval: BM25 and dense (Chroma) rankings fused by reciprocal rank, with filters and an abstention score.

The passages of the active index version are held in memory (text, metadata, embedding) for BM25, for
filtering and for scoring; the dense top-k comes from Chroma. A passage's ``score`` is its cosine similarity
to the question, which is also what the abstention decision reads.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np

from assistant.config import Settings
from assistant.documents import ComBTag, DocumentMeta, Passage
from assistant.text import content_words, stem, tokens

SUPERSEDED_PENALTY = 0.5  # a superseded document's passages keep half their fused score
RARE_MARGIN = 0.28  # a specialist word the corpus never uses needs a much closer match than the threshold
UNKNOWN_MARGIN = 0.12


@dataclass
class Filters:
    doc_types: list[str] | None = None
    components: list[str] | None = None
    year_min: int | None = None
    year_max: int | None = None

    def is_empty(self) -> bool:
        return not (self.doc_types or self.components or self.year_min or self.year_max)

    def where(self) -> dict | None:
        """The same filter as a Chroma ``where`` clause."""
        clauses = []
        if self.doc_types:
            clauses.append({"doc_type": {"$in": list(self.doc_types)}})
        if self.components:
            clauses.append({"com_b_component": {"$in": list(self.components)}})
        if self.year_min:
            clauses.append({"year": {"$gte": int(self.year_min)}})
        if self.year_max:
            clauses.append({"year": {"$lte": int(self.year_max)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, p: Passage) -> bool:
        return (
            (not self.doc_types or p.meta.doc_type in self.doc_types)
            and (not self.components or p.com_b.component in self.components)
            and (not self.year_min or p.meta.year >= self.year_min)
            and (not self.year_max or p.meta.year <= self.year_max)
        )


@dataclass
class Hit:
    passage: Passage
    score: float  # cosine similarity to the question
    fused: float
    bm25: float = 0.0


@dataclass
class Retrieval:
    hits: list[Hit]
    top_similarity: float
    query_vector: np.ndarray
    query_tokens: list[str]
    timings_ms: dict = field(default_factory=dict)
    unknown_terms: list[str] = field(default_factory=list)  # question words the corpus never uses
    rare_terms: list[str] = field(default_factory=list)  # ...of which the model itself had to split (specialist words)


def passage_from_chroma(pid: str, text: str, meta: dict) -> Passage:
    dm = DocumentMeta(doc_id=meta["doc_id"], title=meta["title"], publisher=meta["publisher"], year=int(meta["year"]),
                      url=meta["url"], doc_type=meta["doc_type"], licence=meta.get("licence", "unknown"))
    return Passage(passage_id=pid, doc_id=meta["doc_id"], position=int(meta["position"]), locator=meta["locator"],
                   text=text, meta=dm, com_b=ComBTag.from_dict(json.loads(meta.get("com_b") or "{}")),
                   superseded_by=meta.get("superseded_by") or None)


class Retriever:
    def __init__(self, collection, embedder, settings: Settings):
        import bm25s

        self.collection = collection
        self.embedder = embedder
        self.settings = settings
        got = collection.get(include=["documents", "metadatas", "embeddings"])
        order = sorted(range(len(got["ids"])), key=lambda i: got["ids"][i])
        self.passages = [passage_from_chroma(got["ids"][i], got["documents"][i], got["metadatas"][i]) for i in order]
        self.vectors = np.asarray([got["embeddings"][i] for i in order], dtype=np.float32).reshape(len(order), -1)
        self.index_of = {p.passage_id: i for i, p in enumerate(self.passages)}
        self.bm25 = bm25s.BM25()
        corpus_tokens = [tokens(p.embed_text()) or ["_"] for p in self.passages]
        self.bm25.index(corpus_tokens, show_progress=False)
        df: dict[str, int] = {}
        for toks in corpus_tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        n = max(1, len(corpus_tokens))
        self.idf = {t: float(np.log((n + 1) / (c + 0.5))) for t, c in df.items()}
        self.default_idf = float(np.log(n + 1))

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, question: str, k: int, filters: Filters | None = None, query_vector: np.ndarray | None = None) -> Retrieval:
        filters = filters or Filters()
        s = self.settings
        timings = {}
        t0 = time.perf_counter()
        qvec = query_vector if query_vector is not None else self.embedder.embed_one(question)
        timings["embed"] = (time.perf_counter() - t0) * 1000
        qtok = tokens(question)
        n_cand = min(s.candidates, len(self.passages))
        if n_cand == 0:
            return Retrieval([], 0.0, qvec, qtok, timings)

        t1 = time.perf_counter()
        where = filters.where()
        res = self.collection.query(query_embeddings=[qvec.tolist()], n_results=n_cand, where=where, include=["distances"])
        dense_ids = res["ids"][0] if res["ids"] else []
        timings["dense"] = (time.perf_counter() - t1) * 1000

        t2 = time.perf_counter()
        bm_ranked: list[tuple[int, float]] = []
        if qtok:
            scores = self.bm25.get_scores(qtok)
            for i in np.argsort(-scores)[: n_cand * 3]:
                if scores[i] <= 0:
                    break  # BM25 pads with zero-score passages: they are not evidence
                if filters.is_empty() or filters.allows(self.passages[i]):
                    bm_ranked.append((int(i), float(scores[i])))
                if len(bm_ranked) >= n_cand:
                    break
        timings["bm25"] = (time.perf_counter() - t2) * 1000

        fused: dict[int, float] = {}
        bm_score: dict[int, float] = {}
        for rank, pid in enumerate(dense_ids):
            i = self.index_of.get(pid)
            if i is not None:
                fused[i] = fused.get(i, 0.0) + s.dense_weight / (s.rrf_k + rank + 1)
        for rank, (i, sc) in enumerate(bm_ranked):
            fused[i] = fused.get(i, 0.0) + s.bm25_weight / (s.rrf_k + rank + 1)
            bm_score[i] = sc
        for i in fused:
            if self.passages[i].superseded_by:
                fused[i] *= SUPERSEDED_PENALTY
        ranked = sorted(fused, key=lambda i: -fused[i])
        sims = self.vectors[ranked] @ qvec if ranked else np.zeros(0)
        hits = [Hit(self.passages[i], float(sims[j]), fused[i], bm_score.get(i, 0.0)) for j, i in enumerate(ranked)]
        top = float(max(sims)) if len(sims) else 0.0
        timings["fuse"] = (time.perf_counter() - t2) * 1000 - timings["bm25"]
        unknown = self.unknown_terms(question)
        rare = [w for w in unknown if self._is_rare(w)]
        return Retrieval(hits[: max(k * 4, k)], top, qvec, qtok, timings, unknown, rare)

    def unknown_terms(self, question: str) -> list[str]:
        """Content words of the question that appear nowhere in the indexed passages."""
        return [w for w in content_words(question) if stem(w) not in self.idf and not w[0].isdigit()]

    def _is_rare(self, word: str) -> bool:
        """A word the embedding model's vocabulary splits into pieces: specialist terms (drug names, conditions)."""
        tok = getattr(getattr(self.embedder, "model", None), "tokenizer", None)
        if tok is None:
            return len(word) > 9
        return len(tok.tokenize(word)) >= 2


def should_abstain(r: Retrieval, threshold: float) -> bool:
    """Abstain when the best passage is far from the question, or when the question hinges on words the corpus
    never uses and the match is only moderate. Tuned on evals/questions.jsonl (see evals/README.md)."""
    if r.top_similarity < threshold:
        return True
    if r.rare_terms and r.top_similarity < threshold + RARE_MARGIN:
        return True
    if r.unknown_terms and r.top_similarity < threshold + UNKNOWN_MARGIN:
        return True
    return len(r.unknown_terms) >= 2 and r.top_similarity < threshold + 2 * UNKNOWN_MARGIN
