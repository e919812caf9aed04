"""The draw record, the notice, verification and the audit comparison, through the library."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from policy_rules.errors import InputError
from shuangsuiji_core.draw import (DrawTask, compare_with_records, draw_from_rows, load_draw_record, load_draw_task,
                                   render_notice, run_draw, verify_draw)
from shuangsuiji_core.draw.synthetic import (entity_rows, inspector_rows, write_entities_csv,
                                             write_inspectors_csv)
from shuangsuiji_core.records import Entity, Inspector, Record

SEED = "2026-03-31 福彩3D 第2026083期 517"
TASK = """draw_task:
  id: QH-2026-001
  name: 食品销售经营者部门联合抽查
  department: 清河县市场监督管理局
  scope: {industry: 食品销售}
  sampling_ratio: {A: 0.05, B: "10%", C: 0.2, D: 0.5}
  inspectors_per_group: 2
  required_inspector_tags: [食品安全]
  max_groups_per_inspector: 10
"""


@pytest.fixture
def inputs(tmp_path: Path):
    write_entities_csv(tmp_path / "entities.csv", 3000, "record-tests")
    write_inspectors_csv(tmp_path / "inspectors.csv", inspector_rows(60, "record-tests"))
    (tmp_path / "task.yaml").write_text(TASK, encoding="utf-8")
    return tmp_path


def draw(d: Path, seed: str = SEED):
    return run_draw(d / "entities.csv", d / "inspectors.csv", load_draw_task(d / "task.yaml"), seed)


def test_record_is_byte_identical_and_matches_the_in_memory_draw(inputs):
    a, b = draw(inputs), draw(inputs)
    assert a.to_json() == b.to_json()
    rows = list(entity_rows(3000, "record-tests"))
    mem = draw_from_rows(rows, inspector_rows(60, "record-tests"), load_draw_task(inputs / "task.yaml"), SEED)
    assert mem.entity_directory.canonical_sha256 == a.entity_directory.canonical_sha256
    assert mem.inspector_directory.canonical_sha256 == a.inspector_directory.canonical_sha256
    assert mem.selected == a.selected and mem.group_exclusions == a.group_exclusions
    assert a.entity_directory.file == "entities.csv" and a.entity_directory.file_sha256
    assert a.self_hash_matches and len(a.record_sha256) == 64
    data = json.loads(a.to_json())
    assert list(data) == sorted(data)
    assert [s["stratum"] for s in data["strata"]] == ["A", "B", "C", "D", "unclassified"]


def test_record_round_trips_through_json(inputs, tmp_path):
    record = draw(inputs)
    path = tmp_path / "draw.json"
    path.write_text(record.to_json(), encoding="utf-8")
    loaded = load_draw_record(path)
    assert loaded == record and loaded.self_hash_matches


def test_verify_matches_then_catches_a_swapped_entity(inputs, tmp_path):
    record = draw(inputs)
    task = load_draw_task(inputs / "task.yaml")
    assert verify_draw(record, inputs / "entities.csv", inputs / "inspectors.csv", task).matches
    # swap one drawn entity for one of the same stratum that was not drawn, and reseal the
    # record so that its own hash does not give it away: the re-derivation must catch it
    victim = record.selected[0]
    other = next(r for r in entity_rows(3000, "record-tests")
                 if r.industry == "食品销售" and (r.risk_class or "unclassified") == victim.stratum
                 and r.credit_code not in record.drawn_codes())
    forged = record.model_copy(update={"selected": [victim.model_copy(update={"credit_code": other.credit_code, "name": other.name})]
                                       + record.selected[1:]}).sealed()
    result = verify_draw(forged, inputs / "entities.csv", inputs / "inspectors.csv", task)
    assert not result.matches
    kinds = {(d.kind, d.subject) for d in result.differences}
    assert ("only_in_record", other.credit_code) in kinds and ("only_rederived", victim.credit_code) in kinds
    assert len(result.differences) == 2


def test_verify_catches_a_changed_group_and_an_unsealed_edit(inputs):
    record = draw(inputs)
    task = load_draw_task(inputs / "task.yaml")
    first = record.selected[0]
    outsider = next(i.id for i in inspector_rows(60, "record-tests") if i.id not in first.inspectors)
    edited = record.model_copy(update={"selected": [first.model_copy(update={"inspectors": [first.inspectors[0], outsider]})]
                                       + record.selected[1:]})
    result = verify_draw(edited, inputs / "entities.csv", inputs / "inspectors.csv", task)
    kinds = [d.kind for d in result.differences]
    assert kinds == ["self_hash", "group"]
    assert outsider in result.differences[1].message.zh


def test_verify_names_a_changed_directory(inputs):
    record = draw(inputs)
    lines = (inputs / "entities.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (inputs / "entities.csv").write_text(lines[0] + "".join(reversed(lines[1:])), encoding="utf-8")
    task = load_draw_task(inputs / "task.yaml")
    assert verify_draw(record, inputs / "entities.csv", inputs / "inspectors.csv", task).matches  # row order: same
    (inputs / "entities.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # one business removed
    result = verify_draw(record, inputs / "entities.csv", inputs / "inspectors.csv", task)
    assert ("input", "entity_directory") in {(d.kind, d.subject) for d in result.differences}


def test_a_different_seed_gives_a_different_draw(inputs):
    a, b = draw(inputs), draw(inputs, SEED + "8")
    assert a.drawn_codes() != b.drawn_codes()
    assert [(s.stratum, s.drawn) for s in a.strata] == [(s.stratum, s.drawn) for s in b.strata]


def test_compare_with_records(inputs):
    record = draw(inputs)
    drawn = [e.credit_code for e in record.selected]
    outsider = next(r.credit_code for r in entity_rows(3000, "record-tests") if r.credit_code not in drawn)

    def rec(i: int, code: str | None, task: str = "QH-2026-001") -> Record:
        return Record(id=f"R{i}", task_id=task, entity=Entity(credit_code=code), inspectors=[Inspector(id="P1")],
                      inspected_on=dt.date(2026, 5, 1))

    records = [rec(1, drawn[0]), rec(2, outsider), rec(3, drawn[1]), rec(4, drawn[2], task="OTHER"), rec(5, None)]
    not_drawn, not_inspected = compare_with_records(record, records)
    assert [r.id for r in not_drawn] == ["R2", "R5"]
    assert [e.credit_code for e in not_inspected] == [c for c in drawn if c not in (drawn[0], drawn[1])]


def test_compare_groups(inputs):
    from shuangsuiji_core.draw import compare_groups
    record = draw(inputs)
    first, second = record.selected[0], record.selected[1]

    def rec(i: int, code: str, ids: list[str]) -> Record:
        return Record(id=f"R{i}", task_id="QH-2026-001", entity=Entity(credit_code=code),
                      inspectors=[Inspector(id=x) for x in ids], inspected_on=dt.date(2026, 5, 1))

    records = [rec(1, first.credit_code, list(reversed(first.inspectors))),
               rec(2, second.credit_code, [second.inspectors[0], "P9999"])]
    mismatches = compare_groups(record, records)
    assert [(m.record.id, m.not_drawn, m.absent) for m in mismatches] == [("R2", ("P9999",), (second.inspectors[1],))]


def test_notice_in_both_languages(inputs):
    record = draw(inputs)
    zh, en = render_notice(record, "zh"), render_notice(record, "en")
    for text in (zh, en):
        assert SEED in text and record.record_sha256 in text and record.entity_directory.canonical_sha256 in text
        assert all(e.credit_code in text for e in record.selected)
    assert "公示" in zh and "回避" in zh and "随机种子" in zh
    assert "How to verify" in en and "Random seed" in en
    first = record.selected[0]
    name = next(i.name for i in record.inspectors if i.id == first.inspectors[0])
    assert name in zh


def test_notice_escapes_what_comes_from_the_directories():
    rows = [r._replace(name="甲|乙\n<script>alert(1)</script>*粗*[链接](http://x)") for r in entity_rows(5, "cells")]
    task = DrawTask(id="T", name="<b>任务</b>", sampling_ratio=1)
    record = draw_from_rows(rows, inspector_rows(4, uncertified_every=0, tags=()), task, "种子`带反引号`")
    md = render_notice(record)
    assert "甲\\|乙 &lt;script&gt;alert(1)&lt;/script&gt;\\*粗\\*\\[链接\\](http://x)" in md
    assert "<script>" not in md and "<b>" not in md
    assert "`` 种子`带反引号` ``" in md  # a code span the backticks cannot close
    html = render_notice(record, "zh", "html")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;任务&lt;/b&gt;" in html
    assert html.startswith("<!DOCTYPE html>") and all(e.credit_code in html for e in record.selected)
    assert "<!DOCTYPE html>" in render_notice(record, "en", "html")


def test_task_from_a_plan(tmp_path, contract_dir):
    task = load_draw_task(contract_dir / "plan.yaml")
    assert task.id == "QH-2026-001" and task.scope.industry == ["食品销售"]
    assert task.required_inspector_tags == ["食品经营许可情况", "食品安全管理制度落实情况"]
    (tmp_path / "plan.yaml").write_bytes((contract_dir / "plan.yaml").read_bytes())
    (tmp_path / "t.yaml").write_text("draw_task:\n  from_plan: {file: plan.yaml, task: QH-2026-001}\n"
                                     "  max_groups_per_inspector: 5\n  households: 40\n", encoding="utf-8")
    task = load_draw_task(tmp_path / "t.yaml")
    assert task.households == 40 and task.sampling_ratio is None and task.max_groups_per_inspector == 5
    (tmp_path / "t2.yaml").write_text("draw_task:\n  from_plan: {file: plan.yaml, task: QH-2026-999}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_draw_task(tmp_path / "t2.yaml")
    assert info.value.first.code == "draw_task.plan_task_unknown" and "QH-2026-001" in info.value.render("en")
    assert info.value.first.location.line == 2


def test_task_file_errors_are_located(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text("draw_task:\n  id: T\n  sampling_ratio: {A: 120%}\n  inspectors_per_group: 1\n  scop: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_draw_task(f)
    found = {(p.path, p.location.line) for p in info.value.problems}
    assert (("draw_task", "sampling_ratio", "A"), 3) in found
    assert (("draw_task", "inspectors_per_group"), 4) in found
    assert (("draw_task", "scop"), 5) in found
    f.write_text("draw_task:\n  id: T\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_draw_task(f)
    assert "sampling_ratio" in info.value.render("zh")


def test_file_row_order_never_changes_the_draw():
    import random
    import tempfile

    from hypothesis import given, settings
    from hypothesis import strategies as st

    rows = list(entity_rows(400, "file-order"))
    people = inspector_rows(20, "file-order")
    task = DrawTask(id="ORDER", sampling_ratio={"A": 0.1, "B": 0.1, "C": 0.3, "D": 0.5}, required_inspector_tags=["食品安全"])

    def csv_text(order):
        return "credit_code,name,risk_class,industry,tags\n" + "".join(
            f"{r.credit_code},{r.name},{r.risk_class or ''},{r.industry},{';'.join(r.tags)}\n" for r in order)

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_inspectors_csv(base / "i.csv", people)
        (base / "e.csv").write_text(csv_text(rows), encoding="utf-8")
        reference = run_draw(base / "e.csv", base / "i.csv", task, SEED)

        @given(st.randoms(use_true_random=False), st.sampled_from(["utf-8", "gbk"]))
        @settings(max_examples=15, deadline=None)
        def check(rnd: random.Random, encoding: str):
            order = list(rows)
            rnd.shuffle(order)
            (base / "s.csv").write_bytes(csv_text(order).encode(encoding))
            again = run_draw(base / "s.csv", base / "i.csv", task, SEED)
            assert again.selected == reference.selected and again.group_exclusions == reference.group_exclusions
            assert again.entity_directory.canonical_sha256 == reference.entity_directory.canonical_sha256

        check()
