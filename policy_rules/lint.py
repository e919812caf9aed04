"""Static checks of a ruleset against a domain vocabulary.

A misspelt metric, pattern or field must be a located error when the ruleset is
loaded, never a rule that silently never matches. The vocabulary is generic input
(`policy_rules.vocabulary.Vocabulary`): this module knows no domain names.

`match_references` walks a `Match` (and its joins) and yields every (fact, field) it
mentions with the path where it stands; `check_ruleset` applies that to every rule.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass
from typing import Iterator, Mapping

from .errors import Location, Problem
from .i18n import Text
from .messages import check_template
from .schema import (AfterEventSchedule, ByDateSchedule, Condition, DeadlineRule, Match, ProhibitionRule,
                     RatioMetric, Ruleset, TargetRule)
from .vocabulary import Vocabulary

Path = tuple[str | int, ...]

# A field's type, as the fact contract gives it: the lint compares condition values with it.
FIELD_TYPES: dict[str, type] = {"bool": bool, "int": int, "str": str, "date": _dt.date}


@dataclass(frozen=True)
class FieldRef:
    """One mention of a field of a fact type, at `path` inside the checked object."""

    fact: str
    field: str
    path: Path
    condition: Condition | None = None


@dataclass(frozen=True)
class FactRef:
    fact: str
    path: Path


def _conditions(fact: str, conditions: list[Condition], path: Path) -> Iterator[FieldRef]:
    for i, cond in enumerate(conditions):
        yield FieldRef(fact, cond.field, path + (i, "field"), cond)


def match_references(match: Match, path: Path = ()) -> Iterator[FieldRef | FactRef]:
    """Every fact type and field a Match mentions, with the path of the mention."""
    yield FactRef(match.fact, path + ("fact",))
    yield from _conditions(match.fact, match.where, path + ("where",))
    for key in ("join", "absent"):
        for j, join in enumerate(getattr(match, key)):
            jpath = path + (key, j)
            yield FactRef(join.fact, jpath + ("fact",))
            for mine, theirs in join.on.items():
                yield FieldRef(match.fact, mine, jpath + ("on", mine))
                yield FieldRef(join.fact, theirs, jpath + ("on", mine))
            yield from _conditions(join.fact, join.where, jpath + ("where",))


def ratio_references(ratio: RatioMetric, path: Path = ()) -> Iterator[FieldRef | FactRef]:
    for part in ("numerator", "denominator"):
        selector = getattr(ratio, part)
        yield from match_references(selector.match, path + (part, "match"))
        for agg in ("distinct", "sum"):
            name = getattr(selector, agg)
            if name is not None:
                yield FieldRef(selector.match.fact, name, path + (part, agg))


def rule_references(rule) -> Iterator[FieldRef | FactRef]:
    """Every fact and field a rule mentions directly (named metrics and patterns aside)."""
    params = rule.params
    if isinstance(rule, TargetRule) and params.ratio is not None:
        yield from ratio_references(params.ratio, ("params", "ratio"))
    elif isinstance(rule, ProhibitionRule) and params.match is not None:
        yield from match_references(params.match, ("params", "match"))
    elif isinstance(rule, DeadlineRule):
        sched = params.schedule
        base: Path = ("params", "schedule")
        if isinstance(sched, AfterEventSchedule):
            yield FactRef(sched.fact, base + ("fact",))
            yield FieldRef(sched.fact, sched.start_field, base + ("start_field",))
            yield FieldRef(sched.fact, sched.end_field, base + ("end_field",))
            yield from _conditions(sched.fact, sched.when, base + ("when",))
        elif isinstance(sched, ByDateSchedule):
            yield FactRef(sched.fact, base + ("fact",))
            yield FieldRef(sched.fact, sched.field, base + ("field",))
            yield from _conditions(sched.fact, sched.when, base + ("when",))


def _problem(code: str, zh: str, en: str, location: Location, path: Path, expected: Text | None = None,
             found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=location, path=path,
                   expected=expected, found=found)


def _names(names) -> str:
    return ", ".join(sorted(names))


def _did_you_mean(name: str, names) -> tuple[str, str]:
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
    if not close:
        return "", ""
    return f"（是否想写“{close[0]}”？）", f" (did you mean '{close[0]}'?)"


def _value_type_problem(ref: FieldRef, field_type: str | None, allowed: frozenset[str] | None,
                        location: Location, path: Path) -> Problem | None:
    cond = ref.condition
    if cond is None or cond.op in ("exists", "missing"):
        return None
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    vpath = path[:-1] + ("value",)
    for value in values:
        if field_type is not None and value is not None:
            want = FIELD_TYPES[field_type]
            ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
            if not ok:
                return _problem(
                    "lint.value_type", f"字段“{ref.fact}.{ref.field}”是 {field_type} 类型，条件值类型不符",
                    f"field '{ref.fact}.{ref.field}' is of type {field_type}; the condition value is not",
                    location, vpath, Text(zh=f"{field_type} 类型的值", en=f"a {field_type} value"), repr(value))
        if allowed is not None and isinstance(value, str) and value not in allowed:
            return _problem(
                "lint.unknown_value", f"字段“{ref.fact}.{ref.field}”没有取值“{value}”",
                f"field '{ref.fact}.{ref.field}' has no value '{value}'",
                location, vpath, Text(zh=f"以下值之一：{_names(allowed)}", en=f"one of: {_names(allowed)}"),
                repr(value))
    return None


def reference_problems(refs, vocabulary: Vocabulary, locate, field_types: Mapping[str, Mapping[str, str]] | None = None,
                       field_values: Mapping[str, Mapping[str, frozenset[str]]] | None = None) -> list[Problem]:
    """Problems with the facts and fields in `refs`; `locate(path) -> Location`."""
    problems: list[Problem] = []
    facts = vocabulary.fact_fields
    for ref in refs:
        if ref.fact not in facts:
            if isinstance(ref, FactRef):
                problems.append(_problem(
                    "lint.unknown_fact", f"未知的事实类型“{ref.fact}”", f"unknown fact type '{ref.fact}'",
                    locate(ref.path), ref.path, Text(zh=f"以下之一：{_names(facts)}", en=f"one of: {_names(facts)}"),
                    ref.fact))
            continue
        if isinstance(ref, FactRef):
            continue
        known = facts[ref.fact]
        if ref.field not in known:
            zh_hint, en_hint = _did_you_mean(ref.field, known)
            problems.append(_problem(
                "lint.unknown_field", f"事实类型“{ref.fact}”没有字段“{ref.field}”{zh_hint}",
                f"fact type '{ref.fact}' has no field '{ref.field}'{en_hint}",
                locate(ref.path), ref.path, Text(zh=f"以下之一：{_names(known)}", en=f"one of: {_names(known)}"),
                ref.field))
            continue
        ftype = (field_types or {}).get(ref.fact, {}).get(ref.field)
        allowed = (field_values or {}).get(ref.fact, {}).get(ref.field)
        p = _value_type_problem(ref, ftype, allowed, locate(ref.path), ref.path)
        if p is not None:
            problems.append(p)
    return problems


def check_ruleset(ruleset: Ruleset, vocabulary: Vocabulary,
                  field_types: Mapping[str, Mapping[str, str]] | None = None,
                  field_values: Mapping[str, Mapping[str, frozenset[str]]] | None = None) -> list[Problem]:
    """Every metric/pattern name and every field a rule mentions must exist in the vocabulary.

    Each problem is located at the line of the offending value in the ruleset file (or
    its parent, for an inherited rule) when the ruleset came from `policy_rules.resolve`.
    Optional `field_types` ({fact: {field: "bool"|"int"|"str"|"date"}}) and
    `field_values` ({fact: {field: allowed strings}}) also check condition values.
    """
    problems: list[Problem] = []
    for index, rule in enumerate(ruleset.rules):
        def locate(path: Path, _rule=rule, _index=index) -> Location:
            return ruleset_location(ruleset, _rule.id, path)

        def at(path: Path, _index=index) -> Path:
            return ("rules", _index) + path

        params = rule.params
        if isinstance(rule, TargetRule) and params.metric is not None:
            metric = vocabulary.metrics.get(params.metric)
            if metric is None:
                zh_hint, en_hint = _did_you_mean(params.metric, vocabulary.metrics)
                problems.append(_problem(
                    "lint.unknown_metric", f"规则 {rule.id}：未知的度量“{params.metric}”{zh_hint}",
                    f"rule {rule.id}: unknown metric '{params.metric}'{en_hint}", locate(("params", "metric")),
                    at(("params", "metric")),
                    Text(zh=f"以下之一：{_names(vocabulary.metrics)}", en=f"one of: {_names(vocabulary.metrics)}"),
                    params.metric))
            elif metric.scope.value != rule.applies_to.value:
                problems.append(_problem(
                    "lint.scope_mismatch",
                    f"规则 {rule.id}：度量“{params.metric}”读取 {metric.scope.value}，规则的 applies_to 却是 {rule.applies_to.value}",
                    f"rule {rule.id}: metric '{params.metric}' reads {metric.scope.value} but applies_to is {rule.applies_to.value}",
                    locate(("applies_to",)), at(("applies_to",)),
                    Text(zh=metric.scope.value, en=metric.scope.value), rule.applies_to.value))
        if isinstance(rule, ProhibitionRule) and params.pattern is not None:
            pattern = vocabulary.patterns.get(params.pattern)
            if pattern is None:
                zh_hint, en_hint = _did_you_mean(params.pattern, vocabulary.patterns)
                problems.append(_problem(
                    "lint.unknown_pattern", f"规则 {rule.id}：未知的模式“{params.pattern}”{zh_hint}",
                    f"rule {rule.id}: unknown pattern '{params.pattern}'{en_hint}", locate(("params", "pattern")),
                    at(("params", "pattern")),
                    Text(zh=f"以下之一：{_names(vocabulary.patterns)}", en=f"one of: {_names(vocabulary.patterns)}"),
                    params.pattern))
            elif pattern.scope.value != rule.applies_to.value:
                problems.append(_problem(
                    "lint.scope_mismatch",
                    f"规则 {rule.id}：模式“{params.pattern}”读取 {pattern.scope.value}，规则的 applies_to 却是 {rule.applies_to.value}",
                    f"rule {rule.id}: pattern '{params.pattern}' reads {pattern.scope.value} but applies_to is {rule.applies_to.value}",
                    locate(("applies_to",)), at(("applies_to",)),
                    Text(zh=pattern.scope.value, en=pattern.scope.value), rule.applies_to.value))
        for lang in ("zh", "en"):
            bad = check_template(getattr(rule.message, lang))
            if bad is not None:
                problems.append(Problem(bad.code, Text(zh=f"规则 {rule.id}：{bad.message.zh}", en=f"rule {rule.id}: {bad.message.en}"),
                                        locate(("message", lang)), at(("message", lang)), bad.expected, bad.found))
        refs = list(rule_references(rule))
        for p in reference_problems(refs, vocabulary, locate, field_types, field_values):
            problems.append(Problem(p.code, Text(zh=f"规则 {rule.id}：{p.message.zh}", en=f"rule {rule.id}: {p.message.en}"),
                                    p.location, at(p.path), p.expected, p.found))
    return problems


def ruleset_location(ruleset: Ruleset, rule_id: str, path: Path = ()) -> Location:
    """Where a rule (or a value inside it) was written; empty Location when not known."""
    origin = getattr(ruleset, "_origin", None)
    if origin is None:
        return Location()
    return origin.locate_rule(rule_id, path)


