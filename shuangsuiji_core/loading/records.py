"""The records loader: YAML, JSON, JSON Lines and CSV -> located `Record`s, streamed.

JSON Lines and CSV are read one line at a time, so a file of a million records is
never held whole; what is kept is the hash of each record id (to refuse duplicates,
see `RecordIds`). YAML and JSON files are read as text (up to 64 MB) but their records
are still built and handed on one at a time.

For the evaluation, JSON Lines and CSV records that are written exactly canonically
skip the model: `jsonl_rows` and `csv_records` turn them straight into what `RecordFacts.unit` takes
(`raw_items(..., fast=True)`, `check_records(..., unit=...)`); every other record takes
the model, which alone says what is wrong.

After the first bad record no more records are yielded, but reading goes on so that up
to 50 problems are reported together in one `InputError` at the end.
"""

from __future__ import annotations

import json
from array import array
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pydantic import ValidationError

from policy_rules.errors import InputError, Location, Problem, found_repr
from policy_rules.i18n import Text
from policy_rules.validation import problems_from_validation
from policy_rules.yaml_source import (MAX_BYTES, MAX_PROBLEMS, LocatedDocument, decode_text, iter_yaml_items,
                                      load_yaml_text, more_problems, read_bytes)

from ..facts import record_values as record_values_of
from ..records import Record
from .csv_records import iter_csv_items
from .documents import problem
from policy_rules.input_files import open_input

from .byte_ranges import open_range
from .fast_rows import nested_keys
from .jsonl_rows import line_values
from .hash_set import HashSet, any_common
from .raw import Part, RawItem
from .record_source import RecordSource

FORMATS = ("yaml", "json", "jsonl", "csv")
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".csv": "csv", ".tsv": "csv", ".txt": "csv"}
_BIG_FILE_HINT = Text(zh="大量记录请改用 JSON Lines（.jsonl）或 CSV，它们按行流式读取",
                      en="for many records use JSON Lines (.jsonl) or CSV, which are streamed line by line")


def detect_format(path: str | Path) -> str:
    """The records format from the file name; `InputError` when it cannot be told."""
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix in (".xlsx", ".xls", ".et"):
        raise InputError([problem(
            "records.format", "不能直接读取 Excel 工作簿；请在 Excel 中“另存为”→“CSV UTF-8（逗号分隔）(*.csv)”",
            "Excel workbooks cannot be read directly; in Excel use 'Save as' -> 'CSV UTF-8 (comma delimited) (*.csv)'",
            Location(str(path)), expected=Text(zh=".csv", en=".csv"), found=suffix)])
    raise InputError([problem(
        "records.format", f"无法从扩展名“{suffix or '（无）'}”判断记录文件格式；请用 .yaml、.json、.jsonl 或 .csv，"
        "或明确指定格式（--format）", f"cannot tell the records format from the extension '{suffix}'; use .yaml, "
        ".json, .jsonl or .csv, or give the format (--format)", Location(str(path)),
        expected=Text(zh=", ".join(FORMATS), en=", ".join(FORMATS)), found=suffix or "''")])


def iter_records(path: str | Path, format: str | None = None) -> RecordSource:
    """Records of a file, one at a time, each with `.location` (file, line, column).

    `format` is one of "yaml", "json", "jsonl", "csv" (default: from the extension).
    An unknown `format` or extension raises `InputError` at once; everything else
    (missing or mis-encoded file, bad fields, record ids that repeat, with both lines)
    when the records are iterated, up to 50 problems in one `InputError`."""
    name = str(path)
    if format is None:
        fmt = detect_format(path)
    elif format in FORMATS:
        fmt = format
    else:
        raise InputError([problem("records.format", f"不支持的记录格式“{format}”", f"unsupported records format "
                                  f"'{format}'", Location(name), expected=Text(zh=", ".join(FORMATS),
                                                                              en=", ".join(FORMATS)),
                                  found=str(format))])
    return RecordSource(str(path), name, fmt)


