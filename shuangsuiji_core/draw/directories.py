"""The two directories a draw reads, streamed: 检查对象名录库 and 执法检查人员名录库.

Entity directory (检查对象名录库) — CSV or JSON Lines, millions of rows, never held whole:

    credit_code,name,risk_class,industry,tags
    91130534MA0A1B2C3X,清河县某某超市有限公司,B,食品销售,食品经营;连锁

- `credit_code` (统一社会信用代码) required, checked per GB 32100-2015, unique in the file;
- `name` required; `risk_class` A/B/C/D or empty (unclassified); `industry` optional;
- `tags` `;`-separated in CSV (a full-width `；` is also a separator), a list in JSONL;
- Chinese column labels are accepted (统一社会信用代码, 名称, 信用风险分类, 行业, 标签);
- an unknown column is an error (a misspelt `risk_clas` must not silently make every
  business unclassified); columns named `extra.<anything>` are carried and ignored.

Inspector directory (执法检查人员名录库) — CSV, JSON Lines or YAML (`inspectors:` list):

    id,name,department,certified,tags,conflicts
    P001,张三,清河县市场监督管理局,true,食品安全;药品,91130534MA0A1B2C3X

- `id` required and unique; `certified` (持证) required: true/false (CSV also 是/否, 1/0);
- `tags` expertise tags; `conflicts` credit codes of businesses the inspector declared a
  conflict of interest with (回避), each checked per GB 32100-2015.

Empty text is the same as absent. Every problem names file:line:column, the field,
what was expected and what was found, in Chinese and English; reading stops after
`MAX_PROBLEMS` problems so a wrong file does not print two million lines.

Snapshots: `canonical_sha256` hashes the *sorted canonical rows* (sorted by credit code
or inspector id, each field length-prefixed), so reordering rows, changing line endings,
the encoding or extra columns does not change it, while any change to a field the draw
reads does. Entity snapshot: SHA-256 over ``"shuangsuiji-entity-directory/1\\n"``, the row
count, then per row (ascending credit code) the 18 code bytes followed by the canonical
row (canonical_entity). The canonical row is self-delimiting (a tag count, then every
field length-prefixed), so the concatenation is unambiguous. Only these bytes (about
a hundred per row) are kept, never the parsed rows, which is what bounds memory.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

from policy_rules.errors import InputError, Location, Problem, found_repr
from policy_rules.i18n import Text
from policy_rules.yaml_source import load_yaml_file

from ..credit_code import CHARSET, credit_code_problem
from .source_files import FileInfo, file_problem, inspect_file

MAX_PROBLEMS = 20
TAG_CACHE_SIZE = 4096  # distinct tag cells (and industries) remembered while streaming
_RISK_TEXT = {"": "0:", **{c: f"1:{c}" for c in "ABCD"}}  # risk class as canonical_entity() writes it
RISK_VALUES = frozenset("ABCD")

ENTITY_COLUMNS = {
    "credit_code": "credit_code", "统一社会信用代码": "credit_code", "信用代码": "credit_code",
    "name": "name", "名称": "name", "企业名称": "name", "检查对象名称": "name", "主体名称": "name",
    "risk_class": "risk_class", "信用风险分类": "risk_class", "风险等级": "risk_class", "风险分类": "risk_class",
    "industry": "industry", "行业": "industry", "所属行业": "industry",
    "tags": "tags", "标签": "tags",
}
INSPECTOR_COLUMNS = {
    "id": "id", "编号": "id", "执法人员编号": "id", "执法证号": "id",
    "name": "name", "姓名": "name",
    "department": "department", "部门": "department", "所属部门": "department",
    "certified": "certified", "持证": "certified", "是否持证": "certified",
    "tags": "tags", "标签": "tags", "专长标签": "tags",
    "conflicts": "conflicts", "回避对象": "conflicts", "利害关系": "conflicts",
}
_TRUE = frozenset({"true", "True", "TRUE", "是", "1"})
_FALSE = frozenset({"false", "False", "FALSE", "否", "0"})

# Base-34 trick: 34 ≡ 3 (mod 31), so Σ vᵢ·3ⁱ ≡ the first 17 characters read as a base-34
# number (least significant first) — one C-level int() instead of a Python loop.
_B34 = str.maketrans({**{c: "!" for c in range(128)},
                      **{ord(ch): (string.digits + string.ascii_uppercase)[i] for i, ch in enumerate(CHARSET)}})


def code_ok(code: str) -> bool:
    """Fast GB 32100-2015 check (the hot loop); credit_code_problem() explains a failure."""
    if len(code) != 18 or not code.isascii():
        return False
    try:
        total = int(code.translate(_B34)[16::-1], 34)
    except ValueError:  # a character outside the charset became "!"
        return False
    return code[17] == CHARSET[-total % 31]


new_row = tuple.__new__


class EntityRow(NamedTuple):
    credit_code: str
    name: str
    risk_class: str | None
    industry: str | None
    tags: tuple[str, ...]
    line: int = 0


class InspectorRow(NamedTuple):
    id: str
    name: str | None
    department: str | None
    certified: bool
    tags: tuple[str, ...]
    conflicts: tuple[str, ...]
    line: int = 0


def split_tags(text: str) -> tuple[str, ...]:
    return tuple(sorted({t.strip() for t in text.replace("；", ";").split(";") if t.strip()}))


def canonical_entity(row: EntityRow) -> bytes:
    """The canonical row: every field length-prefixed so no two rows encode alike.

    ``<tag count>|<len>:<name><len>:<risk><len>:<industry>`` then ``<len>:<tag>`` per tag
    (sorted); an absent risk class or industry is the empty string.
    """
    name, risk, industry, tags = row.name, row.risk_class or "", row.industry or "", row.tags
    text = f"{len(tags)}|{len(name)}:{name}{len(risk)}:{risk}{len(industry)}:{industry}"
    if tags:
        text += "".join([f"{len(t)}:{t}" for t in tags])
    return text.encode("utf-8")


def canonical_inspector(row: InspectorRow) -> bytes:
    parts = [row.id, row.name or "", row.department or "", "1" if row.certified else "0",
             str(len(row.tags)), *row.tags, str(len(row.conflicts)), *row.conflicts]
    return "".join(f"{len(p)}:{p}" for p in parts).encode("utf-8")


# ---------------------------------------------------------------------------- problems

class _Problems:
    """Collects problems; raises once MAX_PROBLEMS are reached or at the end."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.items.append(problem)
        if len(self.items) >= MAX_PROBLEMS:
            raise InputError(self.items + [Problem(
                code="file.too_many_problems",
                message=Text(zh=f"问题超过 {MAX_PROBLEMS} 个，已停止读取", en=f"more than {MAX_PROBLEMS} problems; stopped reading"),
                location=problem.location)])

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def _bad(code: str, zh: str, en: str, loc: Location, path: tuple, expected: tuple[str, str] | None,
         found: object) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=loc, path=path,
                   expected=Text(zh=expected[0], en=expected[1]) if expected else None,
                   found=None if found is None else found_repr(found))


