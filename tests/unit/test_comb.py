"""COM-B: taxonomy integrity, the catalogue, and the tagger on clear-cut statements of each class."""

from __future__ import annotations

import pytest

from assistant.comb.taxonomy import (
    SUBCOMPONENTS,
    catalogue,
    functions_for,
    policies_for,
    taxonomy,
)


def test_matrix_cells_refer_to_defined_functions_and_categories():
    tax = taxonomy()
    functions, categories = set(tax["intervention_functions"]), set(tax["policy_categories"])
    assert len(functions) == 9 and len(categories) == 7 and len(tax["subcomponents"]) == 6
    for sub, fns in tax["matrix_a"]["cells"].items():
        assert sub in SUBCOMPONENTS and fns and set(fns) <= functions
    for sub, fns in tax["matrix_a"]["guide_2014_additions_unverified"].items():
        assert sub in SUBCOMPONENTS and set(fns) <= functions
    assert set(tax["matrix_b"]["cells"]) == functions
    for fn, cells in tax["matrix_b"]["cells"].items():
        assert cells and set(cells) <= categories and all(isinstance(v, bool) for v in cells.values())
    assert set(tax["local_levers"]) <= categories
    for domain, subs in tax["tdf"].items():
        assert set(subs) <= set(SUBCOMPONENTS)
    assert len(tax["tdf"]) == 15  # 14 domains, Skills split in two for the COM-B mapping
    # the notes' verified cells
    assert tax["matrix_b"]["cells"]["education"]["communication_marketing"] is True
    assert tax["matrix_b"]["cells"]["persuasion"]["communication_marketing"] is False


def test_every_subcomponent_has_functions_and_local_levers_come_first():
    tax = taxonomy()
    for sub in SUBCOMPONENTS:
        fns = functions_for(sub)
        assert fns
        cats = policies_for(fns)
        local = [c for c in cats if tax["policy_categories"][c]["local"]]
        assert cats[: len(local)] == local


def test_catalogue_covers_the_study_tables():
    items = catalogue()["items"]
    barriers = [i for i in items if i["polarity"] == "barrier"]
    enablers = [i for i in items if i["polarity"] == "enabler"]
    assert len(barriers) == 10 and len(enablers) == 12  # Tables 1 and 2 of the seed study
    assert sum(i["component"] == "not_individual" for i in barriers) == 5
    assert {i["component"] for i in items} <= {"capability", "opportunity", "motivation", "not_individual"}
    assert set(catalogue()["diagnosis"]) == {"capability", "opportunity", "motivation"}




@pytest.fixture(scope="module")
def tagger(embedder):
    from assistant.comb.tagger import require_tagger

    return require_tagger(embedder)






TABLE_PASSAGE = """Table 1 lists barriers by theme:

| Theme | Barrier (paraphrased) | COM-B |
|---|---|---|
| The commissioning process | none listed | N/A |
| Funding process | Funding is short term | N/A |
| Impact of Covid-19 | Demand rose in the pandemic | Motivation |

Both are coded as shown.
- first listed point;
- second listed point."""


def test_quoted_rows_reads_table_rows_with_their_header_polarity_and_list_items():
    from assistant.comb.tagger import quoted_rows

    rows = quoted_rows(TABLE_PASSAGE)
    assert rows == [("Funding process Funding is short term N/A", "barrier"),
                    ("Impact of Covid-19 Demand rose in the pandemic Motivation", "barrier"),
                    ("first listed point", None), ("second listed point", None)]  # header, rule and "none listed" left out
    assert quoted_rows("A paragraph with no table.") == []
    assert quoted_rows("| Theme | Enabler | COM-B |\n|---|---|---|\n| A | Peers share | Opportunity |") == [
        ("A Peers share Opportunity", "enabler")]


def test_explained_row_is_the_row_the_prose_repeats_in_its_own_words():
    """A table passage's primary item is the row its prose explains (the gold procedure's "the one the passage
    explains or dwells on"): the prose repeats the row's item cell, not its theme or COM-B code."""
    from assistant.comb.catalogue import by_id
    from assistant.comb.tagger import _quoted_cells, explained_row

    short, covid = by_id()["b-short-term-funding"], by_id()["b-covid-demand"]
    rows = [(cells, item) for (cells, _), item in zip(_quoted_cells(TABLE_PASSAGE), (short, covid))]
    assert explained_row(TABLE_PASSAGE, rows) is None  # "Both are coded as shown." repeats no row
    dwelling = TABLE_PASSAGE + "\n\nDemand rose in the pandemic because families waited longer."
    assert explained_row(dwelling, rows) is covid
    assert explained_row(TABLE_PASSAGE + "\n\nThe funding process theme.", rows) is None  # a theme cell names no row