def raw_items(path: str, name: str, fmt: str, part: Part | None = None, fast: bool = False) -> Iterator[RawItem]:
    """The raw records of a file (or of one part of it), before validation.

    `fast`: JSON Lines and CSV records that are exactly canonical come as the tuple
    `facts.record_values` gives, already checked."""
    if fmt == "jsonl":
        return _jsonl_items(path, name, part, fast)
    if fmt == "csv":
        return iter_csv_items(path, name, part, fast)
    return _document_items(path, name, fmt)


def records_from_document(doc: LocatedDocument, data: Any = None, prefix: tuple = ()) -> list[Record]:
    """Validate a list of records at `prefix` inside an already read document (for
    example records embedded in a ruleset's self-test file); problems and `.location`
    point into that document."""
    if data is None:
        data = doc.value_at(prefix)
    if data is None:
        return []
    if not isinstance(data, list):
        raise InputError([problem("schema.type", "records 应为列表（每项以“- ”开头）",
                                  "records must be a list (each item starting with '- ')", doc.locate(prefix), prefix,
                                  expected=Text(zh="列表", en="a list"), found=found_repr(data))])
    items = (RawItem(item, doc.locate(tuple(prefix) + (i,)),
                     (lambda i=i: (doc, tuple(prefix) + (i,))), None) for i, item in enumerate(data))
    return list(check_records(items))


_validate = Record.model_validate


def _record_id(data: Any) -> Any:
    """The id a raw record claims, as the duplicate check reads it (before validation)."""
    t = type(data)
    if t is tuple:  # a row the fast path already turned into values (see fast_rows)
        return data[0]
    if t is Record:  # a record the JSON Lines reader already validated whole (see `_fast_jsonl_record`)
        return data.id
    return data.get("id") if isinstance(data, dict) else None


def _pack(location: Location) -> int:
    return ((location.line or 0) << 20) | min(location.column or 0, 0xFFFFF)


class RecordIds:
    """The record ids read so far, to refuse repeats; the one thing kept per record.

    With `reread` (a way to read the same raw records again from the start) only the
    `hash()` of each id is kept (in a flat `HashSet`: about 24 bytes a record with
    `hashes`, where a dict from id to position took some 140); on a hash
    that repeats (a repeated id, or very rarely two ids with the same hash) the records
    up to here are read again once to build the exact table, which is then kept for the
    rest of the file: the repeat is told with the line of the first use, as always.
    Without `reread` the exact table is kept from the start. `hashes` holds the hash of
    every id read, in order (for a caller looking for repeats across files or parts)."""

    def __init__(self, reread: Callable[[], Iterator[RawItem]] | None = None):
        self.hashes = array("q")
        self._reread = reread
        self._seen: HashSet | None = HashSet() if reread is not None else None
        # record id -> where it first stood, packed into one int (line << 20 | column)
        self._first: dict[str, int] | None = None if reread is not None else {}

    def first_use(self, record_id: str, location: Location) -> Location | None:
        """Where `record_id` was first used, or None (then it is noted as used here)."""
        h = hash(record_id)
        self.hashes.append(h)
        first = self._first
        if first is None:
            if not self._seen.add(h):
                return None
            first = self._exact(len(self.hashes) - 1)
        prev = first.get(record_id)
        if prev is None:
            first[record_id] = _pack(location)
            return None
        return Location(location.file, prev >> 20, prev & 0xFFFFF)

    def holds_any(self, hashes) -> bool:
        """Whether the hash of an id read here is among `hashes` (another piece's)."""
        return any_common(self.hashes, hashes)

    def _exact(self, count: int) -> dict[str, int]:
        first: dict[str, int] = {}
        items = self._reread()
        try:
            for data, location, _, _ in items:
                if count <= 0:
                    break
                if data is None:
                    continue
                record_id = _record_id(data)
                if isinstance(record_id, str):
                    count -= 1
                    if record_id not in first:
                        first[record_id] = _pack(location)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        self._first, self._seen = first, None
        return first


