"""policy-rules: list, show, lint, test, check, explain, diff, schema, lock."""

from __future__ import annotations

import json

import pytest
import yaml

from shuangsuiji_core.commands import ruleset_commands
from shuangsuiji_core.commands.ruleset_commands import display_width

from cli_helpers import ROOT, run_main

RULESETS = ROOT / "rulesets"
MAIN = ruleset_commands.main


def test_list_shows_every_bundled_ruleset(capsys):
    rc, out, _ = run_main(MAIN, ["list"], capsys)
    assert rc == 0
    ids = sorted(p.stem for p in RULESETS.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
    for rid in ids:
        assert rid in out
    rc, out, _ = run_main(MAIN, ["list", "--format", "json"], capsys)
    rows = json.loads(out)
    assert sorted(r["id"] for r in rows) == ids
    assert all(r["version"] and r["title"] and r["rules"] > 0 for r in rows)
    tobacco = next(r for r in rows if r["id"] == "shijiazhuang-tobacco-2025")
    assert tobacco["extends"] == "shijiazhuang-2025"


def test_list_columns_line_up_with_chinese_titles(capsys):
    _, out, _ = run_main(MAIN, ["list", "--format", "json"], capsys)
    titles = [r["title"] for r in json.loads(out)]
    _, out, _ = run_main(MAIN, ["list"], capsys)
    lines = out.splitlines()[1:]
    # the title column starts at the same terminal column on every line (CJK counts double)
    starts = {display_width(line[: line.index(title)]) for line, title in zip(lines, titles)}
    assert len(starts) == 1


def test_show_prints_the_resolved_ruleset(capsys):
    rc, out, _ = run_main(MAIN, ["show", "shijiazhuang-tobacco-2025"], capsys)
    assert rc == 0
    data = yaml.safe_load(out)
    assert data["ruleset"]["id"] == "shijiazhuang-tobacco-2025"
    assert "extends" not in data["ruleset"]
    assert any(r["id"] == "SJZ-JOINT-COUNT" for r in data["rules"])  # inherited rules are written out
    rc, out, _ = run_main(MAIN, ["show", "--format", "json", "qinghe-2026"], capsys)
    assert rc == 0 and json.loads(out)["ruleset"]["id"] == "qinghe-2026"


def test_show_unknown_id_is_a_clean_error(capsys):
    rc, out, err = run_main(MAIN, ["show", "atlantis-2099"], capsys)
    assert rc == 2 and out == "" and "ruleset.unknown_id" in err and "qinghe-2026" in err


def test_lint_clean_and_broken(tmp_path, capsys):
    rc, _, err = run_main(MAIN, ["lint", str(RULESETS)], capsys)
    assert rc == 0 and "未发现问题" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "ruleset:\n  id: bad\n  version: 1.0.0\n  title: t\n  issuer: i\n"
        "  effective: {start: 2026-01-01, end: 2026-12-31}\n  source_document: x.txt\n"
        "rules:\n  - id: BAD-ONE\n    kind: target\n    title: {zh: 甲, en: a}\n    applies_to: plan\n"
        "    params: {metric: joint_task_shares, op: '>=', threshold: '60%'}\n"
        "    message: {zh: \"{{ ''.__class__ }}\", en: m}\n"
        "    source: {section: 一, quote: 原文}\n", encoding="utf-8")
    rc, _, err = run_main(MAIN, ["lint", str(bad)], capsys)
    assert rc == 1
    assert f"{bad}:13:" in err            # the unknown metric, on its line
    assert "joint_task_share" in err      # ... with the name it probably meant
    assert "发现" in err
    rc, _, err = run_main(MAIN, ["--lang", "en", "lint", str(bad)], capsys)
    assert rc == 1 and "unknown metric" in err


def test_lint_missing_file_is_exit_2(tmp_path, capsys):
    rc, _, err = run_main(MAIN, ["lint", str(tmp_path / "nope.yaml")], capsys)
    assert rc == 2 and "file.not_found" in err