_CODE_EXPECTED = ("符合 GB 32100-2015 的 18 位统一社会信用代码", "an 18-character credit code valid per GB 32100-2015")


def _code_problem(code: str, loc: Location, path: tuple) -> Problem:
    why = credit_code_problem(code) or ("统一社会信用代码格式错误", "malformed credit code")
    return _bad("directory.credit_code", why[0], why[1], loc, path, _CODE_EXPECTED, code)


def _format_of(path: str, given: str | None, allowed: tuple[str, ...]) -> str:
    if given:
        fmt = given.lower()
    else:
        suffix = Path(path).suffix.lower().lstrip(".")
        fmt = {"ndjson": "jsonl", "yml": "yaml", "json": "yaml"}.get(suffix, suffix)
    if fmt not in allowed:
        raise InputError([file_problem(
            "directory.format", f"无法识别的名录文件格式“{fmt or '(无扩展名)'}”",
            f"unrecognised directory file format '{fmt or '(no extension)'}'", Location(path),
            expected=Text(zh="扩展名为 " + "、".join("." + a for a in allowed), en="an extension among " + ", ".join("." + a for a in allowed)),
            found=Path(path).name)])
    return fmt


def _csv_column(fields: list[str], index: int) -> int:
    """Approximate 1-based character column of field `index` (exact for unquoted rows)."""
    return sum(len(f) + 1 for f in fields[:index]) + 1