def check_records(items: Iterable[RawItem], limit: int = MAX_PROBLEMS, ids: RecordIds | None = None,
                  unit: Callable | None = None, progress: Callable | None = None) -> Iterator[Record]:
    """Validate raw records in order, refuse repeated ids, set locations, gather problems.

    With `unit` (`RecordFacts.unit`), what is yielded is the unit of each record instead
    (none for a record `unit` leaves out), `progress` called with each record's line;
    items whose data is a tuple (rows the fast path already checked, see fast_rows) then
    need no model at all."""
    problems: list[Problem] = []
    if ids is None:
        ids = RecordIds()
    first_use = ids.first_use
    try:
        for data, location, locate, item_problems in items:
            if item_problems:
                problems.extend(item_problems)
            if data is None:
                if len(problems) >= limit:
                    break
                continue
            fast = type(data) is tuple
            # repeated ids are looked for before validation, so a bad first copy still counts
            record_id = data[0] if fast else _record_id(data)
            if isinstance(record_id, str):
                prev = first_use(record_id, location)
                if prev is not None:
                    doc, path = locate()  # only now: where exactly the repeated id stands
                    problems.append(_duplicate_id(record_id, prev, doc.locate(path + ("id",)), path + ("id",)))
            if fast:
                values = data
            else:
                try:
                    record = data if type(data) is Record else _validate(data)
                except ValidationError as exc:
                    doc, path = locate()
                    problems.extend(problems_from_validation(exc, doc, path, limit))
                    if len(problems) >= limit:
                        break
                    continue
                values = None
            if len(problems) >= limit:
                break
            if problems:
                continue
            if unit is None:
                if values is not None:
                    yield (values, location)
                    continue
                record.with_location(location)
                yield record
                continue
            if progress is not None:
                progress(location.line)
            u = unit(values if values is not None else record_values_of(record.with_location(location)), location)
            if u is not None:
                yield u
    except InputError as exc:  # a fatal problem of the file itself, after what was found so far
        problems.extend(exc.problems)
    if problems:
        if len(problems) >= limit:
            raise InputError(problems[:limit] + [more_problems(problems[limit - 1].location)])
        raise InputError(problems)


def _duplicate_id(record_id: str, prev: Location, here: Location, path: tuple) -> Problem:
    same_line = prev.line == here.line and prev.column
    where_zh = f"第 {prev.line} 行" + (f"第 {prev.column} 列" if same_line else "")
    where_en = f"line {prev.line}" + (f", column {prev.column}" if same_line else "")
    return problem(
        "records.duplicate_id", f"记录编号“{record_id}”重复：{where_zh}开始的记录已用过它；记录编号必须唯一",
        f"the record id '{record_id}' is already used by the record starting at {where_en}; record ids must be unique",
        here, path, expected=Text(zh="唯一的记录编号", en="a unique record id"), found=record_id)


# -- YAML and JSON ---------------------------------------------------------------------

