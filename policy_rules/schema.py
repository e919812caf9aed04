"""The ruleset format: metadata and rules of three kinds, each citing its clause.

A ruleset file looks like::

    # yaml-language-server: $schema=../docs/ruleset.schema.json
    ruleset:
      id: qinghe-2026
      version: 1.0.0
      title: 2026年清河县“双随机、一公开”监管工作实施方案
      ...
    rules:
      - id: QH-JOINT-COUNT
        kind: target
        ...

A ruleset that `extends:` another lists new rules under `rules:`, partial rules that
change inherited ones under `override:` (matched by id, merged field by field) and the
ids it drops under `remove:`. See `policy_rules.resolve`.

This module is generic: it knows facts, fields, metrics and patterns by name only.
Which facts exist, and what the named metrics and patterns mean, is the business of
the domain vocabulary handed to the compiler (for inspections: `shuangsuiji_core`).
"""

from __future__ import annotations

import datetime as _dt
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from .i18n import Text
from .quantities import MonthDay, Ratio

RULE_ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"
RULESET_ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SEMVER_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
FIELD_PATTERN = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class Scope(str, Enum):
    """What a rule reads."""

    plan = "plan"
    records = "records"
    submissions = "submissions"


class Source(_Strict):
    """Where a rule comes from: the section heading and the exact words of the document."""

    section: str = Field(min_length=1, description="章节，如 “二、（二）强化联合监管” / the section")
    quote: str = Field(min_length=1, description="原文，逐字摘录 / the exact quote from the document")
    document: str | None = Field(None, description="来源文件，缺省为规则集的 source_document / source file")


# ---------------------------------------------------------------------------------------
# The condition language shared by metrics, patterns and per-object deadlines.
# It is deliberately small: it is what both evaluators (durable_rules and plain Python)
# can run identically. Values are compared after conversion to the field's type.

ConditionOp = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "exists", "missing"]
Scalar = Union[bool, int, str, _dt.date, None]


class Condition(_Strict):
    """`field op value`, for example `{field: method, op: eq, value: onsite}`."""

    field: str = Field(pattern=FIELD_PATTERN)
    op: ConditionOp = "eq"
    value: Scalar | list[Scalar] = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> "Condition":
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("op 'in' takes a list value")
        if self.op != "in" and isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' takes a single value")
        return self


class Join(_Strict):
    """Another fact related by equality of fields: `on: {task_id: id}` means
    `this.task_id == other.id`. Only equality joins exist (see DURABLE_RULES.md)."""

    fact: str
    on: dict[str, str] = Field(min_length=1)
    where: list[Condition] = Field(default_factory=list)


class Match(_Strict):
    """Facts of one type that satisfy every condition, optionally with a related fact
    that must exist (`join`) or must not exist (`absent`)."""

    fact: str
    where: list[Condition] = Field(default_factory=list)
    join: list[Join] = Field(default_factory=list)
    absent: list[Join] = Field(default_factory=list)


class Selector(_Strict):
    """What a metric counts: facts matching `match`; or their distinct values of
    `distinct`; or the sum of their integer field `sum`."""

    match: Match
    distinct: str | None = Field(None, pattern=FIELD_PATTERN)
    sum: str | None = Field(None, pattern=FIELD_PATTERN)

    @model_validator(mode="after")
    def _one_aggregate(self) -> "Selector":
        if self.distinct is not None and self.sum is not None:
            raise ValueError("give at most one of `distinct` or `sum`")
        return self


class RatioMetric(_Strict):
    """numerator / denominator, both counted by selectors, computed as an exact fraction."""

    numerator: Selector
    denominator: Selector


# ---------------------------------------------------------------------------------------
# The three kinds of rule. Each kind's documentation, with a passing and a failing
# example, lives on its params model (`doc`, `examples`), and is what `policy-rules
# explain` and docs/rule-kinds.md print.

Comparison = Literal[">=", ">", "<=", "<", "=="]


