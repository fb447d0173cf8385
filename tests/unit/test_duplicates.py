"""The near-duplicate check compares a document with every indexed one in one array operation: its answers must
equal the pairwise estimate, and related, same-text and foreign-scheme documents stay out."""

from __future__ import annotations

import random

from assistant.ingest import duplicates


def text(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(f"w{rng.randint(0, 5000)}" for _ in range(n))


def fp(t: str) -> dict:
    return {"text_hash": duplicates.text_hash(t), "minhash": duplicates.signature(t)}


def test_check_finds_the_same_near_duplicates_as_the_pairwise_estimate():
    base = text(1)
    edited = base.rsplit(" ", 20)[0] + " " + text(2, 20)  # a new last page
    others = {"old": fp(base), "copy": fp(base), "other": fp(text(3)), "again": fp(edited + " w1"),
              "foreign": {"text_hash": "x", "minhash": "mh-other-scheme:AAAA"}, "empty": {"text_hash": "y"}}
    same, near = duplicates.check("new", fp(edited), others, 0.5, related={"again"})
    pairwise = sorted(((d, duplicates.similarity(fp(edited)["minhash"], rec.get("minhash"))) for d, rec in others.items()
                       if d not in ("again",)), key=lambda x: -(x[1] or 0))
    expected = [d for d, sim in pairwise if sim is not None and sim >= 0.5]
    assert same is None
    assert [n["of"] for n in near] == expected and set(expected) == {"old", "copy"}
    assert all(n["similarity"] == round(dict(pairwise)[n["of"]], 3) for n in near)


def test_the_same_text_is_reported_once_as_same_and_not_again_as_near():
    t = text(4)
    same, near = duplicates.check("new", fp(t), {"first": fp(t), "far": fp(text(5))}, 0.8)
    assert same == "first" and near == []


def test_a_document_without_a_signature_has_no_near_duplicates():
    assert duplicates.check("new", {"text_hash": "z"}, {"a": fp(text(6))}, 0.8) == (None, [])
