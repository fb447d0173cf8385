"""Document metadata: front matter or a ``<file>.meta.yaml`` sidecar, parsed safely and validated.

Every problem is a LoadError naming the file and the field."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.errors import LoadError
from assistant.models import DocumentMeta
from assistant.settings import DOC_TYPES

REQUIRED_FIELDS = ("title", "publisher", "year", "url", "doc_type")
DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,120}$")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
# Evidence strength (DESIGN.md, "Corpus files"): the allowed values of each field.
DESIGNS = ("systematic_review", "randomised_trial", "quasi_experimental", "cohort", "qualitative", "survey",
           "economic_model", "guidance", "expert_report", "framework")
SETTINGS_ = ("England", "UK", "other")
PUBLISHER_KINDS = ("government", "nhs", "nice", "academic", "charity", "parliament")


def sidecar_path(path: Path) -> Path:
    """Metadata for a non-markdown file lives beside it in ``<file>.meta.yaml``."""
    return path.with_name(path.name + ".meta.yaml")


def read_text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError(path, "not UTF-8 text; save it as UTF-8 and index again") from None


def parse_yaml(text: str, path: Path) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise LoadError(path, f"metadata is not valid YAML: {e}".splitlines()[0]) from None
    return data if data is not None else {}


def read_sidecar(path: Path, doc_id: str) -> DocumentMeta:
    side = sidecar_path(path)
    if not side.exists():
        raise LoadError(path, f"no metadata: create {side.name} beside it with title, publisher, year, url, doc_type")
    return validate_meta(parse_yaml(read_text(side, side.read_bytes()), side), side, doc_id)


def _choice(raw: dict, name: str, allowed: tuple, path: Path) -> str | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if str(value).strip() not in allowed:
        raise LoadError(path, f"metadata field '{name}' must be one of {', '.join(allowed)}; got {value!r}")
    return str(value).strip()


def _sample_size(raw: dict, path: Path) -> int | None:
    value = raw.get("sample_size")
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LoadError(path, f"metadata field 'sample_size' must be a whole number above 0, got {value!r}")
    return value


def validate_meta(raw: dict, path: Path, doc_id: str) -> DocumentMeta:
    if not isinstance(raw, dict):
        raise LoadError(path, "metadata must be a YAML mapping of fields (title, publisher, year, url, doc_type)")
    for name in REQUIRED_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise LoadError(path, f"metadata field '{name}' is missing or empty")
    try:
        year = int(raw["year"])
    except (TypeError, ValueError):
        raise LoadError(path, f"metadata field 'year' must be a whole number, got {raw['year']!r}") from None
    if not 1900 <= year <= 2100:
        raise LoadError(path, f"metadata field 'year' is out of range: {year}")
    doc_type = str(raw["doc_type"]).strip()
    if doc_type not in DOC_TYPES:
        raise LoadError(path, f"metadata field 'doc_type' must be one of {', '.join(DOC_TYPES)}; got {doc_type!r}")
    url = str(raw["url"]).strip()
    if not re.match(r"^https?://\S+$", url):
        raise LoadError(path, f"metadata field 'url' must be an http(s) address, got {url!r}")
    if not DOC_ID_RE.match(doc_id):
        raise LoadError(path, f"document id {doc_id!r} (the file name) must be lowercase letters, digits, '-', '_' or '.'")
    supersedes = raw.get("supersedes")
    certainty = raw.get("certainty")
    return DocumentMeta(
        doc_id=doc_id,
        title=str(raw["title"]).strip(),
        publisher=str(raw["publisher"]).strip(),
        year=year,
        url=url,
        doc_type=doc_type,
        licence=str(raw.get("licence") or "unknown").strip(),
        source_note=str(raw.get("source_note") or "").strip(),
        supersedes=str(supersedes).strip() if supersedes else None,
        design=_choice(raw, "design", DESIGNS, path),
        setting=_choice(raw, "setting", SETTINGS_, path),
        sample_size=_sample_size(raw, path),
        certainty=str(certainty).strip() if certainty not in (None, "") else None,
        publisher_kind=_choice(raw, "publisher_kind", PUBLISHER_KINDS, path),
    )
