"""The Gradio chat: ask in plain English, read a cited answer, check every passage and its COM-B tag.

``serve(settings)`` opens the EvidenceAssistant once (building the index if there is none), then serves a
gr.Blocks app on 127.0.0.1. Left: the conversation. Right: the passages the latest answer cites, as cards
(source, link, passage text, COM-B badge, intervention functions). Filters narrow what may be cited;
"Export brief" writes the conversation as a markdown brief for a business case; thumbs up/down go to
``<ASSISTANT_HOME>/feedback.sqlite`` unless ASSISTANT_FEEDBACK=0. ``/ask`` is a named API endpoint that
returns the Answer contract, for ``gradio_client``.

Everything from a question or a document is escaped before it reaches the page: the cards are built with
``html.escape`` on every piece of text, and the chat shows questions as literal text. The page loads
nothing from outside this computer (system fonts, no CDN), and each request does ask() plus string
building, nothing else.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import html
import ipaddress
import logging
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

from fastapi import Request  # at module level: the JSON route's annotation is resolved here

from assistant.comb.taxonomy import label
from assistant.config import COMPONENTS, DOC_TYPES, Settings
from assistant.documents import AssistantError

log = logging.getLogger("assistant.ui")

TITLE = "PAIR evidence assistant"
TAGLINE = ("Cited, COM-B-tagged answers from the evidence on commissioning parent-infant relationship (PAIR) "
           "services. Runs offline on this computer: questions and answers are not sent anywhere.")
EXAMPLES = [
    "What would help my board fund a parent-infant team?",
    "How many parent-infant teams are there in the UK?",
    "What did commissioners say about short-term funding?",
    "Is there evidence that video feedback works?",
    "How much Family Hubs funding is there for perinatal mental health in 2025-26?",
]
DOC_TYPE_LABELS = {
    "study": "Study",
    "guidance": "Guidance",
    "evidence_review": "Evidence review",
    "report": "Report",
    "framework": "Framework",
}
COMPONENT_LABELS = {**{c: label(c) for c in COMPONENTS if c != "none"}, "none": "No COM-B content"}
EXAMPLE_LABELS = {  # Gradio cuts an example's text at 60 characters; these say the same in fewer
    "How much Family Hubs funding is there for perinatal mental health in 2025-26?":
        "Family Hubs funding for perinatal mental health in 2025-26?",
}
MAX_SHOWN_QUESTION = 1500  # characters of a question shown in the chat (ask() reads its first 2,000)
CSS_FILE = Path(__file__).resolve().parent / "static" / "ui.css"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

# Control characters (except tab and newline) and bidi overrides never reach the page.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")
# gr.HTML reads its value as a template (JS template string / Handlebars): neutralise $, { and } as entities.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;"})


# -- serving safely ---------------------------------------------------------------------------------------
def is_loopback(host: str | None) -> bool:
    h = (host or "").strip().strip("[]").lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """ASSISTANT_AUTH "user:password" -> (user, password); None when not set."""
    if not auth:
        return None
    user, sep, password = str(auth).partition(":")
    if not sep or not user.strip() or not password:
        raise AssistantError("ASSISTANT_AUTH must look like user:password (both parts non-empty)")
    return user.strip(), password


def check_host(host: str, settings: Settings) -> tuple[str, str] | None:
    """Refuse a non-loopback address unless a password is set; returns the credentials to pass to launch."""
    creds = parse_auth(settings.auth)
    if not is_loopback(host) and creds is None:
        raise AssistantError(
            f"refusing to serve on {host!r}: without a password only this computer may use the chat. "
            "Set ASSISTANT_AUTH=user:password to serve on a network address, or use --host 127.0.0.1."
        )
    return creds


# -- escaping ---------------------------------------------------------------------------------------------
def visible(text) -> str:
    return _INVISIBLE.sub("", "" if text is None else str(text))


def esc(text) -> str:
    """Text for HTML (element content or a quoted attribute): escaped, with template characters neutralised."""
    return html.escape(visible(text), quote=True).translate(_TEMPLATE_CHARS)


def md_literal(text) -> str:
    """Text shown literally inside markdown: punctuation backslash-escaped, and <, >, & as entities (never HTML)."""
    return html.escape(_MD_PUNCT.sub(r"\\\1", visible(text)), quote=False)


def md_safe(markdown: str) -> str:
    """Markdown written by the assistant (answers): kept as markdown, but any HTML in it shows as text."""
    return html.escape(visible(markdown), quote=False)


def safe_url(url) -> str | None:
    u = visible(url).strip()
    try:
        parsed = urlparse(u)
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return u


def example_label(question: str) -> str:
    return EXAMPLE_LABELS.get(question, question)


def short_question(question: str, limit: int = MAX_SHOWN_QUESTION) -> str:
    q = visible(question).strip()
    if len(q) > limit:
        q = q[:limit].rstrip() + f"… ({len(q):,} characters in all)"
    return q


# -- cards ------------------------------------------------------------------------------------------------
def _as_dict(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def comb_badge(tag: dict) -> str:
    comp = tag.get("component") or "none"
    if comp not in ("capability", "opportunity", "motivation"):
        return ('<span class="pair-badge pair-none" title="This passage was not tagged with a COM-B barrier or enabler">'
                'COM-B: none</span>')
    sub = tag.get("subcomponent")
    polarity = tag.get("polarity") or "neutral"
    pol_class = polarity if polarity in ("barrier", "enabler") else "neutral"
    text = esc(label(sub)) if sub else esc(label(comp))
    conf = tag.get("confidence")
    title = f"COM-B {label(comp)}" + (f", confidence {float(conf):.2f}" if isinstance(conf, (int, float)) else "")
    return (f'<span class="pair-badge pair-{esc(comp)}" title="{esc(title)}">{text}</span>'
            f'<span class="pair-polarity pair-{pol_class}">{esc(polarity)}</span>')


def card_html(citation) -> str:
    from assistant.comb.taxonomy import functions_for

    c = _as_dict(citation)
    tag = c.get("com_b") or {}
    n = esc(c.get("n", ""))
    url = safe_url(c.get("url"))
    meta = [esc(c.get("publisher") or "Unknown publisher"), esc(c.get("year") or "n.d."),
            esc(DOC_TYPE_LABELS.get(c.get("doc_type"), c.get("doc_type") or ""))]
    parts = [f'<article class="pair-card" id="pair-cite-{n}" data-doc-type="{esc(c.get("doc_type"))}" '
             f'data-component="{esc(tag.get("component") or "none")}">',
             '<header class="pair-card-head">',
             f'<span class="pair-n">[{n}]</span>',
             f'<span class="pair-title">{esc(c.get("title") or c.get("doc_id") or "Untitled")}</span>',
             '</header>',
             f'<div class="pair-meta">{" · ".join(m for m in meta if m)}</div>']
    locator = c.get("locator")
    if locator:
        parts.append(f'<div class="pair-locator">{esc(locator)}</div>')
    if url:
        host = (urlparse(url).hostname or url).removeprefix("www.")
        parts.append(f'<div class="pair-link"><a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                     f'{esc(host)} ↗</a></div>')
    if c.get("superseded_by"):
        parts.append(f'<div class="pair-superseded">superseded by {esc(c["superseded_by"])}</div>')
    parts.append(f'<blockquote class="pair-text">{esc((c.get("text") or "").strip())}</blockquote>')
    parts.append(f'<div class="pair-comb">{comb_badge(tag)}</div>')
    functions = list(tag.get("intervention_functions") or []) or functions_for(tag.get("subcomponent"))
    if functions and (tag.get("component") or "none") != "none":
        parts.append('<div class="pair-functions"><span class="pair-label">Intervention functions:</span> '
                     + ", ".join(esc(label(f)) for f in functions) + "</div>")
    if tag.get("barrier"):
        parts.append(f'<div class="pair-catalogue"><span class="pair-label">Study catalogue:</span> {esc(tag["barrier"])}</div>')
    parts.append("</article>")
    return "".join(parts)


def render_cards(answer=None) -> str:
    """The right-hand panel for one answer (an Answer, its contract dict, or None before the first question)."""
    if answer is None:
        return ('<div class="pair-cards pair-empty"><p>The passages an answer cites appear here, each with its source, '
                'a link, and its COM-B tag: the barrier or enabler to commissioning it speaks to, and the '
                'intervention functions that address it.</p></div>')
    a = _as_dict(answer)
    question = short_question(a.get("question") or "", 300)
    head = f'<div class="pair-cards-head">Sources for: <q>{esc(question)}</q></div>'
    citations = a.get("citations") or []
    if not citations:
        reason = ("No passages cited: the indexed evidence does not cover this question." if a.get("abstained")
                  else "No passages cited.")
        return f'<div class="pair-cards">{head}<p class="pair-none-cited">{esc(reason)}</p></div>'
    return f'<div class="pair-cards">{head}' + "".join(card_html(c) for c in citations) + "</div>"


# -- the chat ---------------------------------------------------------------------------------------------
def answer_markdown(answer: dict, standalone: str | None = None) -> str:
    """The assistant's chat message: 'Understood as', notices, then the answer markdown (HTML shown as text)."""
    parts = []
    sq = standalone or answer.get("standalone_question")
    if sq and visible(sq).strip() != visible(answer.get("question")).strip():
        parts.append(f"*Understood as: {md_literal(short_question(sq, 600))}*")
    for notice in answer.get("notices") or []:
        parts.append(f"> Note: {md_literal(notice)}")
    parts.append(md_safe(answer.get("answer") or ""))
    return "\n\n".join(parts)


