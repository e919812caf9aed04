"""Where the time and memory of an audit and of check-plan go: the figures behind
docs/performance.md's "Where the time goes", in CPU seconds (robust on a busy machine).

    .venv/bin/python benchmarks/profile.py stages benchmarks/data/records-100000 [jsonl|csv]
    .venv/bin/python benchmarks/profile.py durable benchmarks/data/records-100000
    .venv/bin/python benchmarks/profile.py memory benchmarks/data/records-100000 [phases]
    .venv/bin/python benchmarks/profile.py check-plan benchmarks/data/plan-300-1000000/plan.yaml
    .venv/bin/python benchmarks/profile.py cprofile benchmarks/data/records-100000 [python|durable]
    .venv/bin/python benchmarks/profile.py columnar benchmarks/data/records-100000

The data sets are the ones benchmarks/run.py generates. Each subcommand runs in this
one process and prints a small table; run each in a fresh process.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

AS_OF = dt.date(2027, 1, 31)
RULESET = "qinghe-2026"


def _inputs(data: Path):
    from shuangsuiji_core.loading import load_plan, load_submissions
    from shuangsuiji_core.rulesets import load_ruleset
    return load_ruleset(RULESET), load_plan(data / "plan.yaml"), load_submissions(data / "submissions.yaml")


def _cpu(fn, runs: int = 2) -> float:
    best = None
    for _ in range(runs):
        gc.collect()
        t = time.process_time()
        fn()
        d = time.process_time() - t
        best = d if best is None else min(best, d)
    return best


def stages(data: Path, fmt: str = "jsonl") -> None:
    """CPU seconds of each stage added in turn: parse only, load, facts, evaluate."""
    from policy_rules.evaluators import EngineOptions
    from shuangsuiji_core import facts
    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import iter_records
    ruleset, plan, subs = _inputs(data)
    path = data / f"records.{fmt}"
    n = sum(1 for _ in open(path, encoding="utf-8")) - (1 if fmt == "csv" else 0)

    def parse():
        with open(path, encoding="utf-8", newline="") as f:
            if fmt == "jsonl":
                for line in f:
                    json.loads(line)
            else:
                for _ in csv.reader(f):
                    pass

    def load():
        for _ in iter_records(path):
            pass

    def with_facts():
        builder = facts.RecordFacts(plan, (dt.date(plan.year, 1, 1), AS_OF), True, facts.StreamState())
        for _ in builder.units(iter_records(path)):
            pass

    def source_units():  # what evaluate() reads: rows straight to units where they are canonical
        builder = facts.RecordFacts(plan, (dt.date(plan.year, 1, 1), AS_OF), True, facts.StreamState())
        for _ in iter_records(path).units(builder):
            pass

    def audit(engine):
        # one process, the engine in it: a file this large is otherwise cut into forked parts,
        # whose CPU time process_time() does not count
        return lambda: evaluate(ruleset, plan=plan, records=iter_records(path), submissions=subs, as_of=AS_OF,
                                engine=engine, options=EngineOptions(parts=1, workers=0))

    def gc_tuned():
        old = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(100_000, 50, 50)
        try:
            audit("python")()
        finally:
            gc.set_threshold(*old)
            gc.unfreeze()

    rows = [("parse only (floor)", _cpu(parse)), ("iter_records", _cpu(load)),
            ("iter_records + RecordFacts.units", _cpu(with_facts)),
            ("iter_records(...).units (RecordSource)", _cpu(source_units)), ("evaluate, python", _cpu(audit("python"))),
            ("evaluate, python, gc.freeze + threshold 100000", _cpu(gc_tuned)),
            ("evaluate, durable (in-process engine)", _cpu(audit("durable"), 1))]
    print(f"{n:,} records ({fmt}); CPU seconds (best of 2)")
    for name, sec in rows:
        print(f"  {name:48} {sec:7.2f} s  {sec / n * 1e6:6.1f} µs/record")


def durable(data: Path) -> None:
    """The durable backend in-process, with timers around its own functions."""
    from policy_rules.evaluators import EngineOptions
    from policy_rules.evaluators import durable as backend
    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import iter_records
    spent = {"_Engine.run": 0.0, "engine_facts": 0.0}
    run, engine_facts = backend._Engine.run, backend.engine_facts

    def timed_run(self, payload, n, drop_one=False):
        t = time.process_time()
        try:
            return run(self, payload, n, drop_one)
        finally:
            spent["_Engine.run"] += time.process_time() - t

    def timed_facts(facts, fields_used):
        t = time.process_time()
        try:
            return engine_facts(facts, fields_used)
        finally:
            spent["engine_facts"] += time.process_time() - t

    backend._Engine.run, backend.engine_facts = timed_run, timed_facts
    ruleset, plan, subs = _inputs(data)
    t = time.process_time()
    evaluate(ruleset, plan=plan, records=iter_records(data / "records.jsonl"), submissions=subs, as_of=AS_OF,
             engine="durable", options=EngineOptions(workers=0))
    total = time.process_time() - t
    print(f"durable in-process: {total:.2f} CPU s; _Engine.run {spent['_Engine.run']:.2f} s "
          f"(engine calls + decoding actions); engine_facts {spent['engine_facts']:.2f} s (batch JSON)")


def memory(data: Path, mode: str = "sites") -> None:
    """Live memory by allocation site at the end of the stream (tracemalloc); with
    `phases`, no tracing: the process's RSS and peak RSS at the end of the stream,
    after the findings, after `evaluate` and after rendering the JSON report."""
    import tracemalloc

    from policy_rules.evaluators import driver
    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import iter_records
    ruleset, plan, subs = _inputs(data)
    finish = driver.Run._finish_deferred
    if mode == "phases":
        import os

        from policy_rules.render import render_reports
        from shuangsuiji_core import evaluation

        def rss(what):
            kb = {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in open("/proc/self/status"))
                  if k in ("VmRSS", "VmHWM")}
            # a large file streams in parallel parts: each process reports its own
            print(f"  pid {os.getpid()}  {what:22} RSS {kb['VmRSS'] // 1024:5d} MB  peak so far "
                  f"{kb['VmHWM'] // 1024:5d} MB", flush=True)

        def at_end_of_stream(self):
            rss("end of the stream")
            return finish(self)

        def traced_findings(*args):
            out = found(*args)
            rss("after the findings")
            return out

        driver.Run._finish_deferred, found, evaluation.findings = at_end_of_stream, evaluation.findings, traced_findings
        report = evaluate(ruleset, plan=plan, records=iter_records(data / "records.jsonl"), submissions=subs,
                          as_of=AS_OF, engine="python")
        rss("evaluate returned")
        render_reports([report], "json", "zh")
        rss("JSON report rendered")
        return

    def report_then_finish(self):
        snap = tracemalloc.take_snapshot()
        cur, peak = tracemalloc.get_traced_memory()
        print(f"traced at the end of the stream: {cur / 1e6:.0f} MB (peak {peak / 1e6:.0f} MB)")
        for st in snap.statistics("lineno")[:12]:
            frame = st.traceback[0]
            print(f"  {st.size / 1e6:6.1f} MB {st.count:8d} objects  {frame.filename.replace(str(REPO) + '/', '')}:"
                  f"{frame.lineno}")
        return finish(self)

    driver.Run._finish_deferred = report_then_finish
    tracemalloc.start()
    evaluate(ruleset, plan=plan, records=iter_records(data / "records.jsonl"), submissions=subs, as_of=AS_OF,
             engine="python")


def check_plan(plan_path: Path) -> None:
    """A cold check-plan taken apart: imports, plan loading, ruleset, evaluation, rendering."""
    marks = [("start", time.process_time())]
    import pydantic  # noqa: F401
    import yaml
    marks.append(("import yaml, pydantic", time.process_time()))
    from shuangsuiji_core.commands import check_plan as _command  # noqa: F401
    marks.append(("import the check-plan command", time.process_time()))
    from policy_rules.render import render_report
    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import load_plan
    from shuangsuiji_core.rulesets import load_ruleset
    marks.append(("import loading, rulesets, evaluation, render", time.process_time()))
    plan = load_plan(plan_path)
    marks.append(("load_plan", time.process_time()))
    ruleset = load_ruleset(RULESET)
    marks.append(("load_ruleset", time.process_time()))
    report = evaluate(ruleset, plan=plan, as_of=dt.date(plan.year, 11, 22))
    marks.append(("evaluate (engine auto)", time.process_time()))
    render_report(report, "json", "zh")
    marks.append(("render json", time.process_time()))
    with open(plan_path, encoding="utf-8") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
    marks.append(("(floor: PyYAML CSafeLoader parse)", time.process_time()))
    for (_, a), (name, b) in zip(marks, marks[1:]):
        print(f"  {name:46} {b - a:6.3f} CPU s")


def cprofile(data: Path, engine: str = "python") -> None:
    import cProfile
    import pstats

    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import iter_records
    ruleset, plan, subs = _inputs(data)
    prof = cProfile.Profile()
    prof.enable()
    evaluate(ruleset, plan=plan, records=iter_records(data / "records.jsonl"), submissions=subs, as_of=AS_OF,
             engine=engine)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def columnar(data: Path) -> None:
    """`_columnar_probe`, with the garbage collector's settings put back after it."""
    old = gc.get_threshold()
    try:
        _columnar_probe(data)
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _columnar_probe(data: Path) -> None:
    """What a columnar record path in plain Python would cost a record, against today's.

    Not a second evaluator: a measurement to decide whether one is worth building. The
    same JSON Lines records go through the work an audit of them cannot skip, done a
    column at a time instead of a dict per fact, with the product's own pieces (the
    msgspec structs of `jsonl_rows`, `credit_code_problem`, `HashSet`, `StreamState`,
    `order_key`, the consumers `plan_consumers` builds) and the ruleset's stream queries
    as comprehensions over columns. It leaves out what a real one would add: the checks
    that send a line to the ordinary path (UNSET fields, extra keys), the inspectors'
    own locations, the limit of problems. So its figure is a floor for such a path, and
    the rate projected from it a ceiling. The "today" figure is the whole `evaluate`,
    findings included, which the pass leaves out (about 0.7 us a record)."""
    import copy

    from policy_rules.evaluators import EngineOptions, driver
    from shuangsuiji_core.credit_code import credit_code_problem
    from policy_rules.findings import findings
    from shuangsuiji_core import evaluation
    from shuangsuiji_core.evaluation import compile_for_domain, evaluate
    from shuangsuiji_core.loading import iter_records
    from shuangsuiji_core.loading.hash_set import HashSet
    from shuangsuiji_core.loading.jsonl_rows import _decode
    from shuangsuiji_core.stream_state import StreamState, order_key
    ruleset, plan, subs = _inputs(data)
    path = data / "records.jsonl"
    compiled = compile_for_domain(ruleset)

    run_consumers: dict[str, list] = {}  # of the last audit run
    init = driver.Run.__init__

    def capture(self, compiled_, consumers, *args, **kwargs):
        run_consumers["empty"] = copy.deepcopy(list(consumers))  # as the audit starts them
        run_consumers["filled"] = list(consumers)  # by the audit: what the pass must agree with
        init(self, compiled_, consumers, *args, **kwargs)

    def today():
        evaluate(ruleset, plan=plan, records=iter_records(path), submissions=subs, as_of=AS_OF, engine="python",
                 options=EngineOptions(parts=1, workers=0))

    def keeping(ruleset_, rule_plan, ctx, release=False):  # the consumers stay filled for the comparison below
        return findings(ruleset_, rule_plan, ctx)

    gc.freeze()
    gc.set_threshold(100_000, 50, 50)  # as an audit runs (shuangsuiji_core.evaluation)
    driver.Run.__init__ = capture
    evaluation.findings = keeping
    try:
        now = _cpu(today)
    finally:
        driver.Run.__init__ = init
        evaluation.findings = findings
    with open(path, "rb") as f:
        lines = f.readlines()
    n = len(lines)
    tasks = {t.id: t for t in plan.tasks}
    period = (dt.date(plan.year, 1, 1), AS_OF)
    file = str(path)
    stream_queries = {q.id: q for q in compiled.queries if q.fact in compiled.streamed}
    steps: dict[str, float] = {}

    def step(name, fn, *args):
        t = time.process_time()
        out = fn(*args)
        steps[name] = steps.get(name, 0.0) + time.process_time() - t
        return out

    def one_pass(consumers):
        structs = step("decode (msgspec structs)", lambda: [_decode(raw) for raw in lines])
        step("keys counted per line (repeated keys)", lambda: [raw.count(b'":') for raw in lines])
        cols = step("record columns", _record_columns, structs)
        step("credit codes checked", lambda: [credit_code_problem(c) for c in cols["credit_code"] if c is not None])

        def ids():
            seen = HashSet()
            return [seen.add(h) for h in map(hash, cols["id"])]
        step("record ids (hash set)", ids)
        step("task columns (lookups)", _task_columns, cols, tasks)
        keep = step("period", lambda: [i for i, d in enumerate(cols["inspected_on"]) if period[0] <= d <= period[1]])
        state = StreamState()

        def observe():
            ob = state.observe
            for i in keep:
                cc = cols["credit_code"][i]
                if cc is not None:
                    ob(order_key(cols["inspected_on"][i], cols["id"][i]), cols["task_id"][i], cc)
        step("stream state observed", observe)
        ins = step("inspector columns", _inspector_columns, structs, cols)
        hits = step("stream queries (comprehensions)", lambda: {
            qid: _column_hits(q, ins if q.fact == "inspector" else cols, keep if q.fact == "record" else None)
            for qid, q in stream_queries.items()})

        def take():
            later = []
            for sel, c in consumers:
                source = ins if sel.fact == "inspector" else cols
                where = hits.get(sel.query)
                if where is None:
                    continue
                if sel.deferred:
                    later.append((sel, c, source, where))
                else:
                    _take_columns(c, sel.fact, source, where, file)
            return later
        later = step("consumers take (column-wise)", take)

        def resolve():
            for sel, c, source, where in later:
                names = [t.field for t in sel.deferred]
                got = state.resolve_many("record", names, [(source["inspected_on"][i], source["credit_code"][i])
                                                           for i in where],
                                         [source["id"][i] for i in where], [source["task_id"][i] for i in where])
                wanted = tuple(t.value for t in sel.deferred)
                _take_columns(c, sel.fact, source, [i for i, values in zip(where, got) if values == wanted], file)
        step("deferred resolved at the end", resolve)

    runs, total = 2, None
    for _ in range(runs):
        consumers = [(sel, c) for sel, c in copy.deepcopy(run_consumers["empty"]) if sel.fact in compiled.streamed]
        gc.collect()
        t = time.process_time()
        one_pass(consumers)
        d = time.process_time() - t
        total = d if total is None else min(total, d)
    audited = [c for sel, c in run_consumers["filled"] if sel.fact in compiled.streamed]  # the same order
    differ = [sel.query for (sel, c), a in zip(consumers, audited) if _consumer_result(c) != _consumer_result(a)]
    if differ:
        raise SystemExit(f"the columnar pass disagrees with the audit on {differ}: its figure would mean nothing")
    print(f"{n:,} records (jsonl), {RULESET}; CPU seconds (totals best of 2, steps their mean); every stream consumer ended as the audit's")
    print(f"  {'today: evaluate, python, one process':48} {now:7.2f} s  {now / n * 1e6:6.2f} µs/record")
    print(f"  {'columnar pass (the steps below)':48} {total:7.2f} s  {total / n * 1e6:6.2f} µs/record")
    for name, sec in steps.items():
        sec /= runs
        print(f"    {name:46} {sec:7.2f} s  {sec / n * 1e6:6.2f} µs/record")


