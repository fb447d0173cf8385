"""Hybrid retrieval: BM25 and dense (Chroma) rankings fused by reciprocal rank, with filters.

The passages of the active index version are read from the store once and held in memory, each thing once:
the texts in the passages, one DocumentMeta per document, the vectors in one float32 matrix (dense search and
scoring), BM25's sparse scores (no texts) and the filter columns. No search touches the store, so a serving
process answers from the version it holds whatever the store is doing. A hit's ``score`` is its cosine
similarity to the question, which is what the answering policy reads.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from assistant.models import Filters, Passage
from assistant.retrieval.acronyms import (clippings, clippings_written, common_abbreviations, defined_in, definitions, expand,
                                         idiom_words, is_known_acronym, spelled_in_place, written_acronyms)
from assistant.retrieval.dense import dense_ranking
from assistant.retrieval.fusion import demote, reciprocal_rank_fusion
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.periods import document_years, earlier_documents, supersede_penalised, years_in
from assistant.settings import Settings
from assistant.store.codec import passage_from_chroma
from assistant.text import SLIP_MIN_LETTERS, asking_sentences, one_slip_from, sentences_of, term, tokens


# a capitalised word, as the answering policy reads a question's names ("Nottinghamshire", "NEWPIP")
CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z0-9']+\b")


@dataclass
class Hit:
    passage: Passage
    score: float  # cosine similarity to the question
    fused: float
    bm25: float = 0.0
    planned: bool = False  # brought in by the answer plan for the question's intent (answering.policy.plan_hits)
    overview: bool = False  # a row of the study's own table for a general question: exempt from max_per_doc
    leads: bool = False  # a planned passage the answer leads with (making the case: the evidence for the case)
    demoted: bool = False  # of a document about another period than the question asks (``demoted_documents``)


@dataclass
class Retrieval:
    hits: list[Hit]
    top_similarity: float
    query_vector: np.ndarray
    query_tokens: list[str]
    timings_ms: dict = field(default_factory=dict)
    unknown_terms: list[str] = field(default_factory=list)  # question words the corpus never uses
    rare_terms: list[str] = field(default_factory=list)  # ...of which the model itself had to split (specialist words)
    similarities: np.ndarray | None = None  # the question's cosine with every passage held (index order): reuse it


class Retriever:
    def __init__(self, collection, embedder, settings: Settings):
        self.embedder = embedder
        self.settings = settings
        passages, vectors = read_version(collection)  # the only read of the store
        order = sorted(range(len(passages)), key=lambda i: passages[i].passage_id)
        self.passages = [passages[i] for i in order]
        self.vectors = vectors[order] if order else np.zeros((0, 0), dtype=np.float32)
        del passages, vectors
        self.index_of = {p.passage_id: i for i, p in enumerate(self.passages)}
        self.columns = FilterColumns(self.passages)
        self.lexical = LexicalIndex([p.embed_text() for p in self.passages])
        self.doc_years = {p.doc_id: document_years(p.doc_id, p.meta.title, p.meta.year) for p in self.passages}
        self.successor = {p.doc_id: p.superseded_by for p in self.passages if p.superseded_by}

    def superseded_documents(self, question: str) -> set[str]:
        """Superseded documents rank below their successors, unless the question names the old document's
        own period (then the successor is the one demoted): supersede demotes, never hides. An answer plan does
        not bring them in either."""
        asked = years_in(question)
        out = set()
        for old, new in self.successor.items():
            side = supersede_penalised(asked, self.doc_years[old], self.doc_years.get(new))
            out.add(old if side == "old" else new)
        return out

    def demoted_documents(self, question: str) -> set[str]:
        """The documents ranked lower for this question: the superseded ones, and, for a question about a period
        from some date on ("after April 2026"), those wholly about or published before it (``earlier_documents``:
        a 2025 study can still be cited, below what speaks of the period). Answer plans skip only the superseded
        ones (``superseded_documents``), so a what-first or how-to plan still brings in the study."""
        return self.superseded_documents(question) | earlier_documents(years_in(question), self.doc_years)

    def mentions(self, phrase: str) -> bool:
        """Whether any passage held uses ``phrase`` as written ("Kent County Council"). Only the documents that use
        every capitalised word of it are read (``documents_mentioning``): most phrases a question names are
        settled by the index, the rest by reading a few documents' passages."""
        docs = None
        for word in CAPITALISED_WORD.findall(phrase):
            docs = self.documents_mentioning(word) if docs is None else docs & self.documents_mentioning(word)
            if not docs:
                return False
        return any(phrase in p.text for p in self.passages if docs is None or p.doc_id in docs)

    @cached_property
    def _capitalised_words(self) -> dict[str, frozenset[str]]:
        """Each capitalised word of the held passages with the documents that use it (read on the first question
        that needs it: about half a second at 50,000 passages, then a look-up)."""
        seen: dict[str, set[str]] = {}
        for p in self.passages:
            for word in set(CAPITALISED_WORD.findall(p.text)):
                seen.setdefault(word, set()).add(p.doc_id)
        return {word: frozenset(docs) for word, docs in seen.items()}

    def documents_mentioning(self, word: str) -> frozenset[str]:
        """The documents whose passages use ``word``, capitalised as written, as a whole word ("Nottinghamshire")."""
        return self._capitalised_words.get(word, frozenset())

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def acronyms(self) -> dict[str, str]:
        """The acronyms the held passages define, with their long forms (read on the first question), over the
        common abbreviations the corpus may not define ("HV": ``acronyms.common_abbreviations``)."""
        return {**common_abbreviations(), **definitions(p.text for p in self.passages)}

    def search(self, question: str, k: int, filters: Filters | None = None, query_vector: np.ndarray | None = None) -> Retrieval:
        filters = filters or Filters()
        s = self.settings
        timings = {}
        t0 = time.perf_counter()
        # "ICB" is searched for as "ICB (integrated care board)": the corpus's own definition (retrieval.acronyms)
        searched = expand(question, self.acronyms) if self.settings.expand_acronyms else question
        qvec = query_vector if query_vector is not None else self.embedder.embed_one(searched)
        timings["embed"] = (time.perf_counter() - t0) * 1000
        qtok = tokens(searched)
        n_cand = min(s.candidates, len(self.passages))
        if n_cand == 0:
            return Retrieval([], 0.0, qvec, qtok, timings)

        t1 = time.perf_counter()
        similarities = self.vectors @ qvec
        mask = None if filters.is_empty() else self.columns.mask(filters)
        best = similarities.max() if mask is None else (similarities[mask].max() if mask.any() else 1.0)
        if searched != question and query_vector is None and float(best) < s.abstain_threshold:
            # a short question about an acronym ("Does VIG work?") can sit just under the answering threshold with
            # the long forms after it and clear it with them in place: each passage keeps the nearer of the two
            # readings. One more embedding, only for a question that would otherwise be refused (rule 1; the
            # unknown-word and local margins above it are left to the first reading)
            in_place = self.embedder.embed_one(spelled_in_place(question, self.acronyms))
            similarities = np.maximum(similarities, self.vectors @ in_place)
        dense = dense_ranking(similarities, n_cand, mask)
        timings["dense"] = (time.perf_counter() - t1) * 1000
        t2 = time.perf_counter()
        lexical = self.lexical.rank(qtok, n_cand, None if mask is None else (lambda i: bool(mask[i])))
        timings["bm25"] = (time.perf_counter() - t2) * 1000

        fused = reciprocal_rank_fusion([(dense, s.dense_weight), ([i for i, _ in lexical], s.bm25_weight)], s.rrf_k)
        demoted = self.demoted_documents(question)
        fused = demote(fused, s.superseded_penalty, lambda i: self.passages[i].doc_id in demoted)
        bm_score = dict(lexical)
        ranked = sorted(fused, key=lambda i: -fused[i])
        sims = similarities[ranked] if ranked else np.zeros(0)
        hits = [Hit(self.passages[i], float(sims[j]), fused[i], bm_score.get(i, 0.0),
                    demoted=self.passages[i].doc_id in demoted) for j, i in enumerate(ranked)]
        top = float(max(sims)) if len(sims) else 0.0
        timings["fuse"] = (time.perf_counter() - t2) * 1000 - timings["bm25"]
        # an acronym spelled out above ("HVs", written in capitals) or by the question itself ("the new high impact
        # areas - which HIA...?") is not a word the corpus never uses, nor is a misspelling of one it does
        capitals = written_acronyms(question) if self.settings.expand_acronyms else set()
        clipped_here = set(clippings_written(question))  # "pot" as typed, not "PoTS"
        idiom = idiom_words(question)  # "was it a damp squib?": not a topic
        unknown = [w for w in self.lexical.unknown_terms(question) if w not in idiom
                   and not (w in capitals and (is_known_acronym(w, self.acronyms) or defined_in(w, question)))
                   and not self.misspelt(w)
                   and not self.written_apart(w) and not self.clipped(w, clipped_here)]
        unknown = self.without_chatter(unknown, searched, qvec, question)
        rare = [w for w in unknown if self._is_rare(w)]
        return Retrieval(hits[: max(k * 4, k)], top, qvec, qtok, timings, unknown, rare, similarities)

    def misspelt(self, word: str) -> bool:
        """A question word the corpus never uses that is a slip from one it does (``LexicalIndex.near_miss``) and
        that the embedding model does not know as a word either: "busines" and "servcies" are split into pieces,
        while "fever" (one slip from "fewer"), "croup" or "courts" are whole words, kept as words the corpus lacks."""
        return self._is_rare(word) and (self.lexical.near_miss(term(word)) or self._near_miss_as_written(word))

    def without_chatter(self, unknown: list[str], searched: str, qvec: np.ndarray, question: str) -> list[str]:
        """``unknown`` less the everyday words that carry little of the question: common English (``common_english``)
        whose removal leaves the question's embedding nearly where it was (cosine >= CHATTER_MIN_COS), in a
        sentence that is itself about the evidence when it is the one that asks. "reckon", "nervous", "someone" and "Friday" in a commissioner's
        question stay above 0.9; "walking" in "When do babies usually start walking?" and "wage" in "What is the
        minimum wage?" move it to 0.78, and stay unknown; so do "weather" and "tomorrow" in "I commission
        parent-infant services for our ICB. What will the weather be like tomorrow?", whose asking sentence alone is
        below the answering threshold (the on-topic preamble had carried the whole). One batch embedding, only for
        a question with such words. The sentences are the question's own (``question``, not ``searched``), each judged
        with its acronyms spelled out (``spelled_in_place``): the long forms ``expand`` appends are not a sentence,
        and "what FH&SfL had" alone is judged as "what Family Hubs (FH)&Start for Life (SfL) had"."""
        common = [w for w in unknown if common_english(w)]
        if not common:
            return unknown
        sentences = sentences_of(spelled_in_place(question, self.acronyms) if searched != question else question)
        own = {w: next((x for x in sentences if re.search(rf"\b{re.escape(w)}\b", x, re.I)), searched) for w in common}
        asking = asking_sentences(sentences)  # a word in the preamble does not change the ask
        alone = sorted({own[w] for w in common if own[w] in asking}) if len(sentences) > 1 else []
        variants = [" ".join(re.sub(rf"\b{re.escape(w)}\b", " ", searched, flags=re.I).split()) for w in common]
        vecs = np.asarray(self.embedder.embed(variants + alone), dtype=np.float32).reshape(len(variants) + len(alone), -1)
        norms = np.linalg.norm(vecs[:len(variants)], axis=1) * (np.linalg.norm(qvec) or 1.0)
        cos = (vecs[:len(variants)] @ qvec) / np.where(norms == 0, 1.0, norms)
        in_scope = {x: float((self.vectors @ v).max()) >= self.settings.abstain_threshold if len(self.vectors) else False
                    for x, v in zip(alone, vecs[len(variants):])}
        chatter = {w for w, c in zip(common, cos) if c >= CHATTER_MIN_COS and in_scope.get(own[w], True)}
        return [w for w in unknown if w not in chatter]

    def clipped(self, word: str, listed: set[str] | None = None) -> bool:
        """An everyday shortening of a word the corpus uses: "exec" (executive), "admin" (administration). The
        shortening is English in its own right (``wordfreq``, Zipf >= CLIPPED_ZIPF), of four letters or more, and
        starts a longer stem the index holds; "walking" or "weather", which start none, stay unknown. Shortenings too
        rare for that ("eval") are listed in clippings.txt, and searched spelled out when acronyms are (``expand``)."""
        w = word.lower()
        if w in clippings():  # listed: as the question writes it (``clippings_written``), when given
            return self.settings.expand_acronyms and (listed is None or w in listed)
        if len(w) < CLIPPED_MIN_LETTERS or zipf(w) < CLIPPED_ZIPF:
            return False
        return any(t.startswith(w) and len(t) >= len(w) + 2 for t in self.lexical.idf)

    def written_apart(self, word: str) -> bool:
        """A compound the corpus writes hyphenated or apart: "coproduction" (co-production), "groundwork" (ground
        work): two stems the index holds, the first of two letters or more, the second of four or more; or a prefix
        on a stem the index holds ("recommissioning", "nonstatutory")."""
        idf = self.lexical.idf
        prefixed = not common_english(word)  # not "repair" (re + pair): an everyday word the prefix did not make
        return any((term(word[:i]) in idf or (prefixed and word[:i].lower() in PREFIXES)) and term(word[i:]) in idf
                   for i in range(2, len(word) - 3))

    def _near_miss_as_written(self, word: str) -> bool:
        """One slip from a name the evidence writes in capitals, compared as written: a stem can hide the
        slip ("Ofstead" stems to itself, "Ofsted" to "ofst", three apart). Only names are compared (the
        capitalised-word index the retriever keeps anyway, so nothing more is read): a lower-case word's slips are
        the stems' business (``LexicalIndex.near_miss``), and "Ealing" is not taken for "eating"."""
        w = word.lower()
        return one_slip_from(w, self._names_by_first_letter.get(w[:1], []))

    @cached_property
    def _names_by_first_letter(self) -> dict[str, list[str]]:
        """The capitalised words of five letters or more the held passages use, lower-cased, by first letter."""
        out: dict[str, list[str]] = {}
        for word, docs in self._capitalised_words.items():
            if len(word) >= SLIP_MIN_LETTERS and word.isalpha():
                out.setdefault(word[0].lower(), []).append(word.lower())
        return out

    def _is_rare(self, word: str) -> bool:
        """A word the embedding model's vocabulary splits into pieces: specialist terms (drug names, conditions)."""
        pieces = getattr(self.embedder, "word_pieces", None)
        if pieces is None:
            return len(word) > 9
        return len(pieces(word)) >= 2


