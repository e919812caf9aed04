"""Records in YAML, JSON, JSON Lines and CSV: the same records whatever the format,
streamed, each located, and every malformed case refused with a located problem."""

import csv
import io
import itertools
import json
import tracemalloc

import pytest

from policy_rules.errors import InputError
from policy_rules.yaml_source import load_yaml_text
from shuangsuiji_core.loading import iter_records, records_from_document
from shuangsuiji_core.loading.csv_columns import COLUMN_ALIASES, COLUMN_KINDS, VALUE_LABELS

GOOD = "91130534MA0A1B2C3X"
BAD_CHECK = "91130534MA0A1B2C3Y"


@pytest.fixture
def contract_record(contract_dir):
    return load_yaml_text((contract_dir / "records.yaml").read_text(encoding="utf-8")).data["records"][0]


def as_json(record):
    return json.loads(json.dumps(record, ensure_ascii=False, default=str))


def csv_row(record):
    """DATA.md's flattening: dots for nested fields, `;` for inspectors and their flags."""
    row = {}
    for key, value in record.items():
        if key == "inspectors":
            row["inspectors"] = ";".join(i["id"] for i in value)
            for flag in ("certified", "drawn_randomly", "conflict_of_interest"):
                row[f"inspectors.{flag}"] = ";".join(str(i[flag]).lower() for i in value)
        elif isinstance(value, dict):
            for k, v in value.items():
                row[f"{key}.{k}"] = "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        else:
            row[key] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return row


def write_csv(path, rows, encoding="utf-8", header=None):
    header = header or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def refused(path, fmt=None):
    with pytest.raises(InputError) as info:
        list(iter_records(path, fmt))
    for p in info.value.problems:
        assert p.location.file == str(path) and p.message.zh and p.message.en
    return info.value.problems


def test_the_same_records_in_every_format(tmp_path, contract_dir, contract_record):
    expected = [r.model_dump() for r in iter_records(contract_dir / "records.yaml")]
    rec = as_json(contract_record)
    (tmp_path / "r.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "list.json").write_text(json.dumps([rec], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "obj.json").write_text(json.dumps({"records": [rec]}, ensure_ascii=False, indent=2),
                                       encoding="utf-8")
    write_csv(tmp_path / "r.csv", [csv_row(contract_record)])
    write_csv(tmp_path / "gbk.csv", [csv_row(contract_record)], encoding="gb18030")
    for name in ("r.jsonl", "list.json", "obj.json", "r.csv", "gbk.csv"):
        got = [r.model_dump() for r in iter_records(tmp_path / name)]
        assert got == expected, name


def test_locations_per_format(tmp_path, contract_record):
    rec = as_json(contract_record)
    lines = [json.dumps(dict(rec, id=f"R-{i}"), ensure_ascii=False) for i in range(3)]
    (tmp_path / "r.jsonl").write_text("\n".join([lines[0], "", lines[1], lines[2]]) + "\n", encoding="utf-8")
    assert [r.location.line for r in iter_records(tmp_path / "r.jsonl")] == [1, 3, 4]
    rows = [dict(csv_row(contract_record), id=f"R-{i}") for i in range(3)]
    rows[1]["entity.name"] = "两行\n名称"  # a quoted cell spanning two lines
    write_csv(tmp_path / "r.csv", rows)
    assert [r.location.line for r in iter_records(tmp_path / "r.csv")] == [2, 3, 5]


def test_format_given_explicitly_and_unknown(tmp_path, contract_record):
    f = tmp_path / "records.txt"
    f.write_text(json.dumps(as_json(contract_record), ensure_ascii=False) + "\n", encoding="utf-8")
    assert len(list(iter_records(f, "jsonl"))) == 1
    assert refused(tmp_path / "x.xlsx")[0].code == "records.format"
    assert "CSV UTF-8" in refused(tmp_path / "x.xlsx")[0].message.zh
    assert refused(f, "xml")[0].code == "records.format"