def _document_items(path: str, name: str, fmt: str) -> Iterator[RawItem]:
    text = decode_text(read_bytes(path, name, MAX_BYTES, _BIG_FILE_HINT), name)
    items = iter_yaml_items(text, name, emit=[("records",), ()], syntax=fmt)
    while True:
        try:
            _, value, item_doc = next(items)
        except StopIteration as stop:
            doc: LocatedDocument = stop.value
            break
        yield RawItem(value, item_doc.positions.get(item_doc.root) or item_doc.locate(item_doc.root),
                      (lambda d=item_doc: (d, d.root)), None)
    data = doc.data
    if isinstance(data, list):
        return
    if isinstance(data, dict):
        bad = [problem("schema.unknown_field", f"未知的顶层字段“{k}”（记录文件只允许“records:”）",
                       f"unknown top-level key '{k}' (a records file holds only 'records:')",
                       doc.locate_key((k,)), (k,), expected=Text(zh="records", en="records"), found=str(k))
               for k in data if k != "records"]
        if "records" not in data:
            bad.append(problem("schema.missing", "缺少顶层字段“records:”", "the top-level key 'records:' is missing",
                               doc.locate(()), ("records",)))
        elif data["records"] is not None and not isinstance(data["records"], list):
            bad.append(problem("schema.type", "records 应为列表（每项以“- ”开头）",
                               "records must be a list (each item starting with '- ')", doc.locate(("records",)),
                               ("records",), expected=Text(zh="列表", en="a list"), found=found_repr(data["records"])))
        if bad:
            raise InputError(bad)
        return
    zh, en = "记录文件应为以“records:”开头的映射，或记录的列表", "a records file must be a mapping with 'records:' or a list"
    if isinstance(data, str) and "：" in data:
        zh += "；文件里用了全角冒号“：”，请改为半角冒号加空格“: ”"
        en += "; the file uses the full-width colon '：': write the ASCII colon and a space"
    raise InputError([problem("file.top_level", zh, en, doc.locate(()), expected=Text(zh="records: …", en="records: …"),
                              found=found_repr(data))])


# -- JSON Lines ------------------------------------------------------------------------

class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return result


def _line_document(raw: bytes, name: str, line: int, data: Any) -> tuple[LocatedDocument, tuple]:
    """Positions inside one JSON line: read it again with the located reader (only on error)."""
    try:
        inner = load_yaml_text(raw.decode("utf-8"), name)
    except (InputError, UnicodeDecodeError):
        doc = LocatedDocument(data=data, file=name)
        doc.positions[()] = Location(name, line, 1)
        return doc, ()
    doc = LocatedDocument(data=data, file=name)
    doc.positions = {p: Location(name, line, loc.column) for p, loc in inner.positions.items()}
    doc.key_positions = {p: Location(name, line, loc.column) for p, loc in inner.key_positions.items()}
    return doc, ()


_JSONL_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)
_validate_json = Record.__pydantic_validator__.validate_json


_PLAIN_DECODER = json.JSONDecoder()  # a line the fast path took, read again only to locate a repeated id


def _plain_keys(raw: bytes) -> bool:
    """Every key of the line is followed by `":` exactly once, so counting `":` tells
    whether a key repeats (see `_fast_jsonl_record`); and no escaped surrogate, which the
    model may read differently from plain text."""
    body = raw.rstrip(b"\r\n")
    if b"\t" in body or b"\r" in body or (b" " in body and b" :" in body):
        return False
    return b"\\" not in body or not (b"\\ud" in body or b"\\uD" in body)


def _fast_jsonl_record(text: str, raw: bytes) -> Record | None:
    """The `Record` of one JSON line parsed and validated in one step by pydantic's JSON
    reader (half the cost of `json` with the duplicate-key hook plus validating the
    dict), or None: then the line takes the ordinary path, which alone reports problems.

    Two differences from the ordinary path are ruled out here. Duplicate keys, which the
    JSON reader would silently merge: on a line without whitespace before a colon, every
    key ends in `":`, and any other `":` (a string starting with a colon, an escaped
    quote followed by a colon) only adds to the count; so the `":` count equals the keys
    of the validated record only when no key repeats - also when keys are written with
    escapes. Lines the ordinary path would refuse but the JSON reader accepts: none known
    (both refuse control characters in strings, trailing commas, leading zeros; the JSON
    reader also refuses lone surrogates, which then take the ordinary path);
    tests/test_fast_path_jsonl.py compares the two paths on arbitrary lines."""
    try:
        record = _validate_json(text)
    except Exception:  # noqa: BLE001 - whatever goes wrong here, the ordinary path decides and reports
        return None
    # valid JSON has no raw control characters inside strings, so any tab or carriage
    # return is whitespace between tokens (the line ends at its newline)
    body = raw.rstrip(b"\r\n")
    if b"\t" in body or b"\r" in body or (b" " in body and b" :" in body):
        return None
    keys = len(record.__pydantic_fields_set__) + len(record.entity.__pydantic_fields_set__)
    for insp in record.inspectors:
        keys += len(insp.__pydantic_fields_set__)
    if record.follow_up is not None:
        keys += len(record.follow_up.__pydantic_fields_set__)
    if record.extra:
        keys += nested_keys(record.extra)
    return record if raw.count(b'":') == keys else None


