"""Every rule that decides whether, and from what, the assistant answers: abstention, which passages may be
cited, and the language check. Thresholds come from :class:`assistant.settings.Settings` (tuned values are
described there); nothing else in the package decides these things.

The rules, in the order they apply:
1. An empty question is refused with a prompt to ask one.
2. A question that a language identifier (py3langid) reads as not English, with confidence, is refused: the
   evidence is in English.
3. Abstain when the best passage is far from the question (top cosine < ``abstain_threshold``).
4. Abstain when the question hinges on a specialist word the corpus never uses (a word the model's vocabulary
   splits into pieces) and the match is below threshold + ``rare_margin``.
5. Abstain when it has a word the corpus never uses and the match is below threshold + ``unknown_margin``;
   with two or more such words, below threshold + 2 x ``unknown_margin``.
6. Cite only passages within ``relative_gap`` of the best and above the threshold, at most ``max_per_doc``
   from one document: an answer is never padded with loosely related passages.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.retrieval.retriever import Hit, Retrieval
from assistant.settings import Settings

MIN_WORDS_FOR_LANGUAGE = 4  # shorter questions are too short to identify a language reliably
LANGUAGE_CONFIDENCE = 0.9


def should_abstain(r: Retrieval, s: Settings) -> bool:
    """Rules 3-5 above."""
    t = s.abstain_threshold
    if r.top_similarity < t:
        return True
    if r.rare_terms and r.top_similarity < t + s.rare_margin:
        return True
    if r.unknown_terms and r.top_similarity < t + s.unknown_margin:
        return True
    return len(r.unknown_terms) >= 2 and r.top_similarity < t + 2 * s.unknown_margin


def select_hits(r: Retrieval, k: int, s: Settings) -> list[Hit]:
    """Rule 6: best-ranked passages, at most ``max_per_doc`` per document, none far weaker than the best."""
    chosen: list[Hit] = []
    per_doc: dict[str, int] = {}
    floor = max(s.abstain_threshold, r.top_similarity - s.relative_gap)
    for hit in r.hits:
        if len(chosen) >= k:
            break
        if hit.score < floor:
            continue
        if per_doc.get(hit.passage.doc_id, 0) >= s.max_per_doc:
            continue
        per_doc[hit.passage.doc_id] = per_doc.get(hit.passage.doc_id, 0) + 1
        chosen.append(hit)
    return chosen


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def looks_non_english(text: str) -> bool:
    """Rule 2: True when py3langid says, with confidence, that a question of a few words is not English."""
    import re

    text = re.sub(r"<[^>]*>", " ", text)  # markup is not language
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "a" <= c.lower() <= "z")
    if latin / len(letters) < 0.5:
        return True  # mostly non-Latin script
    if len(re.findall(r"[^\W\d_]+", text)) < MIN_WORDS_FOR_LANGUAGE:
        return False
    lang, confidence = _identifier().classify(text)
    return lang != "en" and confidence >= LANGUAGE_CONFIDENCE
