"""Memory stays flat across repeated evaluations, and evaluation throughput per engine.

    .venv/bin/python benchmarks/memory_repeat.py                    # 100,000 records, both engines
    .venv/bin/python benchmarks/memory_repeat.py --records 20000 --engines python

Part 1 (memory): the records are generated and streamed straight into `evaluate`
(never held as a list), twice in one process per engine. The peak resident memory
after the second run must not exceed the first run's peak by more than a few percent
(`--tolerance`, default 5%): the durable backend creates its ruleset once, deletes its
state after every batch and never uses `engine.Host`, and the evaluator keeps only
aggregates and offenders. Exit status 1 when the growth is above the tolerance.

Part 2 (throughput): the same records, built once as models in memory, evaluated
against qinghe-2026 by each engine; records/s of `evaluate` alone (no file parsing).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.generate import Config, _json_record, generate_plan, generate_submissions, iter_records  # noqa: E402
from policy_rules.evaluators import EngineOptions  # noqa: E402
from shuangsuiji_core.evaluation import evaluate  # noqa: E402
from shuangsuiji_core.plan import Plan  # noqa: E402
from shuangsuiji_core.records import Record  # noqa: E402
from shuangsuiji_core.rulesets import load_ruleset  # noqa: E402
from shuangsuiji_core.submissions import SubmissionsFile  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _worker_peaks_mb() -> list[float]:
    """Peak RSS of the idle durable_rules worker processes (kept between evaluations)."""
    from policy_rules.evaluators import durable
    out = []
    for workers in durable._IDLE.values():
        for w in workers:
            try:
                with open(f"/proc/{w.proc.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            out.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
    return out


def _inputs(n: int):
    cfg = Config(records=n, tasks=300, entities=max(n * 2, 1000))
    plan_doc = generate_plan(cfg)
    plan = Plan.model_validate(json.loads(json.dumps(plan_doc.get("plan", plan_doc), default=str)))
    subs = SubmissionsFile.model_validate(json.loads(json.dumps(generate_submissions(cfg), default=str))).submissions
    return cfg, plan_doc, plan, subs


def _stream(cfg, plan_doc):
    for r in iter_records(cfg, plan_doc):
        yield Record.model_validate(_json_record(r))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--engines", default="python,durable")
    p.add_argument("--tolerance", type=float, default=0.05)
    p.add_argument("--workers", type=int, default=None, help="engine processes (default: automatic)")
    args = p.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    cfg, plan_doc, plan, subs = _inputs(args.records)
    ruleset = load_ruleset("qinghe-2026")
    options = EngineOptions(workers=args.workers)
    status = 0

    print(f"# memory: {args.records} records streamed, evaluated twice per engine (qinghe-2026)")
    for engine in engines:
        peaks = []
        for run in (1, 2):
            gc.collect()
            t = time.perf_counter()
            report = evaluate(ruleset, plan=plan, records=_stream(cfg, plan_doc), submissions=subs, as_of=cfg.as_of,
                              engine=engine, options=options)
            seconds = time.perf_counter() - t
            del report
            gc.collect()
            peaks.append(_peak_mb())
            workers = _worker_peaks_mb() if engine == "durable" else []
            extra = f"  engine workers' peak RSS {', '.join(f'{w:.1f}' for w in workers)} MB" if workers else ""
            print(f"{engine:8s} run {run}: {seconds:6.1f} s (incl. building models)  peak RSS {peaks[-1]:7.1f} MB  "
                  f"current RSS {_current_mb():7.1f} MB{extra}")
        growth = (peaks[1] - peaks[0]) / peaks[0]
        verdict = "ok" if growth <= args.tolerance else "TOO MUCH"
        print(f"{engine:8s} growth of the peak from run 1 to run 2: {growth * 100:+.2f}% ({verdict})")
        if growth > args.tolerance:
            status = 1

    print(f"\n# throughput: evaluate() on {args.records} records already in memory (qinghe-2026)")
    records = list(_stream(cfg, plan_doc))
    for engine in engines:
        for workers in ([0, 1, 2, None] if engine == "durable" else [0]):
            opts = EngineOptions(workers=workers)
            best = None
            for _ in range(2):
                t = time.perf_counter()
                report = evaluate(ruleset, plan=plan, records=records, submissions=subs, as_of=cfg.as_of,
                                  engine=engine, options=opts)
                seconds = time.perf_counter() - t
                best = seconds if best is None else min(best, seconds)
            label = engine if engine == "python" else f"durable (workers={'auto' if workers is None else workers})"
            print(f"{label:22s} {best:6.2f} s  {args.records / best:9,.0f} records/s  "
                  f"fails={report.summary.by_status['fail']} notes={len(report.engine_notes)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
