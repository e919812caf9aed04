"""Ratios and month-days as exact values.

Ratios are held as `fractions.Fraction` so that 60% of 5 tasks is exactly 3 and no
rounding can flip a verdict. They are written as decimals (`0.6`) or percent strings
(`"60%"`); a full-width `％` is refused with a message that says so.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .errors import Problem
from .i18n import Text
from .validation import ProblemValueError

_PERCENT_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")
_DECIMAL_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*$")
_MONTH_DAY_RE = re.compile(r"(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])$")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

RATIO_EXPECTED = Text(zh="0 到 1 之间的小数或 0% 到 100% 的百分数（如 0.6 或 \"60%\"）",
                      en="a decimal from 0 to 1 or a percentage from 0% to 100% (0.6 or \"60%\")")


def _ratio_problem(code: str, zh: str, en: str) -> ProblemValueError:
    return ProblemValueError(Problem(code=code, message=Text(zh=zh, en=en), expected=RATIO_EXPECTED))


def _decimal_fraction(text: str) -> Fraction:
    """`Fraction(text)` for a float's repr, without its regular expression where the
    repr is a plain decimal (`0.025`): a plan has a few ratios per task."""
    whole, dot, digits = text.partition(".")
    if dot and whole.lstrip("-").isdigit() and digits.isdigit():
        return Fraction(int(whole + digits), 10 ** len(digits))
    return Fraction(text)


def parse_ratio(value: Any) -> Fraction:
    """`0.6`, `"60%"`, `Fraction(3, 5)` -> Fraction(3, 5). Raises ProblemValueError."""
    if isinstance(value, bool):
        raise _ratio_problem("ratio.type", "比例不能是 true/false", "a ratio cannot be true/false")
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _ratio_problem("ratio.type", "比例必须是有限的数", "a ratio must be a finite number")
        result = _decimal_fraction(repr(value))  # the decimal the user wrote, not the binary float
    elif isinstance(value, str):
        if "％" in value:
            raise _ratio_problem("ratio.fullwidth_percent", "百分号是全角的“％”，请改为半角“%”",
                                 "the percent sign is full-width '％': use ASCII '%'")
        m = _PERCENT_RE.match(value)
        if m:
            result = Fraction(m[1]) / 100
        else:
            m = _DECIMAL_RE.match(value)
            if not m:
                raise _ratio_problem("ratio.format", "无法识别的比例写法", "not a ratio")
            result = Fraction(m[1])
    else:
        raise _ratio_problem("ratio.type", "比例必须是数字或百分数文本", "a ratio must be a number or a percent string")
    if not 0 <= result <= 1:
        if isinstance(value, (int, float)) and 2 <= value <= 100:  # `60` written for 60%
            shown = format_ratio(result / 100)
            raise _ratio_problem("ratio.range", f"比例超出 0% 到 100% 的范围；若指 {shown}，请写 \"{shown}\" 或 "
                                 f"{float(result / 100):g}", f"the ratio is outside 0% to 100%; for {shown} write "
                                 f"\"{shown}\" or {float(result / 100):g}")
        raise _ratio_problem("ratio.range", "比例超出 0% 到 100% 的范围", "the ratio is outside 0% to 100%")
    return result


def format_ratio(value: Fraction) -> str:
    """Exact where possible: 3/5 -> '60%', 1/3 -> '33.33%'."""
    pct = value * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"{float(pct):.2f}%"


Ratio = Annotated[
    Fraction,
    BeforeValidator(parse_ratio),
    PlainSerializer(format_ratio, return_type=str),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                              {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$"}],
                    "description": "比例：0 到 1 的小数，或百分数文本如 \"60%\" / a ratio: 0..1 or \"60%\""}),
]


def parse_month_day(value: Any) -> str:
    """A yearly date written `MM-DD` (e.g. `03-31`), normalised to two digits each."""
    if isinstance(value, str):
        m = _MONTH_DAY_RE.match(value.strip())
        if m and int(m[2]) <= _DAYS_IN_MONTH[int(m[1]) - 1]:
            return f"{int(m[1]):02d}-{int(m[2]):02d}"
    raise ProblemValueError(Problem(
        code="month_day.format", message=Text(zh="不是有效的月-日", en="not a valid month-day"),
        expected=Text(zh="月-日，如 \"03-31\"", en="a month-day such as \"03-31\"")))


MonthDay = Annotated[
    str,
    BeforeValidator(parse_month_day),
    WithJsonSchema({"type": "string", "pattern": r"^(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])$",
                    "description": "每年的某月某日，如 \"03-31\" / a yearly month-day"}),
]
