"""The pipeline a user would otherwise build from the llama-index starter docs, for `bench --baseline`.

    SimpleDirectoryReader(the corpus files the assistant indexes) -> VectorStoreIndex.from_documents (default splitter,
    in-memory vector store) -> index.as_retriever(similarity_top_k=2 or 5)

with the same packaged embedding model (``Settings.embed_model = HuggingFaceEmbedding(<local path>)``, never
a hub name) and no LLM (``Settings.llm = None``). Its quality is the facts found in the retrieved nodes'
text: the most a reader of those nodes could learn, since there is no answer text to add.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from assistant.evaluation.metrics import percentile
from assistant.evaluation.scoring import score_answer

TOP_KS = (2, 5)


class BaselinePipeline:
    def __init__(self, corpus: Path, embed_batch_size: int = 64):
        from llama_index.core import Settings as LISettings
        from llama_index.core import VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        from assistant.embedding import model_path

        t0 = time.perf_counter()
        # llama-index prints "LLM is explicitly disabled" to stdout: keep stdout for our JSON
        with contextlib.redirect_stdout(sys.stderr):
            LISettings.llm = None
            LISettings.embed_model = HuggingFaceEmbedding(model_name=model_path(), embed_batch_size=embed_batch_size)
        self.load_model_seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        self.documents = baseline_documents(corpus)
        with contextlib.redirect_stdout(sys.stderr):
            self.index = VectorStoreIndex.from_documents(self.documents)
        self.build_seconds = time.perf_counter() - t1
        self.n_nodes = len(self.index.docstore.docs)
        self.retrievers = {k: self.index.as_retriever(similarity_top_k=k) for k in TOP_KS}

    def retrieve_texts(self, question: str, k: int) -> list[str]:
        return [n.node.get_content() for n in self.retrievers[k].retrieve(question)]


def baseline_documents(corpus: Path) -> list:
    """The files the assistant indexes (``discover``: every supported document, PDFs included, and no sidecar or
    README), each read by llama-index's own default reader for its type (a PDF by its PDFReader, one Document a
    page; markdown, HTML and text as text): the two pipelines are compared over the same files."""
    from llama_index.core import SimpleDirectoryReader

    from assistant.ingest.loaders import discover

    files = [str(p) for p in discover(Path(corpus)) if not p.is_symlink()]
    return SimpleDirectoryReader(input_files=files, file_extractor={".pdf": page_pdf_reader()}).load_data()


def page_pdf_reader():
    """What llama-index-readers-file's ``PDFReader`` does (pypdf's text, one Document a page, with
    ``page_label``): without that package, SimpleDirectoryReader reads a PDF's raw bytes as text. It is not a
    dependency because its releases pin pypdf<7 and pandas<3, below the versions this project installs."""
    from llama_index.core import Document
    from llama_index.core.readers.base import BaseReader

    class PagePDFReader(BaseReader):
        def load_data(self, file, extra_info=None, fs=None):
            from pypdf import PdfReader

            reader = PdfReader(str(file))
            labels = reader.page_labels
            return [Document(text=page.extract_text() or "", metadata={**(extra_info or {}), "page_label": labels[i]})
                    for i, page in enumerate(reader.pages)]

    return PagePDFReader()


def score_retrieved(item: dict, texts: list[str]) -> dict:
    """Facts found in the retrieved nodes' text, scored exactly as our answers are (evaluate.score_answer),
    with the nodes standing in for citations."""
    rec = score_answer({"id": item.get("id", ""), "question": item.get("question", ""), "answerable": True, "facts": item["facts"]},
                       {"answer": "", "abstained": False, "citations": [{"text": t} for t in texts]})
    return {k: rec[k] for k in ("fact_recall", "facts_found", "facts_missed")}


def _summary(recalls: list[float], missed: int, latencies: list[float]) -> dict:
    return {
        "fact_recall": round(sum(recalls) / len(recalls), 4) if recalls else None,
        "missed_facts": missed,
        "latency_ms_p50": _r1(percentile(latencies, 50)),
        "latency_ms_p95": _r1(percentile(latencies, 95)),
    }


def _r1(x):
    return None if x is None else round(x, 1)


def _ratio(a, b, nd: int = 3):
    return round(a / b, nd) if a is not None and b else None


def compare_with_baseline(questions: list[dict], ours, corpus: Path, log=None) -> dict:
    """Baseline@2 and @5 beside ours on the same answerable questions.

    ``ours(item)`` asks our assistant and returns the item scored by :func:`assistant.evaluation.scoring.score_answer`
    (its ``latency_ms`` is the ask latency). For each question ours, baseline@2 and baseline@5 run one after
    the other, so a change in the machine's load hits all three alike. Fact recall is macro over questions,
    as in `eval answers`.
    """
    log = log or (lambda msg: None)
    items = [q for q in questions if q["answerable"]]
    log(f"baseline: building a llama-index VectorStoreIndex over {corpus} ...")
    pipe = BaselinePipeline(corpus)
    log(f"baseline: {len(pipe.documents)} documents, {pipe.n_nodes} nodes in {pipe.build_seconds:.1f} s; "
        f"asking {len(items)} questions of both ...")
    for k in TOP_KS:  # warm-up
        pipe.retrieve_texts(items[0]["question"] if items else "warm-up", k)
    per_item = []
    scored = {}
    stats = {k: {"recalls": [], "missed": 0, "lat": []} for k in TOP_KS}
    for q in items:
        scored[q["id"]] = ours(q)
        row = {"id": q["id"], "n_facts": len(q["facts"]), "ours": scored[q["id"]]["fact_recall"]}
        for k in TOP_KS:
            t0 = time.perf_counter()
            texts = pipe.retrieve_texts(q["question"], k)
            ms = (time.perf_counter() - t0) * 1000
            sc = score_retrieved(q, texts)
            stats[k]["recalls"].append(sc["fact_recall"])
            stats[k]["missed"] += len(sc["facts_missed"])
            stats[k]["lat"].append(ms)
            row[f"baseline_top{k}"] = sc["fact_recall"]
            row[f"baseline_top{k}_missed"] = sc["facts_missed"]
        row["ours_missed"] = scored[q["id"]]["facts_missed"]
        per_item.append(row)
    our_items = [scored[q["id"]] for q in items]
    our = _summary([it["fact_recall"] or 0.0 for it in our_items], sum(len(it["facts_missed"]) for it in our_items),
                   [it["latency_ms"] for it in our_items])
    b = {k: _summary(stats[k]["recalls"], stats[k]["missed"], stats[k]["lat"]) for k in TOP_KS}
    b5 = b[5]
    target_ok = our["missed_facts"] <= 0.5 * b5["missed_facts"] if b5["missed_facts"] is not None else None
    return {
        "questions": len(items),
        "facts": sum(len(q["facts"]) for q in items),
        "pipeline": "SimpleDirectoryReader(the corpus files the assistant indexes) -> VectorStoreIndex.from_documents (default splitter) "
                    "-> as_retriever(similarity_top_k=k); same all-MiniLM-L6-v2 from its local path; no LLM",
        "documents": len(pipe.documents),
        "nodes": pipe.n_nodes,
        "build_seconds": round(pipe.build_seconds, 2),
        "ours": our,
        "baseline_top2": b[2],
        "baseline_top5": b5,
        "ratios": {
            "fact_recall_ours_over_top2": _ratio(our["fact_recall"], b[2]["fact_recall"]),
            "fact_recall_ours_over_top5": _ratio(our["fact_recall"], b5["fact_recall"]),
            "missed_facts_ours_over_top5": _ratio(our["missed_facts"], b5["missed_facts"]),
            "latency_p50_ours_over_top5": _ratio(our["latency_ms_p50"], b5["latency_ms_p50"]),
        },
        "target": {"rule": "ours missed facts <= 0.5 x baseline@5 missed facts", "ok": target_ok},
        "items": per_item,
    }
