"""SARIF output validates against the official SARIF 2.1.0 schema (vendored in
tests/data/sarif/, see the README there) and puts each result on its item's line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from policy_rules.render import render_report, render_reports
from policy_rules.report import Offender, SourceRef

from report_samples import hostile_report, sample_report

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _validate(log: dict) -> None:
    errors = sorted(Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("make", [sample_report, hostile_report])
def test_sarif_validates_against_the_official_schema(make, lang):
    _validate(json.loads(render_report(make(), "sarif", lang)))


def test_several_reports_validate_as_several_runs():
    log = json.loads(render_reports([sample_report("a.yaml"), sample_report("b.yaml")], "sarif", "zh"))
    _validate(log)
    assert len(log["runs"]) == 2


def test_the_schema_rejects_a_broken_log():
    # the vendored schema really checks: a result without a message is not SARIF
    log = json.loads(render_report(sample_report(), "sarif", "zh"))
    del log["runs"][0]["results"][0]["message"]
    assert list(Draft4Validator(SCHEMA).iter_errors(log))


def test_results_sit_on_the_offending_lines():
    log = json.loads(render_report(sample_report(), "sarif", "zh"))
    run = log["runs"][0]
    places = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]]
    assert places == [
        ("QH-JOINT-COUNT", "error", "plans/plan.yaml", 1),
        ("QH-ONSITE-REMOTE", "warning", "plans/records.yaml", 22),
        ("QH-ONSITE-REMOTE", "warning", "plans/records.yaml", 4),
        ("QH-MONTHLY-REPORT", "note", "plans/plan.yaml", 1),
        ("QH-ADJ-FILED", "error", "plans/plan.yaml", 40),  # waived: kept, suppressed
    ]
    waived = run["results"][-1]
    assert waived["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "专项整治，经县政府批准"}]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert "QH-PLAN-PUBLISHED" in rule_ids  # every rule is described, passing or not
    assert "联合抽查次数占比、户数占比均实现100%" in run["tool"]["driver"]["rules"][0]["fullDescription"]["text"]


def test_fingerprints_survive_moved_lines_and_differ_between_items():
    def fingerprints(line):
        report = sample_report()
        f = report.findings[1]
        moved = f.model_copy(update={"offenders": [
            o.model_copy(update={"location": SourceRef(file=o.location.file, line=o.location.line + line, column=1)})
            for o in f.offenders]})
        report = report.model_copy(update={"findings": [report.findings[0], moved, *report.findings[2:]]})
        results = json.loads(render_report(report, "sarif", "zh"))["runs"][0]["results"]
        return [r["partialFingerprints"]["shuangsuijiFinding/v1"] for r in results if r["ruleId"] == "QH-ONSITE-REMOTE"]

    assert fingerprints(0) == fingerprints(10)
    assert len(set(fingerprints(0))) == 2


def test_uris_are_encoded():
    report = sample_report(plan_file="计划 2026.yaml", records_file="/abs/records.yaml")
    log = json.loads(render_report(report, "sarif", "zh"))
    _validate(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert "%E8%AE%A1%E5%88%92%202026.yaml" in uris
    assert "file:///abs/records.yaml" in uris


from hypothesis import given, settings, strategies as st  # noqa: E402

from policy_rules.report import Report, Status  # noqa: E402

from report_samples import finding  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Status)), st.text(min_size=1, max_size=20),
                          st.one_of(st.none(), st.integers(1, 10**6)), st.text(max_size=30)), max_size=6))
def test_any_report_gives_valid_sarif(items):
    findings = [finding(f"QH-RULE-{i}", status, kind="prohibition",
                        offenders=[Offender(kind="record", id=ident or "x",
                                            location=SourceRef(file=file or None, line=line, column=1))])
                for i, (status, file, line, ident) in enumerate(items)]
    report = Report(ruleset_id="x", ruleset_version="1.0.0", ruleset_title="x", as_of=sample_report().as_of,
                    engine="python", inputs=["plan.yaml"], findings=findings, summary=Report.summarise(findings))
    log = json.loads(render_report(report, "sarif", "zh"))
    _validate(log)
    assert len(log["runs"][0]["results"]) == sum(1 for s, *_ in items if s in (Status.fail, Status.waived))
