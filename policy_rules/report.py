"""The one result object every output format is rendered from.

Ordering is stable (findings by rule order in the ruleset, offenders by file, line and
id) and values are plain text or integers, so the same inputs and `as_of` always give
byte-identical JSON.
"""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WrapSerializer, WrapValidator

from .i18n import Text
from .offender_file import dump_offender_file, keep_offender_file
from .schema import Severity, Source

REPORT_SCHEMA_VERSION = "1.0"


class Status(str, Enum):
    passed = "pass"
    fail = "fail"
    pending = "pending"
    waived = "waived"
    not_applicable = "not_applicable"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Frozen):
    """Where a reported object came from in the user's files."""

    file: str | None = None
    line: int | None = None
    column: int | None = None


class Offender(_Frozen):
    """One task, record, adjustment, submission slot or plan that a finding is about."""

    kind: str  # task | record | adjustment | submission | slot | plan | waiver
    id: str
    location: SourceRef | None = None
    detail: dict[str, str | int | bool | None] = Field(default_factory=dict)


# A finding's offenders: a list, or past `offender_file.OFFENDERS_IN_MEMORY` of them an
# `OffenderFile` (on disk, read as the same list); the JSON and its schema are a list's.
Offenders = Annotated[list[Offender], WrapValidator(keep_offender_file), WrapSerializer(dump_offender_file)]


class WaiverApplied(_Frozen):
    rule: str
    reason: str
    approved_by: str | None = None
    expires: _dt.date | None = None
    scope: str  # plan | task:<id>


class Finding(_Frozen):
    rule_id: str
    kind: str  # target | deadline | prohibition
    title: Text
    severity: Severity
    status: Status
    measured: str | None = None   # "3/5 (60%)", a count, or a date
    threshold: str | None = None  # ">= 60%"
    due: _dt.date | None = None
    offenders: Offenders = Field(default_factory=list)
    source: Source
    message: Text
    waiver: WaiverApplied | None = None
    notes: list[Text] = Field(default_factory=list)


class Summary(_Frozen):
    total: int
    by_status: dict[str, int]
    by_severity_failed: dict[str, int]


class Report(_Frozen):
    schema_version: str = REPORT_SCHEMA_VERSION
    ruleset_id: str
    ruleset_version: str
    ruleset_title: str
    as_of: _dt.date
    engine: str  # durable | python
    engine_notes: list[Text] = Field(default_factory=list)  # fallbacks, failed batches
    warnings: list[Text] = Field(default_factory=list)      # e.g. plan year outside the ruleset's period
    inputs: list[str] = Field(default_factory=list)
    findings: list[Finding]
    summary: Summary

    @staticmethod
    def summarise(findings: list[Finding]) -> Summary:
        by_status = {s.value: 0 for s in Status}
        failed = {s.value: 0 for s in Severity}
        for f in findings:
            by_status[f.status.value] += 1
            if f.status == Status.fail:
                failed[f.severity.value] += 1
        return Summary(total=len(findings), by_status=by_status, by_severity_failed=failed)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"
