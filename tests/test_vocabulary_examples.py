"""Every metric and pattern's passing and failing example, written beside its
definition (`check:` in metrics.yaml / patterns.yaml), run through the real evaluator
with both engines: the definitions mean what their documentation says."""

from __future__ import annotations

import datetime as _dt

import pytest

from policy_rules.errors import InputError
from policy_rules.schema import Ruleset
from policy_rules.yaml_source import load_yaml_text
from shuangsuiji_core.loading import plan_from_document, records_from_document, submissions_from_document
from shuangsuiji_core.vocabulary import example_checks

AS_OF = _dt.date(2026, 12, 31)
# The plan an example runs against unless it brings its own.
DEFAULT_PLAN = {
    "id": "P", "year": 2026, "department": "某局", "published_on": _dt.date(2026, 3, 1),
    "enterprise_count_prev_year_end": 100,
    "tasks": [
        {"id": "T1", "name": "联合", "mode": "joint", "partner_departments": ["某部门"], "industry": "食品销售",
         "items": ["甲"], "uses_credit_risk": True, "remote_feasible": True, "methods": ["document_review"],
         "planned_households": 10, "window": {"start": _dt.date(2026, 4, 1), "end": _dt.date(2026, 6, 30)}},
        {"id": "T2", "name": "内部", "mode": "internal", "industry": "药品", "items": ["乙"],
         "uses_credit_risk": False, "remote_feasible": False, "methods": ["onsite"], "planned_households": 10},
    ],
}
CHECKS = example_checks()


def _ruleset(name: str, kind: str, scope, threshold) -> Ruleset:
    rule = {"id": "X-EXAMPLE", "title": {"zh": name, "en": name}, "applies_to": scope.value,
            "message": {"zh": "{{ measured }}", "en": "{{ measured }}"}, "source": {"section": "s", "quote": "q"}}
    if kind == "metric":
        rule |= {"kind": "target", "params": {"metric": name, "threshold": threshold, "judge": "as_of"}}
    else:
        rule |= {"kind": "prohibition", "params": {"pattern": name}}
    return Ruleset.model_validate({"ruleset": {
        "id": "vocabulary-examples", "version": "1.0.0", "title": "t", "issuer": "i",
        "effective": {"start": "2026-01-01", "end": "2026-12-31"}, "source_document": "x"}, "rules": [rule]})


def _inputs(example: dict, doc, path) -> dict:
    wrapped = load_yaml_text("x: 1", "<default plan>")
    plan_data = example.get("plan", DEFAULT_PLAN)
    plan_doc, plan_prefix = (doc, path + ("plan",)) if "plan" in example else (wrapped, ())
    out = {"plan": plan_from_document(plan_doc, data=plan_data, prefix=plan_prefix)}
    if "records" in example:
        out["records"] = records_from_document(doc, prefix=path + ("records",))
    if "submissions" in example:
        out["submissions"] = submissions_from_document(doc, prefix=path + ("submissions",))
    return out


def _cases():
    for name, (kind, scope, check, doc, path) in sorted(CHECKS.items()):
        for expected, example in (("pass", check.pass_), ("fail", check.fail)):
            if example is not None:
                yield pytest.param(name, expected, id=f"{name}-{expected}")


@pytest.mark.parametrize("engine", ["python", "durable"])
@pytest.mark.parametrize("name,expected", list(_cases()))
def test_example(name, expected, engine):
    from shuangsuiji_core.evaluation import evaluate
    kind, scope, check, doc, path = CHECKS[name]
    example = check.pass_ if expected == "pass" else check.fail
    inputs = _inputs(example, doc, path + (expected,))
    if scope.value == "records" and "records" not in inputs:
        inputs["records"] = []
    report = evaluate(_ruleset(name, kind, scope, check.threshold), as_of=AS_OF, engine=engine, **inputs)
    (finding,) = report.findings
    assert finding.status.value == expected, (name, finding.measured, [o.id for o in finding.offenders])
    if kind == "pattern" and expected == "fail":
        assert finding.offenders


def test_every_entry_has_a_passing_and_a_failing_example():
    for name, (kind, scope, check, doc, path) in CHECKS.items():
        assert check.pass_ is not None, name
        assert (check.fail is None) != (check.fail_refused_by_the_plan_format is None), name
        if kind == "metric":
            assert check.threshold is not None, name


def test_unreachable_failures_are_refused_by_the_plan_format():
    for name, (kind, scope, check, doc, path) in CHECKS.items():
        if check.fail_refused_by_the_plan_format is not None:
            with pytest.raises(InputError):
                plan_from_document(doc, prefix=path + ("fail_refused_by_the_plan_format", "plan"))
