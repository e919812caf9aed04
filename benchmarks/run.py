"""The benchmark: one table of figures, each the median of several runs (with min and
max), measured on this machine in this run, beside the physical floor and a peer.

    .venv/bin/python benchmarks/run.py            # full run (about 20 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # 10k/100k records, JSON Lines, fewer runs (about 3 minutes)
    .venv/bin/python benchmarks/run.py --sizes 100000,1000000 --repeat 3 --only audit

Every measurement is a fresh child process, timed from spawn to exit, with its peak
resident memory taken from that child's own rusage (``os.wait4``). Inputs come from
benchmarks/generate.py (seeded) and are cached under benchmarks/data/ (gitignored);
a cached set is reused only when its manifest matches the requested parameters.

What is measured (see docs/performance.md for the results and the profile):

- ``check-plan`` on a 300-task plan, cold, as a whole process; beside it the floor (a
  fresh Python that only parses the file with PyYAML's C loader) and the peer
  (``check-jsonschema`` against docs/plan.schema.json).
- the audit of N records (JSON Lines and CSV) against qinghe-2026 with each engine:
  records/s, wall time, peak memory; beside it the parse-only floor (json.loads per
  line / csv.reader) and the raw engine (the same facts asserted straight into
  durable_rules with the same compiled rules, batches of 1000, assertion time only).
- the draw on 2,000,000 entities: wall time and peak memory.
- growth: time at the largest size / time at the smallest (ideal: the size ratio).

A component that is not built yet shows ``n/a (not built)``; a child that fails shows
``error`` with its first line of stderr below the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent
RULESET = "qinghe-2026"
#: a figure stops repeating once another run would take it past this many seconds (set by --budget)
BUDGET_PER_FIGURE = 250.0
PLAN_SCHEMA = REPO / "docs" / "plan.schema.json"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


# ------------------------------------------------------------------------- running children

@dataclasses.dataclass
class Run:
    wall: float          # seconds, spawn to exit
    peak_mb: float       # the child's ru_maxrss
    rc: int
    stdout: str
    stderr: str
    cpu: float = 0.0     # user + system seconds of the child (and its children it waited for)
    # the most memory the child and all its descendants held at once (sum of their
    # proportional set sizes, sampled every 50 ms): what a large audit in parallel parts,
    # or the durable engine's worker beside the main process, costs the machine in all
    tree_peak_mb: float = float("nan")

    @property
    def payload(self) -> dict[str, Any]:
        """The last JSON line a child printed (children of this script report that way)."""
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        return {}


# Children run as an installed package would: with cached bytecode (pip compiles it at
# install). The dev shell sets PYTHONDONTWRITEBYTECODE, which would make every cold start
# recompile the project from source; the cache goes under benchmarks/data/, not the tree.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")


TIME = Path("/usr/bin/time")
SAMPLE_SECONDS = 0.05


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants, in MB (0 where /proc lacks it)."""
    total_kb = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def run_child(argv: list[str], timeout: float = 1800, env: dict[str, str] | None = None) -> Run:
    """Run one fresh process and return its wall time and its own peak memory.

    Linux carries a process's peak RSS across exec, and a child starts as a copy of its
    parent, so a child of this (larger) process would report at least this process's
    peak. The target is therefore started by /usr/bin/time, a tiny process, whose
    report of its child's peak is the target's own."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [str(TIME), "-f", "%M", "-o", rss.name, *argv] if TIME.exists() else argv
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=REPO,
                                env={**CHILD_ENV, **(env or {})})
        deadline = start + timeout
        tree_peak, next_sample = 0.0, start
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now >= next_sample:
                tree_peak = max(tree_peak, tree_pss_mb(proc.pid))
                next_sample = now + SAMPLE_SECONDS
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = float(usage.ru_maxrss)
        if TIME.exists():
            lines = [line for line in rss.read().split("\n") if line.strip().isdigit()]
            peak_kb = float(lines[-1]) if lines else float("nan")
        out.seek(0)
        err.seek(0)
        return Run(wall, peak_kb / 1024, proc.returncode, out.read(), err.read(), usage.ru_utime + usage.ru_stime,
                   tree_peak_mb=max(tree_peak, peak_kb / 1024) if tree_peak else float("nan"))


def child(kind: str, *args: str) -> list[str]:
    return [PYTHON, str(Path(__file__).resolve()), "--child", kind, *args]


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


# ------------------------------------------------------------------------- the child side

def _child_main(kind: str, args: list[str]) -> int:
    """Code that runs inside a measured child: prints one JSON line."""
    if kind == "floor-yaml":
        import yaml
        with open(args[0], encoding="utf-8") as f:
            yaml.load(f, Loader=yaml.CSafeLoader)
        print(json.dumps({"ok": True}))
    elif kind == "floor-jsonl":
        loads = json.loads
        n = 0
        with open(args[0], encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    loads(line)
                    n += 1
        print(json.dumps({"records": n}))
    elif kind == "floor-csv":
        import csv
        n = -1  # the header
        with open(args[0], encoding="utf-8", newline="") as f:
            for _ in csv.reader(f):
                n += 1
        print(json.dumps({"records": n}))
    elif kind == "digest":
        digest = _digest(args[0])
        if digest is None:
            return 1
        print(json.dumps(digest))
    elif kind == "audit-library":
        return _child_audit_library(*args)
    elif kind == "raw-engine":
        return _child_raw_engine(*args)
    elif kind == "capture-engine-input":
        return _child_capture_engine_input(*args)
    else:
        print(f"unknown child {kind}", file=sys.stderr)
        return 2
    return 0


def _child_audit_library(records: str, plan: str, submissions: str, as_of: str, engine: str) -> int:
    t0 = time.perf_counter()
    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import iter_records, load_plan, load_submissions
    from shuangsuiji_core.rulesets import load_ruleset
    t1 = time.perf_counter()
    ruleset = load_ruleset(RULESET)
    plan_obj = load_plan(plan)
    subs = load_submissions(submissions)
    t2 = time.perf_counter()
    report = evaluate(ruleset, plan=plan_obj, records=iter_records(records), submissions=subs,
                      as_of=dt.date.fromisoformat(as_of), engine=engine)
    t3 = time.perf_counter()
    print(json.dumps({"import": t1 - t0, "setup": t2 - t1, "evaluate": t3 - t2, "summary": _summary(report)}))
    return 0


def _summary(report: Any) -> dict[str, Any]:
    """Status counts and offender totals, to check that the engines agree."""
    findings = getattr(report, "findings", None) or []
    statuses: dict[str, int] = {}
    offenders = 0
    for f in findings:
        status = getattr(getattr(f, "status", None), "value", getattr(f, "status", None))
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        offenders += len(getattr(f, "offenders", None) or [])
    return {"findings": len(findings), "statuses": statuses, "offenders": offenders}


def _child_capture_engine_input(records: str, plan: str, submissions: str, as_of: str, out: str) -> int:
    """Run the durable audit in this process and write down exactly what reached the
    engine: each ruleset definition and each batch payload (JSON Lines)."""
    from policy_rules.evaluators import EngineOptions
    from policy_rules.evaluators import durable
    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import iter_records, load_plan, load_submissions
    from shuangsuiji_core.rulesets import load_ruleset

    sink = open(out + ".tmp", "w", encoding="utf-8")
    engines: dict[int, int] = {}
    original_init, original_run = durable._Engine.__init__, durable._Engine.run

    def init(self, rules, name):
        original_init(self, rules, name)
        engines[id(self)] = len(engines)
        sink.write(json.dumps({"engine": engines[id(self)], "rules": rules}, ensure_ascii=False) + "\n")

    def run(self, payload, n, drop_one=False):
        sink.write(json.dumps({"engine": engines[id(self)], "n": n}) + "\n" + payload + "\n")
        return original_run(self, payload, n, drop_one)

    durable._Engine.__init__, durable._Engine.run = init, run
    evaluate(load_ruleset(RULESET), plan=load_plan(plan), records=iter_records(records),
             submissions=load_submissions(submissions), as_of=dt.date.fromisoformat(as_of), engine="durable",
             options=EngineOptions(workers=0))
    sink.close()
    os.replace(out + ".tmp", out)
    print(json.dumps({"engines": len(engines)}))
    return 0


def _child_raw_engine(captured: str, records: str) -> int:
    """Assert the captured batches straight into fresh durable_rules rulesets and time
    only the engine calls: assert_facts, draining the actions, delete_state."""
    import durable_rules_engine as dre

    handles: dict[int, Any] = {}
    seconds = 0.0
    facts = batches = 0
    clock = time.perf_counter
    with open(captured, encoding="utf-8") as f:
        for line in f:
            head = json.loads(line)
            if "rules" in head:
                handles[head["engine"]] = dre.create_ruleset(f"raw{head['engine']}_{os.getpid()}",
                                                             json.dumps(head["rules"], ensure_ascii=False))
                continue
            payload = f.readline()
            handle = handles[head["engine"]]
            t = clock()
            code, state = dre.assert_facts(handle, payload)
            result = dre.start_action_for_state(handle, state)
            while result:
                nxt = dre.complete_and_start_action(handle, state)
                result = nxt if nxt else None
            dre.delete_state(handle, "0")
            seconds += clock() - t
            facts += head["n"]
            batches += 1
    print(json.dumps({"records": int(records), "facts": facts, "batches": batches, "assert_seconds": seconds}))
    return 0


# ------------------------------------------------------------------------- data

def _generator():
    spec = importlib.util.spec_from_file_location("benchmarks_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ensure_data(name: str, records: int, entities: int, tasks: int, parts: tuple[str, ...],
                log: Callable[[str], None]) -> Path:
    """Generate (or reuse) a data set; reuse needs a manifest with the same parameters."""
    gen = _generator()
    waivers = gen.waivable_rules(REPO / "rulesets" / f"{RULESET}.yaml")
    config = gen.Config(records=records, entities=entities, tasks=tasks, waiver_rules=waivers)
    out = DATA / name
    manifest_path = out / "manifest.json"
    wanted = dataclasses.asdict(config)
    wanted["waiver_rules"] = list(config.waiver_rules)
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("config") == wanted and set(parts) <= set(manifest.get("parts", [])) \
                and all((out / f).exists() for f in manifest.get("files", {}).values()):
            return out
    log(f"generating {name} ({records:,} records, {entities:,} entities) ...")
    started = time.perf_counter()
    gen.generate(config, out, parts=parts)
    log(f"  done in {time.perf_counter() - started:.0f} s")
    return out


# ------------------------------------------------------------------------- results

@dataclasses.dataclass
class Figure:
    name: str
    unit: str
    values: list[float] = dataclasses.field(default_factory=list)
    goal: str = ""
    check: Callable[[float], bool] | None = None
    status: str = ""        # "" measured, "n/a (not built)", "error", "skipped"
    higher_is_better: bool = False
    digits: int = 2
    runs: int = 0           # for derived figures (ratios): the runs behind them; else len(values)
    cpu: list[float] = dataclasses.field(default_factory=list)  # CPU seconds of the runs behind a wall time

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def cells(self) -> list[str]:
        if self.status or not self.values:
            text = self.status or "n/a"
            return [self.name, text, "", "", "", "", self.goal, "—"]
        fmt = (lambda v: f"{v:,.0f}") if self.digits == 0 else (lambda v: f"{v:,.{self.digits}f}")
        lo, hi = min(self.values), max(self.values)
        met = "—" if self.check is None else ("yes" if self.check(self.median) else "**no**")
        unit = f" {self.unit}" if self.unit else ""
        cpu = f"{statistics.median(self.cpu):.2f}" if self.cpu else ""
        return [self.name, f"{fmt(self.median)}{unit}", fmt(lo), fmt(hi), str(self.runs or len(self.values)), cpu,
                self.goal, met]


class Table:
    def __init__(self) -> None:
        self.rows: list[Figure | str] = []
        self.notes: list[str] = []

    def add(self, figure: Figure) -> Figure:
        self.rows.append(figure)
        return figure

    def section(self, title: str) -> None:
        self.rows.append(title)

    def render(self) -> str:
        header = ["measurement", "median", "min", "max", "runs", "CPU s", "goal", "met"]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in self.rows:
            if isinstance(row, str):
                lines.append(f"| **{row}** |  |  |  |  |  |  |  |")
            else:
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row.cells()) + " |")
        out = "\n".join(lines)
        if self.notes:
            out += "\n\n" + "\n".join(f"- {n}" for n in self.notes)
        return out


def ratio_figure(name: str, num: Figure, den: Figure, goal: str = "", check=None) -> Figure:
    fig = Figure(name, "×", goal=goal, check=check)
    if num.status or den.status or not num.values or not den.values:
        fig.status = "n/a"
        return fig
    # min/max of a ratio: pair the extremes so the range is honest
    fig.values = [num.median / den.median, min(num.values) / max(den.values), max(num.values) / min(den.values)]
    fig.runs = min(len(num.values), len(den.values))
    return fig


def _wall(run: Run) -> float:
    return run.wall


def measure_runs(fig: Figure, argv: list[str], repeat: int, table: Table, *, value=_wall,
                 ok_rc=(0,), peak: Figure | None = None, warmup: bool = False, timeout: float = 1800,
                 before: Callable[[], None] | None = None,
                 validate: Callable[[Run], str | None] | None = None) -> list[Run]:
    """Run argv `repeat` times, filling fig (and peak) or marking an error with a note.

    A run counts only if its exit code is in ok_rc, it printed no traceback and
    `validate` (when given) finds its output complete."""
    runs = []
    if warmup:  # the first run pays for the page cache; it is not counted
        run_child(argv, timeout)
    spent = 0.0
    for i in range(repeat):
        if i >= 1 and spent + spent / i > BUDGET_PER_FIGURE:  # the table's runs column shows the count
            break
        if before is not None:
            before()
        r = run_child(argv, timeout)
        problem = None
        if r.rc not in ok_rc or "Traceback (most recent call last)" in r.stderr:
            problem = (r.stderr.strip().splitlines() or [f"exit code {r.rc}"])[-1][:300]
        elif validate is not None:
            problem = validate(r)
        if problem and "component_missing" in r.stderr:  # the command exists, the library part behind it not yet
            fig.status = "n/a (not built)"
            fig.values = []
            if peak is not None:
                peak.status, peak.values = "n/a (not built)", []
            table.notes.append(f"{fig.name}: {problem}")
            return []
        if problem:
            fig.status = "error"
            fig.values = []
            if peak is not None:
                peak.status = "error"
                peak.values = []
            table.notes.append(f"{fig.name}: exit {r.rc}: {problem}")
            return []
        runs.append(r)
        spent += r.wall
        fig.values.append(value(r))
        if value is _wall:
            fig.cpu.append(r.cpu)
        if peak is not None:  # all the processes together where /proc tells, else the child's own
            peak.values.append(r.tree_peak_mb if r.tree_peak_mb == r.tree_peak_mb else r.peak_mb)
    return runs


# ------------------------------------------------------------------------- the benchmarks

@dataclasses.dataclass
class Job:
    """One figure's measurement: run in rounds interleaved with the others it is compared
    with, so that a busy machine's drift hits all of them alike."""

    fig: Figure
    argv: list[str]
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    warmup: bool = False
    runs: list[Run] = dataclasses.field(default_factory=list)
    spent: float = 0.0


