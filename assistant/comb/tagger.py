"""The COM-B tagger: links a passage or statement to the study's catalogue item it bears on, and says how.

Four steps, each kept simple enough to read:

1. **Framework definitions** (doc_type ``framework``) define COM-B terms; they carry no link.
2. **The item named.** A passage that uses a table row's own wording (``study_wording``, ``table3_need``: a
   contiguous run of its stemmed words, or nearly all of a long row's words) names that item.
3. **No link.** A passage nearer to the catalogue's ``no_link`` sentences (a study's methods, aims and
   limitations, definitions, provenance) than to any item's profile, within ``NONE_MARGIN``, gets none.
4. **The nearest item and the relation.** Otherwise the text is compared with every item's profile sentences
   (embedding cosine): its plain text, the study's wording and ``said`` (what *reports* the item), and
   ``evidence`` (for a barrier, what counts as evidence against it; for an enabler, policy or report text
   backing it). A small statement classifier (logistic regression on the embedding and word n-grams, trained
   on ``training_statements.jsonl``) says whether the text describes commissioning behaviour: behavioural
   text *reports* the nearest item. Factual text from reports, guidance, reviews and trials is *evidence
   against* a barrier or *reports* an enabler it backs, the item chosen by a logistic regression trained on
   the hand-labelled ``training_passages.jsonl`` blended with the evidence cosine. The seed study's own
   qualitative findings report, unless the passage is nearer to an item's evidence than to its report
   profile (the study citing another source's figures or policy).

Component, level, polarity and the proposed interventions then follow from the item and relation alone
(:func:`assistant.comb.catalogue.make_tag`), so a tag cannot contradict the catalogue. Thresholds were set on
the training statements and passages and on the development halves of ``evals/comb_other_styles.jsonl`` and
``evals/comb_passages.jsonl``; their held-out halves are never used to choose anything, and no gold text is
read here.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.comb.catalogue import CatalogueItem, by_id, items, make_tag
from assistant.comb.taxonomy import LABELS, SUBCOMPONENTS, component_of
from assistant.errors import AssistantError
from assistant.models import ComBTag, embed_text
from assistant.text import tokens

HERE = Path(__file__).resolve().parent
TRAINING_FILE = HERE / "training_statements.jsonl"
TRAINING_PASSAGES = HERE / "training_passages.jsonl"  # passages of documents outside the gold set, labelled by hand
TAGGER_FORMAT = 5
COMPONENTS = ("capability", "opportunity", "motivation", "none")
REPORT_MIN = 0.35  # cosine to an item's report profile for behavioural text to be linked at all
EVIDENCE_MIN = 0.35  # cosine to a barrier's evidence profile for factual text to be linked as evidence against it
BEHAVIOURAL_MIN = 0.4  # classifier probability that the text is about commissioning behaviour (not none)
# ...for a passage of a report, guidance or review, which mostly carries evidence rather than commissioners'
# experience: set on the hand-labelled training passages (relation accuracy 0.53 at 0.4, 0.81 at 0.8).
BEHAVIOURAL_MIN_EVIDENCE_DOC = 0.8
EVIDENCE_C = 8.0  # regularisation of the evidence-item classifier (5-fold CV on the training passages: 0.65 -> 0.82)
# the evidence item: the trained model's probabilities blended half and half with a softmax (temperature 0.1)
# of the nearest evidence description per item (5-fold CV on the training passages: 0.74 alone, 0.76 blended;
# the development half of the passages agreed)
EVIDENCE_TFIDF = 0.5  # weight of the TF-IDF features beside the embedding (grouped 5-fold CV on the training passages: 0.74 -> 0.77)
EVIDENCE_BLEND = 0.5
EVIDENCE_TEMPERATURE = 0.1
HUB_WEIGHT = 1.0
HUB_K = 10
REPORTING_DESIGNS = ("qualitative",)  # studies whose passages report what commissioners said
LONG_WORDING = 5  # a row of this many stemmed words counts as named when nearly all of them occur
CONTAINMENT = 0.85
WINDOW = 1.5  # ...within a window this many times the row's length
# a passage this near to the no-link profile, against its nearest item profile, gets no link (the no-link
# sentences are short, so they sit lower than item profiles: set on the development half of the passages)
NONE_MARGIN = -0.08
REPORTING_EVIDENCE_MARGIN = 0.02  # a study finding nearer to an item's evidence than its report profile is evidence


@dataclass(frozen=True)
class Context:
    """What the tagger may know about a passage beyond its text."""

    doc_type: str | None = None
    design: str | None = None


def read_statements(path: Path) -> list[dict]:
    """Labelled statements in the DESIGN.md tags format; clear errors name the line."""
    from assistant.evaluation.datasets import read_jsonl, validate_tag_item

    return [validate_tag_item(obj, path, n) for n, obj in read_jsonl(path)]


# -- step 2a: the study's own wording -------------------------------------------------------------------

def _run_at(haystack: list[str], run: list[str]) -> int | None:
    """Where the run of words first occurs contiguously, or None."""
    n = len(run)
    return next((i for i in range(len(haystack) - n + 1) if haystack[i:i + n] == run), None)


def _contained_at(haystack: list[str], run: list[str]) -> int | None:
    """Where a window not much longer than the run first holds nearly all of the run's words (a long row quoted
    with a word changed or inserted), or None."""
    words = set(run)
    width = int(WINDOW * len(run)) + 1
    for i in range(max(1, len(haystack) - width + 1)):
        if sum(t in words for t in set(haystack[i:i + width])) / len(words) >= CONTAINMENT:
            return i
    return None


@lru_cache(maxsize=1)
def _wordings() -> tuple[tuple[CatalogueItem, list[str]], ...]:
    """Each item's table wordings as stemmed word runs, computed once."""
    return tuple((item, tokens(w)) for item in items() for w in (item.study_wording, item.table3_need) if w)


