"""Inputs -> typed facts, per the field contract of docs/ARCHITECTURE.md.

A fact is a tuple `(fact_type, fields, ref)`: `fields` (a dict, `None` = absent,
dates as `datetime.date`) is all the evaluators see; `ref` = `(kind, id, location,
task_id)` stays beside it so findings can name the object and where it was written.

Records are built one at a time as the stream passes (a record and its inspectors
form one unit). Two record fields depend on the whole stream, and are resolved after
it by `StreamState` (so the result does not depend on record order):

- `duplicate_in_task`: another record of the same task and credit code comes first
  by `(inspected_on, id)`;
- `repeat_in_year`: a record of another task with the same credit code comes first.

A record without a credit code is neither.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Iterator

from .plan import Method, Mode, Plan
from .records import Record
from .submissions import Submission
from .stream_state import StreamState, order_key  # noqa: F401 - the stream state lives in its own module
from .vocabulary import FACT_FIELD_TYPES

STREAMED = frozenset({"record", "inspector"})
UNIT_KEYS = {"record": "id", "inspector": "record_id"}
DEFERRED = {"record": frozenset({"duplicate_in_task", "repeat_in_year"})}
SCOPE_OF_FACT = {"plan": "plan", "task": "plan", "adjustment": "plan", "record": "records", "inspector": "records",
                 "submission": "submissions"}

_RISK_ORDER = ("A", "B", "C", "D")


def risk_ratio_ordered(task) -> bool | None:
    sr = task.sampling_ratio
    if sr is None:
        return None
    given = [getattr(sr, c) for c in _RISK_ORDER if getattr(sr, c) is not None]
    if not given:
        return None
    return all(a <= b for a, b in zip(given, given[1:])) and given[-1] > given[0]


def plan_facts(plan: Plan) -> list[tuple]:
    facts: list[tuple] = [("plan", {
        "id": plan.id, "year": plan.year, "published_on": plan.published_on,
        "enterprise_count_prev_year_end": plan.enterprise_count_prev_year_end,
        "task_count": len(plan.tasks), "adjustment_count": len(plan.adjustments),
    }, ("plan", plan.id, plan.location, None))]
    joint = [t for t in plan.tasks if t.mode == Mode.joint]
    for t in plan.tasks:
        duplicates_joint = bool(
            t.mode == Mode.internal and t.industry is not None
            and any(j.industry == t.industry and set(j.items) & set(t.items) for j in joint))
        facts.append(("task", {
            "id": t.id, "name": t.name, "mode": t.mode.value, "uses_credit_risk": t.uses_credit_risk,
            "remote_feasible": t.remote_feasible, "plans_onsite": Method.onsite in t.methods,
            "partner_count": len(t.partner_departments), "planned_households": t.planned_households,
            "industry": t.industry, "has_sampling_ratio": t.sampling_ratio is not None,
            "risk_ratio_ordered": risk_ratio_ordered(t),
            "window_start": t.window.start if t.window else None, "window_end": t.window.end if t.window else None,
            "duplicates_joint": duplicates_joint,
        }, ("task", t.id, t.location, t.id)))
    for n, a in enumerate(plan.adjustments, start=1):
        aid = a.id or f"ADJ-{n}"
        facts.append(("adjustment", {
            "id": aid, "date": a.date, "description": a.description, "filed_on": a.filed_on,
            "published_on": a.published_on,
        }, ("adjustment", aid, a.location, None)))
    return facts


def submission_facts(submissions: Iterable[Submission]) -> list[tuple]:
    return [("submission", {"kind": s.kind, "period": s.period, "submitted_on": s.submitted_on},
             ("submission", f"{s.kind}:{s.period or ''}:{s.submitted_on.isoformat()}", s.location, None))
            for s in submissions]


class RecordFacts:
    """Builds the facts of each record as it streams past.

    `inspector_filter`, when given, is a predicate over an inspector's fields: an
    inspector fact is only emitted when it holds. The caller passes one only when every
    query that reads inspector facts selects them by their own fields (no joins, no
    absence checks, no query taking all of them), so the facts left out could match
    nothing; in qinghe-2026 that keeps one inspector fact in hundreds."""

    def __init__(self, plan: Plan | None, period: tuple[_dt.date, _dt.date] | None, need_inspectors: bool,
                 state: StreamState | None, inspector_filter=None):
        self.tasks = {t.id: t for t in plan.tasks} if plan is not None else None
        self.period = period
        self.need_inspectors = need_inspectors
        self.inspector_filter = inspector_filter
        self.state = state
        self.outside_period = 0
        self.records = 0
        self._by_task: dict[str, tuple] = {}
        self._scratch = dict.fromkeys(("record_id", "task_id", "inspector_id", "credit_code", "certified",
                                       "drawn_randomly", "conflict_of_interest"))

    def _task_values(self, task_id: str) -> tuple:
        """(task id to keep, task_known, task_mode, uses_credit_risk, remote_feasible, window) of a record's task."""
        tasks = self.tasks
        if tasks is None:
            return (task_id, None, None, None, None, None)
        task = tasks.get(task_id)
        if task is None:
            return (task_id, False, None, None, None, None)
        w = task.window
        return (task.id, True, task.mode._value_, task.uses_credit_risk, task.remote_feasible,
                (w.start, w.end) if w is not None else None)

    def units(self, records: Iterable[Record]) -> Iterator[list[tuple]]:
        unit = self.unit
        for r in records:
            u = unit(record_values(r), r.location)
            if u is not None:
                yield u

    def unit(self, values: tuple, location) -> list[tuple] | None:
        """The unit of one record given as `record_values` gives it (the loaders build the
        same tuple straight from a file's row), or None when it is outside the period."""
        (rid, record_task, cc, name, is_enterprise, risk, drawn_randomly, method, inspected_on, problems_found,
         result_entered_on, result_published_on, fu_action, fu_recorded_on, fu_published_on, platform,
         inspectors) = values
        period = self.period
        if period is not None and not (period[0] <= inspected_on <= period[1]):
            self.outside_period += 1
            return None
        self.records += 1
        # per task id, what a record's fact takes from its task: looked up once per task
        tv = self._by_task.get(record_task)
        if tv is None:
            tv = self._by_task[record_task] = self._task_values(record_task)
        task_id, task_known, task_mode, uses_credit_risk, remote_feasible, window = tv
        fields = {
            "id": rid, "task_id": record_task, "credit_code": cc, "entity_name": name,
            "is_enterprise": is_enterprise, "risk_class": risk, "drawn_randomly": drawn_randomly,
            "method": method, "inspected_on": inspected_on, "problems_found": problems_found,
            "result_entered_on": result_entered_on, "result_published_on": result_published_on,
            "follow_up_action": fu_action, "follow_up_recorded_on": fu_recorded_on,
            "follow_up_published_on": fu_published_on, "platform": platform, "inspector_count": len(inspectors),
            "task_known": task_known, "task_mode": task_mode,
            "task_uses_credit_risk": uses_credit_risk, "task_remote_feasible": remote_feasible,
            "within_task_window": (window[0] <= inspected_on <= window[1]) if window is not None else None,
        }
        state = self.state
        if state is not None and cc is not None:
            state.observe(order_key(inspected_on, rid), task_id, cc)
        # task_id: one string per task, not per record
        unit = [("record", fields, ("record", rid, location, task_id))]
        if self.need_inspectors and inspectors:
            keep = self.inspector_filter
            if keep is None:
                for iid, certified, drawn, conflict, iloc in inspectors:
                    unit.append(("inspector", {
                        "record_id": rid, "task_id": record_task, "inspector_id": iid, "credit_code": cc,
                        "certified": certified, "drawn_randomly": drawn, "conflict_of_interest": conflict,
                    }, ("inspector", f"{rid}/{iid}", iloc or location, record_task)))
            else:
                # most inspectors are dropped: test them on one reused dict, copy the few kept
                f = self._scratch
                f["record_id"], f["task_id"], f["credit_code"] = rid, record_task, cc
                for iid, certified, drawn, conflict, iloc in inspectors:
                    f["inspector_id"], f["certified"], f["drawn_randomly"], f["conflict_of_interest"] = (
                        iid, certified, drawn, conflict)
                    if keep(f):
                        unit.append(("inspector", dict(f), ("inspector", f"{rid}/{iid}", iloc or location,
                                                             record_task)))
        return unit


def record_values(r: Record) -> tuple:
    """What `RecordFacts.unit` takes from a record: its fields in a fixed order, enum
    values as text, inspectors as (id, certified, drawn_randomly, conflict_of_interest,
    location) tuples."""
    e = r.entity
    fu = r.follow_up
    # `_value_` is a plain attribute; `.value` goes through a slow descriptor
    risk, method, platform = e.risk_class, r.method, r.platform
    return (r.id, r.task_id, e.credit_code, e.name, e.is_enterprise, risk._value_ if risk is not None else None,
            r.drawn_randomly, method._value_ if method is not None else None, r.inspected_on, r.problems_found,
            r.result_entered_on, r.result_published_on, fu.action._value_ if fu is not None else None,
            fu.recorded_on if fu is not None else None, fu.published_on if fu is not None else None,
            platform._value_ if platform is not None else None,
            [(i.id, i.certified, i.drawn_randomly, i.conflict_of_interest, i.location) for i in r.inspectors])


def field_types() -> dict[str, dict[str, str]]:
    return {fact: dict(fields) for fact, fields in FACT_FIELD_TYPES.items()}
