"""What a domain tells the generic engine: its fact types and fields, and the named
metrics and patterns rulesets may use.

The engine checks every field a rule mentions against `fact_fields`, so a misspelt
field in a ruleset is a located error at load time, never a rule that silently never
matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import Text
from .schema import Match, RatioMetric, Scope


@dataclass(frozen=True)
class MetricDef:
    name: str
    doc: Text
    scope: Scope            # what the metric reads: the plan's tasks or the records
    ratio: RatioMetric
    examples: dict[str, str] = field(default_factory=dict)  # "pass" / "fail" -> description


@dataclass(frozen=True)
class PatternDef:
    name: str
    doc: Text
    scope: Scope
    match: Match
    examples: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Vocabulary:
    fact_fields: dict[str, frozenset[str]]
    metrics: dict[str, MetricDef]
    patterns: dict[str, PatternDef]
