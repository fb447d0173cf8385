"""Helpers the tests share: processes (ports, waiting, stopping), corpus files, the CLI, a fake embedder.

They live with the tests, not in the package: production code has no test machinery.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from assistant.bench.load import http_ok

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers 200; fail early if ``proc`` exits first."""
    t0 = time.perf_counter()
    while not http_ok(url):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process exited with status {proc.returncode} before {url} answered")
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.3)


def stop_process(proc: subprocess.Popen, log=None) -> None:
    """SIGTERM the process we started (and its children), then kill whatever is left after 10 s; close its log."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    for c in children:
        try:
            c.kill()
        except psutil.Error:
            pass
    if log is not None:
        log.close()


def write_md(folder: Path, doc_id: str, body: str, **meta) -> Path:
    fields = {"title": f"Test document {doc_id}", "publisher": "Test Publisher", "year": 2024,
              "url": f"https://example.org/{doc_id}", "doc_type": "report", "licence": "CC BY 4.0",
              "source_note": "written for the tests"}
    fields.update(meta)
    folder.mkdir(parents=True, exist_ok=True)
    front = "\n".join(f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in fields.items())
    path = folder / f"{doc_id}.md"
    path.write_text(f"---\n{front}\n---\n\n{textwrap.dedent(body).strip()}\n", "utf-8")
    return path


SMALL_DOCS = {
    "otters": """
        ## River otters in Northumberland
        The 2023 otter survey counted 412 otters along the Tyne and its tributaries. Numbers have risen since the 1990s as water quality improved.

        ## Otter diet
        Otters eat mostly fish, especially eels, and sometimes frogs and crayfish.
        """,
    "lighthouses": """
        ## Lighthouse keepers
        The last manned lighthouse in England was automated in 1998. Keepers once worked shifts of four weeks on and four weeks off.
        """,
    "bridges": """
        ## The Gateshead Millennium Bridge
        The Gateshead Millennium Bridge opened in 2001 and tilts to let ships pass. It is a pedestrian and cycle bridge of 126 metres.
        """,
}


def make_pdf(path, pages: list[str]):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")  # a drawing but no text: what a scan looks like to a text extractor
    pdf.output(str(path))
    return path


GUARD = '''
import os, socket
_LOG = os.environ["NET_GUARD_LOG"]
_orig = socket.socket.connect
def _guard(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and not (str(host).startswith("127.") or host in ("::1", "localhost")):
        with open(_LOG, "a") as f:
            f.write(f"{host}\\n")
        raise OSError("outbound connection blocked by the test guard: " + str(host))
    return _orig(self, address)
socket.socket.connect = _guard
socket.socket.connect_ex = lambda self, address: (_guard(self, address), 0)[1]
'''


def run_cli(args: list[str], env: dict | None = None, timeout: float = 300, input: str | None = None):
    """``env`` is laid over this process's environment; a value of None unsets that variable."""
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    return subprocess.run([PY, "-m", "assistant", *args], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout, input=input)


class FakeEmbedder:
    """A deterministic stand-in for the model: bag-of-words hashed into 384 dimensions, unit length.
    Texts that share words are close, so retrieval-shaped code can be tested in milliseconds."""

    name = "fake-384"
    dim = 384

    def embed(self, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray:
        from assistant.text import tokens

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in tokens(t) or ["_"]:
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class RecordingEmbedder(FakeEmbedder):
    """The fake embedder, recording each call's texts: which texts a caller embeds, how often and in what batches."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def embed(self, texts, batch_size=64, progress=None):
        self.calls.append(list(texts))
        return super().embed(texts)


def write_lines(path: Path, lines: list) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), "utf-8")
    return path


def question_item(id_, facts, answerable=True, question=None):
    return {"id": id_, "question": question or f"question {id_}?", "answerable": answerable, "facts": facts}


def make_passage(pid: str, text: str, *, title: str = "A report", year: int = 2024, doc_type: str = "report",
                 locator: str = "Findings", com_b=None, superseded_by: str | None = None, design: str | None = None,
                 publisher: str = "Publisher"):
    """A Passage for unit tests of retrieval-shaped and answering code (no index)."""
    from assistant.models import ComBTag, DocumentMeta, Passage

    doc_id = pid.split(":")[0]
    meta = DocumentMeta(doc_id=doc_id, title=title, publisher=publisher, year=year, url=f"https://example.org/{doc_id}",
                        doc_type=doc_type, design=design)
    return Passage(passage_id=pid, doc_id=doc_id, position=int(pid.split(":")[1]), locator=locator, text=text, meta=meta,
                   com_b=com_b or ComBTag(), superseded_by=superseded_by)


def make_retrieval(scored: list[tuple], question: str = "q"):
    """A Retrieval from (passage, cosine) pairs, ranked as given."""
    import numpy as np

    from assistant.retrieval.retriever import Hit, Retrieval
    from assistant.text import tokens

    hits = [Hit(p, s, 1.0 / (i + 1)) for i, (p, s) in enumerate(scored)]
    return Retrieval(hits, max((s for _, s in scored), default=0.0), np.zeros(4), tokens(question))


def index_with_fake_model(settings):
    """Index ``settings.corpus`` with the fake embedder and no tagger: the indexing run, in milliseconds."""
    from assistant.ingest.pipeline import build_index

    return build_index(settings, quiet=True, embedder=FakeEmbedder(), tagger=False)
