"""Plan and submissions loaders: every malformed case of issue 2 fails with a located,
readable message in both languages."""

import json

import pytest

from policy_rules.errors import InputError
from policy_rules.yaml_source import load_yaml_text
from shuangsuiji_core.loading import load_plan, load_submissions, plan_from_document, submissions_from_document


@pytest.fixture
def plan_text(contract_dir):
    return (contract_dir / "plan.yaml").read_text(encoding="utf-8")


def refused(tmp_path, text, name="plan.yaml", loader=load_plan):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        loader(f)
    for p in info.value.problems:  # every problem is located and bilingual
        assert p.location.file == str(f) and p.message.zh and p.message.en
    return info.value.problems


def only(problems):
    assert len(problems) == 1, [p.render("en") for p in problems]
    return problems[0]


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_duplicate_key_in_task(tmp_path, plan_text):
    text = plan_text.replace("      industry: 食品销售\n", "      industry: 食品销售\n      industry: 药品\n")
    p = only(refused(tmp_path, text))
    assert p.code == "yaml.duplicate_key" and p.path == ("plan", "tasks", 0, "industry")
    assert p.location.line == line_of(text, "industry: 药品")


def test_unknown_top_level_key(tmp_path, plan_text):
    text = plan_text + "palns: {}\n"
    p = only(refused(tmp_path, text))
    assert p.code == "schema.unknown_field" and p.path == ("palns",) and p.location.line == line_of(text, "palns")


def test_typo_in_plan_and_task_fields(tmp_path, plan_text):
    text = plan_text.replace("  year: 2026", "  yaer: 2026").replace("      industry:", "      industustry:")
    ps = refused(tmp_path, text)
    by_code = sorted((p.code, p.path) for p in ps)
    assert by_code == [("schema.missing", ("plan", "year")),
                       ("schema.unknown_field", ("plan", "tasks", 0, "industustry")),
                       ("schema.unknown_field", ("plan", "yaer"))]
    typo = next(p for p in ps if p.path == ("plan", "yaer"))
    assert typo.location.line == line_of(text, "yaer") and typo.location.column == 3
    assert "extra:" in typo.message.zh


def test_unknown_keys_allowed_under_extra(tmp_path, plan_text):
    text = plan_text.replace("      industry: 食品销售\n", "      industry: 食品销售\n      extra: {科室: 食品科, n: 3}\n")
    f = tmp_path / "plan.yaml"
    f.write_text(text, encoding="utf-8")
    assert load_plan(f).tasks[0].extra == {"科室": "食品科", "n": 3}


def test_yaml11_boolean_in_a_boolean_field(tmp_path, plan_text):
    text = plan_text.replace("uses_credit_risk: true", "uses_credit_risk: yes")
    p = only(refused(tmp_path, text))
    assert p.code == "schema.yaml11_bool" and p.path == ("plan", "tasks", 0, "uses_credit_risk")
    assert "true 或 false" in p.message.zh and "write true or false" in p.message.en
    assert (p.location.line, p.location.column) == (line_of(text, "uses_credit_risk"), 25)


def test_yaml11_boolean_in_a_date_field(tmp_path, plan_text):
    text = plan_text.replace("published_on: 2026-03-20", "published_on: on")
    p = only(refused(tmp_path, text))
    assert p.code == "schema.yaml11_bool" and p.path == ("plan", "published_on")
    assert "YYYY-MM-DD" in p.message.zh and "not a date" in p.message.en


def test_yaml11_word_in_a_text_field_is_just_text(tmp_path, plan_text):
    f = tmp_path / "plan.yaml"
    f.write_text(plan_text.replace("  region: 清河县", "  region: no"), encoding="utf-8")
    assert load_plan(f).region == "no"


def test_fullwidth_colon_turning_a_task_into_text(tmp_path):
    text = "plan:\n  id: X\n  year: 2026\n  department: d\n  tasks:\n    - id：QH-1\n"
    p = only(refused(tmp_path, text))
    assert p.code == "schema.fullwidth_colon" and p.path == ("plan", "tasks", 0)
    assert "全角冒号" in p.message.zh and "full-width colon" in p.message.en and (p.location.line == 6)


def test_fullwidth_colon_in_a_mapping_value(tmp_path, plan_text):
    text = plan_text.replace("sampling_ratio: {A: 0.02, B: 0.05, C: 0.10, D: 0.20}", "sampling_ratio: A：0.02")
    p = only(refused(tmp_path, text))
    assert p.code == "schema.fullwidth_colon" and p.path[-1] == "sampling_ratio" and "A: " in p.message.zh


