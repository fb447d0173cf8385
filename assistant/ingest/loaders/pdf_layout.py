"""Reading order of a PDF page from the positions of its words: lines, columns, headings and tables.

Pure geometry over word boxes (pdfplumber's ``extract_words``: ``text``, ``x0``, ``x1``, ``top``, ``bottom``,
``size``), so that each rule can be tested on hand-made boxes without a PDF.

Why positions and not the order the PDF draws its text in: many PDFs (Word and InDesign exports among them) draw
a two-column page line across line, left column then right column on each baseline, and an extractor that
follows the drawing order interleaves the two columns into nonsense. Here a column gutter is found as an
x-position that, over a run of at least three lines on each side, no word crosses; the lines of such a run are
read column by column, and lines that cross it (a title, a full-width paragraph) are read where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

LINE_TOLERANCE = 0.5  # words whose tops differ by less than this share of their font size are on one line
MIN_COLUMN_LINES = 3  # a column needs at least this many lines on each side of its gutter
GUTTER_MIN = 8.0  # points: narrower white space between two words is a word space, not a gutter
COLUMN_FILL = 0.45  # median line of a column fills at least this share of it (a borderless table's cells do not)
COLUMN_WORDS = 4  # ... and has at least this many words (a table's cells seldom do)
MAX_DEPTH = 3  # columns inside columns: three levels read four-column pages


@dataclass
class Line:
    """One line of text in reading order (or, with ``table`` set, a table drawn at this place)."""

    words: list[dict]
    table: list[list[str]] | None = None
    column_break: bool = False  # the first line of a column after the previous one: not a paragraph gap

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w["bottom"] for w in self.words)

    @property
    def x0(self) -> float:
        return min(w["x0"] for w in self.words)

    @property
    def x1(self) -> float:
        return max(w["x1"] for w in self.words)

    @property
    def size(self) -> float:
        """Font size of most of the line's characters."""
        sizes: dict[float, int] = {}
        for w in self.words:
            s = round(float(w.get("size") or 0), 1)
            sizes[s] = sizes.get(s, 0) + len(w["text"])
        return max(sizes, key=sizes.get) if sizes else 0.0


def group_lines(words: list[dict]) -> list[Line]:
    """Words grouped into lines by their tops (within half a font size), each line's words left to right,
    lines top to bottom."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        tol = LINE_TOLERANCE * max(float(w.get("size") or 10), 4.0)
        if lines and abs(w["top"] - lines[-1].words[0]["top"]) <= tol:
            lines[-1].words.append(w)
        else:
            lines.append(Line([w]))
    for ln in lines:
        ln.words.sort(key=lambda w: w["x0"])
    return lines


def _side(line: Line, x: float) -> str:
    """How a line sits against a vertical at ``x``: 'C' a word crosses it, 'L' / 'R' all on one side,
    'G' words on both sides with white space at ``x``."""
    left = right = False
    for w in line.words:
        if w["x0"] < x < w["x1"]:
            return "C"
        if w["x1"] <= x:
            left = True
        else:
            right = True
    return "G" if left and right else ("L" if left else "R")


def _runs(lines: list[Line], x: float) -> list[tuple[int, int]]:
    """Runs [start, end) of consecutive lines that no word crosses at ``x``, with at least MIN_COLUMN_LINES lines
    on each side of it: where ``x`` is a column gutter."""
    sides = [_side(ln, x) for ln in lines]
    out, start = [], 0
    for i in range(len(sides) + 1):
        if i == len(sides) or sides[i] == "C":
            run = sides[start:i]
            if sum(s in "LG" for s in run) >= MIN_COLUMN_LINES and sum(s in "RG" for s in run) >= MIN_COLUMN_LINES:
                out.append((start, i))
            start = i + 1
    return out


def _filled(lines: list[Line], lo: float, hi: float) -> bool:
    """Lines between ``lo`` and ``hi`` read as a column of prose: the median line fills at least COLUMN_FILL of
    the column's width and has at least COLUMN_WORDS words. A table's cells do not (short, or few words), and
    must stay read row by row."""
    widths = [min(hi, ln.x1) - max(lo, ln.x0) for ln in lines if ln.words]
    return bool(widths) and median(widths) >= COLUMN_FILL * (hi - lo) and \
        median(len(ln.words) for ln in lines if ln.words) >= COLUMN_WORDS


def _column_run(lines: list[Line], x: float) -> float | None:
    """The middle of the white space around ``x`` when it divides ``lines`` into two columns of prose: at least
    GUTTER_MIN points wide, and each side filling its column as prose does. None otherwise."""
    words = [w for ln in lines for w in ln.words]
    left_edge = max((w["x1"] for w in words if w["x1"] <= x), default=None)
    right_edge = min((w["x0"] for w in words if w["x0"] >= x), default=None)
    if left_edge is None or right_edge is None or right_edge - left_edge < GUTTER_MIN:
        return None
    mid = (left_edge + right_edge) / 2
    lo, hi = min(w["x0"] for w in words), max(w["x1"] for w in words)
    left = [ln for ln in (Line([w for w in ln.words if w["x1"] <= mid]) for ln in lines) if ln.words]
    right = [ln for ln in (Line([w for w in ln.words if w["x0"] >= mid]) for ln in lines) if ln.words]
    return mid if _filled(left, lo, left_edge) and _filled(right, right_edge, hi) else None


def find_gutter(lines: list[Line]) -> list[tuple[int, int, float]]:
    """The runs [start, end) of lines that the most-used column gutter divides, each with the x of the middle of
    its white space; empty for one column. Candidates lie in the middle 60% of the text's width."""
    if len(lines) < 2 * MIN_COLUMN_LINES:
        return []
    words = [w for ln in lines for w in ln.words]
    lo, hi = min(w["x0"] for w in words), max(w["x1"] for w in words)
    best: list[tuple[int, int, float]] = []
    x = lo + 0.2 * (hi - lo)
    while x <= hi - 0.2 * (hi - lo):
        runs = [(s, e, mid) for s, e in _runs(lines, x) if (mid := _column_run(lines[s:e], x)) is not None]
        if sum(e - s for s, e, _ in runs) > sum(e - s for s, e, _ in best):
            best = runs
        x += 2.0
    return best


