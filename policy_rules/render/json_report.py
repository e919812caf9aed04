"""The JSON format: the Report model's own JSON (with `schema_version`), documented in
docs/report-json.md and described by docs/report.schema.json.

One report is one JSON object. Several reports (one per plan given to `check-plan`)
are a JSON array of such objects, in the order the files were given.
"""

from __future__ import annotations

import json
from typing import Iterator, Sequence

from pydantic import TypeAdapter
from pydantic_core import to_json

from policy_rules.offender_file import OffenderFile
from policy_rules.report import Finding, Offender, Report

# where the findings stand in a report dumped with none: a JSON string cannot hold a raw
# newline, so this occurs once, at the top level
_NO_FINDINGS = '\n  "findings": [],\n'


def reports_json(reports: Sequence[Report]) -> str:
    if len(reports) == 1:
        return reports[0].to_json()
    items = [json.loads(r.to_json()) for r in reports]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def report_json_chunks(report: Report, offenders_at_once: int = 2_000) -> Iterator[str]:
    """`report.to_json()` in pieces, for writing a large report (a province's audit lists
    some 160,000 offenders, a 55 MB document) without holding the whole text and the
    serializer's buffer of it at once: one finding at a time, and a finding with many
    offenders `offenders_at_once` offenders at a time (one finding's text was up to
    140 MB in memory: the serializer's bytes, the `str` of them, widened by the
    report's Chinese to two bytes a character, and its re-indented copy). The pieces
    join to exactly the bytes of `to_json()`."""
    if not report.findings:
        yield report.to_json()
        return
    head, tail = report.model_copy(update={"findings": []}).to_json().split(_NO_FINDINGS)
    yield head + '\n  "findings": [\n'
    last = len(report.findings) - 1
    for i, finding in enumerate(report.findings):
        yield from _finding_chunks(finding, "    ", offenders_at_once, ",\n" if i < last else "\n")
    yield "  ],\n" + tail


# where the offenders stand in a finding dumped with none (see _NO_FINDINGS): the key at
# the finding's own indent, the only place the text `"offenders": []` can occur unescaped
_NO_OFFENDERS = '\n  "offenders": []'
_offender_list = TypeAdapter(list[Offender])


def _finding_chunks(finding: Finding, indent: str, at_once: int, end: str) -> Iterator[str]:
    """The finding's `model_dump_json(indent=2)` then `end`, every line after the first
    indented by `indent` more, as `report.to_json()` has it (JSON strings hold no raw
    newline): one piece, or for more than `at_once` offenders, the finding up to its
    offenders, `at_once` offenders a piece, and the rest."""
    offenders = finding.offenders
    whole = len(offenders) <= at_once
    if not whole:
        text = finding.model_copy(update={"offenders": []}).model_dump_json(indent=2)
        before, found, after = text.partition(_NO_OFFENDERS)
        whole = not found  # (the serializer's layout changed: the whole text, as before)
    if whole:
        yield indent + finding.model_dump_json(indent=2).replace("\n", "\n" + indent) + end
        return
    item_indent = indent + "  "  # the list's items, one level below the finding's keys
    yield indent + before.replace("\n", "\n" + indent) + "\n" + item_indent + '"offenders": ['
    for start in range(0, len(offenders), at_once):
        # "[\n  {...},\n  {...}\n]": the items between the brackets, re-indented
        if isinstance(offenders, OffenderFile):  # (its rows are validated offenders: the same bytes, no models)
            items = to_json(offenders.plain(start, start + at_once), indent=2).decode()[2:-2]
        else:
            items = _offender_list.dump_json(offenders[start:start + at_once], indent=2).decode()[2:-2]
        yield ("\n" if start == 0 else ",\n") + item_indent + items.replace("\n", "\n" + item_indent)
    yield "\n" + item_indent + "]" + after.replace("\n", "\n" + indent) + end


def report_json_schema() -> dict:
    """The JSON Schema of one report, as committed in docs/report.schema.json."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "shuangsuiji check report"
    return schema


if __name__ == "__main__":  # python -m policy_rules.render.json_report > docs/report.schema.json
    print(json.dumps(report_json_schema(), ensure_ascii=False, indent=2))
