"""`pair-assistant bench --synthetic N`: does the assistant still answer fast, in bounded memory and as well,
with N more passages beside the shipped corpus?

Under a temporary home (removed afterwards; the user's index and corpus are never touched):

1. the shipped corpus is copied and N synthetic passages are written beside it (:func:`synthetic_documents`:
   new sentences from a word chain over the shipped text, every figure changed, 20 passages a document), so
   the new passages speak about the same things in the same words without repeating a shipped sentence;
2. raw throughput: a sample of the passages (shipped and synthetic) through the embedding model alone, just
   before and just after step 3, so that the ratio compares the two under the same load (``speed.bracketed``);
3. indexing throughput: a full index of the whole corpus (the tagger trained first: that is a one-off);
4. fact recall and warm ``ask`` latency on the shipped questions, against this index and against an index of
   the shipped corpus alone: ``recall_drop`` is the fall in fact recall the synthetic passages cause;
5. the resident memory of a fresh process that loads what ``serve`` loads and answers 5 questions.

The last line of ``--json`` output holds ``passages``, ``index_passages_per_s``, ``raw_passages_per_s``,
``ask_p50_ms``, ``ask_p95_ms``, ``serve_rss_mb`` and ``recall_drop`` (README: "Scale").
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from assistant.bench.speed import bracketed, raw_sample, raw_throughput
from assistant.errors import AssistantError
from assistant.evaluation.metrics import percentile
from assistant.settings import Settings

TARGETS = {"ask_p95_ms": ("<=", 150.0), "serve_rss_mb": ("<=", 1500.0), "recall_drop": ("<=", 0.03),
           "index_ratio": (">=", 0.8)}
PASSAGES_PER_DOC = 20
MAX_SYNTHETIC = 200_000
MAX_SECTION_WORDS = 150  # under the chunker's 160 words a passage: one synthetic section is one passage
SEED = 15
_NUMBER = re.compile(r"\d+")


def change_figures(sentence: str, rng: random.Random) -> str:
    """Every run of digits replaced by a different one of the same length (a year stays a plausible year), so
    no synthetic passage carries a shipped figure, and no fact, by accident."""
    def swap(m: re.Match) -> str:
        old = m.group(0)
        if len(old) == 4 and old[:2] in ("19", "20"):
            choices = [y for y in range(1995, 2031) if str(y) != old]
            return str(rng.choice(choices))
        while True:
            new = str(rng.randint(10 ** (len(old) - 1) if len(old) > 1 else 0, 10 ** len(old) - 1))
            if new != old:
                return new
    return _NUMBER.sub(swap, sentence)


def _figures_masked(sentence: str) -> str:
    return _NUMBER.sub("#", sentence)


class WordChain:
    """A second-order word chain over the shipped passages' prose: new sentences in the corpus's own words and
    phrasing, on its topics, that no shipped passage contains. Sentences start where shipped ones start and
    end at a full stop (after 8 words) or at 40 words. On a corpus this small the chain often walks a whole
    shipped sentence (1 in 40 sentences did, as such or with other figures, which then contradict it): such a
    sentence is drawn again, so that no synthetic passage repeats a shipped sentence, even with its figures
    changed."""

    RETRIES = 50

    def __init__(self, texts: list[str]):
        from assistant.ingest.chunking import split_sentences

        self.next: dict[tuple[str, str], list[str]] = {}
        self.starts: list[tuple[str, str]] = []
        self.shipped: set[str] = set()
        for t in texts:
            for sent in split_sentences(" ".join(t.split())):
                self.shipped.add(_figures_masked(sent))
                words = sent.split()
                if len(words) < 6 or "|" in sent:
                    continue
                self.starts.append((words[0], words[1]))
                for a, b, c in zip(words, words[1:], words[2:]):
                    self.next.setdefault((a, b), []).append(c)

    def sentence(self, rng: random.Random) -> str:
        for _ in range(self.RETRIES):
            text = self._walk(rng)
            if _figures_masked(text) not in self.shipped:
                return text
        return text  # a corpus of a few sentences (tests) cannot give anything else

    def _walk(self, rng: random.Random) -> str:
        a, b = rng.choice(self.starts)
        words = [a, b]
        while len(words) < 40:
            options = self.next.get((a, b))
            if not options:
                break
            a, b = b, rng.choice(options)
            words.append(b)
            if len(words) >= 8 and b[-1] in ".?!":
                break
        text = " ".join(words)
        return text if text[-1] in ".?!" else text + "."


def synthetic_documents(texts: list[str], n: int, seed: int = SEED) -> Iterator[tuple[str, dict, list[str]]]:
    """N synthetic passages, as (doc_id, metadata, sections) with up to 20 sections a document: each section
    is sentences of the shipped corpus's word chain (:class:`WordChain`), every figure changed, as long as a
    shipped passage drawn at random (its word count), so that the synthetic passages are as long as the
    shipped ones. They were 3-5 sentences, a median of 91 words against the shipped 114 (65 BM25 terms against
    92). Longer, they hold more of a question's words, so this made the bench harder, not easier (10,000
    passages: dev facts held by a BM25 top-10 passage 0.825 -> 0.751; 0.956 with the shipped corpus alone)."""
    chain = WordChain(texts)
    if len(chain.starts) < 4:
        raise AssistantError("the shipped corpus has too few sentences to derive a synthetic corpus from")
    lengths = [len(t.split()) for t in texts if t.split()]
    rng = random.Random(seed)

    def section() -> str:
        target, words, sentences = min(rng.choice(lengths), MAX_SECTION_WORDS), 0, []
        while not sentences or words + 10 < target:  # stop within half a short sentence of the drawn length
            sentence = change_figures(chain.sentence(rng), rng)
            if sentences and words + len(sentence.split()) > MAX_SECTION_WORDS:
                break
            sentences.append(sentence)
            words += len(sentence.split())
        return " ".join(sentences)

    done = 0
    doc = 0
    while done < n:
        count = min(PASSAGES_PER_DOC, n - done)
        doc_id = f"synthetic-{doc:05d}"
        meta = {"title": f"Synthetic digest {doc:05d}", "publisher": "Synthetic Bench", "year": rng.randint(2012, 2025),
                "url": f"https://example.org/synthetic/{doc:05d}", "doc_type": "report", "licence": "CC BY 4.0",
                "source_note": "generated by pair-assistant bench --synthetic from the shipped corpus"}
        sections = [section() for _ in range(count)]
        yield doc_id, meta, sections
        done += count
        doc += 1


def write_synthetic_corpus(shipped: Path, target: Path, n: int, seed: int = SEED) -> int:
    """The shipped corpus copied to ``target``, and N synthetic passages as markdown under
    ``target/synthetic``. Returns the number of synthetic documents."""
    import yaml

    from assistant.bench.speed import corpus_passages

    shutil.copytree(shipped, target)
    texts = [p.text for p in corpus_passages(Settings(corpus=target))]
    folder = target / "synthetic"
    folder.mkdir()
    docs = 0
    for doc_id, meta, sections in synthetic_documents(texts, n, seed):
        body = "\n\n".join(f"## Part {i + 1}\n\n{text}" for i, text in enumerate(sections))
        (folder / f"{doc_id}.md").write_text(f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n\n{body}\n", "utf-8")
        docs += 1
    return docs


def answer_questions(assistant, questions: list[dict]) -> dict:
    """Ask every question once (after a warm-up): latency percentiles, fact recall (macro, as the eval), and
    the share of citations that come from synthetic documents."""
    from assistant.evaluation.scoring import score_answer

    for q in questions[:3]:
        assistant.ask(q["question"])
    lat, recalls, cited, synthetic = [], [], 0, 0
    for q in questions:
        answer = assistant.ask(q["question"])
        lat.append(answer.timings_ms["total"])
        if q.get("answerable") and q.get("facts"):
            recalls.append(score_answer(q, answer.to_dict())["fact_recall"] or 0.0)
        cited += len(answer.citations)
        synthetic += sum(c.doc_id.startswith("synthetic-") for c in answer.citations)
    return {"questions": len(lat), "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
            "fact_recall": round(sum(recalls) / len(recalls), 4) if recalls else None,
            "synthetic_citation_share": round(synthetic / cited, 4) if cited else 0.0}


def index_corpus(settings: Settings, embedder, tagger) -> dict:
    from assistant.ingest.pipeline import build_index

    rep = build_index(settings, full=True, quiet=True, embedder=embedder, tagger=tagger)
    if rep.failed:
        raise AssistantError(f"the bench corpus did not index cleanly: {len(rep.failed)} files failed, e.g. {rep.failed[0]}")
    return {"passages": rep.passages, "seconds": round(rep.seconds, 2),
            "passages_per_s": round(rep.passages / rep.seconds, 1) if rep.seconds else None}


def run_synthetic(settings: Settings, n: int, log) -> dict:
    from assistant.api import EvidenceAssistant
    from assistant.bench.speed import bench_questions, corpus_passages, machine_info, serving_memory
    from assistant.comb.tagger import load_tagger
    from assistant.embedding import get_embedder

    if not 1 <= n <= MAX_SYNTHETIC:
        raise AssistantError(f"--synthetic takes 1 to {MAX_SYNTHETIC} passages")
    questions, qsource = bench_questions(settings)
    tmp = Path(tempfile.mkdtemp(prefix="pair-bench-synthetic-"))
    out: dict = {"synthetic": n, "machine": machine_info(), "questions_file": qsource,
                 "targets": {k: f"{op} {t:g}" for k, (op, t) in TARGETS.items()}}
    try:
        log(f"writing {n} synthetic passages beside the shipped corpus under {tmp} ...")
        out["synthetic_documents"] = write_synthetic_corpus(Path(settings.corpus), tmp / "corpus", n)
        big = settings.model_copy(update={"home": tmp / "home", "corpus": tmp / "corpus", "chroma_host": None})
        alone = settings.model_copy(update={"home": tmp / "home-shipped", "chroma_host": None})
        embedder = get_embedder()
        tagger = load_tagger(embedder, settings.cache_dir)

        log("shipped corpus alone: index and questions ...")
        index_corpus(alone, embedder, tagger)
        out["shipped_alone"] = answer_questions(EvidenceAssistant.open(alone, build_if_missing=False), questions)
        log(f"  shipped alone: {out['shipped_alone']}")

        texts = [p.embed_text() for p in corpus_passages(big)]
        sample = raw_sample(texts)
        log(f"raw model throughput on {len(sample)} of {len(texts)} passages ...")
        del texts
        before = raw_throughput(embedder, sample)
        log(f"  raw model: {before}")
        log("full index of the shipped and synthetic passages ...")
        out["index"] = index_corpus(big, embedder, tagger)
        log(f"  index: {out['index']}")
        log("raw model throughput again, just after the index ...")
        out["raw"] = bracketed(before, raw_throughput(embedder, sample))
        log(f"  raw model: {out['raw']['after']}")
        log("questions against the index with synthetic passages ...")
        t0 = time.perf_counter()
        assistant = EvidenceAssistant.open(big, build_if_missing=False)
        out["open_seconds"] = round(time.perf_counter() - t0, 2)
        out["mixed"] = answer_questions(assistant, questions)
        log(f"  mixed: {out['mixed']} (opened in {out['open_seconds']} s)")
        del assistant
        log("serving memory (a fresh process) ...")
        out["serve_memory"] = serving_memory(tmp / "home", big, [q["question"] for q in questions])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summarise(out)


def summarise(out: dict) -> dict:
    """The headline keys (the last JSON line's contract) beside the details, and each target's verdict."""
    raw, ix = out["raw"]["passages_per_s"], out["index"]["passages_per_s"]
    before, after = out["shipped_alone"]["fact_recall"], out["mixed"]["fact_recall"]
    head = {"passages": out["index"]["passages"], "index_passages_per_s": ix, "raw_passages_per_s": raw,
            "ask_p50_ms": out["mixed"]["p50_ms"], "ask_p95_ms": out["mixed"]["p95_ms"],
            "serve_rss_mb": out["serve_memory"].get("rss_mb"),
            "recall_drop": round(before - after, 4) if before is not None and after is not None else None}
    ratio = round(ix / raw, 3) if ix and raw else None
    values = {"ask_p95_ms": head["ask_p95_ms"], "serve_rss_mb": head["serve_rss_mb"], "recall_drop": head["recall_drop"],
              "index_ratio": ratio}
    met = {k: (None if v is None else (v >= t if op == ">=" else v <= t)) for k, (op, t) in TARGETS.items()
           for v in [values[k]]}
    return {**out, "index_ratio": ratio, "targets_met": met, **head}


def _before_after(raw: dict) -> str:
    if "before" not in raw:
        return ""
    return f" ({raw['before']['passages_per_s']} before the index, {raw['after']['passages_per_s']} after)"


def format_synthetic(r: dict) -> str:
    def mark(key):
        ok = r["targets_met"].get(key)
        return "" if ok is None else ("ok" if ok else "MISSED")

    return "\n".join([
        f"bench --synthetic {r['synthetic']}: {r['passages']} passages indexed ({r['synthetic_documents']} synthetic "
        f"documents); {r['machine']['cpus']} CPUs, load average at start {r['machine'].get('load_average_start')}",
        f"  indexing   {r['index_passages_per_s']} passages/s ({r['index']['seconds']} s); raw model "
        f"{r['raw_passages_per_s']} passages/s on {r['raw']['passages']}{_before_after(r['raw'])}: ratio {r['index_ratio']} "
        f"(>= 0.8) {mark('index_ratio')}",
        f"  warm ask   p50 {r['ask_p50_ms']} ms, p95 {r['ask_p95_ms']} ms (<= 150) {mark('ask_p95_ms')}; shipped alone "
        f"p50 {r['shipped_alone']['p50_ms']}, p95 {r['shipped_alone']['p95_ms']} ms",
        f"  memory     serving process {r['serve_rss_mb']} MB (<= 1500) {mark('serve_rss_mb')}; the index opened in "
        f"{r['open_seconds']} s",
        f"  recall     fact recall {r['mixed']['fact_recall']} with, {r['shipped_alone']['fact_recall']} without: drop "
        f"{r['recall_drop']} (<= 0.03) {mark('recall_drop')}; {r['mixed']['synthetic_citation_share']:.1%} of "
        "citations from synthetic passages",
    ])
