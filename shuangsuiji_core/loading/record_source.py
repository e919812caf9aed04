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

from array import array
from typing import Callable, Iterable, Iterator

from ..records import Record

Progress = Callable[[int | None], None]  # called with the line a record starts on


class RecordSource:
    def __init__(self, path: str, name: str, fmt: str, *, byte_range: tuple[int, int] | None = None,
                 first_line: int = 1):
        self.path, self.name, self.format = path, name, fmt
        self.byte_range = byte_range     # None: the whole file
        self.first_line = first_line     # the line the byte range starts on
        self._records: Iterator[Record] | None = None
        self._id_hashes: array | None = None

    # -- an iterator of records, as iter_records always returned -------------------------
    def __iter__(self) -> Iterator[Record]:
        return self

    def __next__(self) -> Record:
        if self._records is None:
            from .records import check_records, raw_items
            self._records = check_records(raw_items(self.path, self.name, self.format))
        return next(self._records)

    # -- the evaluation's doors ------------------------------------------------------------
    def units(self, builder, progress: Progress | None = None) -> Iterator[list[tuple]]:
        """The fact units of the records, as `builder.units(self)` would give them."""
        records: Iterable[Record] = self
        if progress is not None:
            records = _reporting(self, progress)
        return builder.units(records)

    def split(self, parts: int, min_bytes: int = 8 << 20) -> list["RecordSource"] | None:
        """The file in `parts` byte ranges, or None when it is not worth or not possible."""
        return None

    def id_hashes(self) -> array:
        """`hash()` of each record id read so far (after `units` is exhausted: all of them)."""
        return self._id_hashes if self._id_hashes is not None else array("q")


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
