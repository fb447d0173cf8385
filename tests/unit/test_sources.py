"""Citations in their place (assistant.sources, the viewer's HTML): span arithmetic across chunk boundaries and
Unicode, finding cited words on PDF pages (two columns included), references, and requests from the page."""

from __future__ import annotations

import json

import pytest
import yaml

from assistant.answering.composer import passage_sentences
from assistant.app.web import viewer
from assistant.errors import AssistantError
from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import load_document
from assistant.ingest.loaders.pdf import unwrap
from assistant.sources import (
    check_spans,
    find_on_page,
    indexed_pdf,
    line_boxes,
    marked,
    page_image,
    reference,
    render_page,
    source_view,
)
from tests.support import make_passage, write_md

LEFT = ("Commissioners in the north said short-term funding made it hard to keep skilled staff in post. "
        "Several teams lost clinicians when grants ended. ") * 3
RIGHT = ("Parent-infant teams grew from 27 in 2019 to 49 in June 2025 across the United Kingdom. "
         "Most were funded by integrated care boards. ") * 3


def two_column_pdf(path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    with pdf.text_columns(ncols=2, gutter=10) as cols:
        cols.write(text=LEFT)
        cols.new_column()
        cols.write(text=RIGHT)
    pdf.output(str(path))
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(
        {"title": "Two columns", "publisher": "Test", "year": 2025, "url": "https://example.org/two", "doc_type": "report"}))
    return path


# -- span arithmetic --------------------------------------------------------------------------------------
def test_spans_are_offsets_into_their_own_passage_across_chunk_boundaries(tmp_path):
    sentences = [f"Finding number {i} says that team {i} served {i * 10} families in the year." for i in range(60)]
    path = write_md(tmp_path / "report", "long", "## Findings\n" + " ".join(sentences))
    passages = chunk_document(load_document(path), max_words=60)
    assert len(passages) >= 4
    for p in passages:
        for start, end, sentence in passage_sentences(p.text):
            assert p.text[start:end] == sentence
    second = passages[1]
    start, end, sentence = passage_sentences(second.text)[0]
    view = source_view(passages, second.passage_id, [[start, end]], context=1)
    assert [c.passage_id for c in view.context] == [p.passage_id for p in passages[:3]]
    cited = [c for c in view.context if c.cited]
    assert len(cited) == 1 and cited[0].spans == [[start, end]]
    assert marked(cited[0].text, cited[0].spans).startswith("»" + sentence + "«")
    # a neighbour's text is never marked with the cited passage's offsets
    assert all(not c.spans for c in view.context if not c.cited)


def test_spans_count_characters_not_bytes_in_unicode_text():
    text = "Naïve estimates put the cost at £8.1bn 🍼 per cohort. The ﬁrst review followed in 2016."
    p = make_passage("costs:0000", text)
    (s1, e1, first), (s2, e2, second) = passage_sentences(text)
    view = source_view([p], "costs:0000", [[s2, e2]])
    assert text[s2:e2] == second == "The ﬁrst review followed in 2016."
    assert marked(text, view.spans).endswith("»The ﬁrst review followed in 2016.«")
    # the page text of a PDF may spell the ligature out and space things differently: still found
    page = "Naïve estimates put the cost at\n£8.1bn 🍼 per cohort.  The first\nreview followed in 2016."
    start, end = find_on_page(page, second)
    assert page[start:end] == "The first\nreview followed in 2016."


@pytest.mark.parametrize("spans, message", [
    ([[5, 3]], "outside the passage"), ([[0, 999]], "outside the passage"), ([["a", 2]], "two whole numbers"),
    ([[1]], "two whole numbers"), ([[-1, 2]], "outside the passage"), (["12"], "two whole numbers"),
    ([[1.9, 5.2]], "two whole numbers"), ([[True, 2]], "two whole numbers"), ([[0, 1]] * 21, "at most 20 spans"),
])
def test_bad_spans_are_refused_with_a_reason(spans, message):
    with pytest.raises(AssistantError, match=message):
        check_spans(spans, "A short passage.")


def test_overlapping_spans_are_merged_so_nothing_is_marked_twice_or_dropped():
    text = "abcdefghijklmnopqrstuvwxyz"
    spans = check_spans([[5, 15], [0, 10], [20, 22], [22, 24]], text)
    assert spans == [[0, 15], [20, 24]]
    assert marked(text, spans) == "»abcdefghijklmno«pqrst»uvwx«yz"


