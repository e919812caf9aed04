"""Every ruleset's self-tests pass, with both evaluators, and cover every rule with a
passing and a failing case; the runner itself reports what it must."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

import pytest

from policy_rules.errors import InputError
from policy_rules.selftest import run_selftests
from shuangsuiji_core.rulesets import (bundled_dir, bundled_rulesets, load_ruleset, run_ruleset_selftests,
                                       selftest_loaders)

ENGINES = ["python", "durable"]


def _engine_available(engine: str) -> bool:
    if engine != "durable":
        return True
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", bundled_rulesets(), ids=lambda p: p.stem)
def test_self_tests_pass(path, engine):
    if not _engine_available(engine):
        pytest.skip("durable_rules is not importable on this Python")
    result = run_ruleset_selftests(path, engine=engine)
    assert [c.name for c in result.cases if not c.ok] == [], result.render("zh")
    assert result.cases, "no cases ran"


@pytest.mark.parametrize("path", bundled_rulesets(), ids=lambda p: p.stem)
def test_every_rule_has_a_passing_and_a_failing_case(path):
    result = run_ruleset_selftests(path, engine="python")
    assert result.uncovered == {}, result.render("zh")
    assert result.ok


def _fake_evaluate(statuses: dict[str, str]):
    class F:
        def __init__(self, rid, st):
            self.rule_id, self.status = rid, st

    class R:
        def __init__(self):
            self.findings = [F(k, v) for k, v in statuses.items()]

    calls = []

    def evaluate(ruleset, plan=None, records=None, submissions=None, as_of=None):
        calls.append((plan, records, submissions, as_of))
        return R()
    return evaluate, calls


def _tests_file(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "qinghe-2026.tests.yaml"
    f.write_text(body, encoding="utf-8")
    return f


def test_a_wrong_expectation_is_reported_with_both_statuses(tmp_path):
    rs = load_ruleset("qinghe-2026")
    f = _tests_file(tmp_path, """ruleset: qinghe-2026
cases:
  - name: 故意写错的期望
    as_of: 2026-03-31
    plan: {id: P, year: 2026, department: 某局, tasks: [{id: T1, name: t, mode: internal}]}
    expect: {QH-JOINT-COUNT: pass}
""")
    from shuangsuiji_core.evaluation import evaluate
    result = run_selftests(f, rs, evaluate, selftest_loaders())
    assert not result.ok and result.failed == 1
    text = result.render("zh")
    assert "QH-JOINT-COUNT：期望 pass（通过），实际 fail（不通过）" in text
    assert "expected pass, got fail" in result.render("en")
    assert f"{f}:3" in text   # the case's line
    assert "QH-ITEM-LIST" in result.uncovered


def test_the_runner_is_generic_and_passes_inputs_and_as_of(tmp_path):
    rs = load_ruleset("qinghe-2026")
    f = _tests_file(tmp_path, """cases:
  - name: a
    as_of: 2026-05-01
    plan: {id: P}
    records: [{id: R1}]
    expect: {QH-JOINT-COUNT: waived}
""")
    evaluate, calls = _fake_evaluate({"QH-JOINT-COUNT": "waived"})
    result = run_selftests(f, rs, evaluate)          # no loaders: plain data passed on
    assert result.cases[0].ok
    assert calls == [({"id": "P"}, [{"id": "R1"}], None, _dt.date(2026, 5, 1))]


def test_an_evaluator_crash_fails_the_case_not_the_run(tmp_path):
    rs = load_ruleset("qinghe-2026")
    f = _tests_file(tmp_path, """cases:
  - {name: a, as_of: 2026-05-01, expect: {QH-JOINT-COUNT: pass}}
  - {name: b, as_of: 2026-05-01, expect: {QH-JOINT-COUNT: pass}}
