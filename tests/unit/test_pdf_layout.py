"""Layout-aware PDF text (issue 17, item 4): reading order across columns, tables as table passages, headings
as locators, garbled pages warned about, running headers and footers removed, and the source viewer still
finding the passages on their pages. Each PDF is generated (fpdf2) by the benchmark's own writers, and each test
also shows that plain pypdf text fails it, so the test can fail."""

from __future__ import annotations

import warnings

import pytest
import yaml

from assistant.bench import pdf_quality as bench
from assistant.ingest.chunking import split_section
from assistant.ingest.loaders import load_document
from assistant.ingest.loaders.pdf import (
    GarbledTextWarning,
    pdf_sections,
    table_markdown,
)
from assistant.ingest.loaders.pdf_layout import reading_order
from assistant.ingest.loaders.pdf_text import garbled
from assistant.sources import page_of, reference, render_page


def made(tmp_path, name):
    """One benchmark PDF, with a sidecar so that it loads as a corpus document, and what was planted in it."""
    path = tmp_path / f"{name}.pdf"
    planted = bench.SET[name](path, bench.Facts())
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(
        {"title": f"Guide {name}", "publisher": "Test", "year": 2026, "url": "https://example.org/g", "doc_type": "guidance"}))
    return path, planted


def layout(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", GarbledTextWarning)  # a clean PDF warns about nothing
        return bench.passages(path, load_document(path).sections)


def pypdf(path):
    return bench.passages(path, bench.pypdf_sections(path, improved=True))


# -- 1. reading order ------------------------------------------------------------------------------------
def test_two_columns_drawn_line_across_line_are_read_column_by_column(tmp_path):
    path, planted = made(tmp_path, "two-columns")
    assert bench.intact(planted, layout(path)) == list(planted.sentences)
    assert len(bench.intact(planted, pypdf(path))) <= 2  # pypdf interleaves the columns: only the intros survive


def word(text, x0, top, size=10.0):
    return {"text": text, "x0": x0, "x1": x0 + 6 * len(text), "top": top, "bottom": top + size, "size": size}


def test_reading_order_from_word_boxes():
    """Two columns, then a full-width line under both: left column, right column, then the line."""
    words = []
    for i in range(5):  # drawn line across line: left words then right words on each baseline
        words += [word(f"left{i}", 50, 100 + 12 * i), word("aa", 92, 100 + 12 * i), word("bbb", 110, 100 + 12 * i),
                  word("cc", 134, 100 + 12 * i),
                  word(f"right{i}", 250, 100 + 12 * i), word("dd", 292, 100 + 12 * i), word("eee", 310, 100 + 12 * i),
                  word("ff", 334, 100 + 12 * i)]
    x = 50
    for w in ["a", "full", "width", "line", "that", "closes", "the", "page"]:  # word spaces of 4 points, across both columns
        words.append(word(w, x, 172))
        x = words[-1]["x1"] + 4
    text = [ln.text for ln in reading_order(words)]
    assert text == [f"left{i} aa bbb cc" for i in range(5)] + [f"right{i} dd eee ff" for i in range(5)] + \
        ["a full width line that closes the page"]


def test_a_borderless_table_is_not_taken_for_columns():
    """Short cells across a wide gap are rows of a table: they stay read row by row."""
    words = []
    for i in range(5):
        words += [word(f"Area{i}", 50, 100 + 12 * i), word(f"{i}July", 300, 100 + 12 * i)]
    assert [ln.text for ln in reading_order(words)] == [f"Area{i} {i}July" for i in range(5)]


# -- 2. tables -------------------------------------------------------------------------------------------
def test_a_ruled_table_becomes_a_table_passage_row_by_row(tmp_path):
    path, planted = made(tmp_path, "table")
    passages = layout(path)
    tables = [p for p in passages if p.text.startswith("|")]
    assert len(tables) == 1 and tables[0].text.splitlines()[0] == "| Local authority | Return due | Grant (GBP) |"
    assert tables[0].text.splitlines()[1] == "|---|---|---|"
    assert bench.rows_right(planted, passages) == planted.rows
    assert bench.intact(planted, passages) == list(planted.sentences)  # no row glued into the sentences around it
    assert not any(row[0] in p.text for row in planted.rows for p in passages if not p.text.startswith("|"))
    assert bench.rows_right(planted, pypdf(path)) == []  # pypdf: one run-on sentence


def test_a_long_table_repeats_its_header_on_every_passage():
    rows = [["Area", "Return due"]] + [[f"Area {i} with a longer name", f"{i} July 2026"] for i in range(40)]
    chunks = split_section(table_markdown(rows), 60)
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.splitlines()[:2] == ["| Area | Return due |", "|---|---|"]
    body = [ln for c in chunks for ln in c.splitlines()[2:]]
    assert body == table_markdown(rows).splitlines()[2:]  # every row once, in order


# -- 3. headings as locators -----------------------------------------------------------------------------
def test_headings_found_from_font_size_become_locators(tmp_path):
    path, planted = made(tmp_path, "two-columns")
    passages = layout(path)
    assert bench.heading_locators(planted, passages) == len(planted.sentences)
    assert {p.locator for p in passages} == {"p. 1, Workforce", "p. 2, Funding"}
    first = passages[0]
    assert page_of(first.locator) == 1  # the viewer still finds the page
    assert "p. 1, Workforce." in reference(first)
    assert bench.heading_locators(planted, pypdf(path)) == 0


def test_a_heading_carries_over_to_the_next_page(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", "B", 16)
    pdf.add_page()
    pdf.cell(0, 10, "Monitoring returns", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Returns are due within 30 days of the end of each quarter.")
    pdf.add_page()
    pdf.multi_cell(0, 6, "Late returns delay the next payment of the grant.")
    path = tmp_path / "carry.pdf"
    pdf.output(str(path))
    sections = pdf_sections(path, path.read_bytes())
    assert [s.locator for s in sections] == ["p. 1, Monitoring returns", "p. 2, Monitoring returns"]
    assert [s.text for s in sections] == ["Returns are due within 30 days of the end of each quarter.",
                                          "Late returns delay the next payment of the grant."]


# -- 4. garbled pages ------------------------------------------------------------------------------------
def test_a_garbled_page_is_warned_about_by_file_and_page(tmp_path):
    path, _planted = made(tmp_path, "garbled")
    with pytest.warns(GarbledTextWarning) as caught:
        sections = pdf_sections(path, path.read_bytes())
    assert [str(w.message).split(":")[0] for w in caught] == ["garbled.pdf, page 2"]
    assert "OCR" in str(caught[0].message)
    assert {s.locator for s in sections} == {"p. 1", "p. 2", "p. 3"}  # still indexed: the warning is advice


@pytest.mark.parametrize("text,why", [
    ("(cid:12)(cid:7)(cid:9) " * 40, "broken glyphs"),
    (" ".join("Monitoring returns are due within thirty days of the quarter") * 3, "single letters"),
    (("Wkh Vwrfnsruw sduhqw-lqidqw whdp vdz 162 idplolhv lq wkh bhdu, dqg 32 ri wkhp zhuh uhihuuhg eb khdowk "
     "ylvlwruv ehiruh wkh edeb zdv vla prqwkv rog. Frpplvvlrqhuv lq Nhqw vdlg wkdw lqwhusuhwlqj vhuylfhv."), "not words"),
])
def test_garbled_text_is_recognised(text, why):
    assert why in garbled(text)


@pytest.mark.parametrize("text", [
    "Monitoring returns must be submitted within 30 days of the end of each quarter. " * 5,
    ("Barnsley Bolton Bristol Cornwall Croydon Derby Devon Dorset Durham Essex Gateshead Hackney Halton Kent "
    "Kirklees Leeds Luton Medway Norfolk Oldham Plymouth Reading Rotherham Salford Sefton Slough Solihull NHS ICB"),
    ("Mae'r canllaw hwn yn nodi amodau'r grant ar gyfer 2026 i 2027. Rhaid cyflwyno ffurflenni monitro o fewn 30 "
    "diwrnod i ddiwedd pob chwarter, ac mae'r awdurdod lleol yn gyfrifol am y gwaith hwn yn y flwyddyn."),
    "1 2 3 4 5 6 7 8 9 10 " * 20,
])
def test_text_that_reads_is_not_called_garbled(text):
    assert garbled(text) == ""


# -- 5. running headers and footers ----------------------------------------------------------------------
def test_running_headers_and_footers_stay_removed_wherever_the_pdf_draws_them(tmp_path):
    """The date line is drawn before the body, so in pypdf's drawing order it is not at the page's edge; by
    position it is, and goes."""
    path, planted = made(tmp_path, "headers-footers")
    passages = layout(path)
    assert bench.leaks(planted, passages) == 0
    assert bench.intact(planted, passages) == list(planted.sentences)
    assert bench.leaks(planted, pypdf(path)) > 0
    assert bench.leaks(planted, bench.passages(path, bench.pypdf_sections(path))) > 0


# -- the viewer finds the passages on their pages --------------------------------------------------------
def test_the_viewer_boxes_a_left_column_sentence_in_the_left_column(tmp_path):
    path, planted = made(tmp_path, "two-columns")
    passages = layout(path)
    assert bench.placed(path, passages) == (len(passages), len(passages))
    left = list(planted.sentences)[1]  # the first sentence of the left column, on two or three lines
    image = render_page(path, 1, [left])
    assert image.found and len(image.boxes) >= 2
    assert all(right < image.width / 2 for _, _, right, _ in image.boxes), image.boxes
    found, total = bench.placed(path, pypdf(path))
    assert found < total  # pypdf's interleaved text is on no page


def test_a_word_drawn_twice_for_a_fake_bold_is_read_once(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    for dx in (0, 0.2):  # drawn twice, a fraction of a point apart: a fake bold
        pdf.text(20 + dx, 30, "Returns are due within thirty days.")
    path = tmp_path / "bold.pdf"
    pdf.output(str(path))
    assert [s.text for s in pdf_sections(path, path.read_bytes())] == ["Returns are due within thirty days."]


def test_pages_are_released_as_they_are_read(tmp_path):
    """A long PDF must not hold every page's characters until the end (a 500-page one took 1.1 GB): the peak
    memory of reading six pages stays near that of two."""
    import tracemalloc

    def peak(pages):
        path = tmp_path / f"guide-{pages}.pdf"
        bench.guide(path, bench.Facts(), pages=pages)
        data = path.read_bytes()
        tracemalloc.start()
        try:
            pdf_sections(path, data)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    two, six = peak(2), peak(6)
    assert six < 1.6 * two, (two, six)
