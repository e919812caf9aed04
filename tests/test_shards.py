"""A large audit evaluated in parallel parts gives the report one process gives: the
same bytes, the same errors (parts fall back to one process on any problem)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from benchmark_modules import load_benchmark
from hypothesis import given, settings, strategies as st

from policy_rules.errors import InputError
from policy_rules.evaluators import EngineOptions, spill
from policy_rules.evaluators.durable import available
from shuangsuiji_core import shards
from shuangsuiji_core.evaluation import evaluate
from shuangsuiji_core.loading import iter_records, load_plan, load_submissions
from shuangsuiji_core.loading.record_source import RecordSource, RecordSources
from shuangsuiji_core.rulesets import load_ruleset

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 12, 31)


def _generator():
    return load_benchmark("generate.py", "benchmarks_generate_for_shards")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    gen = _generator()
    out = tmp_path_factory.mktemp("shards")
    # many violations of every kind, so every consumer and both stream fields have work
    cfg = gen.Config(seed=7, tasks=12, records=1500, entities=1600, inspectors=60,
                     shares={k: 0.06 for k in gen.VIOLATION_KINDS})
    gen.generate(cfg, out, parts=("plan", "submissions", "records"), record_formats=("jsonl",))
    return out


def _pieces(data: Path, tmp: Path, cuts: list[int], edit=None) -> list[str]:
    lines = (data / "records.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    if edit:
        lines = edit(lines)
    paths, start = [], 0
    for n, end in enumerate(cuts + [len(lines)]):
        p = tmp / f"part{n}.jsonl"
        p.write_text("".join(lines[start:end]), encoding="utf-8")
        paths.append(str(p))
        start = end
    return paths


def _report(data: Path, paths: list[str], parts: int, engine: str = "python"):
    return evaluate(load_ruleset("qinghe-2026"), plan=load_plan(data / "plan.yaml"),
                    records=RecordSources([iter_records(p) for p in paths]),
                    submissions=load_submissions(data / "submissions.yaml"), as_of=AS_OF, engine=engine,
                    options=EngineOptions(parts=parts))


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(shards, "MIN_PART_BYTES", 0)
    # the parts keep their stream state and candidates by bucket on disk: in chunks of a few
    # items here, so that these small files are written and read back too
    monkeypatch.setattr(spill, "BUCKET_CHUNK", 3)
    monkeypatch.setattr(shards, "_HASHES_AT_ONCE", 5)  # the other parts' hashes read a few at a time
    ran: list[bool] = []  # per audit cut into parts: whether the parts finished (else one process did)
    original = shards.run_in_parts

    def run_in_parts(*args, **kwargs):
        counted = original(*args, **kwargs)
        ran.append(counted is not None)
        return counted

    monkeypatch.setattr(shards, "run_in_parts", run_in_parts)
    return ran


@pytest.mark.parametrize("cuts,parts", [([700], 2), ([400, 900], 3), ([10, 20, 1400], 2)])
def test_parts_give_the_bytes_one_process_gives(data, tmp_path, small_parts, cuts, parts):
    paths = _pieces(data, tmp_path, cuts)
    one = _report(data, paths, 1)
    many = _report(data, paths, parts)
    assert small_parts == [True]  # the parts' answer, not one process's after a failed part
    assert many.to_json() == one.to_json()
    # the data exercise the merged parts: offenders from several parts, both stream fields
    failing = [f for f in one.findings if f.offenders]
    assert len(failing) >= 4
    lines = {o.location.file for f in failing for o in f.offenders if o.location}
    assert len(lines) > 1


@pytest.mark.skipif(not available()[0], reason="durable_rules is not available here")
def test_parts_on_the_durable_engine(data, tmp_path, small_parts):
    paths = _pieces(data, tmp_path, [750])
    assert _report(data, paths, 2, "durable").to_json() == _report(data, paths, 1, "durable").to_json()
    assert small_parts == [True]


def test_the_same_business_in_two_parts_is_a_repeat_and_a_duplicate(data, tmp_path, small_parts):
    # the first record copied (new id) into the far part: its credit code now occurs in both parts
    def edit(lines):
        first = json.loads(lines[0])
        copy = dict(first, id="R-COPY-1")
        copy["inspected_on"] = "2026-12-30"
        other = dict(first, id="R-COPY-2", task_id=json.loads(lines[-1])["task_id"])
        other["inspected_on"] = "2026-12-30"
        return lines + [json.dumps(copy, ensure_ascii=False) + "\n", json.dumps(other, ensure_ascii=False) + "\n"]
    paths = _pieces(data, tmp_path, [700], edit)
    one = _report(data, paths, 1)
    assert _report(data, paths, 2).to_json() == one.to_json()
    assert small_parts == [True]
    offenders = {o.id for f in one.findings for o in f.offenders}
    assert {"R-COPY-1", "R-COPY-2"} <= offenders


def _problems(data, paths, parts):
    with pytest.raises(InputError) as info:
        _report(data, paths, parts)
    return [(p.code, p.location, p.message.zh) for p in info.value.problems]


def test_a_record_id_may_repeat_in_another_file(data, tmp_path, small_parts):
    paths = _pieces(data, tmp_path, [700], lambda lines: lines + [lines[3]])
    assert _report(data, paths, 2).to_json() == _report(data, paths, 1).to_json()


def test_a_bad_record_in_a_later_part_is_reported_as_one_process_does(data, tmp_path, small_parts):
    def edit(lines):
        bad = json.loads(lines[1200])
        bad["inspected_on"] = "2026-02-30"
        return lines[:1200] + [json.dumps(bad, ensure_ascii=False) + "\n"] + lines[1201:]
    paths = _pieces(data, tmp_path, [700], edit)
    got = _problems(data, paths, 2)
    assert got == _problems(data, paths, 1) and got


def test_a_part_that_fails_leaves_the_report_to_one_process(data, tmp_path, small_parts, monkeypatch):
    paths = _pieces(data, tmp_path, [700])
    one = _report(data, paths, 1)
    original = RecordSource.id_hashes

    def broken(self):
        if self.path.endswith("part1.jsonl"):
            raise MemoryError("simulated")  # in the forked part only: the parent never calls it
        return original(self)

    monkeypatch.setattr(RecordSource, "id_hashes", broken)
    assert _report(data, paths, 2).to_json() == one.to_json()
    assert small_parts == [False]  # one process, with the state kept by bucket, gave it


def test_small_or_unsplittable_records_stay_in_one_process(data, tmp_path):
    paths = _pieces(data, tmp_path, [700])
    assert shards.plan_parts(RecordSources([iter_records(p) for p in paths]), 2) is None  # < 8 MiB
    assert shards.plan_parts(iter(list(iter_records(paths[0]))), 2, min_bytes=0) is None
    assert shards.plan_parts(RecordSources([iter_records(p) for p in paths]), 1, min_bytes=0) is None
    groups = shards.plan_parts(RecordSources([iter_records(p) for p in paths]), 2, min_bytes=0)
    assert [[s.path for s in g] for g in groups] == [[paths[0]], [paths[1]]]


def test_a_file_is_cut_only_as_far_as_its_share_of_the_whole_calls_for(data, tmp_path):
    (tmp_path / "one").mkdir()
    one = _pieces(data, tmp_path / "one", [])
    groups = shards.plan_parts(RecordSources([iter_records(p) for p in one]), 2, min_bytes=0)
    assert [[s.path for s in g] for g in groups] == [[one[0]], [one[0]]]
    assert [g[0].byte_range[0] == 0 for g in groups] == [True, False]
    (tmp_path / "three").mkdir()
    three = _pieces(data, tmp_path / "three", [10, 20])  # two tiny files, then a large one
    groups = shards.plan_parts(RecordSources([iter_records(p) for p in three]), 2, min_bytes=0)
    flat = [s for g in groups for s in g]
    assert [s.path for s in flat] == [three[0], three[1], three[2], three[2]]
    assert flat[0].byte_range is None and flat[1].byte_range is None


def test_a_record_id_repeated_across_the_pieces_of_one_file_is_reported_as_one_process_does(
        data, tmp_path, small_parts, monkeypatch):
    (tmp_path / "whole").mkdir()
    # the last record takes the id of the third: the two ends of one file, in two parts
    paths = _pieces(data, tmp_path / "whole", [], lambda lines: lines[:-1] + [
        json.dumps(dict(json.loads(lines[-1]), id=json.loads(lines[2])["id"]), ensure_ascii=False) + "\n"])
    assert len(shards.plan_parts(RecordSources([iter_records(p) for p in paths]), 2, min_bytes=0)) == 2
    calls = []
    original = shards._exchange

    def exchange(conns):
        try:
            return original(conns)
        except shards.PartsFailed as exc:
            calls.append(str(exc))
            raise

    monkeypatch.setattr(shards, "_exchange", exchange)
    got = _problems(data, paths, 2)
    assert calls == ["a record id occurs in two parts of one file"]  # found by the parts' check
    assert got == _problems(data, paths, 1)
    assert [(code, loc.line) for code, loc, _ in got] == [("records.duplicate_id", 1500)]


def test_findings_that_release_the_offenders_they_took_are_the_findings(data, tmp_path, monkeypatch):
    from policy_rules import findings as findings_module
    from shuangsuiji_core import evaluation

    seen = []

    def both(ruleset, plan, ctx, *, release=False):
        kept = findings_module.findings(ruleset, plan, ctx)
        released = findings_module.findings(ruleset, plan, ctx, release=release)
        collectors = [entry[1] for entry in plan.by_rule.values() if entry[0] in ("prohibition", "object_deadline")]
        aggregators = [a for entry in plan.by_rule.values() if entry[0] == "target" for a in entry[1:]]
        seen.append((release, kept == released, [getattr(c, "refs", None) or getattr(c, "failed", None)
                                                 for c in collectors] + [a.values or a.joined for a in aggregators]))
        return released

    monkeypatch.setattr(evaluation, "findings", both)
    report = _report(data, _pieces(data, tmp_path, [700]), 1)
    assert sum(len(f.offenders) for f in report.findings) > 100
    assert [(release, same) for release, same, _ in seen] == [(True, True)]
    assert not any(seen[0][2])  # every collector's offenders and distinct values dropped once read


def test_offenders_kept_on_disk_give_the_same_report_in_every_format(data, tmp_path, small_parts, monkeypatch):
    from policy_rules import offender_file
    from policy_rules.offender_file import OffenderFile
    from policy_rules.render import FORMATS, render_report, render_report_chunks

    paths = _pieces(data, tmp_path, [700])
    in_memory = _report(data, paths, 1)
    monkeypatch.setattr(offender_file, "OFFENDERS_IN_MEMORY", 10)
    monkeypatch.setattr(offender_file, "CHUNK", 7)
    on_disk = _report(data, paths, 2)
    assert small_parts == [True]
    stored = [f for f in on_disk.findings if isinstance(f.offenders, OffenderFile)]
    assert stored and all(len(f.offenders) > 10 for f in stored)
    assert all(isinstance(f.offenders, list) for f in in_memory.findings)
    assert on_disk == in_memory
    for fmt in FORMATS:
        for lang in ("zh", "en"):
            want = render_report(in_memory, fmt, lang)
            assert "".join(render_report_chunks([on_disk], fmt, lang)) == want == render_report(on_disk, fmt, lang)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(-2**63, 2**63 - 1), max_size=30), max_size=4), st.integers(1, 8))
def test_hashes_written_to_a_parts_file_are_read_back_a_slice_at_a_time(runs, at_once):
    import tempfile
    from array import array

    old, shards._HASHES_AT_ONCE = shards._HASHES_AT_ONCE, at_once
    try:
        with tempfile.TemporaryFile() as first, tempfile.TemporaryFile() as second:
            files = [first, second]
            where = []
            for i, run in enumerate(runs):  # alternate files, several runs in each
                where.append((i % 2, *shards._write_hashes(files[i % 2], array("q", run))))
            for f in files:
                f.flush()
            pieces = list(shards._read_hashes(files, where))
            assert all(0 < len(p) <= at_once for p in pieces)
            assert [h for p in pieces for h in p] == [h for run in runs for h in run]
            if any(runs):  # a file cut short is an error (the caller evaluates in one process)
                part, offset, count = next(w for w in where if w[2])
                files[part].truncate(offset + 8 * count - 1)
                with pytest.raises(OSError):
                    list(shards._read_hashes(files, [(part, offset, count)]))
    finally:
        shards._HASHES_AT_ONCE = old
