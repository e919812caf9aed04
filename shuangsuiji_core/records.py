"""抽查检查结果 (inspection records): one per business inspected in a task. See DATA.md."""

from __future__ import annotations

import datetime as _dt
import re
from enum import Enum
from typing import Any

from pydantic import ConfigDict, Field, StrictBool, field_validator

from policy_rules.errors import Problem
from policy_rules.i18n import Text
from policy_rules.validation import ProblemValueError

from .credit_code import credit_code_problem
from .located import Located
from .plan import Method


# what Excel shows for an 18-digit code it took for a number: 9.11301E+17
_EXCEL_NUMBER = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+[0-9]+$")


class RiskClass(str, Enum):
    A = "A"  # 信用风险低
    B = "B"  # 一般
    C = "C"  # 较高
    D = "D"  # 高


class FollowUpAction(str, Enum):
    case_filed = "case_filed"
    transferred = "transferred"
    judicial_referral = "judicial_referral"
    rectification = "rectification"
    none_needed = "none_needed"


class Platform(str, Enum):
    provincial = "provincial"
    other = "other"


class _Model(Located):
    model_config = ConfigDict(extra="forbid")


class Entity(_Model):
    credit_code: str | None = None
    name: str | None = None
    is_enterprise: StrictBool = True
    risk_class: RiskClass | None = None

    @field_validator("credit_code")
    @classmethod
    def _check_digit(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = credit_code_problem(value)
        if problem and _EXCEL_NUMBER.match(value):
            problem = ("统一社会信用代码被 Excel 当成数字写成了科学计数法，原来的代码已经丢失；请在 Excel 中把这一列设为"
                       "“文本”格式，重新填入代码后再导出",
                       "Excel turned the credit code into a number in scientific notation and the code is lost; "
                       "format the column as Text in Excel, enter the codes again and export")
        if problem:
            raise ProblemValueError(Problem(
                code="record.credit_code", message=Text(zh=problem[0], en=problem[1]),
                expected=Text(zh="符合 GB 32100-2015 的 18 位统一社会信用代码",
                              en="an 18-character credit code valid per GB 32100-2015")))
        return value


class Inspector(_Model):
    id: str = Field(min_length=1)
    certified: StrictBool | None = None
    drawn_randomly: StrictBool | None = None
    conflict_of_interest: StrictBool | None = None


class FollowUp(_Model):
    action: FollowUpAction
    recorded_on: _dt.date | None = None
    published_on: _dt.date | None = None


class Record(_Model):
    id: str = Field(min_length=1)
    task_id: str = Field(min_length=1)
    entity: Entity = Field(default_factory=Entity)
    inspectors: list[Inspector]
    drawn_randomly: StrictBool | None = None
    method: Method | None = None
    inspected_on: _dt.date
    problems_found: StrictBool | None = None
    result_entered_on: _dt.date | None = None
    result_published_on: _dt.date | None = None
    follow_up: FollowUp | None = None
    platform: Platform | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
