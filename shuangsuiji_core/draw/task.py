"""The draw task (抽查任务的抽取参数): what to draw from, how many, and who may inspect.

A draw task file is YAML (or JSON)::

    draw_task:
      id: QH-2026-001                      # required; enters every rank key
      name: 食品销售经营者部门联合抽查
      department: 清河县市场监督管理局
      scope:                               # which directory rows are in scope
        industry: 食品销售                  # one industry or a list; absent = every industry
        tags: [食品经营]                    # the entity must carry every tag listed
      sampling_ratio: {A: 0.02, B: 0.05, C: "10%", D: 0.20}   # or one ratio for every class
      unclassified_ratio: 0.05             # optional; default: the B ratio (see below)
      # households: 180                    # instead of sampling_ratio: a fixed household count,
      #                                    # or per class {A: 5, B: 20, unclassified: 3}
      inspectors_per_group: 2              # at least 2
      required_inspector_tags: [食品安全]   # every member of a group holds all of them
      max_groups_per_inspector: 10         # cap; absent = no cap

A task may instead start from a task of an annual plan and override fields::

    draw_task:
      from_plan: {file: plan.yaml, task: QH-2026-001}
      inspectors_per_group: 2
      max_groups_per_inspector: 10

which takes `id`, `name`, `lead_department`, `industry` (as scope), `sampling_ratio`
(or `planned_households` when there is none) and `items` (as required inspector tags)
from the plan task. `DrawTask.from_plan_task(task, **overrides)` does the same in code.

Rules (documented in docs/draw.md):

- **Strata** are the risk classes A, B, C, D and `unclassified` (no risk class).
- **Rounding**: a stratum of N entities at ratio r draws k = ⌈N·r⌉ (exact fractions), so
  the drawn share is never below the ratio, and a positive ratio on a non-empty
  stratum draws at least one. Example: N = 41, r = 5% → k = ⌈2.05⌉ = 3; r = 0 → 0.
- **Unclassified** entities are sampled at `unclassified_ratio`, else at the B ratio
  (B = 一般, the class a business has until it is rated), else not drawn; the record
  shows which rule applied.
- **A class left out** of a per-class `sampling_ratio` is not drawn (ratio recorded as
  absent) — the notice shows it, so leaving one out cannot go unnoticed.
- **households: N** draws N entities from the whole scope as one stratum `all`
  (or the per-class counts given). A count above the stratum size draws everything
  and the record shows the shortfall.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text
from policy_rules.quantities import Ratio
from policy_rules.validation import problems_from_validation, validate_document
from policy_rules.yaml_source import LocatedDocument, load_yaml_file

from ..plan import SamplingRatio, Task

RISK_CLASSES = ("A", "B", "C", "D")
UNCLASSIFIED = "unclassified"
ALL = "all"
STRATA = RISK_CLASSES + (UNCLASSIFIED,)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Scope(_Model):
    industry: list[str] | None = None
    tags: list[str] = Field(default_factory=list)

    _industry_list = field_validator("industry", mode="before")(_as_list)
    _tags_list = field_validator("tags", mode="before")(_as_list)


class FromPlan(_Model):
    file: str = Field(min_length=1)
    task: str = Field(min_length=1)


class HouseholdsByClass(_Model):
    A: int | None = Field(None, ge=0)
    B: int | None = Field(None, ge=0)
    C: int | None = Field(None, ge=0)
    D: int | None = Field(None, ge=0)
    unclassified: int | None = Field(None, ge=0)


class DrawTask(_Model):
    id: str = Field(min_length=1)
    name: str | None = None
    department: str | None = None
    scope: Scope = Field(default_factory=Scope)
    sampling_ratio: Ratio | SamplingRatio | None = None
    unclassified_ratio: Ratio | None = None
    households: int | HouseholdsByClass | None = None
    inspectors_per_group: int = Field(2, ge=2)
    required_inspector_tags: list[str] = Field(default_factory=list)
    max_groups_per_inspector: int | None = Field(None, ge=1)

    @field_validator("households")
    @classmethod
    def _households_non_negative(cls, value):
        if isinstance(value, int) and value < 0:
            raise ValueError("households must not be negative")
        return value

    @model_validator(mode="after")
    def _one_sampling_rule(self) -> "DrawTask":
        if (self.sampling_ratio is None) == (self.households is None):
            raise ValueError("give exactly one of sampling_ratio and households "
                             "(只能且必须给出 sampling_ratio 或 households 之一)")
        if self.households is not None and self.unclassified_ratio is not None:
            raise ValueError("unclassified_ratio only applies with sampling_ratio")
        return self

    # -- the sampling rule per stratum -------------------------------------------------

    def stratum_rules(self) -> dict[str, tuple[str, Fraction | int | None, str]]:
        """stratum -> (kind 'ratio'|'count', value or None = not drawn, rule label)."""
        rules: dict[str, tuple[str, Fraction | int | None, str]] = {}
        if self.sampling_ratio is not None:
            sr = self.sampling_ratio
            for cls in RISK_CLASSES:
                value = sr if isinstance(sr, Fraction) else getattr(sr, cls)
                rules[cls] = ("ratio", value, "given" if value is not None else "absent")
            if self.unclassified_ratio is not None:
                rules[UNCLASSIFIED] = ("ratio", self.unclassified_ratio, "given")
            elif isinstance(sr, Fraction):  # one ratio for every class covers the unclassified too
                rules[UNCLASSIFIED] = ("ratio", sr, "given")
            elif rules["B"][1] is not None:
                rules[UNCLASSIFIED] = ("ratio", rules["B"][1], "B_ratio")
            else:
                rules[UNCLASSIFIED] = ("ratio", None, "absent")
        elif isinstance(self.households, int):
            rules[ALL] = ("count", self.households, "given")
        else:
            hh = self.households
            for stratum in STRATA:
                value = getattr(hh, stratum)
                rules[stratum] = ("count", value, "given" if value is not None else "absent")
        return rules

    @property
    def single_stratum(self) -> bool:
        return isinstance(self.households, int)

    def in_scope(self, industry: str | None, tags: tuple[str, ...]) -> bool:
        if self.scope.industry is not None and industry not in self.scope.industry:
            return False
        return all(t in tags for t in self.scope.tags)

    def parameters(self) -> dict[str, Any]:
        """The resolved parameters, canonical (ratios as exact 'n/d'), as hashed in the record."""
        def ratio(v: Fraction | None) -> str | None:
            return None if v is None else f"{v.numerator}/{v.denominator}"

        rules = {s: {"kind": k, "value": (ratio(v) if k == "ratio" else v), "rule": label}
                 for s, (k, v, label) in self.stratum_rules().items()}
        return {
            "id": self.id,
            "name": self.name,
            "department": self.department,
            "scope": {"industry": sorted(self.scope.industry) if self.scope.industry is not None else None,
                      "tags": sorted(set(self.scope.tags))},
            "strata": rules,
            "inspectors_per_group": self.inspectors_per_group,
            "required_inspector_tags": sorted(set(self.required_inspector_tags)),
            "max_groups_per_inspector": self.max_groups_per_inspector,
        }

    @classmethod
    def from_plan_task(cls, task: Task, **overrides: Any) -> "DrawTask":
        """A draw task from a plan task; keyword arguments override what the plan gives."""
        base: dict[str, Any] = {
            "id": task.id,
            "name": task.name,
            "department": task.lead_department,
            "required_inspector_tags": list(task.items),
        }
        if task.industry:
            base["scope"] = {"industry": [task.industry]}
        if task.sampling_ratio is not None and any(
                getattr(task.sampling_ratio, c) is not None for c in RISK_CLASSES):
            base["sampling_ratio"] = task.sampling_ratio
        elif task.planned_households is not None:
            base["households"] = task.planned_households
        if "households" in overrides:
            base.pop("sampling_ratio", None)
        if "sampling_ratio" in overrides:
            base.pop("households", None)
        base.update(overrides)
        return cls.model_validate(base)


class DrawTaskFile(_Model):
    draw_task: dict[str, Any]


def _problem(code: str, zh: str, en: str, doc: LocatedDocument, path: tuple, expected: Text | None = None,
             found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=doc.locate(path), path=path,
                   expected=expected, found=found)


def load_draw_task(path: str | Path, plan_task_id: str | None = None) -> DrawTask:
    """Read a draw task file, or one task of a plan file (then `plan_task_id` names it).

    Raises a located `InputError` for anything malformed. A plan is read by the project's
    plan loader (shuangsuiji_core.loading.load_plan), so it gets the same checks as
    `check-plan` gives it.
    """
    path = str(path)
    doc = load_yaml_file(path)
    data = doc.data
    if isinstance(data, dict) and "plan" in data and "draw_task" not in data:
        return _task_from_plan(path, plan_task_id, overrides={})
    if not isinstance(data, dict) or "draw_task" not in data:
        raise InputError([_problem(
            "draw_task.missing", "文件中没有 draw_task:（抽取任务）或 plan:（年度抽查计划）",
            "the file has neither draw_task: (a draw task) nor plan: (an annual plan)", doc, (),
            expected=Text(zh="顶层键 draw_task: 或 plan:", en="a top-level key draw_task: or plan:"),
            found=", ".join(map(str, data)) if isinstance(data, dict) else type(data).__name__)])
    validate_document(DrawTaskFile, doc)
    body = dict(data["draw_task"])
    if "from_plan" in body:
        ref = validate_document(FromPlan, doc, body.pop("from_plan"), prefix=("draw_task", "from_plan"))
        return _task_from_plan(str(Path(path).parent / ref.file), ref.task, overrides=body, overrides_doc=doc,
                               ref_location=doc.locate(("draw_task", "from_plan", "task")))
    return _validate_task(doc, body)


_UNION_LABELS = frozenset({"SamplingRatio", "HouseholdsByClass"})


def _validate_task(doc: LocatedDocument, body: dict) -> DrawTask:
    """Validate, reporting a union field's error once, at the branch the user meant.

    `sampling_ratio` and `households` take either one value or a per-class mapping;
    pydantic reports a failure against both branches. Keep the deeper (per-class) one.
    """
    try:
        return DrawTask.model_validate(body)
    except ValidationError as exc:
        problems = problems_from_validation(exc, doc, ("draw_task",))
    cleaned = []
    for p in problems:
        path = tuple(part for part in p.path if part not in _UNION_LABELS)
        if path != p.path:
            p = Problem(p.code, p.message, doc.locate(path), path, p.expected, p.found)
        cleaned.append(p)
    paths = {p.path for p in cleaned}
    kept = [p for p in cleaned if not any(len(q) > len(p.path) and q[:len(p.path)] == p.path for q in paths)]
    raise InputError(kept)


def _task_from_plan(plan_path: str, task_id: str | None, overrides: dict, overrides_doc: LocatedDocument | None = None,
                    ref_location: Location | None = None) -> DrawTask:
    from ..loading import load_plan  # the loaders' module; imported here to keep draw importable on its own

    plan = load_plan(plan_path)
    ids = [t.id for t in plan.tasks]
    where = ref_location or plan.location or Location(plan_path)
    if task_id is None:
        if len(plan.tasks) != 1:
            raise InputError([Problem(
                code="draw_task.plan_task_required",
                message=Text(zh="计划中有多个任务，请指明要抽取的任务（--task-id）",
                             en="the plan has several tasks: name the one to draw (--task-id)"),
                location=where, path=("plan", "tasks"),
                expected=Text(zh="以下任务编号之一", en="one of these task ids"), found=", ".join(ids))])
        task_id = ids[0]
    if task_id not in ids:
        raise InputError([Problem(
            code="draw_task.plan_task_unknown",
            message=Text(zh=f"计划中没有编号为“{task_id}”的任务", en=f"the plan has no task with id '{task_id}'"),
            location=where, path=("plan", "tasks"),
            expected=Text(zh="以下任务编号之一：" + ", ".join(ids), en="one of: " + ", ".join(ids)), found=task_id)])
    index = ids.index(task_id)
    task = plan.tasks[index]
    try:
        return DrawTask.from_plan_task(task, **overrides)
    except ValidationError as exc:
        if overrides_doc is not None:
            raise InputError(problems_from_validation(exc, overrides_doc, ("draw_task",))) from None
        raise InputError([Problem(
            code="draw_task.plan_task_unusable",
            message=Text(zh=f"计划任务“{task_id}”缺少抽取所需的参数：需要 sampling_ratio 或 planned_households",
                         en=f"plan task '{task_id}' lacks what a draw needs: sampling_ratio or planned_households"),
            location=task.location or where, path=("plan", "tasks", index),
            expected=Text(zh="sampling_ratio 或 planned_households", en="sampling_ratio or planned_households"),
            found="; ".join(e["msg"] for e in exc.errors(include_url=False))[:200])]) from None
