"""COM-B: taxonomy integrity, the catalogue, and the tagger on clear-cut statements of each class."""

from __future__ import annotations

import json

import pytest

from assistant.comb.taxonomy import SUBCOMPONENTS, catalogue, functions_for, policies_for, taxonomy
from tests.conftest import run_cli


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


CLEAR = [
    ("Commissioners told us they had never heard of parent-infant relationship teams and did not know what one does.", "capability", "barrier"),
    ("The grant only runs for twelve months, so the team could be disbanded next spring.", "opportunity", "barrier"),
    ("Monthly peer forums let commissioners learn from colleagues who had already funded a parent-infant service.", "opportunity", "enabler"),
    ("She was convinced that spending on babies now would save the council money on care proceedings later.", "motivation", "enabler"),
    ("The interviews were transcribed and coded in NVivo.", "none", "neutral"),
]


@pytest.fixture(scope="module")
def tagger(embedder):
    from assistant.comb.tagger import require_tagger

    return require_tagger(embedder)


@pytest.mark.parametrize("text,component,polarity", CLEAR)
def test_tagger_on_clear_cut_statements(tagger, text, component, polarity):
    tag = tagger.tag_texts([text])[0]
    assert (tag.component, tag.polarity) == (component, polarity)
    assert 0.0 <= tag.confidence <= 1.0


def test_tagger_is_deterministic(embedder):
    from assistant.comb.tagger import train

    a, b = train(embedder), train(embedder)
    texts = [t for t, _, _ in CLEAR]
    assert [x.to_dict() for x in a.tag_texts(texts)] == [x.to_dict() for x in b.tag_texts(texts)]


def test_tag_cli_prints_the_contract(tmp_path):
    out = run_cli(["tag", "--json", CLEAR[1][0], CLEAR[4][0]], {"ASSISTANT_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    rows = [json.loads(l) for l in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == [CLEAR[1][0], CLEAR[4][0]]
    assert set(rows[0]) == {"text", "component", "subcomponent", "polarity", "confidence", "barrier", "intervention_functions", "policy_categories"}
    assert rows[0]["component"] == "opportunity" and rows[0]["policy_categories"][0] in taxonomy()["local_levers"]