def reading_order(words: list[dict], depth: int = 0) -> list[Line]:
    """Lines of ``words`` in reading order: column by column where a gutter divides a run of lines, top to
    bottom elsewhere. Columns inside a column are found the same way, up to MAX_DEPTH levels."""
    lines = group_lines(words)
    runs = find_gutter(lines) if depth < MAX_DEPTH else []
    if not runs:
        return lines
    out: list[Line] = []
    i = 0
    for start, end, mid in runs:
        out.extend(lines[i:start])
        run = [w for ln in lines[start:end] for w in ln.words]
        for side in ([w for w in run if w["x1"] <= mid], [w for w in run if w["x0"] >= mid]):
            column = reading_order(side, depth + 1)
            if column:
                column[0].column_break = True
            out.extend(column)
        i = end
    out.extend(lines[i:])
    return out


@dataclass
class Row:
    """A line of a page in reading order, kept as text once the page is read (a page's word boxes are not kept:
    a 2000-page PDF would hold them all until its running lines are known). ``line`` is the index of the
    full-width line it came from (for dropping running headers and footers), -1 for a table."""

    text: str
    top: float
    bottom: float
    size: float
    column_break: bool = False
    table: list[list[str]] | None = None
    line: int = -1


def inside(word: dict, bbox: tuple[float, float, float, float]) -> bool:
    """Whether a word's centre lies in ``bbox`` (x0, top, x1, bottom)."""
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


def body_size(rows: list[Row]) -> float:
    """The font size of most characters: body text. Headings are larger."""
    sizes: dict[float, int] = {}
    for r in rows:
        if r.table is None:
            sizes[r.size] = sizes.get(r.size, 0) + len(r.text)
    return max(sizes, key=sizes.get) if sizes else 0.0


HEADING_RATIO = 1.15  # a line set this much larger than body text is a heading
HEADING_MAX_WORDS = 16  # a longer large line is a pull quote or a cover blurb, not a heading


def is_heading(line: Row, body: float) -> bool:
    """A short line set larger than body text, with letters in it (not a large figure or a page number)."""
    text = line.text
    return (line.table is None and body > 0 and line.size >= HEADING_RATIO * body
            and len(text.split()) <= HEADING_MAX_WORDS and any(c.isalpha() for c in text))


def char_words(chars: list[tuple[str, float, float, float, float]], page_height: float) -> list[dict]:
    """Characters as pdfium gives them (text, left, bottom, right, top in PDF points, y upwards), grouped into
    words in the shape :func:`reading_order` reads, each with ``chars``: the indexes of its characters. A word
    ends at white space, at a character with no box, and where the next character is not beside it."""
    words: list[dict] = []
    cur: dict | None = None
    for i, (ch, left, bottom, right, top) in enumerate(chars):
        if ch.isspace() or right <= left or top <= bottom:
            cur = None
            continue
        height = top - bottom
        if cur is not None and abs(cur["bottom"] - (page_height - bottom)) <= 0.5 * height \
                and -0.5 * height <= left - cur["x1"] <= 0.5 * height:
            cur["text"] += ch
            cur["x1"] = max(cur["x1"], right)
            cur["chars"].append(i)
            continue
        cur = {"text": ch, "x0": left, "x1": right, "top": page_height - top, "bottom": page_height - bottom,
               "size": height, "chars": [i]}
        words.append(cur)
    return words


def reading_order_indexes(chars: list[tuple[str, float, float, float, float]], page_height: float) -> list[int]:
    """The page's character indexes in reading order (columns one after another), -1 between words and lines:
    the source viewer looks for a passage's text in this order, so a passage read down one column of a page
    drawn line across line is found, and boxed, in that column."""
    out: list[int] = []
    for line in reading_order(char_words(chars, page_height)):
        for w in line.words:
            out.extend(w["chars"])
            out.append(-1)
    return out