def make_filters(doc_types=None, components=None, year_min=None, year_max=None):
    """Filter widgets -> (Filters or None, a plain dict of them for the brief, or None)."""
    from assistant.retrieve import Filters

    dts = [d for d in (doc_types or []) if d in DOC_TYPES]
    comps = [c for c in (components or []) if c in COMPONENTS]

    def year(v):
        try:
            y = int(float(v))
        except (TypeError, ValueError, OverflowError):
            return None
        return y if 1000 <= y <= 9999 else None

    lo, hi = year(year_min), year(year_max)
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    f = Filters(doc_types=dts or None, components=comps or None, year_min=lo, year_max=hi)
    if f.is_empty():
        return None, None
    return f, {"doc_types": dts, "components": comps, "year_min": lo, "year_max": hi}


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
    unknown = set(value) - {"doc_types", "components", "year_min", "year_max"}
    if unknown:
        raise AssistantError(f"unknown filter keys {sorted(unknown)}; use doc_types, components, year_min, year_max")

    def as_list(v):
        return [v] if isinstance(v, str) else list(v or [])

    dts, comps = as_list(value.get("doc_types")), as_list(value.get("components"))
    bad = [d for d in dts if d not in DOC_TYPES] + [c for c in comps if c not in COMPONENTS]
    if bad:
        raise AssistantError(f"unknown filter values {bad}; document types: {', '.join(DOC_TYPES)}; "
                             f"components: {', '.join(COMPONENTS)}")
    f, _ = make_filters(dts, comps, value.get("year_min"), value.get("year_max"))
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

    def __init__(self, assistant, settings: Settings, feedback_store=None):
        self.assistant = assistant
        self.settings = settings
        self.feedback = feedback_store
        self._brief_dir: Path | None = None

    # one question
    def answer(self, question, turns, doc_types=None, components=None, year_min=None, year_max=None):
        """Ask; returns (new turns, the answer dict). Never raises: a failure becomes an apologetic answer."""
        turns = list(turns or [])
        filters, filters_dict = make_filters(doc_types, components, year_min, year_max)
        q = question if isinstance(question, str) else ("" if question is None else str(question))
        standalone = None
        try:
            ans = self.assistant.ask(q, history=history_from(turns), filters=filters)
            standalone = ans.standalone_question
            a = ans.to_dict()
        except Exception as e:  # noqa: BLE001 - the page must never show a stack trace
            log.exception("ask failed")
            a = {"question": q, "answer": f"Sorry, something went wrong while answering ({type(e).__name__}). "
                 "Please try again or rephrase the question.", "abstained": True, "citations": [],
                 "timings_ms": {}, "notices": ["internal error"]}
        turn = {
            "answer": a,
            "standalone": standalone or q,
            "filters": filters_dict,
            "index_version": getattr(self.assistant, "version", None),
            "shown_question": md_literal(short_question(q)) or "*(empty question)*",
            "shown_answer": answer_markdown(a, standalone),
        }
        turns.append(turn)
        return turns, a

    def respond(self, question, turns, doc_types=None, components=None, year_min=None, year_max=None):
        """Gradio handler: (chat messages, cards HTML, turns, cleared textbox)."""
        if not visible(question if isinstance(question, str) else "").strip():
            return chat_messages(turns or []), self._cards_for_last(turns), list(turns or []), ""
        turns, a = self.answer(question, turns, doc_types, components, year_min, year_max)
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

    # feedback
    def rate(self, turns, index, liked) -> bool:
        """Store a thumbs up/down for the answer at chat message ``index``. Returns True when stored."""
        from assistant.feedback import rating_value

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
        from assistant.brief import build_brief

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
        except Exception as e:  # noqa: BLE001 - a client gets a short message, the log gets the trace
            log.exception("ask failed (API)")
            raise gr.Error(f"the assistant could not answer ({type(e).__name__}); see the server log") from None


