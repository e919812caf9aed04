"""报送材料 (submissions): what the department handed in and when; read by deadline rules."""

from __future__ import annotations

import datetime as _dt

from pydantic import ConfigDict, Field, field_validator

from .located import Located


class Submission(Located):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1)  # item_list_and_directories | monthly_report | progress_summary | ...
    period: str | None = None        # 2026-05, 2026-Q1, 2026-H1, 2026
    submitted_on: _dt.date
    note: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value):
        # `period: 2026` is written as a bare year and arrives as an integer
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SubmissionsFile(Located):
    model_config = ConfigDict(extra="forbid")

    submissions: list[Submission] = Field(default_factory=list)
