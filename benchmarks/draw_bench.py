"""Benchmark of the double-random draw on a generated 2,000,000-row entity directory.

    .venv/bin/python benchmarks/draw_bench.py [--rows 2000000] [--inspectors 300] [--scope 食品销售|all]

Generates (once, from a fixed seed) benchmarks/data/draw/entities_<rows>.csv, an
inspector directory and a task, then runs `shuangsuiji draw` in a subprocess and prints
its wall time, CPU time and peak resident memory (getrusage of the child), for the draw
and for `verify-draw` of the record it wrote. The load average is printed too: on a
shared machine wall time includes waiting for a core, CPU time does not. Goal on the project's 2-core machine: under 15 s
and under 1 GB for the draw. Generated data stays in benchmarks/data/ (gitignored).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from shuangsuiji_core.draw import synthetic  # noqa: E402

DATA_SEED = "draw-bench/1"
DRAW_SEED = "2026-03-31 福彩3D 第2026083期 开奖号码 517"


def generate(out: Path, rows: int, inspectors: int, scope: str) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    entities = out / f"entities_{rows}.csv"
    if not entities.exists():
        t = time.perf_counter()
        tmp = entities.with_suffix(".tmp")
        synthetic.write_entities_csv(tmp, rows, DATA_SEED)
        tmp.rename(entities)
        print(f"generated {entities} ({entities.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    people = out / f"inspectors_{inspectors}.csv"
    synthetic.write_inspectors_csv(people, synthetic.inspector_rows(inspectors, DATA_SEED))
    task = out / f"task_{'all' if scope == 'all' else 'scoped'}.yaml"
    scope_line = "" if scope == "all" else f"  scope: {{industry: {scope}}}\n"
    task.write_text(
        "draw_task:\n  id: BENCH-2026-001\n  name: 基准测试抽查任务\n" + scope_line +
        "  sampling_ratio: {A: 0.02, B: 0.05, C: 0.10, D: 0.20}\n"
        "  inspectors_per_group: 2\n  required_inspector_tags: [食品安全]\n  max_groups_per_inspector: 2000\n",
        encoding="utf-8")
    return entities, people, task


def measure(argv: list[str]) -> tuple[float, float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak_kb = after.ru_maxrss
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"command failed with exit code {proc.returncode}")
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far; children run one at a time,
    # and the draw (the largest) runs first, so its figure is exact.
    return wall, cpu, peak_kb / 1024, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--inspectors", type=int, default=300)
    ap.add_argument("--scope", default="食品销售", help="industry in scope, or 'all' (default 食品销售)")
    args = ap.parse_args()
    out = HERE / "data" / "draw"
    entities, people, task = generate(out, args.rows, args.inspectors, args.scope)
    record, notice = out / "draw.json", out / "notice.md"
    load = os.getloadavg()[0]  # other work on the machine inflates wall time; CPU time is what the draw used
    cmd = [sys.executable, "-m", "shuangsuiji_core.commands.draw"]
    wall, cpu, peak, _ = measure(cmd + ["draw", "--entities", str(entities), "--inspectors", str(people), "--task", str(task),
                                   "--seed", DRAW_SEED, "--output", str(record), "--notice", str(notice), "--quiet"])
    import json
    data = json.loads(record.read_text(encoding="utf-8"))
    in_scope = sum(s["population"] for s in data["strata"])
    print(f"draw: {args.rows} rows, {in_scope} in scope, {len(data['selected'])} drawn, "
          f"{args.inspectors} inspectors: wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {peak:.0f} MB "
          f"(cores: {os.cpu_count()}, load average before: {load:.2f})")
    wall, cpu, _, rc = measure(cmd + ["verify-draw", "--record", str(record), "--entities", str(entities),
                                     "--inspectors", str(people), "--task", str(task), "--quiet"])
    print(f"verify-draw: wall {wall:.2f} s, CPU {cpu:.2f} s, exit {rc} ({'match' if rc == 0 else 'MISMATCH'})")
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