def test_test_runs_self_tests(tmp_path, capsys):
    rc, out, err = run_main(MAIN, ["test", str(RULESETS / "qinghe-2026.yaml")], capsys)
    assert rc == 0, out + err
    assert "失败 0" in err and "通过" in out
    # a failing case: copy the ruleset and its tests, and flip one expectation
    tests = yaml.safe_load((RULESETS / "qinghe-2026.tests.yaml").read_text(encoding="utf-8"))
    case = tests["cases"][0]
    rule, status = next(iter(case["expect"].items()))
    case["expect"][rule] = "fail" if status != "fail" else "pass"
    (tmp_path / "qinghe-2026.yaml").write_text((RULESETS / "qinghe-2026.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "qinghe-2026.tests.yaml").write_text(yaml.safe_dump(tests, allow_unicode=True), encoding="utf-8")
    rc, out, err = run_main(MAIN, ["test", str(tmp_path)], capsys)
    assert rc == 1, out + err
    assert "失败 1" in err


def test_check_is_lint_then_tests(capsys):
    rc, out, err = run_main(MAIN, ["check", str(RULESETS)], capsys)
    assert rc == 0, err
    assert "未发现问题" in err and "自测" in err


def test_explain_names_kind_parameters_and_quote(capsys):
    rc, out, _ = run_main(MAIN, ["explain", "QH-CREDIT-RISK"], capsys)
    assert rc == 0
    assert "QH-CREDIT-RISK" in out and "qinghe-2026" in out
    assert "credit_risk_task_share" in out and "95%" in out
    from shuangsuiji_core.rulesets import load_ruleset
    quote = load_ruleset("qinghe-2026").rule("QH-CREDIT-RISK").source.quote
    assert f"“{quote}”" in out
    assert "规则种类说明" in out and "度量 credit_risk_task_share" in out
    rc, out, _ = run_main(MAIN, ["--lang", "en", "explain", "QH-CREDIT-RISK"], capsys)
    assert rc == 0 and "parameters:" in out and "about this kind" in out


def test_explain_unknown_rule(capsys):
    rc, _, err = run_main(MAIN, ["explain", "NO-SUCH-RULE"], capsys)
    assert rc == 2 and "cli.unknown_rule" in err


def test_schema_is_the_ruleset_json_schema(capsys):
    rc, out, _ = run_main(MAIN, ["schema"], capsys)
    assert rc == 0
    schema = json.loads(out)
    assert schema == json.loads((ROOT / "docs" / "ruleset.schema.json").read_text(encoding="utf-8"))


def test_diff_between_a_ruleset_and_its_changed_child(tmp_path, capsys):
    child = tmp_path / "qinghe-2026-b.yaml"
    child.write_text(
        "ruleset:\n  id: qinghe-2026-b\n  version: 1.1.0\n  title: t\n  issuer: i\n"
        "  effective: {start: 2026-01-01, end: 2026-12-31}\n  source_document: x.txt\n  extends: qinghe-2026\n"
        "override:\n  - {id: QH-CREDIT-RISK, params: {threshold: \"90%\"}}\nremove: [QH-NO-REPEAT]\n", encoding="utf-8")
    rc, out, _ = run_main(MAIN, ["diff", "qinghe-2026", str(child)], capsys)
    assert rc == 0
    assert "QH-CREDIT-RISK" in out and "95%" in out and "90%" in out
    removed = out.split("删除的规则", 1)[1]
    assert "QH-NO-REPEAT" in removed
    rc, out, _ = run_main(MAIN, ["diff", "--format", "json", "qinghe-2026", str(child)], capsys)
    data = json.loads(out)
    assert data["removed"] == ["QH-NO-REPEAT"]
    rc, out, _ = run_main(MAIN, ["--lang", "en", "diff", "--format", "markdown", "qinghe-2026", str(child)], capsys)
    assert "## Removed rules" in out and "`QH-NO-REPEAT`" in out


def test_lock_check(capsys):
    rc, _, err = run_main(MAIN, ["lock", "--check", str(RULESETS)], capsys)
    assert rc == 0, err


def test_a_hostile_message_template_is_refused(tmp_path, capsys):
    from shuangsuiji_core.commands import check_plan

    ruleset = tmp_path / "hostile.yaml"
    ruleset.write_text(
        "ruleset:\n  id: hostile\n  version: 1.0.0\n  title: t\n  issuer: i\n"
        "  effective: {start: 2026-01-01, end: 2026-12-31}\n  source_document: x.txt\n"
        "rules:\n  - id: BAD-ONE\n    kind: target\n    title: {zh: 甲, en: a}\n    applies_to: plan\n"
        "    params: {metric: joint_task_share, op: '>=', threshold: '60%'}\n"
        "    message: {zh: \"{{ ''.__class__.__mro__ }}\", en: m}\n"
        "    source: {section: 一, quote: 原文}\n", encoding="utf-8")
    rc, _, err = run_main(MAIN, ["lint", str(ruleset)], capsys)
    assert rc == 1 and f"{ruleset}:14:" in err and "message.unsafe" in err
    rc, out, err = run_main(check_plan.main, ["--ruleset", str(ruleset), str(ROOT / "examples" / "qinghe-2026" / "plan.yaml")],
                            capsys)
    assert rc == 2 and out == "" and "message.unsafe" in err and "Traceback" not in err
