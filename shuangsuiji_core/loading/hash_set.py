"""A set of 64-bit hashes in one flat array: 16 bytes an entry, where a Python `set` of
ints takes about 75 (an int object each, and the set's own table). It holds one hash
per record read, so at a million records the difference is some 60 MB.

Open addressing with linear probing, kept at most half full; 0 marks an empty slot
(a hash of 0 is stored as 1: the set may then say "seen" for a hash never added, which
its user confirms exactly anyway)."""

from __future__ import annotations

from array import array
from typing import Sequence

_START = 1 << 12

# Two parts of a large audit compare half a million hashes each with the other's. A
# Python set of one slice of them at a time does it in C (a third of the time of probing
# a `HashSet` in Python), where a set of all of them was 30-60 MB at the very moment the
# parts were at their largest. A slice of 32,768 ints is about 2.5 MB (131,072 were
# 10 MB); half a million against half a million then takes 0.8 s of CPU instead of 0.4.
_SLICE = 1 << 15


def common_hashes(mine: Sequence[int], theirs: Sequence[int], slice_size: int = _SLICE) -> set[int]:
    """The hashes of `theirs` that are also in `mine` (arrays of machine integers)."""
    common: set[int] = set()
    for k in range(0, len(theirs), slice_size):
        common |= set(theirs[k:k + slice_size]).intersection(mine)
    return common


def any_common(mine: Sequence[int], theirs: Sequence[int], slice_size: int = _SLICE) -> bool:
    """Whether `mine` and `theirs` share a hash."""
    return any(not set(theirs[k:k + slice_size]).isdisjoint(mine) for k in range(0, len(theirs), slice_size))


class HashSet:
    __slots__ = ("_table", "_mask", "_free")

    def __init__(self):
        self._table = array("q", bytes(8 * _START))
        self._mask = _START - 1
        self._free = _START // 2  # adds before the table grows

    def add(self, h: int) -> bool:
        """Add `h`; True when it was already there."""
        h = h or 1
        table, mask = self._table, self._mask
        i = h & mask
        while True:
            v = table[i]
            if v == h:
                return True
            if not v:
                table[i] = h
                self._free -= 1
                if not self._free:
                    self._grow()
                return False
            i = (i + 1) & mask

    def __contains__(self, h: int) -> bool:
        h = h or 1
        table, mask = self._table, self._mask
        i = h & mask
        while True:
            v = table[i]
            if v == h:
                return True
            if not v:
                return False
            i = (i + 1) & mask

    def __len__(self) -> int:
        return (len(self._table) // 2) - self._free

    def _grow(self) -> None:
        old = self._table
        size = len(old) * 4 if len(old) < (1 << 16) else len(old) * 2
        table = array("q", bytes(8 * size))
        mask = size - 1
        for h in old:
            if h:
                i = h & mask
                while table[i]:
                    i = (i + 1) & mask
                table[i] = h
        self._table, self._mask = table, mask
        self._free = size // 2 - (len(old) // 2)