def test_items_field_is_optional_in_the_contract_and_round_trips():
    from assistant.comb.catalogue import by_id, make_tag
    from assistant.models import ComBTag

    tag = make_tag(by_id()["b-covid-demand"], "reports_barrier", 0.9)
    assert "items" not in tag.to_dict()  # a passage quoting one item or none keeps the DESIGN.md keys
    tag.items = ["b-covid-demand", "b-doubts-about-numbers"]
    d = tag.to_dict()
    assert d["items"] == ["b-covid-demand", "b-doubts-about-numbers"] and d["item"] == "b-covid-demand"
    assert ComBTag.from_dict(d).items == tag.items and ComBTag.from_dict({"item": None}).items == []


def test_consistency_check_covers_the_items_list():
    from assistant.comb.catalogue import by_id, consistency_problems, make_tag

    tag = make_tag(by_id()["b-covid-demand"], "reports_barrier", 0.9)
    tag.items = ["b-covid-demand", "b-sustainability-concerns"]
    assert consistency_problems(tag) == []
    tag.items = ["b-sustainability-concerns", "b-covid-demand"]
    assert any("first" in p for p in consistency_problems(tag))
    tag.items = ["b-covid-demand", "b-made-up"]
    assert any("b-made-up" in p for p in consistency_problems(tag))
    none = make_tag(None, "none", 0.5)
    none.items = ["b-covid-demand"]
    assert consistency_problems(none)


def _words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[a-z]+", text.lower()))


