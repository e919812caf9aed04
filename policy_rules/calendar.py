"""Working days: China's official calendar, including 调休 make-up working days.

A working day is a day the State Council's holiday arrangement makes a working day:
Monday to Friday unless it is a statutory holiday, plus the weekend days declared
make-up working days (调休上班). The default source is the maintained
`chinesecalendar` package; a year it does not cover is a clear error, never a guess.
A calendar file can supply or correct years::

    # calendar.yaml
    calendar:
      2027:
        holidays: [2027-01-01, 2027-02-05, ...]   # 放假（含调休放假的工作日）
        workdays: [2027-02-07]                     # 调休上班的周末

Every year in the file is complete: a day of that year not listed is a working day
if and only if it is Monday to Friday.

"Within N working days of an event" means on or before the N-th working day after
the event's date (the event's own day does not count): inspected on Friday
2026-05-08, within 2 working days = by Tuesday 2026-05-12.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from .errors import InputError, Location, Problem
from .i18n import Text

try:
    import chinese_calendar as _cc  # type: ignore
except ImportError:  # pragma: no cover - a declared dependency
    _cc = None


class WorkingCalendar:
    def __init__(self, years: Mapping[int, tuple[Iterable[_dt.date], Iterable[_dt.date]]] | None = None,
                 use_official: bool = True, source: str | None = None):
        self._years: dict[int, tuple[frozenset[_dt.date], frozenset[_dt.date]]] = {
            int(y): (frozenset(h), frozenset(w)) for y, (h, w) in (years or {}).items()}
        self._official = use_official and _cc is not None
        self.source = source or ("chinesecalendar" if self._official else "file")
        self._cache: dict[_dt.date, bool] = {}
        self._added: dict[tuple[_dt.date, int], _dt.date] = {}

    @classmethod
    def official(cls) -> "WorkingCalendar":
        return cls()

    @classmethod
    def from_file(cls, path: str | Path, use_official: bool = True) -> "WorkingCalendar":
        """A calendar file (YAML or JSON, see the module doc) over the official calendar."""
        from .yaml_source import load_yaml_file
        doc = load_yaml_file(str(path))
        data = doc.data
        problems: list[Problem] = []
        years: dict[int, tuple[list[_dt.date], list[_dt.date]]] = {}
        body = data.get("calendar") if isinstance(data, dict) else None
        if not isinstance(body, dict):
            raise InputError([Problem("calendar.format", Text(zh="日历文件须有顶层键 calendar，其下按年份列出",
                                                              en="a calendar file needs a top-level `calendar` mapping of years"),
                                      doc.locate(()), ("calendar",))])
        for year, entry in body.items():
            try:
                y = int(year)
            except (TypeError, ValueError):
                problems.append(Problem("calendar.year", Text(zh="年份须为整数", en="a year must be a whole number"),
                                        doc.locate(("calendar", year)), ("calendar", year), found=str(year)))
                continue
            lists: list[list[_dt.date]] = []
            for key in ("holidays", "workdays"):
                items = (entry or {}).get(key, []) if isinstance(entry, dict) else None
                days: list[_dt.date] = []
                if not isinstance(items, list):
                    problems.append(Problem("calendar.list", Text(zh=f"{key} 须为日期列表", en=f"{key} must be a list of dates"),
                                            doc.locate(("calendar", year)), ("calendar", year, key)))
                    items = []
                for i, d in enumerate(items):
                    try:
                        day = d if isinstance(d, _dt.date) else _dt.date.fromisoformat(str(d))
                    except ValueError:
                        problems.append(Problem("calendar.date", Text(zh="不是日期 YYYY-MM-DD", en="not a date YYYY-MM-DD"),
                                                doc.locate(("calendar", year, key, i)), ("calendar", year, key, i),
                                                found=str(d)))
                        continue
                    if day.year != y:
                        problems.append(Problem("calendar.wrong_year",
                                                Text(zh=f"日期不在 {y} 年内", en=f"the date is not in {y}"),
                                                doc.locate(("calendar", year, key, i)), ("calendar", year, key, i),
                                                found=day.isoformat()))
                    days.append(day)
                lists.append(days)
            years[y] = (lists[0], lists[1])
        if problems:
            raise InputError(problems)
        return cls(years, use_official=use_official, source=str(path))

    def covers(self, year: int) -> bool:
        if year in self._years:
            return True
        if not self._official:
            return False
        return _official_range()[0] <= year <= _official_range()[1]

    def is_workday(self, day: _dt.date) -> bool:
        hit = self._cache.get(day)
        if hit is not None:
            return hit
        entry = self._years.get(day.year)
        if entry is not None:
            holidays, workdays = entry
            result = day in workdays or (day.weekday() < 5 and day not in holidays)
        elif self.covers(day.year):
            result = bool(_cc.is_workday(day))
        else:
            raise InputError([_uncovered(day.year, self)])
        self._cache[day] = result
        return result

    def add_working_days(self, start: _dt.date, n: int) -> _dt.date:
        """The n-th working day after `start` (n = 0: `start` itself)."""
        hit = self._added.get((start, n))
        if hit is not None:
            return hit
        day = start
        left = n
        while left > 0:
            day += _dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        if len(self._added) > 100_000:  # a few years of start dates for a few limits; bound it anyway
            self._added.clear()
        self._added[(start, n)] = day
        return day


@lru_cache(maxsize=1)
def _official_range() -> tuple[int, int]:
    if _cc is None:
        return (1, 0)
    holidays = getattr(_cc, "holidays", {})
    years = sorted({d.year for d in holidays})
    return (years[0], years[-1]) if years else (1, 0)


def _uncovered(year: int, calendar: WorkingCalendar) -> Problem:
    lo, hi = _official_range()
    covered = f"{lo}–{hi}" if lo <= hi else "—"
    return Problem(
        "calendar.year_not_covered",
        Text(zh=f"工作日历不含 {year} 年（chinesecalendar 覆盖 {covered} 年）；请升级 chinesecalendar，"
                f"或用 --calendar 提供日历文件（格式见 docs/evaluation.md）",
             en=f"the working-day calendar does not cover {year} (chinesecalendar covers {covered}); upgrade "
                f"chinesecalendar or supply a calendar file with --calendar (format in docs/evaluation.md)"),
        Location(file=calendar.source if calendar.source not in ("chinesecalendar", "file") else None),
        found=str(year))
