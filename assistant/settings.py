"""Every ASSISTANT_* setting and every tuned constant, typed, described and validated in one place.

``Settings()`` reads the environment (``ASSISTANT_K=3`` sets ``k``); keyword arguments override it. A bad
value raises :class:`SettingsError` with one line that names the variable and what it accepts; the CLI
prints that line and exits with status 2. Tuned values carry where they were measured in their description.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import SettingsError

DOC_TYPES = ("study", "guidance", "evidence_review", "report", "framework")
COMPONENTS = ("capability", "opportunity", "motivation", "none")


def _env_name(field: str) -> str:
    return "ASSISTANT_COLLECTION" if field == "collection_prefix" else f"ASSISTANT_{field.upper()}"


class Settings(BaseSettings):
    """Paths, store, retrieval, answering, serving and privacy settings; defaults work offline on a laptop."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_ignore_empty=True, extra="forbid",
                                      frozen=True, populate_by_name=True)

    # -- where things live ------------------------------------------------------------------------------
    home: Path = Field(Path(".assistant"), description="Folder for the embedded index, its manifest, caches and feedback.")
    corpus: Path = Field(Path("corpus"), description="The corpus folder: one file per document, front matter or a .meta.yaml sidecar.")
    cache: Path | None = Field(None, description="Folder for caches (the trained COM-B tagger, keyed by its training data); unset means $ASSISTANT_HOME/cache. Several homes may share one.")
    model_cache: Path | None = Field(None, description="Folder for the packaged embedding model converted to ONNX, made once from its own weights on first use (no download); unset means $XDG_CACHE_HOME/pair-assistant, else ~/.cache/pair-assistant. Every home shares one.")
    chroma_host: str | None = Field(None, description="Host of a Chroma server (`chroma run`); unset means the embedded store.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server.")
    collection_prefix: str = Field("pair", min_length=3, max_length=40, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
                                   validation_alias=AliasChoices("collection_prefix", "ASSISTANT_COLLECTION"),
                                   description="Collection name prefix on a Chroma server (env: ASSISTANT_COLLECTION).")
    # -- indexing ---------------------------------------------------------------------------------------
    passage_words: int = Field(160, ge=40, le=400, description="Longest passage in words; the model truncates at 256 word pieces (~190 words).")
    max_file_mb: float = Field(50.0, gt=0, le=2048, description="Largest corpus file accepted, in megabytes (checked before the file is read, by `index` and `add`).")
    max_pdf_pages: int = Field(2000, ge=1, le=100000, description="Most pages in one PDF; a longer PDF is refused before its text is extracted (split it or raise this).")
    max_passages: int = Field(5000, ge=1, le=1000000, description="Most passages one document may make; a document that makes more is refused and the rest are indexed.")
    keep_versions: int = Field(5, ge=1, le=100, description="Earlier index versions kept, each with the corpus folder as it was, for `rollback`; older ones are dropped when a new version is published.")
    near_duplicate: float = Field(0.8, gt=0, le=1, description="Share of word shingles (estimated Jaccard) at which a new document is reported as a near-duplicate of an indexed one.")
    # -- retrieval --------------------------------------------------------------------------------------
    k: int = Field(5, ge=1, le=20, description="Passages cited per answer (the quality bars assume at most 5).")
    candidates: int = Field(40, ge=5, le=500, description="Passages each retriever (BM25, dense) proposes before fusion.")
    rrf_k: int = Field(20, ge=1, le=200, description="Reciprocal-rank-fusion constant; 20 was best on evals/questions.jsonl (README: retrieval tuning).")
    dense_weight: float = Field(1.0, ge=0, le=10, description="Weight of the dense ranking in fusion.")
    bm25_weight: float = Field(1.0, ge=0, le=10, description="Weight of the BM25 ranking in fusion.")
    superseded_penalty: float = Field(0.5, ge=0, le=1, description="Fused-score factor for passages of a superseded document.")
    # -- answering policy -------------------------------------------------------------------------------
    abstain_threshold: float = Field(0.36, ge=0, le=1, description="Below this top question-passage cosine the assistant abstains (tuned: evals/README.md).")
    rare_margin: float = Field(0.28, ge=0, le=1, description="Extra cosine needed when the question hinges on a specialist word the corpus never uses.")
    unknown_margin: float = Field(0.12, ge=0, le=1, description="Extra cosine needed per question word the corpus never uses (two or more: twice).")
    named_margin: float = Field(0.1, ge=0, le=1, description="How far below abstain_threshold the top cosine may be when the best passage belongs to the document the question names by its title (\"Is Circle of Security effective?\"): the corpus has a document on what is asked.")
    relative_gap: float = Field(0.22, ge=0, le=1, description="A cited passage must be within this cosine of the best one (0.22 chosen on the development half of the question sets: 0.15 -> 0.22 raised fact recall 0.816 -> 0.850 there).")
    expand_acronyms: bool = Field(True, description="Search for an acronym in a question as the corpus itself defines it too (\"ICB\" with \"integrated care board\"): definitions are read from the passages held, never looked up (retrieval.acronyms), over a short list of abbreviations commissioners use that the corpus may not define (\"HV\", \"LA\": retrieval/abbreviations.txt) and of shortened words (\"eval\": retrieval/clippings.txt); such a word is then not one the corpus never uses. Chosen on the development half: answer-text point recall 0.759 -> 0.778.")
    pool_extra: int = Field(2, ge=0, le=10, description="Passages beyond k the composer may quote from, still citing at most k (2 chosen on the development half of the question sets: answer-text point recall 0.680 -> 0.699 there, with the coverage rule and 70 continuation words).")
    max_per_doc: int = Field(2, ge=1, le=10, description="Passages cited from one document unless the question names it (issue 13: at most two).")
    max_question_chars: int = Field(2000, ge=50, le=20000, description="Longer questions are cut at a word boundary, with a notice.")
    # -- optional LLM -----------------------------------------------------------------------------------
    llm: Literal["openai", "ollama"] | None = Field(None, description="`openai` (any OpenAI-compatible server) or `ollama`; unset means extractive answers.")
    llm_base_url: str | None = Field(None, description="The LLM endpoint, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str | None = Field(None, description="The model name the endpoint serves.")
    llm_api_key: str | None = Field(None, description="API key for the endpoint, if it needs one.")
    llm_timeout: float = Field(60.0, gt=0, le=600, description="Seconds to wait for the LLM.")
    support_threshold: float = Field(0.55, ge=0, le=1, description="Cosine a generated sentence needs with its cited passage (measured: README, optional LLM).")
    # -- serving ----------------------------------------------------------------------------------------
    concurrency: int = Field(4, ge=1, le=64, description="Answers `serve` computes at once; more requests wait in its queue.")
    queue_size: int = Field(64, ge=1, le=10000, description="Requests that may wait; beyond this `serve` answers 503 with Retry-After.")
    serve_threads: int = Field(1, ge=1, le=16, description="Embedding-model threads per request in `serve` (1 beat 2 under concurrent load; a question runs on one thread whatever this is).")
    refresh_interval_s: float = Field(1.0, gt=0, le=3600, description="How often a serving process checks for a newly published index version.")
    # -- privacy ----------------------------------------------------------------------------------------
    feedback: bool = Field(True, description="Store thumbs-up/down feedback in $ASSISTANT_HOME/feedback.sqlite (0 turns it off).")
    gaps: bool = Field(True, description="Keep questions the assistant refused or answered only in part in $ASSISTANT_HOME/gaps.sqlite, for `pair-assistant gaps` (0 turns it off).")
    auth: str | None = Field(None, description="`user:password` for the chat and JSON route; required to bind a non-loopback address.")
    allowed_hosts: str | None = Field(None, description="Comma-separated host names the chat answers to (the Host header), beside the bound address; unset means the bound address only (localhost, 127.0.0.1 and [::1] on loopback; any name on 0.0.0.0).")
    max_request_kb: int = Field(256, ge=1, le=102400, description="Largest request body `serve` accepts, in kilobytes; larger requests get 413.")

    @field_validator("auth")
    @classmethod
    def _auth_has_password(cls, v: str | None) -> str | None:
        if v is not None and ":" not in v:
            raise ValueError("must be user:password")
        return v

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """The settings every entry point uses: the environment, then ``overrides``; a bad value is one line."""
        try:
            return cls(**overrides)
        except ValidationError as e:
            raise SettingsError(describe_error(e)) from None

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed, validated like the original."""
        return type(self).from_env(**{**self.model_dump(), **changes})

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None

    @property
    def cache_dir(self) -> Path:
        return self.cache if self.cache is not None else self.home / "cache"

    @property
    def model_cache_dir(self) -> Path:
        if self.model_cache is not None:
            return self.model_cache
        import os

        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "pair-assistant"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def describe_error(error: ValidationError) -> str:
    """One line per bad field: the variable's name, what it accepts, and the value given."""
    parts = []
    for err in error.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        name = _env_name(field) if field in Settings.model_fields else field
        value = err.get("input")
        what = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parts.append(f"{name}: not a setting")
            continue
        parts.append(f"{name}: {what.lower()} (got {value!r})")
    return "invalid setting " + "; ".join(parts)


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting: the README's table is checked against this."""
    rows = []
    for name, info in Settings.model_fields.items():
        default = info.default
        rows.append((_env_name(name), "unset" if default is None else str(default), info.description or ""))
    return rows
