"""Located, bilingual problems and the one exception type the library raises for bad input.

Every problem names the file, line and column, the field path, what was expected and
what was found, so that a person editing a YAML file by hand can go straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .i18n import DEFAULT_LANG, Lang, Text

PathPart = str | int


@dataclass(frozen=True, order=True)
class Location:
    """A position in a user's file. Lines and columns are 1-based, as editors show them."""

    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def format_path(path: Sequence[PathPart]) -> str:
    """`tasks[0].sampling_ratio.A` style, the way a person reads a YAML path."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(根 / root)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located and explained in both languages."""

    code: str
    message: Text
    location: Location = field(default_factory=Location)
    path: tuple[PathPart, ...] = ()
    expected: Text | None = None
    found: str | None = None

    def render(self, lang: Lang = DEFAULT_LANG) -> str:
        where = str(self.location)
        field_label = "字段" if lang == "zh" else "field"
        expected_label = "应为" if lang == "zh" else "expected"
        found_label = "实际为" if lang == "zh" else "found"
        text = f"{where}: [{self.code}] {self.message.get(lang)}"
        details = []
        if self.path:
            details.append(f"{field_label} {format_path(self.path)}")
        if self.expected is not None:
            details.append(f"{expected_label} {self.expected.get(lang)}")
        if self.found is not None:
            details.append(f"{found_label} {self.found}")
        if details:
            opening, sep, closing = ("（", "；", "）") if lang == "zh" else (" (", "; ", ")")
            text += opening + sep.join(details) + closing
        return text


class PolicyRulesError(Exception):
    """Base of every error the library raises on purpose."""


class InputError(PolicyRulesError):
    """Input that cannot be accepted. Carries every problem found, each located."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self.render("zh"))

    def render(self, lang: Lang = DEFAULT_LANG) -> str:
        return "\n".join(p.render(lang) for p in self.problems)

    @property
    def first(self) -> Problem:
        return self.problems[0]


def found_repr(value: object, limit: int = 80) -> str:
    """A short, safe rendering of a user's value for a message."""
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= limit else text[: limit - 1] + "…"