# Prefixes English puts on a word without a hyphen: "recommissioning" is commissioning again (it had passed as two
# stems only because "we're" left a token "re" in the index)
PREFIXES = ("re", "co", "pre", "non", "un", "sub", "mis", "over", "under")
CLIPPED_MIN_LETTERS = 4  # see Retriever.clipped: "exec", "admin"; not "doc" or "org"
CLIPPED_ZIPF = 3.0  # "exec" 3.3, "admin" 3.9: shortenings everyday English writes
CHATTER_MIN_COS = 0.85  # see Retriever.without_chatter: fair questions' everyday words 0.91-1.0, off-topic topics 0.78
COMMON_ZIPF = 3.7  # wordfreq's Zipf scale: about 5 uses per million words; "reckon" 3.76, "lithium" 3.56, "ADHD" 3.49


def common_english(word: str) -> bool:
    """A word everyday English uses often (``wordfreq``): a question's "reckon", "nervous", "someone" or "Friday"
    that the corpus lacks says nothing of its topic, while "sertraline", "lithium", "ADHD" or "TUPE" is a topic the
    evidence does not cover. The gate's unknown-word margins (``policy.should_abstain``) do not count the first kind
    when it carries little of the question (``Retriever.without_chatter``)."""
    return zipf(word) >= COMMON_ZIPF


