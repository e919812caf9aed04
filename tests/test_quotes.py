"""Provenance: every quote is found verbatim in its source document, and no contact
details (names with phones, e-mail addresses, URLs) ever enter a ruleset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shuangsuiji_core.rulesets import bundled_rulesets, load_ruleset

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

RULESET_FILES = bundled_rulesets()
IDS = [p.stem for p in RULESET_FILES]


def _seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("ruleset_id", IDS)
def test_every_quote_is_verbatim_in_its_document(ruleset_id):
    if not SEEDS.is_dir():
        pytest.skip(f"the source documents are not here ({SEEDS} is absent): quotes cannot be checked")
    ruleset = load_ruleset(ruleset_id)
    missing = []
    for rule in ruleset.rules:
        document = rule.source.document or ruleset.ruleset.source_document
        path = SEEDS / document
        assert path.is_file(), f"{rule.id}: source document {document} not found in {SEEDS}"
        if rule.source.quote not in _seed_text(document):
            missing.append(f"{rule.id}: {rule.source.quote[:60]}")
    assert missing == [], "quotes not found verbatim:\n" + "\n".join(missing)


@pytest.mark.parametrize("ruleset_id", IDS)
def test_every_section_heading_part_is_in_the_document(ruleset_id):
    if not SEEDS.is_dir():
        pytest.skip(f"the source documents are not here ({SEEDS} is absent)")
    ruleset = load_ruleset(ruleset_id)
    for rule in ruleset.rules:
        text = _seed_text(rule.source.document or ruleset.ruleset.source_document)
        for part in rule.source.section.split(" / "):
            assert part in text, f"{rule.id}: section part {part!r} is not a heading of the document"


def test_quote_check_catches_an_altered_quote():
    if not SEEDS.is_dir():
        pytest.skip(f"the source documents are not here ({SEEDS} is absent)")
    text = _seed_text("004_4b0064426950bf56.txt")
    quote = load_ruleset("qinghe-2026").rule("QH-JOINT-COUNT").source.quote
    assert quote in text
    assert quote.replace("60%", "60％") not in text   # one full-width character is enough to fail


_PHONE = re.compile(r"(?<![0-9A-Za-z_])(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{3,4}-\d{7,8})(?![0-9A-Za-z_])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_CONTACT_WORDS = ("联系人", "联系电话", "联 系 人", "手机：", "传真", "电子邮箱")


def _contact_problems(text: str) -> list[str]:
    # the schema header is the one URL-like line allowed: a relative path, not a web address
    text = "\n".join(line for line in text.splitlines() if not line.startswith("# yaml-language-server:"))
    found = [m.group(0) for rx in (_PHONE, _EMAIL, _URL) for m in rx.finditer(text)]
    found += [w for w in _CONTACT_WORDS if w in text]
    return found


@pytest.mark.parametrize("path", RULESET_FILES + [p.with_name(p.stem + ".tests.yaml") for p in RULESET_FILES],
                         ids=lambda p: p.name)
def test_no_contact_details_in_rulesets_or_their_tests(path):
    assert _contact_problems(path.read_text(encoding="utf-8")) == []


def test_contact_detector_finds_what_it_must():
    assert _contact_problems("联系电话：0311-86012345") != []
    assert _contact_problems("mobile 13912345678") != []
    assert _contact_problems("电话03118601234") != []
    assert _contact_problems("source_document: 004_4b0064426950bf56.txt") == []
    assert _contact_problems("mail xyz@example.gov.cn") != []
    assert _contact_problems("see https://example.org/x") != []
    assert _contact_problems("除特殊情况外，联合抽查次数占比、户数占比均实现100%；3月28日、6月27日") == []