def interleaved(jobs: list[Job], repeat: int, table: Table) -> None:
    for job in jobs:
        if job.warmup:  # the first run pays for the page cache; it is not counted
            run_child(job.argv)
    for i in range(repeat):
        for job in jobs:
            if job.fig.status:
                continue
            if i >= 1 and job.spent + job.spent / i > BUDGET_PER_FIGURE:  # the runs column shows the count
                continue
            got = measure_runs(job.fig, job.argv, 1, table, **job.options)
            print(f"  {job.fig.name}: " + (f"{got[0].wall:.2f} s wall, {got[0].cpu:.2f} CPU s, {got[0].peak_mb:.0f} MB"
                                           if got else job.fig.status), file=sys.stderr, flush=True)
            if not got:
                job.runs = []
                continue
            job.runs += got
            job.spent += sum(r.wall for r in got)


def bench_check_plan(table: Table, plan_dir: Path, repeat: int) -> None:
    plan = plan_dir / "plan.yaml"
    table.section("check-plan, 300-task plan, cold process")
    cp = Figure("check-plan (wall)", "s", goal="≤ 0.3 s and ≤ ½ check-jsonschema", digits=3)
    floor = Figure("floor: python + PyYAML CSafeLoader parse only", "s", digits=3)
    peer = Figure("peer: check-jsonschema against docs/plan.schema.json", "s", digits=3)
    jobs = []
    check_plan_bin = VENV_BIN / "check-plan"
    if has_module("shuangsuiji_core.commands.check_plan") and check_plan_bin.exists():
        cp_job = Job(cp, [str(check_plan_bin), "--format", "json", str(plan)], warmup=True, options=dict(
            ok_rc=(0, 1), validate=lambda r: None if r.stdout.strip() else "check-plan printed nothing"))
        jobs.append(cp_job)
    else:
        cp_job = None
        cp.status = "n/a (not built)"
    jobs.append(Job(floor, child("floor-yaml", str(plan)), warmup=True))
    cjs = VENV_BIN / "check-jsonschema"
    if PLAN_SCHEMA.exists() and cjs.exists():
        jobs.append(Job(peer, [str(cjs), "--schemafile", str(PLAN_SCHEMA), str(plan)], warmup=True))
    else:
        peer.status = "n/a (not built)"
    interleaved(jobs, repeat, table)
    if cp_job is not None and cp_job.runs:
        table.notes.append(f"check-plan exit code {cp_job.runs[0].rc} on the generated plan (0 = no rule failed, "
                           f"1 = some rule failed)")
    table.add(cp)
    table.add(floor)
    table.add(peer)
    if cp.values and peer.values:
        cp.check = lambda m: m <= 0.3 and m <= 0.5 * peer.median
    table.add(ratio_figure("check-plan ÷ check-jsonschema", cp, peer, goal="≤ 0.5", check=lambda v: v <= 0.5))
    table.add(ratio_figure("check-plan ÷ floor", cp, floor))


