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

The state is kept per business for the whole stream (a province's year is about a
million businesses), so its layout is chosen for memory: one short `bytes` per
business in the common case (inspected in one task), see `StreamState`.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from typing import Iterable

from policy_rules.evaluators.driver import DeferredFields
from policy_rules.evaluators.spill import Buckets


def order_key(inspected_on: _dt.date, record_id: str) -> bytes:
    """`(inspected_on, id)` as one `bytes` that sorts the same way: the day number in 3
    fixed-width bytes (every `date` fits), then the id in UTF-8, whose byte order is the
    code-point order of `str` (`surrogatepass`: lone surrogates too). A third of the
    memory of the tuple, and the value kept per business."""
    day = _DAY_BYTES.get(inspected_on)
    if day is None:  # a year has few days: each day's bytes made once (a record each, twice)
        day = _DAY_BYTES[inspected_on] = inspected_on.toordinal().to_bytes(3, "big")
    return day + record_id.encode("utf-8", "surrogatepass")


# The task of the first key is appended to it as a task number: one byte below 255 (all
# plans seen so far), else four bytes and a 255 marker. Sizes matter here: a key of a
# 9-character id with a one-byte task is a 46-byte object, in the allocator's 48-byte
# size class; four bytes more would put every business in the 64-byte one.
_WIDE = 255


