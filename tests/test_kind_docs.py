from pathlib import Path

from policy_rules import kind_docs
from policy_rules.schema import RULE_KINDS

DOC = Path(__file__).resolve().parent.parent / "docs" / "rule-kinds.md"


def test_every_kind_documents_itself_with_a_passing_and_a_failing_example():
    for kind, model in RULE_KINDS.items():
        assert model.doc.zh and model.doc.en, kind
        assert set(model.examples) >= {"pass", "fail"}, kind


def test_committed_rule_kinds_doc_matches_the_models():
    assert DOC.read_text(encoding="utf-8") == kind_docs.render(), (
        "docs/rule-kinds.md is stale: run `python -m policy_rules.kind_docs > docs/rule-kinds.md`")
