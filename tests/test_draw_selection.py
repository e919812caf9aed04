"""The draw's selection: rounding, order independence, the streaming shortcut, fairness."""

from __future__ import annotations

import hashlib
import math
import unicodedata
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuangsuiji_core.draw import DrawTask, draw_from_rows
from shuangsuiji_core.draw.directories import EntityRow
from shuangsuiji_core.draw.selection import EntitySelector, select_entities
from shuangsuiji_core.draw.synthetic import credit_code, entity_rows, inspector_rows

RISKS = ["A", "B", "C", "D", None]


def rows_from(spec: list[tuple[str | None, str]]) -> list[EntityRow]:
    return [EntityRow(credit_code(i), f"企业{i}", risk, industry, (), i + 2) for i, (risk, industry) in enumerate(spec)]


def reference_key(seed: str, task_id: str, stratum: str, code: str) -> bytes:
    """The rank key exactly as docs/draw.md specifies it, written out independently."""
    def lp(text: str) -> bytes:
        raw = text.encode("utf-8")
        return len(raw).to_bytes(8, "big") + raw
    return hashlib.sha256(lp("shuangsuiji-draw/1") + lp("entity") + lp(unicodedata.normalize("NFC", seed))
                          + lp(task_id) + lp(stratum) + lp(code)).digest()


def brute_force(rows, task: DrawTask, seed: str) -> dict[str, list[str]]:
    """Every stratum: all keys computed, sorted, the first ⌈N·r⌉ taken."""
    rules = task.stratum_rules()
    out = {}
    for stratum, (kind, value, _) in rules.items():
        members = [r for r in rows if task.in_scope(r.industry, r.tags)
                   and (stratum == "all" or (r.risk_class or "unclassified") == stratum)]
        if value is None:
            k = 0
        elif kind == "ratio":
            k = math.ceil(len(members) * value)
        else:
            k = min(value, len(members))
        ranked = sorted(members, key=lambda r: (reference_key(seed, task.id, stratum, r.credit_code), r.credit_code))
        out[stratum] = [r.credit_code for r in ranked[:k]]
    return out


directory = st.lists(st.tuples(st.sampled_from(RISKS), st.sampled_from(["食品销售", "餐饮服务"])), min_size=0, max_size=120)
ratios = st.fractions(min_value=0, max_value=1, max_denominator=200)


@given(directory, ratios, ratios, st.text(min_size=1, max_size=20).filter(lambda s: s == s.strip() and s.isprintable()))
@settings(max_examples=60, deadline=None)
def test_selection_matches_the_documented_ranking(spec, ra, rd, seed):
    rows = rows_from(spec)
    task = DrawTask(id="T-1", sampling_ratio={"A": ra, "B": Fraction(1, 20), "D": rd}, scope={"industry": "食品销售"})
    outcomes, drawn = select_entities(rows, task, seed)
    expected = brute_force(rows, task, seed)
    got: dict[str, list[str]] = {s: [] for s in expected}
    for entity in drawn:
        got[entity.stratum].append(entity.credit_code)
        assert entity.rank_key == reference_key(seed, "T-1", entity.stratum, entity.credit_code).hex()
    assert got == expected
    for o in outcomes:  # the rounding rule: k = ⌈N·r⌉; at least one when r > 0 and N > 0
        if o.value is None:
            assert o.requested == 0
        else:
            assert o.requested == math.ceil(o.population * o.value)
            assert (o.requested >= 1) == (o.population > 0 and o.value > 0)
            assert Fraction(o.drawn, max(o.population, 1)) >= o.value or o.population == 0


