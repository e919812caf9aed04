"""The “双随机、一公开” domain: plans, tasks, records, submissions, metrics, the draw.

Public API (each documented where it is defined)::

    from shuangsuiji_core import load_ruleset, load_plan, iter_records, load_submissions, evaluate

    ruleset = load_ruleset("qinghe-2026")            # a bundled id, or a path
    report = evaluate(ruleset, plan=load_plan("plan.yaml"),
                      records=iter_records("records.jsonl"), as_of=datetime.date(2026, 7, 1))

Bad input raises `policy_rules.InputError`, whose problems are located and bilingual.
"""

from __future__ import annotations

import importlib
from typing import Any

# Resolved on first use: every command imports this package first, and a plan check
# should not pay for the loaders of formats it never reads. `bundled_rulesets` is not
# exported: that is also the name of the subpackage holding the rulesets, which would
# replace the function here as soon as it is imported.
_EXPORTS = {
    "load_ruleset": "shuangsuiji_core.rulesets",
    "load_plan": "shuangsuiji_core.loading",
    "iter_records": "shuangsuiji_core.loading",
    "load_submissions": "shuangsuiji_core.loading",
    "evaluate": "shuangsuiji_core.evaluation",
    "load_vocabulary": "shuangsuiji_core.vocabulary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shuangsuiji_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