# -- the page ---------------------------------------------------------------------------------------------
def header_html(assistant) -> str:
    try:
        n_docs = len(assistant.documents())
        facts = f"Index version {esc(assistant.version)} · {n_docs} document{'s' if n_docs != 1 else ''}"
    except Exception:  # noqa: BLE001
        facts = ""
    return (f'<div id="pair-title"><div class="pair-title-row"><h1>{esc(TITLE)}</h1>'
            f'<span class="pair-offline">offline</span><span class="pair-facts">{facts}</span></div>'
            f'<p>{esc(TAGLINE)}</p></div>')


ABOUT_MD = """
### How to read an answer
Every sentence of an answer is copied from the passage its number cites, shown on the right with its source
and a link. When the evidence does not cover a question the assistant says so rather than guess.

### COM-B tags
Each passage is tagged with the part of the COM-B model of behaviour (Michie, van Stralen & West 2011) it speaks to,
read as a barrier to, or an enabler of, commissioning a parent-infant relationship service, with the Behaviour
Change Wheel intervention functions that address it. Tags are assigned automatically: check them before relying on them.
"""


def about_markdown() -> str:
    from assistant.comb.taxonomy import functions_for, taxonomy

    tax = taxonomy()
    lines = [ABOUT_MD.strip(), "", "| Component | Sub-component | What it means | Intervention functions |",
             "|---|---|---|---|"]
    for sub, info in tax["subcomponents"].items():
        fns = ", ".join(label(f) for f in functions_for(sub))
        lines.append(f"| {label(info['component'])} | {info['label']} | {info['definition']} | {fns} |")
    return "\n".join(lines)


