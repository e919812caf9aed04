"""The JSON Lines fast path (pydantic's JSON reader, `_fast_jsonl_record`) against the
ordinary path (`json` with the duplicate-key hook, then `Record.model_validate`).

Property: for any line - valid records, records with wrong types, bad dates, unknown
keys, bad credit codes, duplicate keys, escapes, odd whitespace, broken JSON - reading
a file with the fast path gives exactly what reading it without gives: the same
records (values, types, fields set, locations) or the same problems, byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import shuangsuiji_core.loading.records as records_loader
from policy_rules.errors import InputError
from shuangsuiji_core.credit_code import CHARSET, check_digit
from shuangsuiji_core.loading import iter_records


def _valid_code(body: str) -> str:
    return body + check_digit(body)


codes = st.one_of(
    st.text(alphabet=CHARSET, min_size=17, max_size=17).map(_valid_code),
    st.text(alphabet=CHARSET, min_size=18, max_size=18),   # mostly a wrong check digit
    st.sampled_from(["9.11301E+17", "", "91130534DAP79X9L1", None, 123]),
)
dates = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat),
    st.sampled_from(["2026-02-30", "2026-2-3", "2026/05/12", " 2026-05-12", "2026-05-12T00:00:00", "20260512",
                     "", None, 20260512, 1780000000, True, "２０２６-05-12"]),
)
texts = st.one_of(st.text(max_size=8), st.sampled_from(["", "R-1", "QH-2026-001", "a:b", ":x", "x\"y", " s"]))
bools = st.sampled_from([True, False, None, 0, 1, "true", "是"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts)
extra_values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(texts, c, max_size=3),
                            max_leaves=6)


def _maybe(key: str, strategy):
    return st.one_of(st.just({}), strategy.map(lambda v: {key: v}))


def _obj(*parts):
    return st.tuples(*parts).map(lambda ds: {k: v for d in ds for k, v in d.items()})


entity = _obj(_maybe("credit_code", codes), _maybe("name", texts), _maybe("is_enterprise", bools),
              _maybe("risk_class", st.sampled_from(["A", "B", "C", "D", "E", "a", None, 1])),
              _maybe("unknown", st.just(1)))
inspector = _obj(_maybe("id", texts), _maybe("certified", bools), _maybe("drawn_randomly", bools),
                 _maybe("conflict_of_interest", bools))
follow_up = _obj(_maybe("action", st.sampled_from(["case_filed", "rectification", "none_needed", "nope", None])),
                 _maybe("recorded_on", dates), _maybe("published_on", dates))
record = _obj(
    _maybe("id", texts), _maybe("task_id", texts), _maybe("entity", st.one_of(entity, st.none(), st.just([]))),
    _maybe("inspectors", st.one_of(st.lists(inspector, max_size=3), st.none(), st.just({}))),
    _maybe("drawn_randomly", bools), _maybe("method", st.sampled_from(["onsite", "video", "x", None])),
    _maybe("inspected_on", dates), _maybe("problems_found", bools), _maybe("result_entered_on", dates),
    _maybe("result_published_on", dates), _maybe("follow_up", st.one_of(follow_up, st.none(), st.just("x"))),
    _maybe("platform", st.sampled_from(["provincial", "other", "x", None])),
    _maybe("extra", st.one_of(st.dictionaries(texts, extra_values, max_size=3), st.none(), st.just([]))),
    _maybe("bogus", st.just(True)),
)
# the shape of a real record, so that most generated lines are valid and take the fast path
valid_record = st.fixed_dictionaries({
    "id": st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=6),
    "task_id": st.sampled_from(["QH-2026-001", "QH-2026-002", "T"]),
    "entity": st.fixed_dictionaries({"credit_code": st.text(alphabet=CHARSET, min_size=17, max_size=17).map(
        _valid_code), "name": texts, "risk_class": st.sampled_from(["A", "B", "C", "D"])}),
    "inspectors": st.lists(st.fixed_dictionaries({"id": st.sampled_from(["P1", "P2", "检查员"]),
                                                  "certified": st.booleans()}), max_size=3),
    "inspected_on": st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat),
}, optional={"follow_up": follow_up, "extra": st.dictionaries(texts, extra_values, max_size=3),
             "method": st.sampled_from(["onsite", "video"]), "drawn_randomly": st.booleans()})


def _render(data: dict, style: int) -> str:
    if style == 0:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if style == 1:
        return json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    if style == 2:
        return json.dumps(data, ensure_ascii=False)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace('":', '"\t:', 1)


def _with_duplicate(line: str, key_index: int) -> str:
    """The line with one of its top-level keys written twice (the second copy wins in `json`)."""
    data = json.loads(line)
    if not isinstance(data, dict) or not data:
        return line
    key = list(data)[key_index % len(data)]
    return line[:-1] + ("," if len(data) else "") + json.dumps(key, ensure_ascii=False) + ':"dup"}'


def _outcome(path) -> tuple:
    try:
        out = []
        for r in iter_records(path):
            out.append((repr(r), repr(r.model_dump()), _fields_set(r), repr(r.location),
                        [type(v) for v in r.__dict__.values()]))
        return ("ok", out)
    except InputError as exc:
        return ("error", [repr(p) for p in exc.problems])


def _fields_set(model) -> list:
    out = [sorted(model.model_fields_set)]
    for value in model.__dict__.values():
        if hasattr(value, "model_fields_set"):
            out.append(_fields_set(value))
        elif isinstance(value, list):
            out += [_fields_set(v) for v in value if hasattr(v, "model_fields_set")]
    return out


def _both(tmp_path, lines: list[str], monkeypatch) -> tuple:
    path = tmp_path / "records.jsonl"
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass"))
    fast = _outcome(path)
    with monkeypatch.context() as m:
        m.setattr(records_loader, "_fast_jsonl_record", lambda text, raw: None)
        ordinary = _outcome(path)
    return fast, ordinary


line_variants = st.one_of(
    st.tuples(valid_record, st.integers(0, 3)).map(lambda t: _render(*t)),
    st.tuples(record, st.integers(0, 3)).map(lambda t: _render(*t)),
    st.tuples(valid_record, st.integers(0, 20)).map(lambda t: _with_duplicate(_render(t[0], 0), t[1])),
    st.tuples(valid_record, st.integers(0, 3), st.sampled_from(["", " ", ",", "}", "x"])).map(
        lambda t: _render(t[0], t[1]) + t[2]),
    st.sampled_from(['{"id":"a","extra":{"k":1,"k":2},"task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{":k":1}}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"x":NaN}}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"x":1e400}}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"x":1E2}}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"x":-0}}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","id":"b"}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","id" :"b"}',
                     '{"id":"\\u0061","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
                     '{"id":"a","\\u0069d":"b","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
                     '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"k":"x\\":y"}}',
                     '{"id":"a\\\\","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
                     '{"id":"a\\ud83d\\ude00","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
                     '{"id":"a\\ud800","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
                     '[1]', '"x"', '{', '', '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01",}']),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(lines=st.lists(line_variants, min_size=1, max_size=4))
def test_fast_path_reads_every_file_as_the_ordinary_path_does(tmp_path, monkeypatch, lines):
    fast, ordinary = _both(tmp_path, lines, monkeypatch)
    assert fast == ordinary


@settings(max_examples=300, deadline=None)
@given(data=valid_record, style=st.integers(0, 2))
def test_a_record_taken_by_the_fast_path_is_the_validated_model(data, style):
    line = _render(data, style)
    raw = line.encode()
    record = records_loader._fast_jsonl_record(line, raw)
    try:
        expected = records_loader.Record.model_validate(records_loader._JSONL_DECODER.decode(line))
    except ValidationError:
        assert record is None
        return
    if record is None:
        # left to the ordinary path only when whitespace precedes a colon, or some '":' does
        # not end a key (a string starting with a colon, an escaped quote before a colon)
        pairs = []
        json.loads(line, object_pairs_hook=lambda p: pairs.extend(p) or dict(p))
        assert b" :" in raw or raw.count(b'":') > len(pairs)
        return
    assert record == expected
    assert _fields_set(record) == _fields_set(expected)
    assert repr(record) == repr(expected)


@pytest.mark.parametrize("line", [
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","id":"b"}',
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"k":1,"k":2}}',
    '{"id":"a","task_id":"t","inspectors":[{"id":"p","id":"q"}],"inspected_on":"2026-01-01"}',
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","id"\t:"b"}',
    '{"id":"a","\\u0069d":"b","task_id":"t","inspectors":[],"inspected_on":"2026-01-01"}',
    '{"id":"a","task_id":"t","inspectors":[],"inspected_on":"2026-01-01","extra":{"k":1,"\\u006b":2}}',
])
def test_duplicate_keys_are_never_taken_by_the_fast_path(line):
    assert records_loader._fast_jsonl_record(line, line.encode()) is None


def test_the_generated_data_takes_the_fast_path():
    line = ('{"id":"R-1","task_id":"QH-2026-052","entity":{"credit_code":"%s","name":"清河县金祥超市有限公司",'
            '"is_enterprise":true,"risk_class":"A"},"inspectors":[{"id":"P00050","certified":true}],'
            '"method":"onsite","inspected_on":"2026-06-04","follow_up":{"action":"case_filed"}}'
            % _valid_code("91130534DAP79X9L1"))
    record = records_loader._fast_jsonl_record(line, line.encode())
    assert record is not None and record.entity.risk_class.value == "A"


def test_escaped_chinese_takes_the_fast_path():
    # what json.dumps writes by default (ensure_ascii): every Chinese character escaped
    line = json.dumps({"id": "R-1", "task_id": "T", "entity": {"name": "清河县金祥超市"}, "inspectors": [],
                       "inspected_on": "2026-06-04"})
    record = records_loader._fast_jsonl_record(line, line.encode())
    assert record is not None and record.entity.name == "清河县金祥超市"