@dataclasses.dataclass
class AuditResult:
    wall: Figure
    rate: Figure
    peak: Figure


def _audit_argv(via: str, records: Path, data: Path, as_of: str, engine: str, out_file: Path) -> list[str]:
    if via == "cli":
        return [str(VENV_BIN / "shuangsuiji"), "audit", "--plan", str(data / "plan.yaml"), "--records", str(records),
                "--submissions", str(data / "submissions.yaml"), "--ruleset", RULESET, "--as-of", as_of,
                "--engine", engine, "--format", "json", "--output", str(out_file)]
    return child("audit-library", str(records), str(data / "plan.yaml"), str(data / "submissions.yaml"), as_of, engine)


def bench_audit(table: Table, datasets: dict[int, Path], formats: list[str], engines: list[str], repeat_for,
                via: str, default_engine: str | None, as_of: str, raw: bool) -> dict[tuple, AuditResult]:
    results: dict[tuple, AuditResult] = {}
    built = has_module("shuangsuiji_core.evaluation") if via == "library" else cli_built()
    out_dir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    sizes = sorted(datasets)
    for size in sizes:
        data = datasets[size]
        repeat = repeat_for(size)
        for fmt in formats:
            records = data / f"records.{fmt}"
            table.section(f"audit of {size:,} records ({'JSON Lines' if fmt == 'jsonl' else 'CSV'}) against {RULESET}")
            floor_wall = Figure(f"floor: parse only ({'json.loads per line' if fmt == 'jsonl' else 'csv.reader'}), wall",
                                "s")
            floor_rate = Figure("floor: parse only, records/s", "", digits=0, higher_is_better=True)
            floor_job = Job(floor_wall, child(f"floor-{fmt}", str(records)), warmup=True)
            jobs = [floor_job]
            per_engine = []
            for engine in engines:
                label = f"{engine}{' (default)' if engine == default_engine else ''}"
                wall = Figure(f"audit, {label} engine: wall", "s")
                rate = Figure(f"audit, {label} engine: records/s", "", digits=0, higher_is_better=True)
                peak = Figure(f"audit, {label} engine: peak memory", "MB", digits=0)
                if engine == "python":
                    rate.goal, rate.check = "≥ 150,000", (lambda v: v >= 150_000)
                if engine == default_engine:
                    rate.goal = (rate.goal + "; " if rate.goal else "") + "≥ 50,000 (default)"
                    prev = rate.check
                    rate.check = (lambda v, prev=prev: v >= 50_000 and (prev is None or prev(v)))
                if size >= 1_000_000:
                    peak.goal, peak.check = "< 500 MB", (lambda v: v < 500)
                job = None
                if not built:
                    for f in (wall, rate, peak):
                        f.status = "n/a (not built)"
                else:
                    out_file = out_dir / f"report-{engine}.json"
                    job = Job(wall, _audit_argv(via, records, data, as_of, engine, out_file), options=dict(
                        ok_rc=(0, 1), peak=peak, before=lambda f=out_file: f.unlink(missing_ok=True),
                        validate=_audit_output_problem(via, out_file)))
                    job.out_file = out_file  # type: ignore[attr-defined]
                    jobs.append(job)
                per_engine.append((engine, wall, rate, peak, job))
            interleaved(jobs, repeat, table)
            floor_rate.values = [size / r.wall for r in floor_job.runs]
            table.add(floor_wall)
            table.add(floor_rate)
            summaries = {}
            for engine, wall, rate, peak, job in per_engine:
                if job is not None:
                    rate.values = [size / r.wall for r in job.runs]
                    if job.runs and via == "library":
                        summaries[engine] = job.runs[-1].payload.get("summary")
                    elif job.runs and job.out_file.exists():
                        summaries[engine] = _report_digest(job.out_file)
                for f in (wall, rate, peak):
                    table.add(f)
                table.add(ratio_figure(f"audit, {engine} ÷ floor (wall)", wall, floor_wall, goal="≤ 4",
                                       check=lambda v: v <= 4))
                results[(size, fmt, engine)] = AuditResult(wall, rate, peak)
            if len(summaries) > 1 and len({json.dumps(s, sort_keys=True) for s in summaries.values()}) > 1:
                table.notes.append(f"engines DISAGREE on {size:,} {fmt}: {summaries}")
            elif summaries:
                table.notes.append(f"{size:,} {fmt}: engines agree: {next(iter(summaries.values()))}")
            if raw and fmt == formats[0]:  # the engine sees the same facts whatever the file format
                table.add(bench_raw_engine(table, data, records, size, as_of, min(repeat, 3)))
    return results


