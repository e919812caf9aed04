"""Feeding facts to an evaluator in bounded batches and handing the matches to the
consumers that aggregate them (metrics, offenders, per-object deadlines).

The evaluators only say which facts match which query; everything done with a match
happens here and in the consumers, in plain Python, whichever evaluator answered. A
batch the durable backend fails on (any exception, a hang past the time bound, a dead
worker process, a wrong count of processed facts) is matched again by the Python
evaluator and noted; no batch is ever skipped.

Fact tuples are `(fact_type, fields, ref)`: `fields` is what the evaluators see, `ref`
is what a finding needs (kind, id, location, task id) and never reaches the engine.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol, Sequence

from ..compiled import CompiledRuleset, Query, Selection
from ..i18n import Text
from .python import PythonEvaluator, _predicate
from .spill import Buckets, SpillList

Fact = tuple  # (fact_type: str, fields: dict, ref: tuple)
MAX_CONSECUTIVE_FAILURES = 3


class Consumer(Protocol):
    needs: tuple[str, ...]

    def take(self, values: tuple, ref: tuple) -> None: ...


@dataclass
class DeferredFields:
    """How the domain resolves fields known only after the stream: `snapshot(fact, fields)`
    keeps what is needed per candidate beside its ref, `value(fact, field, snapshot, ref)`
    answers at the end. Kept small: one entry per candidate fact until the stream ends.
    What a field's value depends on is who the fact is, never where it was written: at
    the end of the stream `value` may be given the ref without its kind and location,
    `(None, id, None, task)`."""

    snapshot: Callable[[str, dict], tuple]
    value: Callable[[str, str, tuple, tuple], object]
    # optional: `resolve_many(fact, field names, snapshots, ids, task ids)` -> for each
    # candidate of a chunk, the values of the fields in that order (the same answers as
    # `value`; at the end of the stream, where every record is a candidate, in one call a
    # chunk). Values must be hashable: each distinct set of them is judged once.
    resolve_many: Callable[[str, Sequence[str], Sequence, Sequence, Sequence], list[tuple]] | None = None
    # optional, for a state too large to hold at once: `bucket_of(snapshot)` says which of
    # `buckets` buckets a candidate's answers depend on alone; the candidates are then kept
    # by bucket, and resolved one bucket at a time, each after `open_bucket(bucket)` (so
    # consumers take them bucket by bucket, not in stream order)
    buckets: int = 1
    bucket_of: Callable[[tuple], int] | None = None
    open_bucket: Callable[[int], None] | None = None


@dataclass
class RunStats:
    batches: int = 0
    facts: int = 0
    fallback_batches: int = 0
    notes: list[Text] = field(default_factory=list)


def _is_stream_query(q: Query, streamed: frozenset[str]) -> bool:
    return q.fact in streamed or any(link.fact in streamed for link in q.joins + q.absent)


class Run:
    def __init__(self, compiled: CompiledRuleset, consumers: Sequence[tuple[Selection, Consumer]],
                 make_evaluator: Callable[[list[Query], str], object], *, batch_size: int = 1000,
                 deferred: DeferredFields | None = None, grow_after: int | None = None):
        self.compiled = compiled
        self.streamed = compiled.streamed
        self.batch_size = max(1, batch_size)
        self.deferred = deferred
        self.grow_after = grow_after
        self.stats = RunStats()
        # a query with no condition and no link selects every fact of its type: answered here,
        # identically for both evaluators, instead of costing the engine a firing per fact
        self.trivial = {q.id: q.fact for q in compiled.queries if not (q.tests or q.joins or q.absent)}
        matching = [q for q in compiled.queries if q.id not in self.trivial]
        self.global_queries = [q for q in matching if not _is_stream_query(q, self.streamed)]
        self.stream_queries = [q for q in matching if _is_stream_query(q, self.streamed)]
        self.trivial_streamed = {qid: fact for qid, fact in self.trivial.items() if fact in self.streamed}
        self.make_evaluator = make_evaluator
        self.python_stream = PythonEvaluator(self.stream_queries)
        # global fact types a streamed batch needs: joined from streamed facts, or primaries of union queries
        need: set[str] = set()
        for q in self.stream_queries:
            if q.fact not in self.streamed:
                need.add(q.fact)
            need.update(link.fact for link in q.joins + q.absent if link.fact not in self.streamed)
        self.stream_globals = need
        self.by_query_streamed: dict[str, list[tuple[Selection, Consumer, object]]] = {}
        self.global_selections: list[tuple[Selection, Consumer]] = []
        for sel, consumer in consumers:
            if sel.streamed_primary:
                pred = None
                if sel.deferred:
                    pred = _predicate(sel.deferred)
                self.by_query_streamed.setdefault(sel.query, []).append((sel, consumer, pred))
            else:
                self.global_selections.append((sel, consumer))
        self.consecutive_failures = 0
        self.union_hits: dict[str, set[int]] = {}  # stream query -> global fact indexes matched in any batch
        # stream-dependent selections: per query, one compact entry per candidate fact
        # (snapshot, ref, values per selection), however many selections share the query
        self.deferred_by_query: dict[str, list[tuple[Selection, Consumer, object]]] = {}
        for qid, targets in self.by_query_streamed.items():
            deferred_targets = [t for t in targets if t[2] is not None]
            if deferred_targets:
                self.deferred_by_query[qid] = deferred_targets
                self.by_query_streamed[qid] = [t for t in targets if t[2] is None]
        self.candidates: dict[str, SpillList | Buckets] = {qid: self._candidate_store() for qid in self.deferred_by_query}

    def _candidate_store(self) -> SpillList | Buckets:
        deferred = self.deferred
        if deferred is None or deferred.bucket_of is None:
            return SpillList()
        of_snapshot = deferred.bucket_of
        return Buckets(deferred.buckets, lambda item: of_snapshot(item[0]))

    # -- the stream ----------------------------------------------------------------
    def run(self, global_facts: list[Fact], units: Iterable[Sequence[Fact]] | None,
            engine_name: str) -> RunStats:
        global_matches = self.match_globals(global_facts, engine_name)
        if units is not None:
            self.stream(global_facts, units, engine_name)
        self._finish_globals(global_facts, global_matches)
        self._finish_deferred()
        return self.stats

    # The phases of `run`, for a stream evaluated in parts by several processes: each part
    # runs `stream` and `finish_stream` in its own copy of this run (forked after
    # `match_globals`), the parts' states are `merge`d here in stream order, then `finish`.
    def match_globals(self, global_facts: list[Fact], engine_name: str) -> dict[str, list[int]]:
        global_matches: dict[str, list[int]] = {}
        if self.global_queries and global_facts:
            global_matches = self._match_global(global_facts, engine_name)
        for qid, fact in self.trivial.items():
            if fact not in self.streamed:
                global_matches[qid] = [i for i, f in enumerate(global_facts) if f[0] == fact]
        return global_matches

    def stream(self, global_facts: list[Fact], units: Iterable[Sequence[Fact]], engine_name: str) -> None:
        if self.stream_queries or self.trivial_streamed:
            self._stream(global_facts, units, engine_name)
        else:
            for unit in units:  # nothing reads streamed facts; still drain the stream for its side effects
                self.stats.facts += len(unit)

    def finish_stream(self) -> None:
        """Resolve this run's deferred candidates (its stream state complete)."""
        self._finish_deferred()

    def part_state(self) -> tuple:
        """What a part's run adds up (consumers are merged by their owner): picklable."""
        return (self.union_hits, self.stats)

    def merge(self, part: tuple) -> None:
        union_hits, stats = part
        for qid, hits in union_hits.items():
            self.union_hits.setdefault(qid, set()).update(hits)
        self.stats.batches += stats.batches
        self.stats.facts += stats.facts
        self.stats.fallback_batches += stats.fallback_batches
        self.stats.notes += stats.notes

    def finish(self, global_facts: list[Fact], global_matches: dict[str, list[int]]) -> RunStats:
        self._finish_globals(global_facts, global_matches)
        self._finish_deferred()
        return self.stats

    def _match_global(self, facts: list[Fact], engine_name: str) -> dict[str, list[int]]:
        ordered = sorted(range(len(facts)), key=lambda i: self._order(facts[i][0]))
        batch = [facts[i] for i in ordered]
        evaluator = self.make_evaluator(self.global_queries, "global")
        try:
            result = self._evaluate(evaluator, 0, batch, PythonEvaluator(self.global_queries))
        finally:
            evaluator.close()
        return {q: [ordered[p] for p in pos] for q, pos in result.items()}

    def _order(self, fact_type: str) -> int:
        order = self.compiled.fact_order
        return order.index(fact_type) if fact_type in order else len(order)

    def _evaluate(self, evaluator, number: int, batch: list[Fact], fallback: PythonEvaluator) -> dict[str, list[int]]:
        self.stats.batches += 1
        if isinstance(evaluator, PythonEvaluator):
            return evaluator.match(batch)
        try:
            evaluator.submit(number, batch)
            return evaluator.collect(number)
        except Exception as exc:
            return self._fallback(number, batch, fallback, exc)

    def _fallback(self, number: int, batch: list[Fact], fallback: PythonEvaluator, exc: Exception):
        self.stats.fallback_batches += 1
        self.consecutive_failures += 1
        self.stats.notes.append(Text(
            zh=f"规则引擎 durable_rules 处理第 {number} 批（{len(batch)} 个事实）失败：{exc}；该批已改由 Python 求值器重新计算，结果完整。",
            en=f"durable_rules failed on batch {number} ({len(batch)} facts): {exc}; the batch was re-evaluated by "
               f"the Python evaluator, so the result is complete."))
        return fallback.match(batch)

    def _stream(self, global_facts: list[Fact], units: Iterable[Sequence[Fact]], engine_name: str) -> None:
        prefix_idx = [i for i, f in enumerate(global_facts) if f[0] in self.stream_globals]
        prefix_idx.sort(key=lambda i: self._order(global_facts[i][0]))
        prefix = [global_facts[i] for i in prefix_idx]
        self.prefix_idx = prefix_idx
        evaluator = self.make_evaluator(self.stream_queries, "stream")
        workers = max(1, len(getattr(evaluator, "pool", ())) or 1)
        in_flight: deque[tuple[int, list[Fact]]] = deque()
        order_of = {t: i for i, t in enumerate(self.compiled.fact_order)}
        # room for units in a batch: the bound less the global prefix, never below half the bound
        room = max(self.batch_size - len(prefix), self.batch_size // 2, 1)
        number = 0
        pending_units: list[Fact] = []

        python_from: list[int] = []  # the batch from which the engine was given up on

        def flush() -> None:
            nonlocal number, pending_units, workers, evaluator
            if not pending_units:
                return
            number += 1
            pending_units.sort(key=lambda f: order_of.get(f[0], 1 << 30))  # stable: unit order kept per type
            batch = prefix + pending_units
            pending_units = []
            self.stats.facts += len(batch) - len(prefix)
            if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES and not isinstance(evaluator, PythonEvaluator):
                # the engine keeps failing here: finish the stream on the Python evaluator
                while in_flight:
                    self._collect(evaluator, *in_flight.popleft())
                evaluator.close()
                evaluator = self.python_stream
                python_from.append(number)
            if isinstance(evaluator, PythonEvaluator):
                self.stats.batches += 1
                self._consume(batch, evaluator.match(batch))
                return
            if not self.stream_queries:  # nothing for the engine to match in this batch
                self.stats.batches += 1
                self._consume(batch, {})
                return
            if self.grow_after is not None and number == self.grow_after and hasattr(evaluator, "add_worker"):
                # a long stream: a second engine process overlaps batches on the second core
                try:
                    evaluator.add_worker()
                    workers = len(evaluator.pool)
                except Exception:  # no second process: carry on with one
                    pass
            while len(in_flight) >= workers:
                self._collect(evaluator, *in_flight.popleft())
            try:
                evaluator.submit(number, batch)
                in_flight.append((number, batch))
            except Exception as exc:
                self.stats.batches += 1
                self._consume(batch, self._fallback(number, batch, self.python_stream, exc))

        try:
            for unit in units:
                if pending_units and len(pending_units) + len(unit) > room:
                    flush()
                pending_units.extend(unit)
            flush()
            while in_flight:
                self._collect(evaluator, *in_flight.popleft())
        finally:
            evaluator.close()
        if python_from:
            self.stats.notes.append(Text(
                zh=f"durable_rules 连续 {MAX_CONSECUTIVE_FAILURES} 批失败，第 {python_from[0]} 至 {number} 批改由 Python 求值器计算，结果完整。",
                en=f"durable_rules failed on {MAX_CONSECUTIVE_FAILURES} batches in a row; batches {python_from[0]} to "
                   f"{number} were evaluated by the Python evaluator, so the result is complete."))

    def _collect(self, evaluator, number: int, batch: list[Fact]) -> None:
        self.stats.batches += 1
        try:
            result = evaluator.collect(number)
            self.consecutive_failures = 0
        except Exception as exc:
            result = self._fallback(number, batch, self.python_stream, exc)
        self._consume(batch, result)

    def _consume(self, batch: list[Fact], result: dict[str, list[int]]) -> None:
        n_prefix = len(self.prefix_idx)
        if self.trivial_streamed:
            result = dict(result)
            for qid, fact in self.trivial_streamed.items():
                result[qid] = [pos for pos in range(n_prefix, len(batch)) if batch[pos][0] == fact]
        for qid, positions in result.items():
            if not positions:
                continue
            targets = self.by_query_streamed.get(qid)
            if targets:
                for sel, consumer, _ in targets:
                    needs = consumer.needs
                    take = consumer.take
                    # the same calls for each arity; the common ones without a per-fact loop over needs
                    if not needs:
                        for pos in positions:
                            if pos >= n_prefix:
                                take((), batch[pos][2])
                    elif len(needs) == 1:
                        need = needs[0]
                        for pos in positions:
                            if pos >= n_prefix:
                                fact = batch[pos]
                                take((fact[1].get(need),), fact[2])
                    else:
                        for pos in positions:
                            if pos >= n_prefix:
                                fact = batch[pos]
                                fields = fact[1]
                                take(tuple([fields.get(n) for n in needs]), fact[2])
            deferred_targets = self.deferred_by_query.get(qid)
            if deferred_targets:
                store = self.candidates[qid]
                snapshot = self.deferred.snapshot
                all_needs = [c.needs for _, c, _ in deferred_targets]
                if any(all_needs):
                    for pos in positions:
                        if pos < n_prefix:
                            continue
                        fact = batch[pos]
                        fields = fact[1]
                        values = tuple(tuple([fields.get(n) for n in needs]) if needs else () for needs in all_needs)
                        store.append((snapshot(fact[0], fields), fact[2], values))
                else:  # the common case: nothing to keep but who the fact is
                    for pos in positions:
                        if pos >= n_prefix:
                            fact = batch[pos]
                            store.append((snapshot(fact[0], fact[1]), fact[2]))
            hits = [self.prefix_idx[p] for p in positions if p < n_prefix]
            if hits:
                self.union_hits.setdefault(qid, set()).update(hits)

    # -- after the stream ----------------------------------------------------------
    def _finish_globals(self, global_facts: list[Fact], global_matches: dict[str, list[int]]) -> None:
        for sel, consumer in self.global_selections:
            if sel.union_over_batches:
                chosen = set(self.union_hits.get(sel.query, ()))
            else:
                chosen = set(global_matches.get(sel.query, ()))
            for m in sel.minus:
                chosen -= self.union_hits.get(m, set())
            dpred = _predicate(sel.deferred) if sel.deferred else None
            for i in sorted(chosen):
                fact = global_facts[i]
                fields = fact[1]
                if dpred is not None:
                    snap = self.deferred.snapshot(fact[0], fields)
                    resolved = {t.field: self.deferred.value(fact[0], t.field, snap, fact[2]) for t in sel.deferred}
                    if not dpred(resolved):
                        continue
                consumer.take(tuple(fields.get(n) for n in consumer.needs), fact[2])

    def _finish_deferred(self) -> None:
        if not self.candidates:
            return
        deferred = self.deferred
        resolve_many = deferred.resolve_many
        if resolve_many is None:
            value = deferred.value

            def resolve_many(fact_type, fields, snaps, ids, tasks):
                return [tuple(value(fact_type, f, snap, (None, rid, None, task)) for f in fields)
                        for snap, rid, task in zip(snaps, ids, tasks)]
        resolvers = [self._resolver(qid, resolve_many) for qid in self.candidates]
        if deferred.bucket_of is None:
            for store, resolve in zip(self.candidates.values(), resolvers):
                resolve(store.chunks())
        else:
            for b in range(deferred.buckets):
                if not any(store.holds(b) for store in self.candidates.values()):
                    continue
                deferred.open_bucket(b)
                for store, resolve in zip(self.candidates.values(), resolvers):
                    resolve(store.candidate_chunks(b))
        for store in self.candidates.values():
            store.close()

    def _resolver(self, qid: str, resolve_many) -> Callable[[Iterable[tuple]], None]:
        """What takes a query's candidates, given as chunks `(snaps, ids, tasks, item)`."""
        targets = self.deferred_by_query[qid]
        fields = sorted({t.field for sel, _, _ in targets for t in sel.deferred})
        fact_type = targets[0][0].fact
        # a candidate's resolved fields take few distinct values (two booleans here): the
        # selections each set of them passes is decided once, not once per candidate
        takers_of: dict[tuple, tuple[int, ...]] = {}

        def resolve(chunks: Iterable[tuple]) -> None:
            for snaps, ids, tasks, item in chunks:
                for i, resolved in enumerate(resolve_many(fact_type, fields, snaps, ids, tasks)):
                    takers = takers_of.get(resolved)
                    if takers is None:
                        named = dict(zip(fields, resolved))
                        takers = takers_of[resolved] = tuple(
                            k for k, (_, _, dpred) in enumerate(targets) if dpred(named))
                    if takers:
                        entry = item(i)
                        ref = entry[1]
                        for k in takers:
                            targets[k][1].take(entry[2][k] if len(entry) > 2 else (), ref)
        return resolve
