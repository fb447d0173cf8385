"""The Gradio layout: title bar, conversation, cards, filters, examples, corpus tab; system fonts only."""

from __future__ import annotations

from pathlib import Path

from assistant.app.web.cards import COMPONENT_LABELS, DOC_TYPE_LABELS, render_cards
from assistant.app.web.handlers import ChatApp
from assistant.app.web.security import esc
from assistant.comb.taxonomy import label
from assistant.ingest.loaders.metadata import DESIGNS
from assistant.settings import COMPONENTS, DOC_TYPES, Settings

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


EXAMPLE_LABELS = {  # Gradio cuts an example's text at 60 characters; these say the same in fewer
    "How much Family Hubs funding is there for perinatal mental health in 2025-26?":
        "Family Hubs funding for perinatal mental health in 2025-26?",
}


CSS_FILE = Path(__file__).resolve().parent / "static" / "ui.css"
JS_FILE = Path(__file__).resolve().parent / "static" / "ui.js"


def example_label(question: str) -> str:
    return EXAMPLE_LABELS.get(question, question)


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
Each passage is linked, where one applies, to a barrier or enabler in the study's own diagnosis (McSweeney et al.
2025, Tables 1-3): the passage reports that barrier or enabler, or is evidence a commissioner can use against a
barrier. The COM-B component is the study's coding of that item (or "system level" where the study codes it N/A),
and "what the study proposes" is its Table 3. Tags are assigned automatically: check them before relying on them.
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


def page_js() -> str:
    """The page's one script (run once on load): clicks on [n], "Show in source", paging and "Copy citation"."""
    try:
        return JS_FILE.read_text("utf-8")
    except OSError:
        return ""


PROGRESS_S = 2.0  # how often the Corpus tab looks for an indexing run's progress while it is open


