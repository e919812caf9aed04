"""A set of 64-bit hashes in one flat array: 16 bytes an entry, where a Python `set` of
ints takes about 75 (an int object each, and the set's own table). It holds one hash
per record read, so at a million records the difference is some 60 MB.

Open addressing with linear probing, kept at most half full; 0 marks an empty slot
(a hash of 0 is stored as 1: the set may then say "seen" for a hash never added, which
its user confirms exactly anyway)."""

from __future__ import annotations

from array import array

_START = 1 << 12


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

    def update(self, hashes) -> None:
        """Add every hash of `hashes` (the probing inlined: this takes a part's million)."""
        table, mask, free = self._table, self._mask, self._free
        for h in hashes:
            h = h or 1
            i = h & mask
            while True:
                v = table[i]
                if v == h:
                    break
                if not v:
                    table[i] = h
                    free -= 1
                    if not free:
                        self._free = free
                        self._grow()
                        table, mask, free = self._table, self._mask, self._free
                    break
                i = (i + 1) & mask
        self._free = free

    def holds_any(self, hashes) -> bool:
        """Whether any hash of `hashes` is in the set."""
        table, mask = self._table, self._mask
        for h in hashes:
            h = h or 1
            i = h & mask
            while True:
                v = table[i]
                if v == h:
                    return True
                if not v:
                    break
                i = (i + 1) & mask
        return False

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
