"""Candidates kept until the end of a long stream, spilled to a temporary file: in stream
order (`SpillList`), or by bucket (`Buckets`); and offenders' refs kept packed in memory
(`PackedRefs`)."""

from __future__ import annotations

import dataclasses
import pickle
from operator import attrgetter

from ..errors import Location

_LOCATION_FIELDS = tuple(f.name for f in dataclasses.fields(Location))
_location_columns = [attrgetter(name) for name in _LOCATION_FIELDS]


class SpillList:
    """An append-only list that moves its items to a temporary file in chunks once it
    grows past `keep` items, so candidates kept until the end of a long stream (the
    duplicate/repeat patterns need one per record) do not hold the stream in memory.
    Iterating yields the items in order; the file is deleted when the list is closed.

    The window in memory is small (at most `keep + chunk` items, a few MB): the spilled
    items cost disk, not memory. The driver's candidates, `(snapshot, ref[, values])`
    with `ref = (kind, id, Location, task)`, are written column by column (`_pack`):
    a third of the CPU of pickling the tuples and `Location` objects one by one."""

    def __init__(self, keep: int = 8_192, chunk: int = 4_096):
        self.keep, self.chunk = keep, chunk
        self.items: list = []
        self.file = None
        self.spilled = 0

    def append(self, item) -> None:
        self.items.append(item)
        if len(self.items) >= self.keep + self.chunk:
            self._spill(self.chunk)

    def _spill(self, n: int) -> None:
        import tempfile
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="policy-rules-")
        pickle.dump(_pack(self.items[:n]), self.file, protocol=pickle.HIGHEST_PROTOCOL)
        del self.items[:n]
        self.spilled += n

    def _spilled(self):
        """The packed chunks written to the file so far, in order."""
        if self.file is None:
            return
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)
            except EOFError:
                return

    def __iter__(self):
        for chunk in self._spilled():
            yield from _unpack(chunk)
        yield from self.items

    def chunks(self):
        """The items in order as chunks `(snaps, ids, tasks, item)` for items of the shape
        `(snapshot, (kind, id, location, task), ...)`: the columns a deferred field is
        resolved from, and `item(i)`, the i-th item of the chunk in full. Spilled refs are
        only rebuilt (a `Location` each) for the few items a consumer takes."""
        for chunk in self._spilled():
            yield _candidate_chunk(chunk)
        if self.items:
            yield _item_chunk(self.items)

    def close(self) -> None:
        self.items = []
        if self.file is not None:
            self.file.close()
            self.file = None


# items per chunk of a bucket: 64 buckets of observations and 64 of candidates hold at most
# some 65,000 items in memory, about 10 MB
BUCKET_CHUNK = 512


class Buckets:
    """Items filed by `bucket_of(item)` under one of `buckets` buckets, each bucket's
    written in chunks of `chunk` to one temporary file shared by all of them: for the
    items of a long stream that are resolved one bucket at a time, against a state that
    fits in memory only a bucket at a time (`shuangsuiji_core.stream_state`). At most
    `buckets * chunk` items are in memory; nothing touches the disk until a bucket
    fills one chunk.

    `chunks(b)` yields `pack(items)` of each chunk of bucket `b`, in the order the items
    were appended (its last chunk packed as it is read); `candidate_chunks(b)` yields
    them in the form of `SpillList.chunks`, for items of the driver's candidate shape."""

    def __init__(self, buckets: int, bucket_of, chunk: int | None = None, pack=None):
        self.bucket_of = bucket_of
        self.chunk = chunk or BUCKET_CHUNK
        self.pack = pack or _pack
        self.buffers: list[list] = [[] for _ in range(buckets)]
        self.offsets: list[list[int]] = [[] for _ in range(buckets)]
        self.file = None

    def append(self, item) -> None:
        b = self.bucket_of(item)
        buffer = self.buffers[b]
        buffer.append(item)
        if len(buffer) >= self.chunk:
            self._write(b)

    def _write(self, b: int) -> None:
        if self.file is None:
            import tempfile
            self.file = tempfile.TemporaryFile(prefix="policy-rules-")
        f = self.file
        f.seek(0, 2)  # reads may have moved the position since the last write
        self.offsets[b].append(f.tell())
        pickle.dump(self.pack(self.buffers[b]), f, protocol=pickle.HIGHEST_PROTOCOL)
        self.buffers[b] = []

    def holds(self, b: int) -> bool:
        return bool(self.offsets[b] or self.buffers[b])

    def chunks(self, b: int):
        f = self.file
        for offset in self.offsets[b]:
            f.seek(offset)
            yield pickle.load(f)
        if self.buffers[b]:
            yield self.pack(self.buffers[b])

    def candidate_chunks(self, b: int):
        for chunk in self.chunks(b):
            yield _candidate_chunk(chunk)

    def close(self) -> None:
        self.buffers = [[] for _ in self.buffers]
        self.offsets = [[] for _ in self.offsets]
        if self.file is not None:
            self.file.close()
            self.file = None


