"""BM25 over passage text (bm25s), with the vocabulary statistics the answering policy and composer read."""

from __future__ import annotations

import math

import numpy as np

from assistant.text import SLIP_MIN_LETTERS, content_words, one_slip_from, term, tokens


class LexicalIndex:
    """BM25 (bm25s) over each passage's title, heading and text, tokenised by :func:`assistant.text.tokens`."""

    def __init__(self, texts: list[str]):
        import bm25s

        corpus_tokens = [tokens(t) or ["_"] for t in texts]
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus_tokens, show_progress=False)
        df: dict[str, int] = {}
        for toks in corpus_tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        n = max(1, len(corpus_tokens))
        # bm25s keeps its IDF inside its score matrix; this is the same Lucene-style weight, for sentence scoring.
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self.default_idf = math.log(n + 1)
        self.one_passage_idf = math.log((n + 1) / 1.5)  # the IDF of a stem exactly one passage uses
        self._by_first_letter: dict[str, list[str]] | None = None  # what ``near_miss`` compares with, on first use

    def rank(self, query_tokens: list[str], limit: int, allowed=None) -> list[tuple[int, float]]:
        """Passages best first as (index, score); zero scores are dropped (bm25s pads with them)."""
        if not query_tokens:
            return []
        scores = self.bm25.get_scores(query_tokens)
        out: list[tuple[int, float]] = []
        for i in _best_first(scores, limit * 3):
            if scores[i] <= 0:
                break
            if allowed is None or allowed(int(i)):
                out.append((int(i), float(scores[i])))
            if len(out) >= limit:
                break
        return out

    def unknown_terms(self, question: str) -> list[str]:
        """Content words of the question that appear nowhere in the indexed passages."""
        return [w for w in content_words(question) if term(w) not in self.idf and not w[0].isdigit()]

    def near_miss(self, stem: str) -> bool:
        """Whether a stem the corpus never uses is one slip (a letter added, dropped, changed, or two swapped) from
        a stem of the same first letter that at least two passages use: "busin" ("busines") from "busi", "servci"
        ("servcies") from "servic". Not by itself a misspelling: "fever" is one slip from "fewer" (the retriever
        also asks the embedding model, ``Retriever.misspelt``). Stems under five letters are one slip from too
        many others."""
        if len(stem) < SLIP_MIN_LETTERS:
            return False
        if self._by_first_letter is None:  # stems used by two or more passages, by first letter (a tenth of a scan)
            self._by_first_letter = {}
            for t, weight in self.idf.items():
                if len(t) >= 4 and weight < self.one_passage_idf - 1e-9:
                    self._by_first_letter.setdefault(t[0], []).append(t)
        return one_slip_from(stem, self._by_first_letter.get(stem[0], []))


def _best_first(scores: np.ndarray, n: int) -> np.ndarray:
    """Indexes of the ``n`` highest scores, highest first (ties in index order): a partial sort, which at 50,000
    passages is about ten times cheaper than sorting every score."""
    if n >= len(scores):
        return np.lexsort((np.arange(len(scores)), -scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    cut = -np.partition(-scores, n - 1)[n - 1]  # the n-th highest score
    above = np.flatnonzero(scores > cut)
    top = np.concatenate([above, np.flatnonzero(scores == cut)[: n - len(above)]])
    return top[np.lexsort((top, -scores[top]))]