def named_item(text: str) -> CatalogueItem | None:
    """The catalogue item whose table wording the text uses. Where a passage quotes several rows (a table), the
    first quoted is the one it leads with; at the same place, the longer wording wins."""
    toks = tokens(text)
    best, best_key = None, None
    for item, run in _wordings():
        at = _run_at(toks, run) if len(run) < LONG_WORDING else _contained_at(toks, run)
        if at is not None and (best_key is None or (at, -len(run)) < best_key):
            best, best_key = item, (at, -len(run))
    return best


# -- the statement classifier (behavioural? barrier or enabler?) -----------------------------------------

@dataclass
class StatementClassifier:
    sub_model: object
    pol_model: object
    vectorizer: object

    def _features(self, vectors: np.ndarray, texts: list[str]):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(vectors), self.vectorizer.transform(texts)]).tocsr()

    def predict(self, vectors: np.ndarray, texts: list[str]) -> list[dict]:
        """Per text: component probabilities, the likeliest component, and barrier/enabler polarity."""
        x = self._features(vectors, texts)
        sub_p = self.sub_model.predict_proba(x)
        classes = list(self.sub_model.classes_)
        pol_p = self.pol_model.predict_proba(x)
        pol_classes = list(self.pol_model.classes_)
        out = []
        for i in range(len(texts)):
            comp_p = {c: 0.0 for c in COMPONENTS}
            for j, cls in enumerate(classes):
                comp_p[component_of(cls)] += float(sub_p[i, j])
            component = max(comp_p, key=comp_p.get)
            sub = None
            if component != "none":
                sub = max((c for c in classes if component_of(c) == component), key=lambda c: sub_p[i, classes.index(c)])
            out.append({"component": component, "subcomponent": sub, "probs": comp_p,
                        "behavioural": 1.0 - comp_p["none"],
                        "polarity": pol_classes[int(np.argmax(pol_p[i]))] if component != "none" else "neutral",
                        "confidence": comp_p[component]})
        return out


def train_classifier(embedder, statements: list[dict] | None = None, C: float = 4.0) -> StatementClassifier:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    statements = statements if statements is not None else read_statements(TRAINING_FILE)
    texts = [s["text"] for s in statements]
    subs = [s.get("subcomponent") or "none" for s in statements]
    pols = np.array([s["polarity"] if s["component"] != "none" else "neutral" for s in statements])
    vectors = embedder.embed(texts)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000)
    x = hstack([csr_matrix(vectors), vectorizer.fit_transform(texts)]).tocsr()
    sub_model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, subs)
    mask = pols != "neutral"
    pol_model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x[mask], pols[mask])
    return StatementClassifier(sub_model=sub_model, pol_model=pol_model, vectorizer=vectorizer)


# -- the tagger -----------------------------------------------------------------------------------------

