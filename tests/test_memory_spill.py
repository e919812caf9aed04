"""SpillList: what comes back from the temporary file is what went in, in order, whatever
the shape of the items (the driver's candidates are written column by column)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from policy_rules.errors import Location
from policy_rules.evaluators.spill import SpillList

locations = st.builds(Location, st.none() | st.sampled_from(["a.jsonl", "b.csv"]), st.none() | st.integers(1, 10**7),
                      st.none() | st.integers(1, 99))
snapshots = st.tuples(st.none() | st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), st.none() | st.text(max_size=3))
refs = st.tuples(st.sampled_from(["record", "inspector"]), st.text(max_size=4), locations,
                 st.none() | st.sampled_from(["T1", "T2"]))
candidates = st.tuples(snapshots, refs) | st.tuples(snapshots, refs, st.tuples(st.tuples(st.integers())))
# what the column form must leave to plain pickling: no Location, another ref shape, not a tuple
others = st.tuples(snapshots, st.tuples(st.just("record"), st.text(max_size=2), st.none(), st.just("T1"))) | \
    st.tuples(snapshots, st.tuples(st.just("record"), st.just("x"))) | st.lists(st.integers(), max_size=2) | st.integers()


def _run(items, keep, chunk):
    spill = SpillList(keep=keep, chunk=chunk)
    for item in items:
        spill.append(item)
    got = list(spill)
    again = list(spill)  # iterating twice reads the file from its start again
    spilled, had_file = spill.spilled, spill.file is not None
    spill.close()
    assert spill.file is None and list(spill) == []
    return got, again, spilled, had_file


@settings(max_examples=200)
@given(st.lists(candidates, max_size=60) | st.lists(candidates | others, max_size=60), st.integers(0, 5),
       st.integers(1, 7))
def test_items_come_back_in_order_and_equal(items, keep, chunk):
    got, again, spilled, had_file = _run(items, keep, chunk)
    assert got == items and again == items
    assert [type(x) for x in got] == [type(x) for x in items]
    assert spilled == (max(0, len(items) - keep) // chunk) * chunk
    assert had_file == (spilled > 0)
    for a, b in zip(got, items):
        if isinstance(b, tuple) and len(b) > 1 and isinstance(b[1], tuple) and len(b[1]) > 2:
            assert type(a[1][2]) is type(b[1][2])  # a Location comes back a Location


def test_the_default_window_is_small_and_spills_the_rest():
    spill = SpillList()
    loc = Location("records.jsonl", 1, 1)
    n = 50_000
    for i in range(n):
        spill.append(((dt.date(2026, 1, 1), "c"), ("record", f"R{i}", loc, "T1")))
    assert len(spill.items) < 16_384 and spill.spilled == n - len(spill.items)
    assert [ref[1] for _, ref in spill] == [f"R{i}" for i in range(n)]
    spill.close()


@settings(max_examples=200)
@given(st.lists(candidates | st.tuples(snapshots, st.tuples(st.just("record"), st.text(max_size=2), st.none(),
                                                             st.just("T1"))), max_size=60),
       st.integers(0, 5), st.integers(1, 7))
def test_chunks_hold_the_items_in_order_with_their_columns(items, keep, chunk):
    spill = SpillList(keep=keep, chunk=chunk)
    for item in items:
        spill.append(item)
    got, columns = [], []
    for snaps, ids, tasks, item in spill.chunks():
        assert len(snaps) == len(ids) == len(tasks)
        columns += zip(snaps, ids, tasks)
        got += [item(i) for i in range(len(snaps))]
    assert got == items and [type(x[1][2]) for x in got] == [type(x[1][2]) for x in items]
    assert columns == [(x[0], x[1][1], x[1][3]) for x in items]
    spill.close()


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 3), candidates), max_size=60), st.integers(1, 5))
def test_buckets_give_each_bucket_its_items_in_order(filed, chunk):
    from policy_rules.evaluators.spill import Buckets

    buckets = Buckets(4, lambda item: item[0], chunk=chunk)
    for item in filed:
        buckets.append(item)
    assert buckets.file is None or any(buckets.offsets)
    for _ in range(2):  # reading leaves the file for the next read (and for more appends)
        for b in range(4):
            mine = [item for item in filed if item[0] == b]
            assert buckets.holds(b) == bool(mine)
            got = [x for chunk_items in buckets.chunks(b) for x in (chunk_items[1] if chunk_items[0] == "items"
                                                                    else list(_unpacked(chunk_items)))]
            assert got == mine
    buckets.close()
    assert buckets.file is None and not any(buckets.holds(b) for b in range(4))


def _unpacked(chunk):
    from policy_rules.evaluators.spill import _unpack
    return _unpack(chunk)


@settings(max_examples=200)
@given(st.lists(candidates, max_size=60), st.integers(1, 5), st.integers(0, 40))
def test_bucket_chunks_hold_the_items_with_their_columns_also_after_more_appends(items, chunk, more_at):
    from policy_rules.evaluators.spill import Buckets

    def bucket(item):  # by the ref's id
        return len(item[1][1]) % 2

    buckets = Buckets(2, bucket, chunk=chunk)
    for item in items[:more_at]:
        buckets.append(item)
    list(buckets.candidate_chunks(0))  # a read between appends moves the file's position
    for item in items[more_at:]:
        buckets.append(item)
    for b in range(2):
        got, columns = [], []
        for snaps, ids, tasks, item in buckets.candidate_chunks(b):
            columns += zip(snaps, ids, tasks)
            got += [item(i) for i in range(len(snaps))]
        mine = [x for x in items if bucket(x) == b]
        assert got == mine and [type(x[1][2]) for x in got] == [type(x[1][2]) for x in mine]
        assert columns == [(x[0], x[1][1], x[1][3]) for x in mine]
    buckets.close()