# -- CSV --------------------------------------------------------------------------------

def test_csv_chinese_labels_values_and_excel_dates(tmp_path):
    text = ("记录编号,任务编号,统一社会信用代码,企业名称,是否企业,信用风险等级,检查人员,检查人员是否持证,"
            "检查人员是否随机抽取,检查日期,检查方式,是否发现问题,后续处置,处置公示日期,录入平台\n"
            f"R1,T1,{GOOD},清河超市,是,C,P1、P2,是；否,1;0,2026/5/9,现场检查,否,责令整改,2026/6/1,省双随机平台\n")
    f = tmp_path / "r.csv"
    f.write_bytes(text.encode("gb18030"))
    [r] = iter_records(f)
    assert r.entity.name == "清河超市" and r.entity.risk_class.value == "C" and r.entity.is_enterprise is True
    assert [(i.id, i.certified, i.drawn_randomly) for i in r.inspectors] == [("P1", True, True), ("P2", False, False)]
    assert r.inspected_on.isoformat() == "2026-05-09" and r.method.value == "onsite" and r.problems_found is False
    assert r.follow_up.action.value == "rectification" and r.follow_up.published_on.isoformat() == "2026-06-01"
    assert r.platform.value == "provincial"


def test_csv_utf8_bom_tabs_and_extra_columns(tmp_path):
    f = tmp_path / "r.tsv"
    f.write_bytes(b"\xef\xbb\xbf" + "id\ttask_id\tinspectors\tinspected_on\textra.科室\nR1\tT1\tP1\t2026-05-12\t食品科\n"
                  .encode("utf-8"))
    [r] = iter_records(f)
    assert r.id == "R1" and r.extra == {"科室": "食品科"}


