"""Due dates and the verdict on each: the date arithmetic shared by both evaluators.

- **Month-days** (`"03-31"`) are dates of the plan year.
- **Short months**: a day beyond a month's length means that month's last day. A
  monthly report due on day 31 is due on 30 April and on 28 (or 29) February; `02-29`
  in a common year means 28 February. This is the one rule for every schedule.
- **Slots** (`once`, `monthly`, `dates`): each slot is a submission kind and period
  (`monthly_report` / `2026-05`) with a due date. The earliest submission of that kind
  and period made on or before `as_of` answers it; for a `once` slot a submission
  without a period answers it too. Submissions dated after `as_of` have not happened yet.
- **Verdicts**: met on or before the due date: `pass` with the date; made late:
  `fail`, days late = made − due; not made and `as_of` is on or before the due date:
  `pending`; not made and `as_of` is past it: `fail`, days late = as_of − due.
  Days late are calendar days, whatever unit the limit was counted in.
- **Per object** (`after_event`): due = start + `within` calendar days, or the
  `within`-th working day after the start (`policy_rules.calendar`). `by_date`: due is
  the month-day of the plan year. An object without its start date is not judged.
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as _dt
from dataclasses import dataclass

from .calendar import WorkingCalendar
from .schema import AfterEventSchedule, DatesSchedule, MonthlySchedule, OnceSchedule

PASS, FAIL, PENDING = "pass", "fail", "pending"


def clamp_day(year: int, month: int, day: int) -> _dt.date:
    """`day` of `month`, or the month's last day when the month is shorter."""
    return _dt.date(year, month, min(day, _stdcal.monthrange(year, month)[1]))


def month_day(year: int, md: str) -> _dt.date:
    month, day = (int(x) for x in md.split("-"))
    return clamp_day(year, month, day)


@dataclass(frozen=True)
class Slot:
    period: str
    due: _dt.date


def slots(schedule, year: int) -> list[Slot]:
    if isinstance(schedule, OnceSchedule):
        return [Slot(schedule.period.format(year=year), month_day(year, schedule.due))]
    if isinstance(schedule, MonthlySchedule):
        return [Slot(schedule.period.format(year=year, month=m), clamp_day(year, m, schedule.day))
                for m in sorted(set(schedule.months))]
    if isinstance(schedule, DatesSchedule):
        return [Slot(s.period.format(year=year), month_day(year, s.due)) for s in schedule.slots]
    raise TypeError(f"not a slot schedule: {type(schedule).__name__}")


@dataclass(frozen=True)
class Verdict:
    status: str                  # pass | fail | pending
    due: _dt.date
    done_on: _dt.date | None = None
    days_late: int = 0


def in_time(due: _dt.date, done_on: _dt.date | None, as_of: _dt.date) -> bool:
    """Whether `judge` says pass: done, by `as_of`, not after `due` (what a collector of a
    million objects asks first, without a `Verdict` for each)."""
    return done_on is not None and done_on <= due and done_on <= as_of


def judge(due: _dt.date, done_on: _dt.date | None, as_of: _dt.date) -> Verdict:
    if in_time(due, done_on, as_of):
        return Verdict(PASS, due, done_on)
    if done_on is not None and done_on <= as_of:
        return Verdict(FAIL, due, done_on, (done_on - due).days)
    if as_of <= due:
        return Verdict(PENDING, due)
    return Verdict(FAIL, due, None, (as_of - due).days)


def after_event_due(schedule: AfterEventSchedule, start: _dt.date, calendar: WorkingCalendar) -> _dt.date:
    if schedule.unit == "working_days":
        return calendar.add_working_days(start, schedule.within)
    return start + _dt.timedelta(days=schedule.within)


def answer_slot(kind: str, slot: Slot, once: bool, submissions, as_of: _dt.date) -> _dt.date | None:
    """The date the slot was answered (earliest matching submission up to as_of), or None.
    `submissions`: (kind, period, submitted_on) triples."""
    best = None
    for s_kind, s_period, s_date in submissions:
        if s_kind != kind or s_date > as_of:
            continue
        if s_period == slot.period or (once and s_period is None):
            if best is None or s_date < best:
                best = s_date
    return best
