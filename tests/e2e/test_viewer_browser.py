"""The source viewer end to end: a small corpus plus a PDF added with `pair-assistant add`, served, and driven
with Debian chromium through Playwright. Clicking a citation must open its document with exactly the
answer's span highlighted and in view; a PDF citation must show the cited page with boxes over the cited
words (checked against pdfium's own character boxes); a hostile passage must stay inert.
A screenshot of the PDF view goes to test-output/viewer-pdf.png (the README shows it).
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import guarded_page
from tests.e2e.test_ui_browser import OUT, ask
from tests.support import PY, ROOT, SMALL_DOCS, free_port, stop_process, wait_http, write_md

pytestmark = pytest.mark.slow

PDF_PAGES = [
    "Beaver survey 2024, page one. Introduction: why the survey counts dams on northern rivers.",
    "Page two. The 2024 beaver survey counted 212 beaver dams on the river Otterburn, up from 150 in 2020. "
    "Volunteers walked every tributary twice between April and June.",
    "Page three. Methods and limitations: dams hidden under bank vegetation may have been missed.",
]
Q_PDF = "How many beaver dams were counted on the river Otterburn?"
Q_MD = "How many otters were counted along the Tyne?"
HOSTILE = """
    ## Kingfishers on the Wear
    Kingfishers nested at 31 sites on the Wear in 2022 <script>window.__pwned = 1</script> and
    <img src=x onerror="window.__pwned = 2"> were counted by the county bird club.
    """
Q_HOSTILE = "At how many sites did kingfishers nest on the Wear?"


def make_beaver_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for i, text in enumerate(PDF_PAGES):
        pdf.add_page()
        pdf.set_y(30 + 40 * i)  # a different place on each page, so page images differ
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def cli(args, env):
    return subprocess.run([PY, "-m", "assistant", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def viewer_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("viewer")
    corpus = base / "corpus"
    for doc_id, body in SMALL_DOCS.items():
        write_md(corpus / "report", doc_id, body)
    write_md(corpus / "report", "kingfishers", HOSTILE, title="Birds of the Wear <b>bold</b>")
    env = dict(os.environ, ASSISTANT_HOME=str(base / "home"), ASSISTANT_CORPUS=str(corpus), ASSISTANT_FEEDBACK="0",
               ASSISTANT_GAPS="0", PYTHONUNBUFFERED="1")
    env.pop("ASSISTANT_AUTH", None)
    pdf = make_beaver_pdf(base / "beaver-survey.pdf")  # `add` indexes the whole corpus folder with it
    added = cli(["add", str(pdf), "--title", "Beaver survey 2024", "--publisher", "River Trust", "--year", "2024",
                 "--url", "https://example.org/beavers", "--doc-type", "report"], env)
    assert added.returncode == 0, added.stderr
    port = free_port()
    log = open(base / "serve.log", "w")
    proc = subprocess.Popen([PY, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", 240, proc)
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "pdf": corpus / "report" / "beaver-survey.pdf"}
    finally:
        stop_process(proc, log)


def api_answer(server, question: str) -> dict:
    req = urllib.request.Request(server["url"] + "api/ask", data=json.dumps({"question": question}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())



@pytest.fixture
def page(browser, viewer_server):
    with guarded_page(browser, viewer_server["url"], ("clipboard-read", "clipboard-write")) as pg:
        yield pg


def in_viewport(page, selector: str) -> bool:
    return page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_clicking_a_citation_in_the_answer_opens_its_source_with_the_span_highlighted(page, viewer_server):
    expected = api_answer(viewer_server, Q_MD)["citations"][0]
    ask(page, Q_MD)
    page.locator('#pair-chat a[href^="#pair-cite-0-1"]').first.click()
    page.wait_for_selector("#pair-viewer .pair-viewer .pair-ctx-cited mark")
    marks = page.locator("#pair-viewer .pair-ctx-cited mark").all_inner_texts()
    assert marks == [expected["text"][a:b] for a, b in expected["spans"]]
    assert page.locator("#pair-viewer .pair-viewer").get_attribute("data-passage") == expected["passage_id"]
    page.wait_for_function("""() => { const r = document.querySelector('#pair-viewer .pair-ctx-cited mark').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", timeout=5000)
    assert in_viewport(page, "#pair-viewer .pair-ctx-cited mark")
    # the reference can be copied, and closing empties the panel
    page.locator("#pair-viewer .pair-copy-ref").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("Test Publisher (2024) Test document otters.") and "https://example.org/otters" in copied
    page.locator("#pair-viewer .pair-viewer-close").click()
    page.wait_for_function("() => !document.querySelector('#pair-viewer .pair-viewer')", timeout=5000)


def pdf_char_boxes(pdf: Path, page_no: int, words: str, scale: float) -> list[tuple[float, float, float, float]]:
    """pdfium's own search for ``words`` on the page, as pixel boxes (left, top, right, bottom) of each glyph."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    pg = doc[page_no - 1]
    height = pg.get_size()[1]
    tp = pg.get_textpage()
    found = tp.search(words, match_case=True, match_whole_word=False).get_next()
    assert found, f"{words!r} not on page {page_no}"
    start, count = found
    boxes = []
    for i in range(start, start + count):
        l, b, r, t = tp.get_charbox(i, loose=False)
        if r > l and t > b:
            boxes.append((l * scale, (height - t) * scale, r * scale, (height - b) * scale))
    doc.close()
    return boxes


def page_pixels(pdf: Path, page_no: int, scale: float):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    img = doc[page_no - 1].render(scale=scale).to_pil().convert("RGB")
    doc.close()
    return img


def test_a_pdf_citation_shows_the_cited_page_with_boxes_over_the_cited_words(page, viewer_server):
    from PIL import Image

    from assistant.sources import RENDER_SCALE

    answer = api_answer(viewer_server, Q_PDF)
    cited = next(c for c in answer["citations"] if c["doc_id"] == "beaver-survey")
    assert cited["locator"] == "p. 2" and cited["spans"]
    ask(page, Q_PDF)
    page.locator(f'#pair-cards .pair-card#pair-cite-{cited["n"]} .pair-view-btn').click()
    page.wait_for_selector("#pair-viewer .pair-pdf-page img")
    sheet = page.locator("#pair-viewer .pair-pdf-page")
    assert sheet.get_attribute("data-page") == "2"
    # the image is page 2: the same pixels pdfium draws for page 2, not those of pages 1 or 3
    src = page.locator("#pair-viewer .pair-pdf-page img").get_attribute("src")
    shown = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")
    assert shown.tobytes() == page_pixels(viewer_server["pdf"], 2, RENDER_SCALE).tobytes()
    assert shown.tobytes() != page_pixels(viewer_server["pdf"], 1, RENDER_SCALE).tobytes()
    # every glyph of the cited words lies inside a highlight box
    boxes = [tuple(map(float, b.split(","))) for b in
             page.locator("#pair-viewer .pair-pdf-box").evaluate_all("els => els.map(e => e.dataset.box)")]
    assert boxes
    a, b = cited["spans"][0]
    words = cited["text"][a:b].split(".")[0].strip()  # the span's first sentence, as pdfium finds it
    glyphs = pdf_char_boxes(viewer_server["pdf"], 2, words[:60], RENDER_SCALE)
    for l, t, r, btm in glyphs:
        cx, cy = (l + r) / 2, (t + btm) / 2
        assert any(L - 1 <= cx <= R + 1 and T - 1 <= cy <= B + 1 for L, T, R, B in boxes), ((cx, cy), boxes)
    # and no box strays from the cited words: each lies on the cited lines, none covers the page
    span_glyphs = pdf_char_boxes(viewer_server["pdf"], 2, cited["text"][a:b].split()[-1].rstrip("."), RENDER_SCALE)
    for L, T, R, B in boxes:
        assert any(L - 1 <= (l + r) / 2 <= R + 1 and T - 1 <= (t + btm) / 2 <= B + 1 for l, t, r, btm in glyphs + span_glyphs)
        assert (R - L) * (B - T) < 0.2 * shown.width * shown.height
    page.wait_for_function("""() => { const r = document.querySelector('#pair-viewer .pair-pdf-box').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""", timeout=5000)
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "viewer-pdf.png"))
    # paging: next page shows page 3 without boxes, and a way back
    page.locator("#pair-viewer .pair-page-next").click()
    page.wait_for_selector('#pair-viewer .pair-pdf-page[data-page="3"]')
    assert page.locator("#pair-viewer .pair-pdf-box").count() == 0
    page.locator("#pair-viewer .pair-page-prev").click()
    page.wait_for_selector('#pair-viewer .pair-pdf-page[data-page="2"] .pair-pdf-box')


def test_a_passage_with_html_and_script_is_shown_inert(page, viewer_server):
    answer = api_answer(viewer_server, Q_HOSTILE)
    cited = next(c for c in answer["citations"] if c["doc_id"] == "kingfishers")
    ask(page, Q_HOSTILE)
    page.locator(f'#pair-cards .pair-card#pair-cite-{cited["n"]} button.pair-n').click()
    page.wait_for_selector("#pair-viewer .pair-ctx-cited")
    text = page.locator("#pair-viewer .pair-viewer-doc").inner_text()
    assert "<script>window.__pwned = 1</script>" in text and "<img src=x" in text
    assert page.locator("#pair-viewer script, #pair-viewer img, #pair-viewer b").count() == 0
    assert "<b>bold</b>" in page.locator("#pair-viewer .pair-viewer-title").inner_text()
    assert page.evaluate("() => window.__pwned") is None
