"""bench: the parts that need no full run (formatting, guards, baseline scoring) and the load mode against a
tiny real Gradio app with an /ask endpoint. The full `bench --baseline` takes minutes and is run by hand."""

from __future__ import annotations

import pytest

from assistant.bench.load import _loopback, run_load
from assistant.bench.speed import format_bench
from assistant.errors import AssistantError
from assistant.evaluation.baselines import score_retrieved
from tests.support import free_port


def fake_bench(rss=700.0, baseline=True) -> dict:
    r = {
        "machine": {"cpus": 2, "load_average_start": [0.1, 0.1, 0.1], "load_average_end": [0.2, 0.1, 0.1]},
        "questions_file": "evals/questions.jsonl",
        "embedding": {"passages": 300, "seconds": 3.0, "passages_per_s": 100.0},
        "indexing": {"passages": 300, "seconds": 3.5, "passages_per_s": 85.7, "embed_phase_passages": 300,
                     "embed_phase_seconds": 3.2, "embed_phase_passages_per_s": 93.8, "ratio_to_raw": 0.857,
                     "embed_phase_ratio_to_raw": 0.938, "failed": 0, "ok": True},
        "noop_reindex": {"subprocess_seconds": 0.4, "in_process_seconds": 0.01, "changed": False, "ok": True},
        "ask": {"questions": 10, "p50_ms": 40.0, "p95_ms": 300.0, "max_ms": 400.0, "p50_ok": True, "p95_ok": False},
        "cold_start": {"seconds": 9.1, "ok": True},
        "serve_memory": {"rss_mb": rss, "ok": rss is not None and rss <= 1536, **({} if rss else {"reason": "no ui"})},
    }
    if baseline:
        r["baseline"] = {"questions": 10, "facts": 20, "documents": 30, "nodes": 60, "build_seconds": 5.0,
                         "ours": {"fact_recall": 0.9, "missed_facts": 2, "latency_ms_p50": 40.0, "latency_ms_p95": 90.0},
                         "baseline_top2": {"fact_recall": 0.5, "missed_facts": 10, "latency_ms_p50": 10.0, "latency_ms_p95": 20.0},
                         "baseline_top5": {"fact_recall": 0.7, "missed_facts": 6, "latency_ms_p50": 11.0, "latency_ms_p95": 22.0},
                         "ratios": {"fact_recall_ours_over_top2": 1.8, "fact_recall_ours_over_top5": 1.286,
                                    "missed_facts_ours_over_top5": 0.333, "latency_p50_ours_over_top5": 3.6},
                         "target": {"rule": "...", "ok": True}}
    return r


def test_format_bench_shows_targets_and_misses():
    text = format_bench(fake_bench())
    assert "warm ask p95" in text and "300 ms" in text and "MISS" in text
    assert "<= 100 ms" in text and ">= 0.8" in text and "<= 3 s" in text and "<= 1536 MB" in text
    assert "baseline top-5" in text and "(target <= 0.5: ok)" in text
    text = format_bench(fake_bench(rss=None, baseline=False))
    assert "n/a (no ui)" in text and "baseline" not in text


def test_score_retrieved():
    item = {"facts": [["42%"], ["under two", "under-2"], ["nowhere"]]}
    s = score_retrieved(item, ["42% of areas", "babies Under  two"])
    assert s["fact_recall"] == pytest.approx(2 / 3) and s["facts_missed"] == ["nowhere"]


def test_load_is_loopback_only_and_bounded():
    assert _loopback("http://127.0.0.1:7860") and _loopback("http://localhost:1") and _loopback("http://[::1]:80/")
    assert not _loopback("http://example.org:7860") and not _loopback("http://10.0.0.5:7860")
    with pytest.raises(AssistantError, match="loopback"):
        run_load("http://example.org:7860", 2, 1, ["q"])
    with pytest.raises(AssistantError, match="between 1 and"):
        run_load("http://127.0.0.1:9", 0, 1, ["q"])
    with pytest.raises(AssistantError, match="no app answers"):
        run_load(f"http://127.0.0.1:{free_port()}", 1, 1, ["q"])


def test_serve_turns_off_the_queue_analytics_nobody_reads(monkeypatch):
    """Gradio's queue would rebuild a pandas summary of its last 10,000 events after every answer."""
    import gradio as gr

    from assistant.app.web.server import QUEUE_ANALYTICS_ENV, quiet_queue_analytics

    for name in QUEUE_ANALYTICS_ENV:
        monkeypatch.delenv(name, raising=False)
    quiet_queue_analytics()
    with gr.Blocks() as demo:
        gr.Markdown("x")
    demo.queue()
    assert demo._queue.ANALYTICS_MAX_EVENTS == 100 and demo._queue.ANAYLTICS_CACHE_FREQUENCY >= 10**9  # sic
    monkeypatch.setenv("GRADIO_ANALYTICS_MAX_EVENTS", "7")  # an operator's own value wins
    quiet_queue_analytics()
    demo.queue()
    assert demo._queue.ANALYTICS_MAX_EVENTS == 7

