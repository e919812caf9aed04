"""A JSON Lines record decoded and type-checked in one call (msgspec, in C) straight into
what `RecordFacts.unit` takes, without a dict per object or a pydantic model - for the
exactly canonical case only.

`line_values(raw)` accepts a line only when `Record.model_validate(json.loads(raw))`
would accept it and give the same values: strings where the model wants text
(non-empty where it says so), real booleans for its strict booleans, dates written
exactly `YYYY-MM-DD`, enum values from the enums' own values, credit codes that
`credit_code_problem` passes, no unknown key at any level, `extra` an object, and no key
written twice (the structs keep the last of two; the line's `":` count then exceeds the
keys read, see `records._fast_jsonl_record`). For anything else it returns None, and the
line takes the ordinary path (`json` with the duplicate-key hook, then the model), which
alone says what is wrong. The model in shuangsuiji_core/records.py stays the definition
of what is valid; tests/test_fast_rows.py compares the two paths on arbitrary lines.

Why a decoder of its own: msgspec decodes and type-checks a 570-byte record in about
1 us. From the line to the values, this path took 8.2 us where pydantic's JSON reader
into dicts, then the checks of the dicts in Python, took 11.4 us (100k lines, best of
3, the same machine in the same minute; the credit-code check and key count included
in both).
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType
from msgspec.structs import astuple

from ..credit_code import credit_code_problem
from ..plan import Method
from ..records import FollowUpAction, Platform, RiskClass
from .fast_rows import nested_keys

# the enums' own value strings: msgspec hands back these very objects
_Risk = Literal[tuple(m._value_ for m in RiskClass)]
_Method = Literal[tuple(m._value_ for m in Method)]
_Action = Literal[tuple(m._value_ for m in FollowUpAction)]
_Platform = Literal[tuple(m._value_ for m in Platform)]
_Text = Annotated[str, Meta(min_length=1)]


# Every optional field defaults to UNSET, not None: a key written as null and a key left
# out read differently, so the keys of the line can be counted.
class _Entity(Struct, forbid_unknown_fields=True):
    credit_code: str | None | UnsetType = UNSET
    name: str | None | UnsetType = UNSET
    is_enterprise: bool | UnsetType = UNSET
    risk_class: _Risk | None | UnsetType = UNSET


class _Inspector(Struct, forbid_unknown_fields=True):
    id: _Text
    certified: bool | None | UnsetType = UNSET
    drawn_randomly: bool | None | UnsetType = UNSET
    conflict_of_interest: bool | None | UnsetType = UNSET


class _FollowUp(Struct, forbid_unknown_fields=True):
    action: _Action
    recorded_on: _dt.date | None | UnsetType = UNSET
    published_on: _dt.date | None | UnsetType = UNSET


class _Record(Struct, forbid_unknown_fields=True, kw_only=True):
    id: _Text
    task_id: _Text
    entity: _Entity | UnsetType = UNSET
    inspectors: list[_Inspector]
    drawn_randomly: bool | None | UnsetType = UNSET
    method: _Method | None | UnsetType = UNSET
    inspected_on: _dt.date
    problems_found: bool | None | UnsetType = UNSET
    result_entered_on: _dt.date | None | UnsetType = UNSET
    result_published_on: _dt.date | None | UnsetType = UNSET
    follow_up: _FollowUp | None | UnsetType = UNSET
    platform: _Platform | None | UnsetType = UNSET
    extra: dict[str, Any] | UnsetType = UNSET


_decode = msgspec.json.Decoder(_Record).decode
_RECORD_FIELDS = len(_Record.__struct_fields__)
_ENTITY_FIELDS = len(_Entity.__struct_fields__)
_INSPECTOR_FIELDS = len(_Inspector.__struct_fields__)
_FOLLOW_UP_FIELDS = len(_FollowUp.__struct_fields__)


def line_values(raw: bytes) -> tuple | None:
    """The values `RecordFacts.unit` takes (see `facts.record_values`) of one JSON line,
    or None when the line is not exactly canonical."""
    try:
        r = _decode(raw)
    except msgspec.DecodeError:  # also ValidationError: not JSON, or not of the structs' types
        return None
    # the fields as one tuple (C), UNSET turned to None only where one was left out
    fields = astuple(r)
    unset = fields.count(UNSET)
    (rid, task, e, inspectors, drawn_randomly, method, inspected_on, problems_found, entered, published, fu, platform,
     extra) = fields if not unset else [None if v is UNSET else v for v in fields]
    keys = _RECORD_FIELDS - unset
    if e is None:
        cc = name = risk = None
        is_enterprise = True
    else:
        fields = astuple(e)
        unset = fields.count(UNSET)
        keys += _ENTITY_FIELDS - unset
        cc, name, is_enterprise, risk = fields if not unset else [None if v is UNSET else v for v in fields]
        if is_enterprise is None:
            is_enterprise = True
        if cc is not None and credit_code_problem(cc) is not None:
            return None
    ins = []
    append = ins.append
    keys += _INSPECTOR_FIELDS * len(inspectors)
    for i in inspectors:
        fields = astuple(i)
        unset = fields.count(UNSET)
        if unset:
            keys -= unset
            fields = [None if v is UNSET else v for v in fields]
        append((*fields, None))
    if fu is None:
        action = recorded = fu_published = None
    else:
        fields = astuple(fu)
        unset = fields.count(UNSET)
        keys += _FOLLOW_UP_FIELDS - unset
        action, recorded, fu_published = fields if not unset else [None if v is UNSET else v for v in fields]
    if extra is not None:
        keys += nested_keys(extra)
    if raw.count(b'":') != keys:
        return None
    return (rid, task, cc, name, is_enterprise, risk, drawn_randomly, method, inspected_on, problems_found,
            entered, published, action, recorded, fu_published, platform, ins)