""")

    def boom(*a, **k):
        raise ZeroDivisionError("x")
    result = run_selftests(f, rs, boom)
    assert result.failed == 2 and "ZeroDivisionError" in result.cases[0].failures[0].en


@pytest.mark.parametrize("body,code", [
    ("cases:\n  - {name: a, as_of: 2026-05-01, expect: {QH-NOPE: pass}}\n", "selftest.unknown_rule"),
    ("ruleset: yuanping-2024\ncases: []\n", "selftest.ruleset_mismatch"),
    ("cases:\n  - {name: a, as_of: 2026-05-01, expect: {QH-JOINT-COUNT: passed}}\n", "schema.choice"),
    ("cases:\n  - {name: a, as_of: 2026-05-01, plan_file: nope.yaml, expect: {QH-JOINT-COUNT: pass}}\n", None),
    ("include: [{file: nope.tests.yaml}]\n", "selftest.include_missing"),
])
def test_malformed_tests_files_are_located_errors(tmp_path, body, code):
    rs = load_ruleset("qinghe-2026")
    f = _tests_file(tmp_path, body)
    evaluate, _ = _fake_evaluate({})
    if code is None:   # a missing input file fails that case, with the file named
        result = run_selftests(f, rs, evaluate)
        assert "nope.yaml" in result.cases[0].failures[0].zh
        return
    with pytest.raises(InputError) as exc:
        run_selftests(f, rs, evaluate)
    assert exc.value.first.code == code
    assert exc.value.first.location.file == str(f)


def test_inline_inputs_are_validated_with_located_errors(tmp_path):
    rs = load_ruleset("qinghe-2026")
    f = _tests_file(tmp_path, """cases:
  - name: a
    as_of: 2026-05-01
    plan:
      id: P
      year: 2026
      department: 某局
      tasks:
        - {id: T1, name: t, mode: jiont}
    expect: {QH-JOINT-COUNT: pass}
""")
    from shuangsuiji_core.evaluation import evaluate
    result = run_selftests(f, rs, evaluate, selftest_loaders())
    failure = result.cases[0].failures[0].zh
    assert f"{f}:9" in failure and "mode" in failure


def test_include_reuses_cases_and_drops_named_expectations(tmp_path):
    folder = tmp_path / "rulesets"
    shutil.copytree(bundled_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    tob = folder / "shijiazhuang-tobacco-2025.tests.yaml"
    text = tob.read_text(encoding="utf-8")
    # without the drop, the city's 23rd-of-the-month case contradicts the tobacco ruleset
    tob.write_text(text.replace("drop_expectations: [SJZ-MONTHLY-REPORT, SJZ-PROGRESS-SUMMARY]",
                                "drop_expectations: []"), encoding="utf-8")
    result = run_ruleset_selftests(folder / "shijiazhuang-tobacco-2025.yaml", engine="python")
    failed = [c.name for c in result.cases if not c.ok]
    assert failed == ["1 月月报 1 月 23 日报送 — 当天按期", "一季度进展 3 月 28 日报送 — 当天按期"]


def test_expect_error_passes_only_when_that_problem_is_raised(tmp_path):
    from shuangsuiji_core.evaluation import evaluate
    rs = load_ruleset("qinghe-2026")
    plan = "{id: P, year: 2026, department: 某局, tasks: [{id: T1, name: t, mode: internal}], waivers: [%s]}"
    f = _tests_file(tmp_path, f"""cases:
  - name: refused as expected
    as_of: 2026-03-31
    plan: {plan % "{rule: QH-CREDIT-RISK, reason: r}"}
    expect_error: waiver.not_waivable
  - name: accepted although an error was expected
    as_of: 2026-03-31
    plan: {plan % "{rule: QH-JOINT-COUNT, reason: r}"}
    expect_error: waiver.not_waivable
  - name: refused with another problem
    as_of: 2026-03-31
    plan: {plan % "{rule: QH-CREDIT-RISK, reason: r}"}
    expect_error: waiver.unknown_rule
""")
    result = run_selftests(f, rs, evaluate, selftest_loaders())
    assert [c.ok for c in result.cases] == [True, False, False]
    assert "expected the input to be refused" in result.cases[1].failures[0].en
    assert "waiver.not_waivable" in result.cases[2].failures[0].en


def test_a_case_needs_expect_or_expect_error(tmp_path):
    rs = load_ruleset("qinghe-2026")
    f = _tests_file(tmp_path, "cases:\n  - {name: a, as_of: 2026-05-01}\n")
    with pytest.raises(InputError) as exc:
        run_selftests(f, rs, _fake_evaluate({})[0])
    assert "expect_error" in exc.value.render("en")
