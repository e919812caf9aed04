"""The hardened durable_rules backend: rule shape, engine ids, fault handling, fallback."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from engine_builders import plan, record, ruleset, task
from policy_rules.compiled import Link, Query
from policy_rules.compiled import Test as Cond
from policy_rules.evaluators import EngineOptions, PythonEvaluator, available
from policy_rules.evaluators.durable import (CATCH_ALL, ENGINE_IDS, DurableEvaluator, EngineFailure, engine_facts,
                                             engine_rules, fnv1a32)
from policy_rules.report import Status
from shuangsuiji_core.evaluation import evaluate

pytestmark = pytest.mark.skipif(not available()[0], reason="durable_rules is not available here")
D = dt.date

QUERIES = [
    Query("q0", "record", (Cond("method", "eq", "onsite"),)),
    Query("q1", "record", (Cond("n", "in", (1, 3)),), joins=(Link("task", (("task_id", "id"),), (Cond("rf", "eq", True),)),)),
    Query("q2", "record", (), absent=(Link("task", (("task_id", "id"),)),)),
    Query("q3", "record", (Cond("d", "gte", D(2026, 5, 1)), Cond("method", "neq", "video"))),
    Query("q4", "record", (Cond("method", "missing"),)),
]
FIELDS = {"record": ("d", "method", "n", "task_id"), "task": ("id", "rf")}


def facts():
    return [("task", {"id": "T1", "rf": True}), ("task", {"id": "T2", "rf": False}),
            ("record", {"task_id": "T1", "method": "onsite", "n": 1, "d": D(2026, 5, 1)}),
            ("record", {"task_id": "T2", "method": "video", "n": 3, "d": D(2026, 4, 1)}),
            ("record", {"task_id": "T9", "method": None, "n": 3, "d": D(2026, 6, 1)}),
            ("record", {"task_id": "T1", "method": "video", "n": 2, "d": None})]


def test_every_rule_starts_with_its_type_and_uses_only_whitelisted_operators():
    rules = engine_rules(QUERIES)
    text = json.dumps(rules)
    for banned in ('"$ne"', '"$in"', '"$mt"', '"$imt"'):
        assert banned not in text
    for name, rule in rules.items():
        if name == CATCH_ALL:
            continue
        for term in rule["all"]:
            (pattern,) = term.values()
            first = pattern["$and"][0] if "$and" in pattern else pattern
            assert set(first) == {"t"}
    assert rules[CATCH_ALL]["pri"] > max(r["pri"] for n, r in rules.items() if n != CATCH_ALL)
    assert {"$or": [{"u_n": 1}, {"u_n": 3}]} in rules["q1"]["all"][0]["m"]["$and"]


def test_engine_facts_leave_out_absent_fields_and_send_dates_as_day_numbers():
    docs = json.loads(engine_facts(facts(), FIELDS))
    assert docs[4] == {"id": ENGINE_IDS[4], "sid": "0", "t": "record", "u_n": 3, "u_task_id": "T9",
                       "u_d": D(2026, 6, 1).toordinal()}
    assert "u_d" not in docs[5]


def test_engine_ids_are_distinct_under_the_engines_32_bit_hash():
    assert fnv1a32("40189") == fnv1a32("797186")  # the collision measured in DURABLE_RULES.md
    hashes = {fnv1a32(str(i)) for i in ENGINE_IDS}
    assert len(hashes) == len(ENGINE_IDS)


@pytest.mark.parametrize("workers", [0, 1])
def test_durable_matches_python_on_a_batch(workers):
    ev = DurableEvaluator(QUERIES, FIELDS, workers=workers)
    try:
        assert ev.match(facts()) == PythonEvaluator(QUERIES).match(facts())
        assert ev.match(facts()) == {"q0": [2], "q1": [2], "q2": [4], "q3": [2], "q4": [4]}  # state was deleted in between
    finally:
        ev.close()


@pytest.mark.parametrize("fault", ["drop", "kill"])
def test_a_failing_batch_is_detected(fault):
    ev = DurableEvaluator(QUERIES, FIELDS, workers=1, faults={7: fault})
    try:
        ev.submit(7, facts())
        with pytest.raises(EngineFailure):
            ev.collect(7)
        assert ev.match(facts())["q0"] == [2]  # a fresh worker took over
    finally:
        ev.close()


def test_a_hanging_batch_is_killed_after_the_time_bound():
    ev = DurableEvaluator(QUERIES, FIELDS, workers=1, timeout=1.0, faults={3: "hang"})
    try:
        ev.submit(3, facts())
        with pytest.raises(EngineFailure, match="did not answer"):
            ev.collect(3)
    finally:
        ev.close()


def test_in_process_engine_is_safe_to_share_between_threads():
    ev = DurableEvaluator(QUERIES, FIELDS, workers=0)
    expected = PythonEvaluator(QUERIES).match(facts())
    results, errors = [], []

    def work():
        try:
            for _ in range(30):
                results.append(ev.match(facts()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 120 and all(r == expected for r in results)


# -- the whole evaluation survives an engine failure ---------------------------------------
RULES = [{"id": "P-CERT", "kind": "prohibition", "applies_to": "records", "params": {"pattern": "inspector_uncertified"}},
         {"id": "T-PUB", "kind": "target", "applies_to": "records",
          "params": {"metric": "result_disclosure_rate", "op": ">=", "threshold": "90%", "judge": "as_of"}},
         {"id": "T-EXEC", "kind": "target", "applies_to": "records",
          "params": {"metric": "planned_task_execution", "op": ">=", "threshold": 1, "judge": "as_of"}}]


def _inputs():
    p = plan([task(f"T{i}") for i in range(6)])
    recs = [record(f"R{i:03d}", f"T{i % 5}", D(2026, 5, 1 + i % 28), line=i, cc=i,
                   result_published_on=D(2026, 6, 1) if i % 4 else None,
                   inspectors=[{"id": "A", "certified": i % 7 != 0}, {"id": "B", "certified": True}])
            for i in range(1, 400)]
    return p, recs


@pytest.mark.parametrize("fault", ["kill", "drop", "hang"])
def test_engine_failure_on_one_batch_still_gives_the_complete_report(fault):
    p, recs = _inputs()
    expected = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    options = EngineOptions(workers=1, batch_size=100, timeout=2.0, faults={3: fault})
    got = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="durable", options=options)
    assert got.engine == "durable"
    assert len(got.engine_notes) == 1 and "batch 3" in got.engine_notes[0].en
    assert "re-evaluated by the Python evaluator" in got.engine_notes[0].en
    assert got.findings == expected.findings
    assert [f.status for f in got.findings] == [Status.fail, Status.fail, Status.fail]
    assert len(got.findings[0].offenders) == len([r for r in recs if int(r.id[1:]) % 7 == 0])


def test_two_workers_give_the_same_report():
    p, recs = _inputs()
    expected = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    got = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="durable",
                   options=EngineOptions(workers=2, batch_size=50))
    assert not got.engine_notes and got.findings == expected.findings


def test_without_durable_rules_auto_uses_python_and_says_so(monkeypatch):
    import policy_rules.evaluators as evaluators
    monkeypatch.setattr(evaluators, "available", lambda: (False, "ImportError: undefined symbol: PyEval_CallObject"))
    p, recs = _inputs()
    for engine in ("auto", "durable"):
        r = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine=engine)
        assert r.engine == "python" and len(r.engine_notes) == 1
        assert "PyEval_CallObject" in r.engine_notes[0].en and "durable_rules" in r.engine_notes[0].zh


def test_default_options_add_a_second_worker_for_a_long_stream():
    p, recs = _inputs()
    expected = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    got = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="durable",
                   options=EngineOptions(batch_size=40, grow_after=2))
    assert not got.engine_notes and got.findings == expected.findings
    from policy_rules.evaluators import durable
    assert any(len(workers) == 2 for workers in durable._IDLE.values())


def test_an_engine_failing_again_and_again_is_given_up_for_the_rest_of_the_stream():
    p, recs = _inputs()
    expected = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="python")
    faults = {n: "drop" for n in range(1, 100)}
    got = evaluate(ruleset(RULES), plan=p, records=recs, as_of=D(2026, 7, 1), engine="durable",
                   options=EngineOptions(workers=1, batch_size=50, faults=faults))
    assert got.findings == expected.findings
    # three failed batches (a fourth may already be under way), then one note for the rest
    assert 3 <= len(got.engine_notes) - 1 <= 4
    assert "in a row" in got.engine_notes[-1].en and "Python evaluator" in got.engine_notes[-1].en