def test_fullwidth_colon_at_the_top(tmp_path):
    ps = refused(tmp_path, "plan：x\n")
    assert {p.code for p in ps} == {"file.top_level", "schema.fullwidth_colon"}


def test_fullwidth_colon_line_inside_a_block_is_a_syntax_error_naming_it(tmp_path, plan_text):
    text = plan_text.replace("    - id: QH-2026-001             # required, unique in the plan", "    - id：QH-2026-001")
    p = only(refused(tmp_path, text))
    assert p.code == "yaml.syntax" and f"第 {line_of(text, 'id：QH')} 行有全角标点" in p.message.zh


def test_fullwidth_percent(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("C: 0.10", 'C: "10％"')))
    assert p.code == "ratio.fullwidth_percent" and p.path == ("plan", "tasks", 0, "sampling_ratio", "C")
    assert "％" in p.message.zh and "%" in p.message.en


@pytest.mark.parametrize("value", ["1.5", '"150%"', "-0.1"])
def test_ratio_outside_0_to_100_percent(tmp_path, plan_text, value):
    p = only(refused(tmp_path, plan_text.replace("C: 0.10", f"C: {value}")))
    assert p.code in ("ratio.range", "ratio.format") and p.path[-1] == "C"
    assert "0%" in p.expected.zh


@pytest.mark.parametrize("value,code", [("many", "schema.type"), ("-3", "schema.range"), ("1.5", "schema.type")])
def test_wrong_types(tmp_path, plan_text, value, code):
    p = only(refused(tmp_path, plan_text.replace("planned_households: 180", f"planned_households: {value}")))
    assert p.code == code and p.path == ("plan", "tasks", 0, "planned_households")
    assert p.found is not None and p.expected is not None


def test_number_where_text_expected_suggests_quotes(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("  id: QH-SMR-2026", "  id: 2026")))
    assert p.code == "schema.type" and "引号" in p.message.zh


def test_missing_required_fields(tmp_path, plan_text):
    text = plan_text.replace("      name: 食品销售经营者部门联合抽查   # required\n", "").replace(
        "  department: 清河县市场监督管理局   # required\n", "")
    ps = refused(tmp_path, text)
    assert sorted(p.path for p in ps) == [("plan", "department"), ("plan", "tasks", 0, "name")]
    assert all(p.code == "schema.missing" for p in ps)


def test_missing_field_folded_by_fullwidth_colon(tmp_path):
    text = "plan:\n  id: X\n  year: 2026\n  department: d\n  tasks:\n    - id: T\n      name: 检查 mode：joint\n"
    p = only(refused(tmp_path, text))
    assert p.code == "schema.fullwidth_colon" and p.path == ("plan", "tasks", 0, "mode")


def test_choice_and_joint_without_partner(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("mode: joint", "mode: jiont")))
    assert p.code == "schema.choice" and "joint" in p.expected.en
    p = only(refused(tmp_path, plan_text.replace("partner_departments: [清河县卫生健康局]", "partner_departments: []")))
    assert p.code == "plan.joint_without_partner" and p.path == ("plan", "tasks", 0)


def test_impossible_dates_yaml_and_json(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("2026-04-01", "2026-02-30")))
    assert p.code == "yaml.impossible_date" and p.path == ("plan", "tasks", 0, "window", "start")
    data = {"plan": {"id": "X", "year": 2026, "department": "d",
                     "tasks": [{"id": "T", "name": "n", "mode": "internal", "window": {"start": "2026-02-30",
                                                                                    "end": "2026-03-01"}}]}}
    p = only(refused(tmp_path, json.dumps(data, indent=2), "plan.json"))
    assert p.code == "schema.impossible_date" and p.location.line == 12 and p.location.column == 20


def test_window_ends_before_it_starts(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("end: 2026-06-30", "end: 2026-03-30")))
    assert p.code == "plan.window_order" and p.path == ("plan", "tasks", 0, "window")


def test_duplicate_task_ids_name_both(tmp_path):
    text = ("plan:\n  id: X\n  year: 2026\n  department: d\n  tasks:\n"
            "    - {id: T, name: a, mode: internal}\n    - {id: T, name: b, mode: internal}\n")
    p = only(refused(tmp_path, text))
    assert p.code == "plan.duplicate_task_id" and p.location.line == 7 and "第 6 行" in p.message.zh