def _csv_header(path: str, header: list[str], mapping: dict[str, str], required: tuple[str, ...],
                problems: _Problems) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        label = raw.strip()
        loc = Location(path, 1, _csv_column(header, i))
        if label.startswith("extra."):
            continue
        field = mapping.get(label)
        if field is None:
            known = sorted({k for k, v in mapping.items() if k == v})
            problems.add(_bad("directory.unknown_column", f"未知的列“{label}”（拼写错误？自定义列请以 extra. 开头）",
                              f"unknown column '{label}' (a typo? prefix custom columns with extra.)", loc, (label,),
                              ("以下列名之一（或对应的中文列名）：" + ", ".join(known), "one of: " + ", ".join(known)), label))
            continue
        if field in columns:
            problems.add(_bad("directory.duplicate_column", f"列“{field}”出现了两次", f"column '{field}' appears twice",
                              loc, (label,), None, label))
            continue
        columns[field] = i
    for field in required:
        if field not in columns:
            problems.add(_bad("directory.missing_column", f"缺少必需的列“{field}”", f"the required column '{field}' is missing",
                              Location(path, 1, 1), (field,), (f"表头含有 {field}", f"a header with {field}"), ",".join(header)))
    problems.raise_if_any()
    return columns


def _open_text(path: str, info: FileInfo):
    return open(path, encoding=info.encoding, newline="")


@contextlib.contextmanager
def _csv_table(path: str, info: FileInfo, readers: list, columns, required: tuple[str, ...],
               problems: "_Problems") -> Iterator[tuple[Any, dict[str, int], int]]:
    """A directory CSV opened past its header: (row reader, column -> index, header width).
    The reader is also put in `readers`, where the caller reads its line numbers."""
    with _open_text(path, info) as fh:
        reader = csv.reader(fh)
        readers.append(reader)
        header = next(reader, None)
        if header is None:
            raise InputError([file_problem("file.empty", "文件为空", "the file is empty", Location(path, 1, 1))])
        yield reader, _csv_header(path, header, columns, required, problems), len(header)


# ---------------------------------------------------------------------------- entities

def iter_entities(path: str | Path, info: FileInfo | None = None, format: str | None = None,
                  encoding: str | None = None, snapshot: "EntitySnapshot | None" = None,
                  industries: frozenset[str] | None = None) -> Iterator[EntityRow]:
    """Stream the entity directory, validating every row. Raises a located `InputError`.

    With `snapshot`, every row is also added to it (done inside the CSV loop, which saves
    a function call per row at millions of rows). With `industries`, rows of other
    industries are still validated and snapshotted but not yielded (a draw's scope).
    """
    path = str(path)
    fmt = _format_of(path, format, ("csv", "jsonl"))
    info = info or inspect_file(path, encoding)
    if fmt == "csv":
        yield from _entities_csv(path, info, snapshot, industries)
    else:
        for row in _entities_jsonl(path, info):
            if snapshot is not None:
                snapshot.add(row)
            if industries is None or row.industry in industries:
                yield row


