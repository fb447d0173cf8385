"""Read-only access to the COM-B / BCW / TDF taxonomy and the study's catalogue (the YAML files beside this).

Everything that shows a COM-B label, a definition or a suggested intervention goes through here, so the UI,
the answers, the corpus framework documents and the tests cannot disagree.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SUBCOMPONENTS = (
    "psychological_capability",
    "physical_capability",
    "social_opportunity",
    "physical_opportunity",
    "reflective_motivation",
    "automatic_motivation",
)
LABELS = SUBCOMPONENTS + ("none",)


# libyaml's parser when PyYAML was built with it (about ten times faster than the pure-Python one: cold start)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def taxonomy() -> dict:
    return yaml.load((HERE / "taxonomy.yaml").read_text("utf-8"), Loader=_LOADER)


@lru_cache(maxsize=1)
def catalogue() -> dict:
    return yaml.load((HERE / "catalogue.yaml").read_text("utf-8"), Loader=_LOADER)


def component_of(subcomponent: str | None) -> str:
    if not subcomponent or subcomponent == "none":
        return "none"
    return taxonomy()["subcomponents"][subcomponent]["component"]


def functions_for(subcomponent: str | None) -> list[str]:
    """Intervention functions for a sub-component: matrix A (2011), the default and verified version."""
    if not subcomponent or subcomponent == "none":
        return []
    return list(taxonomy()["matrix_a"]["cells"][subcomponent])


def policies_for(functions: list[str]) -> list[str]:
    """Policy categories that deliver these functions (matrix B), local levers first, then the rest in wheel order."""
    tax = taxonomy()
    found = []
    for fn in functions:
        for cat in tax["matrix_b"]["cells"].get(fn, {}):
            if cat not in found:
                found.append(cat)
    local = [c for c in tax["local_levers"] if c in found]
    national = [c for c in tax["policy_categories"] if c in found and c not in local]
    return local + national


def is_verified(function: str, category: str) -> bool | None:
    """True/False for a matrix B cell's verification status; None when the cell does not exist."""
    return taxonomy()["matrix_b"]["cells"].get(function, {}).get(category)


def label(key: str) -> str:
    tax = taxonomy()
    for section in ("components", "subcomponents", "intervention_functions", "policy_categories"):
        if key in tax[section]:
            return tax[section][key]["label"]
    return key.replace("_", " ").capitalize()
