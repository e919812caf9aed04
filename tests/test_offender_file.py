"""A finding's offenders on disk (policy_rules.offender_file) read as the list they
replace: length, order, indexing, slicing, equality, JSON, pickling; and a report
whose large findings are on disk renders byte for byte as the one held in memory."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pydantic_core import to_json
from report_samples import hostile_report, sample_report

from policy_rules import offender_file
from policy_rules.findings import _finding
from policy_rules.i18n import Text
from policy_rules.offender_file import OffenderFile
from policy_rules.render import FORMATS, render_report, render_report_chunks
from policy_rules.report import Finding, Offender, Report, SourceRef, Status
from policy_rules.schema import Severity, Source

_texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
_offender = st.builds(
    Offender, kind=st.sampled_from(["record", "task", "slot"]), id=_texts,
    location=st.none() | st.builds(SourceRef, file=st.none() | _texts, line=st.none() | st.integers(1, 10**6),
                                   column=st.none() | st.integers(1, 99)),
    detail=st.dictionaries(_texts, st.none() | st.booleans() | st.integers(-2**70, 2**70) | _texts, max_size=3))
_offenders = st.lists(_offender, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_offenders, st.integers(1, 5), st.data())
def test_an_offender_file_reads_as_the_list_it_holds(offenders, chunk, data):
    stored = OffenderFile(offenders, chunk=chunk)
    assert len(stored) == len(offenders) and bool(stored) == bool(offenders)
    assert list(stored) == offenders and stored == offenders and offenders == stored
    assert [o.model_dump_json() for o in stored] == [o.model_dump_json() for o in offenders]
    for i in range(-len(offenders), len(offenders)):
        assert stored[i] == offenders[i]
    for bad in (len(offenders), -len(offenders) - 1):
        with pytest.raises(IndexError):
            stored[bad]
    start = data.draw(st.none() | st.integers(-15, 15))
    stop = data.draw(st.none() | st.integers(-15, 15))
    step = data.draw(st.none() | st.sampled_from([1, 2, -1, 3]))
    assert stored[start:stop:step] == offenders[start:stop:step]
    # the plain data of a range is the models' dump, and serializes to the same JSON
    a, b = sorted(data.draw(st.tuples(st.integers(0, 15), st.integers(0, 15))))
    assert stored.plain(a, b) == [o.model_dump() for o in offenders[a:b]]
    assert to_json(stored.plain(a, b), indent=2) == TypeAdapter(list[Offender]).dump_json(offenders[a:b], indent=2)
    assert stored.kinds == {o.kind for o in offenders}
    assert stored.files == {o.location.file if o.location else None for o in offenders}
    assert pickle.loads(pickle.dumps(stored)) == offenders
    assert copy.deepcopy(stored) == offenders and copy.copy(stored) is stored
    if offenders:
        assert stored != offenders[:-1] and offenders[:-1] != stored
        assert stored != [*offenders[:-1], Offender(kind="other", id="\x00")]


@settings(max_examples=100, deadline=None)
@given(_offenders, st.integers(1, 4))
def test_a_finding_holding_an_offender_file_is_the_finding_holding_the_list(offenders, chunk):
    base = sample_report().findings[1]
    listed = base.model_copy(update={"offenders": offenders})
    stored = Finding.model_validate({**dict(listed), "offenders": OffenderFile(offenders, chunk=chunk)})
    assert isinstance(stored.offenders, OffenderFile)  # kept as it is, not read into a list
    assert stored == listed
    assert stored.model_dump_json(indent=2) == listed.model_dump_json(indent=2)
    assert stored.model_dump() == listed.model_dump()
    assert pickle.loads(pickle.dumps(stored)) == listed


def test_offenders_read_back_share_one_set_of_field_names():
    made = [Offender(kind="record", id=f"R{i}", location=SourceRef(file="r.jsonl", line=i, column=1))
            for i in range(5)]
    back = list(OffenderFile(made, chunk=2))
    assert len({id(o.model_fields_set) for o in back}) == 1
    assert back[0].model_fields_set == set(Offender.model_fields)
    copied = back[0].model_copy(update={"id": "R9"})
    assert copied.id == "R9" and back[1].model_fields_set == set(Offender.model_fields)


def test_a_closed_offender_file_refuses_to_read():
    stored = OffenderFile([Offender(kind="record", id="R1")], chunk=1)
    stored.close()
    with pytest.raises((ValueError, OSError)):
        list(stored)


def _with_many_offenders(report: Report, n: int) -> Report:
    many = [Offender(kind="record", id=f"R-{i:06d}", location=SourceRef(file="r <1>.jsonl", line=i + 1, column=1),
                     detail={"task_id": "T-1", "n": i, "waived": i % 7 == 0}) for i in range(n)]
    findings = [f.model_copy(update={"offenders": many[: n - k]}) if f.status.value in ("fail", "waived") else f
                for k, f in enumerate(report.findings)]
    return report.model_copy(update={"findings": findings})


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_with_offenders_on_disk_renders_as_the_one_in_memory(fmt, lang, monkeypatch):
    from policy_rules.render import json_report, sarif, text

    for report in (sample_report(), hostile_report()):
        in_memory = _with_many_offenders(report, 57)
        on_disk = in_memory.model_copy(update={"findings": [
            f.model_copy(update={"offenders": OffenderFile(f.offenders, chunk=4)}) if len(f.offenders) > 3 else f
            for f in in_memory.findings]})
        assert any(isinstance(f.offenders, OffenderFile) for f in on_disk.findings)
        want = render_report(in_memory, fmt, lang)
        assert render_report(on_disk, fmt, lang) == want
        # the streamed formats, in pieces smaller than a finding
        monkeypatch.setattr(text, "LINES_AT_ONCE", 5)
        monkeypatch.setattr(sarif, "RESULTS_AT_ONCE", 3)
        pieces = list(render_report_chunks([on_disk], fmt, lang) if fmt != "json"
                      else json_report.report_json_chunks(on_disk, offenders_at_once=6))
        assert "".join(pieces) == want
        if fmt in ("json", "text", "sarif"):
            assert len(pieces) > 5
        monkeypatch.undo()


@settings(max_examples=60, deadline=None)
@given(st.lists(_offenders, min_size=1, max_size=3), st.integers(1, 4))
def test_sarif_in_pieces_is_the_json_dumps_of_the_log(groups, at_once):
    from policy_rules.render import sarif

    report = sample_report()
    findings = list(report.findings)
    for i, group in enumerate(groups):  # the failed and waived findings: their offenders are results
        j = [k for k, f in enumerate(findings) if f.status.value in ("fail", "waived")][i]
        findings[j] = findings[j].model_copy(update={"offenders": group})
    report = report.model_copy(update={"findings": findings})
    old = sarif.RESULTS_AT_ONCE
    sarif.RESULTS_AT_ONCE = at_once
    try:
        text = "".join(sarif.sarif_chunks([report, report], "zh"))
    finally:
        sarif.RESULTS_AT_ONCE = old
    log = json.loads(text)
    assert json.dumps(log, ensure_ascii=False, indent=2) + "\n" == text  # the layout json.dumps gives
    failed = [f for f in report.findings if f.status.value in ("fail", "waived")]
    assert [len(run["results"]) for run in log["runs"]] == [sum(max(len(f.offenders), 1) for f in failed)] * 2
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert [a["location"]["uri"] for a in log["runs"][0]["artifacts"]] == sorted(uris)


class _Rule:  # what _finding reads of a rule
    id, kind, severity, waivable = "R-1", "prohibition", Severity.error, False
    title = Text(zh="标题", en="title")
    message = Text(zh="{{ offender_count }} 个", en="{{ offender_count }} items")
    source = Source(section="一", quote="引文")


def test_findings_past_the_limit_are_kept_on_disk_and_report_the_same(monkeypatch):
    offenders = [Offender(kind="record", id=f"R{i}", location=SourceRef(file="r.jsonl", line=100 - i, column=1))
                 for i in range(30)]
    kept = _finding(_Rule, Status.fail, None, offenders=offenders)
    monkeypatch.setattr(offender_file, "OFFENDERS_IN_MEMORY", 29)
    spilled = _finding(_Rule, Status.fail, None, offenders=offenders)
    assert isinstance(spilled.offenders, OffenderFile) and isinstance(kept.offenders, list)
    assert spilled == kept and [o.id for o in spilled.offenders] == [f"R{i}" for i in range(29, -1, -1)]
    assert spilled.message.zh == "30 个" and spilled.model_dump_json() == kept.model_dump_json()
    monkeypatch.setattr(offender_file, "OFFENDERS_IN_MEMORY", 30)
    assert isinstance(_finding(_Rule, Status.fail, None, offenders=offenders).offenders, list)


def test_slots_on_disk_are_located_in_the_submissions_file_and_records_on_disk_are_left_alone():
    from shuangsuiji_core.commands.checking import locate_submission_slots

    report = sample_report()
    slots = [Offender(kind="slot", id=f"monthly:2026-{m:02d}") for m in range(1, 13)]
    records = [Offender(kind="record", id=f"R-{i}", location=SourceRef(file="r.jsonl", line=i, column=1))
               for i in range(1, 13)]
    findings = list(report.findings)
    findings[1] = findings[1].model_copy(update={"offenders": OffenderFile(records, chunk=5)})
    findings[2] = findings[2].model_copy(update={"offenders": OffenderFile(slots, chunk=5)})
    located = locate_submission_slots(report.model_copy(update={"findings": findings}), "subs.yaml")
    # no slot among the records: the finding is kept as it is, its offenders never read back
    assert located.findings[1].offenders is findings[1].offenders and findings[1].offenders._cached is None
    assert [(o.kind, o.id, o.location.file, o.location.line) for o in located.findings[2].offenders] == \
        [("slot", o.id, "subs.yaml", 1) for o in slots]
    in_memory = report.model_copy(update={"findings": [
        f.model_copy(update={"offenders": list(f.offenders)}) for f in findings]})
    assert located == locate_submission_slots(in_memory, "subs.yaml")