def _consumer_result(c) -> tuple:
    from policy_rules.findings import (
        Aggregator,
        ObjectDeadlineCollector,
        OffenderCollector,
    )
    if isinstance(c, Aggregator):
        return ("aggregate", c.value)
    if isinstance(c, OffenderCollector):
        return ("offenders", sorted((r[1], r[2].line) for r in c.refs))
    if isinstance(c, ObjectDeadlineCollector):
        return ("deadline", c.passed, c.pending, sorted(r[1] for r, _ in c.failed))
    raise TypeError(type(c).__name__)


def _record_columns(structs) -> dict[str, list]:
    from msgspec import UNSET

    def none(v):
        return None if v is UNSET else v
    entities = [none(r.entity) for r in structs]
    follow = [none(r.follow_up) for r in structs]
    cols = {name: [none(getattr(r, name)) for r in structs]
            for name in ("id", "task_id", "drawn_randomly", "method", "inspected_on", "problems_found",
                         "result_entered_on", "result_published_on", "platform")}
    cols["credit_code"] = [none(e.credit_code) if e is not None else None for e in entities]
    cols["risk_class"] = [none(e.risk_class) if e is not None else None for e in entities]
    cols["follow_up_action"] = [f.action if f is not None else None for f in follow]
    cols["follow_up_recorded_on"] = [none(f.recorded_on) if f is not None else None for f in follow]
    cols["inspector_count"] = [len(r.inspectors) for r in structs]
    return cols


