"""Reading JSON with positions, through the same builder as YAML.

JSON is almost YAML, but not quite: PyYAML refuses the surrogate-pair escapes that
`json.dumps` writes for characters outside the Basic Multilingual Plane (rare
characters of Chinese names, CJK Extension B, are among them) and keys longer than
1024 characters. So `.json` files are tokenised here, by an iterative scanner (no
recursion, whatever the nesting), into the parser events the YAML builder consumes:
duplicate keys, depth, positions and streaming of list items then work the same way.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from json.decoder import scanstring
from typing import Iterator

import yaml

from .errors import Location, Problem
from .i18n import Text

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WS = re.compile(r"[ \t\n\r]*")
_LITERALS = {"t": "true", "f": "false", "n": "null"}


class _Mark:
    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int):
        self.line = line
        self.column = column


class JsonSyntax(Exception):
    def __init__(self, message_zh: str, message_en: str, index: int):
        super().__init__(message_en)
        self.zh, self.en, self.index = message_zh, message_en, index


def json_events(text: str) -> Iterator[yaml.Event]:
    """PyYAML-style events of one JSON document. Raises `JsonSyntax`."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def mark(index: int) -> _Mark:
        line = bisect_right(newlines, index - 1)
        start = newlines[line - 1] + 1 if line else 0
        return _Mark(line, index - start)

    def scalar(value: str, index: int, quoted: bool) -> yaml.ScalarEvent:
        m = mark(index)
        if quoted:
            return yaml.ScalarEvent(None, None, (False, True), value, m, m, style='"')
        return yaml.ScalarEvent(None, None, (True, False), value, m, m, style=None)

    yield yaml.StreamStartEvent(_Mark(0, 0), _Mark(0, 0))
    yield yaml.DocumentStartEvent(_Mark(0, 0), _Mark(0, 0))
    stack: list[str] = []  # "{" or "["
    i = _WS.match(text, 0).end()
    n = len(text)
    expect = "value"  # value | value_or_end | key | key_or_end | after_value
    while True:
        if expect == "after_value":
            if not stack:
                if i < n:
                    raise JsonSyntax("JSON 文档结束后还有多余内容", "extra content after the JSON document", i)
                break
            if i >= n:
                raise JsonSyntax("JSON 文档没有结束（缺少 ] 或 }）", "the JSON document ends too early (a missing ] or })", i)
            ch = text[i]
            if ch == ",":
                expect = "key" if stack[-1] == "{" else "value"
                i = _WS.match(text, i + 1).end()
                continue
            if (ch == "}" and stack[-1] == "{") or (ch == "]" and stack[-1] == "["):
                stack.pop()
                m = mark(i)
                yield yaml.MappingEndEvent(m, m) if ch == "}" else yaml.SequenceEndEvent(m, m)
                i = _WS.match(text, i + 1).end()
                continue
            want = "“,”或“}”" if stack[-1] == "{" else "“,”或“]”"
            raise JsonSyntax(f"这里应为{want}", f"expected ',' or '{'}' if stack[-1] == '{' else ']'}' here", i)
        if i >= n:
            raise JsonSyntax("JSON 文档没有结束", "the JSON document ends too early", i)
        ch = text[i]
        if expect in ("key", "key_or_end"):
            if ch == "}" and expect == "key_or_end":
                expect = "after_value"
                continue
            if ch != '"':
                raise JsonSyntax("这里应为用双引号括起的键", "expected a key in double quotes here", i)
            key, end = _string(text, i)
            yield scalar(key, i, True)
            i = _WS.match(text, end).end()
            if i >= n or text[i] != ":":
                raise JsonSyntax("键后面应为“:”", "expected ':' after the key", i)
            i = _WS.match(text, i + 1).end()
            expect = "value"
            continue
        if ch == "]" and expect == "value_or_end":
            expect = "after_value"
            continue
        if ch == "{":
            m = mark(i)
            yield yaml.MappingStartEvent(None, None, True, m, m, flow_style=True)
            stack.append("{")
            expect = "key_or_end"
            i = _WS.match(text, i + 1).end()
            continue
        if ch == "[":
            m = mark(i)
            yield yaml.SequenceStartEvent(None, None, True, m, m, flow_style=True)
            stack.append("[")
            expect = "value_or_end"
            i = _WS.match(text, i + 1).end()
            continue
        if ch == '"':
            value, end = _string(text, i)
            yield scalar(value, i, True)
        elif ch in _LITERALS:
            word = _LITERALS[ch]
            if not text.startswith(word, i):
                raise JsonSyntax("无法识别的值（JSON 只认 true、false、null）",
                                 "unrecognised value (JSON knows true, false, null)", i)
            yield scalar(word, i, False)
            end = i + len(word)
        else:
            m = _NUMBER.match(text, i)
            if not m or m.end() == i:
                raise JsonSyntax("这里应为一个值（文本要用双引号）", "expected a value here (text needs double quotes)", i)
            yield scalar(m.group(), i, False)
            end = m.end()
        i = _WS.match(text, end).end()
        expect = "after_value"
    yield yaml.DocumentEndEvent(mark(n), mark(n))
    yield yaml.StreamEndEvent(mark(n), mark(n))


def _string(text: str, i: int) -> tuple[str, int]:
    try:
        return scanstring(text, i + 1, True)
    except ValueError as exc:
        pos = getattr(exc, "pos", i)
        msg = getattr(exc, "msg", str(exc))
        raise JsonSyntax(f"字符串写法有误：{msg}", f"bad string: {msg}", pos) from None


def syntax_problem(exc: JsonSyntax, text: str, file: str | None) -> Problem:
    line = text.count("\n", 0, exc.index) + 1
    column = exc.index - (text.rfind("\n", 0, exc.index) + 1) + 1
    return Problem(code="json.syntax", message=Text(zh=f"JSON 语法错误：{exc.zh}", en=f"JSON syntax error: {exc.en}"),
                   location=Location(file, line, column))
