"""Reading YAML (and JSON, which is YAML) with every value's position kept.

PyYAML's own constructors silently keep the last of two duplicate keys, turn `no` and
`on` into booleans (YAML 1.1), expand aliases without bound and recurse without limit.
Here the composed node tree is walked by our own code instead, so each of those cases
becomes a located `Problem`, and every value keeps the line and column it came from.

Scalars follow the YAML 1.2 core schema: only `true`/`false` are booleans; `yes`,
`no`, `on`, `off` stay strings, and the loader remembers where they stood so that a
later type error can say why.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import yaml

from .errors import InputError, Location, PathPart, Problem
from .i18n import Text

try:  # the C composer is several times faster on large plans
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 2_000_000
MAX_DEPTH = 64
MAX_BYTES = 64 * 1024 * 1024

YAML11_BOOLS = frozenset(
    "y Y yes Yes YES n N no No NO on On ON off Off OFF".split()
)
_INT_RE = re.compile(r"[-+]?(0|[1-9][0-9_]*)$")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


@dataclass
class LocatedDocument:
    """A parsed document and where each of its values stood in the file."""

    data: Any
    file: str | None
    positions: dict[tuple[PathPart, ...], Location] = field(default_factory=dict)
    key_positions: dict[tuple[PathPart, ...], Location] = field(default_factory=dict)
    yaml11_bool_paths: set[tuple[PathPart, ...]] = field(default_factory=set)

    def locate(self, path: Sequence[PathPart]) -> Location:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]

    def locate_key(self, path: Sequence[PathPart]) -> Location:
        return self.key_positions.get(tuple(path)) or self.locate(path)


def _loc(file: str | None, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _problem(code: str, zh: str, en: str, loc: Location, path=(), expected: Text | None = None,
             found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=loc, path=tuple(path),
                   expected=expected, found=found)


class _Builder:
    def __init__(self, file: str | None):
        self.file = file
        self.doc = LocatedDocument(data=None, file=file)
        self.problems: list[Problem] = []
        self.nodes = 0

    def build(self, node: yaml.Node, path: tuple[PathPart, ...], depth: int, active: frozenset[int]) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError([_problem(
                "yaml.too_large", "文档展开后的节点过多（可能是别名炸弹），已拒绝读取",
                "the document expands to too many nodes (possibly an alias bomb); refused",
                _loc(self.file, node), path, found=f"> {MAX_NODES}")])
        if depth > MAX_DEPTH:
            raise InputError([_problem(
                "yaml.too_deep", f"嵌套层级超过 {MAX_DEPTH} 层，已拒绝读取",
                f"nesting deeper than {MAX_DEPTH} levels; refused",
                _loc(self.file, node), path)])
        if id(node) in active:  # a recursive alias (&a [*a]) would never end
            raise InputError([_problem(
                "yaml.recursive_alias", "别名引用了自身，无法展开", "an alias refers to itself and cannot be expanded",
                _loc(self.file, node), path)])
        self.doc.positions[path] = _loc(self.file, node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth, active | {id(node)})
        if isinstance(node, yaml.SequenceNode):
            inner = active | {id(node)}
            return [self.build(child, path + (i,), depth + 1, inner) for i, child in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path, depth, active) -> dict:
        out: dict[Any, Any] = {}
        first_seen: dict[Any, Location] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(_problem(
                    "yaml.merge_key", "不支持合并键 `<<`，请直接写出各字段",
                    "merge keys `<<` are not supported; write the fields out",
                    _loc(self.file, key_node), path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(_problem(
                    "yaml.complex_key", "映射的键必须是简单文本", "mapping keys must be plain text",
                    _loc(self.file, key_node), path))
                continue
            key = key_node.value  # keys are always text: `2026:` and `no:` are names, not numbers
            key_loc = _loc(self.file, key_node)
            if key in first_seen:
                prev = first_seen[key]
                self.problems.append(_problem(
                    "yaml.duplicate_key",
                    f"键“{key}”重复出现，第一次在第 {prev.line} 行；YAML 解析器会静默保留后者，这里不接受",
                    f"key '{key}' appears twice, first at line {prev.line}; refusing to keep only the last",
                    key_loc, path + (key,), found=key))
                continue
            first_seen[key] = key_loc
            self.doc.key_positions[path + (key,)] = key_loc
            out[key] = self.build(value_node, path + (key,), depth + 1, active)
        return out

    def _scalar(self, node: yaml.ScalarNode, path) -> Any:
        value = node.value
        if node.style is not None or node.tag == "tag:yaml.org,2002:str":
            if node.tag in ("tag:yaml.org,2002:str", "!"):
                return value
        tag = node.tag
        if node.style is None:  # plain scalar: resolve by the 1.2 core schema
            if value in _NULLS:
                return None
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            if value in YAML11_BOOLS:
                self.doc.yaml11_bool_paths.add(path)
                return value
            if _INT_RE.match(value):
                return int(value.replace("_", ""))
            if _FLOAT_RE.match(value) and any(c.isdigit() for c in value):
                return float(value.replace("_", ""))
            m = _DATE_RE.match(value)
            if m:
                try:
                    return _dt.date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    self.problems.append(_problem(
                        "yaml.impossible_date", f"日期“{value}”不存在", f"the date '{value}' does not exist",
                        _loc(self.file, node), path,
                        expected=Text(zh="真实存在的日期 YYYY-MM-DD", en="a real date YYYY-MM-DD"), found=value))
                    return value
            return value
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(value)
            except ValueError:
                pass
        if tag == "tag:yaml.org,2002:float":
            try:
                return float(value)
            except ValueError:
                pass
        return value


def _decode(raw: bytes, file: str | None) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint_zh = "；如果是在中文 Windows 上保存的（GBK/GB18030），请另存为 UTF-8"
        hint_en = "; if it was saved on Chinese Windows (GBK/GB18030), save it again as UTF-8"
        try:
            raw.decode("gb18030")
            hint_zh = "；文件看起来是 GBK/GB18030 编码，请另存为 UTF-8（如记事本“另存为”选择 UTF-8）"
            hint_en = "; the file looks GBK/GB18030-encoded: save it as UTF-8"
        except UnicodeDecodeError:
            pass
        raise InputError([_problem(
            "file.encoding", "文件不是 UTF-8 编码" + hint_zh, "the file is not UTF-8 encoded" + hint_en,
            Location(file, line, column), found=raw[exc.start: exc.start + 4].hex(" "))]) from None


def load_yaml_text(text: str, file: str | None = None) -> LocatedDocument:
    """Parse one YAML/JSON document from text, keeping positions. Raises `InputError`."""
    if not text.strip():
        raise InputError([_problem("file.empty", "文件为空", "the file is empty", Location(file, 1, 1))])
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        detail = f"{exc.context + '; ' if exc.context else ''}{exc.problem or ''}"
        zh = f"YAML 语法错误：{detail}"
        en = f"YAML syntax error: {detail}"
        if "：" in text or "％" in text:
            zh += "。注意：文件中有全角标点（如“：”“％”），YAML 只认半角的 “:” 和 “%”"
            en += ". Note: the file contains full-width punctuation ('：', '％'); YAML needs ASCII ':' and '%'"
        raise InputError([_problem("yaml.syntax", zh, en, loc)]) from None
    except yaml.YAMLError as exc:
        raise InputError([_problem("yaml.syntax", f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}",
                                   Location(file, 1, 1))]) from None
    except RecursionError:
        raise InputError([_problem("yaml.too_deep", "嵌套层级过深，已拒绝读取", "nesting too deep; refused",
                                   Location(file, 1, 1))]) from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise InputError([_problem("file.empty", "文件中没有内容（只有注释或空白）",
                                   "the file has no content (only comments or blanks)", Location(file, 1, 1))])
    if len(nodes) > 1:
        raise InputError([_problem("yaml.multiple_documents", "文件中有多个 YAML 文档（`---`），只允许一个",
                                   "the file holds several YAML documents (`---`); only one is allowed",
                                   _loc(file, nodes[1]))])
    builder = _Builder(file)
    data = builder.build(nodes[0], (), 0, frozenset())
    if builder.problems:
        raise InputError(builder.problems)
    builder.doc.data = data
    return builder.doc


def load_yaml_file(path: str, display_name: str | None = None) -> LocatedDocument:
    """Read and parse a YAML/JSON file. Raises `InputError` for every failure, never OSError."""
    name = display_name or str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([_problem("file.not_found", "找不到文件", "file not found", Location(name))]) from None
    except IsADirectoryError:
        raise InputError([_problem("file.is_directory", "这是一个目录，不是文件", "this is a directory, not a file",
                                   Location(name))]) from None
    except OSError as exc:
        raise InputError([_problem("file.unreadable", f"无法读取文件：{exc.strerror}",
                                   f"cannot read the file: {exc.strerror}", Location(name))]) from None
    if len(raw) > MAX_BYTES:
        raise InputError([_problem("file.too_large", f"文件超过 {MAX_BYTES // (1024 * 1024)} MB",
                                   f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", Location(name))])
    return load_yaml_text(_decode(raw, name), name)
