"""What the chat does on each event (ask, rate, export, corpus), kept apart from the layout so it can be
tested without a browser.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import logging
import shutil
import tempfile
import uuid
from pathlib import Path

from assistant.app.web.cards import (
    DOC_TYPE_LABELS,
    answer_markdown,
    render_cards,
    short_question,
)
from assistant.app.web.security import md_literal, visible
from assistant.errors import AssistantError, StoreError
from assistant.settings import COMPONENTS, DOC_TYPES, Settings

log = logging.getLogger("assistant.web")


def make_filters(doc_types=None, components=None, year_min=None, year_max=None, designs=None):
    """Filter widgets -> (Filters or None, a plain dict of them for the brief, or None)."""
    from assistant.ingest.loaders.metadata import DESIGNS
    from assistant.models import Filters

    dts = [d for d in (doc_types or []) if d in DOC_TYPES]
    comps = [c for c in (components or []) if c in COMPONENTS]
    des = [d for d in (designs or []) if d in DESIGNS]

    def year(v):
        try:
            y = int(float(v))
        except (TypeError, ValueError, OverflowError):
            return None
        return y if 1000 <= y <= 9999 else None

    lo, hi = year(year_min), year(year_max)
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    f = Filters(doc_types=dts or None, components=comps or None, year_min=lo, year_max=hi, designs=des or None)
    if f.is_empty():
        return None, None
    return f, {"doc_types": dts, "components": comps, "year_min": lo, "year_max": hi, "designs": des}


def filters_from_json(value):
    """The /ask endpoint's optional filters: a dict (or JSON text) with doc_types, components, year_min, year_max."""
    import json

    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise AssistantError(f"filters must be a JSON object: {e}") from None
    if not isinstance(value, dict):
        raise AssistantError("filters must be a JSON object with doc_types, components, year_min, year_max")
    unknown = set(value) - {"doc_types", "components", "year_min", "year_max", "designs"}
    if unknown:
        raise AssistantError(f"unknown filter keys {sorted(unknown)}; use doc_types, components, year_min, year_max, designs")

    from pydantic import ValidationError

    from assistant.app.web.security import AskFilters, validation_message  # the JSON route's checks: none dropped

    try:
        d = AskFilters.model_validate(value).model_dump(exclude_none=True)
    except ValidationError as e:
        raise AssistantError(f"invalid filters: {validation_message(e)}") from None
    f, _ = make_filters(d.get("doc_types"), d.get("components"), d.get("year_min"), d.get("year_max"), d.get("designs"))
    return f


def history_from(turns: list[dict]) -> list[dict]:
    """The chat history ask() reads: {"role", "content"} messages, the user's with its standalone question."""
    msgs = []
    for t in turns or []:
        a = t["answer"]
        msgs.append({"role": "user", "content": a.get("question") or "",
                     "metadata": {"standalone": t.get("standalone") or a.get("question") or ""}})
        msgs.append({"role": "assistant", "content": a.get("answer") or ""})
    return msgs


def chat_messages(turns: list[dict]) -> list[dict]:
    msgs = []
    for t in turns or []:
        msgs.append({"role": "user", "content": t["shown_question"]})
        msgs.append({"role": "assistant", "content": t["shown_answer"]})
    return msgs


