"""What `iter_records` returns: the records of one file, read lazily.

A `RecordSource` is an iterator of located `Record`s, as `iter_records` has always
been. The evaluation uses two more doors into the same file:

- `units(builder)`: the fact units of the records (what `builder.units(source)`
  gives: the same units in the same order, the same `InputError` with the same
  problems), built straight from the decoded rows where that is safe, without a
  pydantic model per record;
- `split(parts)`: the file cut at record boundaries into byte ranges, each a
  `RecordSource` of its own (its line numbers those of the whole file), so that a
  large audit can evaluate the parts in parallel processes. Record ids are checked
  for repeats within a part; `id_hashes()` lets the caller look across parts.

`RecordSources` chains the sources of several files, with the same doors.
"""

from __future__ import annotations

import os
import stat
from array import array
from typing import Callable, Iterable, Iterator

from ..records import Record
from .raw import Part

Progress = Callable[[int | None], None]  # called with the line a record starts on

MIN_SPLIT_BYTES = 8 * 1024 * 1024


class RecordSource:
    def __init__(self, path: str, name: str, fmt: str, part: Part | None = None):
        self.path, self.name, self.format = path, name, fmt
        self.part = part                 # None: the whole file
        self._records: Iterator[Record] | None = None
        self._ids = None

    @property
    def byte_range(self) -> tuple[int, int] | None:
        return self.part.byte_range if self.part is not None else None

    @property
    def first_line(self) -> int:
        return self.part.first_line if self.part is not None else 1

    def __getstate__(self):  # a part travels to another process as plain data, never half read
        return {"path": self.path, "name": self.name, "format": self.format, "part": self.part}

    def __setstate__(self, state):
        self.__init__(state["path"], state["name"], state["format"], state["part"])

    def __repr__(self) -> str:
        where = f" bytes {self.part.byte_range[0]}-{self.part.byte_range[1]}" if self.part else ""
        return f"RecordSource({self.name!r}, {self.format}{where})"

    def _items(self, fast: bool = False):
        from .records import raw_items
        return raw_items(self.path, self.name, self.format, self.part, fast)

    def _new_ids(self):
        from .records import RecordIds
        # a regular file can be read again to confirm a repeated hash: keep hashes only;
        # anything else (a pipe) keeps the exact table from the start
        self._ids = RecordIds(self._items if _regular_file(self.path) else None)
        return self._ids

    # -- an iterator of records, as iter_records always returned -------------------------
    def __iter__(self) -> Iterator[Record]:
        return self

    def __next__(self) -> Record:
        if self._records is None:
            from .records import check_records
            self._records = check_records(self._items(), ids=self._new_ids())
        return next(self._records)

    # -- the evaluation's doors ------------------------------------------------------------
    def units(self, builder, progress: Progress | None = None) -> Iterator[list[tuple]]:
        """The fact units of the records, as `builder.units(self)` would give them."""
        if self.format not in ("jsonl", "csv"):
            records: Iterable[Record] = self
            if progress is not None:
                records = _reporting(self, progress)
            return builder.units(records)
        return self._fast_units(builder, progress)

    def _fast_units(self, builder, progress: Progress | None) -> Iterator[list[tuple]]:
        from .records import check_records
        try:
            yield from check_records(self._items(fast=True), ids=self._new_ids(), unit=builder.unit,
                                     progress=progress)
        finally:
            close = getattr(progress, "close", None)
            if close is not None:
                close()

    def split(self, parts: int, min_bytes: int = MIN_SPLIT_BYTES) -> list["RecordSource"] | None:
        """The file in about `parts` byte ranges cut at record boundaries, each a
        `RecordSource` whose records, units and problems are those of the whole file in
        that range (same lines and columns); None when it is not worth it or not possible
        (YAML/JSON, not a regular file, smaller than `min_bytes`, fewer than 2 parts, a
        CSV file that cannot be cut safely)."""
        if parts < 2 or self.part is not None or self.format not in ("jsonl", "csv"):
            return None
        from .byte_ranges import find_cuts
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size < min_bytes:
            return None
        size = st.st_size
        try:
            if self.format == "jsonl":
                found = find_cuts(self.path, size, parts, 0, 1, None)
                header = None
            else:
                from .csv_records import read_header
                encoding, delimiter, cells, header_lines = read_header(self.path, self.name)
                start = _offset_after_lines(self.path, header_lines)
                if start is None:
                    return None
                found = find_cuts(self.path, size, parts, start, header_lines + 1, delimiter)
                header = (encoding, delimiter, cells)
        except Exception:  # noqa: BLE001 - whatever is wrong with the file, the whole read reports it
            return None
        if found is None:
            return None
        cuts, nonblank = found
        if len(cuts) < 2 or not nonblank:
            return None
        ends = [c for c, _ in cuts[1:]] + [size]
        return [RecordSource(self.path, self.name, self.format,
                             Part((start, end), line, *(header or ())))
                for (start, line), end in zip(cuts, ends)]

    def holds_any_id_hash(self, hashes: array) -> bool:
        """Whether one of `hashes` is the hash of a record id read here (a collision of
        hashes says yes too: its caller then reads the file in one process)."""
        return self._ids.holds_any(hashes) if self._ids is not None else False

    def forget_ids(self) -> None:
        """Drop the table of record ids read (a part of a large audit, once the parts have
        compared their ids): only `id_hashes` and `holds_any_id_hash` read it."""
        self._ids = None

    def id_hashes(self) -> array:
        """`hash()` of each record id read so far (after `units` is exhausted: all of them)."""
        return self._ids.hashes if self._ids is not None else array("q")


def _regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _offset_after_lines(path: str, lines: int) -> int | None:
    """The byte offset just after the first `lines` newlines of a file."""
    with open(path, "rb") as fh:
        offset = 0
        for _ in range(lines):
            raw = fh.readline()
            if not raw.endswith(b"\n"):
                return None
            offset += len(raw)
    return offset


def _reporting(records: Iterable[Record], progress: Progress) -> Iterator[Record]:
    try:
        for r in records:
            loc = r.location
            progress(loc.line if loc is not None else None)
            yield r
    finally:
        close = getattr(progress, "close", None)
        if close is not None:
            close()


class RecordSources:
    """The records of several files, one after the other (an iterator of `Record`s)."""

    def __init__(self, sources: list[RecordSource], progress: Callable[[RecordSource], Progress | None] | None = None):
        self.sources = sources
        self.progress = progress
        self._records: Iterator[Record] | None = None

    def __iter__(self) -> Iterator[Record]:
        return self

    def __next__(self) -> Record:
        if self._records is None:
            self._records = self._chain()
        return next(self._records)

    def _chain(self) -> Iterator[Record]:
        for s in self.sources:
            p = self.progress(s) if self.progress else None
            yield from (_reporting(s, p) if p is not None else s)

    def units(self, builder) -> Iterator[list[tuple]]:
        for s in self.sources:
            yield from s.units(builder, self.progress(s) if self.progress else None)
