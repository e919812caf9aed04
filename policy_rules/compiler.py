"""Ruleset + vocabulary -> the compiled form (`policy_rules.compiled`), checked statically.

The compiler owns every pattern either evaluator sees, which is what makes the
durable_rules backend safe (see ../shared/design/DURABLE_RULES.md). It guarantees:

- every field a rule mentions exists in the vocabulary (located errors, via
  `policy_rules.lint.check_ruleset`), and every value is converted to its field's type
  (a date written as text becomes a `datetime.date`; a value of the wrong type is an
  error, never a comparison that silently never matches);
- only the operators both evaluators run identically: eq, neq, gt, gte, lt, lte,
  exists, missing; `in` becomes an `$or` of equalities in the engine;
- only equality joins, and not a join and an absence of the same fact type in one
  match (the engine binds distinct facts per rule); a join between two streamed facts only along their unit key
  (a record and its own inspectors), since other streamed facts may sit in other batches;
- the engine's structural limits, refused with a clear bilingual message naming the
  rule: 64 sibling conditions on one fact, 252 properties per fact, 16 facts per rule,
  28 join keys per rule, 255 rules per fact type (256 rules sharing one condition
  segfault; one node may have at most 512 children);
- identical queries are compiled once (many rules use the same pattern).

The type discriminator, the catch-all rule and the engine ids are added when the
durable backend turns queries into engine rules (`policy_rules.evaluators.durable`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Mapping

from .compiled import (Aggregate, CompiledDeadline, CompiledPattern, CompiledRuleset, CompiledTarget, Link, Query,
                       Selection, Test)
from .errors import InputError, Location, Problem
from .i18n import Text
from .lint import check_ruleset, ruleset_location
from .schema import (AfterEventSchedule, ByDateSchedule, Condition, DeadlineRule, Join, Match, ProhibitionRule,
                     Ruleset, Selector, TargetRule)
from .vocabulary import Vocabulary

# durable_rules' limits (measured; DURABLE_RULES.md). Properties per fact: 252 less
# the engine's own `id`, `sid` and our type discriminator `t`.
MAX_SIBLING_CONDITIONS = 64
MAX_FACT_PROPERTIES = 252 - 3
MAX_FACTS_PER_RULE = 16
MAX_JOIN_KEYS = 28
MAX_RULES_PER_FACT = 255
MAX_STRING_BYTES = 64 * 1024


class _Problems:
    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.items: list[Problem] = []

    def add(self, rule_id: str, code: str, zh: str, en: str, path: tuple = (), found: str | None = None,
            expected: Text | None = None) -> None:
        location = ruleset_location(self.ruleset, rule_id, path) if rule_id else Location()
        self.items.append(Problem(code=code, message=Text(zh=f"规则 {rule_id}：{zh}", en=f"rule {rule_id}: {en}"),
                                  location=location, path=path, expected=expected, found=found))


def _convert(value, ftype: str):
    """A condition value as the field's type; raises ValueError when it is not one."""
    if value is None:
        return None
    if ftype == "bool":
        if isinstance(value, bool):
            return value
    elif ftype == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif ftype == "str":
        if isinstance(value, str):
            if len(value.encode("utf-8")) > MAX_STRING_BYTES:
                raise ValueError("text longer than 64 KB")
            return value
    elif ftype == "date":
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return value
        if isinstance(value, str):
            return _dt.date.fromisoformat(value.strip())
    raise ValueError(f"not a {ftype}")


_TYPE_TEXT = {"bool": Text(zh="true 或 false", en="true or false"), "int": Text(zh="整数", en="a whole number"),
              "str": Text(zh="文本", en="text"), "date": Text(zh="日期 YYYY-MM-DD", en="a date YYYY-MM-DD")}