def test_json_plan_with_positions(tmp_path, plan_text):
    data = load_yaml_text(plan_text).data
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    plan = load_plan(f)
    assert plan.tasks[0].location.line == 11 and plan.tasks[0].window.start.isoformat() == "2026-04-01"
    bad = json.loads(f.read_text(encoding="utf-8"))
    bad["plan"]["tasks"][0]["uses_credit_risk"] = "yes"
    bad_text = json.dumps(bad, ensure_ascii=False, indent=2)
    p = only(refused(tmp_path, bad_text, "plan.json"))
    assert p.path == ("plan", "tasks", 0, "uses_credit_risk")
    assert (p.location.line, p.location.column) == (line_of(bad_text, '"uses_credit_risk"'), 29)


def test_empty_and_not_utf8_and_missing(tmp_path):
    assert only(refused(tmp_path, "")).code == "file.empty"
    f = tmp_path / "gbk.yaml"
    f.write_bytes("plan:\n  department: 清河县\n".encode("gb18030"))
    with pytest.raises(InputError) as info:
        load_plan(f)
    assert info.value.first.code == "file.encoding" and "另存为 UTF-8" in info.value.first.message.zh
    with pytest.raises(InputError) as info:
        load_plan(tmp_path / "absent.yaml")
    assert info.value.first.code == "file.not_found"


def test_plan_must_be_a_mapping(tmp_path):
    assert only(refused(tmp_path, "- a\n- b\n")).code == "file.top_level"
    assert only(refused(tmp_path, "plan: 3\n")).code == "schema.type"


def test_plan_from_document_points_into_the_embedding_file():
    text = ("cases:\n  - name: one\n    plan:\n      id: X\n      year: 2026\n      department: d\n"
            "      tasks:\n        - {id: T, name: n, mode: internal, colour: red}\n")
    doc = load_yaml_text(text, "suite.tests.yaml")
    with pytest.raises(InputError) as info:
        plan_from_document(doc, prefix=("cases", 0, "plan"))
    p = only(info.value.problems)
    assert p.path == ("cases", 0, "plan", "tasks", 0, "colour") and p.location.line == 8
    assert p.location.file == "suite.tests.yaml"
    ok = load_yaml_text(text.replace(", colour: red", ""), "suite.tests.yaml")
    plan = plan_from_document(ok, prefix=("cases", 0, "plan"))
    assert plan.location.line == 4 and plan.tasks[0].location.line == 8


# -- submissions ------------------------------------------------------------------------

def test_submission_errors(tmp_path):
    text = ("submissions:\n  - kind: monthly_report\n    period: 2026-13\n    submitted_on: 2026-05-22\n"
            "  - kind: annual_self_inspection\n    submited_on: 2026-11-10\n")
    ps = refused(tmp_path, text, "s.yaml", load_submissions)
    assert [(p.code, p.path, p.location.line) for p in ps] == [
        ("submission.period", ("submissions", 0, "period"), 3),
        ("schema.missing", ("submissions", 1, "submitted_on"), 5),
        ("schema.unknown_field", ("submissions", 1, "submited_on"), 6)]


def test_submissions_top_level(tmp_path):
    ps = refused(tmp_path, "submission: []\n", "s.yaml", load_submissions)
    assert {p.code for p in ps} == {"schema.unknown_field", "schema.missing"}


def test_submissions_empty_list_and_embedded(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("submissions: []\n", encoding="utf-8")
    assert load_submissions(f) == []
    doc = load_yaml_text("case:\n  submissions:\n    - {kind: monthly_report, period: 2026-05, submitted_on: 2026-05-22}\n",
                         "t.yaml")
    [s] = submissions_from_document(doc, prefix=("case", "submissions"))
    assert s.location.line == 3 and s.period == "2026-05"


def test_a_field_named_date_is_a_field_not_a_pydantic_label(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("    - date: 2026-07-01", "    - date: soon")))
    assert p.code == "schema.date" and p.path == ("plan", "adjustments", 0, "date")
    assert p.location.line == line_of(plan_text, "- date: 2026-07-01")


def test_json_plan_with_characters_beyond_the_bmp(tmp_path, plan_text):
    data = load_yaml_text(plan_text).data
    data["plan"]["department"] = "\U00020000县市场监督管理局"  # json.dumps writes a surrogate pair
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    assert "\\ud840" in f.read_text(encoding="utf-8")
    assert load_plan(f).department == "\U00020000县市场监督管理局"


def test_percent_written_as_a_whole_number_gets_a_hint(tmp_path, plan_text):
    p = only(refused(tmp_path, plan_text.replace("C: 0.10", "C: 10")))
    assert p.code == "ratio.range" and '"10%"' in p.message.zh and "0.1" in p.message.en
