"""Running evaluations: ask every question or tag every statement, score, and record what produced the run."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import AssistantError, EvalFileError
from assistant.evaluation.datasets import find_questions_file, load_questions
from assistant.evaluation.metrics import answer_metrics, answer_metrics_by_split, tag_metrics
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
    """Ask every question and score it. A question with ``follow_up_of`` is asked with that question and its
    answer as the chat history. Returns ``{"metrics", "metrics_by_split", "items", "run"}``."""
    from assistant.api import EvidenceAssistant
    from assistant.settings import Settings

    settings = settings or Settings.from_env()
    assistant = assistant or EvidenceAssistant.open(settings, quiet=quiet)
    bar = _bar(len(items), "asking", quiet)
    scored, asked = [], {}
    for item in items:
        history = asked.get(item.get("follow_up_of") or "", [])
        try:
            answer = assistant.ask(item["question"], history=history, k=k).to_dict()
        except Exception as e:  # one broken question must not hide the others' results
            answer = {"answer": "", "abstained": False, "citations": [], "timings_ms": {"total": 0.0},
                      "error": f"{type(e).__name__}: {e}"}
        asked[item["id"]] = [{"role": "user", "content": item["question"],
                              "metadata": {"standalone": answer.get("standalone_question") or item["question"]}},
                             {"role": "assistant", "content": answer.get("answer", "")}]
        scored.append(score_answer(item, answer))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    run = run_info(settings, k, file, store=assistant.store)
    run["index_version"] = assistant.version
    return {"metrics": answer_metrics(scored), "metrics_by_split": answer_metrics_by_split(scored), "items": scored,
            "run": run}


def _document_contexts(corpus) -> dict:
    """doc_id -> the tagger's Context, from the corpus front matter (gold passages name their document)."""
    from assistant.comb.tagger import Context
    from assistant.errors import LoadError
    from assistant.ingest.loaders import discover, load_document

    out = {}
    for path in discover(Path(corpus)):
        try:
            meta = load_document(path).meta
        except LoadError:
            continue
        out[meta.doc_id] = Context(doc_type=meta.doc_type, design=meta.design)
    return out


def _split_metrics(items: list[dict], preds: list[dict], metric) -> dict:
    """The slice as a whole, and its development and held-out halves where it has them."""
    out = {"all": metric(items, preds)}
    for split in ("dev", "heldout"):
        idx = [i for i, it in enumerate(items) if it.get("split") == split]
        if idx:
            out[split] = metric([items[i] for i in idx], [preds[i] for i in idx])
    return out


def run_tags(slices: dict[str, list[dict]], embedder=None, tagger=None, files=None, corpus=None) -> dict:
    """The COM-B tagger on each slice (a file of labelled statements or passages), beside baselines in the
    same run. Slices labelled with catalogue items get link metrics (item, relation, level); older
    component-only sets get the component metrics. Returns ``{"slices": {...}, "run": {...}}``."""
    from dataclasses import replace

    from assistant import __version__
    from assistant.comb.tagger import Context, require_tagger
    from assistant.embedding import get_embedder
    from assistant.evaluation.metrics import item_correct, link_metrics
    from assistant.evaluation.tag_baselines import (nearest_item_predict, previous_tagger_predict, second_reader_path,
                                                    second_reader_predict, tag_prediction)
    from assistant.models import embed_text

    embedder = embedder or get_embedder()
    tagger = tagger or require_tagger(embedder)
    contexts_by_doc = _document_contexts(corpus) if corpus else {}
    out = {}
    for name, items in slices.items():
        texts = [it["text"] for it in items]
        # a passage is embedded as the index embeds it (title, heading, text); a statement as it stands
        vectors = embedder.embed([embed_text(it["title"], it["locator"], it["text"]) if it.get("passage_id") and it.get("title")
                                  else it["text"] for it in items])
        # ...and given the context the index gives it: its document's type and design, and its heading
        contexts = [replace(contexts_by_doc.get(it["passage_id"].split(":")[0]) or Context(doc_type=it.get("doc_type")),
                            heading=it.get("locator")) if it.get("passage_id") else None for it in items]
        ours = [tag_prediction(t) for t in tagger.tag_vectors(vectors, texts, contexts)]
        runs = {"ours": ours, "previous_tagger_0.1": previous_tagger_predict(tagger.classifier, embedder, vectors, texts)}
        linked = all("relation" in it for it in items)
        if linked:
            runs["nearest_item"] = nearest_item_predict(tagger, vectors)
            reader = next((second_reader_path(f) for f in files or [] if Path(f).name == name), None)
            if reader is not None and reader.exists():
                runs["second_reader"] = second_reader_predict(items, reader)
        else:
            runs["nearest_definition"] = NearestDefinitionBaseline(embedder).predict(vectors)
            runs["keyword"] = [keyword_predict(t) for t in texts]
        metric = link_metrics if linked else tag_metrics
        out[name] = {
            "kind": "links" if linked else "components",
            "metrics": {run: _split_metrics(items, preds, metric) for run, preds in runs.items()},
            "items": [{"id": it["id"], "text": it["text"], "split": it.get("split"),
                       "gold": {k: it.get(k) for k in ("item", "items_ok", "relation", "component", "level", "polarity")},
                       "pred": p, "component_correct": p["component"] == it["component"],
                       "item_correct": item_correct(it, p) if linked else None} for it, p in zip(items, ours)],
        }
    run = {"kind": "tags", "package_version": __version__, "model": getattr(embedder, "name", None),
           "tagger_version": getattr(tagger, "version", None), "files": [str(f) for f in files or []],
           "file_sha256": {str(f): _file_sha256(f) for f in files or []}, "date": _now()}
    return {"slices": out, "run": run}


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
