"""HTML: text under h1-h6 headings (scripts, styles and navigation skipped), then split like markdown."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from assistant.ingest.loaders.markdown import markdown_sections
from assistant.ingest.loaders.metadata import read_sidecar, read_text
from assistant.models import DocumentMeta, Section

SUFFIXES = (".html", ".htm")
VERSION = 1  # bumped whenever the passages it makes change: `index` then re-reads the files it indexed


def load(path: Path, data: bytes, doc_id: str) -> tuple[DocumentMeta, list[Section]]:
    meta = read_sidecar(path, doc_id)
    parser = _HTMLSections()
    parser.feed(read_text(path, data))
    parser.close()
    parser._end_line()
    return meta, markdown_sections("\n".join(parser.lines))


class _HTMLSections(HTMLParser):
    """Collects text under h1-h6 headings, skipping scripts, styles and navigation."""

    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template"}
    BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "table", "ul", "ol", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.skip = 0
        self.heading: int | None = None
        self.text: list[str] = []
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._end_line()
            self.heading = int(tag[1])
        elif tag in self.BLOCK:
            self._end_line()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self.heading:
            words = " ".join("".join(self.text).split())
            self.text = []
            if words:
                self.lines.append("#" * self.heading + " " + words)
            self.heading = None
        elif tag in self.BLOCK:
            self._end_line()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.text.append(data)

    def _end_line(self):
        if self.heading:
            return
        words = " ".join("".join(self.text).split())
        self.text = []
        if words:
            self.lines.append(words + "\n")
