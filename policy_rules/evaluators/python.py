"""The plain-Python evaluator: the test oracle, and the fallback wherever durable_rules
cannot run or fails on a batch.

Each query is compiled once into a predicate built from generated Python source (the
values are bound as constants in the predicate's namespace, never pasted into the
source, and field names are checked identifiers), so matching a fact costs a few dict
look-ups, not an interpretation of the condition tree.

Semantics (identical to the durable backend, see `policy_rules.compiled`): an absent
field (`None`) fails every comparison and satisfies only `missing`; a join or absence
check whose key contains `None` finds no partner; a fact is never its own partner.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from ..compiled import Link, Query, Test

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_CMP = {"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def condition_source(t: Test, i: int, get: str, namespace: dict) -> str:
    """The Python source of test number `i` on the value that the expression `get` reads,
    its constant bound in `namespace` as `c<i>` (a comparison also binds `x<i>`): the
    semantics of a test in one place, for a predicate over a fact's dict or any other
    reading of the same value."""
    c = f"c{i}"
    if t.op == "exists":
        return f"{get} is not None"
    if t.op == "missing":
        return f"{get} is None"
    if t.op == "in":
        namespace[c] = frozenset(t.value)
        return f"{get} in {c}"
    namespace[c] = t.value
    if t.op == "eq":
        if isinstance(t.value, bool):  # True == 1 in Python; facts are typed, but be exact
            return f"{get} is {c}"
        return f"{get} == {c}"
    return f"(x{i} := {get}) is not None and x{i} {_CMP[t.op]} {c}"


def _predicate(tests: Sequence[Test]) -> Callable[[dict], bool] | None:
    if not tests:
        return None
    parts: list[str] = []
    namespace: dict = {}
    for i, t in enumerate(tests):
        if not _IDENT.match(t.field):
            raise ValueError(f"bad field name {t.field!r}")
        parts.append(condition_source(t, i, f"f.get({t.field!r})", namespace))
    source = "lambda f: " + " and ".join(f"({p})" for p in parts)
    namespace["__builtins__"] = {}
    return eval(source, namespace)  # noqa: S307 - generated from checked parts


def _key_getter(fields: Sequence[str]) -> Callable[[dict], tuple | object]:
    if len(fields) == 1:
        name = fields[0]
        return lambda f: f.get(name)
    names = tuple(fields)
    return lambda f: tuple(f.get(n) for n in names)


def _has_none(key) -> bool:
    return key is None or (isinstance(key, tuple) and None in key)


def _other(hit, pos: int) -> bool:
    """Whether a partner entry (a position, count) holds a fact other than `pos`."""
    return hit is not None and (hit[1] > 1 or hit[0] != pos)


class _CompiledLink:
    __slots__ = ("fact", "pred", "this_key", "other_key", "ident")

    def __init__(self, link: Link):
        self.fact = link.fact
        self.pred = _predicate(link.tests)
        self.this_key = _key_getter([this for this, _ in link.on])
        self.other_key = _key_getter([other for _, other in link.on])
        self.ident = link


class _CompiledQuery:
    __slots__ = ("id", "fact", "pred", "joins", "absent")

    def __init__(self, q: Query):
        self.id = q.id
        self.fact = q.fact
        self.pred = _predicate(q.tests)
        self.joins = [_CompiledLink(link) for link in q.joins]
        self.absent = [_CompiledLink(link) for link in q.absent]


class PythonEvaluator:
    """Which facts of a batch match which query. `facts` is a sequence of
    `(fact_type, fields, ...)` tuples; the answer maps query ids to the matching positions."""

    name = "python"

    def __init__(self, queries: Iterable[Query]):
        self.queries = [_CompiledQuery(q) for q in queries]
        self.links: dict[Link, _CompiledLink] = {}
        for q in self.queries:
            for link in q.joins + q.absent:
                self.links.setdefault(link.ident, link)

    def match(self, facts: Sequence[tuple[str, dict]]) -> dict[str, list[int]]:
        by_type: dict[str, list[int]] = {}
        for pos, fact in enumerate(facts):
            by_type.setdefault(fact[0], []).append(pos)
        # the keys of the facts that satisfy each link, built once per batch: key -> (a position, count)
        partners: dict[Link, dict] = {}
        for ident, link in self.links.items():
            keys: dict = {}
            pred, key = link.pred, link.other_key
            for pos in by_type.get(link.fact, ()):
                fields = facts[pos][1]
                if pred is None or pred(fields):
                    k = key(fields)
                    if not _has_none(k):
                        hit = keys.get(k)
                        keys[k] = (pos, 1) if hit is None else (hit[0], hit[1] + 1)
            partners[ident] = keys
        out: dict[str, list[int]] = {}
        for q in self.queries:
            positions = by_type.get(q.fact)
            if not positions:
                out[q.id] = []
                continue
            pred = q.pred
            if pred is None:
                hits = list(positions)
            else:
                hits = [pos for pos in positions if pred(facts[pos][1])]
            for link in q.joins:
                keys, key = partners[link.ident], link.this_key
                if link.fact == q.fact:  # a fact is never its own partner (nor is it in the engine)
                    hits = [pos for pos in hits if _other(keys.get(key(facts[pos][1])), pos)]
                else:
                    hits = [pos for pos in hits if key(facts[pos][1]) in keys]
            for link in q.absent:
                keys, key = partners[link.ident], link.this_key
                if link.fact == q.fact:
                    hits = [pos for pos in hits if not _other(keys.get(key(facts[pos][1])), pos)]
                else:
                    hits = [pos for pos in hits if key(facts[pos][1]) not in keys]
            out[q.id] = hits
        return out

    def close(self) -> None:
        pass
