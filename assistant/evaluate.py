"""Evaluation: answer quality (fact recall, abstention, latency) and COM-B tagging (accuracy, F1, confusion).

File formats are the JSON Lines of DESIGN.md. A malformed file is an error naming the line and the problem;
an empty file is an error, never a perfect score.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.documents import AssistantError

COMPONENT_VALUES = ("capability", "opportunity", "motivation", "none")
POLARITY_VALUES = ("barrier", "enabler", "neutral")


class EvalFileError(AssistantError):
    pass


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise EvalFileError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise EvalFileError(f"{path}: cannot read ({e.strerror})") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise EvalFileError(f"{path}, line {n}: not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise EvalFileError(f"{path}, line {n}: expected a JSON object, got {type(obj).__name__}")
        out.append((n, obj))
    if not out:
        raise EvalFileError(f"{path}: the file has no items (an empty evaluation set is an error, not a perfect score)")
    return out


def _need(obj: dict, key: str, kind, path, n):
    if key not in obj:
        raise EvalFileError(f"{path}, line {n}: missing field '{key}'")
    if not isinstance(obj[key], kind) or (kind is str and not obj[key].strip()):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise EvalFileError(f"{path}, line {n}: field '{key}' must be a non-empty {name}")
    return obj[key]


def validate_question_item(obj: dict, path, n: int) -> dict:
    _need(obj, "id", str, path, n)
    _need(obj, "question", str, path, n)
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise EvalFileError(f"{path}, line {n}: field 'answerable' must be true or false")
    facts = obj.get("facts", [])
    if not isinstance(facts, list):
        raise EvalFileError(f"{path}, line {n}: field 'facts' must be a list of lists of accepted spellings")
    clean = []
    for j, fact in enumerate(facts):
        if isinstance(fact, str):
            fact = [fact]
        if not isinstance(fact, list) or not fact or not all(isinstance(s, str) and s.strip() for s in fact):
            raise EvalFileError(f"{path}, line {n}: fact {j + 1} must be a non-empty list of non-empty strings")
        clean.append(fact)
    if answerable and not clean:
        raise EvalFileError(f"{path}, line {n}: an answerable question needs at least one fact")
    return {"id": obj["id"], "question": obj["question"], "answerable": answerable, "facts": clean}


def validate_tag_item(obj: dict, path, n: int) -> dict:
    _need(obj, "text", str, path, n)
    comp = _need(obj, "component", str, path, n)
    if comp not in COMPONENT_VALUES:
        raise EvalFileError(f"{path}, line {n}: component must be one of {', '.join(COMPONENT_VALUES)}, got {comp!r}")
    pol = obj.get("polarity", "neutral" if comp == "none" else None)
    if pol not in POLARITY_VALUES:
        raise EvalFileError(f"{path}, line {n}: polarity must be one of {', '.join(POLARITY_VALUES)}, got {pol!r}")
    sub = obj.get("subcomponent")
    if sub is not None:
        from assistant.comb.taxonomy import SUBCOMPONENTS, component_of

        if sub not in SUBCOMPONENTS:
            raise EvalFileError(f"{path}, line {n}: unknown subcomponent {sub!r}")
        if component_of(sub) != comp:
            raise EvalFileError(f"{path}, line {n}: subcomponent {sub} does not belong to component {comp}")
    return {"id": str(obj.get("id", f"line{n}")), "text": obj["text"], "component": comp, "polarity": pol, "subcomponent": sub}


def fold_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def fact_found(fact: list[str], haystack: str) -> bool:
    hay = fold_ws(haystack)
    return any(fold_ws(s) in hay for s in fact)


# =====================================================================================================
# Answers: scoring and metrics (pure functions: no model, no index; tested on hand-made cases)
# =====================================================================================================

# Quality bars of DESIGN.md, printed beside the figures: (metric, comparison, target).
ANSWER_TARGETS = {
    "fact_recall": (">=", 0.90),
    "abstain_correct": (">=", 0.90),
    "false_abstain": ("<=", 0.05),
    "latency_ms_p50": ("<=", 100.0),
    "latency_ms_p95": ("<=", 250.0),
}
TAG_TARGETS = {"accuracy": (">=", 0.85), "polarity_accuracy": (">=", 0.85)}


def fact_label(fact: list[str]) -> str:
    """How a fact is named in reports: its first accepted spelling."""
    return fact[0]


def score_answer(item: dict, answer: dict) -> dict:
    """One evaluated question: which facts the answer (text + cited passages) found and missed.

    ``item`` is a validated question item; ``answer`` is ``Answer.to_dict()`` (the `ask --json` contract),
    optionally with an "error" field. A fact counts as found when any of its spellings appears
    (case-insensitive, whitespace folded) in the answer text or in the text of one of its citations.
    An answer that abstained finds no facts: "I cannot answer" is not recall, whatever topics it suggests.
    """
    abstained = bool(answer.get("abstained"))
    text = answer.get("answer") or ""
    citations = answer.get("citations") or []
    everything = "\n".join([text] + [c.get("text", "") for c in citations])
    found, missed, answer_found = [], [], []
    for fact in item["facts"]:
        hit = not abstained and fact_found(fact, everything)
        (found if hit else missed).append(fact_label(fact))
        if not abstained and fact_found(fact, text):
            answer_found.append(fact_label(fact))
    n = len(item["facts"])
    rec = {
        "id": item["id"],
        "question": item["question"],
        "answerable": item["answerable"],
        "abstained": abstained,
        "n_facts": n,
        "facts_found": found,
        "facts_missed": missed,
        "answer_facts_found": answer_found,
        "fact_recall": (len(found) / n) if (item["answerable"] and n) else None,
        "answer_fact_recall": (len(answer_found) / n) if (item["answerable"] and n) else None,
        "latency_ms": float((answer.get("timings_ms") or {}).get("total", 0.0)),
        "n_citations": len(citations),
        "cited": [c.get("passage_id") for c in citations],
        "answer": text,
    }
    if answer.get("error"):
        rec["error"] = answer["error"]
    return rec


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default); None if empty."""
    vals = sorted(float(v) for v in values)
    if not vals:
        return None
    if len(vals) == 1:
        return vals[0]
    pos = (len(vals) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def _mean(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def _r(x, nd: int = 4):
    return None if x is None else round(float(x), nd)


def answer_metrics(items: list[dict]) -> dict:
    """Metrics over scored items (the output of :func:`score_answer`).

    - fact_recall: MACRO over answerable questions: the mean, over answerable questions, of the fraction of
      that question's facts found (answer text or cited passages). Each question weighs the same whatever
      its number of facts. An answerable question that abstained scores 0.
    - answer_fact_recall: the same, counting only facts found in the answer text itself.
    - abstain_correct: share of unanswerable questions that abstained (None when there are none).
    - false_abstain: share of answerable questions that abstained (None when there are none).
    - citations_per_answer: mean number of citations over the answers that did not abstain.
    - latency_ms_p50 / latency_ms_p95: percentiles of ``timings_ms["total"]`` over all questions.
    """
    answerable = [it for it in items if it["answerable"]]
    unanswerable = [it for it in items if not it["answerable"]]
    answered = [it for it in items if not it["abstained"]]
    lat = [it["latency_ms"] for it in items]
    return {
        "fact_recall": _r(_mean(it["fact_recall"] or 0.0 for it in answerable)),
        "answer_fact_recall": _r(_mean(it["answer_fact_recall"] or 0.0 for it in answerable)),
        "abstain_correct": _r(_mean(1.0 if it["abstained"] else 0.0 for it in unanswerable)),
        "false_abstain": _r(_mean(1.0 if it["abstained"] else 0.0 for it in answerable)),
        "citations_per_answer": _r(_mean(it["n_citations"] for it in answered), 3),
        "latency_ms_p50": _r(percentile(lat, 50), 1),
        "latency_ms_p95": _r(percentile(lat, 95), 1),
        "n_items": len(items),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }


# =====================================================================================================
# Tags: confusion matrix, per-class scores, macro-F1 (pure)
# =====================================================================================================

def confusion_matrix(gold: list[str], pred: list[str], labels: list[str] | tuple = COMPONENT_VALUES) -> dict:
    """``{"labels": [...], "matrix": [[...]]}``: rows are the gold label, columns the predicted one."""
    labels = list(labels)
    for x in list(gold) + list(pred):
        if x not in labels:
            labels.append(x)
    pos = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        m[pos[g]][pos[p]] += 1
    return {"labels": labels, "matrix": m}


def per_class_scores(conf: dict) -> dict:
    """Precision, recall, F1 and support per label from a confusion matrix (0.0 where undefined)."""
    labels, m = conf["labels"], conf["matrix"]
    out = {}
    for i, lab in enumerate(labels):
        tp = m[i][i]
        support = sum(m[i])
        predicted = sum(row[i] for row in m)
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f = 2 * p * r / (p + r) if (p + r) else 0.0
        out[lab] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": support, "predicted": predicted}
    return out


def macro_f1(conf: dict) -> float | None:
    """Unweighted mean of per-class F1 over the labels that occur in the gold labels or the predictions
    (scikit-learn's default for ``f1_score(average="macro")``); labels never seen on either side are left out."""
    scores = per_class_scores(conf)
    present = [lab for lab, s in scores.items() if s["support"] or s["predicted"]]
    if not present:
        return None
    labels, m = conf["labels"], conf["matrix"]
    f1s = []
    for lab in present:  # unrounded, so the mean is exact
        i = labels.index(lab)
        tp, sup, pr = m[i][i], sum(m[i]), sum(row[i] for row in m)
        p = tp / pr if pr else 0.0
        r = tp / sup if sup else 0.0
        f1s.append(2 * p * r / (p + r) if (p + r) else 0.0)
    return sum(f1s) / len(f1s)


def gold_polarity(item: dict) -> str:
    return "neutral" if item["component"] == "none" else item["polarity"]


def tag_metrics(gold_items: list[dict], preds: list[dict]) -> dict:
    """Tagger metrics against gold labels.

    - accuracy: component (capability / opportunity / motivation / none) exact match, over all items.
    - macro_f1: component macro-F1 (see :func:`macro_f1`).
    - polarity_accuracy: over ALL items; an item whose component is none counts as neutral on both sides,
      so a "none" statement is right only when predicted none/neutral.
    - subcomponent_accuracy: over the items whose gold label names a sub-component (None if there are none).
    - confusion: component x component; per_class: precision / recall / F1 / support per component.
    """
    if len(gold_items) != len(preds):
        raise ValueError("gold and predictions differ in length")
    g_comp = [g["component"] for g in gold_items]
    p_comp = [p["component"] for p in preds]
    conf = confusion_matrix(g_comp, p_comp, COMPONENT_VALUES)
    n = len(gold_items)
    pol_ok = sum(gold_polarity(g) == ("neutral" if p["component"] == "none" else p["polarity"]) for g, p in zip(gold_items, preds))
    with_sub = [(g, p) for g, p in zip(gold_items, preds) if g.get("subcomponent")]
    return {
        "accuracy": _r(sum(a == b for a, b in zip(g_comp, p_comp)) / n if n else None),
        "macro_f1": _r(macro_f1(conf)),
        "polarity_accuracy": _r(pol_ok / n if n else None),
        "subcomponent_accuracy": _r(_mean(1.0 if p.get("subcomponent") == g["subcomponent"] else 0.0 for g, p in with_sub)),
        "n_items": n,
        "n_with_subcomponent": len(with_sub),
        "confusion": conf,
        "per_class": per_class_scores(conf),
    }


# =====================================================================================================
# Tag baselines: nearest definition (embeddings) and a keyword lexicon. Neither is tuned on any test file.
# =====================================================================================================

NONE_PROTOTYPE = "a neutral description of a study's methods, a definition, or a statistic with no barrier or enabler"
BARRIER_PROTOTYPE = "something that hinders or blocks commissioning"
ENABLER_PROTOTYPE = "something that helps or enables commissioning"


class NearestDefinitionBaseline:
    """Assign the sub-component (or none) whose definition + commissioning example is nearest by cosine;
    polarity by the nearer of a "hinders" and a "helps" prototype."""

    name = "nearest_definition"
    description = ("nearest by cosine to each sub-component's definition + commissioning example in taxonomy.yaml, "
                   "or to a 'none' prototype; polarity by the nearer of a barrier and an enabler prototype")

    def __init__(self, embedder):
        from assistant.comb.taxonomy import SUBCOMPONENTS, taxonomy

        subs = taxonomy()["subcomponents"]
        self.labels = list(SUBCOMPONENTS) + ["none"]
        texts = [f"{subs[s]['definition']} {subs[s].get('commissioning_example', '')}".strip() for s in SUBCOMPONENTS]
        texts.append(NONE_PROTOTYPE)
        self.vectors = embedder.embed(texts)
        self.polarity_vectors = embedder.embed([BARRIER_PROTOTYPE, ENABLER_PROTOTYPE])

    def predict(self, vectors) -> list[dict]:
        from assistant.comb.taxonomy import component_of

        import numpy as np

        sims = np.asarray(vectors) @ self.vectors.T
        pol = np.asarray(vectors) @ self.polarity_vectors.T
        out = []
        for i in range(len(sims)):
            lab = self.labels[int(np.argmax(sims[i]))]
            comp = component_of(lab)
            if comp == "none":
                out.append({"component": "none", "subcomponent": None, "polarity": "neutral"})
            else:
                out.append({"component": comp, "subcomponent": lab,
                            "polarity": "barrier" if pol[i, 0] >= pol[i, 1] else "enabler"})
        return out


# Hand-written from the COM-B definitions (taxonomy.yaml) and general knowledge of commissioning; a cue
# matches at a word start ("fund" matches "funding"). Written before, and never adjusted after, any run.
KEYWORD_CUES = {
    "psychological_capability": ["know", "knowledge", "understand", "aware", "unaware", "awareness", "expertise",
                                 "information", "learn", "skill", "literacy", "confus", "evidence base", "competen"],
    "physical_capability": ["tired", "exhaust", "worn out", "stamina", "fatigue", "burnout", "burn out", "energy",
                            "physical", "strength"],
    "physical_opportunity": ["fund", "money", "budget", "cost", "time", "staff", "workforce", "resource", "capacity",
                             "premises", "space", "recruit", "contract", "financ", "grant", "data", "infrastructure"],
    "social_opportunity": ["colleague", "peer", "culture", "cultural", "norm", "leader", "champion", "network",
                           "partner", "relationship", "stigma", "other areas", "collaborat", "politic", "public"],
    "reflective_motivation": ["believe", "belief", "priorit", "remit", "responsib", "value for money", "worth",
                              "intend", "intention", "goal", "plan", "convinc", "case for", "return on investment",
                              "saving", "role", "outcome", "commit"],
    "automatic_motivation": ["fear", "afraid", "anxi", "worr", "emotion", "feel", "habit", "instinct", "gut",
                             "passion", "excit", "nervous", "frustrat", "enthusias", "embarrass", "comfort"],
}
POLARITY_CUES = {
    "barrier": ["lack", "no", "not", "barrier", "difficult", "hard", "unable", "can't", "cannot", "don't", "doesn't",
                "without", "limited", "shortage", "insufficient", "too", "reluctan", "struggl", "problem", "gap",
                "prevent", "stop", "block", "hinder", "short-term", "withdraw", "cut", "poor", "never", "unclear",
                "risk", "fail"],
    "enabler": ["help", "enabl", "support", "facilitat", "improv", "increas", "success", "confident", "clear",
                "strong", "secured", "made it possible", "encourag", "benefit", "allow", "able to", "work well",
                "worked well", "champion", "invest"],
}


def _cue_count(text: str, cues: list[str]) -> int:
    low = " ".join(text.lower().replace("\u2019", "'").split())
    return sum(1 for c in cues if re.search(r"(?<![a-z])" + re.escape(c), low))


def keyword_predict(text: str) -> dict:
    """The keyword-lexicon baseline for one statement. The sub-component with the most cue words wins (ties go
    to the first in taxonomy order); no cue at all -> none/neutral. Polarity: more barrier cues -> barrier,
    more enabler cues -> enabler, otherwise (no cue or a tie) neutral."""
    from assistant.comb.taxonomy import SUBCOMPONENTS, component_of

    counts = {s: _cue_count(text, KEYWORD_CUES[s]) for s in SUBCOMPONENTS}
    best = max(SUBCOMPONENTS, key=lambda s: counts[s])
    if counts[best] == 0:
        return {"component": "none", "subcomponent": None, "polarity": "neutral"}
    b, e = _cue_count(text, POLARITY_CUES["barrier"]), _cue_count(text, POLARITY_CUES["enabler"])
    polarity = "barrier" if b > e else "enabler" if e > b else "neutral"
    return {"component": component_of(best), "subcomponent": best, "polarity": polarity}


# =====================================================================================================
# Running: answers and tags
# =====================================================================================================

def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _file_sha256(path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def corpus_hash(documents: list[dict]) -> str:
    """sha256 over the active index's documents: one "doc_id content_hash" line each, sorted by doc_id."""
    import hashlib

    lines = "".join(f"{d['doc_id']} {d['content_hash']}\n" for d in sorted(documents, key=lambda d: d["doc_id"]))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def run_info(settings, k: int | None, file=None, store=None) -> dict:
    """What produced an answers run: package, corpus, index version, model and retrieval settings, date."""
    from assistant import __version__
    from assistant.index import status

    info = status(settings, store)
    return {
        "kind": "answers",
        "package_version": __version__,
        "corpus_hash": corpus_hash(info["documents"]),
        "n_documents": len(info["documents"]),
        "n_passages": info["passages"],
        "index_version": info["active_version"],
        "index": info["index"],
        "model": info["model"],
        "retrieval": {"k": k or settings.k, "candidates": settings.candidates, "rrf_k": settings.rrf_k,
                      "abstain_threshold": settings.abstain_threshold},
        "mode": f"llm:{settings.llm}" if settings.llm else "extractive",
        "file": str(file) if file is not None else None,
        "file_sha256": _file_sha256(file) if file is not None else None,
        "date": _now(),
    }


def load_questions(path) -> list[dict]:
    items = [validate_question_item(obj, path, n) for n, obj in read_jsonl(path)]
    _no_duplicate_ids(items, path)
    return items


def load_tag_items(path) -> list[dict]:
    items = [validate_tag_item(obj, path, n) for n, obj in read_jsonl(path)]
    _no_duplicate_ids(items, path)
    return items


def _no_duplicate_ids(items: list[dict], path) -> None:
    seen = set()
    for it in items:
        if it["id"] in seen:
            raise EvalFileError(f"{path}: id {it['id']!r} appears more than once (ids must be unique to compare runs)")
        seen.add(it["id"])


def _bar(total: int, label: str, quiet: bool):
    import sys

    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, file=sys.stderr, leave=False)


def run_answers(items: list[dict], settings=None, k: int | None = None, assistant=None, file=None,
                quiet: bool = True) -> dict:
    """Ask every question and score it. Returns ``{"metrics", "items", "run"}``."""
    from assistant.api import EvidenceAssistant
    from assistant.config import Settings

    settings = settings or Settings.from_env()
    assistant = assistant or EvidenceAssistant.open(settings, quiet=quiet)
    bar = _bar(len(items), "asking", quiet)
    scored = []
    for item in items:
        try:
            answer = assistant.ask(item["question"], k=k).to_dict()
        except Exception as e:  # one broken question must not hide the others' results
            answer = {"answer": "", "abstained": False, "citations": [], "timings_ms": {"total": 0.0},
                      "error": f"{type(e).__name__}: {e}"}
        scored.append(score_answer(item, answer))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    run = run_info(settings, k, file, store=assistant.store)
    run["index_version"] = assistant.version
    return {"metrics": answer_metrics(scored), "items": scored, "run": run}


def _strip(pred: dict) -> dict:
    return {"component": pred["component"], "subcomponent": pred.get("subcomponent"),
            "polarity": "neutral" if pred["component"] == "none" else pred["polarity"]}


def run_tags(items: list[dict], embedder=None, tagger=None, file=None) -> dict:
    """The COM-B tagger and two baselines on labelled statements. Returns ``{"metrics", "items", "baselines", "run"}``."""
    from assistant import __version__
    from assistant.comb.tagger import require_tagger
    from assistant.embedding import get_embedder

    embedder = embedder or get_embedder()
    tagger = tagger or require_tagger(embedder)
    texts = [it["text"] for it in items]
    vectors = embedder.embed(texts)
    ours = [_strip(p) for p in tagger.predict(vectors, texts)]
    nearest = NearestDefinitionBaseline(embedder).predict(vectors)
    keyword = [keyword_predict(t) for t in texts]
    out_items = []
    for it, o, nd, kw in zip(items, ours, nearest, keyword):
        gold = {"component": it["component"], "subcomponent": it.get("subcomponent"), "polarity": gold_polarity(it)}
        out_items.append({
            "id": it["id"], "text": it["text"], "gold": gold, "pred": o,
            "component_correct": o["component"] == gold["component"],
            "polarity_correct": o["polarity"] == gold["polarity"],
            "subcomponent_correct": (o["subcomponent"] == gold["subcomponent"]) if gold["subcomponent"] else None,
            "baselines": {"nearest_definition": nd, "keyword": kw},
        })
    baselines = {
        "nearest_definition": {"description": NearestDefinitionBaseline.description, "metrics": tag_metrics(items, nearest)},
        "keyword": {"description": "hand-written cue words per sub-component and per polarity; none/neutral when no cue",
                    "metrics": tag_metrics(items, keyword)},
    }
    run = {"kind": "tags", "package_version": __version__, "model": getattr(embedder, "name", None),
           "tagger_version": getattr(tagger, "version", None), "file": str(file) if file is not None else None,
           "file_sha256": _file_sha256(file) if file is not None else None, "date": _now()}
    return {"metrics": tag_metrics(items, ours), "items": out_items, "baselines": baselines, "run": run}


# =====================================================================================================
# Comparing two runs
# =====================================================================================================

def results_kind(results: dict) -> str:
    kind = (results.get("run") or {}).get("kind")
    if kind in ("answers", "tags"):
        return kind
    items = results.get("items") or []
    if items and "gold" in items[0]:
        return "tags"
    return "answers"


def compare_results(a: dict, b: dict) -> dict:
    """Metric deltas (b - a) and the items that flipped between two results files of the same kind.

    Answers: an item flips when its fact recall went up or down, or when it abstained in one run and not the
    other. Tags: when its component went from right to wrong or back, or its polarity did.
    """
    ka, kb = results_kind(a), results_kind(b)
    if ka != kb:
        raise EvalFileError(f"cannot compare a {ka} run with a {kb} run")
    deltas = {}
    ma, mb = a.get("metrics") or {}, b.get("metrics") or {}
    for key in list(ma) + [k for k in mb if k not in ma]:
        va, vb = ma.get(key), mb.get(key)
        if isinstance(va, bool) or isinstance(vb, bool):
            continue
        if isinstance(va, (int, float)) or isinstance(vb, (int, float)):
            if not (va is None or isinstance(va, (int, float))) or not (vb is None or isinstance(vb, (int, float))):
                continue
            d = round(vb - va, 4) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
            deltas[key] = {"a": va, "b": vb, "delta": d}
    ia = {it["id"]: it for it in a.get("items") or []}
    ib = {it["id"]: it for it in b.get("items") or []}
    flipped = []
    for id_ in [i for i in ia if i in ib]:
        x, y = ia[id_], ib[id_]
        changes = []
        if ka == "answers":
            fa, fb = x.get("fact_recall"), y.get("fact_recall")
            if fa is not None and fb is not None and abs(fa - fb) > 1e-9:
                changes.append("fact recall up" if fb > fa else "fact recall down")
            if bool(x.get("abstained")) != bool(y.get("abstained")):
                changes.append("now abstains" if y.get("abstained") else "no longer abstains")
            if changes:
                flipped.append({"id": id_, "question": y.get("question"), "changes": changes,
                                "a": {"fact_recall": fa, "abstained": x.get("abstained"), "facts_missed": x.get("facts_missed")},
                                "b": {"fact_recall": fb, "abstained": y.get("abstained"), "facts_missed": y.get("facts_missed")},
                                "answerable": y.get("answerable")})
        else:
            if bool(x.get("component_correct")) != bool(y.get("component_correct")):
                changes.append("component wrong -> right" if y.get("component_correct") else "component right -> wrong")
            if bool(x.get("polarity_correct")) != bool(y.get("polarity_correct")):
                changes.append("polarity wrong -> right" if y.get("polarity_correct") else "polarity right -> wrong")
            if changes:
                flipped.append({"id": id_, "text": y.get("text"), "changes": changes, "gold": y.get("gold"),
                                "a": x.get("pred"), "b": y.get("pred")})
    return {"kind": ka, "metrics": deltas, "flipped": flipped,
            "only_in_a": [i for i in ia if i not in ib], "only_in_b": [i for i in ib if i not in ia],
            "run_a": a.get("run"), "run_b": b.get("run")}


def format_comparison(comp: dict) -> str:
    lines = [f"{'metric':<24} {'A':>10} {'B':>10} {'delta':>10}"]
    for key, d in comp["metrics"].items():
        lines.append(f"{key:<24} {_fmt(d['a']):>10} {_fmt(d['b']):>10} {_fmt(d['delta'], signed=True):>10}")
    if comp["flipped"]:
        lines.append(f"\n{len(comp['flipped'])} item(s) flipped:")
        for f in comp["flipped"]:
            what = f.get("question") or f.get("text") or ""
            lines.append(f"  {f['id']}: {', '.join(f['changes'])} - {what[:90]}")
            if comp["kind"] == "answers" and f["b"].get("facts_missed"):
                lines.append(f"      now missing: {', '.join(f['b']['facts_missed'])}")
    else:
        lines.append("\nno item flipped")
    if comp["only_in_a"] or comp["only_in_b"]:
        lines.append(f"only in A: {', '.join(comp['only_in_a']) or '-'}; only in B: {', '.join(comp['only_in_b']) or '-'}")
    return "\n".join(lines)


def _fmt(v, signed: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:+.4g}" if signed else f"{v:.4g}"
    return f"{v:+d}" if signed else str(v)


# =====================================================================================================
# Text tables and reports (markdown, self-contained HTML with base64 PNG plots)
# =====================================================================================================

def _check(value, op, target) -> str:
    if value is None:
        return "n/a"
    return "ok" if (value >= target if op == ">=" else value <= target) else "MISS"


def metric_rows(metrics: dict, targets: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, value in metrics.items():
        if isinstance(value, (dict, list)):
            continue
        op, t = targets.get(key, (None, None))
        rows.append((key, _fmt(value), f"{op} {t:g}" if op else "", _check(value, op, t) if op else ""))
    return rows


def _table(rows, header=("metric", "value", "target", "")) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip()]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


def format_answers(results: dict) -> str:
    m = results["metrics"]
    run = results.get("run") or {}
    lines = [f"eval answers: {m['n_items']} questions ({m['n_answerable']} answerable, {m['n_unanswerable']} unanswerable); "
             f"index v{run.get('index_version')}, k={run.get('retrieval', {}).get('k')}, {run.get('mode', '')}", "",
             _table(metric_rows(m, ANSWER_TARGETS)), ""]
    misses = answer_misses(results["items"])
    if misses:
        lines.append(f"misses ({len(misses)}):")
        lines += [f"  {line}" for line in misses]
    else:
        lines.append("no misses")
    return "\n".join(lines)


def answer_misses(items: list[dict]) -> list[str]:
    out = []
    for it in items:
        if it.get("error"):
            out.append(f"{it['id']}: ERROR {it['error']} - {it['question']}")
        elif it["answerable"] and it["abstained"]:
            out.append(f"{it['id']}: abstained on an answerable question - {it['question']}")
        elif it["answerable"] and it["facts_missed"]:
            out.append(f"{it['id']}: missed {', '.join(repr(f) for f in it['facts_missed'])} - {it['question']}")
        elif not it["answerable"] and not it["abstained"]:
            out.append(f"{it['id']}: answered an unanswerable question ({it['n_citations']} citations) - {it['question']}")
    return out


def format_tags(results: dict) -> str:
    m = results["metrics"]
    names = ["accuracy", "macro_f1", "polarity_accuracy", "subcomponent_accuracy"]
    base = results.get("baselines") or {}
    header = ("metric", "ours", *base.keys(), "target", "")
    rows = []
    for key in names:
        op, t = TAG_TARGETS.get(key, (None, None))
        rows.append((key, _fmt(m.get(key)), *[_fmt(b["metrics"].get(key)) for b in base.values()],
                     f"{op} {t:g}" if op else "", _check(m.get(key), op, t) if op else ""))
    conf = m["confusion"]
    lines = [f"eval tags: {m['n_items']} statements ({m['n_with_subcomponent']} with a sub-component)", "", _table(rows, header), "",
             "confusion (rows gold, columns predicted):", _table(
                 [(lab, *[str(v) for v in row]) for lab, row in zip(conf["labels"], conf["matrix"])], ("", *conf["labels"])), "",
             _table([(lab, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"]))
                     for lab, s in m["per_class"].items()], ("class", "precision", "recall", "f1", "support"))]
    wrong = [it for it in results["items"] if not it["component_correct"] or not it["polarity_correct"]]
    if wrong:
        lines += ["", f"errors ({len(wrong)}):"]
        for it in wrong:
            g, p = it["gold"], it["pred"]
            lines.append(f"  {it['id']}: gold {g['component']}/{g['polarity']}, ours {p['component']}/{p['polarity']} - {it['text'][:90]}")
    return "\n".join(lines)


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def answer_plots(results: dict) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = results["items"]
    ans = [it for it in items if it["answerable"]]
    plots = {}
    fig, ax = plt.subplots(figsize=(max(6, 0.14 * len(ans) + 2), 3.6))
    vals = [it["fact_recall"] or 0.0 for it in ans]
    colors = ["#c0392b" if it["abstained"] else ("#2e86c1" if v >= 0.999 else "#e67e22") for it, v in zip(ans, vals)]
    ax.bar(range(len(ans)), vals, color=colors)
    zeros = [i for i, v in enumerate(vals) if v == 0]
    if zeros:  # a zero-height bar is invisible: mark it
        ax.scatter(zeros, [0.02] * len(zeros), marker="x", color=[colors[i] for i in zeros], zorder=3)
    ax.set_xticks(range(len(ans)))
    ax.set_xticklabels([it["id"] for it in ans], rotation=90, fontsize=6 if len(ans) > 30 else 8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("fact recall")
    ax.axhline(0.9, color="grey", linestyle="--", linewidth=0.8)
    ax.set_title("Fact recall per answerable question (red: abstained)")
    plots["fact_recall.png"] = _png(fig)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    lat = [it["latency_ms"] for it in items]
    ax.hist(lat, bins=min(30, max(5, len(lat) // 3)), color="#5d6d7e")
    for q, style in ((50, "--"), (95, ":")):
        v = percentile(lat, q)
        if v is not None:
            ax.axvline(v, color="black", linestyle=style, linewidth=1, label=f"p{q} {v:.0f} ms")
    ax.set_xlabel("latency (ms, timings_ms.total)")
    ax.set_ylabel("questions")
    ax.legend()
    ax.set_title("Answer latency")
    plots["latency.png"] = _png(fig)
    return plots


def tag_plots(results: dict) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = results["metrics"]["confusion"]
    labels, m = conf["labels"], conf["matrix"]
    fig, ax = plt.subplots(figsize=(5, 4.3))
    im = ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max(max(r) for r in m) if m else 0
    for i, row in enumerate(m):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title("COM-B component: confusion matrix")
    return {"confusion.png": _png(fig)}


def _md_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(header, rows) -> str:
    import html

    h = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def write_report(results: dict, out_dir) -> dict:
    """results.json, report.md (with the plots as PNG files beside it) and a self-contained report.html."""
    import base64
    import html

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AssistantError(f"cannot create the report folder {out}: {e.strerror}") from None
    kind = results_kind(results)
    m = results["metrics"]
    run = results.get("run") or {}
    if kind == "answers":
        title = "Answer quality"
        plots = answer_plots(results)
        header = ("metric", "value", "target", "")
        rows = metric_rows(m, ANSWER_TARGETS)
        detail_header = ("id", "answerable", "abstained", "fact recall", "missed", "citations", "latency ms")
        detail = [(it["id"], it["answerable"], it["abstained"], _fmt(it["fact_recall"]), ", ".join(it["facts_missed"]),
                   it["n_citations"], f"{it['latency_ms']:.1f}") for it in results["items"]]
        notes = answer_misses(results["items"])
    else:
        title = "COM-B tagging"
        plots = tag_plots(results)
        base = results.get("baselines") or {}
        header = ("metric", "ours", *base.keys(), "target", "")
        rows = []
        for key in ["accuracy", "macro_f1", "polarity_accuracy", "subcomponent_accuracy"]:
            op, t = TAG_TARGETS.get(key, (None, None))
            rows.append((key, _fmt(m.get(key)), *[_fmt(b["metrics"].get(key)) for b in base.values()],
                         f"{op} {t:g}" if op else "", _check(m.get(key), op, t) if op else ""))
        detail_header = ("class", "precision", "recall", "f1", "support")
        detail = [(lab, s["precision"], s["recall"], s["f1"], s["support"]) for lab, s in m["per_class"].items()]
        notes = [f"{it['id']}: gold {it['gold']['component']}/{it['gold']['polarity']}, ours "
                 f"{it['pred']['component']}/{it['pred']['polarity']} - {it['text']}"
                 for it in results["items"] if not it["component_correct"] or not it["polarity_correct"]]
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
    for name, data in plots.items():
        (out / name).write_bytes(data)
    run_rows = [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in run.items()]
    md = [f"# {title}", "", _md_table(header, rows), ""]
    md += [f"![{name}]({name})" for name in plots] + [""]
    md += ["## Run", "", _md_table(("field", "value"), run_rows), "", "## Items" if kind == "answers" else "## Per class", "",
           _md_table(detail_header, detail), "", "## Misses" if kind == "answers" else "## Errors", ""]
    md += [f"- {n}" for n in notes] or ["none"]
    (out / "report.md").write_text("\n".join(md) + "\n", "utf-8")
    imgs = "".join(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(data).decode()}"></figure>'
                   for name, data in plots.items())
    notes_html = "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>" if notes else "<p>none</p>"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;margin:1em 0;font-size:14px}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
th{{background:#f3f3f3}}img{{max-width:100%}}figure{{margin:1em 0}}</style></head>
<body><h1>{html.escape(title)}</h1>
{_html_table(header, rows)}
{imgs}
<h2>{"Misses" if kind == "answers" else "Errors"}</h2>{notes_html}
<h2>{"Items" if kind == "answers" else "Per class"}</h2>{_html_table(detail_header, detail)}
<h2>Run</h2>{_html_table(("field", "value"), run_rows)}
</body></html>
"""
    (out / "report.html").write_text(page, "utf-8")
    return {"results": str(out / "results.json"), "markdown": str(out / "report.md"), "html": str(out / "report.html")}


# =====================================================================================================
# Command-line entry points (called by assistant/cli.py)
# =====================================================================================================

def _fail(message: str, code: int = 2):
    import typer

    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _emit(results: dict, as_json: bool, text: str) -> None:
    import sys

    if as_json:
        sys.stdout.write(json.dumps(results, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text + "\n")


def run_answers_cli(file, as_json: bool, report_dir, k: int | None) -> dict:
    from assistant.config import Settings

    if k is not None and not 1 <= k <= 20:
        _fail("--k must be between 1 and 20")
    try:
        items = load_questions(file)
        results = run_answers(items, Settings.from_env(), k=k, file=file, quiet=as_json)
        written = write_report(results, report_dir) if report_dir else None
    except AssistantError as e:
        _fail(str(e))
    _emit(results, as_json, format_answers(results) + (f"\n\nreport: {written['html']}" if written else ""))
    return results


def run_tags_cli(file, as_json: bool, report_dir) -> dict:
    try:
        items = load_tag_items(file)
        results = run_tags(items, file=file)
        written = write_report(results, report_dir) if report_dir else None
    except AssistantError as e:
        _fail(str(e))
    _emit(results, as_json, format_tags(results) + (f"\n\nreport: {written['html']}" if written else ""))
    return results


def load_results(path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read ({e})") from None
    except json.JSONDecodeError as e:
        raise EvalFileError(f"{path}, line {e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or not isinstance(data.get("items"), list):
        raise EvalFileError(f"{path}: not an eval results file (expected an object with 'metrics' and 'items', "
                            "as written by `eval answers --json` or --report)")
    for i, it in enumerate(data["items"]):
        if not isinstance(it, dict) or "id" not in it:
            raise EvalFileError(f"{path}: item {i + 1} has no 'id'")
    return data


def compare_cli(a, b, as_json: bool) -> dict:
    try:
        comp = compare_results(load_results(a), load_results(b))
    except AssistantError as e:
        _fail(str(e))
    _emit(comp, as_json, f"A: {a}\nB: {b}\n\n" + format_comparison(comp))
    return comp


def find_questions_file(settings=None) -> Path | None:
    """evals/questions.jsonl in the working folder, else beside the corpus, else beside the package."""
    candidates = [Path("evals/questions.jsonl")]
    if settings is not None:
        candidates.append(Path(settings.corpus).resolve().parent / "evals" / "questions.jsonl")
    candidates.append(Path(__file__).resolve().parent.parent / "evals" / "questions.jsonl")
    return next((p for p in candidates if p.is_file()), None)


def eval_after_index(settings, quiet: bool = False, questions=None, assistant=None) -> dict | None:
    """After `index --eval`: run the answers eval, save it under <home>/evals/<timestamp>.json, and print
    how it compares with the previous saved run (to stderr when ``quiet``, so --json output stays clean)."""
    import sys
    from datetime import datetime, timezone

    stream = sys.stderr if quiet else sys.stdout
    path = Path(questions) if questions else find_questions_file(settings)
    if path is None:
        print("eval: no evals/questions.jsonl found; nothing to evaluate", file=stream)
        return None
    try:
        items = load_questions(path)
        results = run_answers(items, settings, file=path, assistant=assistant)
    except AssistantError as e:
        print(f"error: eval after indexing failed: {e}", file=sys.stderr)
        return None
    out_dir = Path(settings.home) / "evals"
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = sorted(out_dir.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"{stamp}.json"
    n = 1
    while target.exists():
        target = out_dir / f"{stamp}-{n}.json"
        n += 1
    target.write_text(json.dumps(results, ensure_ascii=False) + "\n", "utf-8")
    m = results["metrics"]
    print(f"eval: {path} -> {target}\n" + _table(metric_rows(m, ANSWER_TARGETS)), file=stream)
    comparison = None
    prev = None
    for p in reversed(previous):
        try:
            prev = load_results(p)
            break
        except EvalFileError:
            continue
    if prev is not None:
        comparison = compare_results(prev, results)
        print(f"\ncompared with the previous run {p.name}:\n" + format_comparison(comparison), file=stream)
    else:
        print("\n(first saved run: nothing to compare with yet)", file=stream)
    return {"results": results, "path": str(target), "comparison": comparison}