def test_csv_header_problems(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,task_id,检查日期,inspected_on,colour\nR1,T1,2026-05-12,2026-05-12,x\n", encoding="utf-8")
    ps = refused(f)
    assert [(p.code, p.location.line, p.location.column) for p in ps] == [
        ("csv.duplicate_column", 1, 4), ("csv.unknown_column", 1, 5), ("csv.missing_column", 1, 1)]
    assert "inspectors" in ps[2].message.en


def test_csv_cell_problems_are_located_by_column(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,task_id,entity.credit_code,inspectors,inspectors.certified,inspected_on,drawn_randomly,method\n"
                 f"R1,T1,{BAD_CHECK},P1;P2,true,2026-02-30,yes,onsite\n"
                 f"R2,T1,{GOOD},P1,true,2026-05-12,true,onsite,surplus\n", encoding="utf-8")
    ps = refused(f)
    got = [(p.code, p.location.line, p.location.column) for p in ps]
    assert got == [("csv.inspector_flags", 2, 5), ("record.credit_code", 2, 3), ("schema.type", 2, 7),
                   ("schema.impossible_date", 2, 6), ("csv.row_length", 3, 9)]
    assert "GB 32100-2015" in ps[1].message.zh and "“X”" in ps[1].message.zh


def test_csv_gb18030_detected_beyond_the_first_rows(tmp_path):
    rows = [{"id": f"R{i}", "task_id": "T", "entity.name": "清河县某某超市有限公司", "inspectors": "P1",
             "inspected_on": "2026-05-12"} for i in range(30_000)]
    f = write_csv(tmp_path / "r.csv", rows, encoding="gb18030")
    assert f.stat().st_size > 1024 * 1024
    assert sum(1 for _ in iter_records(f)) == 30_000


def test_csv_mixed_encoding_says_which_line(tmp_path):
    head = "id,task_id,entity.name,inspectors,inspected_on\n" + "".join(
        f"R{i},T,name{i:0100d},P1,2026-05-12\n" for i in range(12_000))
    assert len(head) > 1024 * 1024
    f = tmp_path / "r.csv"
    f.write_bytes(head.encode() + "R-x,T,清河,P1,2026-05-12\n".encode("utf-8")
                  + "R-y,T,清河,P1,2026-05-12\n".encode("gb18030"))
    ps = refused(f)
    assert ps[-1].code == "file.encoding" and (ps[-1].location.line, ps[-1].location.column) == (12_003, 7)
    assert "CSV UTF-8" in ps[-1].message.zh


def test_csv_neither_utf8_nor_gb18030_and_utf16(tmp_path):
    f = tmp_path / "r.csv"
    f.write_bytes("id,task_id\n".encode("utf-16"))
    assert refused(f)[0].code == "file.encoding"
    f.write_bytes(b"id,task_id\n\x81\x20\x81\x20\xff\xff\n")
    assert refused(f)[0].code == "file.encoding"


@pytest.mark.parametrize("name", ["r.csv", "r.jsonl", "r.yaml", "r.json"])
def test_empty_records_files(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"")
    assert refused(f)[0].code == "file.empty"


# -- JSON Lines -------------------------------------------------------------------------

def test_jsonl_problems(tmp_path):
    ok = {"id": "R1", "task_id": "T1", "inspectors": [{"id": "P1"}], "inspected_on": "2026-05-12"}
    lines = [
        json.dumps(ok),
        '{"id": "R2", "id": "R3", "task_id": "T1", "inspectors": [], "inspected_on": "2026-05-12"}',
        "[1, 2]",
        '{"id": "R4",',
        json.dumps(dict(ok, id="R5", entity={"credit_code": BAD_CHECK})),
        json.dumps(dict(ok, id="R6", colour="red")),
        json.dumps(dict(ok, id="R1")),
    ]
    f = tmp_path / "r.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ps = refused(f)
    assert [(p.code, p.location.line) for p in ps] == [
        ("json.duplicate_key", 2), ("jsonl.not_object", 3), ("json.syntax", 4), ("record.credit_code", 5),
        ("schema.unknown_field", 6), ("records.duplicate_id", 7)]
    assert ps[3].location.column == lines[4].index(BAD_CHECK)  # the opening quote of the value
    assert ps[4].location.column == lines[5].index('"colour"') + 1
    assert "第 1 行开始的记录" in ps[5].message.zh


def test_jsonl_line_not_utf8(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_bytes('{"id": "R1", "task_id": "清河"}\n'.encode("gb18030"))
    p = refused(f)[0]
    assert p.code == "file.encoding" and p.location.line == 1


def test_no_record_after_the_first_problem_and_at_most_50_problems(tmp_path):
    ok = {"task_id": "T1", "inspectors": [], "inspected_on": "2026-05-12"}
    lines = [json.dumps(dict(ok, id="R0"))] + [json.dumps(dict(ok, id=f"R{i}", inspected_on="x"))
                                               for i in range(1, 200)] + [json.dumps(dict(ok, id="R-last"))]
    f = tmp_path / "r.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = []
    with pytest.raises(InputError) as info:
        for r in iter_records(f):
            seen.append(r.id)
    assert seen == ["R0"]
    assert len(info.value.problems) == 51 and info.value.problems[-2].location.line == 51
    assert info.value.problems[-1].code == "file.more_problems" and info.value.problems[-1].location.line == 51


def test_streamed_reading_stops_where_the_reader_stops(tmp_path):
    ok = {"task_id": "T1", "inspectors": [], "inspected_on": "2026-05-12"}
    f = tmp_path / "r.jsonl"
    f.write_text("".join(json.dumps(dict(ok, id=f"R{i}")) + "\n" for i in range(10)) + "{broken\n",
                 encoding="utf-8")
    assert [r.id for r in itertools.islice(iter_records(f), 3)] == ["R0", "R1", "R2"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_memory_stays_bounded(tmp_path, contract_record, fmt):
    n = 20_000
    if fmt == "jsonl":
        rec = as_json(contract_record)
        f = tmp_path / "r.jsonl"
        with f.open("w", encoding="utf-8") as out:
            for i in range(n):
                out.write(json.dumps(dict(rec, id=f"R-{i:07d}"), ensure_ascii=False) + "\n")
    else:
        row = csv_row(contract_record)
        f = write_csv(tmp_path / "r.csv", [dict(row, id=f"R-{i:07d}") for i in range(n)])
    size = f.stat().st_size
    tracemalloc.start()
    count = sum(1 for _ in iter_records(f))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    # what is kept is one id per record (for duplicates), not the file or the records
    assert peak < 300 * n and peak < size, (peak, size)


# -- YAML and JSON documents ------------------------------------------------------------

def test_yaml_records_problems(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text("records:\n  - id: R1\n    task_id: T1\n    inspectors: []\n    inspected_on: 2026-05-12\n"
                 "    drawn_randomly: no\n    entity: {credit_code: %s}\n  - id: R1\n    task_id: T1\n"
                 "    inspectors: []\n    inspected_on: 2026-05-12\nextra: 1\n" % BAD_CHECK, encoding="utf-8")
    ps = refused(f)
    assert [(p.code, p.location.line) for p in ps] == [
        ("record.credit_code", 7), ("schema.yaml11_bool", 6), ("records.duplicate_id", 8),
        ("schema.unknown_field", 12)]


def test_json_records_object_with_other_key(tmp_path):
    f = tmp_path / "r.json"
    f.write_text('{"record": []}', encoding="utf-8")
    assert {p.code for p in refused(f)} == {"schema.unknown_field", "schema.missing"}
    f.write_text('"records"', encoding="utf-8")
    assert refused(f)[0].code == "file.top_level"


def test_records_from_document():
    doc = load_yaml_text("case:\n  records:\n    - {id: R1, task_id: T, inspectors: [], inspected_on: 2026-05-12}\n"
                         "    - {id: R1, task_id: T, inspectors: [], inspected_on: 2026-05-12}\n", "t.yaml")
    with pytest.raises(InputError) as info:
        records_from_document(doc, prefix=("case", "records"))
    assert info.value.first.code == "records.duplicate_id" and info.value.first.location.line == 4
    ok = load_yaml_text("records:\n  - {id: R1, task_id: T, inspectors: [], inspected_on: 2026-05-12}\n", "t.yaml")
    [r] = records_from_document(ok, prefix=("records",))
    assert r.location.line == 2


def test_every_csv_label_and_value_is_documented():
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "records-csv.md").read_text(encoding="utf-8")
    missing = [k for k in list(COLUMN_KINDS) + list(COLUMN_ALIASES) if f"`{k}`" not in doc]
    missing += [v for labels in VALUE_LABELS.values() for v in labels if f"`{v}`" not in doc]
    assert missing == []


def test_csv_empty_inspectors_cell_means_nobody_recorded(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,task_id,inspectors,inspectors.certified,inspected_on\nR1,T1,,,2026-05-12\n"
                 "R2,T1,,true,2026-05-12\n", encoding="utf-8")
    [p] = refused(f)
    assert p.code == "csv.inspector_flags" and p.location.line == 3
    f.write_text("id,task_id,inspectors,inspected_on\nR1,T1,,2026-05-12\n", encoding="utf-8")
    [r] = iter_records(f)
    assert r.inspectors == []


def test_credit_code_mangled_by_excel_is_explained(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,task_id,统一社会信用代码,inspectors,inspected_on\nR1,T1,9.11301E+17,P1,2026-05-12\n",
                 encoding="utf-8")
    [p] = refused(f)
    assert p.code == "record.credit_code" and "科学计数法" in p.message.zh and "Text" in p.message.en
    assert (p.location.line, p.location.column) == (2, 3)


def test_jsonl_line_nested_too_deep(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text('{"id": "R1", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    [p] = refused(f)
    assert p.code == "json.syntax" and "嵌套过深" in p.message.zh and p.location.line == 1