def bench_raw_engine(table: Table, data: Path, records: Path, size: int, as_of: str, repeat: int) -> Figure:
    raw_rate = Figure("raw engine: the same facts asserted straight into durable_rules (any format), records/s", "",
                      digits=0,
                      higher_is_better=True)
    if not has_module("policy_rules.evaluators.durable") or not has_module("shuangsuiji_core.evaluation"):
        raw_rate.status = "n/a (not built)"
        return raw_rate
    # the same for both formats (same records); captured afresh by each invocation,
    # since the compiled rules change with the library
    captured = data / "engine_input.jsonl"
    if captured not in _CAPTURED:
        _CAPTURED.add(captured)
        captured.unlink(missing_ok=True)
        cap = run_child(child("capture-engine-input", str(records), str(data / "plan.yaml"),
                              str(data / "submissions.yaml"), as_of, str(captured)))
        if cap.rc != 0:
            table.notes.append(f"raw engine: capture failed: {cap.stderr.strip()[-300:]}")
    if not captured.exists():
        raw_rate.status = "error"
        return raw_rate
    runs = measure_runs(raw_rate, child("raw-engine", str(captured), str(size)), repeat, table,
                        value=lambda r: r.payload["records"] / r.payload["assert_seconds"])
    if runs:
        p = runs[0].payload
        table.notes.append(f"raw engine, {size:,} records ({records.suffix}): {p['facts']:,} facts in "
                           f"{p['batches']:,} batches, {p['assert_seconds']:.2f} s in the engine")
    return raw_rate


