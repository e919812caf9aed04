"""The draw record (抽取记录): everything needed to re-derive and audit a draw, as stable JSON.

The JSON is canonical — keys sorted, UTF-8, two-space indent, lists in a defined order
(strata A, B, C, D, unclassified, all; selected entities by stratum then rank;
exclusions by credit code then inspector id) — so the same inputs give a byte-identical
file. File names are kept as base names only, so the record does not depend on the
folder the draw ran in. `record_sha256` is the SHA-256 of the canonical JSON of every
other field; the public notice quotes it, so the published notice and the JSON can be
matched, and an edit to the JSON that does not recompute it shows at once.

What the record holds: format and method version; the seed verbatim and the NFC form
the keys use; the resolved task parameters and their SHA-256; for each directory the
canonical snapshot SHA-256 and row count, and (for information) the raw file SHA-256,
size and encoding; per stratum the population, rule, k and number drawn; the selected
entities with stratum, rank, rank key, staffing order and inspector group; the
inspectors who serve (id, name, department, number of groups); every exclusion.
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policy_rules.errors import InputError, Location, Problem, found_repr
from policy_rules.i18n import Text

RECORD_FORMAT = "shuangsuiji-draw-record/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DirectoryInfo(_Model):
    file: str | None = None
    file_sha256: str | None = None
    size: int | None = None
    encoding: str | None = None
    rows: int
    canonical_sha256: str


class StratumInfo(_Model):
    stratum: str
    population: int
    kind: str
    value: str | int | None
    rule: str
    requested: int
    drawn: int


class DrawnEntry(_Model):
    credit_code: str
    name: str
    stratum: str
    rank: int
    rank_key: str
    risk_class: str | None = None
    industry: str | None = None
    staffing_order: int
    inspectors: list[str]


class InspectorInfo(_Model):
    id: str
    name: str | None = None
    department: str | None = None
    groups: int


class DirectoryExclusionInfo(_Model):
    inspector_id: str
    reasons: list[str]
    missing_tags: list[str] = Field(default_factory=list)


class GroupExclusionInfo(_Model):
    credit_code: str
    inspector_id: str
    reason: str


class DrawRecord(_Model):
    format: str = RECORD_FORMAT
    method_version: str
    seed: str
    seed_nfc: str
    task_id: str
    task: dict[str, Any]
    task_sha256: str
    entity_directory: DirectoryInfo
    inspector_directory: DirectoryInfo
    strata: list[StratumInfo]
    selected: list[DrawnEntry]
    inspectors: list[InspectorInfo]
    directory_exclusions: list[DirectoryExclusionInfo]
    group_exclusions: list[GroupExclusionInfo]
    record_sha256: str = ""

    def body(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data.pop("record_sha256")
        return data

    def computed_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.body()).encode("utf-8")).hexdigest()

    def sealed(self) -> "DrawRecord":
        return self.model_copy(update={"record_sha256": self.computed_sha256()})

    @property
    def self_hash_matches(self) -> bool:
        return self.record_sha256 == self.computed_sha256()

    def to_json(self) -> str:
        return canonical_json(self.model_dump(mode="json"))

    def drawn_codes(self) -> set[str]:
        return {e.credit_code for e in self.selected}


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def sha256_json(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def ratio_text(value: Fraction | int | None, kind: str) -> str | int | None:
    if value is None:
        return None
    if kind == "count":
        return int(value)
    return f"{value.numerator}/{value.denominator}"


def load_draw_record(path: str | Path) -> DrawRecord:
    """Read a draw record JSON written by `draw`. Raises `InputError` naming the field.

    The record's own hash is not enforced here (`record.self_hash_matches` tells);
    `verify-draw` reports a mismatch as a difference.
    """
    name = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError([Problem("file.not_found", Text(zh="找不到抽取记录文件", en="draw record file not found"),
                                  Location(name))]) from None
    except OSError as exc:
        raise InputError([Problem("file.unreadable", Text(zh=f"无法读取文件：{exc.strerror}", en=f"cannot read the file: {exc.strerror}"),
                                  Location(name))]) from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError([Problem("file.encoding", Text(zh="抽取记录不是 UTF-8 编码", en="the draw record is not UTF-8"),
                                  Location(name))]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem("record.json", Text(zh=f"抽取记录不是有效的 JSON：{exc.msg}", en=f"the draw record is not valid JSON: {exc.msg}"),
                                  Location(name, exc.lineno, exc.colno))]) from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise InputError([Problem("record.format", Text(zh="这不是本工具写出的抽取记录", en="this is not a draw record written by this tool"),
                                  Location(name, 1, 1), ("format",), Text(zh=RECORD_FORMAT, en=RECORD_FORMAT), found_repr(found))])
    try:
        return DrawRecord.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False)[:20]:
            problems.append(Problem("record.schema", Text(zh="抽取记录的字段不符合格式", en="a draw record field is malformed"),
                                    Location(name), tuple(p for p in err["loc"] if isinstance(p, (str, int))),
                                    Text(zh=err["msg"], en=err["msg"]),
                                    None if err["type"] == "missing" else found_repr(err.get("input"))))
        raise InputError(problems) from None
