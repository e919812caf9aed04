"""Memory does not grow across repeated evaluations (a small run of benchmarks/memory_repeat.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_repeated_evaluation_keeps_the_peak_flat():
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "memory_repeat.py"), "--records", "3000",
                          "--tolerance", "0.05"], capture_output=True, text=True, timeout=600, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    growth = [line for line in out.stdout.splitlines() if "growth of the peak" in line]
    assert len(growth) == 2 and all("(ok)" in line for line in growth), out.stdout
