"""`pair-assistant bench`: speed and memory on this machine, beside the targets of DESIGN.md.

Everything runs against a fresh index built into a temporary ASSISTANT_HOME (removed afterwards), so the
figures never depend on, or disturb, the user's own index:

- raw embedding throughput: every corpus passage's ``embed_text()`` through the Embedder, batch 64, after a
  warm-up; then the full index build of the same corpus (whole run, and the embed phase alone) as a share
  of it;
- warm ask latency (``timings_ms.total``) over evals/questions.jsonl after a warm-up;
- cold start: a fresh ``python -m assistant ask --json`` process, wall time until its answer is printed;
- no-op re-index: ``python -m assistant index --json`` when nothing changed (wall time), and in-process;
- serving memory: a fresh process loads what ``serve`` loads (the assistant and the chat app), asks 5
  questions through the app's JSON handler, and reports its resident memory (``assistant.bench.serve_probe``);
- with --baseline: the llama-index starter pipeline on the same answerable questions.

The machine's load average is recorded at the start and end: on a busy 2-core machine every latency here
grows, so read figures taken under load with that in mind.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.errors import AssistantError
from assistant.evaluation.datasets import (
    find_questions_file,
    load_questions,
    read_jsonl,
    validate_question_item,
)
from assistant.evaluation.metrics import percentile
from assistant.evaluation.scoring import score_answer
from assistant.settings import Settings

TARGETS = {
    "ask_p50_ms": ("<=", 100.0),
    "ask_p95_ms": ("<=", 250.0),
    "index_ratio": (">=", 0.80),
    "noop_reindex_s": ("<=", 3.0),
    "serve_rss_mb": ("<=", 1536.0),
}


WARMUP_ASKS = 3


SERVE_QUESTIONS = 5
RAW_SAMPLE = 600  # raw throughput does not depend on N: a sample keeps a 50,000-passage run to one index build


def _log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def _r(x, nd: int = 1):
    return None if x is None else round(float(x), nd)


def _ok(value, key: str):
    if value is None:
        return None
    op, target = TARGETS[key]
    return value >= target if op == ">=" else value <= target


def bench_questions(settings: Settings) -> tuple[list[dict], str]:
    """evals/questions.jsonl, or (while it does not exist) the drafts in evals/drafts/ merged."""
    path = find_questions_file(settings)
    if path is not None:
        return load_questions(path), str(path)
    drafts = sorted(Path("evals/drafts").glob("*.jsonl"))
    if not drafts:
        raise AssistantError("no evals/questions.jsonl (nor evals/drafts/*.jsonl) to time questions with")
    items = []
    for d in drafts:
        items.extend(validate_question_item(obj, d, n) for n, obj in read_jsonl(d))
    return items, ", ".join(str(d) for d in drafts)


def corpus_passages(settings: Settings) -> list:
    from assistant.errors import LoadError
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import discover, load_document

    passages = []
    for path in discover(settings.corpus):
        try:
            doc = load_document(path, settings.max_file_bytes)
        except LoadError:
            continue
        passages.extend(chunk_document(doc, settings.passage_words))
    return passages


def _child_env(home: Path, settings: Settings) -> dict:
    env = dict(os.environ)
    env["ASSISTANT_HOME"] = str(home)
    env["ASSISTANT_CORPUS"] = str(Path(settings.corpus).resolve())
    env.pop("ASSISTANT_CHROMA_HOST", None)  # the bench index is always the embedded one in the temp home
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    return env


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", *args]


def cold_start(home: Path, settings: Settings, question: str) -> dict:
    """A new process asks one question: wall time from spawn until the answer line is printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cmd("ask", "--json", question), env=_child_env(home, settings), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    wall = time.perf_counter() - t0
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    try:
        answer = json.loads(line)
        ok = "answer" in answer
    except json.JSONDecodeError:
        ok = False
    return {"seconds": _r(wall, 2), "ok": ok and proc.returncode == 0,
            **({} if ok else {"error": (err or line).strip()[-300:]})}


def noop_reindex_subprocess(home: Path, settings: Settings) -> dict:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(_cmd("index", "--json"), env=_child_env(home, settings), capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "ok": False, "error": "`index` did not finish within 600 s"}
    wall = time.perf_counter() - t0
    try:
        rep = json.loads(proc.stdout.strip().splitlines()[-1])
        changed = bool(rep["added"] or rep["updated"] or rep["removed"])
    except (json.JSONDecodeError, IndexError, KeyError):
        return {"seconds": _r(wall, 2), "ok": False, "error": (proc.stderr or proc.stdout).strip()[-300:]}
    return {"seconds": _r(wall, 2), "changed": changed, "reported_seconds": rep.get("seconds"), "ok": proc.returncode == 0}


