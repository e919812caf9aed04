"""The plan loader: `plan:` in a YAML or JSON file -> a located `Plan`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policy_rules.errors import InputError
from policy_rules.i18n import Text
from policy_rules.validation import problems_from_validation
from policy_rules.yaml_source import LocatedDocument

from ..plan import Plan
from .documents import load_document, problem, top_level
from .locating import locate_plan


def load_plan(path: str | Path) -> Plan:
    """Read a plan file (YAML or JSON, `plan:` at the top). Raises `InputError` with
    every problem located; the plan, its tasks, adjustments and waivers carry `.location`."""
    doc = load_document(path)
    top_level(doc, "plan", "计划", "plan")
    return plan_from_document(doc, prefix=("plan",))


def plan_from_document(doc: LocatedDocument, data: Any = None, prefix: tuple = ()) -> Plan:
    """Validate a plan mapping that sits at `prefix` inside an already read document
    (for example a plan embedded in a ruleset's self-test file), so that every problem
    and every `.location` points into that document."""
    if data is None:
        data = doc.value_at(prefix)
    problems = _duplicate_task_ids(doc, data, prefix)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        found = problems_from_validation(exc, doc, prefix)
        if problems:  # already said with both lines
            found = [p for p in found if p.code != "plan.duplicate_task_id"]
        raise InputError(problems + found) from None
    if problems:  # pragma: no cover - the model refuses duplicates too
        raise InputError(problems)
    return locate_plan(plan, doc, tuple(prefix))


def _duplicate_task_ids(doc: LocatedDocument, data: Any, prefix: tuple) -> list:
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, list):
        return []
    first: dict[str, int] = {}
    problems = []
    for i, task in enumerate(tasks):
        task_id = task.get("id") if isinstance(task, dict) else None
        if not isinstance(task_id, str):
            continue
        if task_id in first:
            prev = doc.locate(prefix + ("tasks", first[task_id], "id"))
            here = doc.locate(prefix + ("tasks", i, "id"))
            same_line = prev.line == here.line
            problems.append(problem(
                "plan.duplicate_task_id",
                f"任务编号“{task_id}”重复，第一次在第 {prev.line} 行" + (f"第 {prev.column} 列" if same_line else "")
                + "；计划内的任务编号必须唯一",
                f"the task id '{task_id}' appears twice, first at line {prev.line}"
                + (f", column {prev.column}" if same_line else "") + "; task ids must be unique in a plan",
                here, prefix + ("tasks", i, "id"),
                expected=Text(zh="计划内唯一的任务编号", en="a task id unique in the plan"), found=task_id))
        else:
            first[task_id] = i
    return problems
