"""The benchmark data generator: its output loads with the project's loaders, is
deterministic, and carries exactly the requested share of each violation kind.

The violation counts are recomputed here from the loaded records by the definitions in
docs/ARCHITECTURE.md, independently of how the generator decided them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from benchmark_modules import load_benchmark
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangsuiji_core.credit_code import is_valid_credit_code

REPO = Path(__file__).resolve().parent.parent


gen = load_benchmark("generate.py", "benchmarks_generate")
loading = pytest.importorskip("shuangsuiji_core.loading")

KINDS = list(gen.VIOLATION_KINDS)


def classify(plan, records) -> tuple[Counter, list[int]]:
    """Count records per violation kind; also the number of kinds each record shows."""
    tasks = {t.id: t for t in plan.tasks}
    counts: Counter = Counter()
    per_record: list[int] = []
    first_seen: dict[tuple[str, str], tuple[dt.date, str]] = {}
    for r in sorted(records, key=lambda r: (r.inspected_on, r.id)):
        kinds = set()
        task = tasks.get(r.task_id)
        if task is None:
            kinds.add("outside_plan")
        elif task.remote_feasible and r.method is not None and r.method.value == "onsite":
            kinds.add("onsite_where_remote_feasible")
        if any(p.conflict_of_interest for p in r.inspectors):
            kinds.add("conflict_of_interest")
        if any(p.certified is False for p in r.inspectors):
            kinds.add("uncertified")
        if r.problems_found and r.follow_up is None:
            kinds.add("problem_without_follow_up")
        if r.result_published_on is None:
            kinds.add("unpublished_result")
        if r.result_entered_on is not None and (r.result_entered_on - r.inspected_on).days > 30:
            kinds.add("late_entry")
        key = (r.task_id, r.entity.credit_code)
        if key in first_seen:
            kinds.add("duplicate_inspection")
        else:
            first_seen[key] = (r.inspected_on, r.id)
        counts.update(kinds)
        per_record.append(len(kinds))
    return counts, per_record


def _write(tmp_path: Path, **kwargs):
    config = gen.Config(**{"records": 2000, "tasks": 30, "entities": 5000, "inspectors": 200, **kwargs})
    manifest = gen.generate(config, tmp_path)
    return config, manifest


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    config, manifest = _write(out)
    return out, config, manifest


def test_plan_loads_in_yaml_and_json_with_the_requested_mix(small):
    out, config, _ = small
    plan_yaml = loading.load_plan(out / "plan.yaml")
    plan_json = loading.load_plan(out / "plan.json")
    assert len(plan_yaml.tasks) == config.tasks == len(plan_json.tasks)
    assert [t.model_dump() for t in plan_yaml.tasks] == [t.model_dump() for t in plan_json.tasks]
    joint = sum(t.mode.value == "joint" for t in plan_yaml.tasks)
    assert joint == round(config.joint_task_share * config.tasks)
    assert sum(t.uses_credit_risk for t in plan_yaml.tasks) == round(config.credit_risk_task_share * config.tasks)
    for task in plan_yaml.tasks:
        assert task.window.start.year == config.year and task.window.end <= dt.date(config.year, 12, 1)
        if task.mode.value == "joint":
            assert task.partner_departments
        if task.remote_feasible:  # a remote task never plans an on-site visit
            assert all(m.value != "onsite" for m in task.methods)
        if task.sampling_ratio is not None:
            r = task.sampling_ratio
            assert r.A <= r.B <= r.C <= r.D and r.A < r.D
    assert all(a.filed_on and a.published_on for a in plan_yaml.adjustments)


def test_records_load_from_jsonl_and_csv_identically(small):
    out, config, _ = small
    from_jsonl = list(loading.iter_records(out / "records.jsonl"))
    from_csv = list(loading.iter_records(out / "records.csv"))
    assert len(from_jsonl) == config.records == len(from_csv)
    for a, b in zip(from_jsonl, from_csv):
        assert a.model_dump() == b.model_dump()
    codes = [r.entity.credit_code for r in from_jsonl]
    assert all(is_valid_credit_code(c) for c in codes)
    dates = [r.inspected_on for r in from_jsonl]
    assert min(dates) >= dt.date(config.year, 4, 1) and max(dates) <= dt.date(config.year, 12, 1)
    assert len({d.month for d in dates}) >= 6  # spread through the year
    assert {r.entity.risk_class.value if r.entity.risk_class else None for r in from_jsonl} >= {"A", "B", "C", "D"}


def test_each_violation_kind_has_exactly_its_share_and_no_record_has_two(small):
    out, config, manifest = small
    plan = loading.load_plan(out / "plan.yaml")
    counts, per_record = classify(plan, loading.iter_records(out / "records.jsonl"))
    expected = {kind: round(0.02 * config.records) for kind in KINDS}
    assert dict(counts) == expected == manifest["violations"]
    assert max(per_record) == 1
    assert per_record.count(0) == config.records - sum(expected.values())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shares=st.fixed_dictionaries({k: st.sampled_from([0.0, 0.01, 0.05, 0.1]) for k in KINDS}),
       seed=st.integers(0, 2**32))
def test_any_shares_are_honoured_exactly(tmp_path_factory, shares, seed):
    out = tmp_path_factory.mktemp("shares")
    config = gen.Config(records=400, tasks=8, entities=1000, inspectors=40, shares=shares, seed=seed)
    gen.generate(config, out, parts=("plan", "records"), record_formats=("csv",))
    plan = loading.load_plan(out / "plan.yaml")
    counts, per_record = classify(plan, loading.iter_records(out / "records.csv"))
    assert {k: counts.get(k, 0) for k in KINDS} == {k: round(s * 400) for k, s in shares.items()}
    assert max(per_record) <= 1


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 7), (b, 7), (c, 8)):
        gen.generate(gen.Config(records=300, tasks=10, entities=600, inspectors=30, seed=seed), out)
    for name in ("plan.yaml", "plan.json", "records.jsonl", "records.csv", "submissions.yaml",
                 "entities.csv", "inspectors.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "records.jsonl").read_bytes() != (c / "records.jsonl").read_bytes()


def test_submissions_load_and_cover_the_year(small):
    out, config, _ = small
    subs = loading.load_submissions(out / "submissions.yaml")
    kinds = Counter(s.kind for s in subs)
    assert kinds["monthly_report"] == 12 and kinds["progress_summary"] == 4
    assert all(s.submitted_on.year == config.year for s in subs)


def test_directories_are_consistent_with_the_records(small):
    import csv
    out, config, _ = small
    with open(out / "entities.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == config.entities
    codes = {row["credit_code"] for row in rows}
    assert len(codes) == config.entities and all(is_valid_credit_code(c) for c in codes)
    by_code = {row["credit_code"]: row for row in rows}
    with open(out / "inspectors.csv", encoding="utf-8", newline="") as f:
        inspectors = {row["id"]: row for row in csv.DictReader(f)}
    assert len(inspectors) == config.inspectors
    for record in loading.iter_records(out / "records.jsonl"):
        row = by_code[record.entity.credit_code]  # every inspected business is in the directory
        assert row["name"] == record.entity.name
        assert row["risk_class"] == (record.entity.risk_class.value if record.entity.risk_class else "")
        for p in record.inspectors:  # an inspector's certification agrees with the directory
            assert inspectors[p.id]["certified"] == ("true" if p.certified else "false")


def test_directories_load_with_the_draw_readers(small):
    directories = pytest.importorskip("shuangsuiji_core.draw.directories")
    out, config, _ = small
    rows = list(directories.iter_entities(out / "entities.csv"))
    assert len(rows) == config.entities
    assert sum(r.risk_class is None for r in rows) < config.entities * 0.05
    inspectors = directories.load_inspectors(out / "inspectors.csv").rows
    assert len(inspectors) == config.inspectors
    assert 0 < sum(not p.certified for p in inspectors) < config.inspectors * 0.05


def test_organization_codes_carry_a_gb11714_check_character():
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    for index in range(0, 50_000, 997):
        org = gen.organization_code(index, 1)
        total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(org[:8], weights))
        c9 = 11 - total % 11
        assert org[8] == {10: "X", 11: "0"}.get(c9, str(c9))


def test_too_many_violations_or_records_are_refused(tmp_path):
    with pytest.raises(ValueError):
        gen.Config(records=100, shares={k: 0.2 for k in KINDS}).counts()
    with pytest.raises(ValueError):
        gen.generate(gen.Config(records=100, entities=50, tasks=3), tmp_path)
    with pytest.raises(ValueError):
        gen.Config(records=100, shares={"no_such_kind": 0.1}).counts()
