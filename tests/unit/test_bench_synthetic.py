"""The synthetic corpus of `bench --synthetic N`: exactly N passages, deterministic, every figure changed, no
shipped passage copied, and files that the real loader and chunker read back as N passages. The benchmark runs
themselves (1,000 to 50,000 passages) are measurements, not tests: README "Scale"."""

from __future__ import annotations

import re

import pytest

from assistant.bench.synthetic import (
    MAX_SECTION_WORDS,
    PASSAGES_PER_DOC,
    change_figures,
    summarise,
    synthetic_documents,
    write_synthetic_corpus,
)
from assistant.settings import Settings
from tests.support import write_md

SHIPPED = [
    "The 2023 otter survey counted 412 otters along the Tyne and its tributaries. Numbers have risen since the 1990s.",
    "Commissioners said short-term funding of 12 months stops recruitment. Teams need three-year budgets to plan.",
    "There are 47 specialised parent-infant relationship teams in the UK. Most were set up after 2018 with grants.",
    "The last manned lighthouse in England was automated in 1998. Keepers once worked four weeks on and off.",
    "Family hubs received £50 million in 2025 for perinatal mental health and infant feeding support services.",
]


def test_exactly_n_passages_in_documents_of_twenty_deterministically():
    docs = list(synthetic_documents(SHIPPED, 45))
    assert [len(sections) for _, _, sections in docs] == [PASSAGES_PER_DOC, PASSAGES_PER_DOC, 5]
    assert len({doc_id for doc_id, _, _ in docs}) == 3
    assert docs == list(synthetic_documents(SHIPPED, 45))  # the same seed, the same corpus
    assert docs != list(synthetic_documents(SHIPPED, 45, seed=16))


def test_passages_are_new_text_in_the_shipped_words_with_every_figure_changed():
    for _, meta, sections in synthetic_documents(SHIPPED, 200):
        assert meta["doc_type"] == "report" and meta["title"].startswith("Synthetic digest")
        for text in sections:
            assert text not in SHIPPED and len(text.split()) <= MAX_SECTION_WORDS
            words = set(text.lower().split())
            assert len(words & set(" ".join(SHIPPED).lower().split())) >= 4  # derived from the shipped text
    one = change_figures("In 2023 there were 412 otters and 47 teams.", __import__("random").Random(1))
    figures = re.findall(r"\d+", one)
    assert len(figures) == 3 and not set(figures) & {"2023", "412", "47"}
    assert 1995 <= int(figures[0]) <= 2030 and len(figures[1]) == 3 and len(figures[2]) == 2


def test_no_shipped_sentence_repeated_even_with_other_figures():
    """The chain could walk either shipped sentence whole (and change its figures, contradicting it): only the
    two new sentences it can make are kept."""
    shipped = ["Last year the team saw 12 babies at home every week.", "This spring the team saw 30 babies at the clinic every day."]
    masked = set()
    for _, _, sections in synthetic_documents(shipped * 2, 40):
        for text in sections:
            for sentence in re.split(r"(?<=\.) ", text):
                masked.add(re.sub(r"\d+", "#", sentence))
    assert masked == {"Last year the team saw # babies at the clinic every day.", "This spring the team saw # babies at home every week."}


def test_passages_are_as_long_as_the_shipped_ones():
    long = [" ".join(["Commissioners said funding for teams was short."] * k) for k in (12, 14, 16)]  # 84-112 words
    lengths = [len(t.split()) for _, _, sections in synthetic_documents(long, 60) for t in sections]
    assert 70 <= min(lengths) and max(lengths) <= MAX_SECTION_WORDS


def test_written_corpus_reads_back_as_n_more_passages(tmp_path):
    from assistant.bench.speed import corpus_passages

    shipped = tmp_path / "shipped"
    for i, text in enumerate(SHIPPED):
        write_md(shipped / "report", f"doc{i}", f"## Part\n{text}")
    assert write_synthetic_corpus(shipped, tmp_path / "corpus", 45) == 3
    passages = corpus_passages(Settings(corpus=tmp_path / "corpus"))
    synthetic = [p for p in passages if p.doc_id.startswith("synthetic-")]
    assert len(passages) == len(SHIPPED) + 45 and len(synthetic) == 45
    assert {p.meta.publisher for p in synthetic} == {"Synthetic Bench"}
    assert (shipped / "report" / "doc0.md").exists() and not (shipped / "synthetic").exists()  # the original untouched


def test_summary_has_the_contract_keys_and_judges_each_target():
    out = {"raw": {"passages_per_s": 100.0}, "index": {"passages_per_s": 79.0, "passages": 10362},
           "shipped_alone": {"fact_recall": 0.85}, "mixed": {"fact_recall": 0.83, "p50_ms": 40.0, "p95_ms": 151.0},
           "serve_memory": {"rss_mb": 900.0}}
    r = summarise(out)
    assert {k: r[k] for k in ("passages", "index_passages_per_s", "raw_passages_per_s", "ask_p50_ms", "ask_p95_ms",
                              "serve_rss_mb", "recall_drop")} == {
        "passages": 10362, "index_passages_per_s": 79.0, "raw_passages_per_s": 100.0, "ask_p50_ms": 40.0,
        "ask_p95_ms": 151.0, "serve_rss_mb": 900.0, "recall_drop": pytest.approx(0.02)}
    assert r["targets_met"] == {"ask_p95_ms": False, "serve_rss_mb": True, "recall_drop": True, "index_ratio": False}
