"""What a records source hands to the checker: one record's data before validation."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, NamedTuple

from policy_rules.errors import InputError, Location, Problem
from policy_rules.yaml_source import LocatedDocument

from .documents import problem


class RawItem(NamedTuple):
    data: Any                    # the record's dict, or None when `problems` says why there is none
    location: Location           # where the record starts
    # builds the positions of the record's fields, only when a problem needs them:
    # returns (document, path of the record inside it)
    locate: Callable[[], tuple[LocatedDocument, tuple]] | None
    problems: list[Problem] | None


@contextlib.contextmanager
def open_binary(path: str, name: str) -> Iterator:
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise InputError([problem("file.not_found", "找不到文件", "file not found", Location(name))]) from None
    except IsADirectoryError:
        raise InputError([problem("file.is_directory", "这是一个目录，不是文件", "this is a directory, not a file",
                                  Location(name))]) from None
    except OSError as exc:
        raise InputError([problem("file.unreadable", f"无法读取文件：{exc.strerror}",
                                  f"cannot read the file: {exc.strerror}", Location(name))]) from None
    with fh:
        yield fh
