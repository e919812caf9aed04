"""The five bundled rulesets: they load, resolve and lint clean; every rule is well
formed for staff (header, titles, default limits explained, waivable where the text
allows exceptions); the encoded numbers are the documents' numbers."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from policy_rules.errors import InputError
from policy_rules.schema import DeadlineRule, TargetRule
from shuangsuiji_core.rulesets import bundled_dir, bundled_ids, bundled_rulesets, lint_ruleset, load_ruleset
from shuangsuiji_core.ruleset_docs import bundled_in_document_order, render_compared_md, render_rulesets_md

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_IDS = ["qinghe-2026", "shijiazhuang-2025", "shijiazhuang-tobacco-2025", "yuanping-2024", "zanhuang-nrp-2024"]
PREFIX = {"qinghe-2026": "QH-", "shijiazhuang-2025": "SJZ-", "shijiazhuang-tobacco-2025": "SJZ-",
          "yuanping-2024": "YP-", "zanhuang-nrp-2024": "ZH-"}


def test_the_five_rulesets_are_bundled():
    assert bundled_ids() == EXPECTED_IDS
    assert all(p.parent == bundled_dir() for p in bundled_rulesets())


@pytest.mark.parametrize("ruleset_id", EXPECTED_IDS)
def test_loads_by_id_and_by_path_and_lints_clean(ruleset_id):
    by_id = load_ruleset(ruleset_id)
    by_path = load_ruleset(str(bundled_dir() / f"{ruleset_id}.yaml"))
    assert by_id.model_dump() == by_path.model_dump()
    assert by_id.ruleset.id == ruleset_id
    assert lint_ruleset(by_id) == []
    assert all(rule.id.startswith(PREFIX[ruleset_id]) for rule in by_id.rules)


@pytest.mark.parametrize("path", bundled_rulesets(), ids=lambda p: p.name)
def test_file_starts_with_the_schema_header(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../docs/ruleset.schema.json"


@pytest.mark.parametrize("ruleset_id", EXPECTED_IDS)
def test_rules_are_explained_for_staff(ruleset_id):
    ruleset = load_ruleset(ruleset_id)
    for rule in ruleset.rules:
        assert rule.title.zh and rule.title.en and rule.message.zh and rule.message.en, rule.id
        if isinstance(rule, DeadlineRule) and rule.params.default_limit:
            note = rule.params.limit_note
            assert note is not None, f"{rule.id}: a default limit needs a limit_note"
            assert "默认" in note.zh and "default" in note.en, rule.id
            assert "默认" in rule.message.zh and "default" in rule.message.en, rule.id
        if "除特殊情况外" in rule.source.quote:
            assert rule.waivable, f"{rule.id}: the quote allows exceptions (除特殊情况外) but the rule is not waivable"


_VAGUE = ("及时", "按时限", "超时", "超期")
_DATE = re.compile(r"\d+月\d+日|每月\d+日|每月月底|\d+月底?前")


def test_default_limits_exactly_where_the_document_is_vague():
    """A deadline quoting only 及时 / 按时限 / 超时 / 超期 (no date) carries our default limit,
    and a default limit is never invented where the document gives a date or says nothing vague."""
    seen = 0
    for ruleset_id in EXPECTED_IDS:
        for rule in load_ruleset(ruleset_id).rules:
            if not isinstance(rule, DeadlineRule):
                continue
            quote = rule.source.quote
            vague = any(w in quote for w in _VAGUE) and not _DATE.search(quote)
            assert rule.params.default_limit == vague, rule.id
            seen += vague
    assert seen >= 20


def _threshold(ruleset_id: str, rule_id: str) -> Fraction:
    rule = load_ruleset(ruleset_id).rule(rule_id)
    assert isinstance(rule, TargetRule)
    return rule.params.threshold


def test_the_documents_numbers():
    # joint inspections: 100% in Shijiazhuang (and tobacco) and Zanhuang, 60% / 50% in Qinghe
    for rid, ruleset_id in (("SJZ-JOINT-COUNT", "shijiazhuang-2025"), ("SJZ-JOINT-COUNT", "shijiazhuang-tobacco-2025"),
                            ("ZH-JOINT-COUNT", "zanhuang-nrp-2024"), ("SJZ-JOINT-HOUSEHOLDS", "shijiazhuang-2025"),
                            ("ZH-JOINT-HOUSEHOLDS", "zanhuang-nrp-2024")):
        assert _threshold(ruleset_id, rid) == 1
    assert _threshold("qinghe-2026", "QH-JOINT-COUNT") == Fraction(3, 5)
    assert _threshold("qinghe-2026", "QH-JOINT-HOUSEHOLDS") == Fraction(1, 2)
    # credit risk: 100% vs 95%
    assert _threshold("shijiazhuang-2025", "SJZ-CREDIT-RISK") == 1
    assert _threshold("zanhuang-nrp-2024", "ZH-CREDIT-RISK") == 1
    assert _threshold("qinghe-2026", "QH-CREDIT-RISK") == Fraction(95, 100)
    assert _threshold("yuanping-2024", "YP-JOINT-CREDIT-RISK") == Fraction(95, 100)
    assert load_ruleset("yuanping-2024").rule("YP-JOINT-CREDIT-RISK").params.metric == "joint_credit_risk_task_share"
    # disclosure 100%, coverage 5% of the previous year-end enterprise count
    assert _threshold("yuanping-2024", "YP-DISCLOSURE-RATE") == 1
    assert _threshold("zanhuang-nrp-2024", "ZH-ENTERPRISE-COVERAGE") == Fraction(5, 100)
    # report days and dates
    sjz, tob = load_ruleset("shijiazhuang-2025"), load_ruleset("shijiazhuang-tobacco-2025")
    assert sjz.rule("SJZ-MONTHLY-REPORT").params.schedule.day == 23
    assert tob.rule("SJZ-MONTHLY-REPORT").params.schedule.day == 22
    assert [s.due for s in sjz.rule("SJZ-PROGRESS-SUMMARY").params.schedule.slots] == ["03-28", "06-27", "09-30", "12-25"]
    assert [s.due for s in tob.rule("SJZ-PROGRESS-SUMMARY").params.schedule.slots] == ["03-25", "06-25", "09-28", "12-23"]
    qh = load_ruleset("qinghe-2026")
    assert [s.due for s in qh.rule("QH-PROGRESS-SUMMARY").params.schedule.slots] == ["03-24", "06-24", "09-24", "12-24"]
    assert qh.rule("QH-ITEM-LIST").params.schedule.due == "03-31"
    yp = load_ruleset("yuanping-2024")
    monthly = yp.rule("YP-MONTHLY-REPORT").params.schedule
    assert monthly.months == list(range(5, 13)) and monthly.day == 31
    assert yp.rule("YP-HALF-YEAR-SUMMARY").params.schedule.due == "06-15"
    assert yp.rule("YP-ANNUAL-SELF-INSPECTION").params.schedule.due == "11-15"


def test_tobacco_extends_the_city_and_overrides_only_what_differs():
    sjz, tob = load_ruleset("shijiazhuang-2025"), load_ruleset("shijiazhuang-tobacco-2025")
    assert tob.ruleset.extends == "shijiazhuang-2025"
    assert [r.id for r in tob.rules] == [r.id for r in sjz.rules]
    assert {r.responsible for r in tob.rules} <= {"市局各直属单位", "各直属单位", "各部门内部牵头机构"}
    same = [r.id for r in sjz.rules if r.params == tob.rule(r.id).params]
    assert set(r.id for r in sjz.rules) - set(same) == {"SJZ-MONTHLY-REPORT", "SJZ-PROGRESS-SUMMARY"}


def test_unknown_id_is_a_bilingual_error_listing_the_bundled_ids():
    with pytest.raises(InputError) as exc:
        load_ruleset("qinghe-2025")
    p = exc.value.first
    assert p.code == "ruleset.unknown_id"
    assert "qinghe-2026" in p.render("zh") and "no bundled ruleset" in p.render("en")


def test_a_user_file_can_extend_a_bundled_ruleset(tmp_path):
    f = tmp_path / "county.yaml"
    f.write_text("""ruleset:
  id: county-2026
  version: 1.0.0
  title: 某县方案
  issuer: 某县
  effective: {start: 2026-01-01, end: 2026-12-31}
  source_document: county.txt
  extends: qinghe-2026
