"""The inspection domain's vocabulary: fact fields, named metrics and named patterns.

`FACT_FIELD_TYPES` is the field contract of docs/ARCHITECTURE.md ("Facts: the field
contract"), with each field's type; a test keeps the two identical. Metrics and
patterns are declared in `metrics.yaml` and `patterns.yaml` beside this file, in the
schema's own `RatioMetric` / `Match` language, each with its documentation and a
passing and a failing example. `load_vocabulary()` reads and checks them: a metric or
pattern that names an unknown fact or field, or compares a field with a value of the
wrong type, is a located error.

`python -m shuangsuiji_core.vocabulary` regenerates docs/metrics.md and docs/patterns.md
and `_parsed.py`, the two files as Python data with the digest of the text they came
from, which spares a cold command parsing them while the digests match (`--check`
only compares).
"""

from __future__ import annotations

import dataclasses
import hashlib
import pprint
import textwrap
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field

from policy_rules.errors import InputError
from policy_rules.i18n import Text
from policy_rules.lint import match_references, ratio_references, reference_problems
from policy_rules.quantities import Ratio
from policy_rules.schema import Match, RatioMetric, Scope, Selector, _Strict
from policy_rules.validation import validate_document
from policy_rules.vocabulary import MetricDef, PatternDef, Vocabulary
from policy_rules.yaml_source import LocatedDocument, load_yaml_text

__all__ = ["FACT_FIELD_TYPES", "FACT_FIELDS", "FIELD_VALUES", "load_vocabulary", "load_vocabulary_files"]

# fact -> field -> type ("bool", "int", "str", "date"); None in a fact means absent.
FACT_FIELD_TYPES: dict[str, dict[str, str]] = {
    "plan": {
        "id": "str", "year": "int", "published_on": "date", "enterprise_count_prev_year_end": "int",
        "task_count": "int", "adjustment_count": "int",
    },
    "task": {
        "id": "str", "name": "str", "mode": "str", "uses_credit_risk": "bool", "remote_feasible": "bool",
        "plans_onsite": "bool", "partner_count": "int", "planned_households": "int", "industry": "str",
        "has_sampling_ratio": "bool", "risk_ratio_ordered": "bool", "window_start": "date",
        "window_end": "date", "duplicates_joint": "bool",
    },
    "record": {
        "id": "str", "task_id": "str", "credit_code": "str", "entity_name": "str", "is_enterprise": "bool",
        "risk_class": "str", "drawn_randomly": "bool", "method": "str", "inspected_on": "date",
        "problems_found": "bool", "result_entered_on": "date", "result_published_on": "date",
        "follow_up_action": "str", "follow_up_recorded_on": "date", "follow_up_published_on": "date",
        "platform": "str", "inspector_count": "int", "task_known": "bool", "task_mode": "str",
        "task_uses_credit_risk": "bool", "task_remote_feasible": "bool", "within_task_window": "bool",
        "duplicate_in_task": "bool", "repeat_in_year": "bool",
    },
    "inspector": {
        "record_id": "str", "task_id": "str", "inspector_id": "str", "credit_code": "str",
        "certified": "bool", "drawn_randomly": "bool", "conflict_of_interest": "bool",
    },
    "adjustment": {
        "id": "str", "date": "date", "description": "str", "filed_on": "date", "published_on": "date",
    },
    "submission": {
        "kind": "str", "period": "str", "submitted_on": "date",
    },
}

FACT_FIELDS: dict[str, frozenset[str]] = {fact: frozenset(fields) for fact, fields in FACT_FIELD_TYPES.items()}

_METHODS = frozenset({"onsite", "document_review", "information_sharing", "online_monitoring", "video"})
_MODES = frozenset({"joint", "internal"})
# Text fields with a closed set of values (DATA.md enums): a typo such as `on-site` is an error.
FIELD_VALUES: dict[str, dict[str, frozenset[str]]] = {
    "task": {"mode": _MODES},
    "record": {
        "method": _METHODS, "task_mode": _MODES, "risk_class": frozenset("ABCD"),
        "follow_up_action": frozenset({"case_filed", "transferred", "judicial_referral", "rectification",
                                       "none_needed"}),
        "platform": frozenset({"provincial", "other"}),
    },
}


