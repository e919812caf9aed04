"""Reading the two directories: formats, encodings, exact located errors, snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_rules.errors import InputError
from shuangsuiji_core.draw.directories import (EntitySnapshot, canonical_entity, code_ok, iter_entities,
                                               load_inspectors)
from shuangsuiji_core.credit_code import CHARSET, is_valid_credit_code
from shuangsuiji_core.draw.source_files import inspect_file
from shuangsuiji_core.draw.synthetic import credit_code, entity_rows

CODE0, CODE1, CODE2 = credit_code(0), credit_code(1), credit_code(2)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def snapshot_of(path: Path):
    info = inspect_file(path)
    snap = EntitySnapshot()
    rows = list(iter_entities(path, info, snapshot=snap))
    return rows, snap.finish(info), info


def error_of(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


@given(st.text(alphabet=CHARSET + "IOZSVa -", min_size=17, max_size=19))
@settings(max_examples=300)
def test_fast_check_digit_agrees_with_the_reference(text):
    assert code_ok(text) == is_valid_credit_code(text)


def test_csv_with_chinese_headers_and_tags(tmp_path):
    f = write(tmp_path / "e.csv", "统一社会信用代码,名称,信用风险分类,行业,标签,extra.备注\n"
                                  f"{CODE0},甲超市,B,食品销售,连锁；夜市;连锁,x\n{CODE1},乙饭店,,餐饮服务,,\n\n")
    rows = list(iter_entities(f))
    assert rows[0].tags == ("夜市", "连锁") and rows[0].risk_class == "B" and rows[0].line == 2
    assert rows[1].risk_class is None and rows[1].tags == () and rows[1].industry == "餐饮服务"


def test_gbk_csv_reads_the_same_as_utf8(tmp_path):
    text = f"credit_code,name,risk_class,industry,tags\n{CODE0},清河县甲超市,A,食品销售,连锁\n"
    u = write(tmp_path / "u.csv", text)
    g = write(tmp_path / "g.csv", text, "gbk")
    b = write(tmp_path / "b.csv", "\ufeff" + text)
    ru, su, iu = snapshot_of(u)
    rg, sg, ig = snapshot_of(g)
    rb, sb, ib = snapshot_of(b)
    assert [r[:5] for r in ru] == [r[:5] for r in rg] == [r[:5] for r in rb]
    assert su.canonical_sha256 == sg.canonical_sha256 == sb.canonical_sha256
    assert (iu.encoding, ig.encoding, ib.encoding) == ("utf-8", "gb18030", "utf-8-sig")
    assert iu.sha256 != ig.sha256  # the raw hash is of the bytes, for information


def test_undecodable_file_says_where_and_what_to_do(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_bytes(b"credit_code,name\n" + CODE0.encode() + b",ab\x80\xff\xfe\n")
    err = error_of(inspect_file, f)
    assert err.first.code == "file.encoding"
    assert (err.first.location.line, err.first.location.column) == (2, 22)
    assert "UTF-8" in err.render("zh") and "另存为" in err.render("zh") and "save it again as UTF-8" in err.render("en")


def test_forced_encoding_that_does_not_fit(tmp_path):
    f = write(tmp_path / "g.csv", f"credit_code,name\n{CODE0},清河\n", "gbk")
    err = error_of(inspect_file, f, "utf-8")
    assert err.first.code == "file.encoding" and err.first.location.line == 2


def test_bad_credit_code_is_located(tmp_path):
    bad = CODE1[:17] + ("0" if CODE1[17] != "0" else "1")
    f = write(tmp_path / "e.csv", f"credit_code,name,risk_class\n{CODE0},甲,A\n{bad},乙,B\n")
    err = error_of(list, iter_entities(f))
    p = err.first
    assert (p.code, p.location.line, p.location.column, p.path) == ("directory.credit_code", 3, 1, ("credit_code",))
    assert "校验位" in err.render("zh") and "check digit" in err.render("en") and bad in err.render("zh")


def test_unknown_column_and_missing_column(tmp_path):
    f = write(tmp_path / "e.csv", f"credit_code,name,risk_clas\n{CODE0},甲,A\n")
    err = error_of(list, iter_entities(f))
    assert err.first.code == "directory.unknown_column" and err.first.location.column == 18
    f = write(tmp_path / "e2.csv", f"credit_code,risk_class\n{CODE0},A\n")
    assert error_of(list, iter_entities(f)).first.code == "directory.missing_column"


def test_bad_risk_class_and_row_width(tmp_path):
    f = write(tmp_path / "e.csv", f"credit_code,name,risk_class\n{CODE0},甲,E\n{CODE1},乙\n")
    err = error_of(list, iter_entities(f))
    assert [p.code for p in err.problems] == ["directory.risk_class", "directory.row_width"]
    assert [p.location.line for p in err.problems] == [2, 3]


def test_duplicate_credit_codes_name_both_lines(tmp_path):
    f = write(tmp_path / "e.csv", f"credit_code,name\n{CODE0},甲\n{CODE1},乙\n{CODE0},丙\n")
    info = inspect_file(f)
    snap = EntitySnapshot()
    list(iter_entities(f, info, snapshot=snap))
    from shuangsuiji_core.draw.directories import entity_lines
    err = error_of(snap.finish, info, lambda c: entity_lines(str(f), info, c), str(f))
    assert err.first.code == "directory.duplicate_credit_code" and "2、4" in err.render("zh")


def test_too_many_problems_stop_reading(tmp_path):
    lines = "".join(f"{CODE0[:17]}?,x\n" for _ in range(100))
    f = write(tmp_path / "e.csv", "credit_code,name\n" + lines)
    err = error_of(list, iter_entities(f))
    assert len(err.problems) == 21 and err.problems[-1].code == "file.too_many_problems"


def test_jsonl_entities(tmp_path):
    f = write(tmp_path / "e.jsonl", json.dumps({"credit_code": CODE0, "name": "甲", "risk_class": "C", "tags": ["连锁"]},
                                               ensure_ascii=False) + "\n\n" +
              json.dumps({"credit_code": CODE1, "name": "乙", "extra": {"x": 1}}, ensure_ascii=False) + "\n")
    rows = list(iter_entities(f))
    assert [(r.credit_code, r.risk_class, r.tags, r.line) for r in rows] == [(CODE0, "C", ("连锁",), 1), (CODE1, None, (), 3)]
    first = '{"credit_code": "%s", "name": "甲", "riskclass": "A"}' % CODE0
    f = write(tmp_path / "bad.jsonl", first + '\n{"name": 3}\n')
    err = error_of(list, iter_entities(f))
    codes = [(p.code, p.location.line) for p in err.problems]
    assert ("directory.unknown_field", 1) in codes and ("directory.missing_field", 2) in codes
    assert err.problems[0].location.column == first.index('"riskclass"') + 1


def test_csv_and_jsonl_of_the_same_rows_have_the_same_snapshot(tmp_path):
    rows = list(entity_rows(50, "same"))
    csv_lines = ["credit_code,name,risk_class,industry,tags"] + [
        f"{r.credit_code},{r.name},{r.risk_class or ''},{r.industry},{';'.join(r.tags)}" for r in rows]
    c = write(tmp_path / "e.csv", "\n".join(csv_lines) + "\n")
    j = write(tmp_path / "e.jsonl", "".join(json.dumps({"credit_code": r.credit_code, "name": r.name, "risk_class": r.risk_class,
                                                        "industry": r.industry, "tags": list(r.tags)}, ensure_ascii=False) + "\n"
                                            for r in reversed(rows)))
    _, sc, _ = snapshot_of(c)
    _, sj, _ = snapshot_of(j)
    assert sc.canonical_sha256 == sj.canonical_sha256 and sc.rows == 50


def test_snapshot_changes_with_any_field_the_draw_reads():
    rows = list(entity_rows(20, "fields"))

    def snap(rs):
        s = EntitySnapshot()
        for r in rs:
            s.add(r)
        return s.finish().canonical_sha256

    base = snap(rows)
    assert snap(list(reversed(rows))) == base
    for field, value in (("name", "改名"), ("risk_class", "D" if rows[3].risk_class != "D" else "A"),
                         ("industry", "广告"), ("tags", ("新标签",))):
        changed = list(rows)
        changed[3] = changed[3]._replace(**{field: value})
        assert snap(changed) != base, field
    assert snap(rows[:-1]) != base
    assert canonical_entity(rows[0]._replace(name="a1:b")) != canonical_entity(rows[0]._replace(name="a", industry="b"))


def test_inspectors_in_three_formats(tmp_path):
    c = write(tmp_path / "i.csv", "执法人员编号,姓名,所属部门,是否持证,专长标签,回避对象\n"
                                  f"P1,张三,市场监管局,是,食品安全;药品,{CODE0}\nP2,李四,,否,,\n")
    j = write(tmp_path / "i.jsonl", json.dumps({"id": "P1", "name": "张三", "department": "市场监管局", "certified": True,
                                                "tags": ["药品", "食品安全"], "conflicts": [CODE0]}, ensure_ascii=False)
              + "\n" + json.dumps({"id": "P2", "name": "李四", "certified": False}, ensure_ascii=False) + "\n")
    y = write(tmp_path / "i.yaml", f"inspectors:\n  - id: P2\n    name: 李四\n    certified: false\n"
                                   f"  - {{id: P1, name: 张三, department: 市场监管局, certified: true, tags: [食品安全, 药品], conflicts: [{CODE0}]}}\n")
    dirs = [load_inspectors(p) for p in (c, j, y)]
    assert len({d.snapshot.canonical_sha256 for d in dirs}) == 1
    p1 = next(r for r in dirs[0].rows if r.id == "P1")
    assert p1.certified and p1.tags == ("药品", "食品安全") and p1.conflicts == (CODE0,)


def test_inspector_errors_are_located(tmp_path):
    y = write(tmp_path / "i.yaml", "inspectors:\n  - id: P1\n    certified: yes\n  - id: P1\n    certified: true\n    conflict: []\n")
    err = error_of(load_inspectors, y)
    codes = {(p.code, p.location.line) for p in err.problems}
    assert ("directory.certified", 3) in codes and ("directory.unknown_field", 6) in codes
    assert "yes/no" in err.render("zh")
    c = write(tmp_path / "i.csv", f"id,certified,conflicts\nP1,true,{CODE0[:17]}Z\nP1,true,\n")
    err = error_of(load_inspectors, c)
    assert err.first.code == "directory.credit_code" and err.first.location.line == 2
    c = write(tmp_path / "i2.csv", "id,certified\nP1,true\nP1,false\n")
    err = error_of(load_inspectors, c)
    assert err.first.code == "directory.duplicate_inspector" and err.first.location.line == 3


def test_file_errors(tmp_path):
    assert error_of(load_inspectors, tmp_path / "nope.csv").first.code == "file.not_found"
    assert error_of(list, iter_entities(write(tmp_path / "e.xlsx", "x"))).first.code == "directory.format"
    assert error_of(inspect_file, write(tmp_path / "empty.csv", "")).first.code == "file.empty"


def test_a_quoted_name_over_two_lines_keeps_later_rows_located(tmp_path):
    bad = CODE2[:17] + ("0" if CODE2[17] != "0" else "1")
    f = write(tmp_path / "e.csv", f'credit_code,name\n{CODE0},"甲\n分店"\n{CODE1},乙\n{bad},丙\n')
    rows = []
    with pytest.raises(InputError) as info:
        for row in iter_entities(f):
            rows.append(row)
    assert [r.line for r in rows] == [2, 4] and rows[0].name == "甲\n分店"
    assert info.value.first.location.line == 5


def test_all_digit_conflict_codes_written_without_quotes(tmp_path):
    digits = next(c for c in (credit_code(i) for i in range(2000)) if c.isdigit())
    y = write(tmp_path / "i.yaml", f"inspectors:\n  - {{id: P1, certified: true, conflicts: [{digits}]}}\n")
    assert load_inspectors(y).rows[0].conflicts == (digits,)


def test_entity_snapshot_follows_the_documented_formula(tmp_path):
    import hashlib
    f = write(tmp_path / "e.csv", f"credit_code,name,risk_class,industry,tags\n{CODE1},乙饭店,,餐饮服务,\n"
                                  f"{CODE0},甲超市,B,食品销售,连锁;夜市\n")
    _, snap, _ = snapshot_of(f)
    by_hand = hashlib.sha256(b"shuangsuiji-entity-directory/1\n" + (2).to_bytes(8, "big")
                             + (CODE0 + "2|3:甲超市1:B4:食品销售2:夜市2:连锁").encode()
                             + (CODE1 + "0|3:乙饭店0:4:餐饮服务").encode()).hexdigest()
    assert sorted([CODE0, CODE1]) == [CODE0, CODE1]
    assert snap.canonical_sha256 == by_hand


def test_csv_reader_failures_become_located_problems(tmp_path):
    import csv
    previous = csv.field_size_limit(1000)  # process-wide; another module may have raised it
    try:
        f = write(tmp_path / "e.csv", f'credit_code,name\n{CODE0},甲\n{CODE1},"{"长" * 1_400}"\n')
        err = error_of(list, iter_entities(f))
        assert err.first.code == "directory.csv" and err.first.location.line == 3 and "1000" in err.render("en")
        f = write(tmp_path / "i.csv", f'id,certified\nP1,"{"x" * 1_400}"\n')
        assert error_of(load_inspectors, f).first.code == "directory.csv"
    finally:
        csv.field_size_limit(previous)
