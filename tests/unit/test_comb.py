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






