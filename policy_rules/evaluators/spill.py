"""Candidates kept until the end of a long stream, spilled to a temporary file."""

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
            if chunk[0] == "items":
                yield _item_chunk(chunk[1])
                continue
            _, snaps, refs, rest = chunk
            yield snaps, refs[1], refs[3], _column_item(snaps, refs, rest)
        if self.items:
            yield _item_chunk(self.items)

    def close(self) -> None:
        self.items = []
        if self.file is not None:
            self.file.close()
            self.file = None


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
