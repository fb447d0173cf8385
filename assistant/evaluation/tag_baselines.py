"""Two COM-B baselines measured beside the tagger in the same run: nearest definition and a keyword lexicon."""

from __future__ import annotations

import re

NONE_PROTOTYPE = "a neutral description of a study's methods, a definition, or a statistic with no barrier or enabler"


BARRIER_PROTOTYPE = "something that hinders or blocks commissioning"


ENABLER_PROTOTYPE = "something that helps or enables commissioning"


class NearestDefinitionBaseline:
    """Assign the sub-component (or none) whose definition + commissioning example is nearest by cosine;
    polarity by the nearer of a "hinders" and a "helps" prototype."""

    name = "nearest_definition"
    description = ("nearest by cosine to each sub-component's definition + commissioning example in taxonomy.yaml, "
                   "or to a 'none' prototype; polarity by the nearer of a barrier and an enabler prototype")

    def __init__(self, embedder):
        from assistant.comb.taxonomy import SUBCOMPONENTS, taxonomy

        subs = taxonomy()["subcomponents"]
        self.labels = list(SUBCOMPONENTS) + ["none"]
        texts = [f"{subs[s]['definition']} {subs[s].get('commissioning_example', '')}".strip() for s in SUBCOMPONENTS]
        texts.append(NONE_PROTOTYPE)
        self.vectors = embedder.embed(texts)
        self.polarity_vectors = embedder.embed([BARRIER_PROTOTYPE, ENABLER_PROTOTYPE])

    def predict(self, vectors) -> list[dict]:
        import numpy as np

        from assistant.comb.taxonomy import component_of

        sims = np.asarray(vectors) @ self.vectors.T
        pol = np.asarray(vectors) @ self.polarity_vectors.T
        out = []
        for i in range(len(sims)):
            lab = self.labels[int(np.argmax(sims[i]))]
            comp = component_of(lab)
            if comp == "none":
                out.append({"component": "none", "subcomponent": None, "polarity": "neutral"})
            else:
                out.append({"component": comp, "subcomponent": lab,
                            "polarity": "barrier" if pol[i, 0] >= pol[i, 1] else "enabler"})
        return out


# Hand-written from the COM-B definitions (taxonomy.yaml) and general knowledge of commissioning; a cue
# matches at a word start ("fund" matches "funding"). Written before, and never adjusted after, any run.
KEYWORD_CUES = {
    "psychological_capability": ["know", "knowledge", "understand", "aware", "unaware", "awareness", "expertise",
                                 "information", "learn", "skill", "literacy", "confus", "evidence base", "competen"],
    "physical_capability": ["tired", "exhaust", "worn out", "stamina", "fatigue", "burnout", "burn out", "energy",
                            "physical", "strength"],
    "physical_opportunity": ["fund", "money", "budget", "cost", "time", "staff", "workforce", "resource", "capacity",
                             "premises", "space", "recruit", "contract", "financ", "grant", "data", "infrastructure"],
    "social_opportunity": ["colleague", "peer", "culture", "cultural", "norm", "leader", "champion", "network",
                           "partner", "relationship", "stigma", "other areas", "collaborat", "politic", "public"],
    "reflective_motivation": ["believe", "belief", "priorit", "remit", "responsib", "value for money", "worth",
                              "intend", "intention", "goal", "plan", "convinc", "case for", "return on investment",
                              "saving", "role", "outcome", "commit"],
    "automatic_motivation": ["fear", "afraid", "anxi", "worr", "emotion", "feel", "habit", "instinct", "gut",
                             "passion", "excit", "nervous", "frustrat", "enthusias", "embarrass", "comfort"],
}


POLARITY_CUES = {
    "barrier": ["lack", "no", "not", "barrier", "difficult", "hard", "unable", "can't", "cannot", "don't", "doesn't",
                "without", "limited", "shortage", "insufficient", "too", "reluctan", "struggl", "problem", "gap",
                "prevent", "stop", "block", "hinder", "short-term", "withdraw", "cut", "poor", "never", "unclear",
                "risk", "fail"],
    "enabler": ["help", "enabl", "support", "facilitat", "improv", "increas", "success", "confident", "clear",
                "strong", "secured", "made it possible", "encourag", "benefit", "allow", "able to", "work well",
                "worked well", "champion", "invest"],
}


def _cue_count(text: str, cues: list[str]) -> int:
    low = " ".join(text.lower().replace("\u2019", "'").split())
    return sum(1 for c in cues if re.search(r"(?<![a-z])" + re.escape(c), low))


