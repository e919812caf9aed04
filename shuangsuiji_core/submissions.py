"""报送材料 (submissions): what the department handed in and when; read by deadline rules."""

from __future__ import annotations

import datetime as _dt
import re

from policy_rules.errors import Problem
from policy_rules.i18n import Text
from policy_rules.validation import ProblemValueError
from typing import Annotated

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator

from .located import Located


# a year, a month, a quarter or a half-year: 2026, 2026-05, 2026-Q1, 2026-H1
_PERIOD_RE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?$")


class Submission(Located):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1)  # item_list_and_directories | monthly_report | progress_summary | ...
    period: Annotated[str | None, WithJsonSchema({  # `period: 2026` arrives as a number
        "anyOf": [{"type": "string", "pattern": _PERIOD_RE.pattern}, {"type": "integer", "minimum": 1000,
                                                                       "maximum": 9999}, {"type": "null"}],
        "description": "报送期间：2026、2026-05、2026-Q1、2026-H1 / the reporting period"})] = None
    submitted_on: _dt.date
    note: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value):
        # `period: 2026` is written as a bare year and arrives as an integer
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("period")
    @classmethod
    def _period_format(cls, value: str | None) -> str | None:
        if value is not None and not _PERIOD_RE.match(value):
            raise ProblemValueError(Problem(
                code="submission.period",
                message=Text(zh="报送期间的写法无法识别", en="the reporting period is not recognised"),
                expected=Text(zh="年 2026、月 2026-05、季度 2026-Q1 或半年 2026-H1",
                              en="a year 2026, a month 2026-05, a quarter 2026-Q1 or a half 2026-H1")))
        return value


class SubmissionsFile(Located):
    model_config = ConfigDict(extra="forbid")

    submissions: list[Submission] = Field(default_factory=list)
