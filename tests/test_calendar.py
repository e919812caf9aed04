"""Working days: chinesecalendar with 调休, calendar files, uncovered years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from policy_rules.calendar import WorkingCalendar
from policy_rules.errors import InputError

D = dt.date
OFFICIAL = WorkingCalendar.official()


def test_make_up_working_days_and_holidays_2026():
    assert OFFICIAL.is_workday(D(2026, 2, 14))      # Saturday, 调休上班 for the Spring Festival
    assert not OFFICIAL.is_workday(D(2026, 2, 17))  # Spring Festival
    assert not OFFICIAL.is_workday(D(2026, 10, 1))  # National Day
    assert OFFICIAL.is_workday(D(2026, 5, 12))      # an ordinary Tuesday
    assert not OFFICIAL.is_workday(D(2026, 5, 16))  # an ordinary Saturday


def test_within_n_working_days_excludes_the_event_day():
    assert OFFICIAL.add_working_days(D(2026, 6, 5), 2) == D(2026, 6, 9)    # Fri -> Tue
    assert OFFICIAL.add_working_days(D(2026, 5, 8), 2) == D(2026, 5, 11)   # Sat 05-09 is a make-up working day
    assert OFFICIAL.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)  # over the Spring Festival
    assert OFFICIAL.add_working_days(D(2026, 6, 5), 0) == D(2026, 6, 5)


def test_uncovered_year_is_a_clear_bilingual_error():
    with pytest.raises(InputError) as info:
        OFFICIAL.is_workday(D(2031, 3, 3))
    assert info.value.first.code == "calendar.year_not_covered"
    assert "2031" in info.value.render("zh") and "--calendar" in info.value.render("en")


def test_calendar_file_supplies_a_year(tmp_path):
    f = tmp_path / "calendar.yaml"
    f.write_text("calendar:\n  2031:\n    holidays: [2031-01-01, 2031-01-02]\n    workdays: [2031-01-04]\n",
                 encoding="utf-8")
    cal = WorkingCalendar.from_file(f)
    assert not cal.is_workday(D(2031, 1, 1)) and cal.is_workday(D(2031, 1, 4))  # Saturday made a workday
    assert cal.is_workday(D(2031, 1, 3)) and not cal.is_workday(D(2031, 1, 5))
    assert cal.add_working_days(D(2030 + 1, 1, 1), 2) == D(2031, 1, 4)
    assert cal.is_workday(D(2026, 2, 14))  # other years still official


def test_bad_calendar_file_is_located(tmp_path):
    f = tmp_path / "calendar.yaml"
    f.write_text("calendar:\n  2031:\n    holidays: [soon, 2030-05-01]\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        WorkingCalendar.from_file(f)
    codes = {p.code for p in info.value.problems}
    assert codes == {"calendar.date", "calendar.wrong_year"}
    assert all(p.location.line == 3 for p in info.value.problems)


@given(st.dates(D(2005, 1, 1), D(2025, 12, 1)), st.integers(0, 15))
def test_nth_working_day_is_a_working_day_with_n_working_days_in_between(start, n):
    due = OFFICIAL.add_working_days(start, n)
    days = [start + dt.timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(OFFICIAL.is_workday(d) for d in days) == n
    assert n == 0 or OFFICIAL.is_workday(due)


def test_a_due_date_beyond_the_calendar_is_noted_on_the_finding_not_a_crash():
    from engine_builders import plan, record, ruleset, task
    from policy_rules.report import Status
    from shuangsuiji_core.evaluation import evaluate
    rule = {"id": "D-ENTRY", "kind": "deadline", "applies_to": "records",
            "params": {"schedule": {"type": "after_event", "fact": "record", "start_field": "inspected_on",
                                    "end_field": "result_entered_on", "within": 20, "unit": "working_days"}}}
    recs = [record("R1", "T1", D(2026, 12, 20)), record("R2", "T1", D(2026, 3, 2), cc=2, result_entered_on=D(2026, 3, 3))]
    r = evaluate(ruleset([rule]), plan=plan([task("T1")]), records=recs, as_of=D(2026, 12, 31), engine="python")
    f = r.findings[0]
    assert f.status == Status.passed and f.measured == "1/1"
    assert any("2027" in n.zh and "--calendar" in n.en for n in f.notes)