override:
  - id: QH-JOINT-COUNT
    params: {threshold: "70%"}
remove: [QH-NO-REPEAT]
""", encoding="utf-8")
    rs = load_ruleset(str(f))
    assert rs.rule("QH-JOINT-COUNT").params.threshold == Fraction(7, 10)
    assert "QH-NO-REPEAT" not in [r.id for r in rs.rules]
    assert len(rs.rules) == len(load_ruleset("qinghe-2026").rules) - 1


def test_generated_ruleset_docs_are_in_sync():
    rulesets = bundled_in_document_order()
    guide = ROOT / "docs" / "rulesets.md"
    current = guide.read_text(encoding="utf-8")
    assert current == render_rulesets_md(current, rulesets), \
        "docs/rulesets.md is stale: run python -m shuangsuiji_core.ruleset_docs"
    compared = (ROOT / "docs" / "rulesets-compared.md").read_text(encoding="utf-8")
    assert compared == render_compared_md(rulesets), \
        "docs/rulesets-compared.md is stale: run python -m shuangsuiji_core.ruleset_docs"
    for ruleset in rulesets:
        for rule in ruleset.rules:
            assert f"`{rule.id}`" in current


def test_rulesets_md_lists_every_rule_with_its_setting():
    text = (ROOT / "docs" / "rulesets.md").read_text(encoding="utf-8")
    assert "| `QH-JOINT-COUNT` | 目标 target | >= 60%（可豁免）" in text
    assert "| `SJZ-MONTHLY-REPORT` | 期限 deadline | 每月 23 日前" in text
    compared = (ROOT / "docs" / "rulesets-compared.md").read_text(encoding="utf-8")
    assert "`qinghe-2026` 为 >= 60%（可豁免）" in compared
    assert "`shijiazhuang-tobacco-2025` 为 每月 22 日前" in compared