def theme():
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="teal",
        secondary_hue="slate",
        neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def css() -> str:
    try:
        return CSS_FILE.read_text("utf-8")
    except OSError:
        return ""


def build_app(assistant, settings: Settings, feedback_store=None, with_app: bool = False):
    """The gr.Blocks app around an open EvidenceAssistant (and, with ``with_app``, its ChatApp too)."""
    import gradio as gr

    app = ChatApp(assistant, settings, feedback_store)
    corpus_headers = ["Title", "Publisher", "Year", "Type", "Licence", "Passages", "Indexed (UTC)", "Superseded by"]

    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 24 * 3600)) as demo:
        turns = gr.State([])
        gr.HTML(header_html(assistant), elem_id="pair-header", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False, elem_id="pair-main"):
                    with gr.Column(scale=6, min_width=360):
                        chatbot = gr.Chatbot(
                            label="Conversation", show_label=False, elem_id="pair-chat", height=540, latex_delimiters=[],
                            sanitize_html=True, allow_tags=False, render_markdown=True, line_breaks=True,
                            buttons=["copy"],
                            feedback_options=("Like", "Dislike") if feedback_store is not None else None,
                            placeholder=("**Ask a question about commissioning parent-infant relationship services.**"
                                         "<br>Each answer cites the passages it comes from; they appear on the right."),
                        )
                        question = gr.Textbox(
                            placeholder="Ask a question, e.g. What would help my board fund a parent-infant team?",
                            show_label=False, lines=1, max_lines=6, submit_btn="Ask", autofocus=True,
                            elem_id="pair-question", container=False,
                        )
                        with gr.Accordion("Filters: which evidence may be cited", open=False, elem_id="pair-filters"):
                            doc_types = gr.CheckboxGroup(
                                choices=[(DOC_TYPE_LABELS[d], d) for d in DOC_TYPES], label="Document type",
                                elem_id="pair-filter-doctype")
                            components = gr.CheckboxGroup(
                                choices=[(COMPONENT_LABELS[c], c) for c in COMPONENTS], label="COM-B component",
                                elem_id="pair-filter-component")
                            with gr.Row():
                                # No minimum/maximum: Gradio would reject an empty box (sent as 0) with an error.
                                # make_filters ignores anything that is not a plausible year.
                                year_min = gr.Number(label="From year", precision=0, placeholder="any",
                                                     elem_id="pair-year-min")
                                year_max = gr.Number(label="To year", precision=0, placeholder="any",
                                                     elem_id="pair-year-max")
                        examples = gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question],
                                               label="Try one of these", examples_per_page=10,
                                               api_visibility="private", elem_id="pair-examples",
                                               example_labels=[example_label(q) for q in EXAMPLES])
                        with gr.Row(elem_id="pair-actions"):
                            export_btn = gr.Button("Export brief (markdown)", variant="secondary", size="sm",
                                                   elem_id="pair-export")
                            download_btn = gr.DownloadButton("Download brief", visible=False, size="sm",
                                                             variant="primary", elem_id="pair-download")
                            clear_btn = gr.Button("New conversation", variant="secondary", size="sm",
                                                  elem_id="pair-clear")
                        if feedback_store is None:
                            gr.Markdown("Feedback is switched off.", elem_classes=["pair-small"])
                        else:
                            gr.Markdown("Rate an answer with the thumbs up or down under it; ratings are kept on this "
                                        "computer only.", elem_classes=["pair-small"])
                    with gr.Column(scale=5, min_width=320):
                        gr.Markdown("### Cited passages", elem_classes=["pair-panel-title"])
                        cards = gr.HTML(render_cards(None), elem_id="pair-cards", js_on_load=None)
            with gr.Tab("Corpus", id="corpus") as corpus_tab:
                gr.Markdown("Every document in the index. The answers cite only these.")
                table = gr.Dataframe(value=app.corpus_rows(), headers=corpus_headers, interactive=False, wrap=True,
                                     max_height=640, elem_id="pair-corpus",
                                     datatype=["str", "str", "number", "str", "str", "number", "str", "str"],
                                     column_widths=["29%", "18%", "6%", "9%", "11%", "8%", "9%", "10%"])
            with gr.Tab("About", id="about"):
                gr.Markdown(about_markdown(), elem_id="pair-about")

        inputs = [question, turns, doc_types, components, year_min, year_max]
        outputs = [chatbot, cards, turns, question]
        question.submit(app.respond, inputs, outputs, api_visibility="private", show_progress="minimal",
                        concurrency_id="ask")
        examples.load_input_event.then(app.respond, inputs, outputs, api_visibility="private",
                                       show_progress="minimal", concurrency_id="ask")
        def on_select(t, evt):
            return app.cards_for_message(t, evt.index)

        on_select.__annotations__ = {"evt": gr.SelectData}  # real classes: this module's annotations are strings

        chatbot.select(on_select, [turns], [cards], api_visibility="private", show_progress="hidden")

        if feedback_store is not None:
            def on_like(t, evt):
                if app.rate(t, evt.index, evt.liked):
                    gr.Info("Thank you: your rating is saved on this computer.", duration=2)

            on_like.__annotations__ = {"evt": gr.LikeData}

            chatbot.like(on_like, [turns], None, api_visibility="private", show_progress="hidden")

        def reset():
            return [], render_cards(None), [], gr.DownloadButton(visible=False)

        clear_btn.click(reset, None, [chatbot, cards, turns, download_btn], api_visibility="private")
        chatbot.clear(reset, None, [chatbot, cards, turns, download_btn], api_visibility="private")

        def export(t):
            if not t:
                gr.Warning("Ask a question first: the brief is made from the conversation.")
                return gr.DownloadButton(visible=False)
            n = len(t)
            return gr.DownloadButton(value=str(app.write_brief(t)), visible=True,
                                     label=f"Download brief ({n} question{'s' if n != 1 else ''})")

        export_btn.click(export, [turns], [download_btn], api_visibility="private").then(
            None, None, None, js="() => { setTimeout(() => { const b = document.querySelector('#pair-download'); "
                                 "if (b && b.offsetParent !== null) b.click(); }, 50); }")
        corpus_tab.select(app.corpus_rows, None, [table], api_visibility="private", show_progress="hidden")

        gr.api(app.api_ask, api_name="ask", concurrency_id="ask")
    return (demo, app) if with_app else demo


