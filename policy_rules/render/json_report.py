"""The JSON format: the Report model's own JSON (with `schema_version`), documented in
docs/report-json.md and described by docs/report.schema.json.

One report is one JSON object. Several reports (one per plan given to `check-plan`)
are a JSON array of such objects, in the order the files were given.
"""

from __future__ import annotations

import json
from typing import Iterator, Sequence

from policy_rules.report import Report

# where the findings stand in a report dumped with none: a JSON string cannot hold a raw
# newline, so this occurs once, at the top level
_NO_FINDINGS = '\n  "findings": [],\n'


def reports_json(reports: Sequence[Report]) -> str:
    if len(reports) == 1:
        return reports[0].to_json()
    items = [json.loads(r.to_json()) for r in reports]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def report_json_chunks(report: Report) -> Iterator[str]:
    """`report.to_json()` in pieces, one finding at a time, for writing a large report
    (a province's audit lists some 160,000 offenders, a 55 MB document) without holding
    the whole text and the serializer's buffer of it at once. The pieces join to exactly
    the bytes of `to_json()`."""
    if not report.findings:
        yield report.to_json()
        return
    head, tail = report.model_copy(update={"findings": []}).to_json().split(_NO_FINDINGS)
    yield head + '\n  "findings": [\n'
    last = len(report.findings) - 1
    for i, finding in enumerate(report.findings):
        text = finding.model_dump_json(indent=2)
        yield "    " + text.replace("\n", "\n    ") + (",\n" if i < last else "\n")
    yield "  ],\n" + tail


def report_json_schema() -> dict:
    """The JSON Schema of one report, as committed in docs/report.schema.json."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shuangsuiji check report"
    return schema


if __name__ == "__main__":  # python -m policy_rules.render.json_report > docs/report.schema.json
    print(json.dumps(report_json_schema(), ensure_ascii=False, indent=2))
