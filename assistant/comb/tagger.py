"""The COM-B tagger: links a passage or statement to the study's catalogue item it bears on, and says how.

Four steps, each kept simple enough to read:

1. **Framework definitions** (doc_type ``framework``) define COM-B terms; they carry no link.
2. **The item named.** A passage that uses a table row's own wording (``study_wording``, ``table3_need``: a
   contiguous run of its stemmed words, or nearly all of a long row's words) names that item.
3. **No link.** A passage nearer to the catalogue's ``no_link`` sentences (a study's methods, aims and
   limitations, definitions, provenance) than to any item's profile, within ``NONE_MARGIN``, gets none; so does
   one whose heading alone is clearly nearer to them (``HEADING_NONE_MARGIN``: "Aim of the study", "Authors,
   affiliations and funding").
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
5. **A short statement with no document** (an interview quote, a table row, a policy sentence) goes instead to
   an item model (logistic regression on the embedding and word n-grams, trained on ``training_items.jsonl``,
   statements written by topic in those three registers, plus the catalogue's own sentences), blended with
   the nearest profile sentence; for a barrier, a relation model says report or evidence against.
6. **A table or list passage of the study** carries every catalogue item its rows quote in ``items`` (the
   primary item first). Its primary item is the row its prose repeats in the row's own words (the row it
   explains); failing that, a table passage whose primary item is not one of its rows takes the first row's.

Component, level, polarity and the proposed interventions then follow from the item and relation alone
(:func:`assistant.comb.catalogue.make_tag`), so a tag cannot contradict the catalogue. Thresholds were set on
the training statements and passages and on the development halves of ``evals/comb_other_styles.jsonl`` and
``evals/comb_passages.jsonl``; their held-out halves are never used to choose anything, and no gold text is
read here.
"""

from __future__ import annotations

import hashlib
import pickle
import re
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
# short statements labelled with catalogue item and relation, written by topic in three registers (interview talk,
# terse table rows, policy "should" sentences), none copied from a gold set (evals/README.md, tuning record)
TRAINING_ITEMS = HERE / "training_items.jsonl"
# passages written in our own words, in the registers of guidance, reports and reviews, for items the corpus's
# training passages cover thinly; labelled by the same procedure, none copied from a gold set (evals/README.md)
TRAINING_WRITTEN = HERE / "training_written_passages.jsonl"
TAGGER_FORMAT = 7
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
# ...where each evidence sentence's cosine is first discounted by this share of its hubness (its mean cosine to its
# HUB_K nearest training texts, as HUB_WEIGHT does on the report side): a broad sentence near to everything ("which
# professionals can support the relationship", "recommended programmes and who delivers them": b-unsure-who-can-support's
# two are the strongest hubs, 0.75 and 0.73) no longer wins for passages that are merely about the topic, so that item
# stops acting as a catch-all. Hubness runs from 0.40 to 0.75 across the evidence sentences (0.47 to 0.69 for the
# middle 80%), so at 0.25 the discount differs by about 0.05 between most sentences, half the softmax temperature:
# it breaks near ties without overruling a clearly nearer sentence. Chosen by grouped (by document) 5-fold CV of the
# whole tagger on the hand-labelled training passages (weights 0 / 0.1 / 0.15 / 0.2 / 0.25 / 0.3 / 0.5 / 1.0: item
# 0.631 / 0.646 / 0.646 / 0.654 / 0.662 / 0.662 / 0.654 / 0.669, component 0.738 / 0.746 / 0.754 / 0.769 / 0.785 /
# 0.785 / 0.777 / 0.777), keeping the development halves whole (passages: item 0.893 -> 0.902, component 0.929 kept
# up to 0.25, lower from 0.3; other styles unchanged)
EVIDENCE_HUB_WEIGHT = 0.25
HUB_WEIGHT = 1.0
HUB_K = 10
REPORTING_DESIGNS = ("qualitative",)  # studies whose passages report what commissioners said
LONG_WORDING = 5  # a row of this many stemmed words counts as named when nearly all of them occur
CONTAINMENT = 0.85
WINDOW = 1.5  # ...within a window this many times the row's length
# a passage this near to the no-link profile, against its nearest item profile, gets no link (the no-link
# sentences are short, so they sit lower than item profiles: set on the development half of the passages; re-set
# from -0.08 when the gold texts were refreshed from the corpus, in the gap between the development half's gold-none
# passages (highest unlinked -0.084) and every linked passage not quoting a row (dev -0.133, training -0.124))
NONE_MARGIN = -0.10
# a passage whose heading alone is this much nearer to the no-link profile than to any item profile ("Aim of the
# study", "Authors, affiliations and funding") gets no link, unless it quotes a row's wording. Set on the
# development half of the passages; the hand-labelled training passages, none of whose headings reach it (highest
# 0.17), are unchanged
HEADING_NONE_MARGIN = 0.2
REPORTING_EVIDENCE_MARGIN = 0.02  # a study finding nearer to an item's evidence than its report profile is evidence
# a statement (no document): the item model's probabilities blended half and half with a softmax of the nearest
# profile sentence per item (as EVIDENCE_BLEND does for passages; the development half of the other styles agreed)
STATEMENT_BLEND = 0.5
STATEMENT_C = 4.0
STATEMENT_TFIDF = 0.5
STATEMENT_EVIDENCE_MIN = 0.4  # relation model probability for "evidence against" (development half: 0.5 -> 0.4)


