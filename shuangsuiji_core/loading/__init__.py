"""Loading a department's files into the models of DATA.md, with located errors.

    from shuangsuiji_core.loading import load_plan, iter_records, load_submissions

    plan = load_plan("plan.yaml")                  # YAML or JSON; `plan:` at the top
    for record in iter_records("records.csv"):     # YAML, JSON, JSON Lines, CSV; streamed
        ...
    submissions = load_submissions("submissions.yaml")

Every failure is a `policy_rules.errors.InputError` whose problems name the file, line,
column, field path, what was expected and what was found, in Chinese and English.
Every model read from a file carries `.location` (plan, tasks, adjustments, waivers,
records, submissions).

For data already read from another document (a ruleset's self-test file embeds plans,
records and submissions), `plan_from_document`, `records_from_document` and
`submissions_from_document` validate the value at a path of a `LocatedDocument`, so
problems and locations point into that document.
"""

import importlib

# Each name is imported from its module on first use (PEP 562): `check-plan` on a plan
# alone then never imports the records readers (CSV, JSON Lines, byte ranges), some
# 15 ms of a cold start whose goal is 300 ms.
_HOME = {
    "load_plan": "plan", "plan_from_document": "plan",
    "FORMATS": "records", "check_records": "records", "detect_format": "records", "iter_records": "records",
    "records_from_document": "records",
    "load_submissions": "submissions", "submissions_from_document": "submissions",
}


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOME))


__all__ = [
    "FORMATS",
    "check_records",
    "detect_format",
    "iter_records",
    "load_plan",
    "load_submissions",
    "plan_from_document",
    "records_from_document",
    "submissions_from_document",
]
