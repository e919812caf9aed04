"""Waiver bookkeeping: expiry boundary, scopes, checks against the ruleset."""

from __future__ import annotations

import datetime as dt

import pytest

from engine_builders import ruleset
from policy_rules.errors import InputError, Location
from policy_rules.waivers import WaiverBook, WaiverSpec, check_waivers

D = dt.date
RULES = ruleset([
    {"id": "T-A", "kind": "target", "applies_to": "plan", "waivable": True,
     "params": {"metric": "joint_task_share", "threshold": "60%"}},
    {"id": "T-B", "kind": "target", "applies_to": "plan", "params": {"metric": "joint_task_share", "threshold": "60%"}},
])


def test_a_waiver_is_valid_through_its_expiry_day():
    w = WaiverSpec("T-A", "理由", expires=D(2026, 6, 30))
    assert not w.expired(D(2026, 6, 30)) and w.expired(D(2026, 7, 1))
    assert not WaiverSpec("T-A", "理由").expired(D(2099, 1, 1))


def test_plan_and_task_scopes_are_kept_apart():
    book = WaiverBook([WaiverSpec("T-A", "p"), WaiverSpec("T-A", "t", task_id="T1"),
                       WaiverSpec("T-A", "old", task_id="T2", expires=D(2026, 1, 1))], D(2026, 6, 1))
    active, expired = book.plan_waiver("T-A")
    assert active.reason == "p" and expired == []
    tasks, expired = book.task_waivers("T-A")
    assert list(tasks) == ["T1"] and [w.task_id for w in expired] == ["T2"]
    assert [w.scope for w in book.waivers] == ["plan", "task:T1", "task:T2"]


def test_unknown_rule_is_a_warning_and_non_waivable_rule_an_error():
    warnings = check_waivers([WaiverSpec("T-ZZZ", "x", location=Location("plan.yaml", 7, 9))], RULES)
    assert len(warnings) == 1 and "plan.yaml:7:9" in warnings[0].zh and "T-ZZZ" in warnings[0].en
    with pytest.raises(InputError) as info:
        check_waivers([WaiverSpec("T-B", "x", location=Location("plan.yaml", 3, 5))], RULES)
    assert info.value.first.location == Location("plan.yaml", 3, 5)


def test_unused_waivers_are_reported():
    w = WaiverSpec("T-A", "x")
    book = WaiverBook([w], D(2026, 6, 1))
    assert len(book.unused_warnings()) == 1
    w.used = True
    assert book.unused_warnings() == []
