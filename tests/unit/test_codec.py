"""The Chroma metadata codec: a passage survives the round trip, and filters become the right where clause."""

from __future__ import annotations

from assistant.models import ComBTag, DocumentMeta, Filters, Passage
from assistant.store.codec import passage_from_chroma, passage_metadata, where_clause


def passage(**kw) -> Passage:
    meta = DocumentMeta(doc_id="guide", title="A guide", publisher="DfE", year=2025, url="https://gov.uk/x",
                        doc_type="guidance", licence="OGL")
    tag = ComBTag(component="capability", subcomponent="psychological_capability", polarity="barrier", confidence=0.7,
                  barrier="It is hard to show impact.", intervention_functions=["education"], policy_categories=["guidelines"])
    return Passage(passage_id="guide:0003", doc_id="guide", position=3, locator="p. 4", text="Text [1] £5m.", meta=meta,
                   com_b=tag, superseded_by=kw.get("superseded_by"))


def test_round_trip_keeps_every_field():
    p = passage(superseded_by="guide-2026")
    meta = passage_metadata(p)
    assert all(isinstance(v, (str, int, float, bool)) for v in meta.values())  # Chroma keeps flat primitives only
    back = passage_from_chroma(p.passage_id, p.text, meta)
    assert back.com_b == p.com_b and back.superseded_by == "guide-2026"
    assert (back.meta.title, back.meta.year, back.locator, back.position) == ("A guide", 2025, "p. 4", 3)


def test_not_superseded_reads_back_as_none():
    assert passage_from_chroma("g:0", "t", passage_metadata(passage())).superseded_by is None


def test_where_clause():
    assert where_clause(Filters()) is None
    assert where_clause(Filters(doc_types=["study"])) == {"doc_type": {"$in": ["study"]}}
    both = where_clause(Filters(components=["motivation"], year_min=2020, year_max=2024))
    assert both == {"$and": [{"com_b_component": {"$in": ["motivation"]}}, {"year": {"$gte": 2020}}, {"year": {"$lte": 2024}}]}


def test_filters_allow_matches_where_clause():
    p = passage()
    assert Filters(doc_types=["guidance"], year_min=2025).allows(p)
    assert not Filters(components=["motivation"]).allows(p)
    assert not Filters(year_max=2024).allows(p)