@dataclass
class Tagger:
    version: str
    classifier: StatementClassifier
    report_vectors: np.ndarray  # one row per report-profile sentence
    report_owner: np.ndarray  # index into items() per row
    evidence_vectors: np.ndarray
    evidence_owner: np.ndarray
    evidence_model: object = None  # which barrier an evidence passage speaks to (trained on labelled passages)
    embedder: object = None
    report_hub: np.ndarray | None = None  # how near each report sentence sits to texts in general (hubness)
    none_vectors: np.ndarray | None = None  # what a passage with no link sounds like (catalogue.yaml no_link)

    def _best(self, sims: np.ndarray, owner: np.ndarray, allowed) -> tuple[int | None, float]:
        best, score = None, -1.0
        for row in np.argsort(-sims):
            j = int(owner[row])
            if allowed(items()[j]):
                return j, float(sims[row])
        return best, score

    def _evidence_item(self, text: str, vector: np.ndarray, evidence_sims: np.ndarray) -> str:
        """The barrier a passage is evidence against: the trained model's probabilities, blended with how near
        the passage is to each barrier's evidence descriptions (softmax of the best cosine per barrier)."""
        classes = list(self.evidence_model.classes_)
        p = self.evidence_model.predict_proba(vector.reshape(1, -1), [text])[0]
        if EVIDENCE_BLEND > 0:
            ids = [it.id for it in items()]
            best = np.array([max((evidence_sims[r] for r in range(len(evidence_sims)) if ids[int(self.evidence_owner[r])] == c),
                                 default=-1.0) for c in classes])
            q = np.exp((best - best.max()) / EVIDENCE_TEMPERATURE)
            p = (1 - EVIDENCE_BLEND) * p + EVIDENCE_BLEND * q / q.sum()
        return classes[int(np.argmax(p))]

    def tag_one(self, text: str, vector: np.ndarray, cls: dict, ctx: Context | None) -> ComBTag:
        ctx = ctx or Context()
        if ctx.doc_type == "framework":
            return make_tag(None, "none", cls["confidence"])
        reporting = ctx.doc_type == "study" and ctx.design in REPORTING_DESIGNS
        evidence_doc = ctx.doc_type is not None and not reporting
        behavioural = reporting or cls["behavioural"] >= (BEHAVIOURAL_MIN_EVIDENCE_DOC if evidence_doc else BEHAVIOURAL_MIN)
        named = named_item(text)
        report_sims, evidence_sims = self.report_vectors @ vector, self.evidence_vectors @ vector
        if named is not None:  # the text uses the row's own words: it reports the item, unless it is evidence
            j = items().index(named)
            sim = float(max(report_sims[self.report_owner == j]))
            evidence = ctx.doc_type not in (None, "study") and not behavioural
            relation = "evidence_against" if evidence and named.polarity == "barrier" else f"reports_{named.polarity}"
            return make_tag(named, relation, max(sim, 0.5))
        best_link = max(float(report_sims.max()), float(evidence_sims.max()))
        if self.none_vectors is not None and ctx.doc_type is not None:  # a passage: methods, definitions, provenance
            none_sim = float((self.none_vectors @ vector).max())
            if none_sim >= best_link + NONE_MARGIN:
                return make_tag(None, "none", none_sim)
        if reporting and float(evidence_sims.max()) >= float(report_sims.max()) + REPORTING_EVIDENCE_MARGIN:
            behavioural = False  # the study citing another source's figures or policy: evidence, not a finding
        if behavioural:  # the nearest item of either table: the classifier's barrier/enabler call is not used here
            pick = report_sims - HUB_WEIGHT * self.report_hub if self.report_hub is not None else report_sims
            j, _ = self._best(pick, self.report_owner, lambda it: True)
            sim = float(report_sims[self.report_owner == j].max()) if j is not None else -1.0
            if j is not None and sim >= REPORT_MIN:
                item = items()[j]
                return make_tag(item, f"reports_{item.polarity}", sim)
            if reporting:
                return make_tag(None, "none", sim)
        j, sim = self._best(evidence_sims, self.evidence_owner, lambda it: True)
        if j is not None and sim >= EVIDENCE_MIN:
            item = items()[j]
            if ctx.doc_type is not None and self.evidence_model is not None:  # a passage: the trained model picks
                item = by_id()[self._evidence_item(text, vector, evidence_sims)]
            # evidence a commissioner can use against a barrier; a policy or report backing an enabler reports it
            return make_tag(item, "evidence_against" if item.polarity == "barrier" else "reports_enabler", sim)
        return make_tag(None, "none", 1.0 - max(sim, 0.0))

    def tag_vectors(self, vectors: np.ndarray, texts: list[str], contexts: list[Context | None] | None = None) -> list[ComBTag]:
        contexts = contexts or [None] * len(texts)
        preds = self.classifier.predict(vectors, texts)
        return [self.tag_one(t, v, c, ctx) for t, v, c, ctx in zip(texts, vectors, preds, contexts)]

    def tag_texts(self, texts: list[str], contexts: list[Context | None] | None = None) -> list[ComBTag]:
        return self.tag_vectors(self.embedder.embed(texts), texts, contexts)


def _profiles(embedder) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    report, report_owner, evidence, evidence_owner = [], [], [], []
    for j, item in enumerate(items()):
        for sentence in (item.text, item.study_wording, item.table3_need, *item.said):
            if sentence:
                report.append(sentence)
                report_owner.append(j)
        for sentence in item.evidence:
            evidence.append(sentence)
            evidence_owner.append(j)
    return (embedder.embed(report), np.array(report_owner), embedder.embed(evidence), np.array(evidence_owner))


