"""`shuangsuiji report monthly` and `shuangsuiji audit` from the command line."""

from __future__ import annotations

import csv
import io
import json
import re

from shuangsuiji_core.commands import main as main_module

from cli_helpers import EXAMPLE, run_main, run_script

MAIN = main_module.main
PLAN, RECORDS, SUBMISSIONS = (str(EXAMPLE / n) for n in ("plan.yaml", "records.yaml", "submissions.yaml"))


def test_monthly_markdown(capsys):
    rc, out, err = run_main(MAIN, ["report", "monthly", "--month", "2026-06", "--plan", PLAN, "--records", RECORDS], capsys)
    assert rc == 0, err
    assert "县（市、区）“双随机、一公开”监管月报表" in out and "清河县" in out
    # provincial platform to June: R1 R2 (T1), R4 R5 (T2), R6 (T3); problems at R1 and R5
    assert re.search(r"^\| 1 \| 本地区开展随机抽查次数.*\| 3 \| 5 \| 2 \|$", out, re.M)
    assert re.search(r"^\| 7 \| 本地区开展抽查次数.*\| 1 \| 1 \| 0 \|$", out, re.M)  # R3, other platform


def test_monthly_csv_file_and_html(tmp_path, capsys):
    out_csv = tmp_path / "月报表.csv"
    rc, stdout, err = run_main(MAIN, ["report", "monthly", "--month", "2026-06", "--form", "city", "--plan", PLAN,
                                      "--records", RECORDS, "--format", "csv", "--output", str(out_csv)], capsys)
    assert rc == 0 and stdout == "" and "月报表已写入" in err
    data = out_csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "市有关部门“双随机、一公开”监管工作月报表"
    rc, stdout, _ = run_main(MAIN, ["report", "monthly", "--month", "2026-06", "--plan", PLAN, "--records", RECORDS,
                                    "--format", "html", "--lang", "en"], capsys)
    assert rc == 0 and stdout.startswith("<!DOCTYPE html>") and "Problem households" in stdout


def test_monthly_refuses_a_plan_of_another_year(capsys):
    rc, out, err = run_main(MAIN, ["report", "monthly", "--month", "2025-06", "--plan", PLAN, "--records", RECORDS], capsys)
    assert rc == 2 and out == "" and "cli.plan_year" in err


def test_monthly_needs_month_and_records(capsys):
    rc, _, err = run_main(MAIN, ["report", "monthly", "--records", RECORDS], capsys)
    assert rc == 2 and "--month" in err
    rc, _, err = run_main(MAIN, ["report", "monthly", "--month", "2026-13", "--records", RECORDS], capsys)
    assert rc == 2 and "YYYY-MM" in err


def test_audit_reports_only_record_and_submission_rules(capsys):
    rc, out, err = run_main(MAIN, ["audit", "--plan", PLAN, "--records", RECORDS, "--submissions", SUBMISSIONS,
                                   "--as-of", "2026-07-15", "--format", "json"], capsys)
    assert rc == 1, err
    report = json.loads(out)
    failed = {f["rule_id"] for f in report["findings"] if f["status"] == "fail"}
    assert failed == {"QH-REMOTE-FIRST", "QH-CERTIFIED", "QH-CLOSED-LOOP", "QH-PROGRESS-SUMMARY"}
    from shuangsuiji_core.rulesets import load_ruleset
    ruleset = load_ruleset("qinghe-2026")
    assert {ruleset.rule(f["rule_id"]).applies_to.value for f in report["findings"]} <= {"records", "submissions"}
    assert report["summary"]["total"] == len(report["findings"])


def test_audit_needs_something_to_audit(capsys):
    rc, _, err = run_main(MAIN, ["audit", "--plan", PLAN], capsys)
    assert rc == 2 and "cli.nothing_to_audit" in err
    rc, _, err = run_main(MAIN, ["audit", "--records", RECORDS], capsys)
    assert rc == 2 and "cli.no_ruleset" in err


def test_audit_text_in_english_via_the_script():
    result = run_script("shuangsuiji", "audit", "--lang", "en", "--plan", PLAN, "--records", RECORDS, "--as-of", "2026-07-15")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "QH-CLOSED-LOOP record R-000005" in result.stdout
