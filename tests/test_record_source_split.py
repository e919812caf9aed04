"""`RecordSource.split`: a records file cut at record boundaries into byte ranges.

Properties: the units of the parts, one after the other, are the units of the whole file
(same values, same locations); a part reads only its range and knows its first line;
problems in a part carry the location they have in the whole file; a file that cannot
be cut safely is not cut."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_rules.errors import InputError
from shuangsuiji_core.credit_code import check_digit
from shuangsuiji_core.facts import RecordFacts, StreamState
from shuangsuiji_core.loading import iter_records


def _code(n: int) -> str:
    body = f"91130534{n:09d}"
    return body + check_digit(body)


def _record(n: int, name: str = "清河县超市有限公司") -> dict:
    return {"id": f"R-{n}", "task_id": f"T-{n % 3}", "entity": {"credit_code": _code(n % 50), "name": name},
            "inspectors": [{"id": "P1", "certified": n % 2 == 0}, {"id": f"P{n}"}], "method": "onsite",
            "inspected_on": f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}"}


def _units(source) -> list:
    builder = RecordFacts(None, None, True, StreamState())
    return list(source.units(builder))


def _whole_and_parts(path, parts):
    whole = _units(iter_records(path))
    shards = iter_records(path).split(parts, min_bytes=1)
    return whole, shards


def _csv_row(n: int, name: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    return f"R-{n},T-{n % 3},{_code(n % 50)},{quoted},P1;P{n},2026-05-{n % 28 + 1:02d}\r\n"


def _cuts(shards):
    return None if shards is None else [(s.byte_range, s.first_line) for s in shards]


CSV_HEADER = "id,task_id,entity.credit_code,entity.name,inspectors,inspected_on\r\n"


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_jsonl_parts_give_the_units_of_the_whole_file(tmp_path, parts):
    path = tmp_path / "r.jsonl"
    lines = [json.dumps(_record(n), ensure_ascii=False) for n in range(200)]
    lines[50:50] = ["", "   "]  # blank lines, skipped but counted
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    whole, shards = _whole_and_parts(path, parts)
    assert len(shards) == parts
    assert [u for s in shards for u in _units(s)] == whole
    assert shards[0].byte_range[0] == 0 and shards[-1].byte_range[1] == path.stat().st_size
    assert all(a.byte_range[1] == b.byte_range[0] for a, b in zip(shards, shards[1:]))
    # each part starts on a line of its own, and knows which
    data = path.read_bytes()
    for s in shards:
        start = s.byte_range[0]
        assert start == 0 or data[start - 1:start] == b"\n"
        assert s.first_line == data.count(b"\n", 0, start) + 1


@pytest.mark.parametrize("parts", [2, 3, 7])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_parts_with_multiline_cells_and_chinese_labels(tmp_path, parts, encoding):
    path = tmp_path / "r.csv"
    # every row holds a quoted cell with newlines, commas and quotes: many cut targets land inside one
    rows = [_csv_row(n, f'清河\n县"{n}",超市\n\n有限公司') for n in range(120)]
    header = "记录编号,任务编号,统一社会信用代码,主体名称,检查人员,检查日期\r\n"
    path.write_bytes((header + "".join(rows)).encode(encoding))
    whole, shards = _whole_and_parts(path, parts)
    assert len(shards) == parts
    assert [u for s in shards for u in _units(s)] == whole
    assert whole[5][0][1]["entity_name"] == '清河\n县"5",超市\n\n有限公司'


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(alphabet='ab,"\n\r 清', max_size=12), min_size=1, max_size=40),
       parts=st.integers(2, 9), tsv=st.booleans(), plain=st.booleans(), block=st.sampled_from([5, 64, 1 << 22]))
def test_csv_parts_on_arbitrary_quoted_cells(tmp_path, names, parts, tsv, plain, block):
    # `plain`: names that need no quotes are written without (a file may hold no quote at
    # all); `block`: the file read in blocks that end inside cells, rows and CRLFs
    from shuangsuiji_core.loading import byte_ranges
    path = tmp_path / "r.csv"
    rows = [_csv_row(n, name).replace(f'"{name}"', name) if plain and not set(name) & set(',"\n\r') else
            _csv_row(n, name) for n, name in enumerate(names)]
    text = CSV_HEADER + "".join(rows)
    if tsv:
        text = text.replace(",", "\t") if not any("," in n or "\t" in n for n in names) else text
    path.write_bytes(text.encode())
    whole, shards = _whole_and_parts(path, parts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(byte_ranges, "BLOCK", block)
        in_blocks = iter_records(path).split(parts, min_bytes=1)
    assert _cuts(in_blocks) == _cuts(shards)  # whatever the blocks, the same cuts, or none
    if shards is None:  # too small to cut into two: nothing more to check
        return
    assert [u for s in shards for u in _units(s)] == whole


def test_parts_pickle_as_plain_data_and_read_only_their_range(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(_record(n)) + "\n" for n in range(100)))
    shards = iter_records(path).split(4, min_bytes=1)
    copies = [pickle.loads(pickle.dumps(s)) for s in shards]
    assert [len(pickle.dumps(s)) < 500 for s in shards] == [True] * 4
    ids = [[r.id for r in c] for c in copies]  # iterating a part gives its records
    assert sum(ids, []) == [f"R-{n}" for n in range(100)]
    assert all(ids)
    units = [_units(s) for s in copies]
    assert sum(units, []) == _units(iter_records(path))
    # the ids of each part, hashed, for a look across parts
    fresh = iter_records(path).split(4, min_bytes=1)
    for s, part_ids in zip(fresh, ids):
        _units(s)
        assert list(s.id_hashes()) == [hash(i) for i in part_ids]


def test_a_problem_in_a_part_is_located_as_in_the_whole_file(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [json.dumps(_record(n)) for n in range(100)]
    lines[80] = lines[80].replace('"onsite"', '"teleport"')
    lines[90] = lines[3]  # a repeated id: within one part, told with the line of the first use
    lines[91] = lines[88]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as whole:
        _units(iter_records(path))
    shards = iter_records(path).split(2, min_bytes=1)
    found = []
    for s in shards:
        try:
            _units(s)
        except InputError as exc:
            found += exc.problems
    assert [p for p in whole.value.problems if p.code != "records.duplicate_id" or "R-88" in str(p.message)] == found


def test_csv_problem_located_as_in_the_whole_file(tmp_path):
    path = tmp_path / "r.csv"
    rows = [_csv_row(n, "名\n称") for n in range(60)]
    rows[45] = rows[45].replace("2026-05", "2026-13")
    path.write_text(CSV_HEADER + "".join(rows))
    with pytest.raises(InputError) as whole:
        _units(iter_records(path))
    problems = []
    for s in iter_records(path).split(3, min_bytes=1):
        try:
            _units(s)
        except InputError as exc:
            problems += exc.problems
    assert problems == whole.value.problems
    assert problems[0].location.line == 2 + 45 * 2


@pytest.mark.parametrize("content, suffix", [
    ('id,task_id,inspectors,inspected_on\r\nR-1,T,P"1,2026-05-01\r\n', ".csv"),   # a quote inside a plain cell
    ('id,task_id,inspectors,inspected_on\r\nR-1,T,"P1"x,2026-05-01\r\n', ".csv"),  # text after a closing quote
    ("id,task_id,inspectors,inspected_on\rR-1,T,P1,2026-05-01\r", ".csv"),        # lone carriage returns
    ("records:\n- {id: R-1}\n", ".yaml"),
    ("   \n\n  \n", ".jsonl"),
])
def test_what_is_not_cut(tmp_path, content, suffix):
    path = tmp_path / f"r{suffix}"
    path.write_text(content * 50 if suffix == ".csv" and "\r\n" in content else content, newline="")
    assert iter_records(path).split(3, min_bytes=1) is None


def test_small_files_and_one_part_are_not_cut(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(_record(n)) + "\n" for n in range(20)))
    assert iter_records(path).split(3) is None  # below 8 MiB by default
    assert iter_records(path).split(1, min_bytes=1) is None
    assert len(iter_records(path).split(2, min_bytes=1)) == 2
    assert iter_records(tmp_path / "missing.jsonl").split(2, min_bytes=1) is None


@pytest.mark.parametrize("block", [7, 64, 1000, 1 << 22])
@pytest.mark.parametrize("parts", [2, 5])
def test_jsonl_cuts_read_in_small_blocks_stop_after_the_last_cut(tmp_path, monkeypatch, block, parts):
    # a JSON Lines file is read only up to its last cut (its line numbers are all a cut
    # needs), in whatever blocks: the cuts and first lines are those of the whole count
    from shuangsuiji_core.loading import byte_ranges
    monkeypatch.setattr(byte_ranges, "BLOCK", block)
    path = tmp_path / "r.jsonl"
    lines = ["", "  "] * 20 + [json.dumps(_record(n), ensure_ascii=False) for n in range(60)] + ["", ""]
    path.write_bytes("\n".join(lines).encode() + b"\n")
    reads = []
    real_open = open

    def counting_open(*args, **kwargs):
        fh = real_open(*args, **kwargs)
        real_read = fh.read
        fh.read = lambda n=-1: reads.append(n) or real_read(n)  # noqa: B023 - one file per call
        return fh

    monkeypatch.setattr(byte_ranges, "open", counting_open, raising=False)
    whole, shards = _whole_and_parts(path, parts)
    monkeypatch.undo()
    data = path.read_bytes()
    assert len(shards) == parts
    assert [s.first_line for s in shards] == [data.count(b"\n", 0, s.byte_range[0]) + 1 for s in shards]
    assert [u for s in shards for u in _units(s)] == whole
    if block < len(data) // parts:
        assert sum(reads) < len(data)  # the file after the last cut was not read
