"""The scripts under benchmarks/ are not a package: tests load them from their files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load_benchmark(file: str, name: str):
    """benchmarks/`file` as a module called `name` (each test file passes its own name, so
    none shares another's copy)."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module