class StreamState:
    """Per credit code, the first record by (inspected_on, id) of each task, and the first
    of any task other than the first one.

    - `first[cc]`: the first key overall with its task number appended (`_unpack` splits it);
    - `second[cc]`: the first key of any other task, only for codes seen in more than
      one task (the only thing `repeat_in_year` needs besides the first);
    - `other_firsts[(task, cc)]`: the first key of each task but the first one's.

    A business inspected once, or several times in one task (nearly all of them), has
    one entry: a dict slot and one `bytes`, beside the credit-code string the stream
    already holds. Keys are `order_key` bytes throughout."""

    def __init__(self):
        self.first: dict[str, bytes] = {}
        self.second: dict[str, bytes] = {}
        self.other_firsts: dict[tuple[str, str], bytes] = {}
        self._suffixes: dict[str, bytes] = {}  # task -> its number as appended to a key
        self._tasks: list[str] = []

    # -- the packed first key ----------------------------------------------------------
    def _suffix(self, task: str) -> bytes:
        suffix = self._suffixes.get(task)
        if suffix is None:
            no = len(self._tasks)
            self._tasks.append(task)
            suffix = self._suffixes[task] = bytes((no,)) if no < _WIDE else no.to_bytes(4, "big") + b"\xff"
        return suffix

    def _unpack(self, packed: bytes) -> tuple[bytes, str]:
        no = packed[-1]
        if no < _WIDE:
            return packed[:-1], self._tasks[no]
        return packed[:-5], self._tasks[int.from_bytes(packed[-5:-1], "big")]

    # -- the API -----------------------------------------------------------------------
    def first_in_task(self, task: str, cc: str) -> bytes | None:
        packed = self.first.get(cc)
        if packed is None:
            return None
        k1, t1 = self._unpack(packed)
        return k1 if t1 == task else self.other_firsts.get((task, cc))

    def observe(self, key: bytes, task: str, cc: str) -> None:
        first = self.first
        packed = first.get(cc)
        if packed is None:
            first[cc] = key + (self._suffixes.get(task) or self._suffix(task))
            return
        k1, t1 = self._unpack(packed)
        if task == t1:
            if key < k1:
                first[cc] = key + packed[len(k1):]
            return
        g = (task, cc)
        cur = self.other_firsts.get(g)
        if key < k1:
            # this task now comes first: its group becomes implicit, the old first's explicit,
            # and the old first (before every other task's) is the first of another task
            first[cc] = key + self._suffix(task)
            if cur is not None:
                del self.other_firsts[g]
            self.other_firsts[(t1, cc)] = k1
            self.second[cc] = k1
            return
        if cur is None or key < cur:
            self.other_firsts[g] = key
        k2 = self.second.get(cc)
        if k2 is None or key < k2:
            self.second[cc] = key

    @staticmethod
    def snapshot(fact_type: str, fields: dict):
        # the ref beside it holds the record id and task; keep only what it lacks. Many
        # candidates share a day: one date object per day (also in the spilled chunks)
        day = fields["inspected_on"]
        return (_DAYS.setdefault(day, day) if day is not None else None, fields["credit_code"])

    def resolve_many(self, fact_type: str, names, snaps, ids, tasks) -> list[tuple]:
        """The values of `names`, in that order, for each candidate of a chunk: `snaps`
        from `snapshot`, the record ids and task ids beside them (the same answers as
        `value`, field by field).

        Called on every record at the end of a stream (half a million in each part of a
        province's audit), so the loop is written out here, and the answer is one of four
        shared tuples: the caller decides each distinct answer once."""
        picks = [_FIELD_NUMBERS[name] for name in names]  # KeyError: a field this state does not know
        answers = [[tuple((dup, rep)[p] for p in picks) for rep in (False, True)] for dup in (False, True)]
        neither = answers[0][0]
        first, second, other_firsts, unpack = self.first, self.second, self.other_firsts, self._unpack
        out = []
        append = out.append
        for (inspected_on, cc), rid, task in zip(snaps, ids, tasks):
            if cc is None:
                append(neither)
                continue
            key = order_key(inspected_on, rid)
            k1, t1 = unpack(first[cc])
            if cc not in second:  # one task holds every record of this code (nearly all of them)
                append(answers[k1 < key][0])
                continue
            dup_first = k1 if t1 == task else other_firsts[(task, cc)]
            other = k1 if t1 != task else second.get(cc)
            append(answers[dup_first < key][other is not None and other < key])
        return out

    def value(self, fact_type: str, field: str, snap: tuple, ref: tuple):
        return self.resolve_many(fact_type, (field,), (snap,), (ref[1],), (ref[3],))[0][0]

    def deferred_fields(self) -> DeferredFields:
        """How the driver resolves the fields this state answers (`DeferredFields`)."""
        return DeferredFields(snapshot=self.snapshot, value=self.value, resolve_many=self.resolve_many)

    def clear(self) -> None:
        """Drop the state of every business: a part of a large audit does, once its
        candidates are resolved, before it pickles its consumers (the state is its
        largest structure, and the pickling its moment of peak memory)."""
        self.first, self.second, self.other_firsts = {}, {}, {}

    # -- merging the states of shards -------------------------------------------------
    def code_hashes(self) -> array:
        """`hash()` of every credit code seen, as machine integers. Shards are forked from
        one process, so they share its string hash seed and these agree between them."""
        return array("q", map(hash, self.first))

    def part(self, hashes: Iterable[int]) -> list[tuple]:
        """`[(credit_code, [(key, task), ...]), ...]`: the first key of each task, for the
        codes whose hash is in `hashes` (a hash collision only hands over a code too many)."""
        wanted = hashes if isinstance(hashes, (set, frozenset)) else set(hashes)
        out: dict[str, list[tuple]] = {}
        unpack = self._unpack
        for cc, packed in self.first.items():
            if hash(cc) in wanted:
                out[cc] = [unpack(packed)]
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


