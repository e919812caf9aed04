"""JSON Schemas of the department's files (plan, records, submissions), generated from
the models of DATA.md and committed as docs/plan.schema.json, docs/records.schema.json
and docs/submissions.schema.json. A test fails when they drift. Regenerate all with::

    python -m shuangsuiji_core.json_schemas docs

and put `# yaml-language-server: $schema=<path>/plan.schema.json` at the top of a plan
so an editor checks it while it is typed. The loaders check more than a schema can
(credit-code check digits, unique ids, full-width punctuation); the schema is for
editing comfort, the loaders are the judge.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from policy_rules.json_schema import JSON_SCHEMA_DIALECT, dumps

from .plan import PlanFile
from .records import Record
from .submissions import SubmissionsFile

_NOTE = "由模型生成，请勿手改；重新生成：python -m shuangsuiji_core.json_schemas docs / generated: do not edit by hand"


def _wrap(title: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, "description": _NOTE,
            **{k: v for k, v in schema.items() if k not in ("title", "description")}}


def plan_schema() -> dict[str, Any]:
    return _wrap("年度随机抽查计划 / annual spot-check plan", PlanFile.model_json_schema(mode="validation"))


def records_schema() -> dict[str, Any]:
    """A records file in YAML or JSON: `{records: [...]}` or a bare list. (JSON Lines: one
    Record per line; CSV: see docs/records-csv.md.)"""
    items = TypeAdapter(list[Record]).json_schema(mode="validation")
    defs = items.pop("$defs", {})
    return _wrap("抽查检查结果 / inspection records", {
        "$defs": defs,
        "anyOf": [
            {"type": "object", "properties": {"records": items}, "required": ["records"],
             "additionalProperties": False},
            items,
        ],
    })


def submissions_schema() -> dict[str, Any]:
    return _wrap("报送材料 / submissions", SubmissionsFile.model_json_schema(mode="validation"))


SCHEMAS = {
    "plan.schema.json": plan_schema,
    "records.schema.json": records_schema,
    "submissions.schema.json": submissions_schema,
}


def write_all(directory: str | Path) -> list[Path]:
    out = []
    for name, make in SCHEMAS.items():
        path = Path(directory) / name
        path.write_text(dumps(make()), encoding="utf-8")
        out.append(path)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m shuangsuiji_core.json_schemas <docs directory>", file=sys.stderr)
        return 2
    for path in write_all(argv[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