def _audit_output_problem(via: str, out_file: Path) -> Callable[[Run], str | None]:
    def check(run: Run) -> str | None:
        if via == "library":
            return None if run.payload.get("summary") else "the child printed no summary"
        if not out_file.exists() or out_file.stat().st_size == 0:
            return "the audit wrote no report"
        with open(out_file, "rb") as f:  # a cheap completeness check; the report is parsed once, later
            f.seek(max(0, out_file.stat().st_size - 64))
            tail = f.read().rstrip()
        return None if tail.endswith((b"}", b"]")) else "the report is cut short"
    return check


_CAPTURED: set[Path] = set()


def _report_digest(path: Path) -> dict[str, Any] | None:
    """Status counts and offenders of a JSON report, read in a child: a 1M-record report
    is large, and this process stays small (see run_child)."""
    r = subprocess.run(child("digest", str(path)), capture_output=True, text=True, cwd=REPO, env=CHILD_ENV)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None


def _digest(path: str) -> dict[str, Any] | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    reports = data if isinstance(data, list) else data.get("reports", [data]) if isinstance(data, dict) else []
    statuses: dict[str, int] = {}
    offenders = 0
    for report in reports:
        for f in report.get("findings", []) if isinstance(report, dict) else []:
            statuses[str(f.get("status"))] = statuses.get(str(f.get("status")), 0) + 1
            offenders += len(f.get("offenders") or [])
    return {"statuses": statuses, "offenders": offenders}


