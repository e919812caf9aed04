"""Versions: the content hash, the lock that guards it, and the effective-period warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policy_rules.resolve import load_ruleset_file
from policy_rules.versioning import (LOCK_NAME, check_lock, content_hash, lock_command, period_warning, read_lock,
                                     update_lock, write_lock)
from shuangsuiji_core.rulesets import bundled_dir, bundled_rulesets, load_ruleset


def _all():
    return [load_ruleset(p) for p in bundled_rulesets()]


def test_committed_lock_agrees_with_the_rulesets():
    """Fails when a ruleset changed without a version bump, or a new version was not recorded."""
    lock = read_lock(bundled_dir() / LOCK_NAME)
    problems = check_lock(_all(), lock)
    assert problems == [], "\n".join(p.render("en") for p in problems)


def test_hash_is_stable_and_ignores_only_the_version():
    a = load_ruleset("qinghe-2026")
    b = load_ruleset("qinghe-2026")
    assert content_hash(a) == content_hash(b)
    bumped = a.model_copy(update={"ruleset": a.ruleset.model_copy(update={"version": "9.9.9"})})
    assert content_hash(bumped) == content_hash(a)


def _copy_rulesets(tmp_path: Path) -> Path:
    folder = tmp_path / "rulesets"
    shutil.copytree(bundled_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return folder


def test_changing_a_threshold_without_a_bump_fails_with_the_fix_in_the_message(tmp_path):
    folder = _copy_rulesets(tmp_path)
    f = folder / "qinghe-2026.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace('threshold: "60%"', 'threshold: "65%"'), encoding="utf-8")
    lock = read_lock(folder / LOCK_NAME)
    rs = load_ruleset_file(f, [folder])
    problems = check_lock([rs], lock)
    assert [p.code for p in problems] == ["version.content_changed"]
    p = problems[0]
    assert "提升" in p.message.zh and "policy-rules lock" in p.message.zh
    assert "Bump" in p.message.en and p.location.file == str(f)
    assert p.location.line == 8   # the `version:` line of the file


def test_a_parent_change_is_a_change_of_the_child(tmp_path):
    folder = _copy_rulesets(tmp_path)
    parent = folder / "shijiazhuang-2025.yaml"
    parent.write_text(parent.read_text(encoding="utf-8").replace("day: 23", "day: 24"), encoding="utf-8")
    child = load_ruleset_file(folder / "shijiazhuang-tobacco-2025.yaml", [folder])
    # the tobacco ruleset overrides the day, so its content is unchanged ...
    assert check_lock([child], read_lock(folder / LOCK_NAME)) == []
    parent.write_text(parent.read_text(encoding="utf-8").replace('threshold: "100%", judge: as_of}\n    message:\n'
                                                                 '      zh: "运用',
                                                                 'threshold: "99%", judge: as_of}\n    message:\n'
                                                                 '      zh: "运用'), encoding="utf-8")
    child = load_ruleset_file(folder / "shijiazhuang-tobacco-2025.yaml", [folder])
    assert child.rule("SJZ-CREDIT-RISK").params.threshold != 1
    # ... but an inherited threshold changes it
    assert [p.code for p in check_lock([child], read_lock(folder / LOCK_NAME))] == ["version.content_changed"]


def test_bump_then_update_records_the_new_version_and_keeps_the_old(tmp_path):
    folder = _copy_rulesets(tmp_path)
    f = folder / "qinghe-2026.yaml"
    text = f.read_text(encoding="utf-8").replace('threshold: "60%"', 'threshold: "65%"')
    f.write_text(text.replace("version: 1.0.0", "version: 1.1.0", 1), encoding="utf-8")
    assert lock_command([folder], check=True) == 1
    assert lock_command([folder]) == 0
    lock = read_lock(folder / LOCK_NAME)
    assert set(lock["qinghe-2026"]) == {"1.0.0", "1.1.0"}
    assert lock["qinghe-2026"]["1.0.0"] == read_lock(bundled_dir() / LOCK_NAME)["qinghe-2026"]["1.0.0"]
    assert lock_command([folder], check=True) == 0


def test_update_refuses_to_rewrite_a_released_version(tmp_path):
    folder = _copy_rulesets(tmp_path)
    f = folder / "qinghe-2026.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace('threshold: "60%"', 'threshold: "65%"'), encoding="utf-8")
    before = (folder / LOCK_NAME).read_text(encoding="utf-8")
    assert lock_command([folder]) == 1
    assert (folder / LOCK_NAME).read_text(encoding="utf-8") == before


def test_a_lower_version_is_refused(tmp_path):
    rs = load_ruleset("qinghe-2026")
    lock = {"qinghe-2026": {"1.0.0": "0" * 64, "2.0.0": "1" * 64}}
    low = rs.model_copy(update={"ruleset": rs.ruleset.model_copy(update={"version": "1.5.0"})})
    assert [p.code for p in check_lock([low], lock)] == ["version.not_increasing"]
    new, added, problems = update_lock([low], lock)
    assert problems and added == [] and new == lock


def test_lock_round_trips(tmp_path):
    path = tmp_path / LOCK_NAME
    data = {"b-2026": {"1.10.0": "b" * 64, "1.2.0": "a" * 64}, "a-2026": {"1.0.0": "c" * 64}}
    write_lock(path, data)
    assert read_lock(path) == data
    text = path.read_text(encoding="utf-8")
    assert text.index("a-2026") < text.index("b-2026") and text.index("1.2.0") < text.index("1.10.0")


@pytest.mark.parametrize("year,warned", [(2025, True), (2026, False), (2027, True)])
def test_period_warning(year, warned):
    w = period_warning(load_ruleset("qinghe-2026"), year)
    assert (w is not None) == warned
    if w:
        assert str(year) in w.zh and "2026-01-01" in w.zh and "outside" in w.en


from fractions import Fraction  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000).map(lambda n: Fraction(n, 10_000)))
def test_any_threshold_change_changes_the_hash(threshold):
    rs = load_ruleset("qinghe-2026")
    rule = rs.rule("QH-JOINT-COUNT")
    changed_rule = rule.model_copy(update={"params": rule.params.model_copy(update={"threshold": threshold})})
    changed = rs.model_copy(update={"rules": [changed_rule if r.id == rule.id else r for r in rs.rules]})
    assert (content_hash(changed) == content_hash(rs)) == (threshold == Fraction(3, 5))
