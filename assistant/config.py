"""Settings, read once from ASSISTANT_* environment variables.

Everything that a deployment may want to change lives here, with the default that works offline on a
laptop. Importing this module also switches off every phone-home we know of (Hugging Face hub, Chroma
telemetry, Gradio analytics), because those must be off before the libraries are imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# Offline first: set before sentence-transformers, chromadb or gradio are imported anywhere.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    os.environ.setdefault(_name, _value)

DOC_TYPES = ("study", "guidance", "evidence_review", "report", "framework")
COMPONENTS = ("capability", "opportunity", "motivation", "none")
SUPPORTED_SUFFIXES = (".md", ".markdown", ".pdf", ".html", ".htm", ".txt")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"ASSISTANT_{name}")
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Paths, models and retrieval parameters. ``Settings.from_env()`` is what every entry point uses."""

    home: Path = Path(".assistant")
    corpus: Path = Path("corpus")
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection_prefix: str = "pair"
    # retrieval
    k: int = 5  # citations shown (the quality bars assume at most 5)
    candidates: int = 40  # per retriever, before fusion
    rrf_k: int = 20  # tuned on evals/questions.jsonl (README: retrieval tuning)
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    abstain_threshold: float = 0.36  # tuned in evals/README.md; top dense cosine below it abstains
    max_question_chars: int = 2000
    max_file_bytes: int = 50 * 1024 * 1024
    passage_words: int = 160  # the model truncates at 256 word pieces (~190 words)
    # optional LLM (none by default: extractive answers)
    llm: str | None = None  # "openai" | "ollama"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    support_threshold: float = 0.55  # cosine a generated sentence needs with its cited passage (measured: README)
    # serving
    concurrency: int = 4  # answers computed at once by `serve`; more requests wait in its queue
    queue_size: int = 64  # requests waiting beyond this are refused with "queue full"
    serve_threads: int = 1  # torch threads per request in `serve` (measured: 1 beats 2 under concurrent load)
    # privacy
    feedback: bool = True  # feedback buttons write to home/feedback.sqlite
    auth: str | None = None  # "user:password" for the Gradio app
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        s = cls(
            home=Path(_env("HOME", ".assistant")),
            corpus=Path(_env("CORPUS", "corpus")),
            chroma_host=_env("CHROMA_HOST"),
            chroma_port=int(_env("CHROMA_PORT", "8000")),
            collection_prefix=_env("COLLECTION", "pair"),
            k=int(_env("K", "5")),
            abstain_threshold=float(_env("ABSTAIN_THRESHOLD", str(cls.abstain_threshold))),
            llm=_env("LLM"),
            llm_base_url=_env("LLM_BASE_URL"),
            llm_model=_env("LLM_MODEL"),
            llm_api_key=_env("LLM_API_KEY"),
            feedback=_env("FEEDBACK", "1") not in ("0", "false", "False", "no"),
            auth=_env("AUTH"),
            concurrency=int(_env("CONCURRENCY", "4")),
            queue_size=int(_env("QUEUE_SIZE", "64")),
            serve_threads=int(_env("SERVE_THREADS", "1")),
        )
        return replace(s, **overrides) if overrides else s

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None

    def describe_store(self) -> str:
        if self.server_mode:
            return f"chroma server http://{self.chroma_host}:{self.chroma_port}"
        return f"embedded chroma at {self.home.resolve()}"
