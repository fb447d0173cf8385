"""Does a page's text look garbled? A PDF whose fonts map glyphs to the wrong characters (no ToUnicode map, a
shifted encoding) or to none at all still has a text layer, so it is indexed, and its quotes are nonsense that
no check downstream notices. Three signs, each cheap and language-light:

- broken glyphs: pdfminer's ``(cid:N)`` for a glyph with no character, U+FFFD, private-use and control
  characters;
- letter-spaced text ("M o n i t o r i n g"): most tokens single letters;
- few real words: English (and Welsh) prose is about a third function words ("the", "of", "and"); text whose
  letters were shifted has almost none, and many of its tokens have no vowel or a run of five consonants.

A page of figures, a contents page or a short caption has too few words to judge and is never flagged.
"""

from __future__ import annotations

import re

MIN_WORDS = 30  # fewer words than this on a page: too little to judge
BROKEN_SHARE = 0.03  # broken glyphs over this share of the characters
SPACED_SHARE = 0.5  # single-letter tokens over this share of the words
FUNCTION_SHARE = 0.04  # function words under this share of the words ...
NONWORD_SHARE = 0.12  # ... and non-words over this share

FUNCTION_WORDS = frozenset(
    ["a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "by", "for", "with", "from", "as", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "which", "who", "not", "no", "but", "if", "than", "then", "there", "their", "they", "we", "you", "he", "she", "our", "your", "has", "have", "had", "will", "would", "should", "must", "can", "may", "do", "does", "each", "all", "any", "per", "into", "about", "after", "before", "under", "over", "more", "most", "also", "such", "only", "y", "yr", "ac", "ar", "yn", "mae", "ei", "eu", "gan", "am", "i", "o", "na", "ni", "wedi", "bod", "hyn", "ond", "fel"])
_BROKEN = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f]")
_TOKEN = re.compile(r"[^\W\d_]+", re.U)


def _nonword(token: str) -> bool:
    """A token of letters no language of the corpus spells: no vowel (and not an acronym like NHS or ICB), a run
    of five consonants, or capitals inside lower case ("hEllo")."""
    low = token.lower()
    if len(token) > 1 and not re.search(r"[aeiouy]", low) and not token.isupper():
        return True
    if re.search(r"[bcdfghjklmnpqrstvxz]{5,}", low):
        return True
    return bool(re.search(r"[a-z][A-Z]", token)) and not token.isupper()


def garbled(text: str) -> str:
    """Why ``text`` looks garbled, or "" when it reads as text."""
    broken = sum(len(m.group(0)) for m in _BROKEN.finditer(text))
    chars = len(re.sub(r"\s", "", text))
    if chars >= 100 and broken / chars > BROKEN_SHARE:
        return f"{broken / chars:.0%} of its characters are broken glyphs"
    tokens = _TOKEN.findall(text)
    if len(tokens) < MIN_WORDS:
        return ""
    single = sum(len(t) == 1 and t.lower() not in ("a", "i", "y", "o") for t in tokens) / len(tokens)
    if single > SPACED_SHARE:
        return f"{single:.0%} of its words are single letters"
    function = sum(t.lower() in FUNCTION_WORDS for t in tokens) / len(tokens)
    nonword = sum(_nonword(t) for t in tokens) / len(tokens)
    if function < FUNCTION_SHARE and nonword > NONWORD_SHARE:
        return f"{nonword:.0%} of its words are not words and only {function:.0%} are common words"
    return ""
