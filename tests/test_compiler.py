"""The compiler: typed values, located refusals, engine limits, shared queries."""

from __future__ import annotations

import datetime as dt

import pytest

from engine_builders import ruleset
from policy_rules.compiled import Test as Cond
from policy_rules.compiler import MAX_RULES_PER_FACT, compile_ruleset
from policy_rules.errors import InputError
from policy_rules.evaluators.durable import engine_rules
from shuangsuiji_core import facts as F
from shuangsuiji_core.evaluation import compile_for_domain
from shuangsuiji_core.vocabulary import load_vocabulary


def compile_(rules):
    return compile_ruleset(ruleset(rules), load_vocabulary(), F.field_types(), streamed=F.STREAMED,
                           unit_keys=F.UNIT_KEYS, deferred=F.DEFERRED)


def prohibition(rid, match, applies_to="records"):
    return {"id": rid, "kind": "prohibition", "applies_to": applies_to, "params": {"match": match}}


def test_values_are_converted_to_field_types():
    c = compile_([prohibition("P-LATE", {"fact": "record", "where": [
        {"field": "inspected_on", "op": "gt", "value": dt.date(2026, 5, 1)},
        {"field": "method", "op": "in", "value": ["onsite", "video", "onsite"]},
        {"field": "result_published_on", "op": "eq", "value": None}]})])
    (q,) = c.queries
    assert set(q.tests) == {Cond("inspected_on", "gt", dt.date(2026, 5, 1)), Cond("method", "in", ("onsite", "video")),
                            Cond("result_published_on", "missing", None)}


@pytest.mark.parametrize("where,code", [
    ({"field": "inspected_on", "op": "gt", "value": "last week"}, "compile.value_type"),
    ({"field": "inspector_count", "op": "gt", "value": "2"}, "compile.value_type"),
    ({"field": "is_enterprise", "op": "eq", "value": 1}, "compile.value_type"),
    ({"field": "method", "op": "gt", "value": "onsite"}, "compile.order_type"),
    ({"field": "inspected_on", "op": "lt", "value": None}, "compile.null_order"),
])
def test_wrong_values_are_refused_bilingually(where, code):
    with pytest.raises(InputError) as info:
        compile_([prohibition("P-X", {"fact": "record", "where": [where]})])
    codes = [p.code for p in info.value.problems]
    assert code in codes or any(c.startswith("lint.") for c in codes), codes
    assert "P-X" in info.value.render("zh") and "P-X" in info.value.render("en")


def test_unknown_field_is_a_located_error():
    with pytest.raises(InputError) as info:
        compile_([prohibition("P-X", {"fact": "record", "where": [{"field": "methd", "op": "eq", "value": "onsite"}]})])
    assert "methd" in info.value.render("en")


def test_join_between_unrelated_streamed_facts_is_refused():
    with pytest.raises(InputError) as info:
        compile_([prohibition("P-X", {"fact": "record", "join": [{"fact": "inspector", "on": {"credit_code": "credit_code"}}]})])
    assert info.value.first.code == "compile.streamed_join"


def test_join_within_a_unit_is_allowed_and_absence_orders_facts():
    c = compile_([prohibition("P-NOINSP", {"fact": "record", "absent": [
        {"fact": "inspector", "on": {"id": "record_id"}, "where": [{"field": "certified", "op": "eq", "value": True}]}]})])
    assert c.fact_order.index("inspector") < c.fact_order.index("record")


def test_absence_of_streamed_facts_for_a_plan_fact_becomes_a_complement():
    c = compile_([prohibition("P-UNUSED", {"fact": "task", "absent": [{"fact": "record", "on": {"id": "task_id"}}]},
                              applies_to="records")])
    sel = c.prohibitions["P-UNUSED"].selection
    assert not sel.streamed_primary and len(sel.minus) == 1
    helper = c.query(sel.minus[0])
    assert helper.joins and helper.joins[0].fact == "record"


def test_deferred_fields_are_left_to_shared_code():
    c = compile_([prohibition("P-DUP", {"fact": "record", "where": [
        {"field": "duplicate_in_task", "op": "eq", "value": True}, {"field": "method", "op": "eq", "value": "onsite"}]})])
    sel = c.prohibitions["P-DUP"].selection
    assert sel.deferred == (Cond("duplicate_in_task", "eq", True),)
    assert c.query(sel.query).tests == (Cond("method", "eq", "onsite"),)
    assert "duplicate_in_task" not in c.fields_used["record"]


def test_identical_patterns_compile_to_one_query():
    m = {"fact": "record", "where": [{"field": "method", "op": "eq", "value": "onsite"}]}
    c = compile_([prohibition("P-A", m), prohibition("P-B", m)])
    assert len(c.queries) == 1


def test_too_many_conditions_on_one_fact_is_refused():
    where = [{"field": "inspector_count", "op": "neq", "value": i} for i in range(70)]
    with pytest.raises(InputError) as info:
        compile_([prohibition("P-MANY", {"fact": "record", "where": where})])
    assert info.value.first.code == "compile.too_many_conditions"
    assert "64" in info.value.render("zh") and "limit" in info.value.render("en")


def test_too_many_joined_facts_is_refused():
    joins = [{"fact": "task", "on": {"task_id": "id"}, "where": [{"field": "partner_count", "op": "gte", "value": i}]}
             for i in range(17)]
    with pytest.raises(InputError) as info:
        compile_([prohibition("P-JOINS", {"fact": "record", "join": joins})])
    assert "compile.too_many_facts" in [p.code for p in info.value.problems]


def test_too_many_rules_on_one_fact_is_refused():
    rules = [prohibition(f"P-N{i}", {"fact": "record", "where": [{"field": "inspector_count", "op": "eq", "value": i}]})
             for i in range(MAX_RULES_PER_FACT + 1)]
    with pytest.raises(InputError) as info:
        compile_(rules)
    assert info.value.first.code == "compile.too_many_rules"


@pytest.mark.parametrize("rid", ["qinghe-2026", "shijiazhuang-2025", "shijiazhuang-tobacco-2025", "yuanping-2024",
                                 "zanhuang-nrp-2024"])
def test_bundled_rulesets_compile_within_the_engine_limits(rid):
    from shuangsuiji_core.rulesets import load_ruleset
    c = compile_for_domain(load_ruleset(rid))
    rules = engine_rules(c.queries)
    assert len(rules) == len(c.queries) + 1
    assert all(len(fields) <= 249 for fields in c.fields_used.values())


def test_python_predicates_never_paste_user_text_into_code():
    from policy_rules.evaluators.python import _predicate
    with pytest.raises(ValueError):
        _predicate([Cond("x) or __import__('os').system('true') or (1", "eq", 1)])
    pred = _predicate([Cond("name", "eq", "') or True or ('")])
    assert pred({"name": "') or True or ('"}) and not pred({"name": "other"})
