"""Opening a directory file: its SHA-256, its encoding, and exact messages when it can't be read.

One binary pass computes the raw file SHA-256 (recorded in the draw record "for
information") and checks that the bytes are UTF-8. CSV exported by Excel on Chinese
Windows is usually GBK/GB18030; when the bytes are not UTF-8 but are valid GB18030
(a superset of GBK and GB2312), the file is read as GB18030 and the record says so.
When they are neither, the message gives the line and column of the first bad byte and
says how to fix it. `encoding=` forces an encoding ("utf-8", "gbk", "gb18030").
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text
from policy_rules.input_files import open_input

CHUNK = 1 << 20
KNOWN_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gbk",
                   "gb2312": "gbk", "gb18030": "gb18030"}


@dataclass(frozen=True)
class FileInfo:
    """What the draw record says about an input file."""

    name: str          # the name as given on the command line (display only, never hashed)
    sha256: str        # of the raw bytes
    size: int
    encoding: str


def file_problem(code: str, zh: str, en: str, location: Location, path: tuple = (),
                 expected: Text | None = None, found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=location, path=path,
                   expected=expected, found=found)


def _first_invalid(path: str, encoding: str) -> int | None:
    """Byte offset of the first byte that does not decode, or None if the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with open_input(path) as fh:
        while True:
            chunk = fh.read(CHUNK)
            final = not chunk
            pending = len(decoder.getstate()[0])  # bytes held back from the previous chunk
            try:
                decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                return max(0, offset - pending + exc.start)
            if final:
                return None
            offset += len(chunk)


def _line_col(path: str, offset: int) -> tuple[int, int, bytes]:
    with open_input(path) as fh:
        head = fh.read(offset)
        bad = fh.read(4)
    line = head.count(b"\n") + 1
    column = offset - (head.rfind(b"\n") + 1) + 1
    return line, column, bad


def inspect_file(path: str | Path, encoding: str | None = None) -> FileInfo:
    """Hash the raw bytes and settle the text encoding. Raises `InputError`."""
    path = str(path)
    digest = hashlib.sha256()
    size = 0
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_bad: int | None = None
    offset = 0
    with open_input(path) as fh:
        head = fh.read(3)
        has_bom = head == codecs.BOM_UTF8
        fh.seek(0)
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
            if utf8_bad is None and encoding is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk, False)
                except UnicodeDecodeError as exc:
                    utf8_bad = max(0, offset - pending + exc.start)
            offset += len(chunk)
        if utf8_bad is None and encoding is None:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(b"", True)
            except UnicodeDecodeError as exc:
                utf8_bad = max(0, offset - pending + exc.start)
    if size == 0:
        raise InputError([file_problem("file.empty", "文件为空", "the file is empty", Location(path, 1, 1))])
    if encoding is not None:
        chosen = KNOWN_ENCODINGS.get(encoding.lower())
        if chosen is None:
            raise InputError([file_problem(
                "file.encoding_unknown", f"不支持的编码“{encoding}”", f"unsupported encoding '{encoding}'",
                Location(path), expected=Text(zh="utf-8、gbk 或 gb18030", en="utf-8, gbk or gb18030"),
                found=encoding)])
        if chosen == "utf-8" and has_bom:
            chosen = "utf-8-sig"
        bad = _first_invalid(path, chosen)
        if bad is not None:
            line, column, raw = _line_col(path, bad)
            raise InputError([file_problem(
                "file.encoding", f"文件不能按指定的编码 {chosen} 解码", f"the file does not decode as {chosen}",
                Location(path, line, column), found=raw.hex(" "))])
        return FileInfo(path, digest.hexdigest(), size, chosen)
    if utf8_bad is None:
        return FileInfo(path, digest.hexdigest(), size, "utf-8-sig" if has_bom else "utf-8")
    if _first_invalid(path, "gb18030") is None:
        return FileInfo(path, digest.hexdigest(), size, "gb18030")
    line, column, raw = _line_col(path, utf8_bad)
    raise InputError([file_problem(
        "file.encoding",
        "文件既不是 UTF-8 也不是 GBK/GB18030 编码，无法读取；请在 Excel 或记事本中“另存为” UTF-8（CSV UTF-8）",
        "the file is neither UTF-8 nor GBK/GB18030; save it again as UTF-8 (Excel: 'CSV UTF-8')",
        Location(path, line, column), expected=Text(zh="UTF-8 或 GBK/GB18030 编码的文本", en="UTF-8 or GBK/GB18030 text"),
        found="字节 / bytes " + raw.hex(" "))])
