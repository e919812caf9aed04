"""Turning pydantic's validation errors into located, bilingual problems.

Each pydantic error becomes one `Problem` with a stable code (listed in
docs/input-errors.md), the position of the offending value (or of the key, for an
unknown field), what was expected and what was found. Where the cause is a typing slip
that pydantic cannot see, the message names it: `yes`/`on` (YAML 1.1 booleans, kept as
text here), `key：value` with a full-width colon (read as text, not as a mapping entry),
`％`, a number where text was meant, a date that does not exist.
"""

from __future__ import annotations

import re
from typing import Any, Type, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, PathPart, Problem, found_repr
from .i18n import Text
from .yaml_source import MAX_PROBLEMS, LocatedDocument, fullwidth_key_match

M = TypeVar("M", bound=BaseModel)

# pydantic error type -> (stable code, zh expected, en expected)
_EXPECTED: dict[str, tuple[str, str, str]] = {
    "missing": ("schema.missing", "必填字段", "a required field"),
    "extra_forbidden": ("schema.unknown_field", "已定义的字段（此字段名未知，可能是拼写错误）",
                        "a known field (this name is unknown: a typo?)"),
    "string_type": ("schema.type", "文本", "text"),
    "int_type": ("schema.type", "整数", "a whole number"),
    "int_parsing": ("schema.type", "整数", "a whole number"),
    "int_from_float": ("schema.type", "整数", "a whole number"),
    "bool_type": ("schema.type", "true 或 false", "true or false"),
    "bool_parsing": ("schema.type", "true 或 false", "true or false"),
    "date_type": ("schema.date", "日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_parsing": ("schema.date", "日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("schema.date", "日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_from_datetime_inexact": ("schema.date", "日期 YYYY-MM-DD（不带时间）", "a date YYYY-MM-DD (no time)"),
    "list_type": ("schema.type", "列表", "a list"),
    "dict_type": ("schema.type", "映射（键: 值）", "a mapping (key: value)"),
    "model_type": ("schema.type", "映射（键: 值）", "a mapping (key: value)"),
    "model_attributes_type": ("schema.type", "映射（键: 值）", "a mapping (key: value)"),
    "literal_error": ("schema.choice", "以下值之一", "one of the allowed values"),
    "enum": ("schema.choice", "以下值之一", "one of the allowed values"),
    "too_short": ("schema.too_short", "至少一项（或非空文本）", "at least one item (or non-empty text)"),
    "string_too_short": ("schema.too_short", "非空文本", "non-empty text"),
    "greater_than_equal": ("schema.range", "不小于下限的数", "a number not below the minimum"),
    "less_than_equal": ("schema.range", "不大于上限的数", "a number not above the maximum"),
    "greater_than": ("schema.range", "大于下限的数", "a number above the minimum"),
    "less_than": ("schema.range", "小于上限的数", "a number below the maximum"),
    "float_type": ("schema.type", "数字", "a number"),
    "float_parsing": ("schema.type", "数字", "a number"),
    "finite_number": ("schema.type", "有限的数字", "a finite number"),
    "string_pattern_mismatch": ("schema.format", "符合格式的文本", "text in the required format"),
    "union_tag_invalid": ("schema.choice", "以下值之一", "one of the allowed values"),
    "union_tag_not_found": ("schema.missing", "必填字段", "a required field"),
    "value_error": ("schema.invalid", "有效的值", "a valid value"),
}
_BOOL_TYPES = {"bool_type", "bool_parsing"}
_DATE_TYPES = {"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}
_MAPPING_TYPES = {"dict_type", "model_type", "model_attributes_type"}
_TEXT_TYPES = {"string_type"}
_DATE_LIKE = re.compile(r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\s*$")
_LABELS = frozenset({"str", "int", "float", "bool", "date", "list", "dict", "none", "is-instance", "lax-or-strict",
                     "strict", "lax", "function-after", "function-before", "function-plain", "function-wrap",
                     "json-or-python", "chain", "nullable", "default", "union"})


_UNKNOWN = object()


def _is_label(p: Any) -> bool:
    return isinstance(p, str) and (p.startswith(("function-", "tagged-union[")) or "[" in p or p in _LABELS)


def _clean_path(loc: tuple[Any, ...], data: Any = _UNKNOWN, missing: bool = False) -> tuple[PathPart, ...]:
    """The field path of a pydantic error location. pydantic inserts union-member,
    validator and tag labels into `loc`; walking the input tells a field named `date`
    from the label `date` of a union member. Where the input is not known, the labels
    are recognised by name."""
    out: list[PathPart] = []
    cur = data
    for i, p in enumerate(loc):
        if cur is not _UNKNOWN:
            if isinstance(p, int) and isinstance(cur, (list, tuple)) and -len(cur) <= p < len(cur):
                out.append(p)
                cur = cur[p]
                continue
            if isinstance(p, str) and isinstance(cur, dict):
                if p in cur:
                    out.append(p)
                    cur = cur[p]
                    continue
                if missing and i == len(loc) - 1:
                    out.append(p)
                    continue
            if isinstance(p, (str, int)) and not _is_label(p) and not isinstance(cur, (dict, list, tuple)):
                cur = _UNKNOWN  # lost track (a value converted before this step): fall back to names
            else:
                continue  # a label: not a field
        if isinstance(p, int) or not _is_label(p):
            out.append(p)
    return tuple(out)


def _lookup(doc: LocatedDocument, prefix: tuple) -> Any:
    value = doc.data
    root = tuple(doc.root)
    if tuple(prefix[: len(root)]) != root:
        return _UNKNOWN
    for part in prefix[len(root):]:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _UNKNOWN
    return value


def _hint(etype: str, path: tuple, value: Any, doc: LocatedDocument) -> tuple[str, str, str] | None:
    """(code, zh, en) for the slips a person makes, where pydantic's own words would mislead."""
    if path in doc.yaml11_bool_paths and isinstance(value, str):
        if etype in _BOOL_TYPES:
            return ("schema.yaml11_bool", f"“{value}”在这里是文本，不是布尔值（YAML 1.2 只认 true/false）；请写 true 或 false",
                    f"'{value}' is text here, not a boolean (YAML 1.2 knows only true/false): write true or false")
        if etype in _DATE_TYPES:
            return ("schema.yaml11_bool", f"“{value}”不是日期（旧版 YAML 会把它当成布尔值）；请写日期 YYYY-MM-DD",
                    f"'{value}' is not a date (old YAML would read it as a boolean): write a date YYYY-MM-DD")
        return ("schema.yaml11_bool", f"“{value}”在这里是文本（旧版 YAML 会把它当成布尔值）",
                f"'{value}' is text here (old YAML would read it as a boolean)")
    if isinstance(value, str) and fullwidth_key_match(value) and (
            path in doc.fullwidth_colon_paths or etype in _MAPPING_TYPES or etype not in _TEXT_TYPES):
        key = fullwidth_key_match(value)[1]
        return ("schema.fullwidth_colon",
                f"“{found_repr(value, 40)[1:-1]}”用了全角冒号“：”，所以被当成一段文字而不是“键: 值”；"
                f"请改为半角冒号加空格，如“{key}: …”",
                f"'{found_repr(value, 40)[1:-1]}' uses the full-width colon '：', so it was read as text, not as "
                f"'key: value'; use the ASCII colon and a space, as in '{key}: …'")
    if isinstance(value, str) and "％" in value:
        return ("schema.fullwidth_percent", "其中有全角百分号“％”，请改为半角“%”",
                "it contains the full-width percent sign '％': use ASCII '%'")
    if etype in _DATE_TYPES and isinstance(value, str) and _DATE_LIKE.match(value):
        return ("schema.impossible_date", f"日期“{value.strip()}”不存在（请核对月份和日）",
                f"the date '{value.strip()}' does not exist (check the month and day)")
    if etype in _TEXT_TYPES and isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("schema.type", "这里应为文本，却写成了数字；编号等请加引号，如 \"001\"",
                "text was expected but a number was written; quote codes such as \"001\"")
    return None


def _missing_hint(path: tuple, doc: LocatedDocument) -> tuple[str, str, str] | None:
    """A required field that is missing because `field：value` was folded into a neighbour's text."""
    if not path or not isinstance(path[-1], str):
        return None
    parent = doc.value_at(path[:-1])
    if not isinstance(parent, dict):
        return None
    needle = f"{path[-1]}："
    for key, value in parent.items():
        if isinstance(value, str) and needle in value:
            return ("schema.fullwidth_colon",
                    f"缺少必填字段“{path[-1]}”；字段“{key}”的值里有“{needle}”，可能是用了全角冒号，"
                    f"请改为“{path[-1]}: …”并单独成行",
                    f"the required field '{path[-1]}' is missing; the value of '{key}' contains '{needle}', "
                    f"probably a full-width colon: write '{path[-1]}: …' on its own line")
    return None


def problems_from_validation(exc: ValidationError, doc: LocatedDocument, prefix: tuple = (),
                             limit: int = MAX_PROBLEMS, data: Any = _UNKNOWN) -> list[Problem]:
    """The located problems of one pydantic `ValidationError`; `prefix` is the path of the
    validated value inside `doc`, `data` that value (default: looked up in `doc`)."""
    problems: list[Problem] = []
    seen: set[tuple] = set()
    if data is _UNKNOWN:
        data = _lookup(doc, tuple(prefix))
    for err in exc.errors(include_url=False):
        if len(problems) >= limit:
            break
        etype = err["type"]
        path = tuple(prefix) + _clean_path(tuple(err["loc"]), data, etype == "missing")
        ctx = err.get("ctx") or {}
        custom = ctx.get("error")
        value = err.get("input")
        key = (path, etype if not isinstance(custom, ProblemValueError) else custom.problem.code)
        if key in seen:
            continue
        seen.add(key)
        location = doc.locate_key(path) if etype == "extra_forbidden" else doc.locate(path)
        if isinstance(custom, ProblemValueError):  # our own validators raise fully formed problems
            c = custom.problem
            problems.append(Problem(c.code, c.message, location, path, c.expected,
                                    c.found if c.found is not None else found_repr(value)))
            continue
        code, zh_exp, en_exp = _EXPECTED.get(etype, ("schema.invalid", err["msg"], err["msg"]))
        if etype in ("literal_error", "enum") and "expected" in ctx:
            zh_exp, en_exp = f"以下值之一：{ctx['expected']}", f"one of: {ctx['expected']}"
        if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            bound = next(iter(ctx.values()), None)
            sign = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}[etype]
            zh_exp, en_exp = f"{sign} {bound}", f"{sign} {bound}"
        found = None if etype == "missing" else found_repr(value)
        if etype == "missing":
            zh_msg, en_msg = "缺少必填字段", "a required field is missing"
            hint = _missing_hint(path, doc)
        elif etype == "extra_forbidden":
            zh_msg = "未知字段（拼写错误？自定义内容请放在 extra: 下）"
            en_msg = "unknown field (a typo? put custom data under extra:)"
            hint = None
            if path and isinstance(path[-1], str) and any(ch in path[-1] for ch in "：％，"):
                hint = ("schema.unknown_field", "未知字段；字段名里有全角标点（如“：”），请改为半角",
                        "unknown field; its name contains full-width punctuation ('：'): use ASCII")
        else:
            zh_msg, en_msg = "字段值不符合要求", "invalid value"
            if etype == "value_error":
                zh_msg = en_msg = str(ctx.get("error") or err["msg"])
            hint = _hint(etype, path, value, doc)
        if hint:
            code, zh_msg, en_msg = hint
        problems.append(Problem(code=code, message=Text(zh=zh_msg, en=en_msg), location=location,
                                path=path, expected=Text(zh=zh_exp, en=en_exp), found=found))
    return problems


def validate_document(model: Type[M], doc: LocatedDocument, data: Any = None, prefix: tuple = (),
                      context: dict | None = None) -> M:
    """Validate `data` (default: the whole document) against `model`, raising a located `InputError`."""
    value = doc.data if data is None else data
    try:
        return model.model_validate(value, context=context)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, doc, prefix, data=value)) from None


class ProblemValueError(ValueError):
    """Raised inside a validator to hand a fully written bilingual problem to the translator."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message.en)
        self.problem = problem