REF_CHUNK = 4_096  # refs per packed piece of a PackedRefs


class PackedRefs:
    """Refs `(kind, id, Location, task)` appended in order and kept `REF_CHUNK` at a time
    as the pickled bytes of their columns (`pack_refs`): some 45 bytes a ref instead of
    about 280 as tuples, strings and `Location`s. A prohibition's offenders are one ref
    per offending record, the largest thing a large audit's parts and main process held
    (160,000 refs, about 45 MB, at 1,000,000 records). Iterating yields equal refs in
    order; `extend` appends another's in order (their bytes as they are). Pickled, it is
    its bytes and the few refs not yet packed, so a part hands its offenders over
    without unpacking or repacking them."""

    __slots__ = ("chunks", "packed", "window")

    def __init__(self, refs=()):
        self.chunks: list[bytes] = []
        self.window: list = []
        self.packed = 0
        self.extend(refs)

    def append(self, ref) -> None:
        self.window.append(ref)
        if len(self.window) >= REF_CHUNK:
            self._pack()

    def _pack(self) -> None:
        self.chunks.append(pickle.dumps(self._encode(self.window), protocol=pickle.HIGHEST_PROTOCOL))
        self.packed += len(self.window)
        self.window = []

    # a subclass keeping other items (a ref and a value) packs and unpacks them here
    @staticmethod
    def _encode(items: list) -> tuple:
        columns = pack_refs(items)
        return ("columns", columns) if columns is not None else ("items", items)

    @staticmethod
    def _decode(piece: tuple):
        return unpack_refs(piece[1]) if piece[0] == "columns" else piece[1]

    def extend(self, refs) -> None:
        if isinstance(refs, PackedRefs):
            if refs.chunks:
                if self.window:  # what is here comes first: packed as it is, a short piece
                    self._pack()
                self.chunks.extend(refs.chunks)
                self.packed += refs.packed
            refs = refs.window
        for ref in refs:
            self.append(ref)

    def __len__(self) -> int:
        return self.packed + len(self.window)

    def __iter__(self):
        for chunk in self.chunks:
            yield from self._decode(pickle.loads(chunk))
        yield from self.window

    def __getstate__(self):
        return self.chunks, self.window, self.packed

    def __setstate__(self, state) -> None:
        self.chunks, self.window, self.packed = state


def _candidate_chunk(chunk: tuple) -> tuple:
    if chunk[0] == "items":
        return _item_chunk(chunk[1])
    _, snaps, refs, rest = chunk
    return snaps, refs[1], refs[3], _column_item(snaps, refs, rest)


def _pack(items: list) -> tuple:
    """`("columns", ...)` for a chunk of candidates all of one shape, else `("items", items)`."""
    if items and set(map(type, items)) == {tuple} and len(set(map(len, items))) == 1 and len(items[0]) >= 2:
        columns = list(zip(*items))
        refs = pack_refs(columns[1])
        if refs is not None:
            return ("columns", columns[0], refs, columns[2:])
    return ("items", items)


def _unpack(chunk: tuple):
    if chunk[0] == "items":
        return chunk[1]
    _, snaps, refs, rest = chunk
    return zip(snaps, unpack_refs(refs), *rest)


def _item_chunk(items: list) -> tuple:
    refs = [item[1] for item in items]
    return [item[0] for item in items], [r[1] for r in refs], [r[3] for r in refs], items.__getitem__


def _column_item(snaps, refs: tuple, rest):
    kinds, ids, location_columns, tasks = refs

    def item(i: int) -> tuple:
        ref = (kinds[i], ids[i], Location(*[column[i] for column in location_columns]), tasks[i])
        return (snaps[i], ref, *[column[i] for column in rest])
    return item


def pack_refs(refs) -> tuple | None:
    """Refs `(kind, id, Location, task)` as columns (the location's fields each a column),
    or None unless every ref has that shape. Also how consumers pickle their offenders
    between the parts of a large audit."""
    if not refs or set(map(type, refs)) != {tuple} or set(map(len, refs)) != {4}:
        return None
    kinds, ids, locations, tasks = zip(*refs)
    if set(map(type, locations)) != {Location}:
        return None
    return (kinds, ids, [list(map(get, locations)) for get in _location_columns], tasks)


def unpack_refs(columns: tuple):
    """The refs of `pack_refs`, equal to the ones packed, in order (an iterator)."""
    kinds, ids, location_columns, tasks = columns
    return zip(kinds, ids, map(Location, *location_columns), tasks)