class _Compiler:
    def __init__(self, ruleset: Ruleset, vocabulary: Vocabulary, field_types: Mapping[str, Mapping[str, str]],
                 streamed: frozenset[str], unit_keys: Mapping[str, str], deferred: Mapping[str, frozenset[str]]):
        self.ruleset = ruleset
        self.vocabulary = vocabulary
        self.field_types = field_types
        self.streamed = streamed
        self.unit_keys = unit_keys
        self.deferred = deferred
        self.problems = _Problems(ruleset)
        self.queries: dict[tuple, Query] = {}
        self.absence_edges: set[tuple[str, str]] = set()  # (must come first, checked against it)

    # -- conditions ------------------------------------------------------------------
    def _tests(self, rule_id: str, fact: str, conditions: Iterable[Condition], path: tuple) -> list[Test]:
        tests: list[Test] = []
        types = self.field_types.get(fact, {})
        for i, cond in enumerate(conditions):
            where = path + (i,)
            ftype = types.get(cond.field)
            if ftype is None:
                self.problems.add(rule_id, "compile.unknown_field", f"事实 {fact} 没有字段“{cond.field}”",
                                  f"fact {fact} has no field '{cond.field}'", where + ("field",), cond.field,
                                  Text(zh="、".join(sorted(types)), en=", ".join(sorted(types))))
                continue
            try:
                if cond.op == "in":
                    values = tuple(_convert(v, ftype) for v in cond.value)
                    if any(v is None for v in values):
                        raise ValueError("null inside `in`: use op missing")
                    if not values:
                        raise ValueError("`in` needs at least one value")
                    if ftype not in ("str", "int", "bool", "date"):
                        raise ValueError("unsupported type")
                    tests.append(Test(cond.field, "in", tuple(dict.fromkeys(values))))
                    continue
                if cond.op in ("exists", "missing"):
                    tests.append(Test(cond.field, cond.op, None))
                    continue
                value = _convert(cond.value, ftype)
            except ValueError as exc:
                self.problems.add(rule_id, "compile.value_type",
                                  f"字段 {fact}.{cond.field} 的比较值类型不符（{exc}）",
                                  f"the value compared with {fact}.{cond.field} has the wrong type ({exc})",
                                  where + ("value",), repr(cond.value), _TYPE_TEXT[ftype])
                continue
            if value is None:
                # `eq null` asks whether the field is absent; `neq null` whether present
                if cond.op in ("eq", "neq"):
                    tests.append(Test(cond.field, "missing" if cond.op == "eq" else "exists", None))
                else:
                    self.problems.add(rule_id, "compile.null_order", f"不能用 {cond.op} 与 null 比较",
                                      f"cannot compare with null using {cond.op}", where + ("op",), cond.op)
                continue
            if cond.op in ("gt", "gte", "lt", "lte") and ftype not in ("int", "date"):
                self.problems.add(rule_id, "compile.order_type",
                                  f"{cond.op} 只能用于整数或日期字段，{fact}.{cond.field} 是 {ftype}",
                                  f"{cond.op} only applies to whole numbers or dates; {fact}.{cond.field} is {ftype}",
                                  where + ("op",), cond.op)
                continue
            tests.append(Test(cond.field, cond.op, value))
        if len(tests) + 1 > MAX_SIBLING_CONDITIONS or any(
                t.op == "in" and len(t.value) > MAX_SIBLING_CONDITIONS for t in tests):
            self.problems.add(rule_id, "compile.too_many_conditions",
                              f"一个事实上的条件超过 {MAX_SIBLING_CONDITIONS} 个（规则引擎的上限）",
                              f"more than {MAX_SIBLING_CONDITIONS} conditions on one fact (the engine's limit)", path)
        # a canonical order, so that equal queries written differently compile once
        return sorted(tests, key=lambda t: (t.field, t.op, repr(t.value)))

    def _split_deferred(self, fact: str, tests: list[Test]) -> tuple[tuple[Test, ...], tuple[Test, ...]]:
        deferred = self.deferred.get(fact, frozenset())
        return (tuple(t for t in tests if t.field not in deferred), tuple(t for t in tests if t.field in deferred))

    def _link(self, rule_id: str, primary: str, join: Join, path: tuple, absent: bool) -> Link | None:
        other = join.fact
        if other not in self.field_types:
            self.problems.add(rule_id, "compile.unknown_fact", f"未知的事实类型“{other}”",
                              f"unknown fact type '{other}'", path + ("fact",), other)
            return None
        ok = True
        for this_field, other_field in join.on.items():
            for fact, fname in ((primary, this_field), (other, other_field)):
                if fname not in self.field_types[fact]:
                    self.problems.add(rule_id, "compile.unknown_field", f"事实 {fact} 没有字段“{fname}”",
                                      f"fact {fact} has no field '{fname}'", path + ("on",), fname)
                    ok = False
                elif fname in self.deferred.get(fact, ()):
                    self.problems.add(rule_id, "compile.deferred_join",
                                      f"字段 {fact}.{fname} 取决于全部记录，不能用于关联",
                                      f"{fact}.{fname} depends on the whole stream and cannot be joined on",
                                      path + ("on",), fname)
                    ok = False
            if ok and self.field_types[primary][this_field] != self.field_types[other][other_field]:
                self.problems.add(rule_id, "compile.join_type",
                                  f"关联字段类型不同：{primary}.{this_field} 与 {other}.{other_field}",
                                  f"joined fields differ in type: {primary}.{this_field} and {other}.{other_field}",
                                  path + ("on",))
                ok = False
        if primary in self.streamed and other in self.streamed:
            pk, ok_ = self.unit_keys.get(primary), self.unit_keys.get(other)
            if not (pk and ok_ and join.on.get(pk) == ok_):
                self.problems.add(
                    rule_id, "compile.streamed_join",
                    f"{primary} 与 {other} 都是逐批读取的事实，只能按同一单元关联（{primary}.{pk} = {other}.{ok_}）",
                    f"{primary} and {other} are both streamed; they can only be joined within one unit "
                    f"({primary}.{pk} = {other}.{ok_})", path + ("on",))
                ok = False
        tests = self._tests(rule_id, other, join.where, path + ("where",))
        if any(t.field in self.deferred.get(other, ()) for t in tests):
            self.problems.add(rule_id, "compile.deferred_join",
                              f"关联事实 {other} 的条件用到了取决于全部记录的字段",
                              f"a condition on the joined fact {other} uses a field that depends on the whole stream",
                              path + ("where",))
            ok = False
        if not ok:
            return None
        return Link(other, tuple(sorted(join.on.items())), tuple(tests))

    def _query(self, fact: str, tests: tuple, joins: tuple, absent: tuple) -> Query:
        key = (fact, tests, joins, absent)
        q = self.queries.get(key)
        if q is None:
            q = Query(f"q{len(self.queries)}", fact, tests, joins, absent)
            self.queries[key] = q
        return q

    def match(self, rule_id: str, match: Match, path: tuple) -> Selection | None:
        fact = match.fact
        if fact not in self.field_types:
            self.problems.add(rule_id, "compile.unknown_fact", f"未知的事实类型“{fact}”",
                              f"unknown fact type '{fact}'", path + ("fact",), fact,
                              Text(zh="、".join(self.field_types), en=", ".join(self.field_types)))
            return None
        before = len(self.problems.items)
        tests, deferred = self._split_deferred(fact, self._tests(rule_id, fact, match.where, path + ("where",)))
        joins = [self._link(rule_id, fact, j, path + ("join", i), False) for i, j in enumerate(match.join)]
        absents = [self._link(rule_id, fact, j, path + ("absent", i), True) for i, j in enumerate(match.absent)]
        if len(self.problems.items) > before:
            return None
        both = {j.fact for j in joins} & {a.fact for a in absents}
        if both:
            # the engine binds distinct facts per rule, so "a partner exists and none exists"
            # would mean "another one exists": not what a reader expects; refuse it
            self.problems.add(rule_id, "compile.join_and_absent",
                              f"同一条件不能既要求存在又要求不存在 {'、'.join(sorted(both))} 事实",
                              f"one match cannot both join and require the absence of {', '.join(sorted(both))} facts",
                              path)
            return None
        primary_streamed = fact in self.streamed
        streamed_absent = [a for a in absents if not primary_streamed and a.fact in self.streamed]
        local_absent = [a for a in absents if a not in streamed_absent]
        for a in local_absent:
            self.absence_edges.add((a.fact, fact))
        n_facts = 1 + len(joins) + len(absents)
        n_keys = sum(len(link.on) for link in joins + absents)
        if n_facts > MAX_FACTS_PER_RULE:
            self.problems.add(rule_id, "compile.too_many_facts",
                              f"一条规则关联的事实超过 {MAX_FACTS_PER_RULE} 个（规则引擎的上限）",
                              f"more than {MAX_FACTS_PER_RULE} facts in one rule (the engine's limit)", path)
        if n_keys > MAX_JOIN_KEYS:
            self.problems.add(rule_id, "compile.too_many_join_keys",
                              f"一条规则的关联键超过 {MAX_JOIN_KEYS} 个（规则引擎的上限）",
                              f"more than {MAX_JOIN_KEYS} join keys in one rule (the engine's limit)", path)
        for link in joins + absents:
            if len(link.tests) + len(link.on) + 1 > MAX_SIBLING_CONDITIONS:
                self.problems.add(rule_id, "compile.too_many_conditions",
                                  f"一个关联事实上的条件超过 {MAX_SIBLING_CONDITIONS} 个",
                                  f"more than {MAX_SIBLING_CONDITIONS} conditions on a joined fact", path)
        base = self._query(fact, tests, tuple(joins), tuple(local_absent))
        minus = tuple(self._query(fact, tests, (a,), ()).id for a in streamed_absent)
        union = not primary_streamed and any(j.fact in self.streamed for j in joins)
        return Selection(base.id, fact, minus, deferred, primary_streamed, union)

    # -- rules -----------------------------------------------------------------------
    def selector(self, rule_id: str, sel: Selector, path: tuple) -> Aggregate | None:
        selection = self.match(rule_id, sel.match, path + ("match",))
        for name in (sel.distinct, sel.sum):
            if name is not None and name not in self.field_types.get(sel.match.fact, {}):
                self.problems.add(rule_id, "compile.unknown_field", f"事实 {sel.match.fact} 没有字段“{name}”",
                                  f"fact {sel.match.fact} has no field '{name}'", path, name)
                return None
        if sel.sum is not None and self.field_types[sel.match.fact][sel.sum] != "int":
            self.problems.add(rule_id, "compile.sum_type", f"sum 只能用于整数字段，{sel.sum} 不是",
                              f"sum applies to whole-number fields only; {sel.sum} is not", path + ("sum",), sel.sum)
            return None
        if selection is None:
            return None
        return Aggregate(selection, sel.distinct, sel.sum)

    def compile(self) -> CompiledRuleset:
        problems = check_ruleset(self.ruleset, self.vocabulary, self.field_types)
        if problems:
            raise InputError(problems)
        targets: dict[str, CompiledTarget] = {}
        prohibitions: dict[str, CompiledPattern] = {}
        deadlines: dict[str, CompiledDeadline] = {}
        for rule in self.ruleset.rules:
            if isinstance(rule, TargetRule):
                p = rule.params
                if p.metric is not None:
                    ratio, path = self.vocabulary.metrics[p.metric].ratio, ("params", "metric")
                else:
                    ratio, path = p.ratio, ("params", "ratio")
                num = self.selector(rule.id, ratio.numerator, path + ("numerator",))
                den = self.selector(rule.id, ratio.denominator, path + ("denominator",))
                if num and den:
                    targets[rule.id] = CompiledTarget(rule.id, num, den)
            elif isinstance(rule, ProhibitionRule):
                p = rule.params
                if p.pattern is not None:
                    match, path = self.vocabulary.patterns[p.pattern].match, ("params", "pattern")
                else:
                    match, path = p.match, ("params", "match")
                sel = self.match(rule.id, match, path)
                if sel:
                    prohibitions[rule.id] = CompiledPattern(rule.id, sel)
            elif isinstance(rule, DeadlineRule):
                s = rule.params.schedule
                if isinstance(s, (AfterEventSchedule, ByDateSchedule)):
                    path = ("params", "schedule")
                    fields = (s.start_field, s.end_field) if isinstance(s, AfterEventSchedule) else (s.field,)
                    types = self.field_types.get(s.fact)
                    bad = False
                    for fname in fields:
                        if types is not None and types.get(fname) != "date":
                            self.problems.add(rule.id, "compile.deadline_field",
                                              f"期限字段 {s.fact}.{fname} 不存在或不是日期",
                                              f"deadline field {s.fact}.{fname} does not exist or is not a date",
                                              path, fname, _TYPE_TEXT["date"])
                            bad = True
                        elif fname in self.deferred.get(s.fact, ()):
                            bad = True
                    sel = self.match(rule.id, Match(fact=s.fact, where=s.when), path)
                    if sel and not bad:
                        deadlines[rule.id] = CompiledDeadline(rule.id, sel)
        queries = tuple(sorted(self.queries.values(), key=lambda q: int(q.id[1:])))
        per_fact: dict[str, int] = {}
        for q in queries:
            per_fact[q.fact] = per_fact.get(q.fact, 0) + 1
        for fact, n in per_fact.items():
            if n > MAX_RULES_PER_FACT:
                self.problems.add("", "compile.too_many_rules",
                                  f"针对事实 {fact} 的不同查询有 {n} 个，超过规则引擎的上限 {MAX_RULES_PER_FACT}",
                                  f"{n} distinct queries on fact {fact}, above the engine's limit {MAX_RULES_PER_FACT}")
        fields_used = _fields_used(queries)
        for fact, names in fields_used.items():
            if len(names) > MAX_FACT_PROPERTIES:
                self.problems.add("", "compile.too_many_fields",
                                  f"事实 {fact} 用到的字段超过 {MAX_FACT_PROPERTIES} 个",
                                  f"more than {MAX_FACT_PROPERTIES} fields of fact {fact} are used")
        order = self._fact_order()
        if self.problems.items:
            raise InputError(self.problems.items)
        return CompiledRuleset(queries=queries, targets=targets, prohibitions=prohibitions, deadlines=deadlines,
                               fact_order=order, streamed=self.streamed, fields_used=fields_used,
                               field_types={f: dict(t) for f, t in self.field_types.items()})

    def _fact_order(self) -> tuple[str, ...]:
        """Global facts first, then streamed facts so that a fact checked for absence
        comes after the facts that would satisfy it (absence is order dependent)."""
        globals_ = [f for f in self.field_types if f not in self.streamed]
        remaining = [f for f in self.field_types if f in self.streamed]
        order: list[str] = []
        while remaining:
            ready = [f for f in remaining
                     if not any(first in remaining and first != f and later == f for first, later in self.absence_edges)]
            if not ready:
                self.problems.add("", "compile.absence_cycle", "逐批事实之间的“不存在”条件互相依赖，无法排序",
                                  "absence conditions between streamed facts depend on each other in a cycle")
                order.extend(remaining)
                break
            order.append(ready[0])
            remaining.remove(ready[0])
        return tuple(globals_ + order)


