"""Consumers pickled between the parts of a large audit (offenders as columns, distinct
strings joined into one) come back equal, and merge and count as the originals do."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from hypothesis import given, settings, strategies as st

from policy_rules.calendar import WorkingCalendar
from policy_rules.errors import Location
from policy_rules.evaluators import spill
from policy_rules.deadlines import FAIL, Verdict
from policy_rules.findings import Aggregator, ObjectDeadlineCollector, OffenderCollector, PackedFailures
from policy_rules.schema import ByDateSchedule

locations = st.builds(Location, st.none() | st.sampled_from(["a.jsonl", "b.csv"]), st.none() | st.integers(1, 10**7),
                      st.none() | st.integers(1, 99))
refs = st.tuples(st.sampled_from(["record", "inspector"]), st.text(max_size=4), locations,
                 st.none() | st.sampled_from(["T1", "T2"]))
odd_refs = st.tuples(st.just("record"), st.text(max_size=3), st.none(), st.none()) | \
    st.tuples(st.just("plan"), st.just("P"))
ref_lists = st.lists(refs, max_size=30) | st.lists(refs | odd_refs, max_size=30)
# (day the result was entered, or None): the due date is 31 March, judged on 30 June
entries = st.lists(st.tuples(refs | odd_refs, st.none() | st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
                   max_size=30)


def _roundtrip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


@settings(max_examples=150)
@given(ref_lists, ref_lists, st.integers(1, 5))
def test_offender_collector_pickles_to_an_equal_collector(a, b, chunk):
    old, spill.REF_CHUNK = spill.REF_CHUNK, chunk  # small pieces: most refs go packed
    try:
        first, second = OffenderCollector(), OffenderCollector()
        for ref in a:
            first.take((), ref)
        for ref in b:
            second.take((), ref)
        back = _roundtrip(first)
        assert list(back.refs) == a and len(back.refs) == len(a) and bool(back.refs) == bool(a)
        assert all(type(c) is bytes for c in back.refs.chunks) and len(back.refs.window) < chunk
        assert [type(r[2]) for r in back.refs if len(r) > 2] == [type(r[2]) for r in a if len(r) > 2]
        back.merge(_roundtrip(second))
        assert list(back.refs) == a + b and len(back.refs) == len(a) + len(b)
    finally:
        spill.REF_CHUNK = old


@settings(max_examples=200)
@given(st.lists(ref_lists, max_size=4), st.integers(1, 6), st.lists(st.booleans(), min_size=4, max_size=4))
def test_packed_refs_are_the_refs_in_order_however_they_were_joined(lists, chunk, by_extend):
    old, spill.REF_CHUNK = spill.REF_CHUNK, chunk
    try:
        joined = spill.PackedRefs()
        for refs, packed in zip(lists, by_extend):
            if packed:  # another PackedRefs (a part's), or the refs one by one
                joined.extend(_roundtrip(spill.PackedRefs(refs)))
            else:
                for ref in refs:
                    joined.append(ref)
        want = [ref for refs in lists[:len(by_extend)] for ref in refs]
        assert list(joined) == want and len(joined) == len(want) and list(_roundtrip(joined)) == want
    finally:
        spill.REF_CHUNK = old


def _deadline_collector():
    schedule = ByDateSchedule(type="by_date", fact="record", field="result_published_on", due="03-31")
    return ObjectDeadlineCollector(schedule, 2026, dt.date(2026, 6, 30), WorkingCalendar(use_official=False))


@settings(max_examples=150)
@given(entries, entries, st.integers(1, 5))
def test_deadline_collector_pickles_to_an_equal_collector(a, b, chunk):
    old, spill.REF_CHUNK = spill.REF_CHUNK, chunk  # small pieces: most failures go packed
    try:
        first, second, whole = _deadline_collector(), _deadline_collector(), _deadline_collector()
        for collector, rows in ((first, a), (second, b), (whole, a + b)):
            for ref, done_on in rows:
                collector.take((done_on,), ref)
        late = [(ref, done_on) for ref, done_on in a if done_on is None or done_on > dt.date(2026, 3, 31)]
        assert [ref for ref, _ in first.failed] == [ref for ref, _ in late] and len(first.failed) == len(late)
        assert all(type(v) is Verdict and v.status == FAIL for _, v in first.failed)
        assert all(type(c) is bytes for c in first.failed.chunks) and len(first.failed.window) < chunk
        back = _roundtrip(first)
        assert list(back.failed) == list(first.failed) and isinstance(back.failed, PackedFailures)
        assert (back.passed, back.pending, back.next_due, back.fixed_due) == \
            (first.passed, first.pending, first.next_due, first.fixed_due)
        back.merge(_roundtrip(second))
        assert list(back.failed) == list(whole.failed) and (back.passed, back.pending) == (whole.passed, whole.pending)
    finally:
        spill.REF_CHUNK = old


# strings with the separators the joined form tries ("\x00", "\x1f", "\n", "\ufdd0") and empty ones
texts = st.text(st.sampled_from(["a", "b", "\x00", "\x1f", "\n", "\ufdd0", "é"]), max_size=3)
values = st.lists(st.none() | texts, max_size=25) | st.lists(st.none() | texts | st.integers(0, 3), max_size=25)


@settings(max_examples=300)
@given(st.lists(values, min_size=1, max_size=3), values, st.booleans())
def test_distinct_values_merged_from_pickled_parts_count_as_one_set(parts, later, pickle_main):
    main = Aggregator("credit_code", None)
    for part_values in parts:
        part = Aggregator("credit_code", None)
        for v in part_values:
            part.take((v,), ("record", "R", None, "T1"))
        main.merge(_roundtrip(part))
    if pickle_main:
        main = _roundtrip(main)  # joined strings and a set together, pickled again
    everything = [v for vs in parts for v in vs if v is not None]
    assert main.value == len(set(everything))
    for v in later:  # takes after the merge still count once
        main.take((v,), ("record", "R", None, "T1"))
    assert main.value == len(set(everything) | {v for v in later if v is not None})


def test_credit_codes_travel_as_a_string_per_last_character():
    part = Aggregator("credit_code", None)
    for n in range(1000):
        part.take((f"91130534{n:010d}",), ("record", "R", None, "T1"))
    state = part.__getstate__()
    assert state["values"] == set()
    assert [(sep, last) for sep, last, _ in state["joined"]] == [("\x00", str(d)) for d in range(10)]
    assert all(v.endswith(last) for _, last, text in state["joined"] for v in text.split("\x00"))
    assert _roundtrip(part).value == 1000


@settings(max_examples=300)
@given(st.lists(st.lists(texts, max_size=40), min_size=1, max_size=4), st.lists(texts, max_size=10))
def test_distinct_count_of_grouped_parts_and_own_values(parts, own):
    # the joined groups of several parts (as __getstate__ makes them) and values of this
    # process: each value counted once, whichever part or group holds it
    from policy_rules import findings
    joined = []
    for vs in parts:
        part = Aggregator("credit_code", None)
        for v in vs:
            part.take((v,), ("record", "R", None, "T1"))
        state = part.__getstate__()
        joined += state["joined"]
        assert not state["values"] or not any(state["joined"])  # grouped, or (no free separator) left a set
        own += list(state["values"])
    expected = set(own) | {v for vs in parts for v in vs}
    assert findings._distinct_count(set(own), joined) == len(expected)


@pytest.mark.parametrize("in_memory,chunk", [(1, 1), (3, 2), (4, 5)])
def test_distinct_values_held_on_disk_count_merge_and_travel_as_one_set(in_memory, chunk):
    # past `DISTINCT_IN_MEMORY` values an aggregator of strings writes them to disk by last
    # character: counted, merged and pickled, they are still one set
    from policy_rules import findings
    from policy_rules.evaluators import spill

    saved = findings.DISTINCT_IN_MEMORY, spill.BUCKET_CHUNK
    findings.DISTINCT_IN_MEMORY, spill.BUCKET_CHUNK = in_memory, chunk
    try:
        _spilled_sets_count_as_one_set()
    finally:
        findings.DISTINCT_IN_MEMORY, spill.BUCKET_CHUNK = saved


@settings(max_examples=150)
@given(st.lists(values, min_size=1, max_size=3), values, st.booleans(), st.booleans())
def _spilled_sets_count_as_one_set(parts, later, pickle_parts, pickle_main):
    main = Aggregator("credit_code", None)
    for part_values in parts:
        part = Aggregator("credit_code", None)
        for v in part_values:
            part.take((v,), ("record", "R", None, "T1"))
        everything = {v for v in part_values if v is not None}
        assert part.value == len(everything)
        if all(type(v) is str for v in everything) and len(everything) >= 2 * findings_limit():
            assert part.spilled is not None  # the values did go to disk
        main.merge(_roundtrip(part) if pickle_parts else part)
    if pickle_main:
        main = _roundtrip(main)
    everything = {v for vs in parts for v in vs if v is not None}
    assert main.value == len(everything)
    for v in later:
        main.take((v,), ("record", "R", None, "T1"))
    assert main.value == len(everything | {v for v in later if v is not None})
    assert _roundtrip(main).value == main.value


def findings_limit() -> int:
    from policy_rules import findings
    return findings.DISTINCT_IN_MEMORY
