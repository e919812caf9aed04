"""`RecordSource.units` (rows straight to fact units, fast_rows) against the old path
(every row validated into a pydantic `Record`, then `RecordFacts.units`).

Property: for any JSON Lines or CSV file - valid records, wrong types, bad dates,
unknown keys, bad credit codes, duplicate keys and ids, blank lines, a BOM, Chinese
labels and values, GB18030 - both give the same units (values, types, refs with their
locations, order), the same builder state, the same progress calls, or the same
`InputError` after the same units."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fast_path_jsonl import _render, _valid_code, _with_duplicate, codes, dates, line_variants, valid_record

from policy_rules.errors import InputError
from shuangsuiji_core.credit_code import CHARSET
from shuangsuiji_core.facts import RecordFacts, StreamState
from shuangsuiji_core.loading import iter_records
from shuangsuiji_core.loading.jsonl_rows import line_values

PERIOD = (dt.date(2026, 3, 1), dt.date(2026, 10, 31))
FILTERS = [None, lambda f: f.get("certified") is False or f.get("conflict_of_interest") is True]


def _builder(variant: int) -> RecordFacts:
    return RecordFacts(None, PERIOD if variant & 1 else None, bool(variant & 2), StreamState(),
                       FILTERS[1] if variant & 4 else None)


def _run(units, builder, lines: list) -> tuple:
    out = []
    try:
        for u in units:
            out.append(u)
        outcome = ("ok",)
    except InputError as exc:
        outcome = ("error", exc.problems)
    return (outcome, out, lines, builder.records, builder.outside_period, vars(builder.state))


def _old(path, variant: int) -> tuple:
    builder, lines = _builder(variant), []

    def reported(records):
        for r in records:
            lines.append(r.location.line)
            yield r
    return _run(builder.units(reported(iter(iter_records(path)))), builder, lines)


def _new(path, variant: int) -> tuple:
    builder, lines = _builder(variant), []
    return _run(iter_records(path).units(builder, lines.append), builder, lines)


def _same(path, variant: int) -> tuple:
    new, old = _new(path, variant), _old(path, variant)
    assert new == old
    return new


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(line_variants, st.sampled_from(["", "  ", "\t"])), min_size=1, max_size=5),
       bom=st.booleans(), variant=st.integers(0, 7))
def test_jsonl_units_equal_the_old_path(tmp_path, lines, bom, variant):
    path = tmp_path / "records.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "".join(line + "\n" for line in lines).encode(
        "utf-8", "surrogatepass"))
    _same(path, variant)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(valid_record, min_size=1, max_size=8), style=st.integers(0, 2), variant=st.integers(0, 7),
       repeat=st.integers(0, 10))
def test_valid_jsonl_takes_the_fast_path_with_repeated_ids(tmp_path, records, style, variant, repeat):
    lines = [_render(r, style) for r in records]
    if repeat < len(lines) and len(lines) > 1:
        lines.append(lines[repeat])  # a repeated id: told with the line of the first use
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _same(path, variant)


# -- CSV --------------------------------------------------------------------------------

LABELS = {"id": ["id", "记录编号"], "task_id": ["task_id", "任务编号"], "entity.credit_code": ["统一社会信用代码"],
          "entity.name": ["entity.name", "主体名称"], "entity.is_enterprise": ["是否企业"],
          "entity.risk_class": ["风险等级"], "inspectors": ["inspectors", "检查人员"],
          "inspectors.certified": ["检查人员是否持证"], "inspectors.conflict_of_interest": ["inspectors.conflict_of_interest"],
          "drawn_randomly": ["是否随机抽取"], "method": ["检查方式"], "inspected_on": ["inspected_on", "检查日期"],
          "problems_found": ["是否发现问题"], "result_published_on": ["结果公示日期"], "follow_up.action": ["处置措施"],
          "follow_up.recorded_on": ["处置录入日期"], "platform": ["平台"], "extra.note": ["extra.note"]}
cell_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
bool_cells = st.sampled_from(["true", "false", "是", "否", "1", "0", " true", "", "yes", "TRUE"])
date_cells = st.one_of(dates.map(lambda d: d if isinstance(d, str) else ""),
                       st.sampled_from(["2026/5/12", "2026.05.12", " 2026-05-12 ", "2026-06-31"]))
CELLS = {
    "id": st.one_of(st.sampled_from(["R-1", "R-2", "R-3", " R-1", ""]), cell_text),
    "task_id": st.sampled_from(["T-1", "T-2", "", " T-1"]),
    "entity.credit_code": st.one_of(codes.map(lambda c: c if isinstance(c, str) else "")),
    "entity.name": cell_text, "entity.is_enterprise": bool_cells,
    "entity.risk_class": st.sampled_from(["A", "B", "D", "E", "", "a"]),
    "inspectors": st.sampled_from(["P1", "P1;P2", "P1；P2", "P1、 P2", "", " ", "P1;;P2", "P1; "]),
    "inspectors.certified": st.sampled_from(["true", "true;false", "是;否", "", "x;1", "1"]),
    "inspectors.conflict_of_interest": st.sampled_from(["false", "false;true", "", "0;0;0"]),
    "drawn_randomly": bool_cells, "problems_found": bool_cells,
    "method": st.sampled_from(["onsite", "现场检查", "视频", "video", "", "x", " onsite"]),
    "inspected_on": date_cells, "result_published_on": date_cells, "follow_up.recorded_on": date_cells,
    "follow_up.action": st.sampled_from(["case_filed", "责令整改", "", "nope"]),
    "platform": st.sampled_from(["provincial", "省级平台", "其他", "", "x"]),
    "extra.note": cell_text,
}


@st.composite
def csv_files(draw) -> tuple[bytes, str]:
    required = ["id", "task_id", "inspectors", "inspected_on"]
    optional = draw(st.lists(st.sampled_from(sorted(set(CELLS) - set(required))), unique=True, max_size=10))
    columns = draw(st.permutations(required + optional))
    header = [draw(st.sampled_from(LABELS[c])) if c in LABELS else c for c in columns]
    rows = draw(st.lists(st.fixed_dictionaries({c: CELLS[c] for c in columns}), min_size=1, max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[c] for c in columns] + draw(st.sampled_from([[], [""], ["surplus"]])))
        if draw(st.booleans()):
            out.write(draw(st.sampled_from(["\n", ",,,\n"])))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return out.getvalue().encode(encoding), encoding


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=csv_files(), variant=st.integers(0, 7))
def test_csv_units_equal_the_old_path(tmp_path, data, variant):
    path = tmp_path / "records.csv"
    path.write_bytes(data[0])
    _same(path, variant)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(alphabet="清河县超市ab", max_size=5), min_size=1, max_size=6), variant=st.integers(0, 7))
def test_valid_csv_in_gb18030_takes_the_fast_path(tmp_path, names, variant):
    lines = ["记录编号,任务编号,统一社会信用代码,主体名称,检查人员,检查人员是否持证,检查方式,检查日期,是否发现问题"]
    for n, name in enumerate(names):
        code = _valid_code("91130534DAP79X9L" + CHARSET[n % 31])
        lines.append(f"R-{n},T-{n % 2},{code},{name},P1;P{n},true;false,现场检查,2026/{n % 12 + 1}/3,否")
    path = tmp_path / "records.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    outcome, units, *_ = _same(path, variant)
    assert outcome == ("ok",) and len(units) + _builder(variant).outside_period <= len(names)


# -- the canonical case, directly -----------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(data=valid_record, style=st.integers(0, 2))
def test_canonical_records_are_taken(data, style):
    from pydantic import ValidationError

    from shuangsuiji_core.facts import record_values as from_model
    from shuangsuiji_core.records import Record
    line = _render(data, style)
    values = line_values(line.encode())
    try:
        record = Record.model_validate(data)
    except ValidationError:
        assert values is None
        return
    if values is None:
        # left to the ordinary path only when some '":' does not end a key (a string
        # starting with a colon, an escaped quote before a colon), `extra` holds what
        # only Python's reader takes (Infinity), or the model takes a date not written
        # exactly YYYY-MM-DD (2026-05-12T00:00:00)
        pairs = []
        json.loads(line, object_pairs_hook=lambda p: pairs.extend(p) or dict(p))
        dates = [v for k, v in pairs if k.endswith("_on")]
        assert (line.count('":') > len(pairs) or "Infinity" in line
                or not all(isinstance(d, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", d) for d in dates))
        return
    assert values == from_model(record)
    assert [type(v) for v in values] == [type(v) for v in from_model(record)]


@pytest.mark.parametrize("change", [
    {"id": ""}, {"task_id": 1}, {"inspected_on": "2026-5-01"}, {"inspected_on": "2026-02-30"},
    {"inspected_on": "２０２６-05-12"}, {"method": "ONSITE"}, {"drawn_randomly": 1}, {"bogus": 1},
    {"entity": None}, {"entity": {"is_enterprise": None}}, {"entity": {"credit_code": "91130534DAP79X9L10"}},
    {"entity": {"risk_class": "a"}}, {"inspectors": [{"id": "p", "x": 1}]}, {"inspectors": [{"certified": True}]},
    {"inspectors": [{"id": ""}]}, {"follow_up": {}}, {"follow_up": {"action": "case_filed", "recorded_on": "x"}},
    {"extra": None}, {"inspectors": None}, {"platform": ["provincial"]}, {"extra": {"x": float("inf")}},
    {"inspected_on": "2026-05-12T00:00:00"},
])
def test_anything_not_canonical_takes_the_model(change):
    data = {"id": "R-1", "task_id": "T", "inspectors": [{"id": "P1"}], "inspected_on": "2026-05-12"}
    assert line_values(json.dumps(data).encode()) is not None
    assert line_values(json.dumps({**data, **change}, ensure_ascii=False).encode()) is None


@pytest.mark.parametrize("line", [
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","id":"b"}',
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"k":1,"k":2}}',
    '{"id":"a","task_id":"t","inspectors":[{"id":"p","id":"q"}],"inspected_on":"2026-01-01"}',
    '{"id":"a","task_id":"t","entity":{"name":"x","name":"y"},"inspectors":[],"inspected_on":"2026-01-01"}',
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","follow_up":{"action":"none_needed",'
    '"action":"rectification"}}',
    '{"id":"a","\\u0069d":"b","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"k":1,"\\u006b":2}}',
])
def test_duplicate_keys_are_never_taken_by_the_fast_path(line):
    assert line_values(line.encode()) is None


def test_the_benchmark_shape_takes_the_fast_path(tmp_path):
    line = json.dumps({"id": "R-1", "task_id": "QH-2026-052", "entity": {
        "credit_code": _valid_code("91130534DAP79X9L1"), "name": "清河县金祥超市有限公司", "is_enterprise": True,
        "risk_class": "A"}, "inspectors": [{"id": "P00050", "certified": True, "drawn_randomly": True,
                                            "conflict_of_interest": False}], "drawn_randomly": True,
        "method": "onsite", "inspected_on": "2026-06-04", "problems_found": True, "follow_up": {
            "action": "case_filed", "recorded_on": "2026-06-16"}, "platform": "provincial"},
        ensure_ascii=False, separators=(",", ":"))
    path = tmp_path / "records.jsonl"
    path.write_text(line + "\n" + _with_duplicate(line, 3) + "\n", encoding="utf-8")
    source = iter_records(path)
    from shuangsuiji_core.loading.records import raw_items
    kinds = [type(item[0]).__name__ for item in raw_items(str(path), str(path), "jsonl", fast=True)]
    assert kinds == ["tuple", "NoneType"]  # the line with a repeated key goes the ordinary way, which refuses it
    with pytest.raises(InputError) as exc:
        list(source.units(_builder(3)))
    assert [p.code for p in exc.value.problems] == ["json.duplicate_key"]
