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



def test_a_small_call_runs_on_one_thread_and_gives_the_same_vectors(embedder):
    """Two threads on a question or a batch of headings waited on each other under load (0.25-1 s a question);
    the call now runs on one thread, the thread count is restored after it, and the vectors are the same."""
    import torch

    from assistant import embedding

    if torch.get_num_threads() < 2:
        torch.set_num_threads(2)
    seen, forward = [], embedder.model.forward

    def watching(*a, **k):
        seen.append(torch.get_num_threads())
        return forward(*a, **k)

    question = "What barriers do commissioners face?"
    embedder.model.forward = watching
    try:
        one = embedder.embed_one(question)
        embedding_small, embedding.SMALL_CALL = embedding.SMALL_CALL, 0
        try:
            two = embedder.embed_one(question)
        finally:
            embedding.SMALL_CALL = embedding_small
    finally:
        del embedder.model.forward
    assert seen == [1, 2] and torch.get_num_threads() == 2
    assert np.abs(one - two).max() < 1e-5