def _fields_used(queries: Iterable[Query]) -> dict[str, tuple[str, ...]]:
    used: dict[str, set[str]] = {}
    for q in queries:
        s = used.setdefault(q.fact, set())
        s.update(t.field for t in q.tests)
        for link in q.joins + q.absent:
            s.update(this for this, _ in link.on)
            o = used.setdefault(link.fact, set())
            o.update(other for _, other in link.on)
            o.update(t.field for t in link.tests)
    return {fact: tuple(sorted(names)) for fact, names in used.items()}


def compile_ruleset(ruleset: Ruleset, vocabulary: Vocabulary, field_types: Mapping[str, Mapping[str, str]],
                    streamed: Iterable[str] = (), unit_keys: Mapping[str, str] | None = None,
                    deferred: Mapping[str, Iterable[str]] | None = None) -> CompiledRuleset:
    """Compile `ruleset`; raises InputError listing every located problem.

    `field_types`: {fact: {field: "bool"|"int"|"str"|"date"}}; `streamed`: fact types
    read in batches; `unit_keys`: for streamed facts, the field that ties a unit
    together (a record's `id`, its inspectors' `record_id`); `deferred`: fields whose
    value is known only after the whole stream.
    """
    return _Compiler(ruleset, vocabulary, field_types, frozenset(streamed), dict(unit_keys or {}),
                     {f: frozenset(v) for f, v in (deferred or {}).items()}).compile()