def build_app(assistant, settings: Settings, feedback_store=None, with_app: bool = False, gap_store=None):
    """The gr.Blocks app around an open EvidenceAssistant (and, with ``with_app``, its ChatApp too)."""
    import gradio as gr

    app = ChatApp(assistant, settings, feedback_store, gap_store)
    corpus_headers = ["Title", "Publisher", "Year", "Type", "Licence", "Passages", "Indexed (UTC)", "Superseded by"]
    comb_headers = ["Barrier or enabler", "Kind", "COM-B", "What the study proposes", "Policy categories", "Passages"]

    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 24 * 3600)) as demo:
        turns = gr.State([])
        gr.HTML(header_html(assistant), elem_id="pair-header", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask") as ask_tab:
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
                            designs = gr.CheckboxGroup(
                                choices=[(d.replace("_", " ").capitalize(), d) for d in DESIGNS],
                                label="Evidence: study design", elem_id="pair-filter-design")
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
                        viewer = gr.HTML("", elem_id="pair-viewer", js_on_load=None)
                        view_request = gr.Textbox(visible="hidden", elem_id="pair-view-request", show_label=False)
                        gr.Markdown("### Cited passages", elem_classes=["pair-panel-title"])
                        cards = gr.HTML(render_cards(None), elem_id="pair-cards", js_on_load=None)
            with gr.Tab("Corpus", id="corpus") as corpus_tab:
                gr.Markdown("Every document in the index. The answers cite only these.")
                progress_md = gr.Markdown("", elem_id="pair-index-progress")
                progress_timer = gr.Timer(PROGRESS_S, active=False)  # ticks only while this tab is open
                running = gr.State(False)
                table = gr.Dataframe(value=app.corpus_rows(), headers=corpus_headers, interactive=False, wrap=True,
                                     max_height=640, elem_id="pair-corpus",
                                     datatype=["str", "str", "number", "str", "str", "number", "str", "str"],
                                     column_widths=["29%", "18%", "6%", "9%", "11%", "8%", "9%", "10%"])
                gr.Markdown("### Evidence gaps\nQuestions the assistant refused or answered only in part, by topic: what "
                            "guidance to add next. Kept on this computer only" + ("." if gap_store is not None else
                            " (switched off: ASSISTANT_GAPS=0)."))
                gap_table = gr.Dataframe(value=app.gap_rows(), headers=["Topic", "Times asked", "Kind", "Last asked (UTC)",
                                         "Example question"], interactive=False, wrap=True, max_height=400,
                                         elem_id="pair-gaps", datatype=["str", "number", "str", "str", "str"])
            with gr.Tab("COM-B map", id="comb-map") as map_tab:
                gr.Markdown("The study's diagnosis (McSweeney et al. 2025, Tables 1-3): each barrier and enabler, its COM-B "
                            "component or system level, what the study proposes, and how many passages bear on it. "
                            "Choose a row to see the evidence for it.")
                comb_table = gr.Dataframe(value=app.comb_map_rows(), headers=comb_headers, interactive=False, wrap=True,
                                          max_height=520, elem_id="pair-comb-map",
                                          datatype=["str", "str", "str", "str", "str", "number"])
                item_cards = gr.HTML('<div class="pair-cards"><p>Choose a barrier or enabler in the table.</p></div>',
                                     elem_id="pair-map-cards", js_on_load=None)
            with gr.Tab("About", id="about") as about_tab:
                gr.Markdown(about_markdown(), elem_id="pair-about")

        inputs = [question, turns, doc_types, components, year_min, year_max, designs]
        outputs = [chatbot, cards, turns, question]
        question.submit(app.respond, inputs, outputs, api_visibility="private", show_progress="minimal",
                        concurrency_id="ask")
        examples.load_input_event.then(app.respond, inputs, outputs, api_visibility="private",
                                       show_progress="minimal", concurrency_id="ask")
        def on_select(t, evt):
            return app.cards_for_message(t, evt.index)

        on_select.__annotations__ = {"evt": gr.SelectData}  # real classes: this module's annotations are strings

        chatbot.select(on_select, [turns], [cards], api_visibility="private", show_progress="hidden")
        view_request.change(app.view_source, [view_request, turns], [viewer], api_visibility="private",
                           show_progress="minimal")

        if feedback_store is not None:
            def on_like(t, evt):
                if app.rate(t, evt.index, evt.liked):
                    gr.Info("Thank you: your rating is saved on this computer.", duration=2)

            on_like.__annotations__ = {"evt": gr.LikeData}

            chatbot.like(on_like, [turns], None, api_visibility="private", show_progress="hidden")

        def reset():
            return [], render_cards(None), [], gr.DownloadButton(visible=False), ""

        clear_btn.click(reset, None, [chatbot, cards, turns, download_btn, viewer], api_visibility="private")
        chatbot.clear(reset, None, [chatbot, cards, turns, download_btn, viewer], api_visibility="private")

        def export(t):
            if not t:
                gr.Warning("Ask a question first: the brief is made from the conversation.")
                return gr.DownloadButton(visible=False)
            n = len(t)
            return gr.DownloadButton(value=str(app.write_brief(t)), visible=True,
                                     label=f"Download brief ({n} question{'s' if n != 1 else ''})")

        export_btn.click(export, [turns], [download_btn], api_visibility="private").then(
            # the download button is shown by the export's own update, which may render a little later: look for it
            # every 50 ms for up to 3 s (one look after 50 ms missed it under load, and nothing was downloaded)
            None, None, None, js="() => { let n = 0; const t = setInterval(() => { "
                                 "const b = document.querySelector('#pair-download'); "
                                 "if (b && b.offsetParent !== null) { clearInterval(t); b.click(); } "
                                 "else if (++n > 60) clearInterval(t); }, 50); }")
        corpus_tab.select(lambda: (app.corpus_rows(), app.gap_rows(), app.index_progress(), gr.Timer(active=True)), None,
                          [table, gap_table, progress_md, progress_timer], api_visibility="private", show_progress="hidden")
        for other in (ask_tab, map_tab, about_tab):
            other.select(lambda: gr.Timer(active=False), None, [progress_timer], api_visibility="private",
                         show_progress="hidden")

        def on_tick(was_running):
            """The progress line; the table again once a run has ended (it lists what the run published)."""
            line = app.index_progress()
            return line, (app.corpus_rows() if was_running and not line else gr.skip()), bool(line)

        progress_timer.tick(on_tick, [running], [progress_md, table, running], api_visibility="private",
                            show_progress="hidden")

        def on_map_select(evt):
            return app.passages_for_item(evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index)

        on_map_select.__annotations__ = {"evt": gr.SelectData}
        comb_table.select(on_map_select, None, [item_cards], api_visibility="private", show_progress="hidden")

        gr.api(app.api_ask, api_name="ask", concurrency_id="ask")
    return (demo, app) if with_app else demo
