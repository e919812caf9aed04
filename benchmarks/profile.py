"""Where the time and memory of an audit and of check-plan go: the figures behind
docs/performance.md's "Where the time goes", in CPU seconds (robust on a busy machine).

    .venv/bin/python benchmarks/profile.py stages benchmarks/data/records-100000 [jsonl|csv]
    .venv/bin/python benchmarks/profile.py durable benchmarks/data/records-100000
    .venv/bin/python benchmarks/profile.py memory benchmarks/data/records-100000 [phases]
    .venv/bin/python benchmarks/profile.py check-plan benchmarks/data/plan-300-1000000/plan.yaml
    .venv/bin/python benchmarks/profile.py cprofile benchmarks/data/records-100000 [python|durable]

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


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("stages", "durable", "memory", "check-plan", "cprofile"):
        print(__doc__)
        return 2
    command, path, *rest = argv
    {"stages": stages, "durable": durable, "memory": memory, "check-plan": check_plan,
     "cprofile": cprofile}[command](Path(path), *rest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