def _task_columns(cols: dict, tasks: dict) -> None:
    by_task = {tid: (t.mode._value_, t.remote_feasible, t.uses_credit_risk) for tid, t in tasks.items()}
    values = [by_task.get(tid) for tid in cols["task_id"]]
    cols["task_known"] = [v is not None for v in values]
    cols["task_mode"] = [v[0] if v else None for v in values]
    cols["task_remote_feasible"] = [v[1] if v else None for v in values]
    cols["task_uses_credit_risk"] = [v[2] if v else None for v in values]


def _inspector_columns(structs, cols: dict) -> dict[str, list]:
    from itertools import chain, repeat
    counts = cols["inspector_count"]
    ins = list(chain.from_iterable(r.inspectors for r in structs))
    owner = list(chain.from_iterable(repeat(i, k) for i, k in enumerate(counts)))
    return {"record": owner, "inspector_id": [i.id for i in ins], "certified": [i.certified for i in ins],
            "id": [cols["id"][k] for k in owner], "task_id": [cols["task_id"][k] for k in owner]}


def _column_hits(query, columns: dict, rows: list | None) -> list[int]:
    """The positions whose columns pass `query`'s tests (no joins: the stream queries of
    qinghe-2026 have none), each test's source the Python evaluator's own (`condition_source`)."""
    from policy_rules.evaluators.python import condition_source
    if query.joins or query.absent:
        raise NotImplementedError("a stream query with joins")
    if not query.tests:
        return list(rows) if rows is not None else list(range(len(next(iter(columns.values())))))
    names = sorted({t.field for t in query.tests})
    env: dict = {"cols": [columns[name] for name in names]}
    parts = [condition_source(t, k, f"v{names.index(t.field)}", env) for k, t in enumerate(query.tests)]
    unpack = ", ".join(f"v{k}" for k in range(len(names)))
    source = (f"[i for i, ({unpack},) in enumerate(zip(*cols)) if {' and '.join(parts)}]")
    hits = eval(source, env)  # the column names are never pasted into the source
    if rows is not None:
        kept = set(rows)
        hits = [i for i in hits if i in kept]
    return hits