def _csv_failure(path: str, reader, exc: csv.Error) -> InputError:
    return InputError([file_problem(
        "directory.csv", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", Location(path, max(1, reader.line_num), 1),
        expected=Text(zh=f"逗号分隔、必要时加英文双引号的 CSV（单个字段不超过 {csv.field_size_limit()} 个字符）",
                      en=f"comma-separated CSV, quoted where needed (a field at most {csv.field_size_limit()} characters)"))])


def _entities_csv(path: str, info: FileInfo, snapshot: "EntitySnapshot | None",
                  industries: frozenset[str] | None = None) -> Iterator[EntityRow]:
    readers: list = []  # the csv reader, for the line number of a csv.Error
    try:
        yield from _entities_csv_rows(path, info, snapshot, industries, readers)
    except csv.Error as exc:
        raise _csv_failure(path, readers[0], exc) from None


def _entities_csv_rows(path: str, info: FileInfo, snapshot: "EntitySnapshot | None",
                       industries: frozenset[str] | None, readers: list) -> Iterator[EntityRow]:
    append = snapshot.entries.append if snapshot is not None else None
    tag_cache: dict[str, tuple[tuple[str, ...], str, str]] = {}
    industry_cache: dict[str, str] = {}
    problems = _Problems()
    with _csv_table(path, info, readers, ENTITY_COLUMNS, ("credit_code", "name"), problems) as (reader, cols, width):
        ic, iname = cols["credit_code"], cols["name"]
        irisk, iind, itags = cols.get("risk_class"), cols.get("industry"), cols.get("tags")
        end = 1
        for fields in reader:
            # a quoted field may span lines: the record starts on the line after the last one ended
            line, end = end + 1, reader.line_num
            if len(fields) != width:
                if not fields or fields == [""]:
                    continue  # blank line
                problems.add(_bad("directory.row_width", f"这一行有 {len(fields)} 列，表头有 {width} 列",
                                  f"this row has {len(fields)} columns, the header has {width}", Location(path, line, 1),
                                  (), (f"{width} 列", f"{width} columns"), len(fields)))
                continue
            code = fields[ic]
            name = fields[iname]
            risk = fields[irisk] if irisk is not None else ""
            if not code_ok(code):
                problems.add(_code_problem(code, Location(path, line, _csv_column(fields, ic)), ("credit_code",)))
                continue
            if not name:
                problems.add(_bad("directory.name_missing", "名称为空", "the name is empty",
                                  Location(path, line, _csv_column(fields, iname)), ("name",), ("检查对象名称", "the entity's name"), name))
                continue
            risk_text = _RISK_TEXT.get(risk)
            if risk_text is None:
                problems.add(_bad("directory.risk_class", "信用风险分类只能是 A、B、C、D 或留空（未分类）",
                                  "the risk class must be A, B, C, D or empty (unclassified)",
                                  Location(path, line, _csv_column(fields, irisk)), ("risk_class",),
                                  ("A、B、C、D 或空", "A, B, C, D or empty"), risk))
                continue
            raw_tags = fields[itags] if itags is not None else ""
            # a directory repeats a few tag combinations and industries over millions of rows:
            # parse and encode each once (the pieces of canonical_entity())
            parsed = tag_cache.get(raw_tags)
            if parsed is None:
                tags = split_tags(raw_tags)
                parsed = (tags, f"{len(tags)}|", "".join([f"{len(t)}:{t}" for t in tags]))
                if len(tag_cache) < TAG_CACHE_SIZE:
                    tag_cache[raw_tags] = parsed
            tags, tag_count, tag_text = parsed
            industry = fields[iind] if iind is not None else ""
            if append is not None:
                industry_text = industry_cache.get(industry)
                if industry_text is None:
                    industry_text = f"{len(industry)}:{industry}"
                    if len(industry_cache) < TAG_CACHE_SIZE:
                        industry_cache[industry] = industry_text
                append(f"{code}{tag_count}{len(name)}:{name}{risk_text}{industry_text}{tag_text}".encode("utf-8"))
            if industries is not None and (industry or None) not in industries:
                continue
            # tuple.__new__ skips NamedTuple's Python-level __new__: a third of the per-row cost
            yield new_row(EntityRow, (code, name, risk or None, industry or None, tags, line))
    problems.raise_if_any()


