"""Opening a user's input file, with every operating-system failure turned into a
located, bilingual problem: a person gets “找不到文件 / file not found”, never an OSError."""

from __future__ import annotations

from typing import BinaryIO

from .errors import InputError, Location, Problem
from .i18n import Text


def _refuse(code: str, zh: str, en: str, name: str) -> InputError:
    return InputError([Problem(code=code, message=Text(zh=zh, en=en), location=Location(name))])


def open_input(path, name: str | None = None) -> BinaryIO:
    """`path` opened for reading bytes; `name` is how messages call it (default: the path)."""
    shown = name or str(path)
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise _refuse("file.not_found", "找不到文件", "file not found", shown) from None
    except IsADirectoryError:
        raise _refuse("file.is_directory", "这是一个目录，不是文件", "this is a directory, not a file", shown) from None
    except OSError as exc:
        raise _refuse("file.unreadable", f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}",
                      shown) from None
