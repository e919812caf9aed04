"""duplicate_in_task / repeat_in_year: the streamed state agrees with a brute-force oracle."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from shuangsuiji_core.facts import StreamState, order_key

records = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["T1", "T2", "T3"]), st.sampled_from(["c1", "c2", "c3"])),
                   max_size=40)


@settings(max_examples=300)
@given(records)
def test_stream_state_matches_brute_force(rows):
    rows = [(dt.date(2026, 1, 1) + dt.timedelta(days=d), f"R{i:02d}", task, cc) for i, (d, task, cc) in enumerate(rows)]
    state = StreamState()
    for day, rid, task, cc in rows:
        state.observe(order_key(day, rid), task, cc)
    for day, rid, task, cc in rows:
        key = (day, rid)
        dup = any((d, r) < key for d, r, t, c in rows if t == task and c == cc)
        rep = any((d, r) < key for d, r, t, c in rows if t != task and c == cc)
        snap, ref = (day, cc), ("record", rid, None, task)
        assert state.value("record", "duplicate_in_task", snap, ref) == dup
        assert state.value("record", "repeat_in_year", snap, ref) == rep


@given(st.dates(), st.text(max_size=5), st.dates(), st.text(max_size=5))
def test_order_key_sorts_like_the_date_and_id(d1, id1, d2, id2):
    assert (order_key(d1, id1) < order_key(d2, id2)) == ((d1, id1) < (d2, id2))
