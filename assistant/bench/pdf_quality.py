"""PDF text quality on generated PDFs: the layout-aware loader against pypdf, in one run.

    .venv/bin/python -m assistant.bench.pdf_quality [--keep DIR]

Needs fpdf2 (the ``test`` extra) to write the PDFs. Seven PDFs, each with facts planted in it:

- ``one-column``: two pages of wrapped paragraphs under headings;
- ``two-columns``: two pages of two columns drawn line across line (left line, right line, on each baseline),
  as Word and InDesign exports draw them: the text order pypdf follows interleaves the columns;
- ``table``: a ruled table (header and eight rows) between two paragraphs;
- ``headers-footers``: six pages with a running title, a running date line and "Page N of 6";
- ``guide-100``: a 100-page guide with running header and footer, a heading per page, a table every tenth
  page and two columns every seventh; page 5, "Monitoring returns", says when they are due;
- ``flowing``: 100 sentences in one paragraph that runs on over four pages (sentences cut by page breaks);
- ``garbled``: three pages, the second drawn with a broken font encoding (its letters shifted).

Each loader's sections are cut into passages by the indexer's own chunking (160 words), and scored:

- sentences intact: planted sentences found whole, in order, in one passage;
- table rows: planted rows whose cells all stand on one line of one passage, with no cell of another row;
- header leaks: passages holding a running header or footer, or a "Page N of M" label;
- heading locators: planted sentences whose passage's locator names the heading they sit under;
- placed on page: passages that ``sources.find_on_page`` finds whole on their page in pdfium's text, as the
  source viewer boxes a citation without spans;
- garbled warned: pages with broken text that were warned about (and, after the slash, pages warned wrongly).

Columns: ``pypdf`` is plain ``extract_text()`` per page; ``pypdf+`` is what this project shipped before (the same
with wrapped lines joined and running lines removed); ``layout`` is :mod:`assistant.ingest.loaders.pdf`.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest.chunking import chunk_document
from assistant.models import Document, DocumentMeta, Passage, Section

PLACES = ["Barnsley", "Bolton", "Bristol", "Cornwall", "Croydon", "Derby", "Devon", "Dorset", "Durham", "Essex",
          "Gateshead", "Hackney", "Halton", "Kent", "Kirklees", "Leeds", "Luton", "Medway", "Norfolk", "Oldham",
          "Plymouth", "Reading", "Rotherham", "Salford", "Sefton", "Slough", "Solihull", "Stockport", "Sunderland",
          "Swindon", "Thurrock", "Torbay", "Trafford", "Walsall", "Wigan", "Wirral", "Wokingham", "York"]
TOPICS = ["short-term funding", "recruiting psychologists", "waiting lists", "referral routes", "data sharing",
          "supervision for health visitors", "outreach to fathers", "interpreting services", "premises",
          "evaluation of outcomes"]
HEADER = "Family Hubs and Start for Life grant guide 2026 to 2027"
DATE_LINE = "Published by the Department for Education, March 2026"
MONITORING = "Monitoring returns must be submitted within 30 days of the end of each quarter."
MONITORING_PAGE = [MONITORING,  # page 5 of the guide, as a real guide's section on returns would read
                   ("Each monitoring return reports spending against the grant conditions and the number of families "
                   "supported in the quarter."),
                   "A late monitoring return may delay the next quarterly grant payment to the local authority.",
                   "Local authorities submit their returns through the department's data collection service."]
MONITORING_MORE = ["The return also records how many parent-infant practitioners were in post at the end of the quarter.",
                   "The department checks each monitoring return within ten working days and may ask for corrections.",
                   "Questions about a monitoring return go to the grant manager named in the grant letter."]
SHIFT = str.maketrans("abcdefghijklmnopqrstuvwxyz", "defghijklmnopqrstuvwxyzabc")


@dataclass
class Planted:
    """What a generated PDF holds: sentences (with the heading above each), table rows, running lines, and the
    pages whose text is broken on purpose."""

    sentences: dict[str, str] = field(default_factory=dict)  # sentence -> heading it sits under ("" for none)
    rows: list[tuple[str, ...]] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    garbled_pages: set[int] = field(default_factory=set)


class Facts:
    """Distinct, realistic sentences of 20 to 30 words (so they wrap), numbered so no two are alike."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.n = 0

    def sentence(self) -> str:
        self.n += 1
        r, n = self.rng, self.n
        place, topic = r.choice(PLACES), r.choice(TOPICS)
        return r.choice([
            (f"The {place} parent-infant team saw {100 + n} families in the year, and {20 + n % 50} of them were "
            f"referred by health visitors before the baby was six months old."),
            (f"Commissioners in {place} said that {topic} was the main barrier to the service, because grant "
            f"number {n} ran for only {6 + n % 30} months."),
            (f"In {place} the board agreed to fund {2 + n % 9} more practitioners from April, after a review of "
            f"{topic} found {30 + n} families waiting."),
            (f"A survey of {200 + n} parents in {place} found that most heard about the team from a midwife, and "
            f"{topic} was raised in {10 + n % 80} of the replies."),
        ])


