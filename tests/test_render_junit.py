"""JUnit XML parses and has the structure CI dashboards read: testsuites > testsuite >
testcase, with <failure> for failed rules and <skipped> for pending, waived and
not-applicable ones, and counts that agree with the cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from policy_rules.render import render_report, render_reports

from report_samples import hostile_report, sample_report


def _check_structure(root: ET.Element) -> None:
    assert root.tag == "testsuites"
    total = failures = skipped = 0
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
        assert suite.get("errors") == "0"
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert int(case.get("line")) >= 1
            assert len([c for c in case if c.tag in ("failure", "skipped", "error")]) <= 1
        total += len(cases)
        failures += int(suite.get("failures"))
        skipped += int(suite.get("skipped"))
    assert (int(root.get("tests")), int(root.get("failures")), int(root.get("skipped"))) == (total, failures, skipped)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_junit_parses_with_consistent_counts(lang):
    root = ET.fromstring(render_report(sample_report(), "junit", lang).encode("utf-8"))
    _check_structure(root)
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("7", "3", "3")
    failure = suite.find("testcase[@name='QH-ONSITE-REMOTE QH-ONSITE-REMOTE 标题']/failure") if lang == "zh" else \
        suite.find("testcase/failure[@type='warning']")
    assert failure.get("type") == "warning"
    assert "plans/records.yaml:22:5" in failure.text
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props == {"ruleset": "qinghe-2026", "ruleset_version": "1.0.0", "as_of": "2026-06-30", "engine": "python"}


def test_hostile_text_and_control_characters_still_parse():
    text = render_report(hostile_report(), "junit", "zh")
    root = ET.fromstring(text.encode("utf-8"))
    _check_structure(root)
    failure = root.find("testsuite/testcase/failure")
    assert "<script>alert('x')</script>" in failure.get("message")  # escaped in XML, intact once parsed


def test_several_plans_are_several_suites():
    root = ET.fromstring(render_reports([sample_report("a.yaml"), sample_report("b.yaml")], "junit", "zh").encode())
    _check_structure(root)
    assert [s.get("name").split(": ")[1].split(",")[0] for s in root.findall("testsuite")] == ["a.yaml", "b.yaml"]
