"""Metrics over scored items: recall, abstention, latency percentiles; tag accuracy, F1, confusion (scikit-learn)."""

from __future__ import annotations

from assistant.evaluation.datasets import COMPONENT_VALUES


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
    - answer_point_recall: the mean share of each answerable question's ``points`` (what an ideal answer's
      text holds) found in the answer text alone, never in citations.
    - abstain_correct: share of unanswerable questions handled rightly: refused, or, for a local or operational
      question (gold intent "local"), answered from the nearest national evidence with the answer marked
      scope "out" (None when there are none).
    - false_abstain: share of answerable questions that abstained (None when there are none).
    - out_of_scope_handled: share of questions labelled scope "out" that were refused or flagged (the answer
      says what the evidence does not cover).
    - currency: share of questions with ``expect_doc`` whose first citation is that document.
    - citations_per_answer: mean number of citations over the answers that did not abstain.
    - latency_ms_p50 / latency_ms_p95: percentiles of ``timings_ms["total"]`` over all questions.
    """
    answerable = [it for it in items if it["answerable"]]
    unanswerable = [it for it in items if not it["answerable"]]
    answered = [it for it in items if not it["abstained"]]
    with_points = [it for it in answerable if it.get("point_recall") is not None]
    out_scope = [it for it in items if it.get("scope") == "out"]
    current = [it for it in items if "currency_correct" in it]
    lat = [it["latency_ms"] for it in items]
    return {
        "fact_recall": _r(_mean(it["fact_recall"] or 0.0 for it in answerable)),
        "answer_fact_recall": _r(_mean(it["answer_fact_recall"] or 0.0 for it in answerable)),
        "answer_point_recall": _r(_mean(it["point_recall"] for it in with_points)),
        "abstain_correct": _r(_mean(1.0 if handled_out_of_scope(it) else 0.0 for it in unanswerable)),
        "false_abstain": _r(_mean(1.0 if it["abstained"] else 0.0 for it in answerable)),
        "out_of_scope_handled": _r(_mean(1.0 if handled_out_of_scope(it) else 0.0 for it in out_scope)),
        "currency": _r(_mean(1.0 if it["currency_correct"] else 0.0 for it in current)),
        "citations_per_answer": _r(_mean(it["n_citations"] for it in answered), 3),
        "latency_ms_p50": _r(percentile(lat, 50), 1),
        "latency_ms_p95": _r(percentile(lat, 95), 1),
        "n_items": len(items),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }


def handled_out_of_scope(it: dict) -> bool:
    """Refused; or, for a local or operational question, answered from the nearest national evidence with the
    answer itself marked out of scope (a "partial" answer to an off-topic question is not handling it)."""
    return bool(it["abstained"]) or (it.get("intent") == "local" and it.get("answer_scope") == "out")


def answer_metrics_by_split(items: list[dict]) -> dict:
    """The metrics on the development and held-out halves apart (items labelled with ``split``)."""
    return {split: answer_metrics(sub) for split in ("dev", "heldout")
            if (sub := [it for it in items if it.get("split") == split])}


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


def link_metrics(gold_items: list[dict], preds: list[dict]) -> dict:
    """Catalogue-link metrics (items labelled with item, relation and level).

    - item_accuracy: the predicted item is the gold item or one of its ``items_ok``; for a gold "none",
      the prediction must have no item.
    - component / level / relation / polarity accuracy: exact match with the gold label (the gold label
      describes the primary gold item only).
    - component_accuracy_accepted: a separate, more lenient figure beside the strict one. Where the predicted
      item is accepted (one of ``items_ok``, e.g. another row of a table passage), its component is judged
      against that item's catalogue component instead of the primary gold item's; otherwise as the strict one.
    - tagged_rate: share of items given a link; none_precision: of the predicted "none", the share that are
      gold "none" (a "none" must be right); none_recall: of the gold "none", the share predicted "none".
    """
    n = len(gold_items)
    if n != len(preds):
        raise ValueError("gold and predictions differ in length")

    pred_none = [g for g, p in zip(gold_items, preds) if p.get("item") is None]
    gold_none = [(g, p) for g, p in zip(gold_items, preds) if g["relation"] == "none"]
    return {
        "item_accuracy": _r(sum(item_correct(g, p) for g, p in zip(gold_items, preds)) / n if n else None),
        "component_accuracy": _r(_mean(1.0 if g["component"] == p["component"] else 0.0 for g, p in zip(gold_items, preds))),
        "component_accuracy_accepted": _r(_mean(1.0 if p["component"] == accepted_component(g, p) else 0.0
                                                for g, p in zip(gold_items, preds))),
        "level_accuracy": _r(_mean(1.0 if g.get("level") == p.get("level") else 0.0 for g, p in zip(gold_items, preds))),
        "relation_accuracy": _r(_mean(1.0 if g["relation"] == p.get("relation") else 0.0 for g, p in zip(gold_items, preds))),
        "polarity_accuracy": _r(_mean(1.0 if g["polarity"] == p["polarity"] else 0.0 for g, p in zip(gold_items, preds))),
        "tagged_rate": _r(1 - len(pred_none) / n if n else None),
        "none_precision": _r(_mean(1.0 if g["relation"] == "none" else 0.0 for g in pred_none)),
        "none_recall": _r(_mean(1.0 if p.get("item") is None else 0.0 for g, p in gold_none)),
        "n_items": n,
    }


def accepted_component(gold: dict, pred: dict) -> str:
    """The component a prediction is judged against by ``component_accuracy_accepted``: the catalogue component
    of the predicted item when that item is one of the gold ``items_ok`` (not the primary), else the gold one."""
    from assistant.comb.catalogue import by_id

    item = pred.get("item")
    if gold["relation"] != "none" and item != gold["item"] and item in gold.get("items_ok", []) and item in by_id():
        return by_id()[item].tag_component
    return gold["component"]


def item_correct(gold: dict, pred: dict) -> bool:
    """The predicted item is the gold one or one of its ``items_ok``; a gold "none" needs no item."""
    if gold["relation"] == "none":
        return pred.get("item") is None
    return pred.get("item") == gold["item"] or pred.get("item") in gold.get("items_ok", [])
