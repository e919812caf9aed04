"""Inspector groups: certification, tags, recusal and the cap are never violated; an
unstaffable draw fails loudly with the entity and the counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_rules.errors import InputError
from shuangsuiji_core.draw import DrawTask, draw_from_rows
from shuangsuiji_core.draw.directories import EntityRow, InspectorRow
from shuangsuiji_core.draw.synthetic import credit_code

TAGS = ["食品安全", "药品", "特种设备"]


def entities(n: int) -> list[EntityRow]:
    return [EntityRow(credit_code(i), f"企业{i}", "B", "食品销售", (), i + 2) for i in range(n)]


@st.composite
def scenario(draw):
    ents = entities(draw(st.integers(1, 25)))
    codes = [e.credit_code for e in ents]
    people = []
    for i in range(draw(st.integers(0, 14))):
        people.append(InspectorRow(
            f"P{i:03d}", f"人员{i}", "局", draw(st.booleans()),
            tuple(sorted(set(draw(st.lists(st.sampled_from(TAGS), max_size=3))))),
            tuple(sorted(set(draw(st.lists(st.sampled_from(codes), max_size=4))))), i + 2))
    task = DrawTask(id="T", sampling_ratio=draw(st.sampled_from([0.2, 0.5, 1])),
                    inspectors_per_group=draw(st.integers(2, 3)),
                    required_inspector_tags=draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)),
                    max_groups_per_inspector=draw(st.one_of(st.none(), st.integers(1, 6))))
    return ents, people, task


@given(scenario(), st.text(min_size=1, max_size=8).filter(lambda s: s == s.strip() and s.isprintable()))
@settings(max_examples=150, deadline=None)
def test_groups_never_break_the_rules(case, seed):
    ents, people, task = case
    by_id = {p.id: p for p in people}
    try:
        record = draw_from_rows(ents, people, task, seed)
    except InputError as exc:
        assert exc.first.code == "draw.unstaffable"
        assert "无法" in exc.render("zh") and "cannot" in exc.render("en")
        return
    load: dict[str, int] = {}
    conflict_log = {(x.credit_code, x.inspector_id) for x in record.group_exclusions if x.reason == "conflict"}
    excluded = {x.inspector_id: set(x.reasons) for x in record.directory_exclusions}
    for e in record.selected:
        assert len(e.inspectors) == task.inspectors_per_group == len(set(e.inspectors))
        for ins_id in e.inspectors:
            person = by_id[ins_id]
            assert person.certified, "uncertified inspector drawn"
            assert set(task.required_inspector_tags) <= set(person.tags), "inspector without the required tags"
            assert e.credit_code not in person.conflicts, "conflict of interest not recused"
            load[ins_id] = load.get(ins_id, 0) + 1
        # every eligible inspector with a declared conflict is logged for this entity
        for person in people:
            if e.credit_code in person.conflicts and person.id not in excluded:
                assert (e.credit_code, person.id) in conflict_log
    if task.max_groups_per_inspector is not None:
        assert max(load.values(), default=0) <= task.max_groups_per_inspector
    for person in people:  # every ineligible inspector is logged once, with the right reasons
        reasons = set()
        if not person.certified:
            reasons.add("uncertified")
        if not set(task.required_inspector_tags) <= set(person.tags):
            reasons.add("tags")
        assert excluded.get(person.id, set()) == reasons
    assert {i.id: i.groups for i in record.inspectors} == load


def test_cap_skips_are_logged_and_never_reused():
    ents = entities(20)
    people = [InspectorRow(f"P{i}", None, None, True, (), (), i) for i in range(6)]
    task = DrawTask(id="CAP", sampling_ratio=1, inspectors_per_group=2, max_groups_per_inspector=8)
    records = [draw_from_rows(ents, people, task, f"cap-{s}") for s in range(5)]
    record = next(r for r in records if any(x.reason == "cap_reached" for x in r.group_exclusions))
    assert all(i.groups <= 8 for i in record.inspectors)  # 40 assignments, capacity 48
    capped = [x for x in record.group_exclusions if x.reason == "cap_reached"]
    for x in capped:  # a skipped inspector had really reached the cap by that entity's turn
        order = {e.credit_code: e.staffing_order for e in record.selected}
        earlier = [e for e in record.selected if order[e.credit_code] < order[x.credit_code] and x.inspector_id in e.inspectors]
        assert len(earlier) == 8


def test_too_few_eligible_inspectors_fails_loudly():
    people = [InspectorRow("P1", "甲", None, True, ("食品安全",), (), 2),
              InspectorRow("P2", "乙", None, False, ("食品安全",), (), 3),
              InspectorRow("P3", "丙", None, True, (), (), 4)]
    task = DrawTask(id="U", sampling_ratio=1, required_inspector_tags=["食品安全"])
    with pytest.raises(InputError) as info:
        draw_from_rows(entities(3), people, task, "s")
    text = info.value.render("zh")
    assert info.value.first.code == "draw.unstaffable"
    assert "需要 2 名" in text and "只有 1 名" in text
    assert "only 1 of 3 are eligible" in info.value.render("en")


def test_capacity_below_need_fails_before_drawing():
    people = [InspectorRow(f"P{i}", None, None, True, (), (), i) for i in range(3)]
    task = DrawTask(id="U", sampling_ratio=1, max_groups_per_inspector=1)
    with pytest.raises(InputError) as info:
        draw_from_rows(entities(2), people, task, "s")
    assert "4" in info.value.render("en") and "3" in info.value.render("en")


def test_recusal_that_leaves_one_entity_unstaffable_names_it():
    ents = entities(3)
    target = ents[1]
    people = [InspectorRow("P1", None, None, True, (), (target.credit_code,), 2),
              InspectorRow("P2", None, None, True, (), (target.credit_code,), 3),
              InspectorRow("P3", None, None, True, (), (), 4),
              InspectorRow("P4", None, None, True, (), (), 5)]
    record = draw_from_rows(ents, people, DrawTask(id="R", sampling_ratio=1), "s")
    assert sorted(next(e for e in record.selected if e.credit_code == target.credit_code).inspectors) == ["P3", "P4"]
    people[3] = InspectorRow("P4", None, None, True, (), (target.credit_code,), 5)
    with pytest.raises(InputError) as info:
        draw_from_rows(ents, people, DrawTask(id="R", sampling_ratio=1), "s")
    text = info.value.render("zh")
    assert target.credit_code in text and target.name in text and "3 名须回避" in text


def test_a_group_needs_at_least_two():
    with pytest.raises(Exception):
        DrawTask(id="X", sampling_ratio=1, inspectors_per_group=1)


@given(st.integers(1, 30), st.integers(2, 12), st.integers(2, 3), st.integers(0, 10_000))
@settings(max_examples=150, deadline=None)
def test_enough_capacity_always_staffs_without_conflicts(n_entities, n_people, size, salt):
    # the smallest cap with Σ min(cap, m) ≥ size·m: capacity exactly enough, no headroom
    cap = next(c for c in range(1, n_entities + 1) if n_people * min(c, n_entities) >= size * n_entities) \
        if n_people >= size else None
    if cap is None:
        return
    people = [InspectorRow(f"P{i:02d}", None, None, True, (), (), i) for i in range(n_people)]
    task = DrawTask(id="TIGHT", sampling_ratio=1, inspectors_per_group=size, max_groups_per_inspector=cap)
    record = draw_from_rows(entities(n_entities), people, task, f"salt-{salt}")
    assert all(len(e.inspectors) == size for e in record.selected)
    assert max(i.groups for i in record.inspectors) <= cap


def test_capacity_reservations_are_logged():
    people = [InspectorRow(f"P{i}", None, None, True, (), (), i) for i in range(4)]
    task = DrawTask(id="CAP", sampling_ratio=1, inspectors_per_group=2, max_groups_per_inspector=2)
    records = [draw_from_rows(entities(4), people, task, f"r-{s}") for s in range(20)]
    assert all(all(i.groups == 2 for i in r.inspectors) for r in records)  # 8 = 4 × 2: exactly enough
    assert any(x.reason == "capacity_reserved" for r in records for x in r.group_exclusions)