def serve(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860, open_browser: bool = False) -> None:
    """Open the assistant once and serve the chat. Blocks until the server stops (Ctrl-C or SIGTERM)."""
    from assistant.api import EvidenceAssistant
    from assistant.feedback import open_feedback

    settings = settings or Settings.from_env()
    creds = check_host(host, settings)  # before the slow part: refuse early
    import torch

    torch.set_num_threads(max(1, settings.serve_threads))  # several requests at once share 2 cores better this way
    assistant = EvidenceAssistant.open(settings, build_if_missing=True, quiet=False)
    try:
        store = open_feedback(settings)
    except Exception as e:  # noqa: BLE001 - an unwritable home should not stop the chat
        log.warning("feedback is off: cannot open %s (%s)", settings.home, e)
        store = None
    warm_up(assistant)
    demo, chat_app = build_app(assistant, settings, store, with_app=True)
    print(f"{TITLE}: index version {assistant.version}; serving on http://{host}:{port}"
          + (" (password required)" if creds else ""), flush=True)
    launch(demo, host, port, creds, open_browser, concurrency=settings.concurrency, queue_size=settings.queue_size,
           api=json_api(chat_app, settings, creds))


def warm_up(assistant) -> None:
    """Pay first-call costs at start-up, not in the first visitor's answer.

    One question warms the retriever; and Gradio wraps every event in a matplotlib backend switch whose
    first use imports matplotlib (0.8-2 s here), so that is done once now.
    """
    try:
        render_cards(assistant.ask(EXAMPLES[0]))
    except Exception:  # noqa: BLE001 - warming up is an optimisation, never a reason not to serve
        log.exception("warm-up question failed")
    try:
        from gradio.utils import MatplotlibBackendMananger  # sic: Gradio's spelling

        with MatplotlibBackendMananger():
            pass
    except Exception:  # noqa: BLE001
        log.debug("matplotlib warm-up skipped", exc_info=True)


