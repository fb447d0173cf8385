"""Corpus text speaks of the evidence, never of how the corpus was made, and every document carries its
evidence strength (issue 14: a test fails on text that mentions the project, its notes or its sources)."""

from __future__ import annotations

import re

import pytest

from assistant.ingest.chunking import chunk_document
from assistant.ingest.loaders import discover, load_document
from tests.support import ROOT

PROCESS_WORDS = re.compile(
    r"\b(this corpus|the corpus|the project|project's|source notes|reference notes|our notes|the notes|search tool|"
    r"sources folder|(?:pages?|sources?|documents?|texts?) (?:we )?read\b|(?:was|were) not seen|"
    r"not shown on the (?:\w+ )?pages?|as read here|for this summary|for this document|stored (?:public )?pages?|"
    r"the writers?|we read|(?:was|were) (?:not )?read\b(?! out)|not read in|when the copy|"
    r"(?:summarised|described|covered) (?:in (?:a )?separate (?:\w+ )?documents?|separately|in (?:other|another) documents?)|"
    r"(?:the|a) separate (?:\w+ )?document|"
    r"(?:this|the) assistant(?! (?:psychologists?|directors?|practitioners?|managers?|heads?)))\b", re.I)


def passages():
    for path in discover(ROOT / "corpus"):
        for p in chunk_document(load_document(path)):
            yield p


def test_no_passage_describes_how_the_corpus_was_made():
    offenders = [f"{p.passage_id}: ...{m.group(0)}..." for p in passages() for m in [PROCESS_WORDS.search(p.text)] if m]
    # what a card shows of a document besides its text: the certainty as the source states it
    offenders += [f"{meta.doc_id} certainty: ...{m.group(0)}..." for path in discover(ROOT / "corpus")
                  for meta in [load_document(path).meta] for m in [PROCESS_WORDS.search(meta.certainty or "")] if m]
    assert not offenders, "corpus text about its own making (move it to source_note):\n" + "\n".join(offenders)


@pytest.mark.parametrize("text", ["These facts come from the project's source notes.", "The pages read did not say.",
                                  "This corpus has no figure for it.", "For this assistant the behaviour is commissioning.",
                                  "The page counted 46 teams when the copy was read.", "Abstracts only were read.",
                                  "On the sources read, nothing is ring-fenced.", "The estimate's method was not seen.",
                                  "A trial (publication year not shown on the abstract pages) with 17 mothers.",
                                  "The follow-up is summarised in a separate document.",
                                  "FNP drew on trials abroad (see the separate Guidebook document).",
                                  "The vision is summarised separately.", "Both are described in other documents."])
def test_the_process_check_catches_process_notes(text):
    assert PROCESS_WORDS.search(text)


def test_every_document_states_its_evidence_strength():
    missing = []
    for path in discover(ROOT / "corpus"):
        meta = load_document(path).meta
        if not (meta.design and meta.setting and meta.publisher_kind and meta.source_note):
            missing.append(meta.doc_id)
    assert not missing, f"documents without design, setting, publisher_kind or source_note: {missing}"


def test_no_run_of_twelve_words_is_copied_from_the_seed():
    """The shared checker (it ignores URLs and cited titles) must find nothing in the corpus."""
    import subprocess
    import sys

    tool = ROOT.parent / "shared" / "tools" / "verbatim_check.py"
    if not tool.exists():
        pytest.skip("../shared/tools/verbatim_check.py is not beside this checkout")
    out = subprocess.run([sys.executable, str(tool), str(ROOT / "corpus")], capture_output=True, text=True, timeout=120)
    assert " 0 run(s)" in out.stdout, out.stdout[-2000:]
