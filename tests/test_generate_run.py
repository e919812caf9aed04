"""benchmarks/run.py's machinery (not its figures: speed goals are never unit tests):
per-child peak memory, failing and missing components, ratios and the table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmark_modules import load_benchmark

REPO = Path(__file__).resolve().parent.parent


run = load_benchmark("run.py", "benchmarks_run")
gen = load_benchmark("generate.py", "benchmarks_generate_for_run")


def test_peak_memory_and_cpu_belong_to_each_child():
    big = run.run_child([sys.executable, "-c", "b = bytearray(80 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"])
    small = run.run_child([sys.executable, "-c", "pass"])
    assert big.rc == 0 and small.rc == 0
    assert big.peak_mb >= 80 > small.peak_mb  # not the maximum over all children so far
    assert big.wall > 0 and big.cpu > 0


def test_a_failing_child_is_an_error_with_its_last_stderr_line():
    table = run.Table()
    fig = run.Figure("x", "s")
    got = run.measure_runs(fig, [sys.executable, "-c", "import sys; sys.exit('boom at the end')"], 3, table)
    assert got == [] and fig.status == "error" and fig.values == []
    assert any("boom at the end" in note for note in table.notes)
    table.add(fig)
    assert "| x | error |" in table.render()


def test_a_missing_library_part_is_not_built_rather_than_an_error():
    table = run.Table()
    fig = run.Figure("check-plan (wall)", "s")
    code = "import sys; sys.stderr.write('[cli.component_missing] 本安装缺少 x\\n'); sys.exit(2)"
    run.measure_runs(fig, [sys.executable, "-c", code], 2, table)
    assert fig.status == "n/a (not built)"


def test_a_traceback_is_an_error_even_with_an_accepted_exit_code():
    table = run.Table()
    fig = run.Figure("x", "s")
    run.measure_runs(fig, [sys.executable, "-c", "import sys; print('Traceback (most recent call last)', file=sys.stderr); "
                                                 "sys.exit(1)"], 1, table, ok_rc=(0, 1))
    assert fig.status == "error"


def test_ratio_pairs_the_extremes_and_propagates_missing_figures():
    a = run.Figure("a", "s", values=[2.0, 4.0, 3.0])
    b = run.Figure("b", "s", values=[1.0, 2.0])
    r = run.ratio_figure("a/b", a, b, goal="≤ 4", check=lambda v: v <= 4)
    assert r.median == 3.0 / 1.5 and min(r.values) == 2.0 / 2.0 and max(r.values) == 4.0 / 1.0
    assert r.cells()[-1] == "yes" and r.cells()[4] == "2"
    missing = run.ratio_figure("a/c", a, run.Figure("c", "s", status="n/a (not built)"))
    assert missing.status == "n/a" and missing.cells()[-1] == "—"


def test_goal_not_met_is_marked():
    fig = run.Figure("rate", "", values=[10.0, 12.0, 11.0], goal="≥ 150,000", check=lambda v: v >= 150_000, digits=0)
    cells = fig.cells()
    assert cells[1] == "11" and cells[2] == "10" and cells[3] == "12" and cells[-1] == "**no**"


def test_floor_children_count_the_generated_records(tmp_path):
    gen.generate(gen.Config(records=250, tasks=5, entities=600, inspectors=20), tmp_path, parts=("plan", "records"))
    for fmt in ("jsonl", "csv"):
        r = run.run_child(run.child(f"floor-{fmt}", str(tmp_path / f"records.{fmt}")))
        assert r.rc == 0, r.stderr
        assert json.loads(r.stdout)["records"] == 250


def test_tree_peak_adds_up_processes_running_at_once():
    grandchild = "import time; b = bytearray(90 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.8)"
    code = (f"import subprocess, sys; ps = [subprocess.Popen([sys.executable, '-c', {grandchild!r}]) for _ in range(2)]; "
            "[p.wait() for p in ps]")
    r = run.run_child([sys.executable, "-c", code])
    assert r.rc == 0
    assert 90 <= r.peak_mb < 150         # the largest single process
    assert r.tree_peak_mb >= 180         # both at once: what the machine pays
