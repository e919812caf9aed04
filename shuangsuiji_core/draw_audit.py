"""Records checked against a published draw: were the businesses inspected the ones drawn,
by the inspectors drawn for them?

The three checks become findings in the same report as the ruleset's rules, so every
output format, the fail level and the exit code treat them alike. They cite the
ruleset's own document at the words “双随机、一公开”: the draw is what those words name,
and every encoded document says them.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Iterable

from policy_rules.findings import source_ref
from policy_rules.i18n import Text
from policy_rules.report import Finding, Offender, Report, SourceRef, Status
from policy_rules.schema import Ruleset, Severity, Source

from .draw.record import DrawnEntry, DrawRecord
from .draw.verify import compare_groups, compare_with_records
from .plan import Plan
from .records import Record

INSPECTED_NOT_DRAWN = "DRAW-INSPECTED-NOT-DRAWN"
DRAWN_NOT_INSPECTED = "DRAW-DRAWN-NOT-INSPECTED"
GROUP_NOT_DRAWN = "DRAW-GROUP-NOT-DRAWN"
PRINCIPLE_QUOTE = "双随机、一公开"
_CODE_LINE = re.compile(r'"credit_code":\s*"([0-9A-Z]{18})"')


def _source(ruleset: Ruleset) -> Source:
    return Source(section=ruleset.ruleset.title, quote=PRINCIPLE_QUOTE, document=ruleset.ruleset.source_document)


def _record_offender(record: Record, detail: dict) -> Offender:
    return Offender(kind="record", id=record.id, location=source_ref(record.location), detail=detail)


def _entry_lines(draw_file: str) -> dict[str, SourceRef]:
    """Where each selected entity's credit code stands in the draw record, so a finding
    points at the entry; the record is canonical JSON, one key per line."""
    try:
        text = Path(draw_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, SourceRef] = {}
    in_selected = False
    for number, line in enumerate(text.splitlines(), 1):
        # keys are sorted, so codes also stand earlier, under group_exclusions
        in_selected = in_selected or line.lstrip().startswith('"selected"')
        m = _CODE_LINE.search(line) if in_selected else None
        if m and m[1] not in found:
            found[m[1]] = SourceRef(file=draw_file, line=number, column=m.start() + 1)
    return found


def _entity_offender(entry: DrawnEntry, draw_file: str, lines: dict[str, SourceRef]) -> Offender:
    return Offender(kind="drawn_entity", id=entry.credit_code,
                    location=lines.get(entry.credit_code, SourceRef(file=draw_file)),
                    detail={"name": entry.name, "stratum": entry.stratum, "rank": entry.rank})


def _task_window_end(plan: Plan | None, task_id: str) -> _dt.date | None:
    if plan is None:
        return None
    for task in plan.tasks:
        if task.id == task_id and task.window is not None:
            return task.window.end
    return None


def _finding(rule_id: str, title: Text, severity: Severity, offenders: list[Offender], message: Text,
             source: Source, status: Status | None = None, due: _dt.date | None = None) -> Finding:
    offenders = sorted(offenders, key=lambda o: (o.location.file or "", o.location.line or 0, o.id)
                       if o.location else ("", 0, o.id))
    return Finding(rule_id=rule_id, kind="prohibition", title=title, severity=severity,
                   status=status or (Status.fail if offenders else Status.passed),
                   measured=str(len(offenders)), due=due, offenders=offenders, source=source, message=message)


def draw_findings(draw: DrawRecord, draw_file: str, records: Iterable[Record], ruleset: Ruleset,
                  plan: Plan | None, as_of: _dt.date) -> list[Finding]:
    """The three draw checks for the draw's task. `records` is read once."""
    task_records = [r for r in records if r.task_id == draw.task_id]
    not_drawn, not_inspected = compare_with_records(draw, task_records)
    group_mismatches = compare_groups(draw, task_records)
    source = _source(ruleset)
    task = draw.task_id

    inspected_not_drawn = _finding(
        INSPECTED_NOT_DRAWN,
        Text(zh="检查对象不在随机抽取结果中", en="Inspected business was not drawn"),
        Severity.error,
        [_record_offender(r, {"task_id": task, "credit_code": r.entity.credit_code}) for r in not_drawn],
        Text(zh=f"任务 {task}：{len(not_drawn)} 次检查的对象不在抽取记录中",
             en=f"task {task}: {len(not_drawn)} inspection(s) of businesses the draw did not select"),
        source)

    # A drawn business not yet inspected is only late once the task's window has closed.
    window_end = _task_window_end(plan, task)
    still_open = window_end is not None and as_of <= window_end
    lines = _entry_lines(draw_file) if not_inspected else {}
    missing = [_entity_offender(e, draw_file, lines) for e in not_inspected]
    drawn_not_inspected = _finding(
        DRAWN_NOT_INSPECTED,
        Text(zh="抽中的对象未检查", en="Drawn business never inspected"),
        Severity.warning, missing,
        Text(zh=f"任务 {task}：抽中的 {len(draw.selected)} 户中有 {len(missing)} 户没有检查记录",
             en=f"task {task}: {len(missing)} of {len(draw.selected)} drawn businesses have no inspection record"),
        source, status=Status.pending if (missing and still_open) else None, due=window_end)

    group_not_drawn = _finding(
        GROUP_NOT_DRAWN,
        Text(zh="检查人员不是为该对象抽取的人员", en="Inspectors differ from the group drawn"),
        Severity.error,
        [_record_offender(m.record, {"task_id": task, "drawn": ";".join(m.drawn),
                                     "not_drawn": ";".join(m.not_drawn), "absent": ";".join(m.absent)})
         for m in group_mismatches],
        Text(zh=f"任务 {task}：{len(group_mismatches)} 次检查的执法人员与抽取的检查组不一致",
             en=f"task {task}: {len(group_mismatches)} inspection(s) by inspectors other than the group drawn"),
        source)
    return [inspected_not_drawn, drawn_not_inspected, group_not_drawn]


def with_draw_findings(report: Report, findings: list[Finding], draw_file: str) -> Report:
    merged = [*report.findings, *findings]
    return report.model_copy(update={"findings": merged, "summary": Report.summarise(merged),
                                     "inputs": [*report.inputs, draw_file]})
