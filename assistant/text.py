"""Word handling shared by BM25, the composer and question checks: tokens (Snowball stemmer from PyStemmer,
bm25s's English stop words), question cleaning."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN

# bm25s's English list, plus the words a chat question is padded with (its contractions written without an
# apostrophe, "hows", "didnt", its shorthand, "hw", "shld", "pls", and "our DPH reckons", among them); none of them
# carries the topic. Tokens stop at an apostrophe, so "I've", "don't" and "we'd" leave "ve", "t", "d" and "don": rare
# in the evidence and so weighted high, they had made a quoted "you can't build the service" the best sentence for
# "I don't want to start from a blank sheet: is there a ready-made tool?"
STOPWORDS = frozenset(STOPWORDS_EN) | frozenset("""
about above after again against all also am any because been before being below between both could did do does
doing down during each few from further had has having here hers him his how i me more most my nor now off once
only other our ours out over own same she should so some than them then these those through too under until up
very we were what when where which while who whom why would you your yours yourself
tell know say said says please show give get got want wants need needs like anything something much many
there's what's whats it's dont don't doesn't isn't
hows thats theres wheres whos whys ive im youre theyre weve theyve cant wont didnt isnt arent wasnt werent wouldnt
shouldnt couldnt havent hasnt hadnt doesnt
hw shld wld cld pls plz thx tbh btw fyi imo asap reckon reckons reckoned
t ve ll re d m don doesn didn isn aren wasn weren wouldn shouldn couldn haven hasn hadn won shan needn mustn
quite really actually realistically basically honestly though sounds sound seems seem
""".split())

_TOKEN = re.compile(r"[a-z0-9£%]+(?:[.,][0-9]+)*")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball English stem; figures and amounts are kept as they are."""
    if word[:1].isdigit() or word[:1] == "£":
        return word
    return _stemmer().stemWord(word)


# "£900m" and "£900 million", "£1.15bn" and "£1.15 billion" are one amount: both give the tokens "£900", "million"
_MONEY_UNIT = re.compile(r"(£\d[\d,]*(?:\.\d+)?)\s?(m|mn|bn)\b")
_UNIT_WORDS = {"m": "million", "mn": "million", "bn": "billion"}


def folded(text: str) -> str:
    """``fold``, with an amount in one spelling: "£900m", "£900mn" and "£900 million" are "£900 million"."""
    return _MONEY_UNIT.sub(lambda m: f"{m.group(1)} {_UNIT_WORDS[m.group(2)]}", fold(text))


# Everyday words a commissioner types for the words the evidence uses ("what about dads?" asks about fathers;
# the evidence body says "tool" once, for a local offer, and "toolkit" throughout),
# as stems: one token for both, in questions and passages alike
EVERYDAY = {"dad": "father", "daddi": "father", "mum": "mother", "mummi": "mother", "mom": "mother",
            "tool": "toolkit"}  # "a ready-made tool for commissioners": the evidence's one is a toolkit


def tokens(text: str, drop_stopwords: bool = True) -> list[str]:
    words = _TOKEN.findall(folded(text).replace("-", " "))
    return [term(w) for w in words if not (drop_stopwords and w in STOPWORDS)]


def term(word: str) -> str:
    """The token a word counts as: its stem, or the evidence's word for an everyday one ("dads" -> "father")."""
    t = stem(word)
    return EVERYDAY.get(t, t)


def content_words(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(folded(text)) if w not in STOPWORDS and len(w) > 1]


def clean_question(text: str) -> str:
    """Replace control, format, private-use and unassigned characters with spaces, and fold whitespace."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") else c for c in text)
    return " ".join(text.split())


def sentences_of(text: str) -> list[str]:
    """A question's sentences, split after ".", "!" or "?"."""
    return [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x.strip()]


def asking_sentences(sentences: list[str]) -> list[str]:
    """The sentences that ask (those with a "?", or else the last), not the preamble."""
    return [x for x in sentences if "?" in x] or sentences[-1:]


SLIP_MIN_LETTERS = 5  # a shorter word is one slip from too many others


def one_slip_from(word: str, candidates) -> bool:
    """Whether ``word`` (five letters or more) is one slip (a letter added, dropped, changed, or two swapped: OSA
    distance 1, rapidfuzz) from one of ``candidates`` with the same first letter: the one test of a misspelling,
    for stems ("busin" from "busi"), names as written ("ofstead" from "ofsted") and cited words alike."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    if len(word) < SLIP_MIN_LETTERS:
        return False
    near = [c for c in candidates if c[:1] == word[:1]]
    return process.extractOne(word, near, scorer=OSA.distance, score_cutoff=1) is not None
