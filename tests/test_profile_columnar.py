"""benchmarks/profile.py columnar: the probe of a columnar record path only prints a
figure when its pass left every stream consumer exactly as the audit did, so the figure
measures the same work. These tests hold it to that on generated data, with repeats
and violations of every kind, and show the check can fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from benchmark_modules import load_benchmark

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    gen = load_benchmark("generate.py", "benchmarks_generate_for_profile")
    out = tmp_path_factory.mktemp("columnar")
    config = gen.Config(records=3_000, entities=6_000, tasks=40, inspectors=200,
                        shares={kind: 0.05 for kind in gen.VIOLATION_KINDS},
                        waiver_rules=gen.waivable_rules(REPO / "rulesets" / "qinghe-2026.yaml"))
    gen.generate(config, out, ("plan", "records", "submissions"), ("jsonl",), ())
    return out


def test_the_columnar_pass_agrees_with_the_audit_and_prints_its_steps(data):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "profile.py"), "columnar", str(data)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "every stream consumer ended as the audit's" in done.stdout
    rows = [line for line in done.stdout.splitlines() if "µs/record" in line]
    assert any("today: evaluate" in r for r in rows) and any("deferred resolved" in r for r in rows)


def test_a_pass_that_drops_offenders_is_refused(data, monkeypatch):
    profile = load_benchmark("profile.py", "benchmarks_profile_for_test")
    real = profile._take_columns

    def drops_the_last(c, fact, source, where, file):
        real(c, fact, source, where[:-1], file)
    monkeypatch.setattr(profile, "_take_columns", drops_the_last)
    with pytest.raises(SystemExit, match="disagrees with the audit"):
        profile.columnar(data)
