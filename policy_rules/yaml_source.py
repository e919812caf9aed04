"""Reading YAML (and JSON, which is YAML) with every value's position kept.

PyYAML's own constructors silently keep the last of two duplicate keys, turn `no` and
`on` into booleans (YAML 1.1), expand aliases without bound, and its composer recurses
once per nesting level (a 10 000-deep `[[[[...` ends in RecursionError, or worse in the
C extension). So this module never uses PyYAML's composer or constructors: it reads the
flat event stream of the parser (a state machine, not recursive) and builds plain
Python values itself with an explicit stack. Each of the cases above becomes a located
`Problem`, and every value keeps the line and column it came from.

Scalars follow the YAML 1.2 core schema: only `true`/`false` are booleans; `yes`,
`no`, `on`, `off` stay strings, and the reader remembers where they stood so that a
later type error can say why. A plain scalar that looks like `key：value` (full-width
colon) is remembered too: it silently became text instead of a mapping entry.

Limits (refused with a located problem, never a hang): nesting depth `MAX_DEPTH`,
values `MAX_NODES`, values reached through aliases `MAX_ALIAS_NODES` ("billion laughs"),
file size `MAX_BYTES`.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import yaml

from .errors import InputError, Location, PathPart, Problem
from .i18n import Text
from .input_files import open_input
from .json_source import JsonSyntax, json_events
from .json_source import syntax_problem as json_syntax_problem

try:  # the C parser is several times faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 2_000_000
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 64
MAX_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 50

YAML11_BOOLS = frozenset(
    "y Y yes Yes YES n N no No NO on On ON off Off OFF".split()
)
FULLWIDTH_PUNCTUATION = "：％，；"
_INT_RE = re.compile(r"[-+]?(0|[1-9][0-9_]*)$")
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan"),
                   ".Inf": float("inf"), "+.Inf": float("inf"), "-.Inf": float("-inf"), ".NaN": float("nan"),
                   ".INF": float("inf"), "+.INF": float("inf"), "-.INF": float("-inf"), ".NAN": float("nan")}
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
# `id：QH-1` - a key, a full-width colon, a value: the writer meant a mapping entry.
# Compiled when a full-width colon is first seen (its CJK range costs ~2 ms to compile).
_FULLWIDTH_KEY_PATTERN = r"^\s*([A-Za-z_][A-Za-z0-9_.]*|[\u4e00-\u9fff]+)\s*："


def fullwidth_key_match(text: str) -> re.Match | None:
    """`key：value` at the start of `text` (group 1 is the key), else None."""
    return re.match(_FULLWIDTH_KEY_PATTERN, text)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_COLLECTION_TAGS = frozenset({_STD + "map", _STD + "seq"})

# A plain scalar that starts with none of these and is none of these words is text
# under the core schema (no null, bool, int, float or date can look otherwise).
_PLAIN_SPECIAL_STARTS = frozenset(["", *"0123456789+-."])
_PLAIN_WORDS = _NULLS | _TRUE | _FALSE | YAML11_BOOLS | frozenset(_SPECIAL_FLOATS)

_NO_KEY = object()      # a mapping waiting for its next key
_SKIP_VALUE = object()  # the next value of this mapping is dropped (its key was refused)


@dataclass
class LocatedDocument:
    """A parsed document and where each of its values stood in the file.

    `positions` maps a path (`("plan", "tasks", 0, "id")`) to the position of its value,
    `key_positions` to the position of its key. `yaml11_bool_paths` holds the paths of
    plain `yes`/`no`/`on`/`off` scalars (kept as text); `fullwidth_colon_paths` those of
    plain scalars that look like `key：value`.
    """

    data: Any
    file: str | None
    positions: dict[tuple[PathPart, ...], Location] = field(default_factory=dict)
    key_positions: dict[tuple[PathPart, ...], Location] = field(default_factory=dict)
    yaml11_bool_paths: set[tuple[PathPart, ...]] = field(default_factory=set)
    fullwidth_colon_paths: set[tuple[PathPart, ...]] = field(default_factory=set)
    root: tuple[PathPart, ...] = ()  # the path of `data` inside the file (a streamed item)

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

    def value_at(self, path: Sequence[PathPart]) -> Any:
        """The value at a full path, or None when the path does not lead anywhere."""
        path = tuple(path)
        if path[: len(self.root)] != self.root:
            return None
        value = self.data
        for part in path[len(self.root):]:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value


def _problem(code: str, zh: str, en: str, loc: Location, path=(), expected: Text | None = None,
             found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=loc, path=tuple(path),
                   expected=expected, found=found)


def more_problems(location: Location) -> Problem:
    """The last entry of a list cut at MAX_PROBLEMS: reading stopped here."""
    return _problem("file.more_problems", f"已列出前 {MAX_PROBLEMS} 个问题，读到这里为止，后面可能还有；请先改正这些",
                    f"the first {MAX_PROBLEMS} problems are listed and reading stopped here; there may be more: "
                    "fix these first", location)


class _Frame:
    __slots__ = ("container", "path", "anchor", "key", "key_loc", "weight", "is_map")

    def __init__(self, container, path, anchor, is_map):
        self.container = container
        self.path = path
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_loc: Location | None = None
        self.weight = 1
        self.is_map = is_map



_FRAMING_EVENTS = frozenset({yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent})
_START_EVENTS = frozenset({yaml.MappingStartEvent, yaml.SequenceStartEvent})
_END_EVENTS = frozenset({yaml.MappingEndEvent, yaml.SequenceEndEvent})


class _Builder:
    """Turns parser events into values. With `emit` set to a path such as `("records",)`,
    the items of the list at that path are yielded one at a time, each with its own
    positions, and not kept."""

    def __init__(self, file: str | None, emit: Sequence[tuple[PathPart, ...]] = (), text: str = ""):
        self.file = file
        self.text = text
        self._positions = _Positions(text)
        self._lines: list[str] | None = None
        self.emit = frozenset(emit)
        self.doc = LocatedDocument(data=None, file=file)
        self.item_doc: LocatedDocument | None = None
        self.problems: list[Problem] = []
        self.nodes = 0
        self.alias_nodes = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.skip_depth = 0
        self.skip_then: Any = None
        self.documents = 0
        self.root_set = False
        self.emitted = 0

    # -- helpers ---------------------------------------------------------------------
    def _loc(self, event) -> Location:
        return Location(self.file, *self._positions.of(event.start_mark))

    def _add(self, problem: Problem) -> None:
        self.problems.append(problem)
        if len(self.problems) >= MAX_PROBLEMS:
            raise InputError(self.problems + [more_problems(problem.location)])

    def _target(self) -> LocatedDocument:
        return self.item_doc if self.item_doc is not None else self.doc

    def _count(self, n: int, event) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise InputError([_problem(
                "yaml.too_large", f"文档的值超过 {MAX_NODES} 个，已拒绝读取",
                f"the document holds more than {MAX_NODES} values; refused", self._loc(event),
                found=f"> {MAX_NODES}")])

    def _child_path(self, event) -> tuple[PathPart, ...] | None:
        """The path of the value about to start, or None when it is a mapping key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.is_map:
            if top.key is _NO_KEY:
                return None
            return top.path + (top.key,)
        return top.path + (len(top.container),)

    def _is_emitted_item(self, path: tuple[PathPart, ...]) -> bool:
        return bool(path) and isinstance(path[-1], int) and path[:-1] in self.emit

    def _skipping_value(self) -> bool:
        return bool(self.stack) and self.stack[-1].is_map and self.stack[-1].key is _SKIP_VALUE

    def _place(self, value: Any, weight: int) -> Iterator[tuple[int, Any, LocatedDocument]]:
        """Put a finished value into its parent; yields it instead when it is a streamed item."""
        if not self.stack:
            self.doc.data = value
            self.root_set = True
            return
        top = self.stack[-1]
        top.weight += weight
        if top.is_map:
            top.container[top.key] = value
            top.key = _NO_KEY
            return
        index = len(top.container)
        if self._is_emitted_item(top.path + (index,)):
            item_doc = self.item_doc or LocatedDocument(data=None, file=self.file)
            item_doc.data = value
            item_doc.root = top.path + (index,)
            self.item_doc = None
            top.container.append(None)  # keeps the index count; the item itself is not kept
            self.emitted += 1
            self.nodes -= weight  # a streamed item is not kept: the limit is on what is held
            yield index, value, item_doc
            return
        top.container.append(value)

    # -- events ----------------------------------------------------------------------
    def feed(self, event) -> Iterator[tuple[int, Any, LocatedDocument]]:
        # dispatch on the exact event class (PyYAML's parsers and json_events make no
        # subclasses): a chain of isinstance tests per event was the reader's top cost
        cls = type(event)
        if cls in _FRAMING_EVENTS:
            return
        if cls is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise InputError([_problem(
                    "yaml.multiple_documents", "文件中有多个 YAML 文档（`---`），只允许一个",
                    "the file holds several YAML documents (`---`); only one is allowed", self._loc(event))])
            return
        if self.skip_depth:
            if cls in _START_EVENTS:
                self.skip_depth += 1
            elif cls in _END_EVENTS:
                self.skip_depth -= 1
                if not self.skip_depth:
                    self.stack[-1].key = self.skip_then
            return
        if cls in _END_EVENTS:
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.open_anchors.discard(frame.anchor)
                self.anchors[frame.anchor] = (frame.container, frame.weight)
            yield from self._place(frame.container, frame.weight)
            return
        if self._skipping_value():
            if cls in _START_EVENTS:
                self.skip_depth, self.skip_then = 1, _NO_KEY
            else:
                self.stack[-1].key = _NO_KEY
            return
        path = self._child_path(event)
        if path is None:
            self._key(event)
            return
        self._count(1, event)
        if self._is_emitted_item(path):
            self.item_doc = LocatedDocument(data=None, file=self.file, root=path)
        target = self._target()
        loc = self._loc(event)
        target.positions[path] = loc
        if self.stack and self.stack[-1].is_map:
            target.key_positions[path] = self.stack[-1].key_loc
        if cls is yaml.AliasEvent:
            yield from self._alias(event, path)
            return
        if cls in _START_EVENTS:
            if len(self.stack) + 1 > MAX_DEPTH:
                raise InputError([_problem(  # the path itself would be 64 levels long: left out
                    "yaml.too_deep", f"嵌套层级超过 {MAX_DEPTH} 层，已拒绝读取（文件可能已损坏或被恶意构造）",
                    f"nesting deeper than {MAX_DEPTH} levels; refused (a broken or hostile file?)", loc,
                    found=f"> {MAX_DEPTH}")])
            if event.tag is not None and event.tag not in _COLLECTION_TAGS:
                self._add(_problem("yaml.tag", f"不支持标签“{event.tag}”", f"the tag '{event.tag}' is not supported",
                                   loc, path, found=event.tag))
            is_map = cls is yaml.MappingStartEvent
            if event.anchor is not None:
                self.open_anchors.add(event.anchor)
            self.stack.append(_Frame({} if is_map else [], path, event.anchor, is_map))
            return
        value = self._scalar(event, path, loc)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        top = self.stack[-1] if self.stack else None
        if top is not None and top.is_map:  # the common case of _place, without a generator per value
            top.weight += 1
            top.container[top.key] = value
            top.key = _NO_KEY
            return
        yield from self._place(value, 1)

    def read_all(self, events) -> None:
        """Every event of a document that streams no items: what `feed` does, with the
        common events (plain keys, untagged values and collections without anchors)
        handled here in one loop, without a generator, a method call or a path helper
        per event. Anything else goes through `feed`, which never yields without `emit`."""
        doc = self.doc
        positions = doc.positions
        key_positions = doc.key_positions
        stack = self.stack
        file = self.file
        exact = self._positions.starts is None
        scalar_cls, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        end_events = _END_EVENTS
        no_key = _NO_KEY
        plain_special = _PLAIN_SPECIAL_STARTS
        plain_words = _PLAIN_WORDS
        for event in events:
            cls = type(event)
            if not stack or self.skip_depth:
                for _ in self.feed(event):
                    pass
                continue
            top = stack[-1]
            if cls in end_events:
                frame = top
                if frame.anchor is not None:
                    for _ in self.feed(event):
                        pass
                    continue
                stack.pop()
                if not stack:
                    doc.data = frame.container
                    self.root_set = True
                    continue
                parent = stack[-1]
                parent.weight += frame.weight
                if parent.is_map:
                    parent.container[parent.key] = frame.container
                    parent.key = no_key
                else:
                    parent.container.append(frame.container)
                continue
            is_map = top.is_map
            if is_map:
                key = top.key
                if key is no_key:
                    if cls is scalar_cls:
                        value = event.value
                        container = top.container
                        if value not in container and (value != "<<" or not event.implicit[0]):
                            mark = event.start_mark
                            top.key = value
                            top.key_loc = (Location(file, mark.line + 1, mark.column + 1) if exact
                                           else self._loc(event))
                            container[value] = None
                            continue
                    self._key(event)
                    continue
                if key is _SKIP_VALUE:
                    for _ in self.feed(event):
                        pass
                    continue
            if event.anchor is not None or (cls is not scalar_cls and cls is not map_start and cls is not seq_start):
                for _ in self.feed(event):
                    pass
                continue
            if event.tag is not None or (cls is not scalar_cls and len(stack) >= MAX_DEPTH):
                for _ in self.feed(event):
                    pass
                continue
            self.nodes += 1
            if self.nodes > MAX_NODES:
                self.nodes -= 1
                self._count(1, event)
            path = top.path + ((key,) if is_map else (len(top.container),))
            mark = event.start_mark
            loc = Location(file, mark.line + 1, mark.column + 1) if exact else self._loc(event)
            positions[path] = loc
            if is_map:
                key_positions[path] = top.key_loc
            if cls is scalar_cls:
                value = event.value
                if event.implicit[0] and (value[:1] in plain_special or value in plain_words or "：" in value):
                    value = self._scalar(event, path, loc)
                top.weight += 1
                if is_map:
                    top.container[key] = value
                    top.key = no_key
                else:
                    top.container.append(value)
                continue
            stack.append(_Frame({} if cls is map_start else [], path, None, cls is map_start))

    def _alias(self, event, path) -> Iterator[tuple[int, Any, LocatedDocument]]:
        name = event.anchor
        loc = self._loc(event)
        if name in self.open_anchors:  # `&a [*a]` would never end
            raise InputError([_problem(
                "yaml.recursive_alias", f"别名 *{name} 引用了包含它自身的内容，无法展开",
                f"the alias *{name} refers to a value that contains it; it cannot be expanded", loc, path)])
        if name not in self.anchors:
            self._add(_problem("yaml.undefined_alias", f"别名 *{name} 没有对应的锚点 &{name}",
                               f"the alias *{name} has no anchor &{name}", loc, path, found=f"*{name}"))
            yield from self._place(None, 1)
            return
        value, weight = self.anchors[name]
        self.alias_nodes += weight
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise InputError([_problem(
                "yaml.alias_bomb", f"通过别名展开的值超过 {MAX_ALIAS_NODES} 个（“十亿笑声”式别名炸弹），已拒绝读取",
                f"aliases expand to more than {MAX_ALIAS_NODES} values (a 'billion laughs' alias bomb); refused",
                loc, path, found=f"*{name}")])
        self._count(weight, event)
        yield from self._place(value, weight)

    def _key(self, event) -> None:
        top = self.stack[-1]
        loc = self._loc(event)
        if not isinstance(event, yaml.ScalarEvent):
            self._add(_problem("yaml.complex_key", "映射的键必须是简单文本", "mapping keys must be plain text",
                               loc, top.path))
            if isinstance(event, yaml.AliasEvent):
                top.key = _SKIP_VALUE
            else:
                self.skip_depth, self.skip_then = 1, _SKIP_VALUE
            return
        key = event.value  # keys are always text: `2026:` and `no:` are names, not numbers
        if event.implicit[0] and key == "<<":
            self._add(_problem("yaml.merge_key", "不支持合并键 `<<`，请直接写出各字段",
                               "merge keys `<<` are not supported; write the fields out", loc, top.path))
            top.key = _SKIP_VALUE
            return
        if key in top.container:
            prev = self._target().key_positions.get(top.path + (key,))
            where_zh = f"，第一次在第 {prev.line} 行" if prev else ""
            where_en = f", first at line {prev.line}" if prev else ""
            self._add(_problem(
                "yaml.duplicate_key",
                f"键“{key}”重复出现{where_zh}；一般的 YAML/JSON 解析器会静默保留后者，这里不接受，请删除或合并其中一个",
                f"the key '{key}' appears twice{where_en}; a YAML or JSON parser would silently keep the last one, "
                "this library refuses: remove or merge one of them",
                loc, top.path + (key,), found=key))
            top.key = _SKIP_VALUE
            return
        top.key = key
        top.key_loc = loc
        top.container[key] = None  # reserve the key so a duplicate is seen even before the value ends

    def _scalar(self, event, path, loc) -> Any:
        value = event.value
        tag = event.tag
        if tag is not None and tag not in _SCALAR_TAGS and tag != "!":
            self._add(_problem("yaml.tag", f"不支持标签“{tag}”", f"the tag '{tag}' is not supported",
                               loc, path, found=tag))
            return value
        if tag is None and not event.implicit[0]:
            return value  # quoted: always text
        if tag == "!" or tag == _STD + "str":
            return value
        resolved = self._resolve_plain(value, path, loc, tag)
        if isinstance(resolved, str) and "：" in resolved:
            if fullwidth_key_match(resolved):
                self._target().fullwidth_colon_paths.add(path)
            if event.end_mark.line > event.start_mark.line:
                self._folded_fullwidth_key(event, path)
        return resolved

    def _folded_fullwidth_key(self, event, path) -> None:
        """`key：value` on its own line, under a plain value, is folded into that value as
        text without any error; it was surely meant as a field of its own."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        for n in range(event.start_mark.line + 1, min(event.end_mark.line + 1, len(self._lines))):
            m = fullwidth_key_match(self._lines[n])
            if m:
                self._add(_problem(
                    "yaml.fullwidth_colon",
                    f"这一行的“{m[1]}：”用了全角冒号，YAML 不认，于是整行被并进了上一个值的文字里；"
                    f"请改为半角冒号加空格“{m[1]}: ”",
                    f"'{m[1]}：' uses the full-width colon, which YAML does not know, so the whole line was folded "
                    f"into the text of the value above; write the ASCII colon and a space: '{m[1]}: '",
                    Location(self.file, n + 1, len(self._lines[n]) - len(self._lines[n].lstrip()) + 1), path,
                    found=self._lines[n].strip()))
                return

    def _resolve_plain(self, value: str, path, loc, tag) -> Any:
        if tag in (None, _STD + "null") and value in _NULLS:
            return None
        if tag in (None, _STD + "bool"):
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            if value in YAML11_BOOLS:
                self._target().yaml11_bool_paths.add(path)
                return value
        if tag in (None, _STD + "int") and _INT_RE.match(value):
            return int(value.replace("_", ""))
        if tag in (None, _STD + "float"):
            if _FLOAT_RE.match(value) and any(c.isdigit() for c in value):
                return float(value.replace("_", ""))
            if value in _SPECIAL_FLOATS:
                return _SPECIAL_FLOATS[value]
        if tag in (None, _STD + "timestamp"):
            m = _DATE_RE.match(value)
            if m:
                try:
                    return _dt.date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    self._add(_problem(
                        "yaml.impossible_date", f"日期“{value}”不存在（请核对月份和日）",
                        f"the date '{value}' does not exist (check the month and day)", loc, path,
                        expected=Text(zh="真实存在的日期 YYYY-MM-DD", en="a real date YYYY-MM-DD"), found=value))
                    return value
        if tag is not None:
            self._add(_problem("yaml.tag", f"“{value}”不能按标签 {tag} 读取", f"'{value}' cannot be read as {tag}",
                               loc, path, found=value))
        return value


def _fullwidth_note(text: str, mark_line: int | None) -> tuple[str, str]:
    """Where the nearest full-width colon or percent sign stands, for a syntax error."""
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if any(ch in line for ch in "：％")]
    if not candidates:
        return "", ""
    if mark_line is not None:
        before = [i for i in candidates if i <= mark_line]
        line = (before[-1] if before else candidates[0]) + 1
    else:
        line = candidates[0] + 1
    return (f"。注意：第 {line} 行有全角标点（“：”或“％”），YAML 只认半角的 “:” 和 “%”，键和值之间请用半角冒号加空格“: ”",
            f". Note: line {line} has full-width punctuation ('：' or '％'); YAML needs the ASCII ':' "
            "(followed by a space) and '%'")


# YAML also ends a line at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR; editors and
# `file:line:col` consumers count only \n (and \r), so positions are recomputed from
# the mark's character index whenever one of them occurs.
_YAML_ONLY_BREAKS = "\x85\u2028\u2029"  # searched with `in`: a regex of them costs ~4 ms to compile
_EDITOR_BREAK = re.compile("\r\n|\r|\n")


class _Positions:
    """Mark -> 1-based (line, column) as an editor counts them."""

    def __init__(self, text: str):
        self.starts: list[int] | None = None
        if any(brk in text for brk in _YAML_ONLY_BREAKS):
            self.starts = [0] + [m.end() for m in _EDITOR_BREAK.finditer(text)]

    def of(self, mark) -> tuple[int, int]:
        # the JSON reader's own marks count lines by \n already and carry no index
        index = getattr(mark, "index", None)
        if self.starts is None or index is None:
            return mark.line + 1, mark.column + 1
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def _syntax_error(exc: yaml.YAMLError, text: str, file: str | None) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    loc = Location(file, *_Positions(text).of(mark)) if mark else Location(file, 1, 1)
    context = getattr(exc, "context", None)
    problem = getattr(exc, "problem", None)
    detail = f"{context + '; ' if context else ''}{problem or exc}"
    zh = f"YAML 语法错误：{detail}"
    en = f"YAML syntax error: {detail}"
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        zh += "。YAML 不允许用 Tab 缩进，请改为空格"
        en += ". YAML does not allow tabs for indentation: use spaces"
    note_zh, note_en = _fullwidth_note(text, mark.line if mark else None)
    return InputError([_problem("yaml.syntax", zh + note_zh, en + note_en, loc)])


def _nesting_limit(exc: yaml.YAMLError) -> bool:
    # libyaml's scanner refuses flow nesting past its own limit (1000 in recent wheels)
    # while it looks ahead, before the parser hands over the events that would have
    # reached MAX_DEPTH: the same hostile file then says the same thing on either parser
    return "maximum nesting depth" in str(getattr(exc, "problem", "") or "")


def _events(text: str, loader):
    parser = loader(text)
    try:
        # get_event returns None after the stream's end: one call per event, not two
        event = parser.get_event()
        while event is not None:
            yield event
            event = parser.get_event()
    finally:
        parser.dispose()


def iter_yaml_items(text: str, file: str | None, emit: Sequence[tuple[PathPart, ...]],
                    loader=None, syntax: str = "yaml") -> Iterator[tuple[int, Any, LocatedDocument]]:
    """Stream the items of the lists at the paths `emit` (e.g. `[("records",), ()]`): yields
    `(index, value, item_document)` and keeps none of them. After the last item the
    rest of the document is still read, so problems anywhere are found. Returns (as the
    generator's value) the document without the streamed items. `syntax="json"` reads
    strict JSON (see `policy_rules.json_source`)."""
    if not text.strip():
        raise InputError([_problem("file.empty", "文件为空", "the file is empty", Location(file, 1, 1))])
    builder = _Builder(file, emit, text)
    try:
        if emit:
            events = json_events(text) if syntax == "json" else _events(text, loader or _Loader)
            for event in events:
                yield from builder.feed(event)
        elif syntax == "json":
            builder.read_all(json_events(text))
        else:
            parser = (loader or _Loader)(text)
            try:  # get_event returns None after the stream's end; no generator frame per event
                builder.read_all(iter(parser.get_event, None))
            finally:
                parser.dispose()
    except JsonSyntax as exc:
        raise InputError(builder.problems + [json_syntax_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        if _nesting_limit(exc) and loader is not yaml.SafeLoader:
            # the pure-Python parser has no limit of its own and hands over events as it
            # reads: read again on it, and the builder's own depth check says where
            for _ in iter_yaml_items(text, file, emit, loader=yaml.SafeLoader, syntax=syntax):
                pass
        if builder.problems:  # what was found before the syntax error is still worth saying
            raise InputError(builder.problems + _syntax_error(exc, text, file).problems) from None
        raise _syntax_error(exc, text, file) from None
    except RecursionError:  # pragma: no cover - the parser is not recursive; kept as a last guard
        raise InputError([_problem("yaml.too_deep", "嵌套层级过深，已拒绝读取", "nesting too deep; refused",
                                   Location(file, 1, 1))]) from None
    if builder.problems:
        raise InputError(builder.problems)
    if not builder.root_set:
        raise InputError([_problem("file.empty", "文件中没有内容（只有注释或空白）",
                                   "the file has no content (only comments or blanks)", Location(file, 1, 1))])
    return builder.doc


def load_yaml_text(text: str, file: str | None = None, loader=None, syntax: str = "yaml") -> LocatedDocument:
    """Parse one YAML/JSON document from text, keeping positions. Raises `InputError`.

    `loader` chooses the PyYAML parser class (default: the C one when available);
    `syntax="json"` reads strict JSON instead (any JSON, including what YAML refuses)."""
    items = iter_yaml_items(text, file, emit=(), loader=loader, syntax=syntax)
    while True:
        try:
            next(items)
        except StopIteration as stop:
            return stop.value


def decode_text(raw: bytes, file: str | None, kind: str = "yaml") -> str:
    """UTF-8 (with or without BOM) to text; anything else is refused with what to do."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([_problem(
            "file.encoding", "文件是 UTF-16 编码；请另存为 UTF-8（记事本“另存为”→ 编码选 UTF-8）",
            "the file is UTF-16 encoded; save it as UTF-8", Location(file, 1, 1))])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        name = file or "文件"
        hint_zh = "；如果是在中文 Windows 上保存的（GBK/GB18030），请另存为 UTF-8"
        hint_en = "; if it was saved on Chinese Windows (GBK/GB18030), save it again as UTF-8"
        try:
            raw.decode("gb18030")
            hint_zh = ("；文件看起来是 GBK/GB18030 编码（中文 Windows 常见）。请另存为 UTF-8：记事本“另存为”→ 编码选"
                       f"“UTF-8”；或在命令行运行 iconv -f GB18030 -t UTF-8 {name} > 新文件名")
            hint_en = ("; the file looks GBK/GB18030-encoded (common on Chinese Windows). Save it as UTF-8: "
                       f"Notepad 'Save as' -> Encoding 'UTF-8', or run: iconv -f GB18030 -t UTF-8 {name} > new-file")
        except UnicodeDecodeError:
            pass
        raise InputError([_problem(
            "file.encoding", "文件不是 UTF-8 编码" + hint_zh, "the file is not UTF-8 encoded" + hint_en,
            Location(file, line, column), expected=Text(zh="UTF-8 编码的文本", en="UTF-8 text"),
            found=raw[exc.start: exc.start + 4].hex(" "))]) from None


