"""Offenders validated in one call, the location nested, are the offenders the two
models give validated in turn: equal, the same JSON, and bad values still refused."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from policy_rules.errors import Location
from policy_rules.findings import offender, source_ref
from policy_rules.report import Offender

plain = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=5)
locations = st.builds(Location, file=st.none() | st.text(max_size=8), line=st.none() | st.integers(0, 10**6),
                      column=st.none() | st.integers(0, 10**6))


@given(st.sampled_from(["record", "task", "slot"]), st.text(max_size=6) | st.integers(0, 99),
       st.none() | locations, st.none() | st.text(max_size=4), st.dictionaries(st.text(max_size=4), plain, max_size=3))
def test_an_offender_is_the_validated_offender(kind, oid, location, task, detail):
    got = offender((kind, oid, location, task), detail)
    d = dict(detail)
    if task is not None and kind != "task":
        d.setdefault("task_id", task)
    want = Offender(kind=kind, id=str(oid), location=source_ref(location), detail=d)
    assert got == want and got.model_dump_json() == want.model_dump_json()
    assert got.model_fields_set == want.model_fields_set
    if location is not None:
        assert got.location.model_fields_set == want.location.model_fields_set


def test_offenders_share_one_set_of_field_names_that_copies_do_not_change():
    a, b = (offender(("record", f"R{i}", Location("r.jsonl", i, 1), "T1")) for i in (1, 2))
    assert a.model_fields_set is b.model_fields_set and a.location.model_fields_set is b.location.model_fields_set
    before = set(a.model_fields_set)
    copied = a.model_copy(update={"id": "R9"})
    assert copied.id == "R9" and a.id == "R1" and b.model_fields_set == before == set(Offender.model_fields)
    assert copied.model_fields_set is not a.model_fields_set


def test_a_value_validation_would_refuse_is_still_refused():
    with pytest.raises(ValidationError):
        offender(("record", "R1", Location("r.jsonl", 1, 1), "T1"), {"when": object()})
