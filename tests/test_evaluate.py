"""evaluate(): the evaluation semantics of docs/ARCHITECTURE.md, on small hand-built inputs.

Every test runs with both evaluators (the durable backend in this process and the
Python evaluator) and checks the reports are the same apart from the engine's name.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from engine_builders import plan, record, ruleset, submission, task
from policy_rules.errors import InputError
from policy_rules.evaluators import EngineOptions, available
from policy_rules.report import Status
from shuangsuiji_core.evaluation import evaluate

D = dt.date
HAVE_DURABLE = available()[0]


def both(rs, **kw):
    """Evaluate with the Python evaluator and, where it runs, durable_rules; assert equal; return one."""
    records = kw.pop("records", None)
    records = list(records) if records is not None else None
    py = evaluate(rs, records=records, engine="python", **kw)
    if HAVE_DURABLE:
        du = evaluate(rs, records=records, engine="durable", options=EngineOptions(workers=0), **kw)
        assert du.engine == "durable" and not du.engine_notes
        assert json.loads(du.to_json()) | {"engine": "python"} == json.loads(py.to_json())
    return py


def finding(report, rule_id):
    return next(f for f in report.findings if f.rule_id == rule_id)


JOINT_SHARE = {"id": "T-JOINT", "kind": "target", "applies_to": "plan", "waivable": True,
               "params": {"metric": "joint_task_share", "op": ">=", "threshold": "60%", "judge": "as_of"}}


# -- targets -----------------------------------------------------------------------------
def test_target_exact_fraction_sixty_percent_of_five_passes():
    p = plan([task(f"T{i}", "joint" if i < 3 else "internal") for i in range(5)])
    f = finding(both(ruleset([JOINT_SHARE]), plan=p, as_of=D(2026, 6, 1)), "T-JOINT")
    assert f.status == Status.passed and f.measured == "3/5 (60%)" and f.threshold == ">= 60%"


def test_target_below_threshold_fails_and_message_renders():
    p = plan([task(f"T{i}", "joint" if i < 2 else "internal") for i in range(5)])
    f = finding(both(ruleset([JOINT_SHARE]), plan=p, as_of=D(2026, 6, 1)), "T-JOINT")
    assert f.status == Status.fail and f.measured == "2/5 (40%)"
    assert f.message.zh == "2/5 (40%) >= 60%  0"


def test_period_end_target_is_pending_before_year_end_and_fails_after():
    rule = {**JOINT_SHARE, "params": {**JOINT_SHARE["params"], "judge": "period_end"}}
    p = plan([task("T1", "joint"), task("T2"), task("T3")])
    assert finding(both(ruleset([rule]), plan=p, as_of=D(2026, 6, 1)), "T-JOINT").status == Status.pending
    assert finding(both(ruleset([rule]), plan=p, as_of=D(2026, 12, 31)), "T-JOINT").status == Status.fail


def test_min_denominator_makes_a_target_pending():
    rule = {"id": "T-PUB", "kind": "target", "applies_to": "records",
            "params": {"metric": "result_disclosure_rate", "op": ">=", "threshold": 1, "min_denominator": 3,
                       "judge": "as_of"}}
    p = plan([task("T1")])
    recs = [record("R1", "T1", D(2026, 5, 1)), record("R2", "T1", D(2026, 5, 2), cc=2)]
    f = finding(both(ruleset([rule]), plan=p, records=recs, as_of=D(2026, 6, 1)), "T-PUB")
    assert f.status == Status.pending and f.measured == "0/2"


def test_distinct_households_and_records_outside_the_period_are_left_out():
    rule = {"id": "T-HH", "kind": "target", "applies_to": "records",
            "params": {"metric": "joint_household_share", "op": ">=", "threshold": "50%", "judge": "as_of"}}
    p = plan([task("J", "joint"), task("I")])
    recs = [record("R1", "J", D(2026, 3, 1), cc=1), record("R2", "J", D(2026, 4, 1), cc=1),  # same household
            record("R3", "I", D(2026, 3, 1), cc=2), record("R4", "I", D(2026, 3, 2), cc=3),
            record("R5", "J", D(2025, 12, 30), cc=4),   # last year: not evaluated
            record("R6", "J", D(2026, 9, 1), cc=5)]     # after as_of: not evaluated
    r = both(ruleset([rule]), plan=p, records=recs, as_of=D(2026, 6, 1))
    f = finding(r, "T-HH")
    assert f.measured == "1/3 (33.33%)" and f.status == Status.fail
    assert any("2 条检查记录" in w.zh for w in r.warnings)


def test_inline_ratio_with_join_planned_task_execution():
    rule = {"id": "T-EXEC", "kind": "target", "applies_to": "records",
            "params": {"metric": "planned_task_execution", "op": ">=", "threshold": 1, "judge": "as_of"}}
    p = plan([task("T1"), task("T2"), task("T3")])
    recs = [record(f"R{i}", "T1" if i % 2 else "T3", D(2026, 5, 1), cc=i) for i in range(1, 40)]
    for batch_size in (1, 7, 1000):
        r = evaluate(ruleset([rule]), plan=p, records=recs, as_of=D(2026, 6, 1), engine="python",
                     options=EngineOptions(batch_size=batch_size))
        assert finding(r, "T-EXEC").measured == "2/3 (66.67%)"
    both(ruleset([rule]), plan=p, records=recs, as_of=D(2026, 6, 1))


def test_rule_without_its_input_is_not_applicable():
    r = both(ruleset([JOINT_SHARE]), as_of=D(2026, 6, 1))
    assert finding(r, "T-JOINT").status == Status.not_applicable


# -- prohibitions ------------------------------------------------------------------------
UNCERTIFIED = {"id": "P-CERT", "kind": "prohibition", "applies_to": "records", "waivable": True,
               "params": {"pattern": "inspector_uncertified"}}
REMOTE = {"id": "P-REMOTE", "kind": "prohibition", "applies_to": "records",
          "params": {"pattern": "onsite_where_remote_feasible"}}


def test_prohibition_names_every_offender_with_file_and_line_sorted():
    p = plan([task("T1", remote_feasible=True), task("T2", remote_feasible=False)])
    recs = [record("R3", "T1", D(2026, 5, 3), line=30, method="onsite"),
            record("R1", "T1", D(2026, 5, 1), line=10, method="onsite"),
            record("R2", "T1", D(2026, 5, 2), line=20, method="video"),
            record("R4", "T2", D(2026, 5, 4), line=40, method="onsite")]
    f = finding(both(ruleset([REMOTE]), plan=p, records=recs, as_of=D(2026, 6, 1)), "P-REMOTE")
    assert f.status == Status.fail
    assert [(o.kind, o.id, o.location.file, o.location.line) for o in f.offenders] == [
        ("record", "R1", "records.yaml", 10), ("record", "R3", "records.yaml", 30)]


def test_absent_field_is_not_an_offence():
    p = plan([task("T1")])
    recs = [record("R1", "T1", D(2026, 5, 1), inspectors=[{"id": "A"}, {"id": "B", "certified": False}])]
    f = finding(both(ruleset([UNCERTIFIED]), plan=p, records=recs, as_of=D(2026, 6, 1)), "P-CERT")
    assert [o.id for o in f.offenders] == ["R1/B"]


def test_duplicate_and_repeat_do_not_depend_on_record_order():
    rules = [{"id": "P-DUP", "kind": "prohibition", "applies_to": "records", "params": {"pattern": "duplicate_inspection"}},
             {"id": "P-REP", "kind": "prohibition", "applies_to": "records", "params": {"pattern": "repeat_inspection"}}]
    p = plan([task("T1"), task("T2")])
    recs = [record("R1", "T1", D(2026, 5, 1), cc=1), record("R2", "T1", D(2026, 5, 1), cc=1),
            record("R0", "T1", D(2026, 5, 9), cc=1), record("R5", "T2", D(2026, 4, 1), cc=2),
            record("R6", "T1", D(2026, 4, 2), cc=2), record("R7", "T2", D(2026, 4, 3), cc=2),
            record("R8", "T2", D(2026, 6, 1), cc=None)]
    first = both(ruleset(rules), plan=p, records=recs, as_of=D(2026, 7, 1))
    assert [o.id for o in finding(first, "P-DUP").offenders] == ["R0", "R2", "R7"]
    assert [o.id for o in finding(first, "P-REP").offenders] == ["R6", "R7"]
    for seed in range(5):
        shuffled = recs[:]
        random.Random(seed).shuffle(shuffled)
        assert both(ruleset(rules), plan=p, records=shuffled, as_of=D(2026, 7, 1)).to_json() == first.to_json()


# -- deadlines ---------------------------------------------------------------------------
MONTHLY = {"id": "D-MONTH", "kind": "deadline", "applies_to": "submissions",
           "params": {"submission": "monthly_report", "schedule": {"type": "monthly", "day": 31}}}


def test_monthly_day_beyond_month_end_means_last_day():
    subs = [submission("monthly_report", D(2026, 1, 30), "2026-01"),
            submission("monthly_report", D(2026, 2, 28), "2026-02"),
            submission("monthly_report", D(2026, 5, 1), "2026-04")]
    f = finding(both(ruleset([MONTHLY]), submissions=subs, as_of=D(2026, 5, 2)), "D-MONTH")
    # January and February on time; March missing (due 03-31); April made a day late (due 04-30)
    assert f.status == Status.fail
    details = {o.detail["period"]: o.detail for o in f.offenders}
    assert details["2026-03"]["due"] == "2026-03-31" and details["2026-03"]["days_late"] == 32
    assert details["2026-04"]["due"] == "2026-04-30" and details["2026-04"]["days_late"] == 1
    assert details["2026-04"]["submitted_on"] == "2026-05-01"
    assert f.measured == "2/4"


def test_once_deadline_pending_then_pass_then_fail():
    rule = {"id": "D-ONCE", "kind": "deadline", "applies_to": "submissions",
            "params": {"submission": "item_list", "schedule": {"type": "once", "due": "03-31"}}}
    rs = ruleset([rule])
    assert finding(both(rs, submissions=[], as_of=D(2026, 3, 31)), "D-ONCE").status == Status.pending
    on_time = finding(both(rs, submissions=[submission("item_list", D(2026, 3, 28))], as_of=D(2026, 4, 2)), "D-ONCE")
    assert on_time.status == Status.passed and any("2026-03-28" in n.zh for n in on_time.notes)
    late = finding(both(rs, submissions=[], as_of=D(2026, 4, 3)), "D-ONCE")
    assert late.status == Status.fail and late.offenders[0].detail["days_late"] == 3
    # a submission after as_of has not happened yet
    future = finding(both(rs, submissions=[submission("item_list", D(2026, 4, 5))], as_of=D(2026, 4, 3)), "D-ONCE")
    assert future.status == Status.fail


def test_after_event_in_working_days_counts_make_up_days():
    # inspected Fri 2026-02-13; Spring Festival holiday 02-15..02-23, 02-14 (Sat) and 02-28 (Sat) are make-up
    # working days. Working days after 02-13: 02-14 (1), 02-24 (2), 02-25 (3)
    rule = {"id": "D-ENTRY", "kind": "deadline", "applies_to": "records",
            "params": {"schedule": {"type": "after_event", "fact": "record", "start_field": "inspected_on",
                                    "end_field": "result_entered_on", "within": 3, "unit": "working_days"}}}
    p = plan([task("T1")])
    recs = [record("R1", "T1", D(2026, 2, 13), line=1, result_entered_on=D(2026, 2, 25)),
            record("R2", "T1", D(2026, 2, 13), line=2, cc=2, result_entered_on=D(2026, 2, 26)),
            record("R3", "T1", D(2026, 2, 13), line=3, cc=3)]
    f = finding(both(ruleset([rule]), plan=p, records=recs, as_of=D(2026, 2, 25)), "D-ENTRY")
    assert f.status == Status.passed and f.measured == "1/1"  # R2 made after as_of, R3 missing: both still pending
    f = finding(both(ruleset([rule]), plan=p, records=recs, as_of=D(2026, 3, 2)), "D-ENTRY")
    assert f.status == Status.fail and f.due == D(2026, 2, 25)
    assert [(o.id, o.detail["days_late"]) for o in f.offenders] == [("R2", 1), ("R3", 5)]


def test_by_date_on_the_plan():
    rule = {"id": "D-PUB", "kind": "deadline", "applies_to": "plan",
            "params": {"schedule": {"type": "by_date", "fact": "plan", "field": "published_on", "due": "03-31"}}}
    rs = ruleset([rule])
    ok = finding(both(rs, plan=plan([task("T1")], published_on="2026-03-20"), as_of=D(2026, 6, 1)), "D-PUB")
    assert ok.status == Status.passed and ok.due == D(2026, 3, 31)
    late = finding(both(rs, plan=plan([task("T1")], published_on="2026-04-02"), as_of=D(2026, 6, 1)), "D-PUB")
    assert late.status == Status.fail and late.offenders[0].detail["days_late"] == 2
    assert late.offenders[0].location.file == "plan.yaml"
    assert finding(both(rs, plan=plan([task("T1")]), as_of=D(2026, 3, 1)), "D-PUB").status == Status.pending


# -- waivers -----------------------------------------------------------------------------
def test_plan_level_waiver_turns_fail_into_waived():
    waiver = {"rule": "T-JOINT", "reason": "特殊情况", "approved_by": "县双随机办", "expires": "2026-12-31"}
    p = plan([task("T1", "joint"), task("T2"), task("T3")], waivers=[waiver])
    f = finding(both(ruleset([JOINT_SHARE]), plan=p, as_of=D(2026, 6, 1)), "T-JOINT")
    assert f.status == Status.waived and f.waiver.reason == "特殊情况" and f.waiver.scope == "plan"


def test_expired_waiver_does_not_apply_and_says_so():
    waiver = {"rule": "T-JOINT", "reason": "特殊情况", "expires": "2026-05-31"}
    p = plan([task("T1", "joint"), task("T2"), task("T3")], waivers=[waiver])
    f = finding(both(ruleset([JOINT_SHARE]), plan=p, as_of=D(2026, 6, 1)), "T-JOINT")
    assert f.status == Status.fail and f.waiver is None
    assert any("过期" in n.zh and "expired" in n.en for n in f.notes)


def test_task_level_waiver_removes_the_task_from_a_target():
    p = plan([task("T1", "joint"), task("T2", "joint"), task("T3", waivers=[{"rule": "T-JOINT", "reason": "安全生产专项"}])])
    f = finding(both(ruleset([JOINT_SHARE]), plan=p, as_of=D(2026, 6, 1)), "T-JOINT")
    assert f.status == Status.passed and f.measured == "2/2 (100%)"


def test_task_level_waiver_waives_that_tasks_offenders():
    p = plan([task("T1", waivers=[{"rule": "P-CERT", "reason": "临时借调"}]), task("T2")])
    bad = [{"id": "X", "certified": False}]
    only_t1 = [record("R1", "T1", D(2026, 5, 1), inspectors=bad)]
    f = finding(both(ruleset([UNCERTIFIED]), plan=p, records=only_t1, as_of=D(2026, 6, 1)), "P-CERT")
    assert f.status == Status.waived and f.offenders[0].detail["waived"] is True
    mixed = only_t1 + [record("R2", "T2", D(2026, 5, 1), cc=2, inspectors=bad)]
    f = finding(both(ruleset([UNCERTIFIED]), plan=p, records=mixed, as_of=D(2026, 6, 1)), "P-CERT")
    assert f.status == Status.fail and [o.detail.get("waived") for o in f.offenders] == [True, None]


def test_waiver_matching_nothing_is_reported():
    p = plan([task("T1", "joint"), task("T2", "joint")],
             waivers=[{"rule": "T-JOINT", "reason": "以防万一"}, {"rule": "NO-SUCH-RULE", "reason": "x"}])
    r = both(ruleset([JOINT_SHARE]), plan=p, as_of=D(2026, 6, 1))
    assert finding(r, "T-JOINT").status == Status.passed
    text = " ".join(w.zh for w in r.warnings)
    assert "NO-SUCH-RULE" in text and "T-JOINT" in text


def test_waiver_for_a_non_waivable_rule_is_an_error():
    rule = {**JOINT_SHARE, "waivable": False}
    p = plan([task("T1")], waivers=[{"rule": "T-JOINT", "reason": "x"}])
    with pytest.raises(InputError) as info:
        evaluate(ruleset([rule]), plan=p, as_of=D(2026, 6, 1), engine="python")
    assert info.value.first.code == "waiver.not_waivable" and "not waivable" in info.value.render("en")


# -- the report ----------------------------------------------------------------------------
def test_plan_year_outside_effective_period_is_warned():
    r = both(ruleset([JOINT_SHARE]), plan=plan([task("T1")], year=2027), as_of=D(2027, 6, 1))
    assert r.warnings and "2027" in r.warnings[0].zh


def test_same_inputs_give_byte_identical_json_and_summary_counts():
    rules = [JOINT_SHARE, UNCERTIFIED, MONTHLY]
    p = plan([task("T1", "joint"), task("T2")])
    recs = [record(f"R{i}", "T1", D(2026, 5, 1 + i % 20), cc=i, inspectors=[{"id": "A", "certified": i % 3 != 0}])
            for i in range(1, 50)]
    subs = [submission("monthly_report", D(2026, 2, 1), "2026-01")]
    a = evaluate(ruleset(rules), plan=p, records=recs, submissions=subs, as_of=D(2026, 6, 1), engine="python")
    b = evaluate(ruleset(rules), plan=p, records=iter(recs), submissions=subs, as_of=D(2026, 6, 1), engine="python")
    assert a.to_json() == b.to_json()
    assert [f.rule_id for f in a.findings] == ["T-JOINT", "P-CERT", "D-MONTH"]
    assert a.summary.total == 3 and sum(a.summary.by_status.values()) == 3
    assert a.summary.by_status["fail"] == 3 and a.summary.by_severity_failed["error"] == 3  # 1/2 joint, uncertified, months


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError):
        evaluate(ruleset([JOINT_SHARE]), as_of=D(2026, 6, 1), engine="drools")


def _duplicates_and_repeats():
    """Rules, a plan and records with duplicate and repeat inspections among 17 businesses."""
    rules = [{"id": "P-DUP", "kind": "prohibition", "applies_to": "records", "params": {"pattern": "duplicate_inspection"}},
             {"id": "P-REP", "kind": "prohibition", "applies_to": "records", "params": {"pattern": "repeat_inspection"}}]
    p = plan([task("T1"), task("T2")])
    recs = [record(f"R{i:03d}", "T1" if i % 3 else "T2", D(2026, 3, 1 + i % 28), line=i, cc=i % 17) for i in range(200)]
    return rules, p, recs


def test_candidates_spilled_to_disk_give_the_same_findings(monkeypatch):
    import policy_rules.evaluators.driver as driver
    rules, p, recs = _duplicates_and_repeats()
    expected = evaluate(ruleset(rules), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    original = driver.SpillList.__init__
    spills = []

    def small(self, keep=50_000, chunk=20_000):
        original(self, keep=5, chunk=7)
        spills.append(self)

    monkeypatch.setattr(driver.SpillList, "__init__", small)
    got = evaluate(ruleset(rules), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    assert spills and all(s.file is None for s in spills)  # closed
    assert all(s.spilled > 0 for s in spills)
    assert got.to_json() == expected.to_json()
    assert len(finding(got, "P-DUP").offenders) > 0 and len(finding(got, "P-REP").offenders) > 0


def test_deferred_fields_without_resolve_many_give_the_same_findings(monkeypatch):
    # the driver's own resolution, field by field through `value`, for a domain that only
    # gives `value`: the same offenders as the domain's chunk-wise `resolve_many`
    import shuangsuiji_core.stream_state as stream_state
    rules, p, recs = _duplicates_and_repeats()
    expected = evaluate(ruleset(rules), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    made = []
    original = stream_state.DeferredFields

    def only_value(**kwargs):
        made.append(kwargs.pop("resolve_many"))
        return original(**kwargs)

    monkeypatch.setattr(stream_state, "DeferredFields", only_value)
    got = evaluate(ruleset(rules), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    assert made  # the domain's resolve_many was offered and left out
    assert got.to_json() == expected.to_json()
    assert len(finding(got, "P-DUP").offenders) > 0 and len(finding(got, "P-REP").offenders) > 0