def _take_columns(c, fact: str, source: dict, where: list[int], file: str) -> None:
    """What `c.take` would do for each position of `where`, a column at a time: counts
    and sets updated in one call, a `Location` built only for a position that becomes an
    offender (a deadline collector is handed the row number and its failures get their
    location after)."""
    from policy_rules.findings import (
        Aggregator,
        ObjectDeadlineCollector,
        OffenderCollector,
    )
    if isinstance(c, Aggregator) and not c.excluded:
        if c.distinct:
            column = source[c.distinct]
            c.values.update(v for v in map(column.__getitem__, where) if v is not None)
        elif c.sum:
            column = source[c.sum]
            c.total += sum(v for v in map(column.__getitem__, where) if v is not None)
        else:
            c.count += len(where)
    elif isinstance(c, OffenderCollector):
        c.refs.extend(_ref(fact, source, i, file) for i in where)
    elif isinstance(c, ObjectDeadlineCollector):
        # the failures of this batch are taken with the row as their ref, then given their
        # real refs (a Location each) before joining the collector's
        kept, c.failed = c.failed, []
        columns = [source[name] for name in c.needs]
        take = c.take
        ids, tasks = source["id"], source["task_id"]
        if len(columns) == 2:
            a, b = columns
            for i in where:
                take((a[i], b[i]), (fact, ids[i], i, tasks[i]))
        else:
            (a,) = columns
            for i in where:
                take((a[i],), (fact, ids[i], i, tasks[i]))
        kept.extend((_ref(fact, source, ref[2], file), v) for ref, v in c.failed)
        c.failed = kept
    else:
        for i in where:
            c.take(tuple(source[name][i] for name in c.needs), _ref(fact, source, i, file))


def _ref(fact: str, source: dict, i: int, file: str) -> tuple:
    from policy_rules.errors import Location
    if fact == "inspector":
        k = source["record"][i]
        return ("inspector", f"{source['id'][i]}/{source['inspector_id'][i]}", Location(file, k + 1, 1),
                source["task_id"][i])
    return ("record", source["id"][i], Location(file, i + 1, 1), source["task_id"][i])


def main(argv: list[str]) -> int:
    commands = {"stages": stages, "durable": durable, "memory": memory, "check-plan": check_plan,
                "cprofile": cprofile, "columnar": columnar}
    if len(argv) < 2 or argv[0] not in commands:
        print(__doc__)
        return 2
    command, path, *rest = argv
    commands[command](Path(path), *rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
