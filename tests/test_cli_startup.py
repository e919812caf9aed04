"""A command's start-up settings (shuangsuiji_core/commands/startup.py): the collector
runs rarely and pydantic's plugin lookup is off while a command runs, and both are put
back afterwards, so a process that calls `main()` keeps its own settings."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shuangsuiji_core.commands import check_plan
from shuangsuiji_core.commands.startup import (GEN0_THRESHOLD, PLUGINS_VARIABLE, few_collections,
                                               without_pydantic_plugins)

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "examples" / "qinghe-2026" / "plan.yaml"


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_few_collections_raises_the_thresholds_and_puts_them_back(thresholds):
    gc.set_threshold(700, 10, 10)
    with few_collections():
        assert gc.get_threshold() == (GEN0_THRESHOLD, 50, 100)
    assert gc.get_threshold() == (700, 10, 10)


def test_few_collections_never_lowers_a_higher_setting(thresholds):
    gc.set_threshold(500_000, 80, 200)
    with few_collections():
        assert gc.get_threshold() == (500_000, 80, 200)
    assert gc.get_threshold() == (500_000, 80, 200)


def test_few_collections_puts_them_back_after_an_error(thresholds):
    gc.set_threshold(700, 10, 10)
    with pytest.raises(SystemExit):
        with few_collections():
            raise SystemExit(2)
    assert gc.get_threshold() == (700, 10, 10)


def test_plugins_are_off_only_while_the_command_runs(monkeypatch):
    monkeypatch.delenv(PLUGINS_VARIABLE, raising=False)
    with without_pydantic_plugins():
        assert os.environ[PLUGINS_VARIABLE] == "__all__"
    assert PLUGINS_VARIABLE not in os.environ


@pytest.mark.parametrize("value", ["", "logfire", "1"])
def test_a_users_own_plugin_setting_is_kept(monkeypatch, value):
    monkeypatch.setenv(PLUGINS_VARIABLE, value)
    with without_pydantic_plugins():
        assert os.environ[PLUGINS_VARIABLE] == value
    assert os.environ[PLUGINS_VARIABLE] == value


def test_main_leaves_the_callers_settings_as_they_were(thresholds, monkeypatch, capsys):
    monkeypatch.delenv(PLUGINS_VARIABLE, raising=False)
    gc.set_threshold(700, 10, 10)
    rc = check_plan.main(["--format", "json", "--as-of", "2026-12-31", str(PLAN)])
    assert rc in (0, 1) and json.loads(capsys.readouterr().out)
    assert gc.get_threshold() == (700, 10, 10)
    assert PLUGINS_VARIABLE not in os.environ


def test_a_cold_check_plan_neither_scans_for_plugins_nor_collects_often():
    script = textwrap.dedent(f"""
        import gc, io, contextlib, sys
        import importlib.metadata as metadata
        scans = []
        real = metadata.entry_points
        metadata.entry_points = lambda *a, **k: scans.append(k) or real(*a, **k)
        collections = []
        gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
        from shuangsuiji_core.commands.check_plan import main
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main(["--format", "json", "--as-of", "2026-12-31", {str(PLAN)!r}])
        print(rc, len([s for s in scans if s.get("group") == "pydantic"]), len(collections))
    """)
    env = {k: v for k, v in os.environ.items() if k != PLUGINS_VARIABLE}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, env=env,
                         timeout=120)
    rc, plugin_scans, collections = map(int, out.stdout.split())
    assert rc in (0, 1), out.stderr[-2000:]
    assert plugin_scans == 0
    # with the default thresholds this run collected over a hundred times
    assert collections <= 5


def test_what_the_command_allocated_is_handed_to_the_oldest_generation(thresholds):
    gc.set_threshold(700, 10, 10)
    gc.collect()
    collections = []

    def record(phase, info):
        if phase == "stop":
            collections.append(info["generation"])

    gc.callbacks.append(record)
    try:
        with few_collections():
            kept = [[i] for i in range(5000)]
        more = [[i] for i in range(100)]  # past the old threshold, were the 5000 still young
    finally:
        gc.callbacks.remove(record)
    assert collections == []
    assert gc.get_freeze_count() == 0
    assert len(kept) + len(more) == 5100


def test_objects_a_caller_froze_stay_frozen(thresholds):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with few_collections():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def _exit_probe(argv_expr: str) -> str:
    """Run check-plan's main in a fresh interpreter; an exit handler registered first
    (so it runs last, after the command's) reports whether objects were frozen."""
    script = textwrap.dedent(f"""
        import atexit, gc, io, contextlib, sys
        atexit.register(lambda: sys.stderr.write("@@frozen=%d" % gc.get_freeze_count()))
        from shuangsuiji_core.commands.check_plan import main
        sys.argv = ["check-plan", "--format", "json", "--as-of", "2026-12-31", {str(PLAN)!r}]
        with contextlib.redirect_stdout(io.StringIO()):
            rc = main({argv_expr})
        print(rc)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() in ("0", "1"), out.stderr[-2000:]
    return out.stderr.rpartition("@@")[2]


def test_run_as_the_program_everything_is_frozen_before_the_last_collection():
    frozen = int(_exit_probe("").removeprefix("frozen="))
    assert frozen > 10_000  # the modules, the models, the plan: left for the OS to reclaim


def test_called_as_a_function_main_leaves_the_exit_alone():
    assert _exit_probe("sys.argv[1:]") == "frozen=0"
