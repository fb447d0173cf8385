"""Typed models at the boundaries: Document, Passage, ComBTag, Citation, Answer, Filters.

``Answer.to_dict()`` and ``ComBTag.to_dict()`` produce the JSON contracts of DESIGN.md exactly; outside
tools depend on their field names and order, so change them only with the design.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentMeta:
    doc_id: str
    title: str
    publisher: str
    year: int
    url: str
    doc_type: str
    licence: str = "unknown"
    source_note: str = ""
    supersedes: str | None = None
    # evidence strength (DESIGN.md "Corpus files"); None where the document does not state it
    design: str | None = None
    setting: str | None = None
    sample_size: int | None = None
    certainty: str | None = None
    publisher_kind: str | None = None


@dataclass
class Section:
    """A stretch of a document with one locator: a heading path (markdown, HTML) or a page (PDF)."""

    locator: str
    text: str


@dataclass
class Document:
    meta: DocumentMeta
    path: str
    content_hash: str
    sections: list[Section]

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id


@dataclass
class ComBTag:
    """A passage's or statement's relation to the study's catalogue of barriers and enablers (DESIGN.md COMB).

    ``item`` is the catalogue id; ``relation`` says whether the text reports that barrier or enabler, or is
    evidence a commissioner can use against a barrier; ``component`` and ``level`` always follow the item
    (a system-level item, which the study codes N/A, has component "none" and level "system");
    ``intervention_functions`` and ``policy_categories`` are what the study's Table 3 proposes for that
    component; ``other_options`` holds the wider Behaviour Change Wheel matrix, never the study's proposal.
    """

    component: str = "none"
    subcomponent: str | None = None
    polarity: str = "neutral"
    confidence: float = 0.0
    barrier: str | None = None
    intervention_functions: list[str] = field(default_factory=list)
    policy_categories: list[str] = field(default_factory=list)
    level: str | None = None
    relation: str = "none"
    item: str | None = None
    other_options: dict = field(default_factory=dict)
    items: list[str] = field(default_factory=list)  # every catalogue item a table passage quotes, `item` first
    reviewed: bool = False  # the label a reader gave this very passage text (training passages), not the tagger's

    def to_dict(self) -> dict:
        out = {
            "component": self.component,
            "subcomponent": self.subcomponent,
            "polarity": self.polarity,
            "confidence": round(float(self.confidence), 3),
            "barrier": self.barrier,
            "intervention_functions": list(self.intervention_functions),
            "policy_categories": list(self.policy_categories),
            "level": self.level,
            "relation": self.relation,
            "item": self.item,
            "other_options": {k: list(v) for k, v in self.other_options.items()},
        }
        if self.items:  # optional: only a passage that quotes several catalogue items carries it
            out["items"] = list(self.items)
        if self.reviewed:  # optional: only a passage whose label a reader gave carries it
            out["reviewed"] = True
        return out

    @classmethod
    def from_dict(cls, d: dict | None) -> "ComBTag":
        if not d:
            return cls()
        return cls(**{k: d.get(k, getattr(cls(), k)) for k in cls.__dataclass_fields__})


def embed_text(title: str, locator: str, text: str) -> str:
    """How a passage is embedded, indexed and tagged: one format, used wherever a passage becomes a vector."""
    return f"{title}. {locator}. {text}"


@dataclass
class Passage:
    passage_id: str
    doc_id: str
    position: int
    locator: str
    text: str  # exactly as indexed and cited
    meta: DocumentMeta
    com_b: ComBTag = field(default_factory=ComBTag)
    superseded_by: str | None = None

    def strength(self) -> dict:
        """The document's evidence strength, as the Answer contract's ``strength`` object."""
        m = self.meta
        return {k: v for k, v in (("design", m.design), ("setting", m.setting), ("sample_size", m.sample_size),
                                  ("certainty", m.certainty), ("publisher_kind", m.publisher_kind)) if v is not None}

    def embed_text(self) -> str:
        """What the embedding model and BM25 see: the text with its title and heading, for context."""
        return embed_text(self.meta.title, self.locator, self.text)


@dataclass
class Citation:
    n: int
    passage_id: str
    doc_id: str
    title: str
    publisher: str
    year: int
    url: str
    doc_type: str
    locator: str
    text: str
    score: float
    com_b: ComBTag
    superseded_by: str | None = None
    superseded_by_title: str | None = None
    spans: list[list[int]] = field(default_factory=list)  # [start, end) offsets in ``text`` of what the answer uses
    strength: dict = field(default_factory=dict)  # design, setting, sample_size, certainty, publisher_kind

    @classmethod
    def from_passage(cls, p: "Passage", n: int, score: float, superseded_by_title: str | None = None) -> "Citation":
        """A passage cited as [n]: the one place a passage becomes a citation (answers, the COM-B map)."""
        return cls(n=n, passage_id=p.passage_id, doc_id=p.doc_id, title=p.meta.title, publisher=p.meta.publisher,
                   year=p.meta.year, url=p.meta.url, doc_type=p.meta.doc_type, locator=p.locator, text=p.text,
                   score=score, com_b=p.com_b, superseded_by=p.superseded_by, superseded_by_title=superseded_by_title,
                   strength=p.strength())

    def to_dict(self) -> dict:
        d = {
            "n": self.n,
            "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "publisher": self.publisher,
            "year": self.year,
            "url": self.url,
            "doc_type": self.doc_type,
            "locator": self.locator,
            "text": self.text,
            "score": round(float(self.score), 4),
            "com_b": self.com_b.to_dict(),
            "spans": [list(s) for s in self.spans],
            "strength": dict(self.strength),
        }
        if self.superseded_by:
            d["superseded_by"] = self.superseded_by
            d["superseded_by_title"] = self.superseded_by_title
        return d


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    timings_ms: dict[str, float]
    standalone_question: str | None = None  # set when a follow-up was resolved against the chat history
    notices: list[str] = field(default_factory=list)  # e.g. "question truncated"
    suggestions: list[str] = field(default_factory=list)  # topics offered on abstention
    intent: str | None = None  # what was asked (answering.policy.INTENT_RULES)
    scope: str = "in"  # "in", "partial" (part of the question has no support) or "out" (local or operational)
    not_covered: list[str] = field(default_factory=list)  # the parts of the question the evidence does not cover
    markers: list[list[int]] = field(default_factory=list)  # [start, end) of each citation marker the answer writes

    def to_dict(self) -> dict:
        d = {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
        if self.standalone_question and self.standalone_question != self.question:
            d["standalone_question"] = self.standalone_question
        if self.notices:
            d["notices"] = list(self.notices)
        if self.suggestions:
            d["suggestions"] = list(self.suggestions)
        d["intent"] = self.intent
        d["scope"] = self.scope
        d["not_covered"] = list(self.not_covered)
        d["markers"] = [list(m) for m in self.markers]
        return d


@dataclass
class Filters:
    """What a question may be answered from: document types, COM-B components, a range of years."""

    doc_types: list[str] | None = None
    components: list[str] | None = None
    year_min: int | None = None
    year_max: int | None = None
    designs: list[str] | None = None  # evidence strength: only these study designs (DESIGN.md "design")

    def is_empty(self) -> bool:
        return not (self.doc_types or self.components or self.year_min or self.year_max or self.designs)

    def allows(self, p: Passage) -> bool:
        return (
            (not self.doc_types or p.meta.doc_type in self.doc_types)
            and (not self.components or p.com_b.component in self.components)
            and (not self.year_min or p.meta.year >= self.year_min)
            and (not self.year_max or p.meta.year <= self.year_max)
            and (not self.designs or p.meta.design in self.designs)
        )