class TargetParams(_Strict):
    doc: ClassVar[Text] = Text(
        zh="目标：一个度量值（如联合抽查次数占比）与阈值比较。度量按比例精确计算（分数），"
           "在计划或本期记录上统计。judge 为 period_end 时，期末前未达标为 pending（尚未到期），期末后为 fail。",
        en="target: a measured quantity (e.g. the share of joint tasks) compared with a threshold, "
           "computed exactly (as a fraction) over the plan or the period's records. With judge: period_end "
           "a shortfall before the period ends is pending, after it a fail.",
    )
    examples: ClassVar[dict[str, str]] = {
        "pass": "metric: joint_task_share, op: '>=', threshold: '60%' — 5 个任务中 3 个联合 (3/5 = 60%)",
        "fail": "metric: joint_task_share, op: '>=', threshold: '60%' — 5 个任务中 2 个联合 (40%)",
    }

    metric: str | None = Field(None, description="度量名（见 docs/metrics.md）/ a named metric")
    ratio: RatioMetric | None = Field(None, description="或直接写出分子分母 / or an inline ratio")
    op: Comparison = ">="
    threshold: Ratio | int = Field(description="阈值：比例（\"60%\"）或计数 / a ratio or a count")
    judge: Literal["period_end", "as_of"] = Field(
        "period_end", description="期末才判定（期间内未达标为 pending）或随时判定 / when a shortfall counts")
    min_denominator: int = Field(1, ge=0, description="分母少于此数时为 pending（数据不足）/ too little data below this")

    @model_validator(mode="after")
    def _one_metric(self) -> "TargetParams":
        if (self.metric is None) == (self.ratio is None):
            raise ValueError("give exactly one of `metric` or `ratio`")
        return self


class OnceSchedule(_Strict):
    """Once a year, by a month-day of the plan year: `{type: once, due: "03-31"}`."""

    type: Literal["once"]
    due: MonthDay
    period: str = Field("{year}", description="应报送材料的 period，{year} 为计划年度")


class MonthlySchedule(_Strict):
    """Every month by a day: `{type: monthly, day: 23}`. A day past the month's end means its last day."""

    type: Literal["monthly"]
    day: int = Field(ge=1, le=31)
    months: list[int] = Field(default_factory=lambda: list(range(1, 13)))
    period: str = Field("{year}-{month:02d}", description="每期的 period 写法")


class DatesSchedule(_Strict):
    """Fixed dates each year, each for a named period:
    `{type: dates, slots: [{period: "{year}-Q1", due: "03-28"}, ...]}`."""

    type: Literal["dates"]
    slots: list["DatedSlot"] = Field(min_length=1)


class DatedSlot(_Strict):
    period: str
    due: MonthDay


class AfterEventSchedule(_Strict):
    """Per object: `end_field` must be set within a limit counted from `start_field`,
    for every object matching `when`. Example: result entered within 20 working days
    of inspection: `{type: after_event, fact: record, start_field: inspected_on,
    end_field: result_entered_on, within: 20, unit: working_days}`."""

    type: Literal["after_event"]
    fact: str
    start_field: str = Field(pattern=FIELD_PATTERN)
    end_field: str = Field(pattern=FIELD_PATTERN)
    within: int = Field(ge=0)
    unit: Literal["calendar_days", "working_days"] = "calendar_days"
    when: list[Condition] = Field(default_factory=list)


class ByDateSchedule(_Strict):
    """A field of each matching object must be set on or before a month-day of the plan
    year: `{type: by_date, fact: plan, field: published_on, due: "03-31"}`."""

    type: Literal["by_date"]
    fact: str
    field: str = Field(pattern=FIELD_PATTERN)
    due: MonthDay
    when: list[Condition] = Field(default_factory=list)


Schedule = Annotated[
    Union[OnceSchedule, MonthlySchedule, DatesSchedule, AfterEventSchedule, ByDateSchedule],
    Field(discriminator="type"),
]


class DeadlineParams(_Strict):
    doc: ClassVar[Text] = Text(
        zh="期限：某事须在某日前或某事件后若干（自然/工作）日内完成。按 as_of 判定：未到期为 pending，"
           "按时完成为 pass（附日期），逾期为 fail（附逾期天数）。报送类期限用 submission 指明报送材料种类。",
        en="deadline: something must exist by a date or within a limit after an event. Judged as of "
           "`as_of`: before it is due, pending; met, pass with the date; missed, fail with how late. "
           "Submission deadlines name the submission kind.",
    )
    examples: ClassVar[dict[str, str]] = {
        "pass": "submission: monthly_report, schedule: {type: monthly, day: 23} — 2026-05 月报 5 月 22 日报送",
        "fail": "submission: monthly_report, schedule: {type: monthly, day: 23} — 2026-05 月报 5 月 25 日报送（逾期 2 天）",
    }

    submission: str | None = Field(None, description="报送材料种类 kind（once/monthly/dates 需要）")
    schedule: Schedule
    default_limit: bool = Field(
        False, description="为 true 表示期限是本工具的默认值，文件只说“及时”/“按时限” / the limit is our default")
    limit_note: Text | None = None

    @model_validator(mode="after")
    def _submission_needed(self) -> "DeadlineParams":
        needs = isinstance(self.schedule, (OnceSchedule, MonthlySchedule, DatesSchedule))
        if needs and not self.submission:
            raise ValueError("schedules of type once, monthly and dates need `submission`")
        if not needs and self.submission:
            raise ValueError("`submission` goes only with schedules of type once, monthly or dates")
        return self