def keyword_predict(text: str) -> dict:
    """The keyword-lexicon baseline for one statement. The sub-component with the most cue words wins (ties go
    to the first in taxonomy order); no cue at all -> none/neutral. Polarity: more barrier cues -> barrier,
    more enabler cues -> enabler, otherwise (no cue or a tie) neutral."""
    from assistant.comb.taxonomy import SUBCOMPONENTS, component_of

    counts = {s: _cue_count(text, KEYWORD_CUES[s]) for s in SUBCOMPONENTS}
    best = max(SUBCOMPONENTS, key=lambda s: counts[s])
    if counts[best] == 0:
        return {"component": "none", "subcomponent": None, "polarity": "neutral"}
    b, e = _cue_count(text, POLARITY_CUES["barrier"]), _cue_count(text, POLARITY_CUES["enabler"])
    polarity = "barrier" if b > e else "enabler" if e > b else "neutral"
    return {"component": component_of(best), "subcomponent": best, "polarity": polarity}


def previous_tagger_predict(classifier, embedder, vectors, texts: list[str]) -> list[dict]:
    """The tagger as shipped in 0.1, for comparison: the statement classifier's component and polarity, and the
    nearest catalogue item (cosine >= 0.55 to its text, same polarity) named when there is one."""
    import numpy as np

    from assistant.comb.catalogue import items

    cat = list(items())
    sims = np.asarray(vectors) @ embedder.embed([it.text for it in cat]).T
    out = []
    for i, pred in enumerate(classifier.predict(vectors, texts)):
        item = None
        if pred["component"] != "none":
            for j in np.argsort(-sims[i])[:3]:
                if sims[i, j] >= 0.55 and cat[j].polarity == pred["polarity"]:
                    item = cat[j]
                    break
        relation = "none" if pred["component"] == "none" else f"reports_{pred['polarity']}"
        out.append({"component": pred["component"], "subcomponent": pred["subcomponent"], "polarity": pred["polarity"],
                    "item": item.id if item else None, "relation": relation, "level": None})
    return out


def nearest_item_predict(tagger, vectors) -> list[dict]:
    """The nearest catalogue item by cosine to its plain text or study wording alone (no classifier, no
    relation logic): what a plain similarity search over the catalogue would give; none below 0.40."""
    import numpy as np

    from assistant.comb.catalogue import items, make_tag

    sims = np.asarray(vectors) @ tagger.report_vectors.T
    out = []
    for i in range(len(sims)):
        row = int(np.argmax(sims[i]))
        item = items()[int(tagger.report_owner[row])]
        relation = "none" if sims[i, row] < 0.40 else ("reports_barrier" if item.polarity == "barrier" else "reports_enabler")
        out.append(tag_prediction(make_tag(item, relation, float(sims[i, row]))))
    return out


def second_reader_path(slice_file) -> "Path":
    """Where a slice's second reader's labels live: ``comb_passages.jsonl`` -> ``comb_passages.second_reader.jsonl``."""
    from pathlib import Path

    path = Path(slice_file)
    return path.with_name(path.name.removesuffix(".jsonl") + ".second_reader.jsonl")


def second_reader_predict(items: list[dict], path) -> list[dict]:
    """A second person's labels of the same items (item, relation), as predictions: how far two readers applying
    the same written procedure agree, beside which the tagger's figures are read. Every item of the slice must
    be labelled."""
    from assistant.comb.catalogue import by_id, make_tag
    from assistant.errors import EvalFileError
    from assistant.evaluation.datasets import read_jsonl

    labels = {obj["id"]: obj for _, obj in read_jsonl(path)}
    missing = [it["id"] for it in items if it["id"] not in labels]
    if missing:
        raise EvalFileError(f"{path}: no label for {len(missing)} item(s) of the slice, first {missing[0]!r}; "
                            "label every item, or remove the file")
    out = []
    for it in items:
        label = labels[it["id"]]
        item = by_id().get(label.get("item") or "")
        if label.get("item") and item is None:
            raise EvalFileError(f"{path}: {it['id']}: {label['item']!r} is not a catalogue item")
        out.append(tag_prediction(make_tag(item, label.get("relation") or "none", 1.0)))
    return out


def tag_prediction(tag) -> dict:
    """The fields of a ComBTag that the metrics compare."""
    return {"component": tag.component, "subcomponent": tag.subcomponent, "polarity": tag.polarity,
            "item": tag.item, "relation": tag.relation, "level": tag.level}
