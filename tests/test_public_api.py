"""The package's promised top-level API exists, works end to end, and stays lazy."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import shuangsuiji_core

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "qinghe-2026"


def test_every_promised_name_resolves():
    for name in shuangsuiji_core.__all__:
        assert callable(getattr(shuangsuiji_core, name)), name
    assert set(shuangsuiji_core.__all__) <= set(dir(shuangsuiji_core))


def test_the_docstring_example_runs():
    from shuangsuiji_core import evaluate, iter_records, load_plan, load_ruleset, load_submissions
    report = evaluate(load_ruleset("qinghe-2026"), plan=load_plan(EXAMPLE / "plan.yaml"),
                      records=iter_records(EXAMPLE / "records.yaml"),
                      submissions=load_submissions(EXAMPLE / "submissions.yaml"),
                      as_of=dt.date(2026, 7, 15), engine="python")
    assert report.ruleset_id == "qinghe-2026"
    assert report.summary.by_status["fail"] > 0


def test_importing_the_package_loads_none_of_its_parts():
    code = ("import sys, shuangsuiji_core; "
            "print(sorted(m for m in sys.modules if m.startswith('shuangsuiji_core.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    try:
        shuangsuiji_core.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_exports_survive_importing_every_subpackage():
    import shuangsuiji_core.bundled_rulesets  # noqa: F401  (sets an attribute on the package)
    for name in shuangsuiji_core.__all__:
        assert callable(getattr(shuangsuiji_core, name)), name
