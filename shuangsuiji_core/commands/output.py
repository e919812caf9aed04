"""Where results go: stdout or `--output FILE` (never onto an input file), whether the
terminal gets colour, and messages on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text


def wants_colour(stream: TextIO, output: str | None) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if output or "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != "":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(output: str | None, inputs: Iterable[str | os.PathLike]) -> None:
    """Refuse, before any work is done, an --output that names one of the inputs."""
    if not output:
        return
    out = Path(output)
    for item in inputs:
        src = Path(item)
        if _same_file(out, src) or out.resolve() == src.resolve():
            raise InputError([Problem(
                code="cli.output_is_input",
                message=Text(zh=f"--output 指向输入文件 {item}，拒绝覆盖用户文件",
                             en=f"--output names the input file {item}; refusing to overwrite it"),
                location=Location(file=str(output)),
                expected=Text(zh="另一个文件名", en="another file name"), found=str(output))])
    if out.is_dir():
        raise InputError([Problem(
            code="cli.output_is_dir", message=Text(zh="--output 是一个目录", en="--output is a directory"),
            location=Location(file=str(output)))])


def write_result(text: str | bytes | Iterable[str], output: str | None, stdout: TextIO | None = None) -> None:
    """Write to FILE (atomically: a temporary file renamed into place) or to stdout.
    `text` may come in pieces (an iterable of str), written as they come."""
    pieces = (text,) if isinstance(text, (str, bytes)) else text
    if output:
        target = Path(output)
        tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
        try:
            if isinstance(text, bytes):
                tmp.write_bytes(text)
            else:
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    for piece in pieces:
                        fh.write(piece)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError([Problem(
                code="cli.output_unwritable",
                message=Text(zh=f"无法写入输出文件：{exc.strerror}", en=f"cannot write the output file: {exc.strerror}"),
                location=Location(file=str(output)))]) from None
        except BaseException:
            tmp.unlink(missing_ok=True)  # a piece that failed to render leaves no half-written file behind
            raise
        return
    stream = stdout or sys.stdout
    if isinstance(text, bytes):
        stream.flush()
        getattr(stream, "buffer", stream).write(text)
    else:
        for piece in pieces:
            stream.write(piece)
    stream.flush()


def say(message: Text, lang: str, quiet: bool = False) -> None:
    """A status line for people on stderr (never mixed into the result on stdout)."""
    if not quiet:
        sys.stderr.write(message.get(lang) + "\n")