_ENTITY_KEYS = frozenset({"credit_code", "name", "risk_class", "industry", "tags", "extra"})


def _json_loc(path: str, line_no: int, text: str, key: str | None) -> Location:
    col = text.find(f'"{key}"') + 1 if key else 0
    return Location(path, line_no, col if col > 0 else 1)


def _iter_json_lines(path: str, info: FileInfo, problems: _Problems) -> Iterator[tuple[int, str, dict]]:
    with _open_text(path, info) as fh:
        for line_no, text in enumerate(fh, 1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                problems.add(_bad("directory.json", f"JSON 语法错误：{exc.msg}", f"JSON syntax error: {exc.msg}",
                                  Location(path, line_no, exc.colno), (), ("每行一个 JSON 对象", "one JSON object per line"),
                                  text.strip()[:60]))
                continue
            if not isinstance(obj, dict):
                problems.add(_bad("directory.json_object", "每一行应是一个 JSON 对象 {…}", "each line must be a JSON object {…}",
                                  Location(path, line_no, 1), (), ("JSON 对象", "a JSON object"), text.strip()[:60]))
                continue
            yield line_no, text, obj


def _json_text(obj: dict, key: str, path: str, line_no: int, text: str, problems: _Problems,
               required: bool = False) -> tuple[bool, str | None]:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            problems.add(_bad("directory.missing_field", f"缺少必填字段“{key}”", f"the required field '{key}' is missing",
                              _json_loc(path, line_no, text, None), (key,), ("非空文本", "non-empty text"), None))
            return False, None
        return True, None
    if not isinstance(value, str):
        problems.add(_bad("directory.type", f"字段“{key}”应是文本", f"the field '{key}' must be text",
                          _json_loc(path, line_no, text, key), (key,), ("文本", "text"), value))
        return False, None
    return True, value


def _json_tags(obj: dict, key: str, path: str, line_no: int, text: str, problems: _Problems) -> tuple[bool, tuple[str, ...]]:
    value = obj.get(key)
    if value is None:
        return True, ()
    if isinstance(value, str):
        return True, split_tags(value)
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        problems.add(_bad("directory.type", f"字段“{key}”应是文本列表", f"the field '{key}' must be a list of text",
                          _json_loc(path, line_no, text, key), (key,), ("文本列表", "a list of text"), value))
        return False, ()
    return True, tuple(sorted({t.strip() for t in value if t.strip()}))


def _unknown_keys(obj: dict, allowed: frozenset, path: str, line_no: int, text: str, problems: _Problems) -> bool:
    unknown = [k for k in obj if k not in allowed]
    for key in unknown:
        problems.add(_bad("directory.unknown_field", f"未知字段“{key}”（拼写错误？自定义内容请放在 extra 下）",
                          f"unknown field '{key}' (a typo? put custom data under extra)",
                          _json_loc(path, line_no, text, key), (key,),
                          ("以下字段之一：" + ", ".join(sorted(allowed)), "one of: " + ", ".join(sorted(allowed))), key))
    return not unknown


def _entities_jsonl(path: str, info: FileInfo) -> Iterator[EntityRow]:
    problems = _Problems()
    for line_no, text, obj in _iter_json_lines(path, info, problems):
        if not _unknown_keys(obj, _ENTITY_KEYS, path, line_no, text, problems):
            continue
        ok1, code = _json_text(obj, "credit_code", path, line_no, text, problems, required=True)
        ok2, name = _json_text(obj, "name", path, line_no, text, problems, required=True)
        ok3, risk = _json_text(obj, "risk_class", path, line_no, text, problems)
        ok4, industry = _json_text(obj, "industry", path, line_no, text, problems)
        ok5, tags = _json_tags(obj, "tags", path, line_no, text, problems)
        if not (ok1 and ok2 and ok3 and ok4 and ok5):
            continue
        if not code_ok(code):
            problems.add(_code_problem(code, _json_loc(path, line_no, text, "credit_code"), ("credit_code",)))
            continue
        if risk is not None and risk not in RISK_VALUES:
            problems.add(_bad("directory.risk_class", "信用风险分类只能是 A、B、C、D 或 null（未分类）",
                              "the risk class must be A, B, C, D or null (unclassified)",
                              _json_loc(path, line_no, text, "risk_class"), ("risk_class",),
                              ("A、B、C、D 或 null", "A, B, C, D or null"), risk))
            continue
        yield EntityRow(code, name, risk, industry, tags, line_no)
    problems.raise_if_any()


@dataclass(frozen=True)
class Snapshot:
    """What the record says about one directory."""

    file: FileInfo | None
    rows: int
    canonical_sha256: str


class EntitySnapshot:
    """Accumulates the order-independent snapshot hash of an entity directory while it streams."""

    MAGIC = b"shuangsuiji-entity-directory/1\n"

    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def add(self, row: EntityRow) -> None:
        self.entries.append(row.credit_code.encode("ascii") + canonical_entity(row))

    def finish(self, info: FileInfo | None = None,
               relocate: Callable[[str], list[int]] | None = None, path: str | None = None) -> Snapshot:
        entries = self.entries
        entries.sort()
        duplicates = [a[:18].decode() for a, b in zip(entries, entries[1:]) if a[:18] == b[:18]]
        if duplicates:
            problems = []
            for code in sorted(set(duplicates))[:MAX_PROBLEMS]:
                lines = relocate(code) if relocate else []
                problems.append(_bad(
                    "directory.duplicate_credit_code",
                    "统一社会信用代码在名录中重复出现" + (f"（第 {'、'.join(map(str, lines))} 行）" if lines else ""),
                    "the credit code appears more than once" + (f" (lines {', '.join(map(str, lines))})" if lines else ""),
                    Location(path, lines[1] if len(lines) > 1 else None, 1 if len(lines) > 1 else None),
                    ("credit_code",), ("每个检查对象只出现一次", "each entity once"), code))
            raise InputError(problems)
        digest = hashlib.sha256(self.MAGIC)
        digest.update(len(entries).to_bytes(8, "big"))
        for i in range(0, len(entries), 8192):
            digest.update(b"".join(entries[i:i + 8192]))
        self.entries = []
        return Snapshot(info, len(entries), digest.hexdigest())


def entity_lines(path: str, info: FileInfo, code: str, format: str | None = None) -> list[int]:
    """The lines where `code` occurs (for the duplicate message; a second pass, error path only)."""
    return [row.line for row in iter_entities(path, info, format) if row.credit_code == code]


# ---------------------------------------------------------------------------- inspectors

@dataclass(frozen=True)
class InspectorDirectory:
    rows: tuple[InspectorRow, ...]
    snapshot: Snapshot


def inspector_snapshot(rows: list[InspectorRow] | tuple[InspectorRow, ...], info: FileInfo | None = None) -> Snapshot:
    digest = hashlib.sha256(b"shuangsuiji-inspector-directory/1\n")
    digest.update(len(rows).to_bytes(8, "big"))
    for row in sorted(rows, key=lambda r: r.id):
        digest.update(hashlib.sha256(canonical_inspector(row)).digest())
    return Snapshot(info, len(rows), digest.hexdigest())


def load_inspectors(path: str | Path, format: str | None = None, encoding: str | None = None) -> InspectorDirectory:
    """Read the whole inspector directory (it is small: hundreds or thousands of people)."""
    path = str(path)
    fmt = _format_of(path, format, ("csv", "jsonl", "yaml"))
    info = inspect_file(path, encoding)
    problems = _Problems()
    if fmt == "csv":
        readers: list = []
        try:
            rows = list(_inspectors_csv(path, info, problems, readers))
        except csv.Error as exc:
            raise _csv_failure(path, readers[0], exc) from None
    elif fmt == "jsonl":
        rows = list(_inspectors_jsonl(path, info, problems))
    else:
        rows = _inspectors_yaml(path, problems)
    problems.raise_if_any()
    seen: dict[str, int] = {}
    for row in rows:
        if row.id in seen:
            problems.add(_bad("directory.duplicate_inspector", f"执法人员编号重复，第一次在第 {seen[row.id]} 行",
                              f"the inspector id appears twice, first at line {seen[row.id]}", Location(path, row.line, 1),
                              ("id",), ("唯一的编号", "a unique id"), row.id))
        seen.setdefault(row.id, row.line)
    problems.raise_if_any()
    return InspectorDirectory(tuple(rows), inspector_snapshot(rows, info))


def _parse_certified(value: str) -> bool | None:
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


_CERT_EXPECTED = ("true 或 false（CSV 中也可写 是/否、1/0）", "true or false (in CSV also 是/否, 1/0)")


def _inspectors_csv(path: str, info: FileInfo, problems: _Problems, readers: list) -> Iterator[InspectorRow]:
    with _csv_table(path, info, readers, INSPECTOR_COLUMNS, ("id", "certified"), problems) as (reader, cols, width):

        def get(fields, name):
            i = cols.get(name)
            return fields[i].strip() if i is not None else ""

        end = 1
        for fields in reader:
            # a quoted field may span lines: the record starts on the line after the last one ended
            line, end = end + 1, reader.line_num
            if len(fields) != width:
                if not fields or fields == [""]:
                    continue
                problems.add(_bad("directory.row_width", f"这一行有 {len(fields)} 列，表头有 {width} 列",
                                  f"this row has {len(fields)} columns, the header has {width}", Location(path, line, 1),
                                  (), (f"{width} 列", f"{width} columns"), len(fields)))
                continue
            ident = get(fields, "id")
            if not ident:
                problems.add(_bad("directory.missing_field", "执法人员编号为空", "the inspector id is empty",
                                  Location(path, line, _csv_column(fields, cols["id"])), ("id",), ("非空编号", "a non-empty id"), ident))
                continue
            certified = _parse_certified(get(fields, "certified"))
            if certified is None:
                problems.add(_bad("directory.certified", "“持证”一栏无法识别", "the certified column is not recognised",
                                  Location(path, line, _csv_column(fields, cols["certified"])), ("certified",),
                                  _CERT_EXPECTED, get(fields, "certified")))
                continue
            conflicts = split_tags(get(fields, "conflicts"))
            bad = [c for c in conflicts if not code_ok(c)]
            if bad:
                problems.add(_code_problem(bad[0], Location(path, line, _csv_column(fields, cols["conflicts"])), ("conflicts",)))
                continue
            yield InspectorRow(ident, get(fields, "name") or None, get(fields, "department") or None, certified,
                               split_tags(get(fields, "tags")), conflicts, line)


_INSPECTOR_KEYS = frozenset({"id", "name", "department", "certified", "tags", "conflicts", "extra"})


def _inspectors_jsonl(path: str, info: FileInfo, problems: _Problems) -> Iterator[InspectorRow]:
    for line_no, text, obj in _iter_json_lines(path, info, problems):
        row = _inspector_from_mapping(obj, lambda key: _json_loc(path, line_no, text, key), line_no, problems)
        if row is not None:
            yield row


def _inspector_from_mapping(obj: dict, locate: Callable[[str | None], Location], line: int,
                            problems: _Problems, prefix: tuple = ()) -> InspectorRow | None:
    for key in obj:
        if key not in _INSPECTOR_KEYS:
            problems.add(_bad("directory.unknown_field", f"未知字段“{key}”（拼写错误？自定义内容请放在 extra 下）",
                              f"unknown field '{key}' (a typo? put custom data under extra)", locate(key), prefix + (key,),
                              ("以下字段之一：" + ", ".join(sorted(_INSPECTOR_KEYS)), "one of: " + ", ".join(sorted(_INSPECTOR_KEYS))), key))
            return None
    ok = True
    texts: dict[str, str | None] = {}
    for key in ("id", "name", "department"):
        value = obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and key == "id":
            value = str(value)  # an id written as a bare number in YAML
        if value is not None and not isinstance(value, str):
            problems.add(_bad("directory.type", f"字段“{key}”应是文本", f"the field '{key}' must be text", locate(key),
                              prefix + (key,), ("文本", "text"), value))
            ok = False
        texts[key] = value.strip() if isinstance(value, str) and value.strip() else None
    if ok and texts["id"] is None:
        problems.add(_bad("directory.missing_field", "缺少必填字段“id”（执法人员编号）", "the required field 'id' is missing",
                          locate(None), prefix + ("id",), ("非空编号", "a non-empty id"), None))
        ok = False
    certified = obj.get("certified")
    if not isinstance(certified, bool):
        hint = ("；yes/no 在这里是文本，请写 true 或 false", "; yes/no are text here: write true or false") \
            if isinstance(certified, str) and certified.lower() in {"yes", "no", "on", "off", "y", "n"} else ("", "")
        problems.add(_bad("directory.certified", "“certified”（持证）必须是 true 或 false" + hint[0],
                          "'certified' must be true or false" + hint[1], locate("certified"), prefix + ("certified",),
                          ("true 或 false", "true or false"), certified))
        ok = False
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("tags", "conflicts"):
        value = obj.get(key)
        if key == "conflicts" and isinstance(value, list):
            # an all-digit credit code written without quotes arrives as a YAML/JSON number
            value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        if value is None:
            lists[key] = ()
        elif isinstance(value, str):
            lists[key] = split_tags(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            lists[key] = tuple(sorted({v.strip() for v in value if v.strip()}))
        else:
            problems.add(_bad("directory.type", f"字段“{key}”应是文本列表", f"the field '{key}' must be a list of text",
                              locate(key), prefix + (key,), ("文本列表", "a list of text"), value))
            ok = False
    for code in lists.get("conflicts", ()):
        if not code_ok(code):
            problems.add(_code_problem(code, locate("conflicts"), prefix + ("conflicts",)))
            ok = False
            break
    if not ok:
        return None
    return InspectorRow(texts["id"], texts["name"], texts["department"], certified, lists["tags"], lists["conflicts"], line)


def _inspectors_yaml(path: str, problems: _Problems) -> list[InspectorRow]:
    doc = load_yaml_file(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("inspectors"), list):
        raise InputError([_bad("directory.yaml_shape", "执法检查人员名录应以 inspectors: 列表开头",
                               "the inspector directory must have a top-level inspectors: list", doc.locate(()), (),
                               ("inspectors: [...]", "inspectors: [...]"),
                               ", ".join(map(str, data)) if isinstance(data, dict) else type(data).__name__)])
    extra_top = [k for k in data if k != "inspectors"]
    for key in extra_top:
        problems.add(_bad("directory.unknown_field", f"未知的顶层键“{key}”", f"unknown top-level key '{key}'",
                          doc.locate_key((key,)), (key,), ("inspectors", "inspectors"), key))
    rows = []
    for i, item in enumerate(data["inspectors"]):
        base = ("inspectors", i)
        if not isinstance(item, dict):
            problems.add(_bad("directory.yaml_shape", "每位执法人员应是一个映射（键: 值）", "each inspector must be a mapping",
                              doc.locate(base), base, ("映射", "a mapping"), item))
            continue
        row = _inspector_from_mapping(item, lambda key, base=base: doc.locate_key(base + (key,)) if key else doc.locate(base),
                                      doc.locate(base).line or 0, problems, base)
        if row is not None:
            rows.append(row)
    return rows