class _Examples(_Strict):
    pass_: str = Field(alias="pass", min_length=1)
    fail: str = Field(min_length=1)


class ExampleCheck(_Strict):
    """The passing and failing example as inputs (DATA.md shapes, merged onto a small
    default plan), run through the real evaluator by tests/test_vocabulary_examples.py."""

    threshold: Ratio | None = None
    pass_: dict[str, Any] = Field(alias="pass")
    fail: dict[str, Any] | None = None
    # a failing input the plan format itself refuses (so no fact can ever match)
    fail_refused_by_the_plan_format: dict[str, Any] | None = None


class _MetricEntry(_Strict):
    scope: Scope
    doc: Text
    numerator: Selector
    denominator: Selector
    examples: _Examples
    check: ExampleCheck


class _PatternEntry(_Strict):
    scope: Scope
    doc: Text
    match: Match
    examples: _Examples
    check: ExampleCheck


class _MetricsFile(_Strict):
    metrics: dict[str, _MetricEntry] = Field(min_length=1)


class _PatternsFile(_Strict):
    patterns: dict[str, _PatternEntry] = Field(min_length=1)


VOCABULARY_FILES = ("metrics.yaml", "patterns.yaml")


def _bundled_text(package_file: str) -> str:
    return resources.files(__name__).joinpath(package_file).read_text(encoding="utf-8")


def _read(package_file: str, path: Path | None) -> LocatedDocument:
    if path is not None:
        from policy_rules.yaml_source import load_yaml_file
        return load_yaml_file(str(path))
    return load_yaml_text(_bundled_text(package_file), f"shuangsuiji_core/vocabulary/{package_file}")


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parsed_module_text() -> str:
    """The source of `_parsed.py`: the bundled vocabulary files as Python data, with the
    sha256 of the exact text each was read from (`python -m shuangsuiji_core.vocabulary`
    writes it; a test keeps it in sync)."""
    digests, data = {}, {}
    for name in VOCABULARY_FILES:
        text = _bundled_text(name)
        digests[name] = text_digest(text)
        data[name] = load_yaml_text(text, f"shuangsuiji_core/vocabulary/{name}").data
    body = pprint.pformat(data, width=110, sort_dicts=False)
    text = ('"""The bundled metrics.yaml and patterns.yaml as Python data, so that a cold command does not\n'
            'parse them (`load_vocabulary_files` uses this only while both digests match the files).\n'
            'Generated by `python -m shuangsuiji_core.vocabulary`; do not edit."""\n\n'
            "import datetime\n\n"
            f"SHA256 = {pprint.pformat(digests, sort_dicts=False)}\n\n\n"
            "def data() -> dict:\n"
            "    \"\"\"Fresh objects on every call: the caller may keep them.\"\"\"\n"
            f"    return {textwrap.indent(body, '    ').lstrip()}\n")
    namespace: dict[str, Any] = {}
    exec(compile(text, "_parsed.py", "exec"), namespace)  # noqa: S102 - our own generated source
    if repr(namespace["data"]()) != repr(data):  # e.g. a value whose repr is not Python (nan)
        raise ValueError("the vocabulary files hold a value _parsed.py cannot write back exactly")
    return text


def _from_parsed() -> Vocabulary | None:
    """The bundled vocabulary from `_parsed.py`, or None when that is stale or anything
    in it is wrong (then the files are read, and their problems located)."""
    try:
        from . import _parsed
    except ImportError:  # pragma: no cover - a source tree without the generated module
        return None
    texts = {name: _bundled_text(name) for name in VOCABULARY_FILES}
    if _parsed.SHA256 != {name: text_digest(text) for name, text in texts.items()}:
        return None
    data = _parsed.data()
    docs = [LocatedDocument(data=data[name], file=f"shuangsuiji_core/vocabulary/{name}") for name in VOCABULARY_FILES]
    try:
        return _vocabulary_of(*docs)
    except InputError:
        return None  # said again, located, by reading the files


def _rebased(refs, base) -> list:
    return [dataclasses.replace(r, path=base + r.path) for r in refs]


