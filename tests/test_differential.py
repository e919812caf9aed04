"""Differential property tests: durable_rules and the Python evaluator agree exactly.

Two levels:
- matching: random queries (conditions with every operator, absent fields, equality
  joins, absence) over random facts give the same matches on both evaluators;
- reports: generated plans, records and submissions evaluated against every bundled
  ruleset give byte-identical reports on both engines (apart from the engine's name),
  whatever the record order and the batch size.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_builders import credit_code
from policy_rules.compiled import Link, Query
from policy_rules.compiled import Test as Cond
from policy_rules.evaluators import EngineOptions, PythonEvaluator, available
from policy_rules.evaluators.durable import DurableEvaluator
from shuangsuiji_core.evaluation import evaluate
from shuangsuiji_core.plan import Plan
from shuangsuiji_core.records import Record
from shuangsuiji_core.submissions import Submission

pytestmark = pytest.mark.skipif(not available()[0], reason="durable_rules is not available here")
D = dt.date

# -- matching ---------------------------------------------------------------------------------
VALUES = {
    "x": st.integers(-3, 3),
    "y": st.sampled_from(["a", "b", "中文", ""]),
    "d": st.dates(D(2026, 1, 1), D(2026, 1, 10)),
    "f": st.booleans(),
    "k": st.sampled_from(["K1", "K2", "K3"]),
}
FIELD_VALUES = {name: st.none() | values for name, values in VALUES.items()}
FIELDS = {"a": tuple(sorted(FIELD_VALUES)), "b": tuple(sorted(FIELD_VALUES))}


@st.composite
def conditions(draw):
    field = draw(st.sampled_from(sorted(FIELD_VALUES)))
    ops = ["eq", "neq", "exists", "missing", "in"] + (["gt", "gte", "lt", "lte"] if field in ("x", "d") else [])
    op = draw(st.sampled_from(ops))
    value_st = VALUES[field]
    if op in ("exists", "missing"):
        return Cond(field, op, None)
    if op == "in":
        return Cond(field, op, tuple(dict.fromkeys(draw(st.lists(value_st, min_size=1, max_size=3)))))
    return Cond(field, op, draw(value_st))


@st.composite
def links(draw, other):
    keys = draw(st.sampled_from([(("k", "k"),), (("k", "y"), ("x", "x")), (("y", "y"),)]))
    return Link(other, keys, tuple(draw(st.lists(conditions(), max_size=2))))


@st.composite
def queries(draw):
    out = []
    for i in range(draw(st.integers(1, 6))):
        fact = draw(st.sampled_from(["a", "b"]))
        joins = tuple(draw(st.lists(links(draw(st.sampled_from(["a", "b"]))), max_size=1)))
        # absence is order dependent in the engine: only of facts asserted earlier (a before b)
        absent = tuple(draw(st.lists(links("a"), max_size=1))) if fact == "b" else ()
        if any(j.fact == "a" for j in joins):
            absent = ()  # the compiler refuses a join and an absence of the same fact type
        out.append(Query(f"q{i}", fact, tuple(draw(st.lists(conditions(), max_size=3))), joins, absent))
    return out


facts_st = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.fixed_dictionaries(FIELD_VALUES)), max_size=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), facts_st)
def test_random_queries_match_identically(qs, facts):
    facts = sorted(facts, key=lambda f: f[0])  # a facts first, as the compiler's fact order does
    ev = DurableEvaluator(qs, FIELDS, workers=0)
    try:
        assert ev.match(facts) == PythonEvaluator(qs).match(facts), (qs, facts)
    finally:
        ev.close()


# -- whole reports ---------------------------------------------------------------------------
RULESETS = ["qinghe-2026", "shijiazhuang-2025", "shijiazhuang-tobacco-2025", "yuanping-2024", "zanhuang-nrp-2024"]


@lru_cache(maxsize=None)
def _ruleset(rid):
    from shuangsuiji_core.rulesets import load_ruleset
    return load_ruleset(rid)


dates = st.dates(D(2026, 1, 1), D(2026, 12, 31))
opt_dates = st.none() | dates
ratio = st.none() | st.sampled_from([0.01, 0.05, 0.1, 0.2])


@st.composite
def plans(draw):
    n = draw(st.integers(1, 5))
    tasks = []
    for i in range(n):
        mode = draw(st.sampled_from(["joint", "internal"]))
        start = draw(dates)
        t = {"id": f"T{i}", "name": f"任务{i}", "mode": mode, "industry": draw(st.sampled_from([None, "食品销售", "餐饮服务"])),
             "items": draw(st.lists(st.sampled_from(["甲", "乙", "丙"]), max_size=2, unique=True)),
             "uses_credit_risk": draw(st.booleans()), "remote_feasible": draw(st.none() | st.booleans()),
             "methods": draw(st.lists(st.sampled_from(["onsite", "video", "document_review"]), max_size=2, unique=True)),
             "planned_households": draw(st.none() | st.integers(0, 50))}
        if mode == "joint":
            t["partner_departments"] = ["县卫生健康局"]
        if draw(st.booleans()):
            t["sampling_ratio"] = {c: draw(ratio) for c in "ABCD"}
        if draw(st.booleans()):
            t["window"] = {"start": start, "end": start + dt.timedelta(days=draw(st.integers(0, 90)))}
        tasks.append(t)
    adjustments = [{"date": draw(dates), "description": "调整", "filed_on": draw(opt_dates), "published_on": draw(opt_dates)}
                   for _ in range(draw(st.integers(0, 2)))]
    return Plan.model_validate({"id": "P", "year": 2026, "department": "局", "published_on": draw(opt_dates),
                                "enterprise_count_prev_year_end": draw(st.none() | st.integers(0, 40)),
                                "tasks": tasks, "adjustments": adjustments})


@st.composite
def records(draw, n_tasks):
    out = []
    for i in range(draw(st.integers(0, 20))):
        inspected = draw(dates)
        later = st.none() | st.integers(0, 40).map(lambda k, d=inspected: d + dt.timedelta(days=k))
        follow = None
        if draw(st.booleans()):
            follow = {"action": draw(st.sampled_from(["case_filed", "rectification", "none_needed"])),
                      "recorded_on": draw(later), "published_on": draw(later)}
        flag = st.none() | st.booleans()
        out.append(Record.model_validate({
            "id": f"R{i:03d}", "task_id": f"T{draw(st.integers(0, n_tasks))}",
            "entity": {"credit_code": draw(st.none() | st.integers(1, 8).map(credit_code)),
                       "is_enterprise": draw(st.booleans()), "risk_class": draw(st.sampled_from([None, "A", "B", "C", "D"]))},
            "inspectors": [{"id": f"P{j}", "certified": draw(flag), "drawn_randomly": draw(flag),
                            "conflict_of_interest": draw(flag)} for j in range(draw(st.integers(0, 3)))],
            "drawn_randomly": draw(flag), "method": draw(st.sampled_from([None, "onsite", "video", "document_review"])),
            "inspected_on": inspected, "problems_found": draw(flag), "result_entered_on": draw(later),
            "result_published_on": draw(later), "follow_up": follow,
            "platform": draw(st.sampled_from([None, "provincial", "other"]))}))
    return out


KINDS = ["item_list_and_directories", "monthly_report", "progress_summary", "half_year_summary",
         "annual_self_inspection", "quarterly_report"]
submissions = st.lists(st.builds(
    lambda kind, period, day: Submission(kind=kind, period=period, submitted_on=day),
    st.sampled_from(KINDS), st.none() | st.sampled_from(["2026", "2026-03", "2026-05", "2026-Q1", "2026-Q2", "2026-H1"]),
    dates), max_size=8)


def _comparable(report):
    data = json.loads(report.to_json())
    data["engine"] = "-"
    return data


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RULESETS), plans(), st.data(), submissions, st.dates(D(2026, 2, 1), D(2027, 1, 31)),
       st.randoms(use_true_random=False), st.sampled_from([1, 3, 1000]))
def test_reports_identical_across_engines_order_and_batch_size(rid, plan, data, subs, as_of, rnd, batch):
    recs = data.draw(records(len(plan.tasks)))
    rs = _ruleset(rid)
    py = evaluate(rs, plan=plan, records=recs, submissions=subs, as_of=as_of, engine="python")
    du = evaluate(rs, plan=plan, records=recs, submissions=subs, as_of=as_of, engine="durable",
                  options=EngineOptions(workers=0, batch_size=batch))
    assert du.engine == "durable" and not du.engine_notes
    assert _comparable(du) == _comparable(py)
    shuffled = recs[:]
    rnd.shuffle(shuffled)
    again = evaluate(rs, plan=plan, records=iter(shuffled), submissions=subs, as_of=as_of, engine="python",
                     options=EngineOptions(batch_size=batch))
    assert again.to_json() == py.to_json()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data())
def test_reports_identical_with_worker_processes(plan, data):
    recs = data.draw(records(len(plan.tasks)))
    rs = _ruleset("qinghe-2026")
    py = evaluate(rs, plan=plan, records=recs, as_of=D(2026, 8, 1), engine="python")
    du = evaluate(rs, plan=plan, records=recs, as_of=D(2026, 8, 1), engine="durable",
                  options=EngineOptions(workers=2, batch_size=10))
    assert not du.engine_notes and _comparable(du) == _comparable(py)