def zipf(word: str) -> float:
    """How often everyday English uses ``word`` (``wordfreq``'s Zipf scale; the list loads on first use)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


READ_PAGE = 2000  # passages a request: a 50,000-passage version never sits in memory twice as float64 or JSON


def read_version(collection) -> tuple[list[Passage], np.ndarray]:
    """Every passage and vector of a version, read a page at a time: each page's metadata becomes Passages
    (sharing one DocumentMeta a document) and its vectors float32 at once, so the peak is one page of what
    Chroma returns (float64 arrays, or JSON lists from a server) rather than the whole version."""
    shared: dict = {}
    passages: list[Passage] = []
    pages: list[np.ndarray] = []
    while True:
        got = collection.get(include=["documents", "metadatas", "embeddings"], limit=READ_PAGE, offset=len(passages))
        ids = got["ids"]
        passages.extend(passage_from_chroma(pid, text, meta, shared)
                        for pid, text, meta in zip(ids, got["documents"], got["metadatas"]))
        if len(ids):
            pages.append(np.asarray(got["embeddings"], dtype=np.float32).reshape(len(ids), -1))
        if len(ids) < READ_PAGE:
            break
    vectors = np.concatenate(pages) if pages else np.zeros((0, 0), dtype=np.float32)
    return passages, vectors


class FilterColumns:
    """The fields the filters read, one numpy column each, so a filter over 50,000 passages is a few vector
    comparisons rather than a Python loop. Same rules as :meth:`assistant.models.Filters.allows`."""

    def __init__(self, passages: list[Passage]):
        self.doc_type = np.array([p.meta.doc_type for p in passages], dtype=object)
        self.component = np.array([p.com_b.component for p in passages], dtype=object)
        self.year = np.array([p.meta.year for p in passages], dtype=np.int32)
        self.design = np.array([p.meta.design for p in passages], dtype=object)

    def mask(self, filters: Filters) -> np.ndarray:
        keep = np.ones(len(self.year), dtype=bool)
        if filters.doc_types:
            keep &= _any_of(self.doc_type, filters.doc_types)
        if filters.components:
            keep &= _any_of(self.component, filters.components)
        if filters.year_min:
            keep &= self.year >= filters.year_min
        if filters.year_max:
            keep &= self.year <= filters.year_max
        if filters.designs:
            keep &= _any_of(self.design, filters.designs)
        return keep


def _any_of(column: np.ndarray, values) -> np.ndarray:
    """Element-wise membership for an object column that may hold None (np.isin would sort mixed types)."""
    keep = np.zeros(len(column), dtype=bool)
    for v in values:
        keep |= column == v
    return keep