def json_api(app: "ChatApp", settings: Settings, auth: tuple[str, str] | None):
    """A plain JSON route, ``POST /api/ask``, beside the chat: the Answer contract without Gradio's queue and
    event stream, which cost more than the answer itself under load (README: load figures). At most
    ``settings.concurrency`` answers are computed at once; up to ``settings.queue_size`` more wait; beyond
    that the route answers 503 with Retry-After, so overload queues, then refuses clearly, never crashes."""
    import base64
    import secrets
    import threading

    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse

    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    slots = threading.BoundedSemaphore(max(1, settings.concurrency))
    waiting = {"n": 0}
    lock = threading.Lock()
    limit = max(1, settings.concurrency) + max(0, settings.queue_size)

    def authorised(request: Request) -> bool:
        if not auth:
            return True
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except Exception:  # noqa: BLE001 - a malformed header is simply not authorised
            return False
        return secrets.compare_digest(user, auth[0]) and secrets.compare_digest(password, auth[1])

    def answer(body: dict) -> dict:
        with slots:
            return app.api_ask(body.get("question", ""), body.get("filters"))

    @api.post("/api/ask")
    async def ask_route(request: Request):
        if not authorised(request):
            return JSONResponse({"error": "authentication required"}, status_code=401, headers={"WWW-Authenticate": "Basic"})
        try:
            body = await request.json()
        except Exception:  # noqa: BLE001
            return JSONResponse({"error": 'send JSON: {"question": "...", "filters": {...}}'}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": 'send a JSON object: {"question": "..."}'}, status_code=400)
        with lock:
            if waiting["n"] >= limit:
                return JSONResponse({"error": "the assistant is busy; try again shortly"}, status_code=503, headers={"Retry-After": "2"})
            waiting["n"] += 1
        try:
            return JSONResponse(await run_in_threadpool(answer, body))
        except Exception as e:  # noqa: BLE001 - a client gets a short message, the log gets the trace
            log.exception("ask failed (JSON API)")
            return JSONResponse({"error": str(e)[:300] or type(e).__name__}, status_code=400)
        finally:
            with lock:
                waiting["n"] -= 1

    return api


def launch(demo, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           open_browser: bool = False, prevent_thread_lock: bool = False, concurrency: int = 4, queue_size: int = 64,
           api=None):
    """Queue (overload waits rather than fails) and launch with system fonts and nothing fetched from outside.
    With ``api`` (a FastAPI app from json_api), the chat is mounted on it and served by uvicorn."""
    demo.queue(default_concurrency_limit=concurrency, max_size=queue_size)
    options = dict(theme=theme(), css=css(), footer_links=["api", "settings"], ssr_mode=False, pwa=False,
                   mcp_server=False, show_error=False, enable_monitoring=False,
                   run_history=False)  # Gradio would keep every question in the browser and offer to upload it to a hub bucket
    if api is None:
        return demo.launch(server_name=host, server_port=port, auth=auth, inbrowser=open_browser, share=False, quiet=True,
                           prevent_thread_lock=prevent_thread_lock, **options)
    import gradio as gr
    import uvicorn

    app = gr.mount_gradio_app(api, demo, path="", server_name=host, server_port=port, auth=auth, **options)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.5, webbrowser.open, [f"http://{host}:{port}/"]).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