@dataclass(frozen=True)
class Context:
    """What the tagger may know about a passage beyond its text."""

    doc_type: str | None = None
    design: str | None = None
    heading: str | None = None  # the passage's heading (its locator), as indexed: a methods or authorship heading


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


# -- a table or list passage: every catalogue item it quotes ----------------------------------------------

# a table row under a "barrier" or "enabler" header links an item only this near (cosine) to the item's report
# profile; a list item, with no header to say what it lists, must be nearer (the study's Table 3 lists sit above
# 0.85, the toolkit's list of aims below 0.8: read on the corpus's study passages, not on a gold set)
ROW_MIN = 0.5
LIST_MIN = 0.8
EMPTY_CELL = re.compile(r"^(none( listed)?|n/?a|-+)$", re.I)  # a table cell that names nothing (also composer.table_items)


def quoted_rows(text: str) -> list[tuple[str, str | None]]:
    """The rows of a markdown table (header and rule lines left out) and the items of a bulleted list, each with
    the polarity its table's header names ("barrier" or "enabler" in the header), or None."""
    return [(" ".join(cells), polarity) for cells, polarity in _quoted_cells(text)]


def _quoted_cells(text: str) -> list[tuple[list[str], str | None]]:
    """As :func:`quoted_rows`, each row as its cells (a list item as one cell)."""
    rows, header, polarity = [], None, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue
            if header is None:
                header = " ".join(cells).lower()
                polarity = "barrier" if "barrier" in header else "enabler" if ("enabler" in header or "facilitator" in header) else None
                continue
            if not any(EMPTY_CELL.match(c) for c in (cells[1:-1] if len(cells) > 2 else cells[1:])):
                rows.append((cells, polarity))  # a "none listed" row quotes nothing
        else:
            header = polarity = None
            if line[:2] in ("- ", "* "):
                rows.append(([line[2:].strip(" ;.")], None))
    return rows


def _row_wordings(cells: list[str]) -> list[list[str]]:
    """The stemmed words of a quoted row's item: a table row's middle cells (not its theme or its COM-B code), a
    list item whole."""
    if len(cells) >= 3:
        cells = cells[1:-1]
    return [toks for toks in (tokens(c) for c in cells) if len(toks) >= 2]


def _distinct(items) -> list:
    """In order, once each."""
    return list(dict.fromkeys(items))


