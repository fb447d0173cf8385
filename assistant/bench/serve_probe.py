"""Serving memory, measured in a fresh process: load what `serve` loads (the assistant and the chat app),
answer questions through the app's JSON handler, print one JSON line with the resident memory.

    python -m assistant.bench.serve_probe "question one" "question two"
"""

from __future__ import annotations

import json
import sys
import time


def main(questions: list[str]) -> dict:
    import psutil

    from assistant.api import EvidenceAssistant
    from assistant.app.web.handlers import ChatApp
    from assistant.app.web.layout import build_app
    from assistant.evaluation.metrics import percentile
    from assistant.settings import Settings

    t0 = time.perf_counter()
    settings = Settings.from_env()
    assistant = EvidenceAssistant.open(settings, build_if_missing=False)
    chat = ChatApp(assistant, settings)
    build_app(assistant, settings)
    startup = time.perf_counter() - t0
    rss_idle = psutil.Process().memory_info().rss
    lat = []
    for q in questions:
        t1 = time.perf_counter()
        chat.api_ask(q)
        lat.append((time.perf_counter() - t1) * 1000)
    rss = psutil.Process().memory_info().rss
    return {"rss_mb": round(rss / 2**20, 1), "rss_idle_mb": round(rss_idle / 2**20, 1),
            "startup_seconds": round(startup, 2), "questions_asked": len(lat),
            "ask_ms_p50": round(percentile(lat, 50), 1) if lat else None}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(sys.argv[1:])) + "\n")
