"""Property: on arbitrary text, bytes and YAML-ish documents, the loaders either return
models or raise the library's own `InputError`, never anything else."""

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_rules.errors import InputError
from policy_rules.yaml_source import load_yaml_text
from shuangsuiji_core.loading import iter_records, load_plan, load_submissions
from shuangsuiji_core.loading.csv_columns import COLUMN_ALIASES, COLUMN_KINDS

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTRACT = Path(__file__).resolve().parent / "data" / "contract"

FIELD_NAMES = sorted({"plan", "records", "submissions", "id", "year", "department", "tasks", "name", "mode",
                      "partner_departments", "sampling_ratio", "A", "B", "window", "start", "end", "waivers", "rule",
                      "reason", "adjustments", "date", "description", "task_id", "entity", "credit_code",
                      "inspectors", "certified", "inspected_on", "follow_up", "action", "kind", "period",
                      "submitted_on", "extra", "planned_households", "methods", "uses_credit_risk", "<<"})
WORDS = st.sampled_from(["yes", "no", "on", "off", "joint", "internal", "onsite", "60%", "10％", "id：QH-1", "2026-02-30",
                         "2026-05-12", "91130534MA0A1B2C3X", "91130534MA0A1B2C3Y", "", "~", "null", "1e400", "-0",
                         "&a", "*a", "!!python/object", "2026-Q1", "2026-13"])
SCALARS = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True)
           | st.text(max_size=12) | WORDS | st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
KEYS = st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=6)
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                    max_leaves=25)
TOPS = st.fixed_dictionaries({}, optional={"plan": DOCS, "records": DOCS, "submissions": DOCS}) | DOCS


def _only_input_error(call):
    try:
        result = call()
        if hasattr(result, "__next__"):
            for _ in result:
                pass
    except InputError as exc:
        assert exc.problems and all(p.message.zh and p.message.en for p in exc.problems)
        for p in exc.problems:
            p.render("zh"), p.render("en")


def _all_loaders(path: Path):
    _only_input_error(lambda: load_plan(path))
    _only_input_error(lambda: load_submissions(path))
    for fmt in ("yaml", "json", "jsonl", "csv"):
        _only_input_error(lambda fmt=fmt: iter_records(path, fmt))


def _in_file(content: bytes, suffix: str):
    tmp = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    tmp.write(content)
    tmp.close()
    return Path(tmp.name)


@FUZZ
@given(st.text(max_size=300))
def test_raw_reader_on_arbitrary_text(text):
    _only_input_error(lambda: load_yaml_text(text, "f.yaml"))


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("[]{}:-,&*!|>'\"#%@` \n\t?<ab1：％")), max_size=200))
def test_raw_reader_on_yaml_punctuation(text):
    _only_input_error(lambda: load_yaml_text(text, "f.yaml"))


@FUZZ
@given(st.binary(max_size=400))
def test_every_loader_on_arbitrary_bytes(content):
    path = _in_file(content, ".dat")
    try:
        _all_loaders(path)
    finally:
        path.unlink()


@FUZZ
@given(TOPS, st.sampled_from(["yaml", "json", "jsonl"]))
def test_every_loader_on_arbitrary_documents(doc, dump):
    if dump == "yaml":
        text = yaml.safe_dump(doc, allow_unicode=True)
    elif dump == "json":
        text = json.dumps(doc, ensure_ascii=False, default=str)
    else:
        items = doc if isinstance(doc, list) else [doc]
        text = "\n".join(json.dumps(i, ensure_ascii=False, default=str) for i in items)
    path = _in_file(text.encode("utf-8"), "." + dump)
    try:
        _all_loaders(path)
    finally:
        path.unlink()


def _set(data, path, value):
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


@FUZZ
@given(st.sampled_from(["plan", "records", "submissions"]), st.data())
def test_contract_examples_with_one_value_replaced(kind, data):
    doc = yaml.safe_load((CONTRACT / f"{kind}.yaml").read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    _set(doc, path, data.draw(DOCS))
    text = yaml.safe_dump(doc, allow_unicode=True)
    file = _in_file(text.encode("utf-8"), ".yaml")
    try:
        loader = {"plan": load_plan, "submissions": load_submissions, "records": iter_records}[kind]
        _only_input_error(lambda: loader(file))
    finally:
        file.unlink()


CSV_HEADERS = st.lists(st.sampled_from(sorted(COLUMN_KINDS) + sorted(COLUMN_ALIASES) + ["extra.x", "colour", ""]),
                       min_size=1, max_size=8)
CELLS = st.text(max_size=10) | WORDS | st.sampled_from(["P1;P2", "true;false", "是", "2026/5/12", "true;", ";"])


@FUZZ
@given(CSV_HEADERS, st.lists(st.lists(CELLS, max_size=9), max_size=4), st.sampled_from(["utf-8", "gb18030"]))
def test_csv_loader_on_arbitrary_tables(header, rows, encoding):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    try:
        content = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        content = buf.getvalue().encode("utf-8")
    path = _in_file(content, ".csv")
    try:
        _only_input_error(lambda: iter_records(path))
    finally:
        path.unlink()


@FUZZ
@given(st.lists(st.sampled_from(list('[]{}:,"\\ \n\t-0123456789.eEtrufalsn') + ["\\u", "\\ud83d"]),
                max_size=120).map("".join))
def test_json_reader_on_json_punctuation(text):
    _only_input_error(lambda: load_yaml_text(text, "f.json", syntax="json"))


@FUZZ
@given(DOCS)
def test_json_reader_reads_what_json_dumps_writes(doc):
    text = json.dumps(doc, default=str)
    if "NaN" in text or "Infinity" in text:
        return  # not JSON, though Python writes it
    try:
        got = load_yaml_text(text, "f.json", syntax="json").data
    except InputError as exc:
        assert {p.code for p in exc.problems} <= {"yaml.duplicate_key", "yaml.too_deep"}
        return
    expected = json.loads(text)
    # the located reader turns ISO dates into dates only in YAML; JSON text stays text
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


def _scalar_paths(data, prefix=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _scalar_paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _scalar_paths(v, prefix + (i,))
    else:
        yield prefix, data


@FUZZ
@given(DOCS, st.sampled_from(["json", "yaml"]))
def test_every_position_points_at_its_value(doc, syntax):
    text = json.dumps(doc, default=str, ensure_ascii=False, indent=2)
    if "NaN" in text or "Infinity" in text:
        return
    try:
        located = load_yaml_text(text, "f", syntax=syntax)
    except InputError:
        return  # duplicate keys after str() of dates, depth: refused, which other tests cover
    lines = text.split("\n")
    for path, value in _scalar_paths(json.loads(text)):
        loc = located.locate(path)
        written = json.dumps(value, ensure_ascii=False)
        assert lines[loc.line - 1][loc.column - 1:].startswith(written), (path, loc, written)