class ProhibitionParams(_Strict):
    doc: ClassVar[Text] = Text(
        zh="禁止：计划或记录中绝不应出现的情形（如能非现场检查却入企现场检查）。每个命中的任务、记录或调整"
           "都列在结论中，并指出其所在文件与行号。",
        en="prohibition: a pattern that must never occur in a plan or records (e.g. on-site inspection "
           "where a remote method suffices). Every matching task, record or adjustment is named, with "
           "its file and line.",
    )
    examples: ClassVar[dict[str, str]] = {
        "pass": "pattern: onsite_where_remote_feasible — 记录 method: document_review，任务 remote_feasible: true",
        "fail": "pattern: onsite_where_remote_feasible — 记录 method: onsite，任务 remote_feasible: true",
    }

    pattern: str | None = Field(None, description="模式名（见 docs/patterns.md）/ a named pattern")
    match: Match | None = Field(None, description="或直接写出匹配条件 / or an inline match")

    @model_validator(mode="after")
    def _one_pattern(self) -> "ProhibitionParams":
        if (self.pattern is None) == (self.match is None):
            raise ValueError("give exactly one of `pattern` or `match`")
        return self


class _RuleBase(_Strict):
    id: str = Field(pattern=RULE_ID_PATTERN, description="稳定的规则编号，如 QH-JOINT-COUNT / a stable rule id")
    title: Text
    severity: Severity = Severity.error
    applies_to: Scope
    waivable: bool = Field(False, description="原文有“除特殊情况外”等例外时为 true / the text allows exceptions")
    message: Text = Field(description="结论消息模板（Jinja，沙箱渲染）/ the finding's message template")
    source: Source
    notes: Text | None = None
    responsible: str | None = Field(
        None, description="责任单位，照录原文（如“各级各有关部门”）/ the responsible units, as the document names them")


class TargetRule(_RuleBase):
    kind: Literal["target"]
    params: TargetParams


class DeadlineRule(_RuleBase):
    kind: Literal["deadline"]
    params: DeadlineParams


class ProhibitionRule(_RuleBase):
    kind: Literal["prohibition"]
    params: ProhibitionParams


Rule = Annotated[Union[TargetRule, DeadlineRule, ProhibitionRule], Field(discriminator="kind")]

RULE_KINDS: dict[str, type[BaseModel]] = {
    "target": TargetParams,
    "deadline": DeadlineParams,
    "prohibition": ProhibitionParams,
}


class EffectivePeriod(_Strict):
    start: _dt.date
    end: _dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "EffectivePeriod":
        if self.end < self.start:
            raise ValueError("effective.end is before effective.start")
        return self


class RulesetMeta(_Strict):
    id: str = Field(pattern=RULESET_ID_PATTERN)
    version: str = Field(pattern=SEMVER_PATTERN, description="语义化版本 / semantic version")
    title: str
    issuer: str
    document_number: str | None = Field(None, description="文号，如 清市监〔2026〕2号")
    issued_on: _dt.date | None = None
    effective: EffectivePeriod
    source_document: str = Field(description="来源文件名（../shared/seeds/ 下）/ the source file name")
    extends: str | None = Field(None, description="继承的规则集 id 或相对路径 / parent ruleset id or path")
    description: str | None = None


class Ruleset(_Strict):
    """A resolved ruleset: metadata and the full list of rules, ids unique."""

    ruleset: RulesetMeta
    rules: list[Rule] = Field(default_factory=list)
    # Set by policy_rules.resolve: where each rule (and each value in it) was written,
    # across the extends chain, so lint problems and findings can point at a line.
    _origin: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Ruleset":
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id} appears twice")
            seen.add(rule.id)
        return self

    def rule(self, rule_id: str):
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


class RulesetFile(_Strict):
    """A ruleset as written in its file, before `extends` is resolved."""

    ruleset: RulesetMeta
    rules: list[Rule] = Field(default_factory=list)
    override: list[dict[str, Any]] = Field(default_factory=list,
                                           description="对继承规则的局部修改（按 id 合并）/ partial overrides by id")
    remove: list[str] = Field(default_factory=list, description="删除继承的规则 id / inherited ids to drop")


DatesSchedule.model_rebuild()
