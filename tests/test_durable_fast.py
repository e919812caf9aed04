"""The durable backend's cheap paths keep its hardening (docs/performance.md, item 5 and
the check-plan section): the first batch of a one-worker evaluator runs in a child
forked for it, with the same time bound and failure detection as a worker; a plan check
starts no worker process; the batch payload and the firings parsed from the engine's
messages give the same matches as the Python evaluator."""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from policy_rules.evaluators import PythonEvaluator, durable
from policy_rules.evaluators.durable import DurableEvaluator, EngineFailure, engine_facts

from test_durable import FIELDS, QUERIES, facts

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not durable.available()[0], reason="durable_rules not importable here")


def _fresh(**kw) -> DurableEvaluator:
    durable.shutdown_workers()  # no idle worker to reuse: the first batch takes the forked path
    return DurableEvaluator(QUERIES, FIELDS, **kw)


def test_the_first_batch_runs_without_a_worker_and_the_second_starts_one():
    ev = _fresh(workers=1)
    try:
        assert ev.pool == []
        assert ev.match(facts()) == PythonEvaluator(QUERIES).match(facts())
        assert ev.pool == []  # one batch: no worker was started
        assert ev.match(facts()) == PythonEvaluator(QUERIES).match(facts())
        assert len(ev.pool) == 1 and ev.pool[0].alive()
    finally:
        ev.close()


@pytest.mark.parametrize("fault", ["kill", "drop"])
@pytest.mark.parametrize("path", ["forked", "worker"])
def test_a_failing_batch_is_detected_on_either_path(fault, path):
    ev = _fresh(workers=1, faults={5: fault})
    try:
        if path == "worker":
            ev.match(facts())  # the forked first batch is spent; batch 5 goes to the worker
        ev.submit(5, facts())
        assert isinstance(ev.pending[5][0], durable._Worker if path == "worker" else durable._OneShot)
        with pytest.raises(EngineFailure):
            ev.collect(5)
        assert ev.match(facts()) == PythonEvaluator(QUERIES).match(facts())
    finally:
        ev.close()


def test_a_hanging_forked_batch_is_killed_after_the_time_bound():
    ev = _fresh(workers=1, timeout=1.0, faults={0: "hang"})
    try:
        ev.submit(0, facts())
        one_shot = ev.pending[0][0]
        pid = one_shot.pid
        with pytest.raises(EngineFailure, match="did not answer"):
            ev.collect(0)
        with pytest.raises(ChildProcessError):  # killed and reaped: no process is left behind
            os.waitpid(pid, os.WNOHANG)
    finally:
        ev.close()


def test_an_abandoned_forked_batch_is_killed_on_close():
    ev = _fresh(workers=1, faults={0: "hang"})
    ev.submit(0, facts())
    pid = ev.pending[0][0].pid
    ev.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_a_plan_check_starts_no_worker_process():
    script = textwrap.dedent("""
        import io, contextlib, sys
        from shuangsuiji_core.commands.check_plan import main
        with contextlib.redirect_stdout(io.StringIO()) as out:
            rc = main(["--format", "json", "--engine", "durable", "--as-of", "2026-12-31",
                       "examples/qinghe-2026/plan.yaml"])
        import json
        from policy_rules.evaluators import durable
        report = json.loads(out.getvalue())
        print(json.dumps({"rc": rc, "engine": report["engine"], "notes": report["engine_notes"],
                          "idle": sum(len(w) for w in durable._IDLE.values()),
                          "multiprocessing": "multiprocessing" in sys.modules}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["engine"] == "durable" and got["notes"] == []
    assert got["idle"] == 0 and got["multiprocessing"] is False


# -- the payload and the firings -----------------------------------------------------------
_values = st.one_of(st.none(), st.integers(-10**9, 10**9), st.text(max_size=6),
                    st.dates(_dt.date(2000, 1, 1), _dt.date(2030, 12, 31)), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "id", "t"]), _values, max_size=5)), max_size=30))
def test_engine_facts_keep_only_the_fields_the_rules_read(batch):
    docs = json.loads(engine_facts(batch, FIELDS))
    assert len(docs) == len(batch)
    for pos, ((ftype, fields), doc) in enumerate(zip(batch, docs)):
        assert doc["id"] == durable.ENGINE_IDS[pos] and doc["sid"] == durable.SID and doc["t"] == ftype
        expected = {"u_" + k: (v.toordinal() if isinstance(v, _dt.date) else v)
                    for k, v in fields.items() if k in FIELDS[ftype] and v is not None}
        assert {k: v for k, v in doc.items() if k.startswith("u_")} == expected
        assert set(doc) == {"id", "sid", "t", *expected}
