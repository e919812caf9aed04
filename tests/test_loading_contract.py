"""DATA.md's example files load unchanged, with every model located."""

from shuangsuiji_core.loading import iter_records, load_plan, load_submissions
from shuangsuiji_core.plan import Mode
from fractions import Fraction
import datetime as dt


def test_plan_example_loads_with_locations(contract_dir):
    plan = load_plan(contract_dir / "plan.yaml")
    assert plan.id == "QH-SMR-2026" and plan.year == 2026
    task = plan.tasks[0]
    assert task.mode is Mode.joint
    assert task.sampling_ratio.C == Fraction(1, 10)
    assert task.window.start == dt.date(2026, 4, 1)
    assert (plan.location.line, task.location.line) == (2, 10)
    assert task.waivers[0].location.line == 24
    assert plan.adjustments[0].location.line == 29
    assert plan.adjustments[0].filed_on == dt.date(2026, 7, 2)
    assert plan.location.file.endswith("plan.yaml")


def test_records_example_loads_with_locations(contract_dir):
    records = list(iter_records(contract_dir / "records.yaml"))
    assert len(records) == 1
    r = records[0]
    assert r.entity.credit_code == "91130534MA0A1B2C3X"
    assert [i.id for i in r.inspectors] == ["P001", "P017"]
    assert r.follow_up.action.value == "case_filed"
    assert (r.location.line, r.location.column) == (2, 5)


def test_submissions_example_loads_with_locations(contract_dir):
    subs = load_submissions(contract_dir / "submissions.yaml")
    assert [s.kind for s in subs] == ["item_list_and_directories", "monthly_report", "progress_summary",
                                      "half_year_summary", "annual_self_inspection"]
    assert [s.period for s in subs] == [None, "2026-05", "2026-Q1", "2026-H1", "2026"]
    assert [s.location.line for s in subs] == [2, 4, 7, 10, 13]
