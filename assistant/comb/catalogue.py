"""The study's catalogue as typed data: the 22 barriers and enablers of Tables 1 and 2, what Table 3 proposes
for each COM-B component, and the one way a tag is made from an item (so component, level, polarity and
proposals can never disagree with the item).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.comb.taxonomy import catalogue, functions_for, label, policies_for
from assistant.models import ComBTag

RELATIONS = ("reports_barrier", "reports_enabler", "evidence_against", "none")
POLARITY_OF_RELATION = {"reports_barrier": "barrier", "reports_enabler": "enabler", "evidence_against": "enabler",
                        "none": "neutral"}
RELATION_WORDS = {"reports_barrier": "Barrier", "reports_enabler": "Enabler", "evidence_against": "Evidence against"}


@dataclass(frozen=True)
class CatalogueItem:
    id: str
    table: int
    polarity: str  # barrier (Table 1) or enabler (Table 2)
    theme: str
    component: str  # capability | opportunity | motivation | not_individual (the study codes it N/A)
    subcomponent: str  # our reading; used only for the wider BCW options
    label: str  # short, plain words for a badge
    text: str  # one plain sentence
    study_wording: str  # the study's table row, exactly
    table3_need: str | None = None  # the Table 3 line it corresponds to, exactly
    said: tuple[str, ...] = ()  # how a passage reporting it sounds, in our words
    evidence: tuple[str, ...] = ()  # evidence against a barrier; for an enabler, policy or report text backing it
    local_step: str | None = None  # individual level: one step a commissioner can take on this item, in our words
    step_function: str | None = None  # ...the Table 3 intervention function (for its component) that step applies

    @property
    def level(self) -> str:
        return "system" if self.component == "not_individual" else "individual"

    @property
    def tag_component(self) -> str:
        """The component a tag shows: the study's, or "none" for a system-level item."""
        return "none" if self.level == "system" else self.component


@lru_cache(maxsize=1)
def items() -> tuple[CatalogueItem, ...]:
    return tuple(CatalogueItem(**{**it, "said": tuple(it.get("said", ())), "evidence": tuple(it.get("evidence", ()))})
                 for it in catalogue()["items"])


@lru_cache(maxsize=1)
def by_id() -> dict[str, CatalogueItem]:
    return {it.id: it for it in items()}


def proposal(component: str) -> tuple[list[str], list[str]]:
    """Table 3's intervention functions and policy categories for a component; nothing for system level."""
    diag = catalogue()["diagnosis"].get(component)
    if not diag:
        return [], []
    return list(diag["intervention_functions"]), list(diag["policy_categories"])


def component_phrase(component: str) -> str:
    """"Capability (knowledge and skills)": the component with the study's Table 3 sense of it."""
    diag = catalogue()["diagnosis"].get(component)
    return f"{label(component)} ({diag['plain']})" if diag else "system level (the study codes it N/A)"


def other_options(item: CatalogueItem) -> dict:
    """The wider Behaviour Change Wheel (matrix A, 2011) for the item's sub-component, minus what the study
    proposes: a separate, clearly labelled field, never the study's recommendation."""
    proposed_fns, proposed_pols = proposal(item.component)
    fns = [f for f in functions_for(item.subcomponent) if f not in proposed_fns]
    pols = [p for p in policies_for(fns) if p not in proposed_pols]
    return {"intervention_functions": fns, "policy_categories": pols}


def make_tag(item: CatalogueItem | None, relation: str, confidence: float) -> ComBTag:
    """The only constructor of a catalogue-linked tag: everything but the relation follows the item."""
    if item is None or relation == "none":
        return ComBTag(confidence=round(float(confidence), 3))
    functions, policies = proposal(item.component)
    return ComBTag(component=item.tag_component, subcomponent=item.subcomponent if item.level == "individual" else None,
                   polarity=POLARITY_OF_RELATION[relation], confidence=round(float(confidence), 3), barrier=item.text,
                   intervention_functions=functions, policy_categories=policies, level=item.level, relation=relation,
                   item=item.id, other_options=other_options(item))


def describe(tag: ComBTag) -> tuple[str, str] | None:
    """Plain words for a badge: ("Barrier: short-term funding · System level (the study codes it N/A)",
    "What the study proposes: education, training, enablement"), or None for a passage with no link."""
    if not tag.item or tag.item not in by_id():
        return None
    item = by_id()[tag.item]
    head = f"{RELATION_WORDS.get(tag.relation, 'Linked to')}: {item.label} · {component_phrase(item.component)}"
    if tag.intervention_functions:
        proposes = "What the study proposes: " + ", ".join(label(f).lower() for f in tag.intervention_functions)
    else:
        proposes = "The study codes this system level (N/A) and proposes no individual-level intervention"
    return head, proposes


def also_lists(tag: ComBTag) -> str | None:
    """Plain words for the other catalogue items a table passage quotes ("This table also lists: short-term
    funding (barrier); ..."), so a card does not read as if the table named one barrier; None when it quotes
    no other item."""
    others = [by_id()[i] for i in tag.items[1:] if i in by_id()]
    if not others:
        return None
    return "This table also lists: " + "; ".join(f"{it.label} ({it.polarity})" for it in others)


def consistency_problems(tag: ComBTag) -> list[str]:
    """Why a tag contradicts the catalogue (empty when it does not): the check every indexed passage passes."""
    if tag.relation == "none" or tag.item is None:
        ok = (tag.component == "none" and tag.item is None and tag.relation == "none" and tag.polarity == "neutral"
              and not tag.items)
        return [] if ok else ["a tag without an item must be none/neutral with no relation"]
    problems = []
    item = by_id().get(tag.item)
    if item is None:
        return [f"unknown catalogue item {tag.item!r}"]
    if tag.component != item.tag_component:
        problems.append(f"component {tag.component} but {item.id} is {item.tag_component}")
    if tag.level != item.level:
        problems.append(f"level {tag.level} but {item.id} is {item.level}")
    if tag.polarity != POLARITY_OF_RELATION.get(tag.relation):
        problems.append(f"polarity {tag.polarity} does not fit relation {tag.relation}")
    wanted = "barrier" if tag.relation in ("reports_barrier", "evidence_against") else "enabler"
    if item.polarity != wanted:
        problems.append(f"relation {tag.relation} needs a {wanted} item, {item.id} is a {item.polarity}")
    if tag.intervention_functions != proposal(item.component)[0]:
        problems.append("intervention functions are not Table 3's for the item's component")
    if tag.items and (tag.items[0] != tag.item or len(set(tag.items)) != len(tag.items)):
        problems.append("items must list the primary item first, each once")
    problems += [f"unknown catalogue item {i!r} in items" for i in tag.items if i not in by_id()]
    return problems
