"""Small builders of plans, records, submissions and rulesets for the engine's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from policy_rules.errors import Location
from policy_rules.schema import Ruleset
from shuangsuiji_core.credit_code import credit_code_problem
from shuangsuiji_core.plan import Plan
from shuangsuiji_core.records import Record
from shuangsuiji_core.submissions import Submission

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(n: int) -> str:
    """A valid 18-character credit code, distinct for each n (GB 32100-2015 check digit)."""
    body = "91130534" + "".join(_CODE_CHARS[(n // 31 ** i) % 31] for i in range(9))
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(body, _WEIGHTS))
    code = body + _CODE_CHARS[(31 - total % 31) % 31]
    assert credit_code_problem(code) is None, code
    return code


def task(tid: str, mode: str = "internal", **kw) -> dict:
    d: dict[str, Any] = {"id": tid, "name": f"任务{tid}", "mode": mode}
    if mode == "joint":
        d["partner_departments"] = ["县卫生健康局"]
    d.update(kw)
    return d


def plan(tasks: list[dict], year: int = 2026, **kw) -> Plan:
    p = Plan.model_validate({"id": "P-1", "year": year, "department": "县市场监督管理局", "tasks": tasks, **kw})
    p.with_location(Location("plan.yaml", 1, 1))
    for i, t in enumerate(p.tasks):
        t.with_location(Location("plan.yaml", 10 + i * 10, 7))
    for i, a in enumerate(p.adjustments):
        a.with_location(Location("plan.yaml", 500 + i * 5, 7))
    return p


def record(rid: str, task_id: str, inspected_on: dt.date, line: int | None = None, cc: int | None = 1,
           inspectors: list[dict] | None = None, **kw) -> Record:
    entity = kw.pop("entity", {})
    if cc is not None:
        entity = {"credit_code": credit_code(cc), **entity}
    d = {"id": rid, "task_id": task_id, "inspected_on": inspected_on, "entity": entity,
         "inspectors": inspectors if inspectors is not None else [{"id": "P1", "certified": True}], **kw}
    r = Record.model_validate(d)
    if line is not None:
        r.with_location(Location("records.yaml", line, 5))
    return r


def submission(kind: str, submitted_on: dt.date, period: str | None = None) -> Submission:
    return Submission(kind=kind, submitted_on=submitted_on, period=period)


def ruleset(rules: list[dict], rid: str = "test-rules", effective=("2026-01-01", "2026-12-31")) -> Ruleset:
    full = []
    for r in rules:
        r = dict(r)
        r.setdefault("title", {"zh": r["id"], "en": r["id"]})
        r.setdefault("message", {"zh": "{{ measured }} {{ threshold }} {{ due }} {{ offender_count }}",
                                 "en": "{{ measured }} {{ threshold }} {{ due }} {{ offender_count }}"})
        r.setdefault("source", {"section": "一", "quote": "原文"})
        full.append(r)
    return Ruleset.model_validate({
        "ruleset": {"id": rid, "version": "1.0.0", "title": "测试规则集", "issuer": "测试",
                    "effective": {"start": effective[0], "end": effective[1]}, "source_document": "x.txt"},
        "rules": full})
