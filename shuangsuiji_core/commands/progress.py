"""A progress bar on stderr while a large record file is read, only on a terminal.

Records arrive as a stream, so the total is unknown up front; for a file large enough
to be worth a bar, its lines are counted first (a fast byte scan) and each record's
line number tells how far the reader has come. Off a terminal, with --quiet, or for a
small file nothing is drawn, so logs and pipes stay clean.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Iterable, Iterator, TextIO, TypeVar

T = TypeVar("T")

MIN_BYTES = 2 * 1024 * 1024   # smaller files read in well under a second: no bar
_REDRAW_SECONDS = 0.1
_WIDTH = 30


def count_lines(path: str) -> int:
    lines = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(lines, 1)


class Progress:
    def __init__(self, label: str, total_lines: int, stream: TextIO):
        self.label, self.total, self.stream = label, total_lines, stream
        self.count = 0
        self._last = 0.0
        self._drawn = False

    def update(self, line: int | None) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._last < _REDRAW_SECONDS:
            return
        self._last = now
        share = min(1.0, (line or 0) / self.total)
        filled = int(share * _WIDTH)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%} {self.count:,}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (len(self.label) + _WIDTH + 24) + "\r")
            self.stream.flush()


    __call__ = update


def progress_for(path: str, label: str, quiet: bool = False, stream: TextIO | None = None,
                 min_bytes: int = MIN_BYTES) -> Progress | None:
    """A bar for reading `path`, or None where none is drawn (small file, --quiet, no terminal)."""
    stream = stream or sys.stderr
    try:
        big = os.path.getsize(path) >= min_bytes
    except OSError:
        big = False
    if quiet or not big or not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    return Progress(label, count_lines(path), stream)


def with_progress(records: Iterable[T], path: str, label: str, quiet: bool = False,
                  stream: TextIO | None = None, min_bytes: int = MIN_BYTES) -> Iterator[T]:
    """Yield `records` unchanged, drawing a bar on a terminal for a large file."""
    bar = progress_for(path, label, quiet, stream, min_bytes)
    if bar is None:
        yield from records
        return
    try:
        for record in records:
            location = getattr(record, "location", None)
            bar.update(getattr(location, "line", None))
            yield record
    finally:
        bar.close()