def bench_growth(table: Table, results: dict[tuple, AuditResult], sizes: list[int]) -> None:
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    ideal = large / small
    table.section(f"growth: time at {large:,} ÷ time at {small:,} records (ideal {ideal:g})")
    for (size, fmt, engine), res in sorted(results.items()):
        if size != large or (small, fmt, engine) not in results:
            continue
        table.add(ratio_figure(f"growth, {engine} engine, {fmt}: wall", res.wall, results[(small, fmt, engine)].wall,
                               goal=f"≤ {ideal * 1.1:g}", check=lambda v: v <= ideal * 1.1))
        # streaming: memory should not grow with the file beyond buffers and per-business state
        table.add(ratio_figure(f"growth, {engine} engine, {fmt}: peak memory", res.peak,
                               results[(small, fmt, engine)].peak, goal="≤ 1.5 (streaming)",
                               check=lambda v: v <= 1.5))


DRAW_TASK = """\
draw_task:
  id: QH-2026-DRAW
  name: 食品销售经营者部门联合抽查
  department: 清河县市场监督管理局
  scope: {industry: 食品销售}
  sampling_ratio: {A: 0.02, B: 0.05, C: 0.10, D: 0.20}
  inspectors_per_group: 2
  required_inspector_tags: [食品经营许可情况]
  max_groups_per_inspector: 2000
"""
DRAW_SEED = "2026-03-31 福彩3D 第2026083期 开奖号码 517"