def explained_row(text: str, rows: list[tuple[list[str], CatalogueItem]]) -> CatalogueItem | None:
    """The item of the quoted row that the passage's prose (its lines outside the table or list) repeats in the
    row's own words: the row the passage explains or dwells on, which the gold procedure makes the primary item
    (evals/README.md). The first such row in the prose; None when the prose repeats no row."""
    prose = " ".join(ln.strip() for ln in text.splitlines()
                     if ln.strip() and not ln.strip().startswith("|") and ln.strip()[:2] not in ("- ", "* "))
    toks = tokens(prose)
    best, best_at = None, None
    for row, item in rows:
        for run in _row_wordings(row):
            at = _run_at(toks, run) if len(run) < LONG_WORDING else _contained_at(toks, run)
            if at is not None and (best_at is None or at < best_at):
                best, best_at = item, at
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
    statement_model: object = None  # which item (or none) a short statement bears on
    relation_model: object = None  # whether a statement on a barrier reports it or is evidence against it
    evidence_hub: np.ndarray | None = None  # how near each evidence sentence sits to texts in general (hubness)

    def _best(self, sims: np.ndarray, owner: np.ndarray, allowed) -> tuple[int | None, float]:
        best, score = None, -1.0
        for row in np.argsort(-sims):
            j = int(owner[row])
            if allowed(items()[j]):
                return j, float(sims[row])
        return best, score

    def _evidence_item(self, text: str, vector: np.ndarray, evidence_sims: np.ndarray) -> str:
        """The barrier a passage is evidence against: the trained model's probabilities, blended with how near
        the passage is to each barrier's evidence descriptions (softmax of the best cosine per barrier, each
        sentence's cosine discounted by its hubness: :data:`EVIDENCE_HUB_WEIGHT`)."""
        classes = list(self.evidence_model.classes_)
        p = self.evidence_model.predict_proba(vector.reshape(1, -1), [text])[0]
        if EVIDENCE_BLEND > 0:
            if self.evidence_hub is not None:
                evidence_sims = evidence_sims - EVIDENCE_HUB_WEIGHT * self.evidence_hub
            ids = [it.id for it in items()]
            best = np.array([max((evidence_sims[r] for r in range(len(evidence_sims)) if ids[int(self.evidence_owner[r])] == c),
                                 default=-1.0) for c in classes])
            q = np.exp((best - best.max()) / EVIDENCE_TEMPERATURE)
            p = (1 - EVIDENCE_BLEND) * p + EVIDENCE_BLEND * q / q.sum()
        return classes[int(np.argmax(p))]

    def _nearest_per_class(self, classes: list[str], vector: np.ndarray) -> np.ndarray:
        """Per class, the cosine of the nearest profile sentence: the item's report and evidence sentences, or
        the no-link sentences for "none"."""
        report_sims, evidence_sims = self.report_vectors @ vector, self.evidence_vectors @ vector
        ids = [it.id for it in items()]
        best = []
        for c in classes:
            if c == NONE_CLASS:
                best.append(float((self.none_vectors @ vector).max()) if self.none_vectors is not None else -1.0)
                continue
            j = ids.index(c)
            sims = np.concatenate([report_sims[self.report_owner == j], evidence_sims[self.evidence_owner == j]])
            best.append(float(sims.max()) if len(sims) else -1.0)
        return np.array(best)

    def _statement_tag(self, text: str, vector: np.ndarray) -> ComBTag:
        """A short statement with no document (an interview quote, a table row, a policy sentence): the item
        model picks the item or none, blended with the nearest profile sentence; for a barrier, the relation
        model says whether the statement reports it or is evidence a commissioner can use against it."""
        model = self.statement_model
        classes = list(model.classes_)
        p = model.predict_proba(vector.reshape(1, -1), [text])[0]
        if STATEMENT_BLEND > 0:
            best = self._nearest_per_class(classes, vector)
            q = np.exp((best - best.max()) / EVIDENCE_TEMPERATURE)
            p = (1 - STATEMENT_BLEND) * p + STATEMENT_BLEND * q / q.sum()
        k = int(np.argmax(p))
        if classes[k] == NONE_CLASS:
            return make_tag(None, "none", float(p[k]))
        item = by_id()[classes[k]]
        relation = f"reports_{item.polarity}"
        if item.polarity == "barrier" and self.relation_model is not None:
            evidence_p = self.relation_model.predict_proba(vector.reshape(1, -1), [text])[0]
            if evidence_p[list(self.relation_model.classes_).index(True)] >= STATEMENT_EVIDENCE_MIN:
                relation = "evidence_against"
        return make_tag(item, relation, float(p[k]))

    def _no_link_margin(self, vector: np.ndarray) -> float:
        """How much nearer the vector is to the nearest no-link sentence than to the nearest item profile sentence."""
        best_link = max(float((self.report_vectors @ vector).max()), float((self.evidence_vectors @ vector).max()))
        return float((self.none_vectors @ vector).max()) - best_link

    def tag_one(self, text: str, vector: np.ndarray, cls: dict, ctx: Context | None,
                heading_vector: np.ndarray | None = None) -> ComBTag:
        ctx = ctx or Context()
        if ctx.doc_type == "framework":
            return make_tag(None, "none", cls["confidence"])
        if ctx.doc_type is None and self.statement_model is not None:
            return self._statement_tag(text, vector)
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
        if self.none_vectors is not None and ctx.doc_type is not None:  # a passage: methods, definitions, provenance
            if self._no_link_margin(vector) >= NONE_MARGIN or (  # ...or a methods, aims or authorship section
                    heading_vector is not None and self._no_link_margin(heading_vector) >= HEADING_NONE_MARGIN):
                return make_tag(None, "none", float((self.none_vectors @ vector).max()))
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
        headings = self._heading_vectors(contexts)
        tags = [self.tag_one(t, v, c, ctx, h) for t, v, c, ctx, h in zip(texts, vectors, preds, contexts, headings)]
        return [self._with_quoted_items(tag, t, ctx) for tag, t, ctx in zip(tags, texts, contexts)]

    def _heading_vectors(self, contexts: list[Context | None]) -> list[np.ndarray | None]:
        """The embedding of each passage's heading alone (None for a statement or a passage without one)."""
        wanted = sorted({c.heading.strip() for c in contexts
                         if c is not None and c.doc_type is not None and c.heading and c.heading.strip()})
        if not wanted or self.embedder is None or self.none_vectors is None:
            return [None] * len(contexts)
        by_heading = dict(zip(wanted, self.embedder.embed(wanted)))
        return [by_heading.get(c.heading.strip()) if c is not None and c.doc_type is not None and c.heading else None
                for c in contexts]

    def _row_item(self, row: str, polarity: str | None, vector: np.ndarray) -> CatalogueItem | None:
        """The catalogue item one table row or list item quotes: its own wording, or the statement model's item
        when the row is near that item's report profile (a paraphrased row)."""
        named = named_item(row)
        if named is None and self.statement_model is not None:
            tag = self._statement_tag(row, vector)
            item = by_id().get(tag.item) if tag.item else None
            if item is not None:
                j = items().index(item)
                bar = ROW_MIN if polarity else LIST_MIN
                named = item if float((self.report_vectors @ vector)[self.report_owner == j].max()) >= bar else None
        return named if named is not None and polarity in (None, named.polarity) else None

    def _quoted(self, text: str) -> list[tuple[list[str], CatalogueItem]]:
        """Each table row or list item of the passage that quotes a catalogue item (as its cells), with that item,
        in order."""
        rows = _quoted_cells(text)
        if not rows or self.embedder is None:
            return []
        out = []
        for (cells, polarity), vector in zip(rows, self.embedder.embed([" ".join(c) for c, _ in rows])):
            item = self._row_item(" ".join(cells), polarity, vector)
            if item is not None:
                out.append((cells, item))
        return out

    def quoted_items(self, text: str) -> list[CatalogueItem]:
        """Every catalogue item a table or list passage quotes, in order, once each."""
        return _distinct(item for _, item in self._quoted(text))

    def _with_quoted_items(self, tag: ComBTag, text: str, ctx: Context | None) -> ComBTag:
        """A table or list passage of the study lists several items: the tag keeps its primary item and carries
        them all in ``items`` (primary first), so a card does not show one barrier of a table of several. A table
        passage otherwise left without a link takes the first item it quotes, as a quoted table wording would."""
        if ctx is None or ctx.doc_type != "study" or ctx.design not in REPORTING_DESIGNS:
            return tag
        rows = self._quoted(text)
        quoted = _distinct(item for _, item in rows)
        if not quoted:
            return tag
        explained = explained_row(text, rows)
        if explained is not None:  # the passage dwells on the row its own prose repeats
            tag = make_tag(explained, f"reports_{explained.polarity}", tag.confidence)
        elif tag.item not in [it.id for it in quoted]:  # a table is about the rows it holds
            tag = make_tag(quoted[0], f"reports_{quoted[0].polarity}", tag.confidence)
        ids = [tag.item] + [it.id for it in quoted if it.id != tag.item]
        if len(ids) > 1:
            tag.items = ids
        return tag

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


