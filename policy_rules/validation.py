"""Turning pydantic's validation errors into located, bilingual problems."""

from __future__ import annotations

from typing import Any, Type, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem, found_repr
from .i18n import Text
from .yaml_source import LocatedDocument

M = TypeVar("M", bound=BaseModel)

# pydantic error type -> (zh, en) of what was expected; the rest falls back to its own text
_EXPECTED: dict[str, tuple[str, str]] = {
    "missing": ("必填字段", "a required field"),
    "extra_forbidden": ("已定义的字段（此字段名未知，可能是拼写错误）", "a known field (this name is unknown: a typo?)"),
    "string_type": ("文本", "text"),
    "int_type": ("整数", "a whole number"),
    "int_parsing": ("整数", "a whole number"),
    "int_from_float": ("整数", "a whole number"),
    "bool_type": ("true 或 false", "true or false"),
    "bool_parsing": ("true 或 false", "true or false"),
    "date_type": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_parsing": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
    "list_type": ("列表", "a list"),
    "dict_type": ("映射（键: 值）", "a mapping (key: value)"),
    "model_type": ("映射（键: 值）", "a mapping (key: value)"),
    "model_attributes_type": ("映射（键: 值）", "a mapping (key: value)"),
    "literal_error": ("以下值之一", "one of the allowed values"),
    "enum": ("以下值之一", "one of the allowed values"),
    "too_short": ("至少一项", "at least one item"),
    "greater_than_equal": ("不小于下限的数", "a number not below the minimum"),
    "less_than_equal": ("不大于上限的数", "a number not above the maximum"),
    "float_type": ("数字", "a number"),
    "float_parsing": ("数字", "a number"),
    "string_pattern_mismatch": ("符合格式的文本", "text in the required format"),
}


def _clean_path(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    # pydantic inserts union-member and function-validator labels into loc; they are not fields
    return tuple(p for p in loc if isinstance(p, int) or (isinstance(p, str) and not p.startswith("function-")
                                                          and "[" not in p and p not in {"str", "int", "float", "bool", "date"}))


def problems_from_validation(exc: ValidationError, doc: LocatedDocument, prefix: tuple = ()) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for err in exc.errors(include_url=False):
        path = prefix + _clean_path(tuple(err["loc"]))
        etype = err["type"]
        key = (path, etype)
        if key in seen:
            continue
        seen.add(key)
        location = doc.locate_key(path) if etype == "extra_forbidden" else doc.locate(path)
        ctx = err.get("ctx") or {}
        custom = ctx.get("error")
        if isinstance(custom, ProblemValueError):  # our own validators raise fully formed problems
            c = custom.problem
            problems.append(Problem(c.code, c.message, location, path, c.expected,
                                    c.found if c.found is not None else found_repr(err.get("input"))))
            continue
        zh_exp, en_exp = _EXPECTED.get(etype, (err["msg"], err["msg"]))
        if etype == "literal_error" and "expected" in ctx:
            zh_exp, en_exp = f"以下值之一：{ctx['expected']}", f"one of: {ctx['expected']}"
        found = None if etype == "missing" else found_repr(err.get("input"))
        zh_msg, en_msg = "字段值不符合要求", "invalid value"
        if etype == "missing":
            zh_msg, en_msg = "缺少必填字段", "a required field is missing"
        elif etype == "extra_forbidden":
            zh_msg, en_msg = "未知字段（拼写错误？自定义内容请放在 extra: 下）", "unknown field (a typo? put custom data under extra:)"
        elif path in doc.yaml11_bool_paths or (path and path[:-1] in doc.yaml11_bool_paths):
            zh_msg = "字段值不符合要求；注意 yes/no/on/off 在这里是文本，布尔值请写 true 或 false"
            en_msg = "invalid value; note yes/no/on/off are text here: write true or false for a boolean"
        elif isinstance(err.get("input"), str) and any(ch in err["input"] for ch in "：％，．"):
            zh_msg = "字段值不符合要求；其中有全角标点（如“：”“％”），请改为半角"
            en_msg = "invalid value; it contains full-width punctuation ('：', '％'): use ASCII"
        problems.append(Problem(code=f"schema.{etype}", message=Text(zh=zh_msg, en=en_msg), location=location,
                                path=path, expected=Text(zh=zh_exp, en=en_exp), found=found))
    return problems


def validate_document(model: Type[M], doc: LocatedDocument, data: Any = None, prefix: tuple = (),
                      context: dict | None = None) -> M:
    """Validate `data` (default: the whole document) against `model`, raising a located `InputError`."""
    try:
        return model.model_validate(doc.data if data is None else data, context=context)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, doc, prefix)) from None


class ProblemValueError(ValueError):
    """Raised inside a validator to hand a fully written bilingual problem to the translator."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message.en)
        self.problem = problem