class ChatApp:
    """The handlers behind the page, apart from Gradio so they can be tested without a browser."""

    def __init__(self, assistant, settings: Settings, feedback_store=None, gap_store=None):
        self.assistant = assistant
        self.settings = settings
        self.feedback = feedback_store
        self.gaps = gap_store
        self._brief_dir: Path | None = None

    # one question
    def answer(self, question, turns, doc_types=None, components=None, year_min=None, year_max=None, designs=None):
        """Ask; returns (new turns, the answer dict). Never raises: a failure becomes an apologetic answer."""
        turns = list(turns or [])
        filters, filters_dict = make_filters(doc_types, components, year_min, year_max, designs)
        q = question if isinstance(question, str) else ("" if question is None else str(question))
        standalone = None
        try:
            ans = self.assistant.ask(q, history=history_from(turns), filters=filters)
            standalone = ans.standalone_question
            a = ans.to_dict()
            if self.gaps is not None:
                self.gaps.record_answer(a, getattr(self.assistant, "version", None))
        except Exception as e:  # noqa: BLE001 - the page must never show a stack trace
            log.exception("ask failed")
            a = {"question": q, "answer": f"Sorry, something went wrong while answering ({type(e).__name__}). "
                 "Please try again or rephrase the question.", "abstained": True, "citations": [],
                 "timings_ms": {}, "notices": ["internal error"]}
        kept = filters_dict or {}
        ignored = [f"{name} {v:g}" if isinstance(v, (int, float)) else f"{name} {v!r}"
                   for name, v, key in (("from year", year_min, "year_min"), ("to year", year_max, "year_max"))
                   if v not in (None, "") and kept.get(key) is None]
        if ignored:  # a filter is never dropped silently
            a = {**a, "notices": [*(a.get("notices") or []),
                                  f"filter ignored: {', '.join(ignored)} is not a year between 1000 and 9999"]}
        turn = {
            "answer": a,
            "standalone": standalone or q,
            "filters": filters_dict,
            "index_version": getattr(self.assistant, "version", None),
            "shown_question": md_literal(short_question(q)) or "*(empty question)*",
            "shown_answer": answer_markdown(a, standalone, turn=len(turns)),
        }
        turns.append(turn)
        return turns, a

    def respond(self, question, turns, doc_types=None, components=None, year_min=None, year_max=None, designs=None):
        """Gradio handler: (chat messages, cards HTML, turns, cleared textbox)."""
        if not visible(question if isinstance(question, str) else "").strip():
            return chat_messages(turns or []), self._cards_for_last(turns), list(turns or []), ""
        turns, a = self.answer(question, turns, doc_types, components, year_min, year_max, designs)
        return chat_messages(turns), render_cards(a), turns, ""

    @staticmethod
    def _cards_for_last(turns):
        return render_cards(turns[-1]["answer"]) if turns else render_cards(None)

    @staticmethod
    def turn_for_message(index) -> int:
        """Chat message index -> turn index (each turn is one user and one assistant message)."""
        if isinstance(index, (list, tuple)):
            index = index[0]
        return int(index) // 2

    def cards_for_message(self, turns, index):
        i = self.turn_for_message(index)
        if turns and 0 <= i < len(turns):
            return render_cards(turns[i]["answer"])
        return self._cards_for_last(turns)

    def view_source(self, request, turns) -> str:
        """The source viewer's HTML for a request from the page (viewer.py); "" closes the viewer."""
        from assistant.app.web.viewer import render_view

        return render_view(self.assistant, request, turns)

    # feedback
    def rate(self, turns, index, liked) -> bool:
        """Store a thumbs up/down for the answer at chat message ``index``. Returns True when stored."""
        from assistant.app.feedback import rating_value

        if self.feedback is None:
            return False
        i = self.turn_for_message(index)
        if not turns or not 0 <= i < len(turns):
            return False
        try:
            rating = rating_value(liked)
        except ValueError:
            return False  # an "undo" or an option we do not record
        t = turns[i]
        a = t["answer"]
        self.feedback.record(a.get("question"), a.get("answer"), a.get("citations"), rating,
                             standalone_question=t.get("standalone"), index_version=t.get("index_version"))
        return True

    # brief
    def brief_markdown(self, turns, date=None) -> str:
        from assistant.app.brief import build_brief

        versions = sorted({t.get("index_version") for t in turns or [] if t.get("index_version") is not None})
        version = ", ".join(map(str, versions)) if versions else getattr(self.assistant, "version", None)
        return build_brief(turns or [], version, date or _dt.date.today())

    def write_brief(self, turns, date=None) -> Path:
        date = date or _dt.date.today()
        if self._brief_dir is None:
            self._brief_dir = Path(tempfile.mkdtemp(prefix="pair-briefs-"))
            atexit.register(shutil.rmtree, self._brief_dir, True)
        folder = self._brief_dir / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        path = folder / f"pair-evidence-brief-{date.isoformat()}.md"
        path.write_text(self.brief_markdown(turns, date), encoding="utf-8")
        return path

    # corpus
    def corpus_rows(self) -> list[list]:
        try:
            docs = self.assistant.documents()
        except Exception:  # noqa: BLE001
            log.exception("listing documents failed")
            return []
        rows = []
        for d in docs:
            indexed = visible(d.get("indexed_at"))
            indexed = indexed[:16].replace("T", " ") if len(indexed) >= 16 else indexed  # to the minute, UTC
            rows.append([visible(d.get("title")), visible(d.get("publisher")), d.get("year"),
                         DOC_TYPE_LABELS.get(d.get("doc_type"), visible(d.get("doc_type"))), visible(d.get("licence")),
                         d.get("passages"), indexed, visible(d.get("superseded_by") or "")])
        return rows

    def index_progress(self, now: float | None = None) -> str:
        """A line on the Corpus tab while an indexing run (`index`, `add`, `edit`, `remove`) is going on, read from
        the file the run writes under the assistant's home; "" when none is. The table shows the new documents once
        the run has published (the chat switches to the new version by itself)."""
        import time

        from assistant.ingest import progress

        state = progress.read(self.settings.home, now)
        if state is None:
            return ""
        now = time.time() if now is None else now
        done, total, unit = int(state.get("done") or 0), int(state.get("total") or 0), state.get("unit") or "file"
        count = f": {done:,} of {total:,} {unit}{'' if total == 1 else 's'} ({done / total:.0%})" if total else ""
        return (f"**Indexing in progress** ({md_literal(state.get('command') or 'index')}, started "
                f"{max(0, int(now - float(state.get('started') or now)))} s ago): "
                f"{md_literal(state.get('phase') or 'working')}{count}. The answers use the current index until it ends.")

    def gap_rows(self) -> list[list]:
        """The evidence-gap register for maintainers: topic, how often, refused or partly covered, last asked."""
        if self.gaps is None:
            return []
        return [[visible(g["topic"]), g["count"], ", ".join(g["kinds"]), g["last_asked"][:16].replace("T", " "),
                 visible(g["example"])[:200]] for g in self.gaps.grouped()]

    # API
    def api_ask(self, question: str, filters: dict | None = None) -> dict:
        """Answer one question; returns the Answer contract (DESIGN.md). filters: {"doc_types": [...],
        "components": [...], "year_min": 2019, "year_max": 2025}, all optional."""
        import gradio as gr

        try:
            f = filters_from_json(filters)
        except AssistantError as e:
            raise gr.Error(str(e)) from None
        q = question if isinstance(question, str) else ("" if question is None else str(question))
        try:
            return self.assistant.ask(q, filters=f).to_dict()
        except StoreError as e:  # the store failed for a moment: the JSON route answers 503 (its cause), not 400
            log.warning("ask failed (API): %s", e)
            raise gr.Error(f"the index store could not be read; try again shortly ({e})") from e
        except Exception as e:  # noqa: BLE001 - a client gets a short message, the log gets the trace
            log.exception("ask failed (API)")
            raise gr.Error(f"the assistant could not answer ({type(e).__name__}); see the server log") from None

    # -- the COM-B map ------------------------------------------------------------------------------------
    def comb_map_rows(self) -> list[list]:
        """The study's diagnosis as a table, one row per catalogue item, with how many indexed passages bear on it."""
        from assistant.comb.catalogue import component_phrase, items, proposal
        from assistant.comb.taxonomy import label

        counts: dict[str, int] = {}
        for p in self.assistant.retriever.passages:
            for item_id in p.com_b.items or ([p.com_b.item] if p.com_b.item else []):  # a table counts for each row's item
                counts[item_id] = counts.get(item_id, 0) + 1
        rows = []
        for it in items():
            fns, pols = proposal(it.component)
            rows.append([it.label, "Barrier" if it.polarity == "barrier" else "Enabler", component_phrase(it.component),
                         ", ".join(label(f) for f in fns) or "none (system level)",
                         ", ".join(label(p) for p in pols) or "none (system level)", counts.get(it.id, 0)])
        return rows

    def passages_for_item(self, index) -> str:
        """Cards for every indexed passage tagged with the catalogue item in row ``index`` of the map."""
        from assistant.app.web.cards import card_html
        from assistant.app.web.security import esc
        from assistant.comb.catalogue import items
        from assistant.comb.taxonomy import label
        from assistant.models import Citation

        try:
            i = int(index)
            if i < 0:
                raise IndexError(i)
            item = items()[i]
        except (TypeError, ValueError, IndexError):
            return '<div class="pair-cards"><p>Choose a barrier or enabler in the table.</p></div>'
        passages = [p for p in self.assistant.retriever.passages if item.id in (p.com_b.items or [p.com_b.item])]
        head = (f'<div class="pair-cards-head">The evidence for: <q>{esc(item.label)}</q> ({len(passages)} passage'
                f'{"s" if len(passages) != 1 else ""}). The study\'s wording: <q>{esc(item.study_wording)}</q>'
                + (f'. A local step ({esc(label(item.step_function).lower())}, which the study proposes for this '
                   f'component): {esc(item.local_step)}' if item.local_step else '') + '</div>')
        cards = "".join(card_html(Citation.from_passage(p, n, 0.0)) for n, p in enumerate(passages, start=1))
        return f'<div class="pair-cards" id="pair-map-passages" data-item="{esc(item.id)}">{head}{cards}</div>'
