"""A decoded record (a JSON object, or the dict a CSV row becomes) turned straight into
what `RecordFacts.unit` takes, without a pydantic model - for the exactly canonical
case only.

`record_values(d)` accepts a dict only when `Record.model_validate(d)` would accept it
and give the same values: text where text is expected (non-empty where the model says
so), real booleans for the strict booleans, dates written exactly `YYYY-MM-DD`, enum
values from the enum's own values, credit codes that `credit_code_problem` passes, no
unknown key at any level, `extra` a dict. For anything else it returns None, and the
record takes the ordinary path (pydantic), which alone says what is wrong. The model
in shuangsuiji_core/records.py stays the definition of what is valid;
tests/test_fast_rows.py compares the two paths on arbitrary records.
"""

from __future__ import annotations

import datetime as _dt
import re
from operator import itemgetter

from ..credit_code import credit_code_problem
from ..plan import Method
from ..records import FollowUpAction, Platform, RiskClass

_RECORD_KEYS = frozenset({"id", "task_id", "entity", "inspectors", "drawn_randomly", "method", "inspected_on",
                          "problems_found", "result_entered_on", "result_published_on", "follow_up", "platform",
                          "extra"})
_ENTITY_KEYS = frozenset({"credit_code", "name", "is_enterprise", "risk_class"})
_INSPECTOR_KEYS = frozenset({"id", "certified", "drawn_randomly", "conflict_of_interest"})
_FOLLOW_UP_KEYS = frozenset({"action", "recorded_on", "published_on"})
# value -> the value itself (one string object per value, as the enum members hold)
_RISKS = {m._value_: m._value_ for m in RiskClass}
_METHODS = {m._value_: m._value_ for m in Method}
_ACTIONS = {m._value_: m._value_ for m in FollowUpAction}
_PLATFORMS = {m._value_: m._value_ for m in Platform}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MISSING = object()
_INSPECTOR_VALUES = itemgetter("id", "certified", "drawn_randomly", "conflict_of_interest")

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


def record_values(d: dict) -> tuple | None:
    """The values `RecordFacts.unit` takes (see `facts.record_values`), or None when the
    record is not exactly canonical."""
    try:
        return _values(d)
    except TypeError:  # an unhashable value looked up among the known texts: not canonical
        return None


def _values(d: dict) -> tuple | None:
    if not _RECORD_KEYS.issuperset(d):
        return None
    get = d.get
    rid = get("id")
    task = get("task_id")
    if type(rid) is not str or type(task) is not str or not rid or not task:
        return None
    text = get("inspected_on")
    inspected_on = _dates.get(text) or _date(text)
    if inspected_on is None:
        return None

    e = get("entity", _MISSING)
    if e is _MISSING:
        cc = name = risk = None
        is_enterprise = True
    else:
        if type(e) is not dict or not _ENTITY_KEYS.issuperset(e):
            return None
        cc = e.get("credit_code")
        name = e.get("name")
        is_enterprise = e.get("is_enterprise", True)
        risk = e.get("risk_class")
        if ((cc is not None and not _valid_code(cc))
                or (name is not None and type(name) is not str)
                or (is_enterprise is not True and is_enterprise is not False)):
            return None
        if risk is not None:
            risk = _RISKS.get(risk)
            if risk is None:
                return None

    inspectors = get("inspectors")
    if type(inspectors) is not list:
        return None
    ins = []
    for i in inspectors:
        if type(i) is not dict:
            return None
        if len(i) == 4:  # all four keys (or an unknown one, then one is missing)
            try:
                iid, certified, drawn, conflict = _INSPECTOR_VALUES(i)
            except KeyError:
                return None
        elif _INSPECTOR_KEYS.issuperset(i):
            iid, certified, drawn, conflict = i.get("id"), i.get("certified"), i.get("drawn_randomly"), i.get(
                "conflict_of_interest")
        else:
            return None
        if (type(iid) is not str or not iid
                or not (certified is None or certified is True or certified is False)
                or not (drawn is None or drawn is True or drawn is False)
                or not (conflict is None or conflict is True or conflict is False)):
            return None
        ins.append((iid, certified, drawn, conflict, None))

    drawn_randomly = get("drawn_randomly")
    problems_found = get("problems_found")
    if not (drawn_randomly is None or drawn_randomly is True or drawn_randomly is False) or not (
            problems_found is None or problems_found is True or problems_found is False):
        return None
    method = get("method")
    if method is not None:
        method = _METHODS.get(method)
        if method is None:
            return None
    platform = get("platform")
    if platform is not None:
        platform = _PLATFORMS.get(platform)
        if platform is None:
            return None
    entered = get("result_entered_on")
    if entered is not None:
        entered = _dates.get(entered) or _date(entered)
        if entered is None:
            return None
    published = get("result_published_on")
    if published is not None:
        published = _dates.get(published) or _date(published)
        if published is None:
            return None

    fu = get("follow_up")
    if fu is None:
        action = recorded = fu_published = None
    else:
        if type(fu) is not dict or not _FOLLOW_UP_KEYS.issuperset(fu):
            return None
        action = _ACTIONS.get(fu.get("action"))
        if action is None:
            return None
        recorded = fu.get("recorded_on")
        if recorded is not None:
            recorded = _dates.get(recorded) or _date(recorded)
            if recorded is None:
                return None
        fu_published = fu.get("published_on")
        if fu_published is not None:
            fu_published = _dates.get(fu_published) or _date(fu_published)
            if fu_published is None:
                return None
    extra = get("extra", _MISSING)
    if extra is not _MISSING and type(extra) is not dict:
        return None
    return (rid, task, cc, name, is_enterprise, risk, drawn_randomly, method, inspected_on, problems_found,
            entered, published, action, recorded, fu_published, platform, ins)


def key_count(d: dict) -> int:
    """Keys of all the objects of a record `record_values` accepted (for the JSON Lines
    duplicate-key guard)."""
    n = len(d)
    e = d.get("entity")
    if e is not None:
        n += len(e)
    for i in d["inspectors"]:
        n += len(i)
    fu = d.get("follow_up")
    if fu is not None:
        n += len(fu)
    extra = d.get("extra")
    if extra:
        n += _nested_keys(extra)
    return n


def _nested_keys(value) -> int:
    if type(value) is dict:
        return len(value) + sum(_nested_keys(v) for v in value.values())
    if type(value) is list:
        return sum(_nested_keys(v) for v in value)
    return 0
