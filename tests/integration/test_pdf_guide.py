"""Issue 17, Found 6: page 5 of a new 100-page guide says how soon after the quarter monitoring returns are due,
and the assistant refused the question. Indexed with the real model, the passage is retrieved, cited and
located by its page and heading."""

from __future__ import annotations

import yaml

from assistant.bench import pdf_quality as bench
from assistant.settings import Settings

QUESTION = "How soon after the quarter must monitoring returns be submitted?"


def test_page_5_of_a_100_page_guide_answers_when_monitoring_returns_are_due(tmp_path, embedder):
    from assistant.api import EvidenceAssistant
    from assistant.ingest.pipeline import build_index

    folder = tmp_path / "corpus" / "guidance"
    folder.mkdir(parents=True)
    path = folder / "family-hubs-grant-guide-2026-27.pdf"
    bench.guide(path, bench.Facts())
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(
        {"title": "Family Hubs and Start for Life grant guide 2026 to 2027", "publisher": "Department for Education",
         "year": 2026, "url": "https://example.org/family-hubs-2026-27", "doc_type": "guidance"}))
    settings = Settings.from_env(home=tmp_path / "home", corpus=tmp_path / "corpus")
    report = build_index(settings, quiet=True, embedder=embedder, tagger=False)
    assert report.failed == [] and report.passages > 100

    assistant = EvidenceAssistant.open(settings, build_if_missing=False)
    hits = assistant.retriever.search(QUESTION, 5, None).hits
    top = [h.passage for h in hits]
    assert any(bench.MONITORING in p.text for p in top[:3]), [p.locator for p in top]
    held = next(p for p in top if bench.MONITORING in p.text)
    assert held.locator == "p. 5, Monitoring returns"
    assert bench.HEADER not in held.text and "Page 5 of 100" not in held.text

    answer = assistant.ask(QUESTION)
    assert not answer.abstained, answer.answer
    assert any(bench.MONITORING in c.text and c.locator == "p. 5, Monitoring returns" for c in answer.citations)