def _read_jsonl(path: Path) -> list[dict]:
    """A training file's objects (none when it is absent); a malformed line is an error naming the file and line."""
    from assistant.evaluation.datasets import read_jsonl

    return [obj for _, obj in read_jsonl(path)] if path.exists() else []


def _training_passages() -> list[dict]:
    return _read_jsonl(TRAINING_PASSAGES)


def _written_passages() -> list[dict]:
    return _read_jsonl(TRAINING_WRITTEN)


@lru_cache(maxsize=1)
def _reviewed_labels() -> dict[str, tuple[str, str | None, str]]:
    """passage_id -> (text, item, relation) of every hand-labelled training passage."""
    return {r["passage_id"]: (r["text"].strip(), r.get("item"), r.get("relation") or "none") for r in _training_passages()}


def reviewed_tag(passage_id: str, text: str) -> ComBTag | None:
    """The label a reader gave this passage, when its text is still exactly what was read (the hand-labelled
    training passages, none of them in a gold set); None otherwise, and the tagger's label stands. The model
    disagrees with 21 of these 130 labels (item), among them a spending statement it read as reporting a barrier
    and trial designs it linked to the workforce. The gold sets are never used this way: their labels measure the
    tagger, which is what labels any passage added later."""
    label = _reviewed_labels().get(passage_id)
    if label is None or label[0] != text.strip():
        return None
    _, item, relation = label
    if item and item not in by_id():
        return None  # an item the catalogue has since retired: the tagger labels the passage afresh
    tag = make_tag(by_id()[item] if item else None, relation, 1.0)
    tag.reviewed = True
    return tag