def bench_draw(table: Table, entities: int, repeat: int, log) -> None:
    table.section(f"draw on {entities:,} entities (one industry in scope, 2 inspectors per group)")
    wall = Figure("draw: wall", "s", goal="< 15 s", check=lambda v: v < 15)
    peak = Figure("draw: peak memory", "MB", goal="< 1,024 MB", check=lambda v: v < 1024, digits=0)
    vwall = Figure("verify-draw: wall", "s")
    vpeak = Figure("verify-draw: peak memory", "MB", digits=0)
    if cli_built() and has_module("shuangsuiji_core.commands.draw"):
        command = [str(VENV_BIN / "shuangsuiji")]
    elif has_module("shuangsuiji_core.commands.draw"):
        command = [PYTHON, "-m", "shuangsuiji_core.commands.draw"]
    else:
        command = []
    if command:
        data = ensure_data(f"directory-{entities}", records=0, entities=entities, tasks=300,
                           parts=("entities", "inspectors"), log=log)
        task = data / "draw_task.yaml"
        task.write_text(DRAW_TASK, encoding="utf-8")
        record = data / "draw_record.json"
        inputs = ["--entities", str(data / "entities.csv"), "--inspectors", str(data / "inspectors.csv"),
                  "--task", str(task)]

        def drawn(run: Run) -> str | None:
            try:
                selected = json.loads(record.read_text(encoding="utf-8")).get("selected")
            except (OSError, ValueError):
                return "the draw wrote no record"
            return None if selected else "the draw record selects nobody"

        runs = measure_runs(wall, command + ["draw", *inputs, "--seed", DRAW_SEED, "--output", str(record), "--quiet"],
                            repeat, table, peak=peak, before=lambda: record.unlink(missing_ok=True), validate=drawn)
        if runs:
            selected = len(json.loads(record.read_text(encoding="utf-8"))["selected"])
            table.notes.append(f"draw: {selected:,} entities drawn from {entities:,}")
            measure_runs(vwall, command + ["verify-draw", "--record", str(record), *inputs, "--quiet"], repeat, table,
                         peak=vpeak)
        else:
            vwall.status = vpeak.status = "skipped"
    else:
        wall.status = peak.status = vwall.status = vpeak.status = "n/a (not built)"
    for f in (wall, peak, vwall, vpeak):
        table.add(f)


def bench_others(table: Table, quick: bool, log) -> None:
    """The other engineers' benchmark scripts, run as they are: their own output is kept
    below the table; the memory-growth verdict of memory_repeat.py becomes a row."""
    import re
    scripts = [("memory_repeat.py", ["--records", "20000" if quick else "100000"]), ("draw_bench.py", [])]
    ran = False
    for name, args in scripts:
        path = BENCH / name
        if not path.exists():
            continue
        if not ran:
            table.section("other benchmark scripts")
            ran = True
        log(f"{name} ...")
        r = run_child([PYTHON, str(path), *args], timeout=1800)
        text = (r.stdout.strip() + ("\n" + r.stderr.strip() if r.rc not in (0, 1) else "")).strip()
        table.notes.append(f"`benchmarks/{name} {' '.join(args)}` (exit {r.rc}, {r.wall:.0f} s):\n\n```\n{text}\n```")
        if name == "memory_repeat.py":
            for engine, growth in re.findall(r"^(\w+)\s+growth of the peak from run 1 to run 2: ([+-]?[\d.]+)%",
                                             r.stdout, re.M):
                table.add(Figure(f"memory_repeat: {engine}, peak growth from evaluation 1 to 2", "%",
                                 values=[float(growth)], goal="≤ 5%", check=lambda v: v <= 5))
        if name == "draw_bench.py":
            m = re.search(r"^draw:.*?wall ([\d.]+) s.*?peak RSS ([\d.]+) MB", r.stdout, re.M)
            if m:
                table.add(Figure("draw_bench.py: draw wall (its own data and task)", "s", values=[float(m.group(1))],
                                 goal="< 15 s", check=lambda v: v < 15))
                table.add(Figure("draw_bench.py: draw peak memory", "MB", values=[float(m.group(2))], digits=0,
                                 goal="< 1,024 MB", check=lambda v: v < 1024))


# ------------------------------------------------------------------------- machine and main

