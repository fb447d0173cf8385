"""Shared fixtures: the real embedding model, an index of the shipped corpus, small temporary corpora, and a
real `chroma run` server. Everything is real; the expensive pieces are built once per session."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.bench import free_port, stop_process, wait_http  # noqa: F401  (one home for process helpers; tests import them from here)

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding import get_embedder

    return get_embedder()


@pytest.fixture(scope="session")
def shipped(tmp_path_factory, embedder):
    """An EvidenceAssistant over the shipped corpus, indexed once into a temporary ASSISTANT_HOME."""
    from assistant.api import EvidenceAssistant
    from assistant.config import Settings

    home = tmp_path_factory.mktemp("shipped-home")
    settings = Settings.from_env(home=home, corpus=ROOT / "corpus")
    return EvidenceAssistant.open(settings)


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


@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    for doc_id, body in SMALL_DOCS.items():
        write_md(corpus / "report", doc_id, body)
    return corpus


@pytest.fixture
def small_settings(tmp_path, small_corpus):
    from assistant.config import Settings

    return Settings.from_env(home=tmp_path / "home", corpus=small_corpus)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`) on a loopback port, for the server-mode tests."""
    chroma = Path(PY).with_name("chroma")
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(path / "server.log", "w")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, proc)
        yield ("127.0.0.1", port)
    finally:
        stop_process(proc, log)


@pytest.fixture
def net_guard(tmp_path):
    """Environment for a subprocess in which every non-loopback connection is refused and recorded.
    Returns (env, log path); the log stays empty when nothing tried to reach the network."""
    from tests.test_offline import GUARD

    guard_dir = tmp_path / "net-guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net-attempts.log"
    return {"PYTHONPATH": str(guard_dir), "NET_GUARD_LOG": str(log)}, log


def run_cli(args: list[str], env: dict | None = None, timeout: float = 300, input: str | None = None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([PY, "-m", "assistant", *args], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout, input=input)