class BucketedStreamState:
    """`StreamState` for a stream too long to hold the state of every business: what it
    observes goes to disk, filed under one of `buckets` buckets by credit code, and the
    state is built one bucket at a time (`open_bucket`), as an ordinary `StreamState`
    of that bucket's observations, so it gives exactly the same answers.

    The state of a province's audit (a million businesses) was the largest thing a part
    held, about 100 bytes a business, growing with the file: here a part holds at most
    `buckets` chunks of observations and one bucket's state (1/64 of the businesses).
    The price is writing each observation once and reading it back two or three times
    (`code_hashes`, `part`, `open_bucket`), a fraction of a microsecond each.

    Every candidate's answers depend only on the state of its own credit code, so
    `bucket_of(snapshot)` tells the driver which bucket to open before resolving it
    (`DeferredFields.bucket_of`). Observations are kept as they come, not reduced to a
    first key per task: reducing needs the state this class exists not to hold."""

    snapshot = staticmethod(StreamState.snapshot)

    def __init__(self, buckets: int = 64, chunk: int | None = None):
        if buckets < 1 or buckets & (buckets - 1):
            raise ValueError("buckets must be a power of two")
        self.buckets = buckets
        self._mask = mask = buckets - 1
        # by credit code as `_code_bucket` files it, written out: this runs once a record, and an
        # observed code is never None
        self._seen = Buckets(buckets, lambda item: hash(item[2]) & mask, chunk=chunk, pack=_columns)
        self._open: tuple[int, StreamState] | None = None

    def deferred_fields(self) -> DeferredFields:
        return DeferredFields(snapshot=self.snapshot, value=self.value, resolve_many=self.resolve_many,
                              buckets=self.buckets, bucket_of=self.bucket_of, open_bucket=self.open_bucket)

    def bucket_of(self, snap: tuple) -> int:
        return self._code_bucket(snap[1])

    def _code_bucket(self, cc: str | None) -> int:
        return hash(cc) & self._mask if cc is not None else 0

    def observe(self, key: bytes, task: str, cc: str) -> None:
        self._seen.append((key, task, cc))
        self._open = None

    def _observed(self, b: int):
        for keys, tasks, codes in self._seen.chunks(b):
            yield from zip(keys, tasks, codes)

    def open_bucket(self, b: int) -> StreamState:
        if self._open is None or self._open[0] != b:
            state = StreamState()
            observe = state.observe
            for key, task, cc in self._observed(b):
                observe(key, task, cc)
            self._open = (b, state)
        return self._open[1]

    def resolve_many(self, fact_type: str, names, snaps, ids, tasks) -> list[tuple]:
        """As `StreamState.resolve_many`, for candidates of the bucket opened last."""
        if self._open is None:
            raise RuntimeError("resolve_many before open_bucket")
        return self._open[1].resolve_many(fact_type, names, snaps, ids, tasks)

    def value(self, fact_type: str, field: str, snap: tuple, ref: tuple):
        return self.open_bucket(self.bucket_of(snap)).value(fact_type, field, snap, ref)

    def first_in_task(self, task: str, cc: str) -> bytes | None:
        return self.open_bucket(self._code_bucket(cc)).first_in_task(task, cc)

    def clear(self) -> None:
        self._seen.close()
        self._open = None

    def code_hashes(self) -> array:
        out = array("q")
        for b in range(self.buckets):
            codes: set[str] = set()
            for _, _, bucket_codes in self._seen.chunks(b):
                codes.update(bucket_codes)
            out.extend(map(hash, codes))
        return out

    def part(self, hashes: Iterable[int]) -> list[tuple]:
        wanted = hashes if isinstance(hashes, (set, frozenset)) else set(hashes)
        out: list[tuple] = []
        if not wanted:
            return out
        for b in range(self.buckets):
            shared = StreamState()  # of the wanted codes only: few, beside the bucket
            observe = shared.observe
            for keys, tasks, codes in self._seen.chunks(b):
                for key, task, cc, h in zip(keys, tasks, codes, map(hash, codes)):
                    if h in wanted:
                        observe(key, task, cc)
            out += shared.part(wanted)
        return sorted(out)

    absorb = StreamState.absorb  # all it does is observe


def _columns(items: list[tuple]) -> list[tuple]:
    """A chunk of observations (never empty) as three columns (keys, tasks, codes): a
    third of the pickle."""
    return list(zip(*items))


_FIELD_NUMBERS = {"duplicate_in_task": 0, "repeat_in_year": 1}
_DAYS: dict[_dt.date, _dt.date] = {}
_DAY_BYTES: dict[_dt.date, bytes] = {}
