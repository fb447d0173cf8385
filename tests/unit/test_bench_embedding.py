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
    such a call runs on the one-thread session, a large one on the session with ``threads`` threads, and the
    vectors are the same."""
    from assistant import embedding

    question = "What barriers do commissioners face?"
    threads, embedder.threads = embedder.threads, 2
    try:
        assert embedder.session_for(12) is embedder._small
        large = embedder.session_for(embedding.SMALL_CALL + 1)
        assert large is not embedder._small
        assert large.get_session_options().intra_op_num_threads == 2
        assert embedder._small.get_session_options().intra_op_num_threads == 1
        one = embedder.embed_one(question)
        small_call, embedding.SMALL_CALL = embedding.SMALL_CALL, 0
        try:
            two = embedder.embed_one(question)  # now a "large" call
        finally:
            embedding.SMALL_CALL = small_call
    finally:
        embedder.threads = threads
    assert np.abs(one - two).max() < 1e-5


def test_the_converted_model_is_kept_once_and_read_back(tmp_path, embedder, monkeypatch):
    """The ONNX conversion is made once into the model cache and read from there by the next process; an
    unwritable cache still gives a working model (held in memory), and leaves no partial file behind."""
    from pathlib import Path

    from assistant import embedding
    from assistant.embedding import Embedder, onnx_model

    cached = Path(embedder.model)
    assert cached.is_file() and cached.suffix == ".onnx"
    graph = onnx_model(Path(embedder.path), tmp_path / "locked" / "sub")  # made here, in a fresh folder
    assert isinstance(graph, str) and Path(graph).is_file()
    (tmp_path / "blocked").write_text("a file where the cache folder should be")
    in_memory = onnx_model(Path(embedder.path), tmp_path / "blocked")
    assert isinstance(in_memory, bytes) and len(in_memory) > 10_000_000
    assert not list(tmp_path.glob("**/*.partial"))
    monkeypatch.setattr(embedding, "export", lambda root: (_ for _ in ()).throw(AssertionError("converted again")))
    again = Embedder(cache_dir=cached.parent)
    assert again.model == embedder.model  # read back, not converted again
    text = "Parent-infant teams reach 4-6% of babies who need them."
    assert np.abs(Embedder(cache_dir=tmp_path / "locked" / "sub").embed_one(text) - embedder.embed_one(text)).max() < 1e-6
    monkeypatch.undo()  # an unwritable cache converts in memory and still answers
    held = Embedder(cache_dir=tmp_path / "blocked")
    assert isinstance(held.model, bytes) and np.abs(held.embed_one(text) - embedder.embed_one(text)).max() < 1e-6


def test_a_damaged_conversion_is_made_again(tmp_path, embedder):
    """A cached file cut short (a full disk, a copy interrupted) does not load: it is converted again, not
    reported as an onnxruntime traceback at every start."""
    from pathlib import Path

    from assistant.embedding import Embedder

    damaged = tmp_path / Path(embedder.model).name
    damaged.write_bytes(Path(embedder.model).read_bytes()[:1_000_000])
    mended = Embedder(cache_dir=tmp_path)
    assert mended.model == str(damaged) and damaged.stat().st_size == Path(embedder.model).stat().st_size
    text = "What barriers do commissioners face?"
    assert np.abs(mended.embed_one(text) - embedder.embed_one(text)).max() < 1e-6
