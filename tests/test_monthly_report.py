"""The Shijiazhuang monthly report (annexes 1 and 2 of 000_91d3cc1dd90e2323.txt):
counting rules, both forms, the CSV Excel opens, and properties of the counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import given, settings, strategies as st

from shuangsuiji_core.credit_code import check_digit
from shuangsuiji_core.monthly_report import monthly_report, render_monthly
from shuangsuiji_core.plan import Plan
from shuangsuiji_core.records import Record


def code(n: int) -> str:
    first17 = f"91130534MA{n:07d}"
    return first17 + check_digit(first17)


def plan(**overrides) -> Plan:
    tasks = [
        {"id": "T1", "name": "联合", "mode": "joint", "partner_departments": ["卫健局"], "uses_credit_risk": True,
         "lead_department": "某市市场监督管理局"},
        {"id": "T2", "name": "内部", "mode": "internal", "lead_department": "某市市场监督管理局"},
        {"id": "T3", "name": "省派", "mode": "joint", "partner_departments": ["税务局"], "uses_credit_risk": True,
         "extra": {"dispatched_by": "province"}},
        {"id": "T4", "name": "他部门牵头", "mode": "joint", "partner_departments": ["市场监管局"],
         "lead_department": "某市卫生健康委员会"},
    ]
    data = {"id": "P", "year": 2025, "department": "某市市场监督管理局", "region": "某市", "tasks": tasks}
    data.update(overrides)
    return Plan.model_validate(data)


def record(rid: str, task: str, n: int | None, day: str, problems: bool = False, platform: str | None = "provincial",
           enterprise: bool = True, name: str | None = None) -> Record:
    entity = {"is_enterprise": enterprise}
    if n is not None:
        entity["credit_code"] = code(n)
    if name:
        entity["name"] = name
    return Record.model_validate({"id": rid, "task_id": task, "entity": entity, "inspectors": [{"id": "P1"}],
                                  "inspected_on": day, "problems_found": problems, "platform": platform})


RECORDS = [
    record("R1", "T1", 1, "2025-02-10", problems=True),
    record("R2", "T1", 2, "2025-03-01"),
    record("R3", "T2", 1, "2025-03-05", problems=True),     # same business as R1, another task
    record("R4", "T2", 3, "2025-05-20", enterprise=False),
    record("R5", "T3", 4, "2025-04-01", problems=True),     # province-dispatched
    record("R6", "T1", 5, "2025-04-02", platform="other"),
    record("R7", "T4", 6, "2025-04-03"),
    record("R8", "T1", 7, "2025-06-01", problems=True),     # after the May report's period
]


def rows(report):
    return {(r.number, r.part.zh if r.part else None): (r.counts.tasks, r.counts.households, r.counts.problem_households)
            for r in report.rows}


def test_county_form_counts_the_example_from_the_docstring():
    recs = [record("A", "T1", 1, "2025-01-05", problems=True), record("B", "T1", 2, "2025-01-06"),
            record("C", "T2", 1, "2025-01-07")]
    got = rows(monthly_report(recs, year=2025, month=1, plan=plan()))
    assert got[("1", None)] == (2, 2, 1)
    assert got[("3", None)] == (1, 1, 0)   # the internal task's record found no problem
    assert got[("4", None)] == (1, 2, 1)


def test_county_form_cumulative_to_may():
    report = monthly_report(RECORDS, year=2025, month=5, plan=plan())
    got = rows(report)
    assert report.period_start == dt.date(2025, 1, 1) and report.period_end == dt.date(2025, 5, 31)
    # provincial platform, R1..R5 and R7 (R6 is other, R8 is June)
    assert got[("1", None)] == (4, 5, 2)           # tasks T1 T2 T3 T4; businesses 1,2,3,4,6; problems at 1,4
    assert got[("2", "内部")] == (1, 2, 1)          # T2 led by 市场监督管理局
    assert got[("2", "联合")] == (2, 3, 2)          # T1 (lead given) and T3 (no lead: the plan's department)
    assert got[("3", None)] == (1, 2, 1)
    assert got[("4", None)] == (3, 4, 2)
    assert got[("5", None)] == (4, 4, 2)           # R4 is not an enterprise
    assert got[("6", None)] == (2, 3, 2)           # credit-risk tasks T1, T3
    assert got[("7", None)] == (1, 1, 0)           # other platform: R6
    assert got[("8", None)] == (1, 1, 0)
    assert got[("9", None)] == (1, 1, 0)
    assert report.unit == "某市"


def test_city_form_separates_province_dispatched_tasks():
    report = monthly_report(RECORDS, year=2025, month=5, plan=plan(), form="city")
    got = rows(report)
    assert got[("1", None)] == (3, 4, 1)           # T1 T2 T4, without T3
    assert got[("2", "内部")] == (0, 0, 0)
    assert got[("2", "联合")] == (1, 1, 1)          # T3 only
    assert got[("3", None)] == (1, 2, 1)           # joint and led here: T1 (T4 is led by another department)
    assert got[("4", None)] == (1, 2, 1)           # credit risk without T3: T1
    assert got[("5", None)] == (3, 3, 1)
    assert got[("6", None)] == (1, 2, 1)
    assert report.footnote is not None and "省级派发任务" in report.footnote.zh
    assert report.unit == "某市市场监督管理局"


def test_as_of_before_month_end_cuts_the_period():
    report = monthly_report(RECORDS, year=2025, month=5, plan=plan(), as_of=dt.date(2025, 3, 31))
    assert report.period_end == dt.date(2025, 3, 31) and report.filled_on == dt.date(2025, 3, 31)
    assert rows(report)[("1", None)] == (2, 2, 1)


def test_notes_for_unknown_tasks_missing_codes_and_platforms():
    recs = [record("X1", "T9", 1, "2025-01-05"), record("X2", "T1", None, "2025-01-05", name="某店"),
            record("X3", "T1", None, "2025-01-06", name="某店"), record("X4", "T1", 8, "2025-01-07", platform=None)]
    report = monthly_report(recs, year=2025, month=1, plan=plan())
    notes = " ".join(n.zh for n in report.notes)
    assert "T9" in notes and "2 条记录没有统一社会信用代码" in notes and "1 条记录未标明平台" in notes
    assert rows(report)[("1", None)] == (2, 2, 0)  # X2 and X3 are one business by name; X4 has no platform
    assert rows(report)[("4", None)] == (1, 1, 0)  # T9's mode is unknown


def test_csv_opens_in_excel():
    data = render_monthly(monthly_report(RECORDS, year=2025, month=5, plan=plan(),
                                         unit="=HYPERLINK(\"x\")"), "csv", "zh")
    assert isinstance(data, bytes) and data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0][0] == "县（市、区）“双随机、一公开”监管月报表"
    assert table[1][1] == "'=HYPERLINK(\"x\")"  # never a live formula
    header = table[2]
    assert header == ["序号", "平台", "项目", "分项", "抽查次数", "抽查户数", "发现问题户数"]
    assert table[3][:1] == ["1"] and table[3][4:] == ["4", "5", "2"]


def test_markdown_and_html_show_every_row():
    report = monthly_report(RECORDS, year=2025, month=5, plan=plan())
    md = render_monthly(report, "markdown", "zh")
    assert md.count("\n| ") >= len(report.rows)
    assert "本地区利用企业信用风险分级分类开展随机抽查的次数、户数及发现问题户数" in md
    html = render_monthly(report, "html", "en")
    assert "<script" not in html and "Through other platforms" in html
    hostile = render_monthly(monthly_report(RECORDS, year=2025, month=5, plan=plan(), unit="<b>x</b>"), "html", "zh")
    assert "&lt;b&gt;x&lt;/b&gt;" in hostile


@st.composite
def record_sets(draw):
    n = draw(st.integers(0, 30))
    out = []
    for i in range(n):
        out.append(record(f"R{i}", draw(st.sampled_from(["T1", "T2", "T3", "T4", "T9"])),
                          draw(st.integers(1, 8)), f"2025-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}",
                          problems=draw(st.booleans()), platform=draw(st.sampled_from(["provincial", "other", None])),
                          enterprise=draw(st.booleans())))
    return out


@settings(max_examples=80, deadline=None)
@given(record_sets(), st.integers(1, 12), st.sampled_from(["county", "city"]))
def test_count_properties(recs, month, form):
    report = monthly_report(recs, year=2025, month=month, plan=plan(), form=form)
    for r in report.rows:
        c = r.counts
        assert 0 <= c.problem_households <= c.households
        assert (c.tasks == 0) == (c.households == 0)
    got = rows(report)
    if form == "county":
        total, internal, joint = got[("1", None)], got[("3", None)], got[("4", None)]
        assert internal[0] + joint[0] <= total[0]                  # unknown tasks count in the total only
        assert max(internal[1], joint[1]) <= total[1]
        if all(x.task_id != "T9" for x in recs):                   # every task known: internal + joint cover all
            assert total[1] <= internal[1] + joint[1]
            assert internal[0] + joint[0] == total[0]
    # cumulative: a later month never counts less
    if month < 12:
        later = rows(monthly_report(recs, year=2025, month=month + 1, plan=plan(), form=form))
        assert all(later[k][i] >= got[k][i] for k in got for i in range(3))
