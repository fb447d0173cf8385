"""The retriever holds the version it serves in memory, each thing once, and never searches the store: dense
search is exact over the vectors held, filters are numpy columns that agree with ``Filters.allows``."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.models import Filters
from assistant.retrieval.dense import dense_ranking
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.store.codec import passage_metadata
from tests.support import FakeEmbedder, make_passage

TEXTS = ["otters eat fish and eels in the river", "lighthouse keepers worked four weeks on",
         "the bridge tilts to let ships pass", "otters were counted along the Tyne in 2023",
         "funding for family hubs in 2025", "commissioners said short-term funding stops recruitment"]


class OneReadCollection:
    """A version's collection that allows one ``get`` and fails anything else, as a store in an outage would."""

    def __init__(self, passages, vectors):
        self.passages, self.vectors, self.reads = passages, vectors, 0

    def get(self, include=None, limit=None, offset=0):
        self.reads += 1
        if self.reads > 1:
            raise AssertionError("the retriever read the store again")
        rev = list(reversed(range(len(self.passages))))[offset:offset + (limit or len(self.passages))]  # not in id order
        return {"ids": [self.passages[i].passage_id for i in rev], "documents": [self.passages[i].text for i in rev],
                "metadatas": [passage_metadata(self.passages[i]) for i in rev],
                "embeddings": self.vectors[rev].astype(np.float64)}  # as embedded Chroma returns them

    def query(self, *args, **kwargs):
        raise AssertionError("a search must not query the store")


@pytest.fixture
def retriever():
    fake = FakeEmbedder()
    passages = [make_passage(f"doc{i % 3}:{i:04d}", t, year=2020 + i, doc_type="guidance" if i % 2 else "report",
                             design="survey" if i == 3 else None) for i, t in enumerate(TEXTS)]
    vectors = fake.embed([p.embed_text() for p in passages])
    coll = OneReadCollection(passages, vectors)
    r = Retriever(coll, fake, Settings(candidates=40))
    r.coll = coll
    return r


def test_dense_ranking_is_exact_nearest_first_and_respects_the_mask():
    sims = np.array([0.1, 0.9, 0.5, 0.9, -0.2], dtype=np.float32)
    assert dense_ranking(sims, 3) == [1, 3, 2]  # a tie keeps index order
    assert dense_ranking(sims, 10) == [1, 3, 2, 0, 4]
    mask = np.array([True, False, True, False, True])
    assert dense_ranking(sims, 2, mask) == [2, 0]
    assert dense_ranking(sims, 5, np.zeros(5, dtype=bool)) == []


def test_bm25_candidates_are_a_partial_sort_with_ties_in_index_order():
    from assistant.retrieval.lexical import _best_first

    rng = np.random.default_rng(7)
    for n in (0, 1, 7, 60, 100, 150):
        scores = rng.integers(0, 12, 100).astype(float)  # many ties, some at the cut
        assert _best_first(scores, n).tolist() == sorted(range(100), key=lambda i: (-scores[i], i))[:n]
        mask = rng.random(100) < 0.4
        expected = [i for i in sorted(range(100), key=lambda i: (-scores[i], i)) if mask[i]][:n]
        assert dense_ranking(scores, n, mask) == expected


def test_search_never_touches_the_store_and_finds_the_nearest(retriever):
    r = retriever.search("how many otters were counted on the Tyne", k=3)
    assert r.hits[0].passage.passage_id == "doc0:0003"
    assert retriever.coll.reads == 1  # only the load
    assert r.similarities.shape == (len(TEXTS),) and r.top_similarity == pytest.approx(float(r.similarities.max()))
    # a hit's score is its cosine with the question, over vectors held in id order
    q = FakeEmbedder().embed_one("how many otters were counted on the Tyne")
    for h in r.hits:
        assert h.score == pytest.approx(float(retriever.vectors[retriever.index_of[h.passage.passage_id]] @ q), abs=1e-5)


def test_a_version_is_read_a_page_at_a_time_in_id_order(monkeypatch):
    from assistant.retrieval import retriever as module

    monkeypatch.setattr(module, "READ_PAGE", 2)
    fake = FakeEmbedder()
    passages = [make_passage(f"doc{i % 3}:{i:04d}", t) for i, t in enumerate(TEXTS)]
    vectors = fake.embed([p.embed_text() for p in passages])

    class Paged(OneReadCollection):
        def get(self, include=None, limit=None, offset=0):
            self.reads -= 1 if self.reads else 0  # every page is allowed; count pages instead
            self.pages = getattr(self, "pages", 0) + 1
            return super().get(include, limit, offset)

    coll = Paged(passages, vectors)
    r = Retriever(coll, fake, Settings())
    assert coll.pages == 4  # 2 + 2 + 2 + an empty last page
    assert [p.passage_id for p in r.passages] == sorted(p.passage_id for p in passages)
    for p in passages:
        assert np.allclose(r.vectors[r.index_of[p.passage_id]], vectors[passages.index(p)])


def test_each_document_meta_is_held_once(retriever):
    metas = {}
    for p in retriever.passages:
        metas.setdefault(p.doc_id, set()).add(id(p.meta))
    assert all(len(ids) == 1 for ids in metas.values()) and len(metas) == 3
    assert retriever.vectors.dtype == np.float32 and retriever.vectors.shape == (len(TEXTS), 384)
    assert not hasattr(retriever, "collection")  # no handle to search the store with


@pytest.mark.parametrize("filters", [
    Filters(doc_types=["guidance"]), Filters(year_min=2022, year_max=2024), Filters(designs=["survey"]),
    Filters(doc_types=["report"], year_min=2021), Filters(components=["motivation"]),
])
def test_filter_columns_agree_with_filters_allows(retriever, filters):
    expected = [filters.allows(p) for p in retriever.passages]
    assert retriever.columns.mask(filters).tolist() == expected
    r = retriever.search("otters funding bridge keepers", k=5, filters=filters)
    assert all(filters.allows(h.passage) for h in r.hits)
    assert len(r.hits) == min(sum(expected), 20) or not any(expected)


def test_names_are_looked_up_in_an_index_and_phrases_read_only_in_the_documents_using_them():
    """``documents_mentioning`` matches a capitalised word whole; ``mentions`` finds a phrase as written, reading
    only the passages of documents that use every capitalised word of it."""
    from assistant.retrieval.retriever import Retriever
    from assistant.settings import Settings
    from tests.support import FakeEmbedder, make_passage

    fake = FakeEmbedder()
    passages = [make_passage("notts:0000", "The Nottinghamshire Parent/Infant Relationship Initiative was evaluated."),
                make_passage("kent:0000", "Kent County Council records the roll-out."),
                make_passage("other:0000", "Nottingham has no team named here; the county council met.")]
    r = Retriever(OneReadCollection(passages, fake.embed([p.embed_text() for p in passages])), fake, Settings())
    assert r.documents_mentioning("Nottinghamshire") == {"notts"} and r.documents_mentioning("Nottingham") == {"other"}
    assert r.mentions("Kent County Council") and r.mentions("Nottinghamshire Parent")
    assert not r.mentions("Leeds City Council") and not r.mentions("Kent County Council's")
    assert not r.mentions("Nottingham County Council")  # its words are used, but not together
    assert r.mentions("the county council")  # no capitalised word: every passage is read
