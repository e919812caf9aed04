"""Ruleset files and `extends`: merging, every error located and bilingual, the
resolved ruleset printed and read back, and the lint step."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from policy_rules.errors import InputError
from policy_rules.lint import check_ruleset
from policy_rules.quantities import parse_ratio
from policy_rules.resolve import dump_resolved, exact_ratio_text, load_ruleset_file, load_ruleset_text
from shuangsuiji_core.rulesets import lint_ruleset, load_ruleset
from shuangsuiji_core.vocabulary import FACT_FIELD_TYPES, FIELD_VALUES, load_vocabulary

META = """ruleset:
  id: {id}
  version: 1.0.0
  title: 测试
  issuer: 测试单位
  effective: {{start: 2026-01-01, end: 2026-12-31}}
  source_document: x.txt
"""

RULE_A = """  - id: T-JOINT
    kind: target
    title: {zh: 联合, en: joint}
    applies_to: plan
    waivable: true
    message: {zh: "占比 {{ measured }}", en: "share {{ measured }}"}
    source: {section: 一, quote: 联合抽查}
    params: {metric: joint_task_share, threshold: "60%", judge: as_of}
"""
RULE_B = """  - id: T-MONTHLY
    kind: deadline
    title: {zh: 月报, en: monthly}
    applies_to: submissions
    message: {zh: "月报 {{ due }}", en: "report {{ due }}"}
    source: {section: 三, quote: 每月23日前}
    params:
      submission: monthly_report
      schedule: {type: monthly, day: 23}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def base(folder: Path) -> Path:
    return write(folder, "base-2026.yaml", META.format(id="base-2026") + "rules:\n" + RULE_A + RULE_B)


def child(folder: Path, body: str, extends: str = "base-2026", name: str = "child-2026") -> Path:
    meta = META.format(id=name) + f"  extends: {extends}\n"
    return write(folder, f"{name}.yaml", meta + body)


def problem_of(call):
    with pytest.raises(InputError) as exc:
        call()
    return exc.value.first, exc.value


def line_of(path: Path, needle: str) -> int:
    return next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in l)


# ---- merging ------------------------------------------------------------------------------

def test_override_merges_field_by_field_and_keeps_order(tmp_path):
    base(tmp_path)
    c = child(tmp_path, """override:
  - id: T-MONTHLY
    params: {schedule: {day: 22}}
    title: {zh: 月报22, en: monthly 22}
rules:
""" + RULE_A.replace("T-JOINT", "T-NEW"))
    rs = load_ruleset_file(c)
    assert [r.id for r in rs.rules] == ["T-JOINT", "T-MONTHLY", "T-NEW"]
    m = rs.rule("T-MONTHLY")
    assert m.params.schedule.day == 22 and m.params.submission == "monthly_report"
    assert m.title.zh == "月报22" and m.source.quote == "每月23日前"
    assert rs.ruleset.id == "child-2026" and rs.ruleset.extends == "base-2026"


def test_override_changing_schedule_type_replaces_the_schedule(tmp_path):
    base(tmp_path)
    c = child(tmp_path, """override:
  - id: T-MONTHLY
    params:
      schedule: {type: dates, slots: [{period: "{year}-Q1", due: "03-25"}]}
""")
    sched = load_ruleset_file(c).rule("T-MONTHLY").params.schedule
    assert sched.type == "dates" and sched.slots[0].due == "03-25"


def test_remove_drops_an_inherited_rule(tmp_path):
    base(tmp_path)
    rs = load_ruleset_file(child(tmp_path, "remove: [T-JOINT]\n"))
    assert [r.id for r in rs.rules] == ["T-MONTHLY"]


def test_extends_by_relative_path_and_chains(tmp_path):
    sub = tmp_path / "parents"
    sub.mkdir()
    base(sub)
    mid = child(tmp_path, "override:\n  - {id: T-JOINT, params: {threshold: \"70%\"}}\n", extends="parents/base-2026.yaml",
                name="mid-2026")
    top = child(tmp_path, "override:\n  - {id: T-JOINT, waivable: false}\n", extends="mid-2026", name="top-2026")
    rs = load_ruleset_file(top)
    joint = rs.rule("T-JOINT")
    assert joint.params.threshold == Fraction(7, 10) and joint.waivable is False
    assert rs._origin.chain[0] == str(top) and len(rs._origin.chain) == 3
    assert mid.exists()


