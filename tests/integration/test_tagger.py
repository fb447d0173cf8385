"""COM-B: taxonomy integrity, the catalogue, and the tagger on clear-cut statements of each class."""

from __future__ import annotations

import json

import pytest

from tests.support import run_cli

CLEAR = [  # (statement, catalogue item, relation, component, level), written before the catalogue tagger
    ("Commissioners told us they had never heard of parent-infant relationship teams and did not know what one does.",
     "b-unsure-who-can-support", "reports_barrier", "capability", "individual"),
    ("The grant only runs for twelve months, so the team could be disbanded next spring.",
     "b-short-term-funding", "reports_barrier", "none", "system"),
    ("Monthly peer forums let commissioners learn from colleagues who had already funded a parent-infant service.",
     "e-sharing-between-commissioners", "reports_enabler", "opportunity", "individual"),
    ("She was convinced that spending on babies now would save the council money on care proceedings later.",
     "e-invest-early-save-later", "reports_enabler", "capability", "individual"),
    ("Hard to show the impact and value for money of services", "b-hard-to-show-impact", "reports_barrier", "capability", "individual"),
    ("The interviews were transcribed and coded in NVivo.", None, "none", "none", None),
]


@pytest.fixture(scope="module")
def tagger(embedder):
    from assistant.comb.tagger import train

    return train(embedder)


@pytest.mark.parametrize("text,item,relation,component,level", CLEAR)
def test_tagger_on_clear_cut_statements(tagger, text, item, relation, component, level):
    tag = tagger.tag_texts([text])[0]
    assert (tag.item, tag.relation, tag.component, tag.level) == (item, relation, component, level)
    assert 0.0 <= tag.confidence <= 1.0


def test_tagger_is_deterministic(embedder):
    from assistant.comb.tagger import train

    a, b = train(embedder), train(embedder)
    texts = [c.values[0] if hasattr(c, "values") else c[0] for c in CLEAR]
    assert [x.to_dict() for x in a.tag_texts(texts)] == [x.to_dict() for x in b.tag_texts(texts)]


def test_tag_cli_prints_the_contract(tmp_path):
    value_for_money, nvivo = CLEAR[4][0], CLEAR[5][0]
    out = run_cli(["tag", "--json", value_for_money, nvivo], {"ASSISTANT_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    rows = [json.loads(l) for l in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == [value_for_money, nvivo]
    assert set(rows[0]) == {"text", "component", "subcomponent", "polarity", "confidence", "barrier", "intervention_functions",
                            "policy_categories", "level", "relation", "item", "other_options"}
    assert rows[0]["component"] == "capability" and rows[0]["item"] == "b-hard-to-show-impact"
    assert rows[0]["intervention_functions"] == ["education", "training", "enablement"]  # Table 3, not the generic matrix
    assert rows[1]["item"] is None and rows[1]["relation"] == "none"
    human = run_cli(["tag", value_for_money], {"ASSISTANT_HOME": str(tmp_path)})
    assert "Barrier: hard to show impact and value for money · Capability (knowledge and skills)" in human.stdout
    assert "What the study proposes: education, training, enablement" in human.stdout