def load_vocabulary_files(metrics_path: Path | None = None, patterns_path: Path | None = None) -> Vocabulary:
    """Read and check a metrics file and a patterns file (default: the bundled ones)."""
    if metrics_path is None and patterns_path is None:
        vocabulary = _from_parsed()
        if vocabulary is not None:
            return vocabulary
    return _vocabulary_of(_read("metrics.yaml", metrics_path), _read("patterns.yaml", patterns_path))


def _vocabulary_of(mdoc: LocatedDocument, pdoc: LocatedDocument) -> Vocabulary:
    mfile = validate_document(_MetricsFile, mdoc)
    pfile = validate_document(_PatternsFile, pdoc)
    probe = Vocabulary(fact_fields=FACT_FIELDS, metrics={}, patterns={})
    problems = []
    metrics: dict[str, MetricDef] = {}
    for name, entry in mfile.metrics.items():
        base = ("metrics", name)
        ratio = RatioMetric(numerator=entry.numerator, denominator=entry.denominator)
        problems += reference_problems(_rebased(ratio_references(ratio), base), probe, mdoc.locate,
                                       FACT_FIELD_TYPES, FIELD_VALUES)
        problems += _scope_problems(name, entry.scope, [entry.numerator.match, entry.denominator.match], mdoc, base)
        metrics[name] = MetricDef(name=name, doc=entry.doc, scope=entry.scope, ratio=ratio,
                                  examples={"pass": entry.examples.pass_, "fail": entry.examples.fail})
    patterns: dict[str, PatternDef] = {}
    for name, entry in pfile.patterns.items():
        base = ("patterns", name, "match")
        problems += reference_problems(_rebased(match_references(entry.match), base), probe, pdoc.locate,
                                       FACT_FIELD_TYPES, FIELD_VALUES)
        problems += _scope_problems(name, entry.scope, [entry.match], pdoc, ("patterns", name))
        patterns[name] = PatternDef(name=name, doc=entry.doc, scope=entry.scope, match=entry.match,
                                    examples={"pass": entry.examples.pass_, "fail": entry.examples.fail})
    if problems:
        raise InputError(problems)
    return Vocabulary(fact_fields=dict(FACT_FIELDS), metrics=metrics, patterns=patterns)


# Which input each fact type comes from: a metric or pattern of scope `plan` may read
# only plan facts; one of scope `records` reads records and, for joins and
# denominators, the plan (enterprise_coverage, planned_task_execution).
FACT_SCOPE: dict[str, Scope] = {
    "plan": Scope.plan, "task": Scope.plan, "adjustment": Scope.plan,
    "record": Scope.records, "inspector": Scope.records, "submission": Scope.submissions,
}


def _scope_problems(name: str, scope: Scope, matches: list[Match], doc: LocatedDocument, base) -> list:
    from policy_rules.errors import Problem
    facts = {m.fact for m in matches} | {j.fact for m in matches for j in (*m.join, *m.absent)}
    scopes = {FACT_SCOPE[f] for f in facts if f in FACT_SCOPE}
    if scope in scopes:
        return []
    return [Problem(
        code="vocabulary.scope", location=doc.locate(base + ("scope",)), path=base + ("scope",),
        message=Text(zh=f"“{name}”的 scope 是 {scope.value}，但它不读取该输入的任何事实",
                     en=f"'{name}' has scope {scope.value} but reads no fact of that input"),
        expected=Text(zh=" 或 ".join(sorted(s.value for s in scopes)), en=" or ".join(sorted(s.value for s in scopes))),
        found=scope.value)]


def example_checks(metrics_path: Path | None = None, patterns_path: Path | None = None) -> dict[str, tuple[str, Scope, ExampleCheck, LocatedDocument, tuple]]:
    """name -> ("metric" | "pattern", scope, check, document, path of the check) for every entry."""
    out = {}
    for kind, package_file, path, model in (("metric", "metrics.yaml", metrics_path, _MetricsFile),
                                            ("pattern", "patterns.yaml", patterns_path, _PatternsFile)):
        doc = _read(package_file, path)
        parsed = validate_document(model, doc)
        for name, entry in getattr(parsed, kind + "s").items():
            out[name] = (kind, entry.scope, entry.check, doc, (kind + "s", name, "check"))
    return out


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The bundled vocabulary (read once per process)."""
    return load_vocabulary_files()
