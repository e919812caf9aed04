"""diff_rulesets and side_by_side: what changed, and where the five rulesets differ."""

from __future__ import annotations

import json

from policy_rules.compare import cell_text, diff_rulesets, side_by_side, topic
from shuangsuiji_core.rulesets import load_ruleset
from shuangsuiji_core.ruleset_docs import bundled_in_document_order


def test_a_ruleset_does_not_differ_from_itself():
    rs = load_ruleset("qinghe-2026")
    diff = diff_rulesets(rs, rs)
    assert diff.empty
    assert "没有差异" in diff.render_text("zh") and "No differences" in diff.render_text("en")


def test_tobacco_differs_from_the_city_in_report_days_and_dates():
    diff = diff_rulesets(load_ruleset("shijiazhuang-2025"), load_ruleset("shijiazhuang-tobacco-2025"))
    assert diff.added == [] and diff.removed == []
    changed = {c.rule_id: c for c in diff.changed}
    key = {(rid, ch.path): (ch.old, ch.new) for rid, c in changed.items() for ch in c.changes if ch.key}
    assert key == {
        ("SJZ-MONTHLY-REPORT", "params.schedule.day"): (23, 22),
        ("SJZ-PROGRESS-SUMMARY", "params.schedule.slots[0].due"): ("03-28", "03-25"),
        ("SJZ-PROGRESS-SUMMARY", "params.schedule.slots[1].due"): ("06-27", "06-25"),
        ("SJZ-PROGRESS-SUMMARY", "params.schedule.slots[2].due"): ("09-30", "09-28"),
        ("SJZ-PROGRESS-SUMMARY", "params.schedule.slots[3].due"): ("12-25", "12-23"),
    }
    assert ("SJZ-JOINT-COUNT") in changed and [c.path for c in changed["SJZ-JOINT-COUNT"].changes] == ["responsible"]
    text = diff.render_text("zh")
    assert "【阈值/日期】params.schedule.day: 23 → 22" in text
    data = json.loads(diff.to_json())
    assert data["a"] == "shijiazhuang-2025 1.0.0" and data["b"] == "shijiazhuang-tobacco-2025 1.0.0"
    assert "`SJZ-MONTHLY-REPORT`" in diff.render_markdown("en")


def test_rules_with_different_ids_are_paired_by_topic():
    diff = diff_rulesets(load_ruleset("shijiazhuang-2025"), load_ruleset("qinghe-2026"))
    pairs = {(c.rule_id, c.other_id): c for c in diff.changed}
    joint = pairs[("SJZ-JOINT-COUNT", "QH-JOINT-COUNT")]
    assert joint.topic == "metric:joint_task_share"
    assert [(c.old, c.new) for c in joint.changes if c.path == "params.threshold"] == [("100%", "60%")]
    assert "QH-ADJUSTMENT-FILED" in diff.added          # Qinghe alone requires filing
    assert "SJZ-MONTHLY-REPORT" in diff.removed          # Qinghe has no monthly report


def test_side_by_side_shows_the_documented_differences():
    rulesets = bundled_in_document_order()
    table = side_by_side(rulesets)
    assert table.columns == ["shijiazhuang-2025", "shijiazhuang-tobacco-2025", "yuanping-2024", "zanhuang-nrp-2024",
                             "qinghe-2026"]
    rows = {r.topic: r for r in table.rows}

    def values(t):
        return [[c.rsplit(" · ", 1)[0] for c in cells] for cells in rows[t].cells]

    assert values("metric:joint_task_share") == [[">= 100%（可豁免）"], [">= 100%（可豁免）"], [], [">= 100%（可豁免）"],
                                                 [">= 60%（可豁免）"]]
    assert values("metric:credit_risk_task_share") == [[">= 100%"], [">= 100%"], [], [">= 100%"], [">= 95%"]]
    assert values("submission:monthly_report") == [["每月 23 日前"], ["每月 22 日前"], ["5–12 月每月月底前"], [], []]
    assert values("metric:enterprise_coverage") == [[], [], [], [">= 5%"], []]
    assert values("metric:result_disclosure_rate") == [[], [], [">= 100%"], [], []]
    md = table.render_markdown("en")
    assert "| **targets** |" in md and "—" in md


def test_topic_and_cell_text():
    qh = load_ruleset("qinghe-2026")
    assert topic(qh.rule("QH-RESULT-ENTRY")) == "after_event:record.result_entered_on"
    assert topic(qh.rule("QH-PLAN-PUBLIC")) == "by_date:plan.published_on"
    assert cell_text(qh.rule("QH-RESULT-ENTRY"), "en") == \
        "inspected_on + 20 working days (default limit) · QH-RESULT-ENTRY"
    assert cell_text(qh.rule("QH-NO-REPEAT"), "zh") == "禁止（可豁免，警告） · QH-NO-REPEAT"