def test_training_items_are_labelled_by_the_catalogue_and_apart_from_every_gold_set():
    """The statements written for the item model (issue 12) carry a catalogue item and a relation that fits it,
    come in the three registers, and share no text with a gold set (checked by machine; a failure names only
    the training id)."""
    import json
    from pathlib import Path

    from assistant.comb.catalogue import RELATIONS, by_id
    from assistant.comb.tagger import TRAINING_ITEMS

    rows = [json.loads(line) for line in TRAINING_ITEMS.read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 100 and len({r["id"] for r in rows}) == len(rows)
    assert {r["style"] for r in rows} == {"interview", "table_row", "policy"}
    for r in rows:
        assert r["relation"] in RELATIONS, r["id"]
        if r["relation"] == "none":
            assert r["item"] is None, r["id"]
        else:
            wanted = "enabler" if r["relation"] == "reports_enabler" else "barrier"
            assert by_id()[r["item"]].polarity == wanted, r["id"]
    assert {r["item"] for r in rows if r["item"]} == set(by_id())  # every catalogue item has statements
    evals = Path(__file__).resolve().parents[2] / "evals"
    gold = [json.loads(line)["text"] for f in ("comb_other_styles.jsonl", "comb_statements.jsonl", "comb_study_rows.jsonl",
                                               "comb_passages.jsonl")
            for line in (evals / f).read_text("utf-8").splitlines() if line.strip()]
    statements = [g for g in gold if len(g) < 300]
    for r in rows:
        assert not any(r["text"] in g or g in r["text"] for g in gold), r["id"]
        w = _words(r["text"])
        overlap = max(len(w & _words(g)) / len(w | _words(g)) for g in statements)
        assert overlap <= 0.4, f"{r['id']} shares {overlap:.0%} of its words with a gold statement"


def test_also_lists_names_the_other_quoted_items_in_plain_words():
    from assistant.comb.catalogue import also_lists, by_id, make_tag

    tag = make_tag(by_id()["b-covid-demand"], "reports_barrier", 0.9)
    assert also_lists(tag) is None
    tag.items = ["b-covid-demand", "b-short-term-funding"]
    assert also_lists(tag) == "This table also lists: short-term funding (barrier)"


def test_component_accuracy_accepted_judges_an_accepted_row_by_its_own_component():
    """The strict component metric compares with the primary gold item's component; the accepted one, beside it,
    judges a prediction of an accepted other item (items_ok) by that item's catalogue component."""
    from assistant.comb.catalogue import by_id
    from assistant.evaluation.metrics import link_metrics

    gold = {"item": "e-reduce-inequalities", "items_ok": ["e-population-needs"], "relation": "reports_enabler",
            "component": by_id()["e-reduce-inequalities"].tag_component, "level": "individual", "polarity": "enabler"}
    accepted = {"item": "e-population-needs", "component": by_id()["e-population-needs"].tag_component,
                "level": "individual", "relation": "reports_enabler", "polarity": "enabler"}
    other = {**accepted, "item": "e-engage-families"}  # not accepted: judged against the gold component
    assert accepted["component"] != gold["component"]
    m = link_metrics([gold, gold], [accepted, other])
    assert m["component_accuracy"] == 0.0 and m["component_accuracy_accepted"] == 0.5
    none_gold = {"item": None, "items_ok": [], "relation": "none", "component": "none", "level": None, "polarity": "neutral"}
    assert link_metrics([none_gold], [accepted])["component_accuracy_accepted"] == 0.0


def test_gold_passages_are_the_passages_the_index_holds():
    """The passage-level gold set measures what the product tags: every gold passage's text, heading, title and
    document type equal the passage with the same id that indexing the shipped corpus makes now (no model:
    the corpus is read and chunked as `index` does). A corpus edit that changes a gold passage fails here; refresh
    the gold text and relabel by the procedure in evals/README.md if its meaning changed."""
    import json
    from pathlib import Path

    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import discover, load_document
    from assistant.settings import Settings

    root = Path(__file__).resolve().parents[2]
    words = Settings.model_fields["passage_words"].default
    held = {p.passage_id: p for path in discover(root / "corpus") for p in chunk_document(load_document(path), words)}
    gold = [json.loads(line) for line in (root / "evals" / "comb_passages.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    drifted = []
    for g in gold:
        p = held.get(g["passage_id"])
        if p is None:
            drifted.append(f"{g['id']} ({g['passage_id']}): no such passage in the corpus")
            continue
        for field, now in (("text", p.text), ("locator", p.locator), ("title", p.meta.title), ("doc_type", p.meta.doc_type)):
            if g[field] != now:
                drifted.append(f"{g['id']} ({g['passage_id']}): {field} differs from the corpus")
    assert not drifted, f"{len(drifted)} gold passage field(s) drifted from the corpus:\n" + "\n".join(drifted)


def test_training_passages_are_the_passages_the_index_holds():
    """The tagger trains on the passages the index holds: a corpus edit that changes one fails here (refresh its text,
    and relabel it by the written procedure if its meaning changed)."""
    import json
    from pathlib import Path

    from assistant.comb.tagger import TRAINING_PASSAGES
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.loaders import discover, load_document
    from assistant.settings import Settings

    root = Path(__file__).resolve().parents[2]
    words = Settings.model_fields["passage_words"].default
    held = {p.passage_id: p for path in discover(root / "corpus") for p in chunk_document(load_document(path), words)}
    rows = [json.loads(line) for line in TRAINING_PASSAGES.read_text("utf-8").splitlines() if line.strip()]
    drifted = [r["passage_id"] for r in rows if r["passage_id"] not in held or
               (r["text"], r["locator"], r["title"]) != (held[r["passage_id"]].text, held[r["passage_id"]].locator,
                                                         held[r["passage_id"]].meta.title)]
    assert not drifted, f"training passages drifted from the corpus: {drifted}"


def test_written_training_passages_are_labelled_by_the_catalogue_and_apart_from_every_gold_set():
    """The passages written for the evidence model (issue 12, fifth pass) carry a catalogue item and a relation that
    fits it, and share no text with a gold set: no gold text inside one or one inside a gold text, word overlap at
    most 30% with any gold text, and no run of 10 words in common (a failure names only the training id)."""
    import json
    from pathlib import Path

    from assistant.comb.catalogue import by_id
    from assistant.comb.tagger import TRAINING_WRITTEN

    rows = [json.loads(line) for line in TRAINING_WRITTEN.read_text("utf-8").splitlines() if line.strip()]
    assert rows and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["relation"] in ("evidence_against", "reports_enabler"), r["id"]
        wanted = "enabler" if r["relation"] == "reports_enabler" else "barrier"
        assert by_id()[r["item"]].polarity == wanted, r["id"]
        assert r["doc_type"] in ("guidance", "report", "evidence_review") and r["title"] and r["locator"], r["id"]
    evals = Path(__file__).resolve().parents[2] / "evals"
    gold = [json.loads(line)["text"] for f in ("comb_other_styles.jsonl", "comb_statements.jsonl", "comb_study_rows.jsonl",
                                               "comb_passages.jsonl")
            for line in (evals / f).read_text("utf-8").splitlines() if line.strip()]

    def runs(text: str, n: int = 10) -> set[tuple[str, ...]]:
        import re

        w = re.findall(r"[a-z0-9]+", text.lower())
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}

    gold_runs = set().union(*(runs(g) for g in gold))
    for r in rows:
        assert not any(r["text"] in g or g in r["text"] for g in gold), r["id"]
        w = _words(r["text"])
        overlap = max(len(w & _words(g)) / len(w | _words(g)) for g in gold)
        assert overlap <= 0.3, f"{r['id']} shares {overlap:.0%} of its words with a gold text"
        assert not runs(r["text"]) & gold_runs, f"{r['id']} shares a run of 10 words with a gold text"


def test_each_individual_item_has_a_local_step_from_the_functions_table3_proposes_for_it():
    """The "What you can do" step of an item applies what the study proposes for its component, never the
    wider BCW matrix; a system-level item (the study codes it N/A) has no step a commissioner takes alone."""
    from assistant.comb.catalogue import items, proposal

    for it in items():
        if it.level == "system":
            assert it.local_step is None and it.step_function is None, it.id
        else:
            assert it.local_step and it.step_function in proposal(it.component)[0], it.id
    assert len({it.local_step for it in items() if it.local_step}) == sum(1 for it in items() if it.local_step)


def test_a_passage_a_reader_labelled_keeps_that_label_only_while_its_text_is_what_was_read():
    import json

    from assistant.comb.catalogue import by_id, make_tag
    from assistant.comb.tagger import TRAINING_PASSAGES, reviewed_tag

    rows = [json.loads(line) for line in TRAINING_PASSAGES.read_text().splitlines() if line.strip()]
    linked = next(r for r in rows if r["item"] and r["relation"] == "evidence_against")
    tag = reviewed_tag(linked["passage_id"], linked["text"])
    assert tag.reviewed and tag.item == linked["item"] and tag.relation == "evidence_against"
    assert tag.to_dict()["reviewed"] is True and tag.component == by_id()[linked["item"]].tag_component
    unlinked = next(r for r in rows if r["item"] is None)
    none = reviewed_tag(unlinked["passage_id"], unlinked["text"])
    assert none.reviewed and none.item is None and none.relation == "none"  # "no link" is a reader's label too
    # an edited passage, or one nobody labelled, is the tagger's to label
    assert reviewed_tag(linked["passage_id"], linked["text"] + " A sentence added later.") is None
    assert reviewed_tag("some-new-report:0000", linked["text"]) is None
    assert "reviewed" not in make_tag(by_id()[linked["item"]], "evidence_against", 0.5).to_dict()


def test_evidence_item_discounts_a_hub_sentence_so_a_broad_item_is_not_a_catch_all():
    """The evidence item's cosine blend discounts each evidence sentence by its hubness (EVIDENCE_HUB_WEIGHT): a
    broad sentence that sits near everything loses a near tie to a specific sentence; a clearly nearer broad
    sentence still wins; without hubness (an older pickled tagger) the raw cosines decide."""
    import numpy as np

    from assistant.comb import tagger as tg
    from assistant.comb.catalogue import items

    ids = [it.id for it in items()]
    broad, specific = ids.index("b-unsure-who-can-support"), ids.index("b-no-dedicated-commissioning")

    class Even:  # the trained model undecided between the two items
        classes_ = np.array([ids[broad], ids[specific]])

        def predict_proba(self, vectors, texts):
            return np.array([[0.5, 0.5]])

    def pick(sims, hub):
        t = tg.Tagger(version="t", classifier=None, report_vectors=np.zeros((1, 2)), report_owner=np.array([0]),
                      evidence_vectors=np.zeros((2, 2)), evidence_owner=np.array([broad, specific]),
                      evidence_model=Even(), evidence_hub=None if hub is None else np.array(hub))
        return t._evidence_item("text", np.zeros(2), np.array(sims))

    assert tg.EVIDENCE_HUB_WEIGHT > 0
    near_tie = [0.62, 0.60]  # the broad sentence a little nearer
    assert pick(near_tie, None) == ids[broad]
    assert pick(near_tie, [0.75, 0.45]) == ids[specific]  # ...but it is a hub: the specific item wins
    assert pick([0.75, 0.60], [0.75, 0.45]) == ids[broad]  # a clearly nearer broad sentence still wins


def test_training_embeds_each_distinct_text_once_and_returns_vectors_in_order():
    """The tagger's training uses the same statements and passages in several models (EmbedOnce); the vectors
    must be those of a plain call, in the order asked, and an empty call must still give an empty array."""
    import numpy as np

    from assistant.comb.tagger import EmbedOnce
    from tests.support import FakeEmbedder, RecordingEmbedder

    model = RecordingEmbedder()
    once = EmbedOnce(model)
    first = once.embed(["otters", "herons", "otters"])
    again = once.embed(["herons", "bridges"])
    assert model.calls == [["otters", "herons"], ["bridges"]]  # each distinct text embedded once, across calls
    assert np.array_equal(first, FakeEmbedder().embed(["otters", "herons", "otters"]))
    assert np.array_equal(again, FakeEmbedder().embed(["herons", "bridges"]))
    assert once.embed([]).shape[0] == 0
