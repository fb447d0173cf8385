"""Word handling shared by BM25, the extractive composer and question checks: tokens, a light stemmer, stopwords."""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers him his
how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over
own same she should so some such than that the their theirs them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours yourself
tell know say said says please show give get got want wants need needs like anything something much many
there's what's whats it's dont don't does doesn't isn't
""".split())

# Very common English function words: used to notice a question written in another language.
ENGLISH_MARKERS = frozenset("the a an and of to in is are what how why who which do does for on with my our can should there we i".split())

_TOKEN = re.compile(r"[a-z0-9£%]+(?:[.,][0-9]+)*")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")


def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to match plural/verb forms in a 1,000-passage corpus."""
    if len(word) <= 3 or word[0].isdigit() or word[0] == "£":
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ational", "ate"), ("ations", "ate"), ("ation", "ate"),
                         ("ings", ""), ("ing", ""), ("edly", ""), ("ed", ""), ("ers", "er"), ("ness", ""),
                         ("ments", "ment"), ("ly", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


def tokens(text: str, drop_stopwords: bool = True) -> list[str]:
    words = _TOKEN.findall(fold(text).replace("-", " "))
    return [stem(w) for w in words if not (drop_stopwords and w in STOPWORDS)]


def content_words(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(fold(text)) if w not in STOPWORDS and len(w) > 1]


def looks_non_english(text: str) -> bool:
    """True for a question that is mostly non-Latin script, or several words with no English function word."""
    text = re.sub(r"<[^>]*>", " ", text)  # markup is not language
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "a" <= c.lower() <= "z")
    if latin / len(letters) < 0.5:
        return True
    words = re.findall(r"[a-zA-Z']+", text.lower())
    return len(words) >= 5 and not any(w in ENGLISH_MARKERS for w in words)


def clean_question(text: str) -> str:
    """Replace control, format, private-use and unassigned characters with spaces, and fold whitespace."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") else c for c in text)
    return " ".join(text.split())
