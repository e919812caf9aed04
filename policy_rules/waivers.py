"""Waivers (除特殊情况外): a recorded, justified exception to a waivable rule.

- A **plan-level** waiver turns a `fail` of its rule into `waived`.
- A **task-level** waiver, for a target, removes that task (and its records) from the
  numerator and the denominator; for a prohibition or a per-object deadline, the
  offenders of that task are waived, and the finding is `waived` when all are.
- An **expired** waiver (`expires` before `as_of`) does not apply; the finding says so.
- A waiver that **matches nothing** (no such rule, or nothing of its scope failed) is
  reported as a warning.
- A waiver naming a rule that is **not waivable** is an error (the ruleset's text
  allows no exception there).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from .errors import InputError, Location, Problem
from .i18n import Text
from .report import WaiverApplied
from .schema import Ruleset


@dataclass
class WaiverSpec:
    rule: str
    reason: str
    approved_by: str | None = None
    expires: _dt.date | None = None
    task_id: str | None = None          # None: plan-level
    location: Location | None = None
    used: bool = field(default=False, compare=False)

    @property
    def scope(self) -> str:
        return "plan" if self.task_id is None else f"task:{self.task_id}"

    def expired(self, as_of: _dt.date) -> bool:
        return self.expires is not None and self.expires < as_of

    def applied(self) -> WaiverApplied:
        return WaiverApplied(rule=self.rule, reason=self.reason, approved_by=self.approved_by,
                             expires=self.expires, scope=self.scope)

    def where(self) -> str:
        return str(self.location) if self.location else self.scope


def check_waivers(waivers: list[WaiverSpec], ruleset: Ruleset) -> list[Text]:
    """Errors for waivers of non-waivable rules (raised); warnings for unknown rules (returned)."""
    problems: list[Problem] = []
    warnings: list[Text] = []
    rules = {r.id: r for r in ruleset.rules}
    for w in waivers:
        rule = rules.get(w.rule)
        if rule is None:
            w.used = True  # reported here, not again as "matches nothing"
            warnings.append(Text(
                zh=f"{w.where()}：豁免指向的规则 {w.rule} 不在规则集 {ruleset.ruleset.id} 中，未起作用",
                en=f"{w.where()}: the waiver names rule {w.rule}, which is not in ruleset {ruleset.ruleset.id}; "
                   f"it matches nothing"))
        elif not rule.waivable:
            problems.append(Problem(
                "waiver.not_waivable",
                Text(zh=f"规则 {w.rule} 不允许豁免（原文没有“除特殊情况外”等例外），不能为其登记豁免",
                     en=f"rule {w.rule} is not waivable (the source text allows no exception); it cannot be waived"),
                w.location or Location(), ("waivers",), Text(zh="可豁免规则的编号", en="the id of a waivable rule"),
                w.rule))
    if problems:
        raise InputError(problems)
    return warnings


class WaiverBook:
    """The waivers of one evaluation, looked up by rule."""

    def __init__(self, waivers: list[WaiverSpec], as_of: _dt.date):
        self.waivers = waivers
        self.as_of = as_of

    def for_rule(self, rule_id: str) -> list[WaiverSpec]:
        return [w for w in self.waivers if w.rule == rule_id]

    def plan_waiver(self, rule_id: str) -> tuple[WaiverSpec | None, list[WaiverSpec]]:
        """(the active plan-level waiver, the expired ones)."""
        active, expired = None, []
        for w in self.for_rule(rule_id):
            if w.task_id is None:
                if w.expired(self.as_of):
                    expired.append(w)
                elif active is None:
                    active = w
        return active, expired

    def task_waivers(self, rule_id: str) -> tuple[dict[str, WaiverSpec], list[WaiverSpec]]:
        """({task id: active waiver}, the expired task-level ones)."""
        active: dict[str, WaiverSpec] = {}
        expired: list[WaiverSpec] = []
        for w in self.for_rule(rule_id):
            if w.task_id is not None:
                if w.expired(self.as_of):
                    expired.append(w)
                else:
                    active.setdefault(w.task_id, w)
        return active, expired

    def unused_warnings(self) -> list[Text]:
        out = []
        for w in self.waivers:
            if not w.used:
                out.append(Text(
                    zh=f"{w.where()}：规则 {w.rule} 的豁免（范围 {w.scope}）没有对应任何未达标的结论，未起作用",
                    en=f"{w.where()}: the waiver of rule {w.rule} (scope {w.scope}) matches no failing finding; "
                       f"it had no effect"))
        return out


def expired_note(waivers: list[WaiverSpec]) -> list[Text]:
    return [Text(zh=f"豁免已于 {w.expires} 过期，不再适用（范围 {w.scope}，理由：{w.reason}）",
                 en=f"the waiver expired on {w.expires} and no longer applies (scope {w.scope}, reason: {w.reason})")
            for w in waivers]