def _pdf():
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    pdf.set_font("helvetica", size=11)
    return pdf


def _page(pdf, number: int, of: int, running: bool):
    pdf.add_page()
    if running:
        pdf.set_font("helvetica", size=9)
        pdf.set_xy(20, 10)
        pdf.cell(0, 5, HEADER)
        pdf.set_xy(20, 282)
        pdf.cell(0, 5, f"Page {number} of {of}", align="R")
        pdf.set_font("helvetica", size=11)
    pdf.set_xy(20, 22)


def _heading(pdf, text: str):
    pdf.set_font("helvetica", "B", size=15)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.ln(2)


def _paragraph(pdf, sentences: list[str]):
    pdf.multi_cell(0, 5.5, " ".join(sentences), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _two_columns(pdf, left: list[str], right: list[str]):
    """Two columns drawn line across line: on each baseline the left line, then the right line."""
    width = (pdf.epw - 10) / 2
    lines = [pdf.multi_cell(width, 5.5, " ".join(side), dry_run=True, output="LINES") for side in (left, right)]
    y = pdf.get_y() + 4
    for i in range(max(map(len, lines))):
        for col, side in enumerate(lines):
            if i < len(side):
                pdf.text(pdf.l_margin + col * (width + 10), y + i * 5.5, side[i])
    pdf.set_y(y + max(map(len, lines)) * 5.5 + 2)


def _table(pdf, rows: list[tuple[str, ...]]):
    pdf.set_font("helvetica", size=10)
    with pdf.table(line_height=6) as table:
        for row in rows:
            cells = table.row()
            for c in row:
                cells.cell(c)
    pdf.set_font("helvetica", size=11)
    pdf.ln(4)


def _rows(n: int, first: int) -> list[tuple[str, ...]]:
    header = ("Local authority", "Return due", "Grant (GBP)")
    months = ["31 July", "31 October", "31 January", "30 April"]
    return [header] + [(PLACES[(first + i) % len(PLACES)] + f" area {first + i}", f"{months[i % 4]} {2026 + i // 4}",
                        f"{(first + i) * 1250 + 40000:,}") for i in range(n)]


def one_column(path: Path, facts: Facts) -> Planted:
    pdf, planted = _pdf(), Planted()
    for number, heading in enumerate(["Why parent-infant teams matter", "What commissioners told us"], start=1):
        _page(pdf, number, 2, running=False)
        _heading(pdf, heading)
        for _ in range(3):
            sentences = [facts.sentence() for _ in range(3)]
            planted.sentences.update({s: heading for s in sentences})
            _paragraph(pdf, sentences)
    pdf.output(str(path))
    return planted


def two_columns(path: Path, facts: Facts) -> Planted:
    pdf, planted = _pdf(), Planted()
    for number, heading in enumerate(["Workforce", "Funding"], start=1):
        _page(pdf, number, 2, running=False)
        _heading(pdf, heading)
        intro = [facts.sentence()]
        _paragraph(pdf, intro)
        left, right = [facts.sentence() for _ in range(5)], [facts.sentence() for _ in range(5)]
        _two_columns(pdf, left, right)
        planted.sentences.update({s: heading for s in intro + left + right})
    pdf.output(str(path))
    return planted


def table(path: Path, facts: Facts) -> Planted:
    pdf, planted = _pdf(), Planted()
    _page(pdf, 1, 1, running=False)
    _heading(pdf, "Return dates by area")
    before, after = [facts.sentence() for _ in range(2)], [facts.sentence() for _ in range(2)]
    _paragraph(pdf, before)
    rows = _rows(8, 0)
    _table(pdf, rows)
    _paragraph(pdf, after)
    planted.sentences.update({s: "Return dates by area" for s in before + after})
    planted.rows = rows[1:]
    pdf.output(str(path))
    return planted


def headers_footers(path: Path, facts: Facts) -> Planted:
    pdf, planted = _pdf(), Planted(running=[HEADER, DATE_LINE])
    for number in range(1, 7):
        _page(pdf, number, 6, running=True)
        pdf.set_font("helvetica", size=9)
        pdf.set_xy(20, 272)
        pdf.cell(0, 5, DATE_LINE)
        pdf.set_font("helvetica", size=11)
        pdf.set_xy(20, 22)
        for _ in range(3):
            sentences = [facts.sentence() for _ in range(3)]
            planted.sentences.update({s: "" for s in sentences})
            _paragraph(pdf, sentences)
    pdf.output(str(path))
    return planted


def guide(path: Path, facts: Facts, pages: int = 100) -> Planted:
    """The 100-page guide: page 5 is "Monitoring returns" and says when they are due."""
    pdf, planted = _pdf(), Planted(running=[HEADER])
    for number in range(1, pages + 1):
        _page(pdf, number, pages, running=True)
        heading = "Monitoring returns" if number == 5 else f"Section {number}: {TOPICS[number % len(TOPICS)]}"
        _heading(pdf, heading)
        first = MONITORING_PAGE if number == 5 else [facts.sentence() for _ in range(3)]
        _paragraph(pdf, first)
        second = MONITORING_MORE if number == 5 else [facts.sentence() for _ in range(3)]
        if number % 7 == 0:
            right = [facts.sentence() for _ in range(3)]
            _two_columns(pdf, second, right)
            second += right
        else:
            _paragraph(pdf, second)
        if number % 10 == 0:
            rows = _rows(5, number)
            _table(pdf, rows)
            planted.rows += rows[1:]
        planted.sentences.update({s: heading for s in first + second})
    pdf.output(str(path))
    return planted


def flowing(path: Path, facts: Facts) -> Planted:
    """Text that runs on from page to page (fpdf's own page breaks): a sentence cut by a page break is kept
    whole by no loader here, and this PDF counts how many are."""
    pdf, planted = _pdf(), Planted()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    sentences = [facts.sentence() for _ in range(100)]
    pdf.multi_cell(0, 5.5, " ".join(sentences))
    planted.sentences.update({s: "" for s in sentences})
    pdf.output(str(path))
    return planted


def garbled(path: Path, facts: Facts) -> Planted:
    pdf, planted = _pdf(), Planted(garbled_pages={2})
    for number in range(1, 4):
        _page(pdf, number, 3, running=False)
        sentences = [facts.sentence() for _ in range(4)]
        if number == 2:
            _paragraph(pdf, [s.translate(SHIFT) for s in sentences])  # what a font without a ToUnicode map gives
        else:
            planted.sentences.update({s: "" for s in sentences})
            _paragraph(pdf, sentences)
    pdf.output(str(path))
    return planted


SET = {"one-column": one_column, "two-columns": two_columns, "table": table, "headers-footers": headers_footers,
       "guide-100": guide, "flowing": flowing, "garbled": garbled}


def generate(folder: Path) -> dict[str, tuple[Path, Planted]]:
    """Write the benchmark PDFs into ``folder``; what each holds."""
    facts = Facts()
    return {name: ((folder / f"{name}.pdf"), make(folder / f"{name}.pdf", facts)) for name, make in SET.items()}


# -- loaders ---------------------------------------------------------------------------------------------
def pypdf_sections(path: Path, improved: bool = False) -> list[Section]:
    """pypdf's text, one section per page: as is, or (``improved``) as this project loaded it before the layout
    loader (wrapped lines joined, running headers and footers removed)."""
    from pypdf import PdfReader

    from assistant.ingest.loaders.pdf import strip_running_lines, unwrap

    texts = [re.sub(r"[ \t]+", " ", page.extract_text() or "") for page in PdfReader(path).pages]
    if improved:
        texts = [unwrap(t) for t in strip_running_lines(texts)]
    return [Section(locator=f"p. {i}", text=t.strip()) for i, t in enumerate(texts, start=1) if t.strip()]


def layout_sections(path: Path) -> tuple[list[Section], set[int]]:
    """The layout loader's sections, and the pages it warned about."""
    from assistant.ingest.loaders.pdf import GarbledTextWarning, pdf_sections

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sections = pdf_sections(path, path.read_bytes())
    pages = {int(m.group(1)) for w in caught if issubclass(w.category, GarbledTextWarning)
             for m in [re.search(r", page (\d+):", str(w.message))] if m}
    return sections, pages


LOADERS = {"pypdf": lambda p: (pypdf_sections(p), set()), "pypdf+": lambda p: (pypdf_sections(p, True), set()),
           "layout": layout_sections}


def passages(path: Path, sections: list[Section], max_words: int = 160) -> list[Passage]:
    meta = DocumentMeta(doc_id=path.stem, title=path.stem, publisher="bench", year=2026, url="https://example.org",
                        doc_type="guidance")
    return chunk_document(Document(meta=meta, path=str(path), content_hash="", sections=sections), max_words)


# -- scores ----------------------------------------------------------------------------------------------
def _flat(text: str) -> str:
    return " ".join(text.split())


def intact(planted: Planted, found: list[Passage]) -> list[str]:
    """Planted sentences found whole in one passage."""
    texts = [_flat(p.text) for p in found]
    return [s for s in planted.sentences if any(s in t for t in texts)]


def rows_right(planted: Planted, found: list[Passage]) -> list[tuple[str, ...]]:
    """Planted table rows whose cells all stand on one line of a passage that holds no cell of another row."""
    lines = [ln for p in found for ln in p.text.split("\n")]
    has = lambda line, cell: re.search(rf"(?<![\w,]){re.escape(cell)}(?![\w,])", line) is not None
    own = lambda row: {c for c in row if sum(c in r for r in planted.rows) == 1}
    others = {row: {c for r in planted.rows if r != row for c in own(r)} for row in planted.rows}
    return [row for row in planted.rows
            if any(all(has(ln, c) for c in row) and not any(has(ln, o) for o in others[row]) for ln in lines)]


def leaks(planted: Planted, found: list[Passage]) -> int:
    """Passages holding a running line or a "Page N of M" label."""
    label = re.compile(r"\bPage \d+ of \d+\b")
    return sum(any(r in _flat(p.text) for r in planted.running) or bool(label.search(p.text)) for p in found)


def heading_locators(planted: Planted, found: list[Passage]) -> int:
    """Planted sentences (under a heading) whose passage's locator names that heading."""
    return sum(any(s in _flat(p.text) and heading in p.locator for p in found)
               for s, heading in planted.sentences.items() if heading)


def placed(path: Path, found: list[Passage]) -> tuple[int, int]:
    """Passages that the source viewer finds on their page (pdfium's text), of all passages."""
    import pypdfium2 as pdfium

    from assistant.sources import find_on_page, normalised, page_of, page_text

    pdf = pdfium.PdfDocument(str(path))
    try:
        hays = {}
        for i in range(len(pdf)):
            text, _ = page_text(pdf[i].get_textpage(), pdf[i].get_size()[1])
            hays[i + 1] = (text, normalised(text))
    finally:
        pdf.close()
    ok = 0
    for p in found:
        page = page_of(p.locator)
        if page in hays and find_on_page(hays[page][0], p.text, hay=hays[page][1]) is not None:
            ok += 1
    return ok, len(found)


def score(path: Path, planted: Planted, loader: str) -> dict:
    t0 = time.perf_counter()
    sections, warned = LOADERS[loader](path)
    seconds = time.perf_counter() - t0
    found = passages(path, sections)
    headed = sum(bool(h) for h in planted.sentences.values())
    on_page, total = placed(path, found)
    return {"sentences": (len(intact(planted, found)), len(planted.sentences)),
            "rows": (len(rows_right(planted, found)), len(planted.rows)),
            "leaks": (leaks(planted, found), len(found)),
            "headings": (heading_locators(planted, found), headed),
            "placed": (on_page, total),
            "garbled": (len(warned & planted.garbled_pages), len(planted.garbled_pages), len(warned - planted.garbled_pages)),
            "seconds": seconds}


def _cell(pair) -> str:
    if len(pair) == 3:
        return f"{pair[0]}/{pair[1]}" + (f" (+{pair[2]} wrong)" if pair[2] else "")
    return "-" if pair[1] == 0 else f"{pair[0]}/{pair[1]}"


def table_rows(results: dict[str, dict[str, dict]]) -> list[str]:
    """The results as a markdown table: one row per PDF and loader."""
    out = [("| PDF | loader | sentences intact | table rows right | header/footer leaks (passages) | heading locators "
           "| placed on page | garbled pages warned | seconds |"),
           "|---|---|---|---|---|---|---|---|---|"]
    for name, by_loader in results.items():
        for loader, r in by_loader.items():
            leak = f"{r['leaks'][0]} of {r['leaks'][1]}"
            out.append(f"| {name} | {loader} | {_cell(r['sentences'])} | {_cell(r['rows'])} | {leak} | "
                       f"{_cell(r['headings'])} | {_cell(r['placed'])} | {_cell(r['garbled'])} | {r['seconds']:.2f} |")
    totals = {ld: [0, 0] for ld in LOADERS}
    for by_loader in results.values():
        for ld, r in by_loader.items():
            totals[ld][0] += r["sentences"][0] + r["rows"][0]
            totals[ld][1] += r["sentences"][1] + r["rows"][1]
    out.append("")
    out.append("Facts findable (sentences intact + table rows right): " +
               ", ".join(f"{ld} {a}/{b} ({a / b:.1%})" for ld, (a, b) in totals.items()))
    return out


def run(folder: Path) -> dict[str, dict[str, dict]]:
    made = generate(folder)
    return {name: {ld: score(path, planted, ld) for ld in LOADERS} for name, (path, planted) in made.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="write the PDFs into this folder and keep them")
    args = parser.parse_args(argv)
    try:
        import fpdf  # noqa: F401
    except ImportError:
        print("pdf_quality needs fpdf2 to write its PDFs: .venv/bin/pip install -e '.[test]'", file=sys.stderr)
        return 2
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run(args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            results = run(Path(tmp))
    print("\n".join(table_rows(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
