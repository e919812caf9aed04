"""check-plan on the bundled example, through the real pipeline: every format, exit
codes and --fail-on, line numbers that land on the offending object, determinism."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from shuangsuiji_core.commands import check_plan, main as main_module

from cli_helpers import EXAMPLE, ROOT, run_main

PLAN = EXAMPLE / "plan.yaml"
EX_ARGS = ["--as-of", "2026-07-15", "--records", str(EXAMPLE / "records.yaml"),
           "--submissions", str(EXAMPLE / "submissions.yaml"), str(PLAN)]
LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info) (?P<rule>[A-Z][A-Z0-9-]+) (?P<msg>.+)$", re.M)


def test_text_findings_point_at_the_offending_lines(capsys):
    rc, out, _ = run_main(check_plan.main, EX_ARGS, capsys)
    assert rc == 1
    hits = {m["rule"]: m for m in LINE.finditer(out)}
    expected = {"QH-CREDIT-RISK", "QH-REMOTE-FIRST", "QH-REMOTE-FIRST-PLAN", "QH-ADJUSTMENT-FILED", "QH-CERTIFIED",
                "QH-CLOSED-LOOP", "QH-PROGRESS-SUMMARY"}
    assert set(hits) == expected
    # each located line is where the object is written (an editor jumping there sees it)
    for rule, needle in {"QH-REMOTE-FIRST-PLAN": "id: QH-2026-004", "QH-REMOTE-FIRST": "id: R-000003",
                         "QH-CLOSED-LOOP": "id: R-000005", "QH-ADJUSTMENT-FILED": "date: 2026-06-10"}.items():
        m = hits[rule]
        line = Path(m["file"]).read_text(encoding="utf-8").splitlines()[int(m["line"]) - 1]
        assert needle in line, (rule, line)
    # a reporting slot is shown in the submissions file (at its own line once the engine locates it)
    assert hits["QH-PROGRESS-SUMMARY"]["file"].endswith("submissions.yaml")


def test_plan_alone_uses_its_own_ruleset_field(capsys):
    rc, out, _ = run_main(check_plan.main, ["--as-of", "2026-07-15", str(PLAN)], capsys)
    assert rc == 1
    assert {m["rule"] for m in LINE.finditer(out)} == {"QH-CREDIT-RISK", "QH-REMOTE-FIRST-PLAN", "QH-ADJUSTMENT-FILED"}
    assert "qinghe-2026 1.0.0" in out


def test_ruleset_option_overrides_the_plan_field(capsys):
    rc, out, err = run_main(check_plan.main, ["--ruleset", str(ROOT / "rulesets" / "qinghe-2026.yaml"),
                                              "--as-of", "2026-07-15", str(PLAN)], capsys)
    assert rc == 1 and "qinghe-2026" in out
    rc, out, err = run_main(check_plan.main, ["--ruleset", "shijiazhuang-2025", "--as-of", "2026-07-15", str(PLAN)], capsys)
    assert rc in (0, 1) and "shijiazhuang-2025" in out


def test_fail_on_levels(tmp_path, capsys):
    # a ruleset where the only failing rule is a warning: exit 0 by default, 1 with --fail-on warning
    src = (ROOT / "rulesets" / "qinghe-2026.yaml").read_text(encoding="utf-8")
    ruleset = tmp_path / "warn-only.yaml"
    ruleset.write_text(
        "ruleset:\n  id: warn-only\n  version: 1.0.0\n  title: t\n  issuer: i\n"
        "  effective: {start: 2026-01-01, end: 2026-12-31}\n  source_document: x.txt\n  extends: qinghe-2026\n"
        "override:\n"
        + "".join(f"  - {{id: {r}, severity: warning}}\n" for r in ("QH-CREDIT-RISK", "QH-REMOTE-FIRST-PLAN",
                                                                     "QH-ADJUSTMENT-FILED")),
        encoding="utf-8")
    assert "QH-CREDIT-RISK" in src
    args = ["--ruleset", str(ruleset), "--as-of", "2026-07-15", str(PLAN)]
    rc, out, err = run_main(check_plan.main, args, capsys)
    assert (rc, err) == (0, ""), err
    assert ": warning QH-CREDIT-RISK" in out
    rc, _, _ = run_main(check_plan.main, ["--fail-on", "warning", *args], capsys)
    assert rc == 1


def test_fail_on_none_reports_errors_but_exits_0(capsys):
    args = ["--as-of", "2026-07-15", str(PLAN)]
    rc, out, _ = run_main(check_plan.main, args, capsys)
    assert rc == 1 and ": error QH-CREDIT-RISK" in out
    rc_none, out_none, _ = run_main(check_plan.main, ["--fail-on", "none", *args], capsys)
    assert rc_none == 0
    assert out_none == out


def test_fail_on_none_still_exits_2_when_it_cannot_run(tmp_path, capsys):
    rc, _, err = run_main(check_plan.main, ["--fail-on", "none", str(tmp_path / "missing.yaml")], capsys)
    assert rc == 2 and "missing.yaml" in err


def test_clean_plan_exits_0(tmp_path, capsys):
    text = PLAN.read_text(encoding="utf-8")
    text = text.replace("uses_credit_risk: false", "uses_credit_risk: true") \
        .replace("methods: [onsite]          #", "methods: [document_review] #") \
        .replace("filed_on: null", "filed_on: 2026-06-11")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    rc, out, err = run_main(check_plan.main, ["--as-of", "2026-07-15", str(plan)], capsys)
    assert rc == 0, out + err
    assert not LINE.search(out)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json", "sarif", "junit"])
def test_every_format_through_the_pipeline_is_deterministic(fmt, capsys):
    rc1, out1, _ = run_main(check_plan.main, ["--format", fmt, *EX_ARGS], capsys)
    rc2, out2, _ = run_main(check_plan.main, ["--format", fmt, *EX_ARGS], capsys)
    assert rc1 == rc2 == 1
    assert out1 == out2
    if fmt == "json":
        data = json.loads(out1)
        schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator(schema).validate(data)
        assert data["summary"]["by_status"]["fail"] == 7
    elif fmt == "sarif":
        sarif_schema = json.loads((ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
        log = json.loads(out1)
        assert not list(Draft4Validator(sarif_schema).iter_errors(log))
        assert len(log["runs"][0]["results"]) == 7
    elif fmt == "junit":
        root = ET.fromstring(out1.encode("utf-8"))
        assert root.get("failures") == "7" and root.get("tests") == "20"
    elif fmt == "html":
        assert out1.startswith("<!DOCTYPE html>") and "R-000005" in out1
    elif fmt == "markdown":
        assert "| 错误 | `QH-CLOSED-LOOP` |" in out1


def test_english(capsys):
    rc, out, _ = run_main(check_plan.main, ["--lang", "en", *EX_ARGS], capsys)
    assert rc == 1 and "20 rules: 7 failed" in out


def test_several_plans_one_bad(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan:\n  id: X\n", encoding="utf-8")
    rc, out, err = run_main(check_plan.main, ["--as-of", "2026-07-15", str(PLAN), str(bad)], capsys)
    assert rc == 2                       # one input could not be checked
    assert "QH-CREDIT-RISK" in out       # ... but the good one is still reported
    assert str(bad) in err


def test_subcommand_is_the_same_as_the_script(capsys):
    a = run_main(check_plan.main, EX_ARGS, capsys)
    b = run_main(main_module.main, ["check-plan", *EX_ARGS], capsys)
    assert a == b


def test_a_relative_ruleset_path_in_the_plan_is_relative_to_the_plan(tmp_path, monkeypatch, capsys):
    (tmp_path / "plans").mkdir()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "county.yaml").write_text(
        "ruleset:\n  id: county\n  version: 1.0.0\n  title: 县方案\n  issuer: i\n"
        "  effective: {start: 2026-01-01, end: 2026-12-31}\n  source_document: x.txt\n  extends: qinghe-2026\n",
        encoding="utf-8")
    plan = tmp_path / "plans" / "plan.yaml"
    plan.write_text(PLAN.read_text(encoding="utf-8").replace("ruleset: qinghe-2026", "ruleset: ../rules/county.yaml"),
                    encoding="utf-8")
    monkeypatch.chdir(ROOT)  # somewhere else entirely
    rc, out, err = run_main(check_plan.main, ["--as-of", "2026-07-15", str(plan)], capsys)
    assert rc == 1, err
    assert "county 1.0.0" in out
