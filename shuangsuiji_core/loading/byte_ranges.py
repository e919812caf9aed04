"""A records file cut at record boundaries into byte ranges, and reading one range.

JSON Lines: a record ends at a newline. CSV (RFC 4180): a newline ends a row iff the
number of `"` bytes before it is even; UTF-8 and GB18030 never use 0x22 or 0x0A as a
trail byte, so the bytes can be counted without decoding (`bytes.count`, C speed).

Python's csv reader is more lenient than RFC 4180 (a `"` inside an unquoted field is
kept as text, text after a closing quote is appended), and then the count says
nothing. So a CSV file is only cut when every `"` in it belongs to a well-formed
quoted field - one that starts a cell and is closed right before a delimiter or a line
end - checked with one regular expression over each stretch of the file that holds a
quote. Such a file is read by Python's csv reader exactly as the count assumes. A file
with a lone carriage return (which the reader also takes for a line end) is not cut.
"""

from __future__ import annotations

import io
import re

BLOCK = 4 * 1024 * 1024
_MAX_CARRY = 64 * 1024 * 1024  # a quoted stretch longer than this: do not cut the file
_BOM = b"\xef\xbb\xbf"
_QUOTED = {d: re.compile(rb"([" + re.escape(d.encode()) + rb"\r\n])\"(?:[^\"]|\"\")*\"(?=[" + re.escape(d.encode())
                         + rb"\r\n]|\Z)") for d in (",", "\t")}


class _RangeFile(io.RawIOBase):
    """The bytes [start, end) of an open file, as a file of their own."""

    def __init__(self, fh, start: int, end: int):
        fh.seek(start)
        self._fh, self._left = fh, end - start

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._left)
        if n <= 0:
            return 0
        got = self._fh.readinto(memoryview(b)[:n])
        self._left -= got
        return got

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def open_range(fh, byte_range: tuple[int, int]) -> io.BufferedReader:
    """`fh` (opened binary) limited to `byte_range`; closing it closes `fh`."""
    return io.BufferedReader(_RangeFile(fh, *byte_range), 1 << 16)


def _well_quoted(chunk: bytes, delimiter: str) -> bool:
    """Every `"` of `chunk` (which starts a row) is part of a well-formed quoted field."""
    if b'"' not in chunk:
        return True
    return b'"' not in _QUOTED[delimiter].sub(rb"\1", b"\n" + chunk)


def find_cuts(path: str, size: int, parts: int, start: int, start_line: int, delimiter: str | None
              ) -> tuple[list[tuple[int, int]], bool] | None:
    """Where to cut `path` (data from `start`) into about `parts` pieces: [(offset, line)]
    of each piece's first byte and the line it is on (the first piece at `start`, on
    `start_line`), and
    whether any byte outside ASCII whitespace (and a leading BOM) was seen.
    `delimiter` None: JSON Lines, else CSV. None when the file cannot be cut safely."""
    targets = [start + (size - start) * k // parts for k in range(1, parts)]
    cuts: list[tuple[int, int]] = []
    lines = 0          # newlines before `pos`
    quotes = 0         # quotes before `pos`
    pos = 0
    nonblank = False
    carry = b""        # CSV: bytes after the last even-quoted newline, not yet checked
    cr = crlf = 0
    prev_cr = False
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK)
            if not block:
                break
            view = block[3:] if pos == 0 and block.startswith(_BOM) else block
            if not nonblank and view.strip():
                nonblank = True
            end = pos + len(block)
            t = 0
            while targets and targets[0] <= end:  # a target at the end: the newline may be its last byte
                target = max(targets[0], start, cuts[-1][0] if cuts else 0)
                i = block.find(b"\n", max(target - 1 - pos, t))
                if delimiter is not None and i >= 0:
                    q = quotes + block.count(b'"', 0, i)
                    while q & 1:  # inside a quoted cell: on to the next newline, counting as we go
                        j = block.find(b"\n", i + 1)
                        if j < 0:
                            i = -1
                            break
                        q += block.count(b'"', i, j)
                        i = j
                if i < 0:
                    break  # the next newline (with even quotes) is in a later block
                t = i + 1
                cut = pos + i + 1
                targets.pop(0)
                if start < cut < size and (not cuts or cut > cuts[-1][0]):
                    cuts.append((cut, lines + block.count(b"\n", 0, i + 1) + 1))
            if delimiter is not None:
                # most files have neither quotes nor carriage returns: `in` finds that out
                # at memory speed, where each `count` is a full pass over the block
                crlf += prev_cr and block[:1] == b"\n"
                if b"\r" in block:
                    cr += block.count(b"\r")
                    crlf += block.count(b"\r\n")
                prev_cr = block[-1:] == b"\r"
                data = carry + (view if pos == 0 else block)
                i = data.rfind(b"\n")
                if b'"' in data:
                    q = data.count(b'"')
                    after = data.count(b'"', i) if i >= 0 else 0
                    while i >= 0 and (q - after) & 1:
                        j = data.rfind(b"\n", 0, i)
                        if j >= 0:
                            after += data.count(b'"', j, i)
                        i = j
                    if i >= 0 and not _well_quoted(data[: i + 1], delimiter):
                        return None
                    quotes += block.count(b'"')
                carry = data[i + 1:] if i >= 0 else data
                if len(carry) > _MAX_CARRY:
                    return None
            lines += block.count(b"\n")
            pos = end
            if delimiter is None and not targets and nonblank:
                break  # JSON Lines past its last cut: nothing after it changes the answer
    if delimiter is not None and (cr != crlf or not _well_quoted(carry, delimiter)):
        return None
    return [(start, start_line)] + cuts, nonblank