def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal"))
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem = "unknown memory"
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem}, Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}; load average at start {load[0]:.2f}")


def cli_built() -> bool:
    return ((VENV_BIN / "shuangsuiji").exists() and has_module("shuangsuiji_core.commands.main")
            and has_module("shuangsuiji_core.commands.audit"))


def default_engine() -> str | None:
    """The engine `engine="auto"` runs here (policy_rules.evaluators.choose_engine)."""
    if not has_module("policy_rules.evaluators"):
        return None
    probe = run_child([PYTHON, "-c", "import json; from policy_rules.evaluators import choose_engine; "
                                     "print(json.dumps({'engine': choose_engine('auto')[0]}))"])
    return probe.payload.get("engine") if probe.rc == 0 else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmarks: one table, medians of fresh processes, floors and peers.")
    p.add_argument("--quick", action="store_true",
                   help="10k/100k records, JSON Lines only, 200k-entity draw, 2 runs per figure (< 3 min)")
    p.add_argument("--sizes", help="record counts, comma-separated (default 100000,1000000)")
    p.add_argument("--repeat", type=int, help="runs per figure (default: 10 for check-plan, 3 below 1M records, 2 at 1M)")
    p.add_argument("--formats", help="record formats, comma-separated (default jsonl,csv; jsonl with --quick)")
    p.add_argument("--engines", default="python,durable")
    p.add_argument("--only", help="subset of plan,audit,raw,draw,others (default: all; --quick: all but others)")
    p.add_argument("--draw-entities", type=int, help="default 2,000,000 (200,000 with --quick)")
    p.add_argument("--via", choices=("auto", "cli", "library"), default="auto",
                   help="audit through `shuangsuiji audit` (cli) or evaluate() in a child (library)")
    p.add_argument("--budget", type=float, default=250.0,
                   help="seconds one figure may take; slower figures get fewer runs (shown in the runs column)")
    p.add_argument("--json", type=Path, help="also write the raw figures here")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return _child_main(args.child[0], args.child[1:])
    global BUDGET_PER_FIGURE
    BUDGET_PER_FIGURE = args.budget
    started = time.perf_counter()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    only = set((args.only or ("plan,audit,raw,draw" if args.quick else "plan,audit,raw,draw,others")).split(","))
    if args.sizes:
        sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    else:
        sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    formats = args.formats or ("jsonl" if args.quick else "jsonl,csv")
    draw_entities = args.draw_entities or (200_000 if args.quick else 2_000_000)
    entities_for_records = max(2 * max(sizes), 2_000_000)

    def repeat_for(size: int) -> int:
        if args.repeat:
            return args.repeat
        if args.quick:
            return 2
        return 2 if size >= 1_000_000 else 3

    table = Table()
    log(f"machine: {machine()}")
    # bytecode for the project and its dependencies, as an installed package has it
    run_child([PYTHON, "-m", "compileall", "-q", "-j", "0", str(REPO / "policy_rules"), str(REPO / "shuangsuiji_core"),
               str(VENV_BIN.parent / "lib")])
    if "plan" in only:
        log("check-plan ...")
        plan_dir = ensure_data(f"plan-300-{max(sizes)}", records=max(sizes), entities=entities_for_records, tasks=300,
                               parts=("plan", "submissions"), log=log)
        bench_check_plan(table, plan_dir, args.repeat or (5 if args.quick else 10))
    via = args.via
    if via == "auto":
        via = "cli" if cli_built() else "library"
    if "audit" in only or "raw" in only:
        datasets = {size: ensure_data(f"records-{size}", records=size, entities=entities_for_records, tasks=300,
                                      parts=("plan", "records", "submissions"), log=log) for size in sizes}
        as_of = json.loads((datasets[sizes[0]] / "manifest.json").read_text(encoding="utf-8"))["as_of"]
        engines = [e for e in args.engines.split(",") if e] if "audit" in only else []
        log(f"audit via {via} ...")
        results = bench_audit(table, datasets, formats.split(","), engines, repeat_for, via, default_engine(),
                              as_of, raw="raw" in only)
        bench_growth(table, results, sizes)
    if "others" in only:
        bench_others(table, args.quick, log)
    if "draw" in only:
        log("draw ...")
        bench_draw(table, draw_entities, 1 if args.quick else 3, log)
    total = time.perf_counter() - started
    table.notes.append(f"machine: {machine()}; audit via {via}; total benchmark time {total / 60:.1f} min")
    print(table.render())
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(r) if isinstance(r, Figure) else r for r in table.rows],
                                        default=lambda o: None, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