def read_bytes(path: str, display_name: str | None = None, limit: int = MAX_BYTES, hint: Text | None = None) -> bytes:
    """A whole (small) file's bytes; every failure an `InputError`, never OSError."""
    name = display_name or str(path)
    with open_input(path, name) as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        zh = f"文件超过 {limit // (1024 * 1024)} MB" + (f"；{hint.zh}" if hint else "")
        en = f"the file is larger than {limit // (1024 * 1024)} MB" + (f"; {hint.en}" if hint else "")
        raise InputError([_problem("file.too_large", zh, en, Location(name))])
    if not raw.strip():
        raise InputError([_problem("file.empty", "文件为空", "the file is empty", Location(name, 1, 1))])
    return raw


def syntax_of(path: str) -> str:
    """"json" for a `.json` file, else "yaml" (which also reads most JSON)."""
    return "json" if str(path).lower().endswith(".json") else "yaml"


def load_yaml_file(path: str, display_name: str | None = None, loader=None) -> LocatedDocument:
    """Read and parse a YAML file, or a JSON file when its name ends in `.json`.
    Raises `InputError` for every failure, never OSError."""
    name = display_name or str(path)
    return load_yaml_text(decode_text(read_bytes(path, name), name), name, loader=loader, syntax=syntax_of(path))
