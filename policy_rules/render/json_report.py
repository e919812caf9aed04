"""The JSON format: the Report model's own JSON (with `schema_version`), documented in
docs/report-json.md and described by docs/report.schema.json.

One report is one JSON object. Several reports (one per plan given to `check-plan`)
are a JSON array of such objects, in the order the files were given.
"""

from __future__ import annotations

import json
from typing import Sequence

from policy_rules.report import Report


def reports_json(reports: Sequence[Report]) -> str:
    if len(reports) == 1:
        return reports[0].to_json()
    items = [json.loads(r.to_json()) for r in reports]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def report_json_schema() -> dict:
    """The JSON Schema of one report, as committed in docs/report.schema.json."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shuangsuiji check report"
    return schema


if __name__ == "__main__":  # python -m policy_rules.render.json_report > docs/report.schema.json
    print(json.dumps(report_json_schema(), ensure_ascii=False, indent=2))
