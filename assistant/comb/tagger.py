"""The COM-B tagger: logistic regression on the sentence embeddings the index already computes.

Two heads, trained deterministically from ``training_statements.jsonl`` in a few seconds and cached under
ASSISTANT_HOME (keyed by the training file's hash): a seven-way head (six sub-components and ``none``) whose
probabilities are summed per component, and a barrier/enabler head. Word n-gram TF-IDF features sit beside
the embedding because polarity often hangs on a single word ("lack of", "helped"). The held-out test set in
``evals/comb_statements.jsonl`` is never read here.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.comb.taxonomy import (
    LABELS,
    SUBCOMPONENTS,
    catalogue,
    component_of,
    functions_for,
    policies_for,
)
from assistant.errors import AssistantError
from assistant.models import ComBTag

HERE = Path(__file__).resolve().parent
TRAINING_FILE = HERE / "training_statements.jsonl"
TAGGER_FORMAT = 3
BARRIER_MATCH = 0.55  # cosine to a catalogue item's text for it to be named as "the nearest barrier"
COMPONENTS = ("capability", "opportunity", "motivation", "none")


def read_statements(path: Path) -> list[dict]:
    """Labelled statements in the DESIGN.md tags format; clear errors name the line."""
    from assistant.evaluation.datasets import read_jsonl, validate_tag_item

    return [validate_tag_item(obj, path, n) for n, obj in read_jsonl(path)]


@dataclass
class Tagger:
    version: str
    sub_model: object
    pol_model: object
    vectorizer: object
    catalogue_vectors: np.ndarray
    catalogue_items: list[dict]
    embedder: object = None

    def _features(self, vectors: np.ndarray, texts: list[str]):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(vectors), self.vectorizer.transform(texts)]).tocsr()

    def predict(self, vectors: np.ndarray, texts: list[str]) -> list[dict]:
        x = self._features(vectors, texts)
        sub_p = self.sub_model.predict_proba(x)
        classes = list(self.sub_model.classes_)
        pol_p = self.pol_model.predict_proba(x)
        pol_classes = list(self.pol_model.classes_)
        out = []
        for i in range(len(texts)):
            comp_p = {c: 0.0 for c in COMPONENTS}
            for j, cls in enumerate(classes):
                comp_p[component_of(cls)] += sub_p[i, j]
            component = max(comp_p, key=comp_p.get)
            if component == "none":
                sub, polarity = None, "neutral"
            else:
                sub = max((cls for cls in classes if component_of(cls) == component), key=lambda c: sub_p[i, classes.index(c)])
                polarity = pol_classes[int(np.argmax(pol_p[i]))]
            out.append({"component": component, "subcomponent": sub, "polarity": polarity,
                        "confidence": float(comp_p[component]), "probs": comp_p})
        return out

    def tag_vectors(self, vectors: np.ndarray, texts: list[str]) -> list[ComBTag]:
        tags = []
        sims = vectors @ self.catalogue_vectors.T if len(self.catalogue_items) else None
        for i, pred in enumerate(self.predict(vectors, texts)):
            sub = pred["subcomponent"]
            functions = functions_for(sub)
            barrier = None
            if sims is not None and pred["component"] != "none":
                order = np.argsort(-sims[i])
                for j in order[:3]:
                    item = self.catalogue_items[j]
                    if sims[i, j] >= BARRIER_MATCH and item["polarity"] == pred["polarity"]:
                        barrier = item["text"]
                        break
            tags.append(ComBTag(component=pred["component"], subcomponent=sub, polarity=pred["polarity"],
                                confidence=pred["confidence"], barrier=barrier, intervention_functions=functions,
                                policy_categories=policies_for(functions)))
        return tags

    def tag_texts(self, texts: list[str]) -> list[ComBTag]:
        vectors = self.embedder.embed(texts)
        return self.tag_vectors(vectors, texts)


def _fit(vectors: np.ndarray, texts: list[str], subs: list[str], pols: list[str], C: float = 4.0):
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000)
    tfidf = vectorizer.fit_transform(texts)
    x = hstack([csr_matrix(vectors), tfidf]).tocsr()
    sub_model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    sub_model.fit(x, subs)
    mask = np.array([p != "neutral" for p in pols])
    pol_model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    pol_model.fit(x[mask], np.array(pols)[mask])
    return vectorizer, sub_model, pol_model


def train(embedder, statements: list[dict] | None = None, C: float = 4.0) -> Tagger:
    statements = statements if statements is not None else read_statements(TRAINING_FILE)
    texts = [s["text"] for s in statements]
    subs = [s.get("subcomponent") or "none" for s in statements]
    pols = [s["polarity"] if s["component"] != "none" else "neutral" for s in statements]
    vectors = embedder.embed(texts)
    vectorizer, sub_model, pol_model = _fit(vectors, texts, subs, pols, C)
    items = catalogue()["items"]
    cat_vectors = embedder.embed([it["text"] for it in items])
    version = hashlib.sha256(json.dumps(statements, sort_keys=True).encode() + str((TAGGER_FORMAT, C)).encode()).hexdigest()[:12]
    return Tagger(version=version, sub_model=sub_model, pol_model=pol_model, vectorizer=vectorizer,
                  catalogue_vectors=cat_vectors, catalogue_items=items, embedder=embedder)


def fingerprint() -> str | None:
    """Identifies the tagger's inputs (training statements, catalogue, code format) without training it.
    Stored with each index version so that a changed tagger re-tags the corpus on the next `index`."""
    if not TRAINING_FILE.exists():
        return None
    data = TRAINING_FILE.read_bytes() + (HERE / "catalogue.yaml").read_bytes() + (HERE / "taxonomy.yaml").read_bytes()
    return hashlib.sha256(data + str(TAGGER_FORMAT).encode()).hexdigest()[:16]


def _cache_path(cache_dir: Path) -> Path:
    return cache_dir / f"tagger-{fingerprint()}.pkl"


def load_tagger(embedder, cache_dir: Path | None = None) -> Tagger | None:
    """The trained tagger, from the cache or trained now (about 7 s). None only if no training file exists."""
    if not TRAINING_FILE.exists():
        return None
    if cache_dir is None:
        from assistant.settings import Settings

        cache_dir = Settings.from_env().home / "cache"
    path = _cache_path(cache_dir)
    if path.exists():
        try:
            with path.open("rb") as f:  # our own cache file, written below; never a downloaded file
                tagger = pickle.load(f)
            tagger.embedder = embedder
            return tagger
        except Exception:
            path.unlink(missing_ok=True)
    tagger = train(embedder)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    saved_embedder, tagger.embedder = tagger.embedder, None
    with tmp.open("wb") as f:
        pickle.dump(tagger, f)
    tmp.replace(path)
    tagger.embedder = saved_embedder
    return tagger


def require_tagger(embedder) -> Tagger:
    tagger = load_tagger(embedder)
    if tagger is None:
        raise AssistantError(f"the COM-B tagger has no training statements ({TRAINING_FILE} is missing)")
    return tagger


__all__ = ["Tagger", "train", "load_tagger", "require_tagger", "LABELS", "SUBCOMPONENTS"]
