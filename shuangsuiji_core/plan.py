"""年度随机抽查计划 (the annual spot-check plan), exactly as ../shared/design/DATA.md writes it."""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from typing import Any

from pydantic import ConfigDict, Field, StrictBool, model_validator

from policy_rules.errors import Problem
from policy_rules.i18n import Text
from policy_rules.quantities import Ratio
from policy_rules.validation import ProblemValueError

from .located import Located


class Mode(str, Enum):
    joint = "joint"        # 部门联合抽查
    internal = "internal"  # 部门内部抽查


class Method(str, Enum):
    onsite = "onsite"
    document_review = "document_review"
    information_sharing = "information_sharing"
    online_monitoring = "online_monitoring"
    video = "video"


REMOTE_METHODS = frozenset({Method.document_review, Method.information_sharing, Method.online_monitoring, Method.video})


class _Model(Located):
    model_config = ConfigDict(extra="forbid")


class Window(_Model):
    start: _dt.date
    end: _dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end < self.start:
            raise ProblemValueError(Problem(
                code="plan.window_order",
                message=Text(zh=f"抽查时间窗口的结束日 {self.end} 早于开始日 {self.start}",
                             en=f"the window ends ({self.end}) before it starts ({self.start})"),
                expected=Text(zh="end 不早于 start", en="end not before start"), found=f"{self.start} .. {self.end}"))
        return self


class SamplingRatio(_Model):
    A: Ratio | None = None
    B: Ratio | None = None
    C: Ratio | None = None
    D: Ratio | None = None


class Waiver(_Model):
    """A recorded exception (除特殊情况外): a rule may be missed for a justified reason until it expires."""

    rule: str
    reason: str = Field(min_length=1)
    approved_by: str | None = None
    expires: _dt.date | None = None


class Task(_Model):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    mode: Mode
    lead_department: str | None = None
    partner_departments: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)
    industry: str | None = None
    uses_credit_risk: StrictBool = False
    sampling_ratio: SamplingRatio | None = None
    planned_households: int | None = Field(None, ge=0)
    methods: list[Method] = Field(default_factory=list)
    remote_feasible: StrictBool | None = None
    window: Window | None = None
    waivers: list[Waiver] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _joint_has_partner(self) -> "Task":
        if self.mode == Mode.joint and not self.partner_departments:
            raise ProblemValueError(Problem(
                code="plan.joint_without_partner",
                message=Text(zh="联合抽查任务（mode: joint）至少要列出一个配合部门（partner_departments）",
                             en="a joint task (mode: joint) needs at least one partner department (partner_departments)"),
                expected=Text(zh="partner_departments 至少一项", en="at least one partner_departments entry"),
                found="[]"))
        return self


class Adjustment(_Model):
    """计划调整: must be filed (备案) and published."""

    date: _dt.date
    description: str
    filed_on: _dt.date | None = None
    published_on: _dt.date | None = None
    id: str | None = None


class Plan(_Model):
    id: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    department: str = Field(min_length=1)
    region: str | None = None
    ruleset: str | None = None
    published_on: _dt.date | None = None
    enterprise_count_prev_year_end: int | None = Field(None, ge=0)
    tasks: list[Task] = Field(min_length=1)
    adjustments: list[Adjustment] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_task_ids(self) -> "Plan":
        seen: set[str] = set()
        for task in self.tasks:
            if task.id in seen:
                raise ProblemValueError(Problem(
                    code="plan.duplicate_task_id",
                    message=Text(zh=f"任务编号“{task.id}”重复", en=f"the task id '{task.id}' appears twice"),
                    expected=Text(zh="计划内唯一的任务编号", en="task ids unique in the plan"), found=task.id))
            seen.add(task.id)
        return self


class PlanFile(_Model):
    plan: Plan