# ---- errors ---------------------------------------------------------------------------------

def test_unknown_parent(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "", extends="base-2025")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.unknown"
    assert p.location.file == str(c) and p.location.line == line_of(c, "extends:")
    assert "base-2026" in p.expected.zh and "base-2025" in p.render("en")


def test_cycle(tmp_path):
    child(tmp_path, "", extends="b-2026", name="a-2026")
    c = child(tmp_path, "", extends="a-2026", name="b-2026")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.cycle"
    assert "a-2026.yaml" in p.message.zh and "cycle" in p.message.en
    assert p.location.file.endswith("a-2026.yaml") and p.location.line == line_of(tmp_path / "a-2026.yaml", "extends:")


def test_self_extension_is_a_cycle(tmp_path):
    c = child(tmp_path, "", extends="self-2026", name="self-2026")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.cycle"


def test_path_outside_the_ruleset_folders(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    base(outside)
    folder = tmp_path / "rulesets"
    folder.mkdir()
    c = child(folder, "", extends="../elsewhere/base-2026.yaml")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.outside" and p.location.line == line_of(c, "extends:")
    assert "outside" in p.message.en
    # the same parent is fine once its folder is a search folder
    assert load_ruleset_file(c, [outside]).rule("T-JOINT")


def test_override_of_an_unknown_rule(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "override:\n  - id: T-JOINTT\n    waivable: false\n")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.override_unknown" and p.location.line == line_of(c, "T-JOINTT")
    assert p.path == ("override", 0, "id")


def test_remove_of_an_unknown_rule(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "remove:\n  - T-NOPE\n")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.remove_unknown" and p.location.line == line_of(c, "T-NOPE")


def test_new_rule_with_an_inherited_id_says_use_override(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "rules:\n" + RULE_A)
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.rule_exists" and "override" in p.message.zh and "override" in p.message.en
    assert p.location.line == line_of(c, "id: T-JOINT")


def test_override_may_not_change_the_kind(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "override:\n  - {id: T-JOINT, kind: deadline}\n")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.override_kind"


def test_override_with_a_bad_value_is_located_in_the_child(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "override:\n  - id: T-JOINT\n    params:\n      threshold: 120%\n")
    p, err = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "ratio.range" and p.location.file == str(c) and p.location.line == line_of(c, "120%")
    assert len(err.problems) == 1   # not also "expected an integer" for the other member of the union


def test_override_and_remove_need_extends(tmp_path):
    f = write(tmp_path, "lone-2026.yaml", META.format(id="lone-2026") + "remove: [X-Y]\n")
    p, _ = problem_of(lambda: load_ruleset_file(f))
    assert p.code == "extends.remove_without_parent"


def test_parent_id_must_match_the_name(tmp_path):
    write(tmp_path, "base-2026.yaml", META.format(id="other-2026") + "rules:\n" + RULE_A)
    c = child(tmp_path, "")
    p, _ = problem_of(lambda: load_ruleset_file(c))
    assert p.code == "extends.id_mismatch"


def test_duplicate_new_rule_ids(tmp_path):
    f = write(tmp_path, "dup-2026.yaml", META.format(id="dup-2026") + "rules:\n" + RULE_A + RULE_A)
    p, _ = problem_of(lambda: load_ruleset_file(f))
    assert "T-JOINT" in p.render("zh")


def test_schema_error_in_a_rule_is_located_at_the_value(tmp_path):
    f = write(tmp_path, "bad-2026.yaml", META.format(id="bad-2026") + "rules:\n" +
              RULE_A.replace("applies_to: plan", "applies_to: plans"))
    p, _ = problem_of(lambda: load_ruleset_file(f))
    assert p.path == ("rules", 0, "applies_to") and p.location.line == line_of(f, "applies_to: plans")


# ---- lint --------------------------------------------------------------------------------------

def test_lint_locates_unknown_names_and_fields_at_their_line(tmp_path):
    text = META.format(id="lint-2026") + "rules:\n" + RULE_A.replace("joint_task_share", "joint_tasks_share") + """  - id: T-ENTRY
    kind: deadline
    title: {zh: 录入, en: entry}
    applies_to: records
    message: {zh: "{{ offender_count }} 条", en: "{{ offender_count }}"}
    source: {section: 三, quote: 录入}
    params:
      schedule: {type: after_event, fact: record, start_field: inspected_on, end_field: result_enterd_on, within: 20,
                 when: [{field: method, op: eq, value: on-site}]}
  - id: T-MSG
    kind: prohibition
    title: {zh: 消息, en: message}
    applies_to: plan
    message: {zh: "{{ ruleset.__class__ }}", en: "x"}
    source: {section: 三, quote: 消息}
    params: {pattern: plan_not_published}
"""
    f = write(tmp_path, "lint-2026.yaml", text)
    rs = load_ruleset_file(f)
    problems = lint_ruleset(rs)
    by_code = {p.code: p for p in problems}
    assert set(by_code) == {"lint.unknown_metric", "lint.unknown_field", "lint.unknown_value", "message.unsafe"}
    assert "joint_task_share" in by_code["lint.unknown_metric"].message.zh          # did you mean
    assert by_code["lint.unknown_metric"].location.line == line_of(f, "joint_tasks_share")
    assert by_code["lint.unknown_field"].location.line == line_of(f, "result_enterd_on")
    assert by_code["lint.unknown_value"].location.line == line_of(f, "on-site")
    msg = [p for p in problems if p.code.startswith("message.")]
    assert msg and msg[0].location.line == line_of(f, "__class__")


def test_lint_of_an_inherited_rule_points_at_the_file_that_wrote_the_value(tmp_path):
    base(tmp_path)
    c = child(tmp_path, "override:\n  - id: T-JOINT\n    params: {metric: joint_task_shar}\n")
    problems = check_ruleset(load_ruleset_file(c), load_vocabulary(), FACT_FIELD_TYPES, FIELD_VALUES)
    assert [p.code for p in problems] == ["lint.unknown_metric"]
    assert problems[0].location.file == str(c) and problems[0].location.line == line_of(c, "joint_task_shar")


def test_scope_mismatch_between_rule_and_metric(tmp_path):
    f = write(tmp_path, "scope-2026.yaml", META.format(id="scope-2026") + "rules:\n" +
              RULE_A.replace("applies_to: plan", "applies_to: records"))
    assert [p.code for p in lint_ruleset(load_ruleset_file(f))] == ["lint.scope_mismatch"]


# ---- printing the resolved ruleset --------------------------------------------------------------

@pytest.mark.parametrize("ruleset_id", ["shijiazhuang-tobacco-2025", "qinghe-2026", "zanhuang-nrp-2024"])
def test_dump_resolved_loads_back_to_the_same_rules(ruleset_id, tmp_path):
    rs = load_ruleset(ruleset_id)
    text = dump_resolved(rs)
    assert "extends:" not in text.split("rules:", 1)[0].split("\n", 2)[-1]
    again = load_ruleset_text(text, "resolved.yaml", base_dir=tmp_path)
    assert again.rules == rs.rules
    assert again.ruleset.model_dump(exclude={"extends"}) == rs.ruleset.model_dump(exclude={"extends"})
    assert dump_resolved(again).split("\n", 1)[1] == text.split("\n", 1 + (rs.ruleset.extends is not None))[-1]


def test_dump_names_the_chain():
    assert "shijiazhuang-tobacco-2025.yaml → shijiazhuang-2025.yaml" in dump_resolved(load_ruleset("shijiazhuang-tobacco-2025"))


_decimal_ratios = st.builds(lambda n, d: Fraction(n, 10 ** d), st.integers(0, 10 ** 6), st.integers(0, 6)) \
    .filter(lambda f: f <= 1)


@given(_decimal_ratios)
def test_exact_ratio_text_round_trips(value):
    assert parse_ratio(exact_ratio_text(value)) == value


@settings(max_examples=25, deadline=None)
@given(_decimal_ratios)
def test_any_threshold_survives_override_and_dump(tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("rs")
    base(folder)
    c = child(folder, f"override:\n  - id: T-JOINT\n    params: {{threshold: \"{exact_ratio_text(value)}\"}}\n")
    rs = load_ruleset_file(c)
    assert rs.rule("T-JOINT").params.threshold == value
    again = load_ruleset_text(dump_resolved(rs), "x.yaml", base_dir=folder)
    assert again.rule("T-JOINT").params.threshold == value
