"""Evaluation sets: read and validate the JSON Lines files of DESIGN.md. A malformed file is an error naming
the line and the problem; an empty file is an error, never a perfect score.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import EvalFileError

COMPONENT_VALUES = ("capability", "opportunity", "motivation", "none")


POLARITY_VALUES = ("barrier", "enabler", "neutral")


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise EvalFileError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise EvalFileError(f"{path}: cannot read ({e.strerror})") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise EvalFileError(f"{path}, line {n}: not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise EvalFileError(f"{path}, line {n}: expected a JSON object, got {type(obj).__name__}")
        out.append((n, obj))
    if not out:
        raise EvalFileError(f"{path}: the file has no items (an empty evaluation set is an error, not a perfect score)")
    return out


def _need(obj: dict, key: str, kind, path, n):
    if key not in obj:
        raise EvalFileError(f"{path}, line {n}: missing field '{key}'")
    if not isinstance(obj[key], kind) or (kind is str and not obj[key].strip()):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise EvalFileError(f"{path}, line {n}: field '{key}' must be a non-empty {name}")
    return obj[key]


QUESTION_FIELDS = ("id", "question", "answerable", "facts", "points", "intent", "scope", "split", "follow_up_of",
                   "expect_doc", "not_covered", "resolved", "source_file")


def validate_question_item(obj: dict, path, n: int) -> dict:
    unknown = sorted(set(obj) - set(QUESTION_FIELDS))
    if unknown:  # a misnamed field ("follows" for "follow_up_of") was silently dropped, and a follow-up asked alone
        raise EvalFileError(f"{path}, line {n}: unknown field '{unknown[0]}' (the fields are: {', '.join(QUESTION_FIELDS)})")
    _need(obj, "id", str, path, n)
    _need(obj, "question", str, path, n)
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise EvalFileError(f"{path}, line {n}: field 'answerable' must be true or false")
    facts = obj.get("facts", [])
    if not isinstance(facts, list):
        raise EvalFileError(f"{path}, line {n}: field 'facts' must be a list of lists of accepted spellings")
    clean = _spellings(facts, "fact", path, n)
    if answerable and not clean:
        raise EvalFileError(f"{path}, line {n}: an answerable question needs at least one fact")
    out = {"id": obj["id"], "question": obj["question"], "answerable": answerable, "facts": clean}
    if "points" in obj:
        if not isinstance(obj["points"], list):
            raise EvalFileError(f"{path}, line {n}: field 'points' must be a list of lists of accepted spellings")
        out["points"] = _spellings(obj["points"], "point", path, n)
    for key, allowed in (("intent", INTENTS), ("scope", ("in", "partial", "out")), ("split", ("dev", "heldout"))):
        if key in obj:
            if obj[key] not in allowed:
                raise EvalFileError(f"{path}, line {n}: {key} must be one of {', '.join(allowed)}, got {obj[key]!r}")
            out[key] = obj[key]
    for key in ("follow_up_of", "expect_doc"):
        if isinstance(obj.get(key), str):
            out[key] = obj[key]
    if isinstance(obj.get("not_covered"), list):
        out["not_covered"] = [str(x) for x in obj["not_covered"]]
    return out


INTENTS = ("fact", "how_to", "barriers", "evidence", "named_source", "what_first", "comparison", "local")


def _spellings(values: list, what: str, path, n: int) -> list[list[str]]:
    clean = []
    for j, fact in enumerate(values):
        if isinstance(fact, str):
            fact = [fact]
        if not isinstance(fact, list) or not fact or not all(isinstance(s, str) and s.strip() for s in fact):
            raise EvalFileError(f"{path}, line {n}: {what} {j + 1} must be a non-empty list of non-empty strings")
        clean.append(fact)
    return clean


def validate_tag_item(obj: dict, path, n: int) -> dict:
    _need(obj, "text", str, path, n)
    comp = _need(obj, "component", str, path, n)
    if comp not in COMPONENT_VALUES:
        raise EvalFileError(f"{path}, line {n}: component must be one of {', '.join(COMPONENT_VALUES)}, got {comp!r}")
    pol = obj.get("polarity", "neutral" if comp == "none" else None)
    if pol not in POLARITY_VALUES:
        raise EvalFileError(f"{path}, line {n}: polarity must be one of {', '.join(POLARITY_VALUES)}, got {pol!r}")
    sub = obj.get("subcomponent")
    if sub is not None:
        from assistant.comb.taxonomy import SUBCOMPONENTS, component_of

        if sub not in SUBCOMPONENTS:
            raise EvalFileError(f"{path}, line {n}: unknown subcomponent {sub!r}")
        if component_of(sub) != comp:
            raise EvalFileError(f"{path}, line {n}: subcomponent {sub} does not belong to component {comp}")
    out = {"id": str(obj.get("id", f"line{n}")), "text": obj["text"], "component": comp, "polarity": pol, "subcomponent": sub}
    if "relation" in obj:  # a catalogue-linked item (DESIGN.md: item, relation, level)
        out.update(_validate_link(obj, path, n))
    for key in ("split", "style", "doc_type", "design", "title", "locator", "passage_id"):
        if isinstance(obj.get(key), str):
            out[key] = obj[key]
    return out


def _validate_link(obj: dict, path, n: int) -> dict:
    from assistant.comb.catalogue import RELATIONS, by_id

    relation, item, level = obj.get("relation"), obj.get("item"), obj.get("level")
    if relation not in RELATIONS:
        raise EvalFileError(f"{path}, line {n}: relation must be one of {', '.join(RELATIONS)}, got {relation!r}")
    if (item is None) != (relation == "none"):
        raise EvalFileError(f"{path}, line {n}: an item is needed exactly when the relation is not none")
    ok = obj.get("items_ok") or []
    for x in [item, *ok]:
        if x is not None and x not in by_id():
            raise EvalFileError(f"{path}, line {n}: unknown catalogue item {x!r}")
    if level not in ("individual", "system", None):
        raise EvalFileError(f"{path}, line {n}: level must be individual, system or null, got {level!r}")
    return {"relation": relation, "item": item, "items_ok": list(ok), "level": level}


def load_questions(path) -> list[dict]:
    items = [validate_question_item(obj, path, n) for n, obj in read_jsonl(path)]
    _no_duplicate_ids(items, path)
    return items


def load_question_files(paths) -> list[dict]:
    """Several question files as one set; ids must be unique across them (follow-ups name their question)."""
    items = [it for p in paths for it in load_questions(p)]
    _no_duplicate_ids(items, ", ".join(str(p) for p in paths))
    ids = {it["id"] for it in items}
    for it in items:
        if it.get("follow_up_of") and it["follow_up_of"] not in ids:
            raise EvalFileError(f"{it['id']}: follow_up_of names {it['follow_up_of']!r}, which is not in the set")
    return items


def load_tag_items(path) -> list[dict]:
    items = [validate_tag_item(obj, path, n) for n, obj in read_jsonl(path)]
    _no_duplicate_ids(items, path)
    return items


def _no_duplicate_ids(items: list[dict], path) -> None:
    seen = set()
    for it in items:
        if it["id"] in seen:
            raise EvalFileError(f"{path}: id {it['id']!r} appears more than once (ids must be unique to compare runs)")
        seen.add(it["id"])


def find_questions_file(settings=None) -> Path | None:
    """evals/questions.jsonl in the working folder, else beside the corpus, else beside the package."""
    candidates = [Path("evals/questions.jsonl")]
    if settings is not None:
        candidates.append(Path(settings.corpus).resolve().parent / "evals" / "questions.jsonl")
    candidates.append(Path(__file__).resolve().parent.parent / "evals" / "questions.jsonl")
    return next((p for p in candidates if p.is_file()), None)
