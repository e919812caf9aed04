"""Giving each model the position it was read from, so findings can point at the line."""

from __future__ import annotations

from policy_rules.yaml_source import LocatedDocument

from ..plan import Plan
from ..submissions import Submission


def locate_plan(plan: Plan, doc: LocatedDocument, prefix: tuple) -> Plan:
    plan.with_location(doc.locate(prefix))
    for i, task in enumerate(plan.tasks):
        task_path = prefix + ("tasks", i)
        task.with_location(doc.locate(task_path))
        for j, waiver in enumerate(task.waivers):
            waiver.with_location(doc.locate(task_path + ("waivers", j)))
        if task.window is not None:
            task.window.with_location(doc.locate(task_path + ("window",)))
        if task.sampling_ratio is not None:
            task.sampling_ratio.with_location(doc.locate(task_path + ("sampling_ratio",)))
    for i, adjustment in enumerate(plan.adjustments):
        adjustment.with_location(doc.locate(prefix + ("adjustments", i)))
    for i, waiver in enumerate(plan.waivers):
        waiver.with_location(doc.locate(prefix + ("waivers", i)))
    return plan


def locate_submissions(items: list[Submission], doc: LocatedDocument, prefix: tuple) -> list[Submission]:
    for i, item in enumerate(items):
        item.with_location(doc.locate(prefix + (i,)))
    return items
