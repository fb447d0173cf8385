"""Scoring one answer against its question: facts found in the answer and its citations, abstention."""

from __future__ import annotations

import re

# Quality bars of DESIGN.md, printed beside the figures: (metric, comparison, target).
ANSWER_TARGETS = {
    "fact_recall": (">=", 0.90),
    "abstain_correct": (">=", 0.90),
    "false_abstain": ("<=", 0.05),
    "latency_ms_p50": ("<=", 100.0),
    "latency_ms_p95": ("<=", 250.0),
    "answer_point_recall": (">=", 0.75),
    "out_of_scope_handled": (">=", 0.90),
}


# COM-B targets per slice (DESIGN.md "Quality bars"): the study's own rows all right; passages item >= 0.80 and
# component >= 0.90, "none" right >= 90% of the time.
TAG_TARGETS = {
    "comb_study_rows": {"item_accuracy": (">=", 1.0), "component_accuracy": (">=", 1.0), "level_accuracy": (">=", 1.0)},
    "comb_passages": {"item_accuracy": (">=", 0.80), "component_accuracy": (">=", 0.90), "none_precision": (">=", 0.90)},
}
LINK_METRICS = ("item_accuracy", "component_accuracy", "component_accuracy_accepted", "level_accuracy", "relation_accuracy", "polarity_accuracy",
                "tagged_rate", "none_precision", "none_recall")
COMPONENT_METRICS = ("accuracy", "macro_f1", "polarity_accuracy")


def fold_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def fact_found(fact: list[str], haystack: str) -> bool:
    hay = fold_ws(haystack)
    return any(fold_ws(s) in hay for s in fact)


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
    points = item.get("points") or []
    points_found = [fact_label(p) for p in points if not abstained and fact_found(p, text)]
    flagged = abstained or answer.get("scope") in ("partial", "out")
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
        "point_recall": (len(points_found) / len(points)) if (item["answerable"] and points) else None,
        "points_missed": [fact_label(p) for p in points if fact_label(p) not in points_found],
        "flagged": flagged,
        "intent": item.get("intent"),
        "scope": item.get("scope"),
        "split": item.get("split"),
        "answer_scope": answer.get("scope"),
        "resolved_question": answer.get("standalone_question"),
        "latency_ms": float((answer.get("timings_ms") or {}).get("total", 0.0)),
        "n_citations": len(citations),
        "cited": [c.get("passage_id") for c in citations],
        "answer": text,
    }
    if item.get("expect_doc"):
        first = citations[0].get("doc_id") if citations else None
        rec["currency_correct"] = first == item["expect_doc"]
    if answer.get("error"):
        rec["error"] = answer["error"]
    return rec
