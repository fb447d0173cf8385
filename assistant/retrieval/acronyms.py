"""Acronyms a question uses, spelled out as the corpus itself defines them.

Commissioners write "ICB", "CAMHS" and "FNP"; a passage may say "integrated care board" or "Family Nurse
Partnership" and never the acronym, so BM25 misses it and the embedding model, which splits most acronyms into
pieces, places the question poorly. The corpus defines its acronyms where it first uses them ("child and
adolescent mental health services (CAMHS)"); those definitions, read from the passages held, are the only
expansions used: nothing is looked up, and an acronym the corpus never defines is left alone.

A definition is a run of words just before a bracketed acronym whose initials spell it, small joining words
("and", "of", "for", "the") skipped, in the manner of Schwartz and Hearst's (2003) rule for biomedical text; or,
failing that, whose words (hyphenated parts apart) each give the acronym the first one or more of their letters,
in order: "parent-infant relationship (PAIR)" is PA + I + R, "NHS England (NHSE)" NHS + E. An acronym that is
neither ("the programme (PAIR)") is not expanded.

A short list of abbreviations commissioners use that the corpus may never define ("HV", "LA": abbreviations.txt)
fills in where the corpus is silent; a definition the corpus gives always wins.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

BRACKETED = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
WORDS_BEFORE = 9  # a long form is at most this many words
ACRONYM = re.compile(r"\b[A-Z][A-Za-z]{1,7}\b")
JOINING = frozenset(("and", "of", "for", "the", "in", "to", "on", "with", "&"))


def _key(acronym: str) -> str:
    """ICBs and ICB are one acronym."""
    return acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() and len(acronym) > 2 else acronym


def _initials(words: list[str]) -> str:
    """The capitalised first letters of ``words``, joining words skipped: "high impact areas" is HIA."""
    return "".join(w[0].upper() for w in words if w.lower() not in JOINING)


def _prefixes_spell(key: str, parts: list[str]) -> bool:
    """Whether the parts, in order, each give ``key`` one or more of their first letters (a joining word may give
    none): "PAIR" from parent, infant, relationship."""
    key = key.lower()

    def go(k: int, i: int) -> bool:
        if i == len(parts):
            return k == len(key)
        part = parts[i].lower()
        if part in JOINING and go(k, i + 1):
            return True
        n = 0
        while n < len(part) and k + n < len(key) and part[n] == key[k + n]:
            n += 1
            if go(k + n, i + 1):
                return True
        return False

    return 2 <= len(parts) <= len(key) and go(0, 0)  # hyphenated words: "parent-infant psychotherapy (PIP)"


def definitions(texts: Iterable[str]) -> dict[str, str]:
    """Each acronym the texts define, with its most frequent long form (lower case). Each bracketed acronym is
    found first and only the few words before it are read, so the cost is linear in the text (a pattern that
    searched for the words and the bracket together took 22 s over 50,000 passages)."""
    found: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        if "(" not in text:
            continue
        for m in BRACKETED.finditer(text):
            key = _key(m.group(1))
            if not key.isupper():
                continue  # "(Figure)", "(Annex)": a bracketed word, not an acronym
            words = text[max(0, m.start() - 120):m.start()].replace(",", " ").split()[-WORDS_BEFORE:]
            for n in range(1, len(words) + 1):
                tail = words[-n:]
                if tail[0].lower() in JOINING:
                    continue
                parts = [x for w in tail for x in w.split("-") if x]
                if (_initials(tail) == key
                        or (len(key) > 2 and _prefixes_spell(key, parts))):
                    if all(w[:1].isalpha() or w[:1] == "&" for w in tail):
                        found[key][" ".join(tail).lower()] += 1
                    break
    return {key: forms.most_common(1)[0][0] for key, forms in found.items()}


def _word_list(name: str) -> dict[str, str]:
    """A "short: long form" file beside this module ("#" starts a comment)."""
    out = {}
    for line in (Path(__file__).with_name(name)).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            key, long = line.split(":", 1)
            out[key.strip()] = long.strip()
    return out


@cache
def common_abbreviations() -> dict[str, str]:
    """abbreviations.txt: what an abbreviation the corpus may not define stands for in NHS and council usage."""
    return _word_list("abbreviations.txt")


@cache
def clippings() -> dict[str, str]:
    """clippings.txt: shortened words ("eval") and the long form the corpus uses ("evaluation"), in lower case."""
    return {key.lower(): long for key, long in _word_list("clippings.txt").items()}


@cache
def idiom_pattern() -> re.Pattern:
    """idioms.txt as one pattern: each phrase whole, any case, its first word with an ending ("moves the dial")."""
    phrases = [line.strip() for line in (Path(__file__).with_name("idioms.txt")).read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]

    def one(phrase: str) -> str:
        first, _, rest = phrase.partition(" ")
        return re.escape(first) + r"(?:s|es|ed|d|ing)?" + (r"\s+" + r"\s+".join(map(re.escape, rest.split())) if rest else "")

    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(map(one, phrases), key=len, reverse=True)) + r")(?![\w-])", re.I)


def idiom_words(question: str) -> set[str]:
    """The lower-cased words of the idioms (idioms.txt) the question uses: "was it a damp squib?" gives damp, squib."""
    return {w.lower() for m in idiom_pattern().finditer(question) for w in re.findall(r"[A-Za-z']+", m.group(0))}


def without_listed_idioms(question: str) -> str:
    """The question with the idioms of idioms.txt taken out."""
    return " ".join(idiom_pattern().sub(" ", question).split())


# an acronym as a question writes it: "LA", "HVs", "SfL" (two capitals or more, the first opening it), not "pH", "la" or "Send"
WRITTEN_ACRONYM = re.compile(r"\b[A-Z](?=[A-Za-z]*[A-Z])[A-Za-z]*\b")


def written_acronyms(question: str) -> set[str]:
    """The words a question writes as acronyms, in capitals ("LA", "HVs"), lower-cased as the word lists hold them."""
    return {w.lower() for w in WRITTEN_ACRONYM.findall(question)}


def long_form(word: str, known: dict[str, str]) -> str | None:
    """The long form ``known`` gives a question word written as an acronym ("HVs", "icbs", any case), or None."""
    upper = word.upper()
    return known.get(upper) or (known.get(upper[:-1]) if upper.endswith("S") else None)


def is_known_acronym(word: str, known: dict[str, str]) -> bool:
    """Whether a question word ("HVs", "icbs", any case) is an acronym ``known`` spells out."""
    return long_form(word, known) is not None


WORD = re.compile(r"\b[A-Za-z]+\b")


DEFINED_WITHIN = 3  # words between a long form's last word and its acronym: "high impact areas - which HIA"
DEFINED_MIN_LETTERS = 3  # "MS", "PE": two letters spell too much by chance


def defined_in(word: str, question: str) -> bool:
    """Whether the question spells out its own acronym just before using it: "commissioning under the new high impact
    areas - which HIA do I start from?" (``word``: "hia", as the index lowers it). The initials of a run of the
    question's words ending at most DEFINED_WITHIN words before the acronym as written (``_key``: "HIAs" is HIA)
    spell it, joining words skipped, none of the others a stop word or itself an acronym: "how is a HIA done?",
    "Does HRT help relieve tiredness?" and "Does MS affect maternal sleep?" spell nothing."""
    from assistant.text import STOPWORDS

    words = WORD.findall(question)
    for j, written in enumerate(words):
        key = _key(written)
        if written.lower() != word.lower() or len(key) < DEFINED_MIN_LETTERS:
            continue
        if any(_run_spells(key, words[:end + 1], STOPWORDS) for end in range(j - 1, max(-1, j - 2 - DEFINED_WITHIN), -1)):
            return True
    return False


def _run_spells(key: str, words: list[str], stopwords) -> bool:
    """Whether a run of ``words`` ending at the last of them spells ``key`` by its initials (two words or more,
    joining words skipped inside it, no stop word and no acronym in it)."""
    if not words or words[-1].lower() in JOINING:
        return False
    run: list[str] = []
    for w in reversed(words[-WORDS_BEFORE:]):
        if w.lower() in JOINING:
            continue
        if w.lower() in stopwords or (w.isupper() and len(w) > 1):  # an acronym is no word of a long form
            return False
        run.insert(0, w)
        if _initials(run) == key:
            return len(run) >= 2
        if not key.endswith(_initials(run)):
            return False
    return False


def _new_long_form(word: str, known: dict[str, str], lower: str) -> str | None:
    """The long form of a question word written as an acronym the corpus defines, unless the question (``lower``,
    lower-cased) already spells it out."""
    # "SfL" is listed as SFL (``long_form``); an all-capitals word is looked up as written ("GPS" is not GPs)
    mixed = WRITTEN_ACRONYM.fullmatch(word) and not word.isupper()
    long = known.get(_key(word)) or (long_form(word, known) if mixed else None)
    return long if long and long.lower() not in lower else None


def written_out(question: str, known: dict[str, str]) -> str:
    """The question with each acronym it uses that ``known`` spells out replaced by its long form, for judging which
    of its words the evidence speaks of: "what FH&SfL had in 25/26" is "what Family Hubs&Start for Life had", which
    cited passages on Family Hubs and Start for Life cover (it had been said not to be covered)."""
    lower = question.lower()
    return ACRONYM.sub(lambda m: _new_long_form(m.group(0), known, lower) or m.group(0), question)


def clippings_written(question: str) -> list[str]:
    """The question's words that clippings.txt lists, lower-cased, in order: written in lower case or with a capital
    first letter only ("pot", "Dec"), not in capitals or mixed case, where they name something else ("PoTS", the
    postural tachycardia syndrome; a "MAR chart")."""
    words = [w for w in WORD.findall(question) if w == w.lower() or w == w.capitalize()]
    return list(dict.fromkeys(w.lower() for w in words if w.lower() in clippings()))


def expand(question: str, known: dict[str, str]) -> str:
    """The question with the long form of each acronym it uses that the corpus defines, and of each shortened word
    (``clippings``: "eval"), unless the question already spells it out: "Why don't CAMHS see babies? (child and
    adolescent mental health services)"."""
    lower = question.lower()
    add = [long for word in ACRONYM.findall(question) if (long := _new_long_form(word, known, lower))]
    add += [clippings()[word] for word in clippings_written(question) if clippings()[word] not in lower]
    add = list(dict.fromkeys(add))
    return f"{question} ({'; '.join(add)})" if add else question


def spelled_in_place(question: str, known: dict[str, str]) -> str:
    """The question with each acronym it uses that the corpus defines written out where it stands, the acronym kept
    in brackets: "Does video interaction guidance (VIG) work?". A short question embeds nearer its passages this
    way than with the long forms after it (0.351 -> 0.402 for "Does VIG work?"), which is why the answering gate
    reads both; the search itself keeps ``expand``'s form."""
    lower = question.lower()

    def spell(m: re.Match) -> str:
        long = _new_long_form(m.group(0), known, lower)
        return f"{long} ({m.group(0)})" if long else m.group(0)

    return ACRONYM.sub(spell, question)
