"""The state of a record stream that two record fields depend on, resolved after it.

- `duplicate_in_task`: another record of the same task and credit code comes first
  by `(inspected_on, id)`;
- `repeat_in_year`: a record of another task with the same credit code comes first.

Per credit code only the first record of each task matters, so the state is a
minimum per (task, credit code): independent of record order, and mergeable. A stream
cut into shards (evaluated in parallel processes) is resolved exactly by exchanging
only the state of the credit codes that occur in more than one shard:
`code_hashes()` says which codes a shard saw, `part(hashes)` hands over their state,
and `absorb(part)` gives the same state as if those records had been observed here.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from typing import Iterable


def order_key(inspected_on: _dt.date, record_id: str) -> str:
    """`(inspected_on, id)` as one string that sorts the same way (the day number is fixed
    width): a fraction of the memory of a tuple of a date and a string, per business."""
    return f"{inspected_on.toordinal():07d}{record_id}"


class StreamState:
    """Per credit code, the first record by (inspected_on, id): per task, and the first two
    of different tasks. Small state, independent of record order.

    `first_two[cc]` is `(k1, t1, k2, t2)`: the first key overall and its task, and the
    first key of any other task (or None). The first key of a (task, cc) group is kept in
    `other_firsts` only for tasks other than t1 (for t1 it is k1): most businesses are
    inspected in one task only, and then need one entry, not two."""

    def __init__(self):
        self.first_two: dict[str, tuple] = {}
        self.other_firsts: dict[tuple[str, str], tuple] = {}

    def first_in_task(self, task: str, cc: str) -> tuple | None:
        two = self.first_two.get(cc)
        if two is None:
            return None
        return two[0] if two[1] == task else self.other_firsts.get((task, cc))

    def observe(self, key: tuple, task: str, cc: str) -> None:
        two = self.first_two.get(cc)
        if two is None:
            self.first_two[cc] = (key, task, None, None)
            return
        k1, t1, k2, t2 = two
        if task == t1:
            if key < k1:
                self.first_two[cc] = (key, task, k2, t2)
            return
        g = (task, cc)
        cur = self.other_firsts.get(g)
        if cur is None or key < cur:
            self.other_firsts[g] = key
        if key < k1:
            # this task now comes first: its group becomes implicit, the old first's explicit
            self.first_two[cc] = (key, task, k1, t1)
            del self.other_firsts[g]
            self.other_firsts[(t1, cc)] = k1
        elif k2 is None or key < k2:
            self.first_two[cc] = (k1, t1, key, task)

    @staticmethod
    def snapshot(fact_type: str, fields: dict):
        # the ref beside it holds the record id and task; keep only what it lacks
        return (fields["inspected_on"], fields["credit_code"])

    def resolve(self, fact_type: str, names, snap: tuple, ref: tuple) -> dict:
        """`{name: value(...)}` for several fields of one candidate, its key built once."""
        inspected_on, cc = snap
        if cc is None:
            return dict.fromkeys(names, False)
        rid, task = ref[1], ref[3]
        key = order_key(inspected_on, rid)
        out = {}
        for field in names:
            if field == "duplicate_in_task":
                out[field] = self.first_in_task(task, cc) < key
            elif field == "repeat_in_year":
                k1, t1, k2, _ = self.first_two[cc]
                other = k1 if t1 != task else k2
                out[field] = other is not None and other < key
            else:
                raise KeyError(field)
        return out

    def value(self, fact_type: str, field: str, snap: tuple, ref: tuple):
        inspected_on, cc = snap
        if cc is None:
            return False
        rid, task = ref[1], ref[3]
        key = order_key(inspected_on, rid)
        if field == "duplicate_in_task":
            return self.first_in_task(task, cc) < key
        if field == "repeat_in_year":
            k1, t1, k2, _ = self.first_two[cc]
            other = k1 if t1 != task else k2
            return other is not None and other < key
        raise KeyError(field)

    # -- merging the states of shards -------------------------------------------------
    def code_hashes(self) -> array:
        """`hash()` of every credit code seen, as machine integers. Shards are forked from
        one process, so they share its string hash seed and these agree between them."""
        return array("q", map(hash, self.first_two))

    def part(self, hashes: Iterable[int]) -> list[tuple]:
        """`[(credit_code, [(key, task), ...]), ...]`: the first key of each task, for the
        codes whose hash is in `hashes` (a hash collision only hands over a code too many)."""
        wanted = hashes if isinstance(hashes, (set, frozenset)) else set(hashes)
        out: dict[str, list[tuple]] = {}
        for cc, (k1, t1, _k2, _t2) in self.first_two.items():
            if hash(cc) in wanted:
                out[cc] = [(k1, t1)]
        if out:
            for (task, cc), key in self.other_firsts.items():
                firsts = out.get(cc)
                if firsts is not None:
                    firsts.append((key, task))
        return sorted(out.items())

    def absorb(self, part: Iterable[tuple]) -> None:
        """Take in another shard's `part(...)`: the first key per task is all `observe` keeps."""
        observe = self.observe
        for cc, firsts in part:
            for key, task in firsts:
                observe(key, task, cc)