@dataclass
class EvidenceModel:
    """Which item a passage of a report, guidance or review bears on: logistic regression on the embedding
    (title, heading and text, as indexed) and word 1-2-gram TF-IDF of the text."""

    model: object
    vectorizer: object
    tfidf: float = EVIDENCE_TFIDF  # weight of the TF-IDF features beside the embedding

    @property
    def classes_(self):
        return self.model.classes_

    def _features(self, vectors: np.ndarray, texts: list[str]):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(vectors), self.tfidf * self.vectorizer.transform(texts)]).tocsr()

    def predict_proba(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        return self.model.predict_proba(self._features(vectors, texts))


NONE_CLASS = "none"


def _training_items() -> list[dict]:
    return _read_jsonl(TRAINING_ITEMS)


def _statement_rows(statements: list[dict] | None) -> list[tuple[str, str, str]]:
    """(text, item id or "none", relation) for the statement models: the written training items, the
    catalogue's own sentences (plain text, table wording and ``said`` report the item; ``evidence`` is evidence
    against a barrier or backs an enabler), its no-link sentences and the training statements labelled none."""
    from assistant.comb.taxonomy import catalogue

    rows = [(r["text"], r["item"] or NONE_CLASS, r["relation"]) for r in _training_items()]
    for it in items():
        for sentence in (it.text, it.study_wording, it.table3_need, *it.said):
            if sentence:
                rows.append((sentence, it.id, f"reports_{it.polarity}"))
        for sentence in it.evidence:
            rows.append((sentence, it.id, "evidence_against" if it.polarity == "barrier" else "reports_enabler"))
    rows += [(s, NONE_CLASS, "none") for s in catalogue().get("no_link", ())]
    statements = statements if statements is not None else read_statements(TRAINING_FILE)
    rows += [(s["text"], NONE_CLASS, "none") for s in statements if s["component"] == "none"]
    return rows


def _fit_text_model(embedder, texts: list[str], y: list, C: float, tfidf: float) -> EvidenceModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    model = EvidenceModel(model=None, vectorizer=TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts),
                          tfidf=tfidf)
    model.model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(
        model._features(embedder.embed(texts), texts), y)
    return model


