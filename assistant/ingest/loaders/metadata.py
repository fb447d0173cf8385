"""Document metadata: front matter or a ``<file>.meta.yaml`` sidecar, parsed safely and validated.

YAML is read with a safe loader that refuses aliases and anchors (a few hundred bytes of nested aliases can
expand to gigabytes) and nesting deeper than a mapping of lists needs; the fields are then validated by a
pydantic model (types, ranges, sizes). Every problem is a LoadError naming the file and the field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
MAX_METADATA_CHARS = 64 * 1024  # front matter or sidecar; real ones are well under 2 KB
MAX_YAML_DEPTH = 8  # a mapping of lists of mappings is 3 deep


def sidecar_path(path: Path) -> Path:
    """Metadata for a non-markdown file lives beside it in ``<file>.meta.yaml``."""
    return path.with_name(path.name + ".meta.yaml")


def read_text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(path, f"not UTF-8 text (byte {e.start} cannot be decoded); save it as UTF-8 and index again") from None


class _MetadataLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses aliases and anchors, and nesting deeper than MAX_YAML_DEPTH, while
    composing: nothing is expanded, and the composer's recursion stays shallow."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) and anchors (&name) are not allowed in metadata; write each value out", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "YAML anchors (&name) and aliases (*name) are not allowed in metadata; write each value out", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"metadata is nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, path: Path) -> dict:
    if len(text) > MAX_METADATA_CHARS:
        raise LoadError(path, f"metadata is {len(text):,} characters, over the {MAX_METADATA_CHARS:,} limit; keep only the documented fields")
    try:
        data = yaml.load(text, Loader=_MetadataLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as e:
        where = f" (line {e.problem_mark.line + 1})" if e.problem_mark is not None else ""
        raise LoadError(path, f"metadata is not valid YAML: {e.problem or e.context}{where}; fix it and index again") from None
    except yaml.YAMLError as e:
        raise LoadError(path, f"metadata is not valid YAML: {e}".splitlines()[0] + "; fix it and index again") from None
    except RecursionError:
        raise LoadError(path, "metadata is nested too deeply; fix it and index again") from None
    return data if data is not None else {}


def read_sidecar(path: Path, doc_id: str) -> DocumentMeta:
    from assistant.ingest.loaders import read_file

    side = sidecar_path(path)
    if not (side.exists() or side.is_symlink()):
        raise LoadError(path, f"no metadata: create {side.name} beside it with title, publisher, year, url, doc_type")
    return validate_meta(parse_yaml(read_text(side, read_file(side, MAX_METADATA_CHARS * 4, "keep only the documented fields")), side), side, doc_id)


def _text(max_length: int, min_length: int = 0):
    return Field(min_length=min_length, max_length=max_length)


class FrontMatter(BaseModel):
    """The metadata fields, their types, ranges and sizes (DESIGN.md, "Corpus files"). Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    title: str = _text(500, 1)
    publisher: str = _text(300, 1)
    year: int
    url: str = Field(max_length=2000, pattern=r"^https?://\S+$")
    doc_type: Literal[DOC_TYPES]  # type: ignore[valid-type]
    licence: str = Field("unknown", max_length=300)
    source_note: str = Field("", max_length=2000)
    supersedes: str | None = Field(None, max_length=121)
    design: Literal[DESIGNS] | None = None  # type: ignore[valid-type]
    setting: Literal[SETTINGS_] | None = None  # type: ignore[valid-type]
    sample_size: int | None = Field(None, ge=1, le=10**9)
    certainty: str | None = Field(None, max_length=300)
    publisher_kind: Literal[PUBLISHER_KINDS] | None = None  # type: ignore[valid-type]

    @field_validator("year", "sample_size", mode="before")
    @classmethod
    def _no_bool(cls, v):
        if isinstance(v, bool):
            raise ValueError("must be a whole number")
        return v

    @field_validator("year")
    @classmethod
    def _year_range(cls, v: int) -> int:
        last = date.today().year + 1
        if not 1900 <= v <= last:
            raise ValueError(f"is out of range: must be between 1900 and {last}")
        return v


def _describe(error: dict) -> str:
    field = str(error["loc"][0]) if error["loc"] else "?"
    value = error.get("input")
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if error["type"] == "missing":
        return f"metadata field '{field}' is missing or empty"
    if error["type"] == "literal_error":
        return f"metadata field '{field}' must be one of {error['msg'].removeprefix('Input should be ')}; got {shown}"
    if field == "url" and error["type"] == "string_pattern_mismatch":
        return f"metadata field 'url' must be an http(s) address, got {shown}"
    what = error["msg"].removeprefix("Value error, ")
    return f"metadata field '{field}': {what[0].lower() + what[1:]} (got {shown})"


def validate_meta(raw: dict, path: Path, doc_id: str) -> DocumentMeta:
    if not isinstance(raw, dict):
        raise LoadError(path, "metadata must be a YAML mapping of fields (title, publisher, year, url, doc_type)")
    given = {str(k): v for k, v in raw.items() if not (v is None or (isinstance(v, str) and not v.strip()))}
    try:
        fm = FrontMatter.model_validate(given)
    except ValidationError as e:
        raise LoadError(path, _describe(e.errors()[0]) + "; fix it and index again") from None
    if not DOC_ID_RE.match(doc_id):
        raise LoadError(path, f"document id {doc_id!r} (the file name) must be lowercase letters, digits, '-', '_' or '.'")
    return DocumentMeta(doc_id=doc_id, **fm.model_dump())