def _jsonl_items(path: str, name: str, part: Part | None = None, fast: bool = False) -> Iterator[RawItem]:
    decode = _JSONL_DECODER.decode  # one decoder for all lines: json.loads(..., hook) builds one per call
    plain = _PLAIN_DECODER.decode
    empty = True
    with open_input(path, name) as whole, (open_range(whole, part.byte_range) if part else whole) as fh:
        for line, raw in enumerate(fh, part.first_line if part else 1):
            if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            empty = False
            loc = Location(name, line, 1)
            if fast and _plain_keys(raw):
                values = line_values(raw)
                if values is not None:
                    # a plain tuple: the RawItem fields, without the cost of the named tuple
                    yield (values, loc, (lambda raw=raw, line=line: _line_document(
                        raw, name, line, plain(raw.decode("utf-8")))), None)
                    continue
            try:
                text = raw.decode("utf-8")
                record = _fast_jsonl_record(text, raw) if not fast else None
                if record is not None:
                    yield RawItem(record, loc, (lambda raw=raw, line=line, text=text: _line_document(
                        raw, name, line, decode(text))), None)
                    continue
                data = decode(text)
            except UnicodeDecodeError:
                try:
                    decode_text(raw, name)
                except InputError as exc:
                    p = exc.first
                    yield RawItem(None, loc, None, [Problem(p.code, p.message, Location(name, line, p.location.column),
                                                            (), p.expected, p.found)])
                    continue
                raise  # pragma: no cover - decode_text refuses what json refused
            except _DuplicateKey as exc:
                yield RawItem(None, loc, None, [problem(
                    "json.duplicate_key", f"这一行里键“{exc.key}”重复出现；JSON 解析器会静默保留后者，这里不接受",
                    f"the key '{exc.key}' appears twice on this line; a JSON parser would silently keep the last, "
                    "this library refuses", loc, (exc.key,), found=exc.key)])
                continue
            except RecursionError:
                yield RawItem(None, loc, None, [problem(
                    "json.syntax", "这一行的 JSON 嵌套过深，已拒绝读取（文件可能已损坏或被恶意构造）",
                    "the JSON on this line is nested too deep; refused (a broken or hostile file?)", loc)])
                continue
            except ValueError as exc:
                column = getattr(exc, "colno", 1)
                msg = getattr(exc, "msg", str(exc))
                yield RawItem(None, loc, None, [problem(
                    "json.syntax", f"JSON 语法错误：{msg}（JSON Lines 每行一条完整的 JSON 记录）",
                    f"JSON syntax error: {msg} (JSON Lines holds one complete JSON record per line)",
                    Location(name, line, column))])
                continue
            if not isinstance(data, dict):
                yield RawItem(None, loc, None, [problem(
                    "jsonl.not_object", "JSON Lines 的每一行应为一条记录（一个 JSON 对象 {…}）",
                    "each line of JSON Lines must be one record (a JSON object {…})", loc,
                    expected=Text(zh="JSON 对象", en="a JSON object"), found=found_repr(data))])
                continue
            yield RawItem(data, loc, (lambda raw=raw, line=line, data=data: _line_document(raw, name, line, data)), None)
    if empty and part is None:
        raise InputError([problem("file.empty", "文件为空", "the file is empty", Location(name, 1, 1))])
