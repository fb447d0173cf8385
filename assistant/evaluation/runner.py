"""Running evaluations: ask every question or tag every statement, score, and record what produced the run."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import AssistantError, EvalFileError
from assistant.evaluation.datasets import find_questions_file, load_questions
from assistant.evaluation.metrics import answer_metrics, gold_polarity, tag_metrics
from assistant.evaluation.reports import (
    _table,
    compare_results,
    format_comparison,
    load_results,
    metric_rows,
)
from assistant.evaluation.scoring import ANSWER_TARGETS, score_answer
from assistant.evaluation.tag_baselines import (
    NearestDefinitionBaseline,
    keyword_predict,
)


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
    from assistant.ingest.pipeline import status

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
    from assistant.settings import Settings

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
