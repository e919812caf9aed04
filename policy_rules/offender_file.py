"""A finding's offenders kept in a temporary file: `OffenderFile`, a read-only sequence.

A province's audit (1,000,000 records) names some 160,000 offenders. As models they
were about 115 MB, the largest thing the main process held and, once the stream state
went to disk, the one that still grew with the input. A finding with more than
`OFFENDERS_IN_MEMORY` offenders keeps them here instead, as plain rows pickled `CHUNK`
at a time, and builds the models again a chunk at a time as they are read, so a
renderer that goes through them in order (JSON, text, SARIF) holds one chunk, not the
finding.

An `OffenderFile` is what `Finding.offenders` holds for such a finding; it behaves as
the list it replaces for reading: `len`, iteration, indexing, slicing, `==` with a list
of the same offenders, and pickling (as a plain list). The offenders are validated
once, when the finding is made; the rows read back are that validated data.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

# above this many offenders a finding keeps them on disk: a 100,000-record audit's
# findings (2,000 offenders each with the benchmark's violation share) stay in memory
OFFENDERS_IN_MEMORY = 10_000
# offenders per pickled piece: the window a reader holds (about 0.7 MB of models)
CHUNK = 1_000

_OFFENDER_FIELDS: set[str] | None = None
_SOURCE_FIELDS: set[str] | None = None
_validate = None


def make_offender(kind: str, oid: str, where: dict | None, detail: dict):
    """An `Offender`, validated with its location nested in one call (a 1M-record audit
    builds 160,000 of them; pydantic's model_construct measured slower), sharing one set
    of field names with every other offender made here.

    Every offender built here has every field set, so one set of their names serves all,
    as `model_construct(_fields_set=...)` would share a set given to it (a copy or an
    update of a model copies its set). A set per model was 432 of the 1,152 bytes of an
    offender and its location, some 69 MB of a province's audit."""
    return _validated({"kind": kind, "id": oid, "location": where, "detail": detail})


def _validated(data: dict):
    """`make_offender` of an offender's plain data (the dict a model dumps to)."""
    global _validate, _OFFENDER_FIELDS, _SOURCE_FIELDS
    if _validate is None:  # policy_rules.report imports this module for Finding's field
        from .report import Offender, SourceRef
        _validate = Offender.__pydantic_validator__.validate_python
        _OFFENDER_FIELDS, _SOURCE_FIELDS = set(Offender.model_fields), set(SourceRef.model_fields)
    made = _validate(data)
    object.__setattr__(made, "__pydantic_fields_set__", _OFFENDER_FIELDS)
    if data["location"] is not None:
        object.__setattr__(made.location, "__pydantic_fields_set__", _SOURCE_FIELDS)
    return made


def _row(o) -> tuple:
    loc = o.location
    return (o.kind, o.id, None if loc is None else (loc.file, loc.line, loc.column), o.detail)


def _plain(row: tuple) -> dict:
    """A row as the offender's plain data, field for field in the model's order."""
    kind, oid, loc, detail = row
    where = None if loc is None else {"file": loc[0], "line": loc[1], "column": loc[2]}
    return {"kind": kind, "id": oid, "location": where, "detail": detail}


class OffenderFile(Sequence):
    """Offenders, in the order given, in a temporary file (deleted when this is freed)."""

    def __init__(self, offenders, chunk: int | None = None):
        import tempfile  # here, not above: a plan check never spills, and starts faster without it
        self._chunk = chunk or CHUNK
        self._file = tempfile.TemporaryFile(prefix="policy-rules-offenders-")
        self._pieces: list[tuple[int, int]] = []  # (offset, size) of each chunk's pickle
        self._len = 0
        self.kinds: set[str] = set()  # what a caller may ask of all the offenders without reading them back
        self.files: set[str | None] = set()  # their locations' files (None: an offender with none)
        rows: list[tuple] = []
        for o in offenders:
            row = _row(o)
            self.kinds.add(row[0])
            self.files.add(row[2][0] if row[2] is not None else None)
            rows.append(row)
            if len(rows) == self._chunk:
                self._write(rows)
                rows = []
        if rows:
            self._write(rows)
        self._file.flush()  # read back with os.pread, which does not see Python's buffer
        self._cached: tuple[int, list] | None = None  # the chunk read last, as models

    def _write(self, rows: list[tuple]) -> None:
        import pickle  # here (and below), not above: a plan check never spills
        data = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._pieces[-1][0] + self._pieces[-1][1] if self._pieces else 0
        self._file.write(data)
        self._pieces.append((offset, len(data)))
        self._len += len(rows)

    def _rows(self, index: int) -> list[tuple]:
        import pickle
        offset, size = self._pieces[index]
        return pickle.loads(os.pread(self._file.fileno(), size, offset))

    def plain(self, start: int, stop: int) -> list[dict]:
        """Offenders `start` to `stop` as the plain data a model dumps to, field for field
        in the model's order, for a serializer that needs no model (the JSON report: a
        model rebuilt is some 6 us an offender, the dict under 1)."""
        out: list[dict] = []
        for index, within in self._pieces_of(start, stop):
            out.extend(map(_plain, self._rows(index)[within]))
        return out

    def _pieces_of(self, start: int, stop: int):
        """(piece, slice within it) for offenders `start` to `stop` (clamped as a slice is)."""
        start, stop, _ = slice(start, stop).indices(self._len)
        for index in range(start // self._chunk, (stop - 1) // self._chunk + 1 if stop > start else 0):
            base = index * self._chunk
            yield index, slice(max(start - base, 0), stop - base)

    def _models(self, index: int) -> list:
        cached = self._cached
        if cached is not None and cached[0] == index:
            return cached[1]
        models = [_validated(_plain(r)) for r in self._rows(index)]
        self._cached = (index, models)
        return models

    def __len__(self) -> int:
        return self._len

    def __iter__(self):
        for index in range(len(self._pieces)):
            yield from self._models(index)

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step not in (None, 1):
                return list(self)[key]
            out: list = []
            for index, within in self._pieces_of(key.start, key.stop):
                out.extend(self._models(index)[within])
            return out
        index = key.__index__()
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("offender index out of range")
        return self._models(index // self._chunk)[index % self._chunk]

    def __eq__(self, other) -> bool:
        if not isinstance(other, (OffenderFile, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # compared by content, as the list it stands for

    def __repr__(self) -> str:
        return f"OffenderFile({self._len} offenders)"

    def __reduce__(self):
        return list, (list(self),)

    def __copy__(self) -> "OffenderFile":
        return self  # read-only: a copy would be the same offenders

    def __deepcopy__(self, memo) -> "OffenderFile":
        return self

    def close(self) -> None:
        self._file.close()
        self._cached = None


def keep_offender_file(value, handler):
    """Finding.offenders' validator: an `OffenderFile` as it is (its rows were validated
    when the finding was made), anything else as the list of offenders it must be."""
    return value if isinstance(value, OffenderFile) else handler(value)


def dump_offender_file(value, handler):
    """Finding.offenders' serializer: an `OffenderFile` as the list it stands for."""
    return handler(list(value) if isinstance(value, OffenderFile) else value)
