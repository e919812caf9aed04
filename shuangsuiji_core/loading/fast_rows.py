"""What the loaders' fast paths share: the canonical forms of a record's values.

The JSON Lines fast path (`jsonl_rows`) and the CSV one (`csv_records`) turn a record
written exactly canonically straight into what `RecordFacts.unit` takes, without a
pydantic model; anything else takes the model, which alone says what is wrong. Both
need the same notion of canonical: enum values from the enums' own values (one string
object per value), dates written exactly `YYYY-MM-DD` (one date object per text), credit
codes that `credit_code_problem` passes. The model in shuangsuiji_core/records.py stays
the definition of what is valid; tests/test_fast_rows.py compares the paths.
"""

from __future__ import annotations

import datetime as _dt
import re

from ..credit_code import credit_code_problem
from ..plan import Method
from ..records import FollowUpAction, Platform, RiskClass

# value -> the value itself (one string object per value, as the enum members hold)
_RISKS = {m._value_: m._value_ for m in RiskClass}
_METHODS = {m._value_: m._value_ for m in Method}
_ACTIONS = {m._value_: m._value_ for m in FollowUpAction}
_PLATFORMS = {m._value_: m._value_ for m in Platform}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# text -> date, for the dates already seen (a file holds few distinct dates)
_dates: dict[str, _dt.date] = {}
_MAX_DATES = 100_000


def _date(text) -> _dt.date | None:
    """The date of exactly `YYYY-MM-DD`, else None (also for what is not text)."""
    d = _dates.get(text) if type(text) is str else None
    if d is not None:
        return d
    if type(text) is not str or len(text) != 10 or not _DATE.fullmatch(text):
        return None
    try:
        d = _dt.date.fromisoformat(text)
    except ValueError:
        return None
    if len(_dates) >= _MAX_DATES:
        _dates.clear()
    _dates[text] = d
    return d


def _valid_code(code) -> bool:
    # not cached: most businesses are inspected once, a cache would only hold memory
    return type(code) is str and credit_code_problem(code) is None


def nested_keys(value) -> int:
    """Keys of all the objects inside a value (nested dicts and lists): for the keys of
    `extra`, counted against the `":` of a JSON line."""
    if type(value) is dict:
        return len(value) + sum(nested_keys(v) for v in value.values())
    if type(value) is list:
        return sum(nested_keys(v) for v in value)
    return 0
