"""Due dates: the short-month rule, slots, verdicts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from policy_rules.deadlines import FAIL, PASS, PENDING, answer_slot, clamp_day, in_time, judge, month_day, slots
from policy_rules.schema import DatesSchedule, MonthlySchedule, OnceSchedule

D = dt.date


def test_short_months_use_their_last_day():
    assert clamp_day(2026, 2, 31) == D(2026, 2, 28)
    assert clamp_day(2028, 2, 30) == D(2028, 2, 29)
    assert clamp_day(2026, 4, 31) == D(2026, 4, 30)
    assert month_day(2026, "02-29") == D(2026, 2, 28)
    assert month_day(2028, "02-29") == D(2028, 2, 29)


def test_slots_of_each_schedule():
    monthly = MonthlySchedule(type="monthly", day=31, months=[2, 4])
    assert [(s.period, s.due) for s in slots(monthly, 2026)] == [("2026-02", D(2026, 2, 28)), ("2026-04", D(2026, 4, 30))]
    once = OnceSchedule(type="once", due="03-31")
    assert [(s.period, s.due) for s in slots(once, 2026)] == [("2026", D(2026, 3, 31))]
    dates = DatesSchedule(type="dates", slots=[{"period": "{year}-Q1", "due": "03-25"}])
    assert [(s.period, s.due) for s in slots(dates, 2026)] == [("2026-Q1", D(2026, 3, 25))]


def test_answer_slot_takes_the_earliest_matching_submission_up_to_as_of():
    once = slots(OnceSchedule(type="once", due="03-31"), 2026)[0]
    subs = [("k", None, D(2026, 3, 30)), ("k", "2026", D(2026, 3, 20)), ("other", "2026", D(2026, 1, 1)),
            ("k", "2026", D(2026, 6, 1))]
    assert answer_slot("k", once, True, subs, D(2026, 4, 1)) == D(2026, 3, 20)
    assert answer_slot("k", once, False, subs[:1], D(2026, 4, 1)) is None  # no period: only once slots
    assert answer_slot("k", once, True, subs[3:], D(2026, 4, 1)) is None   # after as_of


@given(st.dates(D(2026, 1, 1), D(2026, 12, 31)), st.none() | st.dates(D(2026, 1, 1), D(2026, 12, 31)),
       st.dates(D(2026, 1, 1), D(2026, 12, 31)))
def test_verdicts(due, done, as_of):
    v = judge(due, done, as_of)
    assert in_time(due, done, as_of) == (v.status == PASS)
    if done is not None and done <= as_of:
        assert v.status == (PASS if done <= due else FAIL)
        assert v.days_late == max(0, (done - due).days)
    elif as_of <= due:
        assert v.status == PENDING
    else:
        assert v.status == FAIL and v.days_late == (as_of - due).days > 0
