"""The vocabulary: fact fields equal the ARCHITECTURE contract, every name it lists is
defined, every field a metric or pattern mentions exists, and the docs stay in sync."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from policy_rules.errors import InputError
from policy_rules.lint import FieldRef, match_references, ratio_references
from shuangsuiji_core.vocabulary import FACT_FIELDS, FACT_FIELD_TYPES, load_vocabulary, load_vocabulary_files
from shuangsuiji_core.vocabulary.__main__ import main as vocabulary_main
from shuangsuiji_core.vocabulary.docs import render_metrics, render_patterns

ROOT = Path(__file__).resolve().parent.parent
ARCH = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
VOCAB_DIR = ROOT / "shuangsuiji_core" / "vocabulary"


def _architecture_fact_table() -> dict[str, set[str]]:
    section = ARCH.split("## Facts:", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        m = re.match(r"\| `(\w+)` \| (.*) \|$", line)
        if not m:
            continue
        # field names are the backticked words not inside a parenthesis
        text = re.sub(r"\([^()]*(\([^()]*\)[^()]*)*\)", "", m[2])
        table[m[1]] = set(re.findall(r"`(\w+)`", text))
    return table


def _architecture_names(kind: str) -> set[str]:
    section = ARCH.split("## Vocabulary", 1)[1].split("\n## ", 1)[0]
    part = section.split(f"{kind}:", 1)[1]
    part = part.split("\n\npatterns:", 1)[0] if kind == "metrics" else part
    text = re.sub(r"\([^()]*\)", "", part)
    return set(re.findall(r"`([a-z_]+)`", text))


def test_fact_fields_are_exactly_the_architecture_table():
    table = _architecture_fact_table()
    assert set(table) == {"plan", "task", "record", "inspector", "adjustment", "submission"}
    assert {k: set(v) for k, v in FACT_FIELDS.items()} == table
    assert {k: set(v) for k, v in load_vocabulary().fact_fields.items()} == table


def test_every_field_has_a_known_type():
    for fields in FACT_FIELD_TYPES.values():
        assert set(fields.values()) <= {"bool", "int", "str", "date"}


def test_every_architecture_name_is_defined():
    vocab = load_vocabulary()
    metrics, patterns = _architecture_names("metrics"), _architecture_names("patterns")
    assert len(metrics) >= 8 and len(patterns) >= 20
    assert metrics <= set(vocab.metrics), metrics - set(vocab.metrics)
    assert patterns <= set(vocab.patterns), patterns - set(vocab.patterns)


def _refs(vocab):
    for name, m in vocab.metrics.items():
        for ref in ratio_references(m.ratio):
            yield name, ref
    for name, p in vocab.patterns.items():
        for ref in match_references(p.match):
            yield name, ref


def test_every_field_mentioned_exists_in_fact_fields():
    vocab = load_vocabulary()
    seen = 0
    for name, ref in _refs(vocab):
        assert ref.fact in vocab.fact_fields, (name, ref)
        if isinstance(ref, FieldRef):
            assert ref.field in vocab.fact_fields[ref.fact], (name, ref)
            seen += 1
    assert seen > 40


def test_every_entry_is_documented_with_examples():
    vocab = load_vocabulary()
    for entry in [*vocab.metrics.values(), *vocab.patterns.values()]:
        assert entry.doc.zh.strip() and entry.doc.en.strip(), entry.name
        assert entry.examples["pass"].strip() and entry.examples["fail"].strip(), entry.name
        assert entry.examples["pass"] != entry.examples["fail"]


def test_pattern_scope_follows_its_fact():
    vocab = load_vocabulary()
    for p in vocab.patterns.values():
        expected = "plan" if p.match.fact in ("plan", "task", "adjustment") else "records"
        assert p.scope.value == expected, p.name


def _copy_vocab(tmp_path: Path) -> tuple[Path, Path]:
    m, p = tmp_path / "metrics.yaml", tmp_path / "patterns.yaml"
    shutil.copy(VOCAB_DIR / "metrics.yaml", m)
    shutil.copy(VOCAB_DIR / "patterns.yaml", p)
    return m, p


def test_unknown_field_in_a_pattern_is_a_located_error(tmp_path):
    m, p = _copy_vocab(tmp_path)
    text = p.read_text(encoding="utf-8")
    assert "field: conflict_of_interest," in text
    p.write_text(text.replace("field: conflict_of_interest,", "field: conflict_of_intrest,"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_vocabulary_files(m, p)
    problem = exc.value.first
    assert problem.code == "lint.unknown_field"
    line = next(i for i, l in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "conflict_of_intrest" in l)
    assert problem.location.file == str(p) and problem.location.line == line
    assert "conflict_of_intrest" in problem.render("zh") and "conflict_of_intrest" in problem.render("en")
    assert problem.path[:2] == ("patterns", "inspector_conflict_of_interest")


def test_wrong_value_type_and_unknown_enum_value_are_errors(tmp_path):
    m, p = _copy_vocab(tmp_path)
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("{field: method, op: eq, value: onsite}", "{field: method, op: eq, value: on-site}")
                 .replace("{field: inspector_count, op: lt, value: 2}", "{field: inspector_count, op: lt, value: two}"),
                 encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_vocabulary_files(m, p)
    codes = sorted(pr.code for pr in exc.value.problems)
    assert codes == ["lint.unknown_value", "lint.value_type"]


def test_unknown_fact_in_a_metric_is_an_error(tmp_path):
    m, p = _copy_vocab(tmp_path)
    text = m.read_text(encoding="utf-8")
    m.write_text(text.replace("match: {fact: record}", "match: {fact: recrod}", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_vocabulary_files(m, p)
    assert "lint.unknown_fact" in {pr.code for pr in exc.value.problems}


def test_scope_that_reads_nothing_of_its_input_is_an_error(tmp_path):
    m, p = _copy_vocab(tmp_path)
    text = p.read_text(encoding="utf-8")
    head, tail = text.split("  plan_not_published:\n    scope: plan", 1)
    p.write_text(head + "  plan_not_published:\n    scope: records" + tail, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_vocabulary_files(m, p)
    assert exc.value.first.code == "vocabulary.scope"


def test_generated_docs_are_in_sync():
    vocab = load_vocabulary()
    for name, text in (("metrics.md", render_metrics(vocab)), ("patterns.md", render_patterns(vocab))):
        committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/{name} is stale: run python -m shuangsuiji_core.vocabulary"


def test_doc_command_writes_and_checks(tmp_path):
    assert vocabulary_main(["--check", str(tmp_path)]) == 1
    assert vocabulary_main([str(tmp_path)]) == 0
    assert vocabulary_main(["--check", str(tmp_path)]) == 0
    assert "## joint_task_share" in (tmp_path / "metrics.md").read_text(encoding="utf-8")
