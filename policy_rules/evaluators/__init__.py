"""The two evaluators of compiled queries and the choice between them.

- `python`: `PythonEvaluator`, plain Python; the oracle and the fallback.
- `durable`: `DurableEvaluator`, durable_rules hardened (worker processes with a time
  bound, bounded batches, counted facts); any batch it fails on is re-evaluated by the
  Python evaluator and noted in the report.
- `auto` (the default): durable where it can run (Python < 3.13 with durable_rules
  installed), else python, and the report says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import Text
from .durable import DurableEvaluator, EngineFailure, available
from .python import PythonEvaluator

ENGINES = ("auto", "durable", "python")


@dataclass
class EngineOptions:
    """How the durable backend runs. `workers`: engine processes (0 = in this process,
    no time bound; None = automatic: one process, and a second one once a stream passes
    `grow_after` batches, so large audits use 2 cores; with one process, the first batch
    runs in a child forked for it and the worker starts with the second batch, so a plan
    check, one batch, never starts a worker); `timeout`: seconds one batch may take before
    its process (worker or forked child) is killed;
    `batch_size`: facts per batch (at most 1000 for durable); `faults`: test-only
    failure injection {batch number: "kill" | "drop" | "hang"}."""

    workers: int | None = None
    grow_after: int = 8
    timeout: float = 30.0
    batch_size: int = 1000
    faults: dict[int, str] = field(default_factory=dict)
    # processes sharing the records of a large audit (each with its own engine):
    # None = one per core for record files of 8 MiB and more; 1 = this process only
    parts: int | None = None


def choose_engine(engine: str) -> tuple[str, list[Text]]:
    """The engine that will run, and notes for the report when it is not the one asked for."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "python":
        return "python", []
    ok, why = available()
    if ok:
        return "durable", []
    note = Text(zh=f"规则引擎 durable_rules 在此环境不可用（{why}），已改用 Python 求值器；结论与 durable_rules 相同。",
                en=f"durable_rules is not available here ({why}); the Python evaluator was used, which gives "
                   f"the same findings.")
    return "python", [note]


__all__ = ["DurableEvaluator", "EngineFailure", "EngineOptions", "ENGINES", "PythonEvaluator", "available",
           "choose_engine"]
