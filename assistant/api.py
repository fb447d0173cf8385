"""The Python API that the CLI, the Gradio app and the evaluation runner share.

    from assistant.api import EvidenceAssistant
    assistant = EvidenceAssistant.open()
    answer = assistant.ask("What would help my board fund a parent-infant team?")
    print(answer.to_dict())

A serving process notices a newly published index version (a cheap manifest check, at most once a second)
and swaps its retriever without a restart; requests already running finish on the old one. When the store
cannot be read it keeps the version it holds, and :meth:`EvidenceAssistant.health` says so (``GET /healthz``).
"""

from __future__ import annotations

import logging
import threading
import time

from assistant.answering.composer import abstention_text, compose, suggest_topics
from assistant.answering.followups import condense
from assistant.answering.policy import (
    LOCAL_GAP,
    classify_intent,
    looks_non_english,
    named_document,
    named_places,
    never_refused,
    order_cited,
    plan_hits,
    scope_of,
    select_hits,
    should_abstain,
    too_weak_for_local,
    uncovered_parts,
)
from assistant.errors import AssistantError
from assistant.models import Answer, Filters
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.text import clean_question, stem

log = logging.getLogger("assistant.api")


class EvidenceAssistant:
    def __init__(self, settings: Settings, store, embedder, retriever: Retriever, version: int, stamp):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = retriever
        self.version = version
        self._stamp = stamp
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._llm = None
        self.last_refresh_failed: str | None = None  # why the last check of the store failed, while it is failing
        self.last_refresh: float = time.time()  # when the store last answered a check (open has just read it)

    @classmethod
    def open(cls, settings: Settings | None = None, build_if_missing: bool = True, quiet: bool = True) -> "EvidenceAssistant":
        from assistant.embedding import get_embedder
        from assistant.ingest.pipeline import build_index
        from assistant.store import open_store

        settings = settings or Settings.from_env()
        store = open_store(settings)
        manifest = store.read_manifest()  # a failed read raises StoreError: never taken for "no index"
        embedder = get_embedder()
        if manifest.get("active") is None:  # only a successful read that found no manifest builds one
            if not build_if_missing:
                raise AssistantError("there is no index yet: run `pair-assistant index`")
            build_index(settings, quiet=quiet, store=store, embedder=embedder)
            manifest = store.read_manifest()
        stamp = store.manifest_stamp()
        version = manifest["active"]
        retriever = Retriever(store.open_version(version), embedder, settings)
        return cls(settings, store, embedder, retriever, version, stamp)

    # -- hot swap ------------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Switch to a newer active index version if one was published. Returns True if it switched.

        A store that cannot be read for a moment (``StoreError``, or a client error reaching it) never costs the
        version being served: the request goes on with it, and the next check tries again. ``last_refresh`` is
        when the store last answered a check; ``last_refresh_failed`` why the latest check failed (None once
        one succeeds)."""
        now = time.monotonic()
        if not force and now - self._checked < self.settings.refresh_interval_s:
            return False
        self._checked = now
        try:
            stamp = self.store.manifest_stamp()
            if stamp == self._stamp and not force:
                self._answered()
                return False
            with self._lock:
                manifest = self.store.read_manifest()
                version = manifest.get("active")
                if version is None or (version == self.version and not force):
                    self._stamp = stamp
                    self._answered()
                    return False
                retriever = Retriever(self.store.open_version(version), self.embedder, self.settings)
                self.retriever, self.version, self._stamp = retriever, version, stamp
                self._answered()
                return True
        except Exception as e:  # noqa: BLE001 - any failure to reach the store: keep serving what we have
            self.last_refresh_failed = " ".join(f"{type(e).__name__}: {e}".split())[:300]
            log.warning("index refresh failed; still serving version %s (%s)", self.version, self.last_refresh_failed)
            return False

    def _answered(self) -> None:
        self.last_refresh, self.last_refresh_failed = time.time(), None

    def health(self) -> dict:
        """What ``GET /healthz`` reports: the version served, the store, when it last answered a check, and why
        the latest check failed. ``status`` is "ok" while this process answers: with ``store_ok`` false it
        answers from the version it holds."""
        from datetime import datetime, timezone

        return {"status": "ok", "index_version": self.version, "store": self.store.describe(),
                "store_ok": self.last_refresh_failed is None,
                "last_refresh": datetime.fromtimestamp(self.last_refresh, timezone.utc).isoformat(timespec="seconds"),
                "last_refresh_failed": self.last_refresh_failed}

    # -- asking --------------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None, filters: Filters | None = None,
            k: int | None = None) -> Answer:
        """Answer one question (with optional chat history for follow-ups). Never raises for odd input."""

        t0 = time.perf_counter()
        self.refresh()
        retriever = self.retriever  # one consistent version for the whole request
        k = max(1, min(k or self.settings.k, 20))
        raw = question if isinstance(question, str) else str(question or "")
        notices = []
        cleaned = clean_question(raw)
        if not cleaned:
            return Answer(question=raw, answer="Please type a question about commissioning parent-infant relationship services.",
                          abstained=True, citations=[], timings_ms={"retrieve": 0.0, "total": 0.0},
                          notices=["empty question"])
        if len(cleaned) > self.settings.max_question_chars:
            cleaned = cleaned[: self.settings.max_question_chars].rsplit(" ", 1)[0]
            notices.append(f"question truncated to its first {self.settings.max_question_chars} characters")
        standalone = condense(cleaned, history or [], llm=self._get_llm())
        t1 = time.perf_counter()
        intent = classify_intent(standalone)
        retrieval = retriever.search(standalone, k, filters)
        t_retrieve = (time.perf_counter() - t1) * 1000
        named = named_document(standalone, retrieval.hits)
        if intent == "fact" and named:
            intent = classify_intent(standalone, named_source=True)
        places = named_places(standalone, retriever.lexical.idf)

        def done(**fields) -> Answer:
            return Answer(question=raw, timings_ms={"retrieve": t_retrieve, "total": (time.perf_counter() - t0) * 1000},
                          standalone_question=standalone, notices=notices, intent=intent, **fields)

        non_english = looks_non_english(cleaned)
        if non_english:
            notices.append("the question does not look like English; the indexed evidence is in English")
        weak = ((should_abstain(retrieval, self.settings) or too_weak_for_local(intent, places, retrieval, self.settings))
                and not never_refused(intent, retrieval))
        if non_english or weak:
            suggestions = suggest_topics(retrieval)
            reason = ("I can only search English-language evidence; please ask in English." if non_english else
                      "This is a local or operational question; the indexed evidence is national and does not cover it."
                      if intent == "local" or places else None)
            return done(answer=abstention_text(suggestions, reason), abstained=True, citations=[], suggestions=suggestions,
                        scope="out")
        retrieval.hits = plan_hits(intent, standalone, retrieval, retriever, self.settings, filters)
        hits = order_cited(intent, select_hits(retrieval, k, self.settings, named))
        gaps = ([f"{p}: services, waiting times or criteria there (the evidence here is national)" for p in places]
                + ([LOCAL_GAP] if intent == "local" and not places else [])
                + (uncovered_parts(standalone, [h.passage.text for h in hits], stem) if not never_refused(intent) else []))
        titles = {p.doc_id: p.meta.title for p in retriever.passages if p.doc_id in {h.passage.superseded_by for h in hits}}
        composed = compose(standalone, intent, hits, retriever.lexical.idf, retriever.lexical.default_idf, gaps, titles)
        text, citations, markers = composed.text, composed.citations, composed.markers
        if not text:  # nothing readable to quote (table-only passages): say so rather than answer with nothing
            suggestions = suggest_topics(retrieval)
            return done(answer=abstention_text(suggestions), abstained=True, citations=[], suggestions=suggestions,
                        scope="out")
        llm = self._get_llm()
        if llm is not None:
            from assistant.answering.composer import with_generated_lead
            from assistant.answering.llm import synthesise

            generated, llm_notices, spans = synthesise(llm, standalone, citations, self.embedder, self.settings)
            notices.extend(llm_notices)
            if generated:
                text, citations, markers = with_generated_lead(composed, generated, spans)
        return done(answer=text, abstained=False, citations=citations, scope=scope_of(intent, places, gaps),
                    not_covered=gaps, markers=markers)

    def _get_llm(self):
        if not self.settings.llm:
            return None
        if self._llm is None:
            from assistant.answering.llm import make_llm

            self._llm = make_llm(self.settings)
        return self._llm

    def source(self, passage_id: str, spans=None, context: int = 1):
        """A cited passage in its document (assistant.sources.SourceView): neighbours, reference, file."""
        from assistant.sources import source_view

        docs = {d["doc_id"]: d for d in self.documents()}
        return source_view(self.retriever.passages, passage_id, spans, context, docs, self.settings.corpus)

    def documents(self) -> list[dict]:
        from assistant.ingest.pipeline import status

        return status(self.settings, self.store)["documents"]
