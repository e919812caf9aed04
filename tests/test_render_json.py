"""The JSON format is the Report model's JSON, versioned, and described by the committed
docs/report.schema.json (kept in sync by this test)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator

from policy_rules.render import render_report, render_reports
from policy_rules.render.json_report import report_json_schema
from policy_rules.report import REPORT_SCHEMA_VERSION, Offender, Report, SourceRef

from report_samples import hostile_report, sample_report

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_committed_schema_is_current():
    committed = json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))
    assert committed == report_json_schema(), "regenerate: python -m policy_rules.render.json_report > docs/report.schema.json"


def test_json_round_trips_and_validates():
    out = render_report(sample_report(), "json", "zh")
    data = json.loads(out)
    assert data["schema_version"] == REPORT_SCHEMA_VERSION
    Draft202012Validator(report_json_schema()).validate(data)
    assert Report.model_validate_json(out) == sample_report()
    assert render_report(hostile_report(), "json", "en") == render_report(hostile_report(), "json", "zh")


def test_json_field_names_are_the_documented_ones():
    data = json.loads(render_report(sample_report(), "json", "zh"))
    assert list(data) == ["schema_version", "ruleset_id", "ruleset_version", "ruleset_title", "as_of", "engine",
                          "engine_notes", "warnings", "inputs", "findings", "summary"]
    f = data["findings"][1]
    assert f["offenders"][0] == {"kind": "record", "id": "R-000002",
                                 "location": {"file": "plans/records.yaml", "line": 22, "column": 5},
                                 "detail": {"method": "onsite", "task_id": "QH-2026-002"}}
    doc = (DOCS / "report-json.md").read_text(encoding="utf-8")
    for name in data:
        assert f"`{name}`" in doc


def test_several_reports_are_an_array():
    data = json.loads(render_reports([sample_report("a.yaml"), sample_report("b.yaml")], "json", "zh"))
    assert [d["inputs"][0] for d in data] == ["a.yaml", "b.yaml"]


def test_the_json_written_in_pieces_is_the_json_of_the_report(tmp_path):
    from policy_rules.render import render_report_chunks
    from shuangsuiji_core.commands.output import write_result

    report = sample_report("a.yaml")
    assert report.findings and any(f.offenders for f in report.findings)
    pieces = list(render_report_chunks([report], "json", "zh"))
    assert len(pieces) == len(report.findings) + 2
    assert "".join(pieces) == render_report(report, "json", "zh")
    empty = report.model_copy(update={"findings": []})
    assert "".join(render_report_chunks([empty], "json", "zh")) == render_report(empty, "json", "zh")
    hostile = hostile_report()  # newlines, quotes and markup in every text field
    assert "".join(render_report_chunks([hostile], "json", "zh")) == hostile.to_json()
    two = [sample_report("a.yaml"), sample_report("b.yaml")]
    assert "".join(render_report_chunks(two, "json", "zh")) == render_reports(two, "json", "zh")
    out = tmp_path / "report.json"
    write_result(render_report_chunks([report], "json", "en"), str(out))
    assert out.read_text(encoding="utf-8") == render_report(report, "json", "en")


def test_a_piece_that_fails_leaves_no_output_file(tmp_path):
    import pytest

    from shuangsuiji_core.commands.output import write_result

    def pieces():
        yield "{\n"
        raise RuntimeError("boom")

    out = tmp_path / "report.json"
    with pytest.raises(RuntimeError):
        write_result(pieces(), str(out))
    assert list(tmp_path.iterdir()) == []


_texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=6) | st.sampled_from(
    ['"offenders": []', '\n  "offenders": []', "问题\n\"引号\"", "</script>"])
_offenders = st.lists(st.builds(
    Offender, kind=st.sampled_from(["record", "inspector"]), id=_texts,
    location=st.none() | st.builds(SourceRef, file=st.none() | _texts, line=st.none() | st.integers(1, 10**6),
                                   column=st.none() | st.integers(1, 99)),
    detail=st.dictionaries(_texts, st.none() | st.booleans() | st.integers() | _texts, max_size=3)), max_size=9)


@settings(max_examples=150, deadline=None)
@given(_offenders, _offenders, st.integers(1, 4))
def test_a_finding_written_a_few_offenders_at_a_time_is_the_json_of_the_report(first, second, at_once):
    from policy_rules.render.json_report import report_json_chunks

    report = sample_report("a.yaml")
    findings = list(report.findings)
    findings[0] = findings[0].model_copy(update={"offenders": first})
    findings[-1] = findings[-1].model_copy(update={"offenders": second})
    report = report.model_copy(update={"findings": findings})
    pieces = list(report_json_chunks(report, offenders_at_once=at_once))
    assert "".join(pieces) == report.to_json()
    # a finding of more than `at_once` offenders is written up to them, `at_once` a piece, then the rest
    cut = [len(f.offenders) for f in findings if len(f.offenders) > at_once]
    assert len(pieces) == len(findings) + 2 + sum(1 + (n + at_once - 1) // at_once for n in cut)
