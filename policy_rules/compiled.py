"""The engine-neutral compiled form of a ruleset.

Both evaluators (durable_rules and plain Python) answer one question only: *which
facts of a batch match which query*. Everything else (exact ratios, distinct counts,
sums, dates, waivers, findings) is shared Python code, so the two evaluators produce
identical reports by construction; the differential tests prove it.

A **query** is a typed primary pattern with conditions, equality joins to other facts
that must exist, and equality joins to facts that must not exist (absence)::

    Query(fact="task", tests=(), joins=(Link(fact="record", on=(("id", "task_id"),)),))
    # tasks with at least one record of that task

Values in tests are already of the field's type (`datetime.date` for dates); the
durable backend turns dates into day numbers. A field that is absent (`None`) fails
every comparison (`eq`, `neq`, `gt`, ...) and is seen only by `missing`; durable_rules
sees the same because absent fields are left out of the engine's fact entirely
("null counts as existing" there, so `None` is never sent).

Facts come in two flavours. **Global** facts (plan, tasks, adjustments, submissions)
are few and are asserted in every batch. **Streamed** facts (records, inspectors)
arrive in batches, a unit at a time (a record with its inspectors, which share a
unit key). A query whose primary fact is global but which joins streamed facts is
answered per batch and the answers are united; absence of a streamed fact is the
complement of that union (`Selection.minus`). Tests on **deferred** fields (fields
whose value depends on the whole stream, such as "another record of the same credit
code came first") are applied by shared code after the stream ends.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Union

Value = Union[bool, int, str, _dt.date, None]

OPS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "exists", "missing")


@dataclass(frozen=True)
class Test:
    """`field op value`; for `in`, value is a tuple of alternatives (never None)."""

    field: str
    op: str
    value: Value | tuple = None


@dataclass(frozen=True)
class Link:
    """Another fact of type `fact` with `other.<of> == this.<this>` for every pair in
    `on` (pairs are `(this_field, other_field)`) and satisfying `tests`."""

    fact: str
    on: tuple[tuple[str, str], ...]
    tests: tuple[Test, ...] = ()


@dataclass(frozen=True)
class Query:
    """What one engine rule matches. `id` is the engine's rule name (q0, q1, ...)."""

    id: str
    fact: str
    tests: tuple[Test, ...] = ()
    joins: tuple[Link, ...] = ()
    absent: tuple[Link, ...] = ()

    def key(self) -> tuple:
        return (self.fact, self.tests, self.joins, self.absent)


@dataclass(frozen=True)
class Selection:
    """The facts a pattern or selector selects: those matching `query`, minus those
    matching any query of `minus` (absence of streamed facts), passing the `deferred`
    tests (applied after the stream). `streamed_primary`: the primary fact is streamed,
    so its matches are collected batch by batch; else they are united over batches."""

    query: str
    fact: str
    minus: tuple[str, ...] = ()
    deferred: tuple[Test, ...] = ()
    streamed_primary: bool = False
    union_over_batches: bool = False  # a global primary joined to streamed facts


@dataclass(frozen=True)
class Aggregate:
    """A metric's numerator or denominator: count, distinct values or a sum over a selection."""

    selection: Selection
    distinct: str | None = None
    sum: str | None = None


@dataclass(frozen=True)
class CompiledTarget:
    rule_id: str
    numerator: Aggregate
    denominator: Aggregate


@dataclass(frozen=True)
class CompiledPattern:
    rule_id: str
    selection: Selection


@dataclass(frozen=True)
class CompiledDeadline:
    """A per-object deadline (`after_event`, `by_date`): `selection` picks the objects."""

    rule_id: str
    selection: Selection


@dataclass(frozen=True)
class CompiledRuleset:
    queries: tuple[Query, ...]
    targets: dict[str, CompiledTarget] = field(default_factory=dict)
    prohibitions: dict[str, CompiledPattern] = field(default_factory=dict)
    deadlines: dict[str, CompiledDeadline] = field(default_factory=dict)
    fact_order: tuple[str, ...] = ()           # the order facts are asserted in a batch
    streamed: frozenset[str] = frozenset()
    fields_used: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fact -> fields the engine sees
    field_types: dict[str, dict[str, str]] = field(default_factory=dict)

    def query(self, query_id: str) -> Query:
        for q in self.queries:
            if q.id == query_id:
                return q
        raise KeyError(query_id)
