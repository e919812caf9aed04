"""What a records source hands to the checker: one record's data before validation."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from policy_rules.errors import Location, Problem
from policy_rules.yaml_source import LocatedDocument


class RawItem(NamedTuple):
    data: Any                    # the record's dict, or None when `problems` says why there is none
    location: Location           # where the record starts
    # builds the positions of the record's fields, only when a problem needs them:
    # returns (document, path of the record inside it)
    locate: Callable[[], tuple[LocatedDocument, tuple]] | None
    problems: list[Problem] | None


class Part(NamedTuple):
    """A stretch of a records file that starts and ends at record boundaries (plain data:
    cheap to pickle). What a CSV part cannot read itself is taken from the file's start."""
    byte_range: tuple[int, int]  # [start, end) in bytes
    first_line: int              # the line the range starts on
    encoding: str | None = None  # CSV: the file's encoding (as detected on the whole file)
    delimiter: str | None = None  # CSV: "," or "\t"
    header: tuple[str, ...] | None = None  # CSV: the header row's cells
