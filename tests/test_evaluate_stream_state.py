"""duplicate_in_task / repeat_in_year: the streamed state agrees with a brute-force oracle,
also when the stream is cut into shards whose states are exchanged as shards.py does, and
also kept on disk by bucket (`BucketedStreamState`, chunks of a few observations so
that they are written and read back)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from shuangsuiji_core.facts import StreamState, order_key
from shuangsuiji_core.stream_state import BucketedStreamState

FIELDS = ("duplicate_in_task", "repeat_in_year")

records = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["T1", "T2", "T3"]), st.sampled_from(["c1", "c2", "c3"])),
                   max_size=40)


def _rows(drawn):
    # ids of different lengths, so that the id decides between records of one day both ways
    return [(dt.date(2026, 1, 1) + dt.timedelta(days=d), f"R{i % 7}{'x' * (i % 3)}-{i}", task, cc)
            for i, (d, task, cc) in enumerate(drawn)]


def _expected(rows, day, rid, task, cc):
    key = (day, rid)
    dup = any((d, r) < key for d, r, t, c in rows if t == task and c == cc)
    rep = any((d, r) < key for d, r, t, c in rows if t != task and c == cc)
    return {"duplicate_in_task": dup, "repeat_in_year": rep}


def _new_state(wide: bool, bucketed: bool = False) -> StreamState | BucketedStreamState:
    state = BucketedStreamState(buckets=4, chunk=3) if bucketed else StreamState()
    if wide:  # T1, T2, T3 become tasks 254 (the last one-byte task number), 255 and 256 (wide form)
        for n in range(254):
            state.observe(order_key(dt.date(2026, 6, 1), f"W{n}"), f"W{n}", f"w{n}")
    return state


def _values(state, day, rid, task, cc):
    snap, ref = StreamState.snapshot("record", {"inspected_on": day, "credit_code": cc}), ("record", rid, None, task)
    single = {f: state.value("record", f, snap, ref) for f in FIELDS}
    if isinstance(state, BucketedStreamState):  # as the driver does: the candidate's bucket opened first
        state.open_bucket(state.bucket_of(snap))
    for names in (FIELDS, FIELDS[::-1], *((f,) for f in FIELDS)):
        # one candidate among others in its chunk: answers in the order of `names`
        assert state.resolve_many("record", names, [snap, snap], [rid, rid], [task, task]) == [
            tuple(single[f] for f in names)] * 2
    return single


@pytest.mark.parametrize("bucketed", [False, True])
@pytest.mark.parametrize("wide", [False, True])
@settings(max_examples=300)
@given(records)
def test_stream_state_matches_brute_force(wide, bucketed, drawn):
    rows = _rows(drawn)
    state = _new_state(wide, bucketed)
    for day, rid, task, cc in rows:
        state.observe(order_key(day, rid), task, cc)
    for day, rid, task, cc in rows:
        assert _values(state, day, rid, task, cc) == _expected(rows, day, rid, task, cc)
        assert state.first_in_task(task, cc) == min(order_key(d, r) for d, r, t, c in rows if t == task and c == cc)
    assert state.first_in_task("T9", "c1") is None and state.first_in_task("T1", "c9") is None


@pytest.mark.parametrize("bucketed", [(False,), (True,), (False, True)])
@pytest.mark.parametrize("wide", [False, True])
@settings(max_examples=300)
@given(records, st.lists(st.integers(0, 40), min_size=1, max_size=2), st.randoms(use_true_random=False))
def test_shards_that_exchange_their_state_give_the_values_of_one_state(wide, bucketed, drawn, cuts, rng):
    rows = _rows(drawn)
    rng.shuffle(rows)  # the state must not depend on the order records arrive in
    bounds = [0, *sorted(min(c, len(rows)) for c in cuts), len(rows)]
    shards = [rows[a:b] for a, b in zip(bounds, bounds[1:])]
    # the shards' states of one kind or, exchanging what the other kind hands over, of both
    states = [_new_state(wide and k == 0, bucketed[k % len(bucketed)]) for k in range(len(shards))]
    for state, shard in zip(states, shards):
        for day, rid, task, cc in shard:
            state.observe(order_key(day, rid), task, cc)
    # the exchange of shuangsuiji_core/shards.py: codes seen by two shards, their state, absorbed by the others
    seen = [set(state.code_hashes()) for state in states]
    shared = set()
    for k, mine in enumerate(seen):
        for other in seen[k + 1:]:
            shared |= mine & other
    parts = [state.part(shared) for state in states]
    for k, state in enumerate(states):
        state.absorb([item for j, p in enumerate(parts) if j != k for item in p])
    for state, shard in zip(states, shards):
        for day, rid, task, cc in shard:
            assert _values(state, day, rid, task, cc) == _expected(rows, day, rid, task, cc)


@pytest.mark.parametrize("bucketed", [False, True])
def test_part_hands_over_the_first_key_of_each_task_of_the_codes_asked_for(bucketed):
    state = _new_state(False, bucketed)
    d = dt.date(2026, 3, 1)
    for rid, task, cc in [("b", "T1", "c1"), ("a", "T1", "c1"), ("c", "T2", "c1"), ("d", "T1", "c2")]:
        state.observe(order_key(d, rid), task, cc)
    assert state.part({hash("c1")}) == [("c1", [(order_key(d, "a"), "T1"), (order_key(d, "c"), "T2")])]
    assert state.part(set()) == []
    assert sorted(state.code_hashes()) == sorted([hash("c1"), hash("c2")])


text_with_surrogates = st.text(st.characters(exclude_categories=()), max_size=5)


@given(st.dates(), text_with_surrogates, st.dates(), text_with_surrogates)
def test_order_key_sorts_like_the_date_and_id(d1, id1, d2, id2):
    assert (order_key(d1, id1) < order_key(d2, id2)) == ((d1, id1) < (d2, id2))
    assert (order_key(d1, id1) == order_key(d2, id2)) == ((d1, id1) == (d2, id2))