def test_pages_are_drawn_one_at_a_time_from_several_threads(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = two_column_pdf(tmp_path / "two.pdf")
    with ThreadPoolExecutor(4) as pool:
        images = list(pool.map(lambda _: render_page(path.read_bytes(), 1, [RIGHT.split(". ")[0]]), range(8)))
    assert all(im.found and im.png == images[0].png for im in images)


def test_unknown_passage_says_what_an_id_looks_like():
    with pytest.raises(AssistantError, match="ids look like doc-id:0003"):
        source_view([make_passage("a:0000", "text")], "b:0001")


def test_reference_names_the_section_or_page():
    section = make_passage("r:0001", "t", title="The Report", locator="Findings > Funding")
    page = make_passage("r:0002", "t", title="The Report", locator="p. 7")
    assert reference(section) == ("Publisher (2024) The Report. Section: Findings > Funding. "
                                  "Available at: https://example.org/r")
    assert reference(page) == "Publisher (2024) The Report. p. 7. Available at: https://example.org/r"


# -- PDF pages ---------------------------------------------------------------------------------------------
def test_wrapped_pdf_lines_are_joined_into_sentences():
    assert unwrap("up from 150 in\n2020. Then short-\nterm money\n\nA new paragraph\ncontinues") == \
        "up from 150 in 2020. Then short-term money\n\nA new paragraph continues"


def test_line_boxes_merge_glyphs_of_a_line_and_keep_lines_apart():
    glyphs = [(10, 100, 16, 112), (16, 98, 18, 104), (19, 100, 25, 112),  # a comma sits low but on the line
              (0, 0, 0, 0),  # a generated space has no box
              (10, 80, 16, 92), (17, 80, 24, 92)]
    assert line_boxes(glyphs) == [(10, 98, 25, 112), (10, 80, 24, 92)]


def test_two_column_pages_box_the_cited_column_only(tmp_path):
    path = two_column_pdf(tmp_path / "two.pdf")
    doc = load_document(path)
    passages = chunk_document(doc)
    right = next(p for p in passages if "27 in 2019" in p.text)
    start, end, sentence = next(s for s in passage_sentences(right.text) if "27 in 2019" in s[2])
    image = render_page(path, 1, [sentence])
    assert image.found and image.boxes and image.page == 1 and image.page_count == 1
    assert all(left > image.width / 2 - 5 for left, _, _, _ in image.boxes), image.boxes  # right-hand column
    left_sentence = "Several teams lost clinicians when grants ended."
    boxes = render_page(path, 1, [left_sentence]).boxes
    assert boxes and all(r < image.width / 2 + 5 for _, _, r, _ in boxes)
    assert image.png.startswith(b"\x89PNG")


def test_text_not_on_the_page_is_reported_not_guessed(tmp_path):
    path = two_column_pdf(tmp_path / "two.pdf")
    image = render_page(path, 1, ["Otters eat mostly fish, especially eels, and sometimes frogs and crayfish."])
    assert not image.found and image.boxes == []
    with pytest.raises(AssistantError, match="has 1 page"):
        render_page(path, 2, [])


def test_only_the_indexed_pdf_is_drawn(tmp_path):
    path = two_column_pdf(tmp_path / "two.pdf")
    doc = load_document(path)
    passages = chunk_document(doc)
    record = {passages[0].doc_id: {"path": str(path), "content_hash": doc.content_hash}}
    view = source_view(passages, passages[0].passage_id, None, 1, record, tmp_path)
    assert view.page == 1 and page_image(view).found  # no spans: the whole passage is boxed
    elsewhere = source_view(passages, passages[0].passage_id, None, 1, record, tmp_path / "report")
    with pytest.raises(AssistantError, match="not in this computer's corpus folder"):
        indexed_pdf(elsewhere)  # a manifest path outside the corpus folder is never opened
    link = tmp_path / "link.pdf"
    link.symlink_to(path)
    with pytest.raises(AssistantError, match="not in this computer's corpus folder"):
        indexed_pdf(source_view(passages, passages[0].passage_id, None, 1, {passages[0].doc_id: {"path": str(link),
                                "content_hash": doc.content_hash}}, tmp_path))
    path.write_bytes(path.read_bytes() + b"\n%changed")
    with pytest.raises(AssistantError, match="changed since it was indexed"):
        indexed_pdf(view)
    md = write_md(tmp_path / "report", "notes", "## A\nSome text.")
    md_passages = chunk_document(load_document(md))
    md_view = source_view(md_passages, md_passages[0].passage_id, None, 1, {"notes": {"path": str(md)}}, tmp_path)
    with pytest.raises(AssistantError, match="is not a PDF"):
        indexed_pdf(md_view)


# -- the viewer's requests and HTML -------------------------------------------------------------------------
TURNS = [{"answer": {"citations": [{"n": 1, "passage_id": "a:0000", "spans": [[0, 4]], "text": "Some text here."}]}}]


@pytest.mark.parametrize("raw, expected", [
    ('{"turn": 0, "n": 1, "at": 5}', ("a:0000", [[0, 4]], None, viewer.text_fingerprint("Some text here."))),
    ('{"passage_id": "b:0002", "spans": [[1, 3]], "page": 2, "h": "ab12"}', ("b:0002", [[1, 3]], 2, "ab12")),
    ('{"close": true}', None), ("", None),
])
def test_view_requests(raw, expected):
    assert viewer.parse_request(raw, TURNS) == expected


@pytest.mark.parametrize("raw, message", [
    ("not json", "not JSON"), ('{"turn": 3, "n": 1}', "no longer in this conversation"),
    ('{"turn": 0, "n": 9}', "no citation \\[9\\]"), ('{"passage_id": "a:0000", "page": 0}', "whole number from 1"),
    ('{"spans": []}', "which passage"), ("x" * 5000, "too long"),
])
def test_bad_view_requests_are_refused(raw, message):
    with pytest.raises(AssistantError, match=message):
        viewer.parse_request(raw, TURNS)


class FakeSources:
    def __init__(self, passages):
        self.passages = passages

    def source(self, passage_id, spans=None, context=1):
        return source_view(self.passages, passage_id, spans, context, {})


def test_viewer_html_is_inert_and_marks_the_span():
    text = 'Teams grew <script>alert(1)</script> to 49. {{x}} ${y} <img src=x onerror=alert(2)>'
    p = make_passage("h:0000", text, title="<b>Title</b> ![i](http://198.51.100.8/t.png)")
    html = viewer.render_view(FakeSources([p]), json.dumps({"passage_id": "h:0000", "spans": [[0, 10]]}), [])
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and '<mark class="pair-used">Teams grew</mark>' in html
    assert "${" not in html and "{{" not in html  # no template syntax reaches gr.HTML
    assert 'data-copy="Publisher (2024) &lt;b&gt;Title&lt;/b&gt;' in html


def test_a_citation_whose_passage_changed_since_the_answer_is_not_shown_with_old_offsets():
    now = make_passage("a:0000", "Other words entirely, after a re-index of the same document.")
    html = viewer.render_view(FakeSources([now]), '{"turn": 0, "n": 1}', TURNS)
    assert "re-indexed since this answer" in html and "<mark" not in html
    same = make_passage("a:0000", "Some text here.")
    assert '<mark class="pair-used">Some</mark>' in viewer.render_view(FakeSources([same]), '{"turn": 0, "n": 1}', TURNS)


def test_viewer_shows_a_message_not_a_trace_for_a_bad_request():
    html = viewer.render_view(FakeSources([make_passage("a:0000", "text")]), '{"passage_id": "zzz:1"}', [])
    assert "pair-viewer-message" in html and "no passage" in html and "Traceback" not in html
    assert viewer.render_view(FakeSources([]), '{"close": true}', []) == ""


def test_running_headers_footers_and_page_numbers_are_not_glued_into_sentences(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=11)
    bodies = ["Monitoring returns are due within 30 days of the end of each quarter.",
              "Each local authority publishes a single Start for Life offer.",
              "Grant conditions allow spending on perinatal mental health.",
              "Unspent funding must be returned at the end of the year."]
    for n, body in enumerate(bodies, start=1):
        pdf.add_page()
        pdf.cell(0, 8, "Family Hubs grant guide 2026 to 2027", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 8, body)
        pdf.set_y(-20)
        pdf.cell(0, 8, f"Page {n} of {len(bodies)}")
    path = tmp_path / "guide.pdf"
    pdf.output(str(path))
    path.with_name("guide.pdf.meta.yaml").write_text(yaml.safe_dump(
        {"title": "Guide", "publisher": "Test", "year": 2025, "url": "https://example.org/g", "doc_type": "guidance"}))
    sections = load_document(path).sections
    assert [s.text for s in sections] == bodies
    assert [s.locator for s in sections] == ["p. 1", "p. 2", "p. 3", "p. 4"]


def test_a_line_that_recurs_only_in_the_body_is_kept():
    from assistant.ingest.loaders.pdf import strip_running_lines

    topics = ["otters", "beavers", "herons", "voles"]
    body = "About {t} first.\nSecond line on {t}.\nFunding is short term.\nFourth line on {t}.\nLast on {t}."
    pages = ["The guide's title\n" + body.format(t=t) + "\n12" for t in topics]
    assert strip_running_lines(pages) == [body.format(t=t) for t in topics]  # title and page number go, the body stays
    short = ["Two lines only\nand a second", "Two lines only\nand a second"]
    assert strip_running_lines(short) == short  # too short to have a header, and too few pages to tell
    trailing = [f"Title line\nBody {t} one.\nBody {t} two.\nBody {t} three.\nPage {i} of 4\n\n"
                for i, t in enumerate(topics, start=1)]
    assert all("Page" not in p and "Title" not in p for p in strip_running_lines(trailing))  # blank lines after a footer
    once = [f"Intro {t}.\nMiddle {t}.\nMore {t}.\nEnd {t}." for t in topics[:3]] + ["Intro x.\nTotal teams\nin the table\n42"]
    assert strip_running_lines(once)[-1].endswith("42")  # a number at the foot of one page is not a page number


def test_the_viewer_shows_a_table_passage_as_a_table_cited_or_not_and_never_inside_a_paragraph():
    table = "Table 1 barriers.\n\n| Theme | Barrier |\n|---|---|\n| Funding | Funding is short term |"
    cited = make_passage("t:0000", table, title="Tables")
    beside = make_passage("t:0001", table.replace("Funding is short term", "No dedicated lead"), title="Tables")
    html = viewer.render_view(FakeSources([cited, beside]), json.dumps({"passage_id": "t:0000", "spans": [[0, 7]]}), [])
    assert html.count('<table class="pair-table">') == 2 and "|---|" not in html
    assert "<p class=\"pair-ctx" not in html  # a table may not sit inside a <p>: the browser would split it
