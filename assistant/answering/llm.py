"""Optional LLM synthesis through llama-index, with every generated sentence checked against its citation.

Used only when ASSISTANT_LLM is set (``openai`` for any OpenAI-compatible server - vLLM, llama.cpp, Azure -
or ``ollama``). A generated sentence survives only if it cites an [n] that exists and its embedding is close
enough (``support_threshold``) to that passage; the rest are dropped and counted in a notice. If nothing
survives, the caller falls back to the extractive answer. Prompts live in ``prompts/``.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.errors import AssistantError
from assistant.ingest.chunking import split_sentences
from assistant.models import Citation
from assistant.settings import Settings

CITE = re.compile(r"\[(\d+)\]")
FIGURE = re.compile(r"£?\d[\d,.]*(?:%|bn|m|k)?")


def figures(text: str) -> set[str]:
    """Numbers as written ("£36.5m", "1,889", "42%"), normalised, for the no-invented-figures check."""
    return {f.rstrip(".,").replace(",", "").lower() for f in FIGURE.findall(CITE.sub("", text))}


def prompt(name: str) -> str:
    """A template from ``prompts/``: a wheel carries them as the package ``assistant.prompts``; an editable
    install or a checkout reads the top-level folder, which is their source."""
    from importlib.resources import files
    from pathlib import Path

    try:
        path = files("assistant.prompts") / f"{name}.md"
    except ModuleNotFoundError:
        path = Path(__file__).resolve().parents[2] / "prompts" / f"{name}.md"
    if not path.is_file():
        raise AssistantError(f"prompt template {name}.md is missing (looked in {path}); reinstall the package")
    return path.read_text("utf-8")


def make_llm(settings: Settings):
    kind = (settings.llm or "").lower()
    if kind == "openai":
        if not settings.llm_base_url or not settings.llm_model:
            raise AssistantError("ASSISTANT_LLM=openai needs ASSISTANT_LLM_BASE_URL and ASSISTANT_LLM_MODEL")
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError:
            raise AssistantError("the LLM extra is not installed: pip install -e '.[llm]'") from None
        return OpenAILike(model=settings.llm_model, api_base=settings.llm_base_url, api_key=settings.llm_api_key or "none",
                          is_chat_model=True, timeout=settings.llm_timeout, max_tokens=300, temperature=0.0,
                          context_window=8192)
    if kind == "ollama":
        try:
            from llama_index.llms.ollama import Ollama
        except ImportError:
            raise AssistantError("the LLM extra is not installed: pip install -e '.[llm]'") from None
        return Ollama(model=settings.llm_model or "llama3.2", base_url=settings.llm_base_url or "http://127.0.0.1:11434",
                      request_timeout=settings.llm_timeout, temperature=0.0)
    raise AssistantError(f"ASSISTANT_LLM must be 'openai' or 'ollama', got {settings.llm!r}")


def _complete(llm, text: str) -> str:
    from llama_index.core.llms import ChatMessage

    resp = llm.chat([ChatMessage(role="user", content=text)])
    return (resp.message.content or "").strip()


def claims(text: str) -> list[str]:
    """The units a generated answer is checked in: sentences, further cut after a closing bracket or citation
    that a capital follows, so that a model cannot hide an unsupported clause behind one cited one
    ("... (Title, 2014, £8.1bn) This answer contains ... [1].")."""
    out = []
    for sentence in split_sentences(text):
        out.extend(p.strip() for p in re.split(r"(?<=[)\]])\s+(?=[\"'“(\[]?[A-Z])", sentence) if p.strip())
    return out


def check_sentences(text: str, citations: list[Citation], embedder, threshold: float) -> tuple[list[str], int]:
    """Keep the sentences that cite an existing passage which supports them; return (kept, dropped count)."""
    by_n = {c.n: c for c in citations}
    text = re.sub(r"([.!?])\s*((?:\[\d+\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1) + " ", " ".join(text.split()))
    sentences = claims(text)
    kept, dropped = [], 0
    if not sentences:
        return [], 0
    bare = [CITE.sub("", s).strip() for s in sentences]
    vecs = embedder.embed(bare)
    passage_vecs = {}
    for s, b, v in zip(sentences, bare, vecs):
        ns = [int(n) for n in CITE.findall(s)]
        valid = [n for n in ns if n in by_n]
        if not valid or len(b.split()) < 3:
            dropped += 1
            continue
        supported = False
        for n in valid:
            if n not in passage_vecs:
                passage_vecs[n] = embedder.embed([by_n[n].text])[0]
            # close in meaning AND every figure it states appears in that passage: no invented numbers
            if float(np.dot(v, passage_vecs[n])) >= threshold and figures(b) <= figures(by_n[n].text):
                supported = True
        if supported:
            kept.append(s)
        else:
            dropped += 1
    return kept, dropped


def supporting_spans(kept: list[str], citations: list[Citation], embedder) -> dict[int, list[list[int]]]:
    """For each citation a kept sentence cites: the offsets of the passage sentence closest in meaning to it.

    The viewer highlights these, so a generated answer is checked in place against real passage text, never
    against anything the model wrote about where its facts came from."""
    from assistant.answering.composer import passage_sentences

    by_n = {c.n: c for c in citations}
    spans: dict[int, list[list[int]]] = {}
    cited = [(CITE.sub("", s).strip(), [int(n) for n in CITE.findall(s) if int(n) in by_n]) for s in kept]
    if not cited:
        return spans
    claim_vecs = embedder.embed([b for b, _ in cited])
    sentence_cache: dict[int, tuple[list[tuple[int, int, str]], np.ndarray]] = {}
    for (_, ns), v in zip(cited, claim_vecs):
        for n in ns:
            if n not in sentence_cache:
                sents = passage_sentences(by_n[n].text) or [(0, len(by_n[n].text), by_n[n].text)]
                sentence_cache[n] = (sents, np.asarray(embedder.embed([t for _, _, t in sents])))
            sents, vecs = sentence_cache[n]
            start, end, _ = sents[int(np.argmax(vecs @ np.asarray(v)))]
            if [start, end] not in spans.setdefault(n, []):
                spans[n].append([start, end])
    return {n: sorted(v) for n, v in spans.items()}


def synthesise(llm, question: str, citations: list[Citation], embedder, settings: Settings
               ) -> tuple[str, list[str], dict[int, list[list[int]]]]:
    """Generated lead text (or "" to keep the extractive one), notices for the user, and for each citation the
    generated text cites, the spans of the passage sentences that support it. The caller puts the text in place
    of the extractive lead (composer.with_generated_lead), keeping the rest of the answer's structure."""
    context = "\n\n".join(f"[{c.n}] ({c.title}, {c.year}, {c.locator})\n{c.text}" for c in citations)
    try:
        raw = _complete(llm, prompt("answer_with_citations").replace("{context}", context).replace("{question}", question))
    except Exception as e:  # the endpoint is optional: its failure must not fail the answer
        return "", [f"the language model could not be reached ({type(e).__name__}); showing the extractive answer"], {}
    if "NOT COVERED" in raw.upper():
        return "", ["the language model found the passages do not answer this; showing the extractive answer"], {}
    kept, dropped = check_sentences(raw, citations, embedder, settings.support_threshold)
    notices = []
    if dropped:
        notices.append(f"{dropped} generated sentence(s) removed: not supported by a cited passage")
    if not kept:
        return "", notices + ["no generated sentence passed the citation check; showing the extractive answer"], {}
    body = " ".join(kept)
    if dropped:
        body += f" _({dropped} unsupported sentence(s) removed.)_"
    return body, notices, supporting_spans(kept, citations, embedder)


def condense_with_llm(llm, question: str, history: list[dict]) -> str | None:
    turns = "\n".join(f"{m.get('role')}: {str(m.get('content'))[:500]}" for m in history[-6:])
    try:
        out = _complete(llm, prompt("condense_followup").replace("{history}", turns).replace("{question}", question))
    except Exception:
        return None
    out = out.strip().splitlines()[0].strip() if out.strip() else ""
    return out if 3 <= len(out) <= 500 else None
