"""The renderers: one Report, six formats; located text lines, colour rules, escaping
of hostile author text, determinism and both languages."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import markupsafe
import pytest
from hypothesis import given, settings, strategies as st

from policy_rules.i18n import Text
from policy_rules.render import FORMATS, render_report, render_reports
from policy_rules.render.labels import LABELS
from policy_rules.report import Report, Status

from report_samples import HOSTILE, clean_report, finding, hostile_report, sample_report

LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info) (?P<rule>[A-Z][A-Z0-9-]+) (?P<msg>.+)$")


def test_text_lines_point_at_each_offender():
    out = render_report(sample_report(), "text", "zh")
    located = [m.groupdict() for m in map(LINE.match, out.splitlines()) if m]
    assert [(d["file"], d["line"], d["col"], d["sev"], d["rule"]) for d in located] == [
        ("plans/plan.yaml", "1", "1", "error", "QH-JOINT-COUNT"),   # a target: shown on the plan
        ("plans/records.yaml", "22", "5", "warning", "QH-ONSITE-REMOTE"),
        ("plans/records.yaml", "4", "5", "warning", "QH-ONSITE-REMOTE"),
        ("plans/plan.yaml", "1", "1", "info", "QH-MONTHLY-REPORT"),
    ]
    assert "记录 R-000002: 能非现场检查的却入企现场检查" in out
    assert "共 7 条规则：未通过 3" in out


def test_text_in_english():
    out = render_report(sample_report(), "text", "en")
    assert "record R-000002: on-site inspection where a remote method suffices" in out
    assert "7 rules: 3 failed" in out
    assert "未通过" not in out


def test_colour_only_when_asked_and_only_in_text():
    plain = render_report(sample_report(), "text", "zh")
    coloured = render_report(sample_report(), "text", "zh", color=True)
    assert "\033[" not in plain
    assert "\033[1;31merror\033[0m" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain
    for fmt in FORMATS:
        if fmt != "text":
            assert "\033[" not in render_report(sample_report(), fmt, "zh", color=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_deterministic_and_bilingual(fmt):
    zh1 = render_report(sample_report(), fmt, "zh")
    zh2 = render_report(sample_report(), fmt, "zh")
    en = render_report(sample_report(), fmt, "en")
    assert zh1 == zh2
    assert zh1.endswith("\n")
    if fmt != "json":  # JSON carries both languages always
        assert zh1 != en


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        render_report(sample_report(), "pdf", "zh")


def test_labels_have_the_same_keys_in_both_languages():
    assert set(LABELS["zh"]) == set(LABELS["en"])


def test_markdown_lists_failures_with_quote_and_escapes_author_text():
    md = render_report(sample_report(), "markdown", "zh")
    assert "| 错误 | `QH-JOINT-COUNT` |" in md
    assert "“联合抽查次数占比、户数占比均实现100%”" in md
    assert "`plans/records.yaml:22` R-000002" in md
    hostile = render_report(hostile_report(), "markdown", "zh")
    outside_code = re.sub(r"`[^`]*`", "", hostile)  # inside code spans Markdown shows text literally
    assert "<script>" not in outside_code
    assert "[l](http" not in outside_code and "\\[l\\](http://e.invalid)" in outside_code
    # a pipe in author text must not open a new table cell
    table_rows = [l for l in hostile.splitlines() if l.startswith("| 错误")]
    assert len(table_rows) == 1 and table_rows[0].count(" | ") == 3


def test_html_escapes_every_author_string():
    page = render_report(hostile_report(), "html", "zh")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "http://e.invalid" in page  # shown as text, never as a link
    assert "<a " not in page


def test_html_is_self_contained():
    page = render_report(sample_report(), "html", "zh")
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)
    assert "<script" not in page
    assert "default-src 'none'" in page
    assert "@import" not in page and "url(" not in page


def test_html_shows_counts_quotes_and_offenders():
    page = render_report(sample_report(), "html", "zh")
    assert "“联合抽查次数占比、户数占比均实现100%”" in page
    assert "plans/records.yaml:22" in page and "R-000002" in page
    assert "专项整治，经县政府批准" in page  # the waiver reason
    assert '<span class="n">3</span><span class="l">未通过</span>' in page


def test_many_offenders_are_capped_in_human_formats_only():
    from policy_rules.report import Offender, SourceRef
    offenders = [Offender(kind="record", id=f"R-{i:06d}", location=SourceRef(file="r.yaml", line=i + 1, column=1))
                 for i in range(120)]
    f = finding("QH-MANY", Status.fail, kind="prohibition", offenders=offenders)
    report = Report(ruleset_id="x", ruleset_version="1.0.0", ruleset_title="x", as_of=sample_report().as_of,
                    engine="python", inputs=["r.yaml"], findings=[f], summary=Report.summarise([f]))
    assert render_report(report, "text", "zh").count(": error QH-MANY ") == 120
    assert "另有 70 个对象未列出" in render_report(report, "html", "zh")
    assert len(json.loads(render_report(report, "sarif", "zh"))["runs"][0]["results"]) == 120


def test_clean_report_says_so():
    assert "没有未通过的规则" in render_report(clean_report(), "html", "zh")
    assert "No rule failed" in render_report(clean_report(), "markdown", "en")
    assert not any(LINE.match(l) for l in render_report(clean_report(), "text", "zh").splitlines())


def test_several_reports_render_as_one_document():
    a, b = sample_report("a/plan.yaml", "a/r.yaml"), sample_report("b/plan.yaml", "b/r.yaml")
    text = render_reports([a, b], "text", "zh")
    assert "a/plan.yaml:1:1: error" in text and "b/plan.yaml:1:1: error" in text
    assert isinstance(json.loads(render_reports([a, b], "json", "zh")), list)
    assert len(json.loads(render_reports([a, b], "sarif", "zh"))["runs"]) == 2
    assert len(ET.fromstring(render_reports([a, b], "junit", "zh").encode()).findall("testsuite")) == 2


author_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(author_text, author_text)
def test_any_author_text_keeps_html_markdown_and_junit_well_formed(title, message):
    f = finding("QH-PROP-ONE", Status.fail, title=Text(zh=title, en=title), message=Text(zh=message, en=message))
    report = Report(ruleset_id="x", ruleset_version="1.0.0", ruleset_title=title, as_of=sample_report().as_of,
                    engine="python", inputs=["plan.yaml"], findings=[f], summary=Report.summarise([f]))
    page = render_report(report, "html", "zh")
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert str(markupsafe.escape(message)) in page
    ET.fromstring(render_report(report, "junit", "zh").encode("utf-8"))  # parses
    assert json.loads(render_report(report, "sarif", "zh"))["runs"][0]["results"][0]["ruleId"] == "QH-PROP-ONE"
    md = render_report(report, "markdown", "zh")
    assert "<" not in md.replace("<details>", "").replace("</details>", "").replace("<summary>", "") \
        .replace("</summary>", "").replace("<code>", "").replace("</code>", "").replace("<br>", "")
