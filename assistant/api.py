"""The Python API that the CLI, the Gradio app and the evaluation runner share.

    from assistant.api import EvidenceAssistant
    assistant = EvidenceAssistant.open()
    answer = assistant.ask("What would help my board fund a parent-infant team?")
    print(answer.to_dict())

A serving process notices a newly published index version (a cheap manifest check, at most once a second)
and swaps its retriever without a restart; requests already running finish on the old one. The check runs in
a background thread (``serve`` keeps one running; otherwise ``ask`` starts one when a check is due), never on
the request path: an answer comes from the version held in memory and never waits for, or fails with, the
store. When the store cannot be read the process keeps the version it holds, and
:meth:`EvidenceAssistant.health` says so (``GET /healthz``).
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial

from assistant.answering.composer import abstention_text, compose, suggest_topics
from assistant.answering.followups import condense
from assistant.answering.policy import (
    acronym_named,
    answers_another_question,
    LOCAL_GAP,
    asked_term,
    classify_intent,
    definition_query,
    distinct_names,
    distinctive_document,
    intent_of,
    local_gap_first,
    looks_non_english,
    named_document,
    named_places,
    never_refused,
    on_topic_part,
    order_cited,
    plan_hits,
    scope_of,
    select_hits,
    should_abstain,
    title_named,
    too_weak_for_local,
    unasked_thing,
    uncompared,
    uncovered_parts,
)
from assistant.errors import AssistantError
from assistant.models import Answer, Filters
from assistant.retrieval.acronyms import written_out
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.text import clean_question, term

log = logging.getLogger("assistant.api")

HUNG_CHECK_S = 10.0  # health: a store check still unanswered after this long reads as a failing store


def _stamp_or_none(store):
    """The store's change stamp, or None when this one check fails: the first background check then reads the
    manifest again (and switches only if its active version differs from the one opened)."""
    from assistant.errors import StoreError

    try:
        return store.manifest_stamp()
    except StoreError as e:
        log.info("could not read the index's change stamp (%s); the first refresh will read the manifest", e)
        return None


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
        self._documents: tuple[int, list[dict]] | None = None  # (index version, documents): see documents()
        self.last_refresh_failed: str | None = None  # why the last check of the store failed, while it is failing
        self.last_refresh: float = time.time()  # when the store last answered a check (open has just read it)
        self._refreshing = threading.Lock()  # one check at a time
        self._check_started: float | None = None  # monotonic start of the check in progress, if any
        self._background: threading.Thread | None = None  # the check `ask` (or /healthz) last started
        self._looping = False  # serve's refresher loop runs (keep_refreshing): ask starts no checks of its own
        self._stop = threading.Event()

    @classmethod
    def open(cls, settings: Settings | None = None, build_if_missing: bool = True, quiet: bool = True) -> "EvidenceAssistant":
        from assistant.answering.places import uk_places
        from assistant.embedding import get_embedder
        from assistant.ingest.pipeline import build_index
        from assistant.store import open_store

        settings = settings or Settings.from_env()
        store = open_store(settings)
        stamp = _stamp_or_none(store)  # before the manifest: a version published in between is then noticed
        manifest = store.read_manifest()  # a failed read raises StoreError: never taken for "no index"
        embedder = get_embedder(settings.model_cache_dir)
        if manifest.get("active") is None:  # only a successful read that found no manifest builds one
            if not build_if_missing:
                raise AssistantError(f"there is no index yet on {store.describe()}: run `pair-assistant index` "
                                     "(once, from one process, when the index is shared)")
            build_index(settings, quiet=quiet, store=store, embedder=embedder)
            stamp = _stamp_or_none(store)
            manifest = store.read_manifest()
        version = manifest["active"]
        retriever = Retriever(store.open_version(version), embedder, settings)
        uk_places()  # read here (about 0.3 s), not while the first question naming a place waits
        return cls(settings, store, embedder, retriever, version, stamp)

    # -- hot swap ------------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> bool:
        """Switch to a newer active index version if one was published. Returns True if it switched.

        A store that cannot be read for a moment (``StoreError``, or a client error reaching it) never costs the
        version being served: answers go on with it, and the next check tries again. ``last_refresh`` is when
        the store last answered a check; ``last_refresh_failed`` why the latest check failed (None once one
        succeeds). Checks are serialised; this call may wait for the store (its requests have timeouts), so
        the request path uses :meth:`refresh_soon` instead."""
        with self._refreshing:
            now = time.monotonic()
            if not force and now - self._checked < self.settings.refresh_interval_s:
                return False
            self._checked, self._check_started = now, now
            try:
                return self._check(force)
            except Exception as e:  # noqa: BLE001 - any failure to reach the store: keep serving what we have
                self.last_refresh_failed = " ".join(f"{type(e).__name__}: {e}".split())[:300]
                log.warning("index refresh failed; still serving version %s (%s)", self.version, self.last_refresh_failed)
                return False
            finally:
                self._check_started = None

    def _check(self, force: bool) -> bool:
        stamp = self.store.manifest_stamp()
        if stamp == self._stamp and not force:
            self._answered()
            return False
        manifest = self.store.read_manifest()
        version = manifest.get("active")
        if version is None or (version == self.version and not force):
            self._stamp = stamp
            self._answered()
            return False
        retriever = Retriever(self.store.open_version(version), self.embedder, self.settings)
        with self._lock:
            self.retriever, self.version, self._stamp = retriever, version, stamp
        self._answered()
        log.info("now serving index version %s", version)
        return True

    def refresh_soon(self) -> None:
        """Start a check in a background thread if one is due and none is running; returns at once. What
        ``ask`` calls: an answer never waits for the store. Nothing to do while :meth:`keep_refreshing` runs."""
        if self._looping or time.monotonic() - self._checked < self.settings.refresh_interval_s:
            return
        with self._lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(target=self.refresh, name="index-refresh", daemon=True)
            self._background.start()

    def keep_refreshing(self) -> threading.Thread:
        """``serve``: check the store every ``refresh_interval_s`` in a daemon thread until :meth:`close`, so
        that a new version is picked up, and ``/healthz`` knows whether the store answers, whether or not
        anyone is asking. One check at a time; a check that hangs is bounded by the store's timeouts and
        never holds up an answer."""
        def loop() -> None:
            while not self._stop.is_set():
                self.refresh()
                self._stop.wait(self.settings.refresh_interval_s)

        self._looping = True
        thread = threading.Thread(target=loop, name="index-refresher", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop the background checks (the refresher loop ends after its current check)."""
        self._stop.set()
        self._looping = False

    def _answered(self) -> None:
        self.last_refresh, self.last_refresh_failed = time.time(), None

    def health(self) -> dict:
        """What ``GET /healthz`` reports: the version served, the store, when it last answered a check, and why
        the latest check failed. ``status`` is "ok" while this process answers: with ``store_ok`` false it
        answers from the version it holds. A check still waiting for the store after ``HUNG_CHECK_S`` counts as
        failed (a store that accepts requests and never answers)."""
        from datetime import datetime, timezone

        failed = self.last_refresh_failed
        started = self._check_started
        if failed is None and started is not None and time.monotonic() - started > HUNG_CHECK_S:
            failed = f"the store has not answered a check for {time.monotonic() - started:.0f} s"
        return {"status": "ok", "index_version": self.version, "store": self.store.describe(),
                "store_ok": failed is None,
                "last_refresh": datetime.fromtimestamp(self.last_refresh, timezone.utc).isoformat(timespec="seconds"),
                "last_refresh_failed": failed}

    # -- asking --------------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None, filters: Filters | None = None,
            k: int | None = None) -> Answer:
        """Answer one question (with optional chat history for follow-ups). Never raises for odd input."""

        t0 = time.perf_counter()
        self.refresh_soon()  # in the background: this answer comes from the version held now
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
        llm = self._get_llm()
        rewrite = None
        if llm is not None:
            from assistant.answering.llm import condense_with_llm

            rewrite = partial(condense_with_llm, llm)
        standalone = condense(cleaned, history or [], rewrite=rewrite)
        t1 = time.perf_counter()
        intent = intent_of(standalone)
        retrieval = gate = retriever.search(standalone, k, filters)
        named = named_document(standalone, gate.hits)
        # named by its title, strictly, or by a programme's acronym few documents use: may answer a little below the threshold
        titled = title_named(standalone, gate.hits) or acronym_named(standalone, gate.hits, retriever.documents_mentioning)
        if should_abstain(gate, self.settings, titled):  # a preamble may carry the topic the asking sentence leaves out
            part = on_topic_part(standalone, lambda text: retriever.search(text, k, filters), self.settings)
            if part is not None:  # searched from that sentence; the answer is still composed for the whole question
                retrieval = gate = part
                named = named_document(standalone, gate.hits)
        if intent == "fact" and named:
            intent = classify_intent(standalone, named_source=True)
        named = named or distinctive_document(standalone, gate.hits, retriever.documents_mentioning)
        defined = asked_term(standalone, intent)
        if defined and not should_abstain(gate, self.settings, titled):  # in scope: search for the passage that defines it
            retrieval = retriever.search(definition_query(standalone, defined), k, filters)
        t_retrieve = (time.perf_counter() - t1) * 1000
        places = named_places(standalone, retriever.lexical.idf, mentions=retriever.mentions,
                              one_passage_idf=retriever.lexical.one_passage_idf)

        def done(**fields) -> Answer:
            return Answer(question=raw, timings_ms={"retrieve": t_retrieve, "total": (time.perf_counter() - t0) * 1000},
                          standalone_question=standalone, notices=notices, intent=intent, **fields)

        def refuse(reason: str | None = None) -> Answer:
            """A refusal saying why (``reason``, or the general one), with the nearest topics the evidence covers."""
            suggestions = suggest_topics(retrieval)
            return done(answer=abstention_text(suggestions, reason), abstained=True, citations=[], suggestions=suggestions,
                        scope="out")

        non_english = looks_non_english(cleaned, retriever.lexical.idf)
        if non_english:
            notices.append("the question does not look like English; the indexed evidence is in English")
        weak = ((should_abstain(gate, self.settings, titled) or too_weak_for_local(intent, places, gate, self.settings))
                and not never_refused(intent, retrieval))
        if non_english or weak:
            return refuse("I can only search English-language evidence; please ask in English." if non_english else
                          "This is a local or operational question; the indexed evidence is national and does not cover it."
                          if intent == "local" or places else None)
        retrieval.hits = plan_hits(intent, standalone, retrieval, retriever, self.settings, filters)
        names = distinct_names(standalone, retriever.documents_mentioning)
        hits = order_cited(intent, select_hits(retrieval, k + self.settings.pool_extra, self.settings, named, titled, names),
                           standalone)
        titles = {p.doc_id: p.meta.title for p in retriever.passages if p.doc_id in {h.passage.superseded_by for h in hits}}

        # "Who is the chief executive of NHS England?": what it asks for is the whole question, and no passage the
        # answer could draw on speaks of it; anything composed would answer another question
        unasked = unasked_thing(standalone, intent, [h.passage.text for h in hits], term)
        if unasked is not None:
            return refuse(f"The indexed evidence does not speak of the {unasked} this question asks about, so I won't guess.")
        # a named place or a local question is never covered; the rest is judged on the passages the answer cites
        local = ([f"{p}'s own services, waiting times and referral criteria" for p in places]
                 + ([LOCAL_GAP] if intent == "local" and not places else []))
        named_title = next((h.passage.meta.title for h in gate.hits if h.passage.doc_id == named), None) if named else None
        # judged with its acronyms written out: "what FH&SfL had" is covered by passages on Family Hubs and Start for Life
        spelled_out = written_out(standalone, retriever.acronyms) if self.settings.expand_acronyms else standalone
        uncovered = None if never_refused(intent) else (
            lambda texts, sources=(): uncovered_parts(spelled_out, texts, term, named_title, intent, sources))
        # a comparison no sentence of the evidence makes is said to be missing, and answered side by side
        comparison_gap = uncompared(standalone, intent, retriever, filters)
        composed = compose(standalone, intent, hits, retriever.lexical.idf, retriever.lexical.default_idf,
                           local + ([comparison_gap] if comparison_gap else []), titles,
                           k, uncovered, named, local_first=local_gap_first(intent, local))
        text, citations, markers = composed.text, composed.citations, composed.markers
        if not places and answers_another_question(standalone, intent, dict(composed.parts).get("lead", ""),
                                                   composed.not_covered, term):
            return refuse("The indexed evidence does not speak of what this question asks, so I won't guess.")
        if not text:  # nothing readable to quote (table-only passages): say so rather than answer with nothing
            return refuse()
        if llm is not None:
            from assistant.answering.composer import with_generated_lead
            from assistant.answering.llm import synthesise

            generated, llm_notices, spans = synthesise(llm, standalone, citations, self.embedder, self.settings)
            notices.extend(llm_notices)
            if generated:
                text, citations, markers = with_generated_lead(composed, generated, spans)
        return done(answer=text, abstained=False, citations=citations,
                    scope=scope_of(intent, places, composed.not_covered), not_covered=composed.not_covered, markers=markers)

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
        """The indexed documents (``status``), read once per index version served: the source viewer and the
        Corpus tab ask on every request, and during a store outage they go on with what was last read, as
        answers do (an error only when nothing was ever read)."""
        from assistant.ingest.pipeline import status

        cached = self._documents
        if cached is not None and cached[0] == self.version:
            return cached[1]
        version = self.version
        try:
            docs = status(self.settings, self.store)["documents"]
        except Exception:  # noqa: BLE001 - the store failing for a moment: the last list read, if any
            if cached is None:
                raise
            log.warning("could not read the document list; showing the one read for version %s", cached[0])
            return cached[1]
        self._documents = (version, docs)
        return docs
