"""The durable backend asserts each content once: without joins and absence, facts the
engine would see alike (same type, same values of the fields the queries read) get one
engine fact and share its answer. The answers stay the Python evaluator's, and the
catch-all count check and the fault handling hold on that path too."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_rules.compiled import Link, Query
from policy_rules.compiled import Test as Cond
from policy_rules.evaluators import PythonEvaluator, durable
from policy_rules.evaluators.durable import (CATCH_ALL, DurableEvaluator, EngineFailure, distinct_batch, distinct_facts,
                                             engine_facts, engine_rules, fields_read, spread)

from test_differential import FIELDS, conditions

pytestmark = pytest.mark.skipif(not durable.available()[0], reason="durable_rules not importable here")
D = dt.date

# few values per field, so a batch holds many alike facts
SMALL = {"x": st.none() | st.integers(0, 2), "y": st.none() | st.sampled_from(["a", "中文"]),
         "d": st.none() | st.dates(D(2026, 1, 1), D(2026, 1, 3)), "f": st.none() | st.booleans(),
         "k": st.none() | st.sampled_from(["K1", "K2"])}
alike_facts = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.fixed_dictionaries(SMALL)), max_size=80)


@st.composite
def single_fact_queries(draw):
    return [Query(f"q{i}", draw(st.sampled_from(["a", "b"])), tuple(draw(st.lists(conditions(), max_size=3))))
            for i in range(draw(st.integers(1, 6)))]


class _Sent:
    """The number of facts in each batch asserted into the in-process engine, while in use."""

    def __enter__(self):
        self.sizes: list[int] = []
        self.run = run = durable._Engine.run

        def counting(engine, payload, n, drop_one=False):
            if n:  # run() never asserts an empty batch
                self.sizes.append(len(json.loads(payload)))
            return run(engine, payload, n, drop_one)

        durable._Engine.run = counting
        return self

    def __exit__(self, *exc):
        durable._Engine.run = self.run


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_fact_queries(), alike_facts)
def test_alike_facts_get_the_python_evaluators_answer_from_one_engine_fact(qs, facts):
    facts = sorted(facts, key=lambda f: f[0])
    ev = DurableEvaluator(qs, FIELDS, workers=0)
    try:
        with _Sent() as sent:
            got = ev.match(facts)
        assert got == PythonEvaluator(qs).match(facts), (qs, facts)
    finally:
        ev.close()
    if facts:
        assert sent.sizes == [len(distinct_facts(facts, fields_read(qs, FIELDS)))]
    else:
        assert sent.sizes == []  # an empty batch is never sent


_values = st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["", "a", "1"]),
                    st.dates(D(2026, 1, 1), D(2026, 1, 2)), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.dictionaries(
    st.sampled_from(["x", "y", "z"]), _values, max_size=3)), max_size=40))
def test_facts_share_a_group_exactly_when_the_engine_would_see_them_alike(batch):
    names = {"a": ("x", "y"), "b": ("y",)}  # c: no field read
    groups = distinct_facts(batch, names)
    assert sorted(p for g in groups for p in g) == list(range(len(batch)))
    assert all(g == sorted(g) for g in groups) and [g[0] for g in groups] == sorted(g[0] for g in groups)

    def seen(pos):  # the engine's document, text as sent (each alone: the same engine id)
        return engine_facts([batch[pos]], names)

    group_of = {p: i for i, g in enumerate(groups) for p in g}
    for i in range(len(batch)):
        for j in range(len(batch)):
            assert (group_of[i] == group_of[j]) == (seen(i) == seen(j)), (batch[i], batch[j])


def test_true_one_and_one_point_zero_are_not_alike():
    batch = [("a", {"x": True}), ("a", {"x": 1}), ("a", {"x": 1.0}), ("a", {"x": True})]
    assert distinct_facts(batch, {"a": ("x",)}) == [[0, 3], [1], [2]]


def test_only_the_fields_the_queries_read_are_sent_and_unread_types_collapse():
    qs = [Query("q0", "a", (Cond("x", "eq", 1),), joins=(Link("b", (("k", "y"),), (Cond("f", "eq", True),)),)),
          Query("q1", "b", (Cond("d", "exists"),))]
    assert fields_read(qs, FIELDS) == {"a": ("k", "x"), "b": ("d", "f", "y")}
    assert fields_read(qs[1:], FIELDS) == {"b": ("d",)}
    batch = [("a", {"x": 1}), ("b", {"d": None, "y": "a"}), ("a", {"x": 2}), ("b", {"d": None, "y": "b"})]
    assert distinct_facts(batch, fields_read(qs[1:], FIELDS)) == [[0, 2], [1, 3]]


def test_spread_gives_every_fact_of_the_matched_groups_in_order():
    groups = [[0, 3, 5], [1], [2, 4]]
    assert spread({"q0": [0, 2], "q1": [1], "q2": []}, groups) == {"q0": [0, 2, 3, 4, 5], "q1": [1], "q2": []}


def test_single_fact_rules_and_the_catch_all_fire_once_per_batch_joins_and_absence_per_match():
    qs = [Query("q0", "a", (Cond("x", "eq", 1),)),
          Query("q1", "a", (), joins=(Link("b", (("k", "k"),)),)),
          Query("q2", "b", (), absent=(Link("a", (("k", "k"),)),))]
    rules = engine_rules(qs)
    assert rules["q0"]["cap"] == rules[CATCH_ALL]["cap"] == len(durable.ENGINE_IDS)
    assert "cap" not in rules["q1"] and "cap" not in rules["q2"]


QS = [Query("q0", "a", (Cond("x", "eq", 1),)), Query("q1", "b", (Cond("f", "eq", True), Cond("y", "exists")))]


def _batch(i: int = 0):
    return [("a", {"x": (p + i) % 3, "y": "a"}) for p in range(300)] + \
           [("b", {"f": p % 2 == 0, "y": None if p % 5 else "中文", "k": f"K{p}"}) for p in range(300)]


def test_several_batches_through_the_forked_child_and_a_worker_match_python():
    durable.shutdown_workers()
    ev = DurableEvaluator(QS, FIELDS, workers=1)
    try:
        for number in range(4):
            ev.submit(number, _batch(number))
            assert ev.collect(number) == PythonEvaluator(QS).match(_batch(number))
        assert len(ev.pool) == 1
    finally:
        ev.close()


@pytest.mark.parametrize("fault, path", [("kill", "forked"), ("kill", "worker"), ("drop", "forked"),
                                         ("drop", "worker"), ("drop", "in-process")])
def test_a_failing_batch_of_alike_facts_is_detected(fault, path):
    durable.shutdown_workers()
    ev = DurableEvaluator(QS, FIELDS, workers=0 if path == "in-process" else 1, faults={5: fault})
    try:
        if path == "worker":
            ev.match(_batch())
        ev.submit(5, _batch())
        with pytest.raises(EngineFailure):
            ev.collect(5)
        assert ev.match(_batch()) == PythonEvaluator(QS).match(_batch())
    finally:
        ev.close()


def test_a_hanging_batch_of_alike_facts_is_killed_after_the_time_bound():
    durable.shutdown_workers()
    ev = DurableEvaluator(QS, FIELDS, workers=1, timeout=1.0, faults={0: "hang"})
    try:
        ev.submit(0, _batch())
        with pytest.raises(EngineFailure, match="did not answer"):
            ev.collect(0)
    finally:
        ev.close()


def test_an_unhashable_value_sends_every_fact():
    qs = [Query("q0", "a", (Cond("y", "exists"),))]
    batch = [("a", {"y": ["not", "hashable"]}), ("a", {"y": None}), ("a", {"y": "a"}), ("a", {"y": "a"})]
    with pytest.raises(TypeError):
        distinct_facts(batch, fields_read(qs, FIELDS))
    ev = DurableEvaluator(qs, FIELDS, workers=0)
    try:
        with _Sent() as sent:
            assert ev.match(batch) == PythonEvaluator(qs).match(batch) == {"q0": [0, 2, 3]}
    finally:
        ev.close()
    assert sent.sizes == [4]


def test_a_batch_above_the_bound_is_refused_before_grouping():
    ev = DurableEvaluator(QS, FIELDS, workers=0)
    try:
        with pytest.raises(EngineFailure, match="above the bound"):
            ev.submit(0, [("a", {"x": 1})] * (len(durable.ENGINE_IDS) + 1))
    finally:
        ev.close()


def test_a_dropped_fact_is_detected_when_the_batch_is_one_engine_fact():
    ev = DurableEvaluator(QS, FIELDS, workers=0, faults={2: "drop"})
    try:
        ev.submit(2, [("a", {"x": 1})] * 5)
        with pytest.raises(EngineFailure, match="processed 0 of 1"):
            ev.collect(2)
        assert ev.match([("a", {"x": 1})] * 5) == {"q0": [0, 1, 2, 3, 4], "q1": []}
    finally:
        ev.close()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.dictionaries(
    st.sampled_from(["x", "y", "z"]), _values, max_size=3)), max_size=30), max_size=3))
def test_the_payload_of_alike_facts_is_the_engine_json_of_each_groups_first_fact(batches):
    names = {"a": ("x", "y"), "b": ("y",)}
    contents: dict = {}  # kept across the batches, as an evaluator keeps it
    for batch in batches:
        groups, payload = distinct_batch(batch, names, contents)
        assert groups == distinct_facts(batch, names)
        assert payload == engine_facts([batch[g[0]] for g in groups], names)


# -- capped firings read back whatever the text ----------------------------------------------
TRICKY_QS = [Query("q0", "a", (Cond("y", "eq", '{"m":{"id":2,'),)), Query("q1", "a", (Cond("y", "exists"),)),
             Query("q2", "a", (Cond("y", "neq", ""),)), Query("q3", "a", (Cond("y", "in", ('"', "\\")),)),
             Query("q4", "b", (Cond("y", "missing"),))]
tricky_text = st.text(alphabet='{}[]":\\mid,12 中', max_size=14) | st.sampled_from(['{"m":{"id":2,', '"', "\\"])
_engines: dict = {}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.fixed_dictionaries({"y": st.none() | tricky_text})),
                min_size=1, max_size=40))
def test_capped_firings_give_every_matching_fact_whatever_its_text(batch):
    if "engine" not in _engines:  # one ruleset for every example: the engine keeps what it creates
        _engines["engine"] = durable._Engine(engine_rules(TRICKY_QS), "tricky_texts")
    got = _engines["engine"].run(engine_facts(batch, FIELDS), len(batch))
    assert got == PythonEvaluator(TRICKY_QS).match(batch), batch
