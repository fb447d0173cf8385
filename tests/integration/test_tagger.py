"""COM-B: taxonomy integrity, the catalogue, and the tagger on clear-cut statements of each class."""

from __future__ import annotations

import json

import pytest

from assistant.comb.taxonomy import taxonomy
from tests.support import run_cli

CLEAR = [
    ("Commissioners told us they had never heard of parent-infant relationship teams and did not know what one does.", "capability", "barrier"),
    ("The grant only runs for twelve months, so the team could be disbanded next spring.", "opportunity", "barrier"),
    ("Monthly peer forums let commissioners learn from colleagues who had already funded a parent-infant service.", "opportunity", "enabler"),
    ("She was convinced that spending on babies now would save the council money on care proceedings later.", "motivation", "enabler"),
    ("The interviews were transcribed and coded in NVivo.", "none", "neutral"),
]


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