def _training_passages() -> list[dict]:
    import json

    if not TRAINING_PASSAGES.exists():
        return []
    return [json.loads(line) for line in TRAINING_PASSAGES.read_text("utf-8").splitlines() if line.strip()]


@dataclass
class EvidenceModel:
    """Which item a passage of a report, guidance or review bears on: logistic regression on the embedding
    (title, heading and text, as indexed) and word 1-2-gram TF-IDF of the text."""

    model: object
    vectorizer: object

    @property
    def classes_(self):
        return self.model.classes_

    def _features(self, vectors: np.ndarray, texts: list[str]):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(vectors), EVIDENCE_TFIDF * self.vectorizer.transform(texts)]).tocsr()

    def predict_proba(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        return self.model.predict_proba(self._features(vectors, texts))


def train_evidence_model(embedder, evidence: np.ndarray, evidence_owner: np.ndarray) -> EvidenceModel | None:
    """Trained on the hand-labelled training passages (evidence against a barrier, or policy text backing an
    enabler) plus the catalogue's evidence sentences. None when there are no training passages."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in _training_passages() if r.get("relation") in ("evidence_against", "reports_enabler")]
    if not rows:
        return None
    sentences = [s for it in items() for s in it.evidence]
    texts = [r["text"] for r in rows] + sentences
    x = np.vstack([embedder.embed([embed_text(r["title"], r["locator"], r["text"]) for r in rows]), evidence])
    y = [r["item"] for r in rows] + [items()[int(o)].id for o in evidence_owner]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)
    model = EvidenceModel(model=None, vectorizer=vectorizer)
    model.model = LogisticRegression(C=EVIDENCE_C, max_iter=5000, class_weight="balanced").fit(model._features(x, texts), y)
    return model


def _none_profile(embedder) -> np.ndarray:
    """The catalogue's no-link sentences."""
    from assistant.comb.taxonomy import catalogue

    return embedder.embed(list(catalogue().get("no_link", ())))


def _hubness(embedder, profile: np.ndarray, statements: list[dict] | None) -> np.ndarray:
    """For each profile sentence, its mean cosine to its HUB_K nearest training texts (statements and passages):
    a generic sentence, near to everything, is discounted when choosing the item (CSLS, Conneau et al. 2018)."""
    statements = statements if statements is not None else read_statements(TRAINING_FILE)
    texts = [s["text"] for s in statements] + [embed_text(r["title"], r["locator"], r["text"]) for r in _training_passages()]
    sims = profile @ embedder.embed(texts).T
    k = min(HUB_K, sims.shape[1])
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def train(embedder, statements: list[dict] | None = None, C: float = 4.0) -> Tagger:
    classifier = train_classifier(embedder, statements, C)
    report, report_owner, evidence, evidence_owner = _profiles(embedder)
    return Tagger(version=fingerprint() or "untrained", classifier=classifier, report_vectors=report,
                  report_owner=report_owner, evidence_vectors=evidence, evidence_owner=evidence_owner,
                  evidence_model=train_evidence_model(embedder, evidence, evidence_owner), embedder=embedder,
                  none_vectors=_none_profile(embedder), report_hub=_hubness(embedder, report, statements))


def fingerprint() -> str | None:
    """Identifies the tagger's inputs (training statements, catalogue, taxonomy, code) without training it.
    Stored with each index version so that a changed tagger re-tags the corpus on the next `index`."""
    if not TRAINING_FILE.exists():
        return None
    sources = (TRAINING_FILE, TRAINING_PASSAGES, HERE / "catalogue.yaml", HERE / "taxonomy.yaml", Path(__file__))
    data = b"".join(p.read_bytes() for p in sources if p.exists())
    return hashlib.sha256(data + str(TAGGER_FORMAT).encode()).hexdigest()[:16]


def load_tagger(embedder, cache_dir: Path | None = None) -> Tagger | None:
    """The trained tagger, from the cache or trained now (a few seconds). None only if no training file exists."""
    if not TRAINING_FILE.exists():
        return None
    if cache_dir is None:
        from assistant.settings import Settings

        cache_dir = Settings.from_env().cache_dir
    path = cache_dir / f"tagger-{fingerprint()}.pkl"
    if path.exists():
        try:
            with path.open("rb") as f:  # our own cache file, written below; never a downloaded file
                tagger = pickle.load(f)
            tagger.embedder = embedder
            return tagger
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError):
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


__all__ = ["Context", "Tagger", "train", "load_tagger", "require_tagger", "named_item", "LABELS", "SUBCOMPONENTS"]