def serving_memory(home: Path, settings: Settings, questions: list[str]) -> dict:
    """A fresh process loads what `serve` loads, answers questions through the app's JSON handler, reports RSS."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "assistant.bench.serve_probe", *questions[:SERVE_QUESTIONS]],
                              env=_child_env(home, settings), capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return {"rss_mb": None, "reason": "the serving probe did not finish within 600 s"}
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"rss_mb": None, "reason": (proc.stderr or proc.stdout).strip()[-300:]}
    out["wall_seconds"] = _r(time.perf_counter() - t0, 2)
    return out


def machine_info() -> dict:
    import platform

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average_start": [round(x, 2) for x in load] if load else None}


def raw_sample(texts: list[str], sample: int = RAW_SAMPLE, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    return texts if len(texts) <= sample else rng.sample(texts, sample)


def raw_throughput(embedder, texts: list[str], sample: int = RAW_SAMPLE, seed: int = 15) -> dict:
    """Passages a second through the model alone (batch 64, after a warm-up batch), on a random sample."""
    chosen = raw_sample(texts, sample, seed)
    embedder.embed(chosen[:64], batch_size=64)
    t0 = time.perf_counter()
    embedder.embed(chosen, batch_size=64)
    seconds = time.perf_counter() - t0
    return {"passages": len(chosen), "seconds": round(seconds, 2), "passages_per_s": round(len(chosen) / seconds, 1)}


def bracketed(before: dict, after: dict) -> dict:
    """The raw model's throughput over a measure taken just before the index and one just after it, so that
    the ratio compares the two under the same load: on this shared machine one raw measure, minutes before an
    index that then ran under other load, gave ratios from 0.32 to 1.26 (README "Scale")."""
    seconds = before["seconds"] + after["seconds"]
    passages = before["passages"] + after["passages"]
    return {"passages": before["passages"], "seconds": round(seconds / 2, 2),
            "passages_per_s": round(passages / seconds, 1) if seconds else None, "before": before, "after": after}


def run_bench(settings: Settings | None = None, baseline: bool = False, log=_log) -> dict:
    from assistant import __version__
    from assistant.api import EvidenceAssistant
    from assistant.comb.tagger import load_tagger
    from assistant.embedding import get_embedder
    from assistant.ingest.pipeline import build_index

    settings = settings or Settings.from_env()
    questions, qsource = bench_questions(settings)
    out: dict = {"package_version": __version__, "machine": machine_info(), "questions_file": qsource,
                 "targets": {k: f"{op} {t:g}" for k, (op, t) in TARGETS.items()}}
    tmp = Path(tempfile.mkdtemp(prefix="pair-bench-"))
    home = tmp / "home"
    bs = settings.model_copy(update={"home": home, "chroma_host": None})
    try:
        t0 = time.perf_counter()
        embedder = get_embedder()
        out["model_load_seconds"] = _r(time.perf_counter() - t0, 2)

        # 1. raw embedding throughput
        passages = corpus_passages(bs)
        texts = [p.embed_text() for p in passages]
        log(f"raw embedding: {len(texts)} passages, batch 64 ...")
        before = raw_throughput(embedder, texts, sample=len(texts))

        # 2. full index into the temp home (the tagger is loaded first: its one-off training is not indexing),
        # and the raw measure again just after it: the ratio compares the two under the same load
        tagger = load_tagger(embedder)
        log("full index into a temporary ASSISTANT_HOME ...")
        rep = build_index(bs, full=True, quiet=True, embedder=embedder, tagger=tagger)
        log("raw embedding again ...")
        out["embedding"] = bracketed(before, raw_throughput(embedder, texts, sample=len(texts)))
        raw = out["embedding"]["passages_per_s"]
        whole = rep.passages / rep.seconds if rep.seconds else None
        phase = rep.embedded / rep.embed_seconds if rep.embed_seconds else None
        ratio = whole / raw if whole and raw else None
        out["indexing"] = {
            "passages": rep.passages, "seconds": _r(rep.seconds, 2), "passages_per_s": _r(whole),
            "embed_phase_passages": rep.embedded, "embed_phase_seconds": _r(rep.embed_seconds, 2),
            "embed_phase_passages_per_s": _r(phase),
            "ratio_to_raw": _r(ratio, 3), "embed_phase_ratio_to_raw": _r(phase / raw if phase and raw else None, 3),
            "failed": len(rep.failed), "ok": _ok(ratio, "index_ratio"),
        }

        # 3. no-op re-index, in process and as a fresh command
        t0 = time.perf_counter()
        noop = build_index(bs, quiet=True, embedder=embedder)
        in_proc = time.perf_counter() - t0
        log("no-op re-index (subprocess) ...")
        sub = noop_reindex_subprocess(home, bs)
        out["noop_reindex"] = {"subprocess_seconds": sub.get("seconds"), "in_process_seconds": _r(in_proc, 3),
                               "changed": bool(noop.changed or sub.get("changed")), "ok": _ok(sub.get("seconds"), "noop_reindex_s")
                               if sub.get("ok") else False, **({"error": sub["error"]} if "error" in sub else {})}

        # 4. warm ask latency over the question set
        assistant = EvidenceAssistant.open(bs, build_if_missing=False)
        for q in questions[:WARMUP_ASKS]:
            assistant.ask(q["question"])
        log(f"warm ask: {len(questions)} questions ...")
        lat = [assistant.ask(q["question"]).timings_ms["total"] for q in questions]
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        out["ask"] = {"questions": len(lat), "p50_ms": _r(p50), "p95_ms": _r(p95), "max_ms": _r(max(lat) if lat else None),
                      "p50_ok": _ok(p50, "ask_p50_ms"), "p95_ok": _ok(p95, "ask_p95_ms"),
                      "load_average_1m_after": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}

        # 5. cold start
        log("cold start (subprocess ask) ...")
        out["cold_start"] = cold_start(home, bs, questions[0]["question"])

        # 6. serving memory
        log("serving memory (subprocess serve) ...")
        try:
            out["serve_memory"] = serving_memory(home, bs, [q["question"] for q in questions])
        except Exception as e:  # a measurement that failed is reported, not fatal to the others
            out["serve_memory"] = {"rss_mb": None, "reason": f"{type(e).__name__}: {e}"}
        out["serve_memory"]["ok"] = _ok(out["serve_memory"].get("rss_mb"), "serve_rss_mb")

        # 7. the plain llama-index pipeline beside ours
        if baseline:
            from assistant.evaluation.baselines import compare_with_baseline

            out["baseline"] = compare_with_baseline(
                questions, lambda q: score_answer(q, assistant.ask(q["question"]).to_dict()), Path(bs.corpus), log=log)
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        out["machine"]["load_average_end"] = [round(x, 2) for x in load] if load else None
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _v(x, unit: str = "") -> str:
    if x is None:
        return "n/a"
    return f"{x:g}{unit}"


def _mark(ok) -> str:
    return "" if ok is None else ("ok" if ok else "MISS")


def format_bench(r: dict) -> str:
    rows = []
    e, ix = r["embedding"], r["indexing"]
    rows.append(("raw embedding throughput", f"{_v(e['passages_per_s'])} passages/s ({e['passages']} in {_v(e['seconds'])} s)"
                 + (f"; {e['before']['passages_per_s']} before the index, {e['after']['passages_per_s']} after" if "before" in e else ""),
                 "", ""))
    rows.append(("full index throughput", f"{_v(ix['passages_per_s'])} passages/s ({ix['passages']} in {_v(ix['seconds'])} s)", "", ""))
    rows.append(("  index / raw", _v(ix["ratio_to_raw"]), ">= 0.8", _mark(ix["ok"])))
    rows.append(("  embed phase", f"{_v(ix['embed_phase_passages_per_s'])} passages/s, {_v(ix['embed_phase_ratio_to_raw'])} of raw", "", ""))
    a = r["ask"]
    rows.append(("warm ask p50", _v(a["p50_ms"], " ms"), "<= 100 ms", _mark(a["p50_ok"])))
    rows.append(("warm ask p95", _v(a["p95_ms"], " ms"), "<= 250 ms", _mark(a["p95_ok"])))
    c = r["cold_start"]
    rows.append(("cold start (ask process)", _v(c["seconds"], " s") + ("" if c["ok"] else f" FAILED: {c.get('error', '')[:60]}"), "", ""))
    n = r["noop_reindex"]
    rows.append(("no-op re-index (process)", _v(n["subprocess_seconds"], " s"), "<= 3 s", _mark(n["ok"])))
    rows.append(("no-op re-index (in process)", _v(n["in_process_seconds"], " s"), "", ""))
    s = r["serve_memory"]
    rows.append(("serving RSS (with children)", _v(s.get("rss_mb"), " MB") if s.get("rss_mb") is not None
                 else f"n/a ({s.get('reason')})", "<= 1536 MB", _mark(s.get("ok"))))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    m = r["machine"]
    lines = [f"bench ({m['cpus']} CPUs, load average at start {m.get('load_average_start')}, "
             f"end {m.get('load_average_end')}); questions: {r['questions_file']}", ""]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    b = r.get("baseline")
    if b:
        lines += ["", f"beside a plain llama-index pipeline ({b['questions']} answerable questions, {b['facts']} facts; "
                      f"baseline index: {b['documents']} documents, {b['nodes']} nodes, built in {b['build_seconds']} s):"]
        hdr = ("", "fact recall", "missed facts", "p50 ms", "p95 ms")
        brow = [(name, _v(d["fact_recall"]), str(d["missed_facts"]), _v(d["latency_ms_p50"]), _v(d["latency_ms_p95"]))
                for name, d in (("ours (k=5)", b["ours"]), ("baseline top-2", b["baseline_top2"]), ("baseline top-5", b["baseline_top5"]))]
        w = [max(len(x[i]) for x in [hdr] + brow) for i in range(5)]
        lines += ["  " + "  ".join(c.ljust(x) for c, x in zip(row, w)).rstrip() for row in [hdr] + brow]
        rt = b["ratios"]
        lines.append(f"  ratios: fact recall ours/top-2 {_v(rt['fact_recall_ours_over_top2'])}, ours/top-5 "
                     f"{_v(rt['fact_recall_ours_over_top5'])}; missed facts ours/top-5 {_v(rt['missed_facts_ours_over_top5'])} "
                     f"(target <= 0.5: {_mark(b['target']['ok'])}); p50 latency ours/top-5 {_v(rt['latency_p50_ours_over_top5'])}")
    return "\n".join(lines)
