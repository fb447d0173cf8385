"""The embedder runs the packaged model without sentence-transformers (its import was a second of every cold
start): its vectors must be the ones sentence-transformers gives for the same model, so an index built by
either serves the other."""

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_vectors_match_sentence_transformers(embedder):
    from sentence_transformers import SentenceTransformer

    texts = ["What barriers do commissioners face?", "short", "word " * 400,  # past 256 word pieces: truncated alike
             "Parent-infant relationship teams in England, 2023 survey: 42% of areas had none."]
    ours = embedder.embed(texts, batch_size=2)
    st = SentenceTransformer(embedder.path, device="cpu", local_files_only=True)
    theirs = np.vstack([st.encode([t], normalize_embeddings=True, convert_to_numpy=True) for t in texts])
    assert ours.dtype == np.float32 and ours.shape == (4, 384)
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.abs(embedder.embed_one(texts[0]) - theirs[0]).max() < 1e-5


def test_word_pieces_match_the_models_tokenizer(embedder):
    """The retriever's 'rare term' test (a word the vocabulary splits) reads the same pieces as before."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(embedder.path, device="cpu", local_files_only=True)
    for word in ("barriers", "Commissioners", "sertraline", "perinatal", "PIMH", "co-production"):
        assert embedder.word_pieces(word) == st.tokenizer.tokenize(word)