def train_statement_models(embedder, statements: list[dict] | None = None) -> tuple[object, object]:
    """The statement item model (item or none) and the relation model (for a barrier: evidence against it, or a
    report of it; trained on the barrier rows above: statements, not the long training passages, which are nearly
    all evidence)."""
    if not _training_items():
        return None, None
    rows = _statement_rows(statements)
    item_model = _fit_text_model(embedder, [t for t, _, _ in rows], [i for _, i, _ in rows], STATEMENT_C, STATEMENT_TFIDF)
    barrier = [(t, r == "evidence_against") for t, i, r in rows if i != NONE_CLASS and by_id()[i].polarity == "barrier"]
    relation_model = _fit_text_model(embedder, [t for t, _ in barrier], [e for _, e in barrier], STATEMENT_C, 1.0)
    return item_model, relation_model


def train_evidence_model(embedder, evidence: np.ndarray, evidence_owner: np.ndarray) -> EvidenceModel | None:
    """Trained on the hand-labelled training passages (evidence against a barrier, or policy text backing an
    enabler) plus the catalogue's evidence sentences. None when there are no training passages."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in _training_passages() + _written_passages() if r.get("relation") in ("evidence_against", "reports_enabler")]
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


class EmbedOnce:
    """Training uses the same statements, passages and catalogue sentences in several models; this embeds each
    distinct text once (the passages twice over had been half of a cold start's training time)."""

    def __init__(self, embedder):
        self.embedder, self.vectors = embedder, {}

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.embedder.embed([])
        new = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if new:
            self.vectors.update(zip(new, self.embedder.embed(new)))
        return np.stack([self.vectors[t] for t in texts])


def train(embedder, statements: list[dict] | None = None, C: float = 4.0) -> Tagger:
    raw_embedder, embedder = embedder, EmbedOnce(embedder)
    classifier = train_classifier(embedder, statements, C)
    report, report_owner, evidence, evidence_owner = _profiles(embedder)
    statement_model, relation_model = train_statement_models(embedder, statements)
    return Tagger(version=fingerprint() or "untrained", classifier=classifier, report_vectors=report,
                  report_owner=report_owner, evidence_vectors=evidence, evidence_owner=evidence_owner,
                  evidence_model=train_evidence_model(embedder, evidence, evidence_owner), embedder=raw_embedder,
                  none_vectors=_none_profile(embedder), report_hub=_hubness(embedder, report, statements),
                  statement_model=statement_model, relation_model=relation_model,
                  evidence_hub=_hubness(embedder, evidence, statements))


def fingerprint() -> str | None:
    """Identifies the tagger's inputs (training statements, catalogue, taxonomy, code) without training it.
    Stored with each index version so that a changed tagger re-tags the corpus on the next `index`."""
    if not TRAINING_FILE.exists():
        return None
    sources = (TRAINING_FILE, TRAINING_PASSAGES, TRAINING_ITEMS, TRAINING_WRITTEN, HERE / "catalogue.yaml", HERE / "taxonomy.yaml", Path(__file__))
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