@given(directory, st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_same_draw_whatever_the_row_order(spec, rnd):
    rows = rows_from(spec)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    task = DrawTask(id="T-2", sampling_ratio={"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.5}, unclassified_ratio="40%")
    people = inspector_rows(12, uncertified_every=0, tags=())
    a = draw_from_rows(rows, people, task, "种子").to_json()
    b = draw_from_rows(shuffled, list(reversed(people)), task, "种子").to_json()
    assert a == b
    assert a == draw_from_rows(rows, people, task, "种子").to_json()


def test_the_seed_is_normalised_to_nfc_but_recorded_verbatim():
    rows = list(entity_rows(300, "nfc"))
    task = DrawTask(id="T-3", sampling_ratio=0.1)
    people = inspector_rows(6, uncertified_every=0, tags=())
    composed, decomposed = "Café 2026", unicodedata.normalize("NFD", "Café 2026")
    assert composed != decomposed
    a = draw_from_rows(rows, people, task, composed)
    b = draw_from_rows(rows, people, task, decomposed)
    assert [e.credit_code for e in a.selected] == [e.credit_code for e in b.selected]
    assert b.seed == decomposed and b.seed_nfc == composed
    c = draw_from_rows(rows, people, task, "Café 2027")
    assert [e.credit_code for e in a.selected] != [e.credit_code for e in c.selected]


@pytest.mark.parametrize("ratio", [Fraction(1, 100), Fraction(1, 20), Fraction(1, 2), Fraction(99, 100)])
def test_the_memory_shortcut_never_changes_the_result(ratio):
    rows = list(entity_rows(5000, "shortcut"))
    task = DrawTask(id="T-4", sampling_ratio=ratio)
    normal = EntitySelector(task, "s")
    starved = EntitySelector(task, "s", margin=-0.5)  # threshold below r: forces the second pass
    for row in rows:
        normal.add(row)
        starved.add(row)
    held = sum(len(s.candidates) for s in normal._strata.values())
    if ratio <= Fraction(1, 2):
        assert held < len(rows) * (float(ratio) * 1.5 + 0.05)  # memory stays near k, not N
    assert normal.finish(None) == starved.finish(lambda: rows)


def test_fixed_household_count_draws_from_the_whole_scope():
    rows = list(entity_rows(400, "count"))
    task = DrawTask(id="T-5", households=25, scope={"industry": ["食品销售", "餐饮服务"]})
    outcomes, drawn = select_entities(rows, task, "s")
    assert [o.stratum for o in outcomes] == ["all"]
    assert len(drawn) == 25 and {e.industry for e in drawn} <= {"食品销售", "餐饮服务"}
    assert [e.credit_code for e in drawn] == brute_force(rows, task, "s")["all"]
    big = DrawTask(id="T-5", households=10_000)
    outcomes, drawn = select_entities(rows, big, "s")
    assert (outcomes[0].requested, outcomes[0].drawn, len(drawn)) == (10_000, 400, 400)  # a count above N draws everything


def test_households_per_class_and_absent_classes():
    rows = list(entity_rows(400, "per-class"))
    task = DrawTask(id="T-6", households={"A": 3, "D": 100})
    outcomes, drawn = select_entities(rows, task, "s")
    by = {o.stratum: o for o in outcomes}
    assert by["A"].drawn == 3 and by["D"].drawn == by["D"].population and by["B"].drawn == 0
    assert by["B"].rule == "absent"


def test_unclassified_follow_the_b_ratio_unless_given():
    task = DrawTask(id="T", sampling_ratio={"A": 0.1, "B": 0.3})
    assert task.stratum_rules()["unclassified"] == ("ratio", Fraction(3, 10), "B_ratio")
    task = DrawTask(id="T", sampling_ratio={"A": 0.1, "B": 0.3}, unclassified_ratio=0.5)
    assert task.stratum_rules()["unclassified"] == ("ratio", Fraction(1, 2), "given")
    task = DrawTask(id="T", sampling_ratio={"A": 0.1})
    assert task.stratum_rules()["unclassified"] == ("ratio", None, "absent")


# --------------------------------------------------------------------------- fairness
#
# Each test draws with SEEDS fixed seeds. Under the null hypothesis (the draw is a uniform
# sample), each member's count X is Binomial(SEEDS, p). The acceptance interval is the
# exact two-sided binomial interval with tail ALPHA / (2·members) on each side, so the
# probability that a fair draw fails the test (Bonferroni over all members) is at most
# ALPHA = 1e-6. The seeds are fixed, so the test is deterministic: it either always passes
# or exposes a bias.

SEEDS = 2000
ALPHA = 1e-6


def binomial_interval(n: int, p: float, tail: float) -> tuple[int, int]:
    pmf = [math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                    + k * math.log(p) + (n - k) * math.log(1 - p)) for k in range(n + 1)]
    lo, acc = 0, 0.0
    while acc + pmf[lo] <= tail:
        acc += pmf[lo]
        lo += 1
    hi, acc = n, 0.0
    while acc + pmf[hi] <= tail:
        acc += pmf[hi]
        hi -= 1
    return lo, hi


def test_each_entity_of_a_stratum_is_drawn_at_its_ratio():
    rows = rows_from([("B", "x")] * 20 + [("D", "x")] * 10)
    task = DrawTask(id="FAIR-1", sampling_ratio={"B": Fraction(1, 4), "D": Fraction(1, 2)})
    counts = {r.credit_code: 0 for r in rows}
    for s in range(SEEDS):
        _, drawn = select_entities(rows, task, f"seed-{s}")
        for e in drawn:
            counts[e.credit_code] += 1
    members = len(rows)
    lo_b, hi_b = binomial_interval(SEEDS, 0.25, ALPHA / (2 * members))
    lo_d, hi_d = binomial_interval(SEEDS, 0.5, ALPHA / (2 * members))
    for r in rows:
        lo, hi = (lo_b, hi_b) if r.risk_class == "B" else (lo_d, hi_d)
        assert lo <= counts[r.credit_code] <= hi, (r.credit_code, counts[r.credit_code], lo, hi)
    # and the draw is not degenerate: counts vary between seeds' choices
    assert len(set(counts.values())) > 3


def test_each_eligible_inspector_is_drawn_equally_often():
    rows = rows_from([("A", "x")])
    people = inspector_rows(10, uncertified_every=0, tags=())
    task = DrawTask(id="FAIR-2", sampling_ratio=1, inspectors_per_group=2)
    counts = {p.id: 0 for p in people}
    for s in range(SEEDS):
        record = draw_from_rows(rows, people, task, f"seed-{s}")
        for ins in record.selected[0].inspectors:
            counts[ins] += 1
    lo, hi = binomial_interval(SEEDS, 0.2, ALPHA / (2 * len(people)))
    assert all(lo <= c <= hi for c in counts.values()), (counts, lo, hi)


def test_the_worked_example_in_the_docs():
    from pathlib import Path
    from shuangsuiji_core.draw.ranking import entity_prefix
    doc = (Path(__file__).resolve().parent.parent / "docs" / "draw.md").read_text(encoding="utf-8")
    key = entity_prefix("2026-03-31 福彩3D 517", "QH-2026-001", "B").key("91130534MA0A1B2C3X").hex()
    assert key == reference_key("2026-03-31 福彩3D 517", "QH-2026-001", "B", "91130534MA0A1B2C3X").hex()
    assert f"'{key}'" in doc
