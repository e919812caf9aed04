"""A ruleset's own example cases, in the spirit of `opa test` and OpenFisca's YAML tests.

Beside `rulesets/<id>.yaml` lives `rulesets/<id>.tests.yaml`::

    ruleset: qinghe-2026
    include:                                  # optional: reuse another file's cases
      - file: shijiazhuang-2025.tests.yaml
        drop_expectations: [SJZ-MONTHLY-REPORT]
    cases:
      - name: 5 个任务中 3 个联合抽查，达到 60%
        as_of: 2026-12-31
        plan: {id: P, year: 2026, department: 某局, tasks: [...]}     # or plan_file: path
        records: [...]                                                # or records_file: path
        submissions: [...]                                            # or submissions_file: path
        expect:
          QH-JOINT-COUNT: pass                # pass | fail | pending | waived | not_applicable
      - name: 不可豁免的规则不能登记豁免
        as_of: 2026-03-31
        plan: {...: ..., waivers: [{rule: QH-CREDIT-RISK, reason: …}]}
        expect_error: waiver.not_waivable     # the input must be refused with this problem code

Inline inputs are written exactly as in a plan, records or submissions file (DATA.md).
Each case is evaluated as a whole and the statuses of the rules named under `expect`
are compared; the others are not looked at. Every rule of the ruleset must have at
least one case expecting `pass` and one expecting `fail` (`SelftestResult.uncovered`).

This module is generic: the caller hands in `evaluate(ruleset, plan=, records=,
submissions=, as_of=) -> Report` and the domain's loaders (`shuangsuiji_core.rulesets`
wires the real ones). Without loaders, inline inputs are passed on as plain data.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from pydantic import Field, model_validator

from .errors import InputError, Location, Problem
from .i18n import Lang, Text
from .schema import Ruleset, _Strict
from .validation import validate_document
from .yaml_source import LocatedDocument, load_yaml_file

Expected = Literal["pass", "fail", "pending", "waived", "not_applicable"]
STATUSES: tuple[str, ...] = ("pass", "fail", "pending", "waived", "not_applicable")
_STATUS_ZH = {"pass": "通过", "fail": "不通过", "pending": "待定", "waived": "已豁免", "not_applicable": "不适用"}


class Case(_Strict):
    name: str = Field(min_length=1)
    description: str | None = None
    as_of: _dt.date
    plan: dict[str, Any] | None = None
    plan_file: str | None = None
    records: list[Any] | None = None
    records_file: str | None = None
    submissions: list[Any] | None = None
    submissions_file: str | None = None
    expect: dict[str, Expected] = Field(default_factory=dict)
    expect_error: str | None = Field(None, description="输入应被拒绝时的问题代码，如 waiver.not_waivable")

    @model_validator(mode="after")
    def _one_source_each(self) -> "Case":
        for key in ("plan", "records", "submissions"):
            if getattr(self, key) is not None and getattr(self, f"{key}_file") is not None:
                raise ValueError(f"give `{key}` or `{key}_file`, not both")
        if not self.expect and self.expect_error is None:
            raise ValueError("give `expect` (rule statuses) or `expect_error` (the code of the expected problem)")
        if self.expect and self.expect_error is not None:
            raise ValueError("give `expect` or `expect_error`, not both")
        return self


class Include(_Strict):
    file: str = Field(min_length=1)
    drop_expectations: list[str] = Field(default_factory=list)


class TestsFile(_Strict):
    ruleset: str | None = None
    include: list[Include] = Field(default_factory=list)
    cases: list[Case] = Field(default_factory=list)


@dataclass
class CaseResult:
    name: str
    location: Location
    expected: dict[str, str]
    actual: dict[str, str] = field(default_factory=dict)
    failures: list[Text] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class SelftestResult:
    ruleset_id: str
    tests_file: str
    cases: list[CaseResult]
    uncovered: dict[str, list[str]]   # rule id -> the statuses (pass/fail) no case expects

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases) and not self.uncovered

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.ok)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed

    def render(self, lang: Lang = "zh") -> str:
        zh = lang == "zh"
        lines = [f"{self.ruleset_id} ({self.tests_file})"]
        for c in self.cases:
            mark = ("通过" if zh else "ok  ") if c.ok else ("失败" if zh else "FAIL")
            lines.append(f"  {mark}  {c.name}")
            for f in c.failures:
                lines.append(f"        {c.location}: {f.get(lang)}")
        for rid, missing in self.uncovered.items():
            wanted = "、".join(_STATUS_ZH[m] for m in missing) if zh else ", ".join(missing)
            lines.append(f"  {'缺少用例' if zh else 'uncovered'}  {rid}: " +
                         (f"没有期望“{wanted}”的用例" if zh else f"no case expects {wanted}"))
        total = len(self.cases)
        lines.append((f"  {self.passed}/{total} 个用例通过" if zh else f"  {self.passed}/{total} cases passed") +
                     ((f"，{len(self.uncovered)} 条规则缺少通过或不通过用例" if zh else
                       f", {len(self.uncovered)} rules lack a passing or failing case") if self.uncovered else ""))
        return "\n".join(lines)


Evaluate = Callable[..., Any]
Loaders = Mapping[str, Callable]


def _problem(code: str, zh: str, en: str, location: Location, path=(), expected: Text | None = None,
             found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=location, path=tuple(path),
                   expected=expected, found=found)


@dataclass
class _LoadedCase:
    case: Case
    doc: LocatedDocument
    path: tuple
    base_dir: Path
    dropped: frozenset[str] = frozenset()


def _read_tests(path: Path, ruleset: Ruleset, stack: tuple[Path, ...] = ()) -> list[_LoadedCase]:
    real = Path(os.path.realpath(path))
    if real in stack:
        raise InputError([_problem("selftest.include_cycle", "自测文件相互 include，形成循环",
                                   "the self-test files include each other in a cycle", Location(str(path)))])
    doc = load_yaml_file(str(path))
    parsed = validate_document(TestsFile, doc)
    out: list[_LoadedCase] = []
    for i, inc in enumerate(parsed.include):
        target = path.parent / inc.file
        if not target.is_file():
            raise InputError([_problem("selftest.include_missing", f"找不到 include 的自测文件“{inc.file}”",
                                       f"the included self-test file '{inc.file}' does not exist",
                                       doc.locate(("include", i, "file")), ("include", i, "file"), found=inc.file)])
        for loaded in _read_tests(target, ruleset, stack + (real,)):
            loaded.dropped = loaded.dropped | frozenset(inc.drop_expectations)
            out.append(loaded)
    if parsed.ruleset is not None and parsed.ruleset != ruleset.ruleset.id and not stack:
        raise InputError([_problem(
            "selftest.ruleset_mismatch", f"自测文件写的规则集是“{parsed.ruleset}”，不是“{ruleset.ruleset.id}”",
            f"the self-test file is for ruleset '{parsed.ruleset}', not '{ruleset.ruleset.id}'",
            doc.locate(("ruleset",)), ("ruleset",), Text(zh=ruleset.ruleset.id, en=ruleset.ruleset.id), parsed.ruleset)])
    for i, case in enumerate(parsed.cases):
        out.append(_LoadedCase(case, doc, ("cases", i), path.parent))
    return out


def _check_expectations(loaded: list[_LoadedCase], ruleset: Ruleset) -> list[Problem]:
    ids = {r.id for r in ruleset.rules}
    problems = []
    for lc in loaded:
        for rid in lc.case.expect:
            if rid in lc.dropped or rid in ids:
                continue
            problems.append(_problem(
                "selftest.unknown_rule", f"用例“{lc.case.name}”期望的规则 {rid} 不在规则集 {ruleset.ruleset.id} 中",
                f"case '{lc.case.name}' expects rule {rid}, which ruleset {ruleset.ruleset.id} does not have",
                lc.doc.locate_key(lc.path + ("expect", rid)), lc.path + ("expect", rid),
                Text(zh="规则集中的规则 id", en="a rule id of the ruleset"), rid))
    return problems


def _inputs(lc: _LoadedCase, loaders: Loaders | None) -> dict[str, Any]:
    case, doc = lc.case, lc.doc
    out: dict[str, Any] = {}
    for key in ("plan", "records", "submissions"):
        inline = getattr(case, key)
        file = getattr(case, f"{key}_file")
        if inline is not None:
            loader = (loaders or {}).get(key)
            out[key] = loader(doc, prefix=lc.path + (key,)) if loader else inline
        elif file is not None:
            target = lc.base_dir / file
            if not target.is_file():
                raise InputError([_problem(
                    "selftest.input_missing", f"找不到输入文件“{file}”（相对于自测文件所在目录）",
                    f"the input file '{file}' does not exist (relative to the self-test file)",
                    doc.locate(lc.path + (f"{key}_file",)), lc.path + (f"{key}_file",), found=file)])
            loader = (loaders or {}).get(f"{key}_file")
            out[key] = loader(target) if loader else target
    return out


def _status(finding: Any) -> str:
    status = getattr(finding, "status", None)
    return getattr(status, "value", status)


def run_case(lc: _LoadedCase, ruleset: Ruleset, evaluate: Evaluate, loaders: Loaders | None) -> CaseResult:
    case = lc.case
    expected = {rid: st for rid, st in case.expect.items() if rid not in lc.dropped}
    result = CaseResult(case.name, lc.doc.locate(lc.path), expected)
    if case.expect_error is not None:
        return _run_error_case(lc, result, ruleset, evaluate, loaders)
    try:
        inputs = _inputs(lc, loaders)
        report = evaluate(ruleset, as_of=case.as_of, **inputs)
    except InputError as exc:
        result.failures.append(Text(zh="输入或规则集有误：" + exc.render("zh"), en="bad input or ruleset: " + exc.render("en")))
        return result
    except Exception as exc:  # an evaluator bug must not hide the other cases
        result.failures.append(Text(zh=f"评估出错：{type(exc).__name__}: {exc}",
                                    en=f"evaluation failed: {type(exc).__name__}: {exc}"))
        return result
    found = {f.rule_id: _status(f) for f in getattr(report, "findings", [])}
    result.actual = found
    for rid, want in expected.items():
        got = found.get(rid)
        if got is None:
            result.failures.append(Text(zh=f"{rid}：报告中没有这条规则的结论", en=f"{rid}: the report has no finding for it"))
        elif got != want:
            result.failures.append(Text(
                zh=f"{rid}：期望 {want}（{_STATUS_ZH[want]}），实际 {got}（{_STATUS_ZH.get(got, got)}）",
                en=f"{rid}: expected {want}, got {got}"))
    return result


def _run_error_case(lc: _LoadedCase, result: CaseResult, ruleset: Ruleset, evaluate: Evaluate,
                    loaders: Loaders | None) -> CaseResult:
    """A case whose input must be refused with a problem of code `expect_error`."""
    want = lc.case.expect_error
    try:
        evaluate(ruleset, as_of=lc.case.as_of, **_inputs(lc, loaders))
    except InputError as exc:
        codes = [p.code for p in exc.problems]
        result.actual = {"error": ", ".join(codes)}
        if want not in codes:
            result.failures.append(Text(zh=f"期望问题 {want}，实际问题 {', '.join(codes)}",
                                        en=f"expected problem {want}, got {', '.join(codes)}"))
        return result
    except Exception as exc:
        result.failures.append(Text(zh=f"评估出错：{type(exc).__name__}: {exc}",
                                    en=f"evaluation failed: {type(exc).__name__}: {exc}"))
        return result
    result.failures.append(Text(zh=f"期望输入被拒绝（问题 {want}），实际评估成功",
                                en=f"expected the input to be refused ({want}), but it was evaluated"))
    return result


def coverage(loaded_expectations: list[dict[str, str]], ruleset: Ruleset) -> dict[str, list[str]]:
    """Rules lacking a case that expects `pass` or one that expects `fail`."""
    seen: dict[str, set[str]] = {r.id: set() for r in ruleset.rules}
    for expect in loaded_expectations:
        for rid, status in expect.items():
            if rid in seen:
                seen[rid].add(status)
    return {rid: [s for s in ("pass", "fail") if s not in st] for rid, st in seen.items()
            if not {"pass", "fail"} <= st}


def load_cases(tests_path: str | os.PathLike, ruleset: Ruleset) -> list[_LoadedCase]:
    """Read and check a tests file (and its includes) without running anything."""
    path = Path(tests_path)
    if not path.is_file():
        raise InputError([_problem("selftest.missing", f"找不到自测文件 {path.name}", f"no self-test file {path.name}",
                                   Location(str(path)), expected=Text(zh=f"规则集旁的 <id>.tests.yaml",
                                                                      en="<id>.tests.yaml beside the ruleset"))])
    loaded = _read_tests(path, ruleset)
    problems = _check_expectations(loaded, ruleset)
    if problems:
        raise InputError(problems)
    return [lc for lc in loaded
            if lc.case.expect_error is not None or any(rid not in lc.dropped for rid in lc.case.expect)]


def run_selftests(tests_path: str | os.PathLike, ruleset: Ruleset, evaluate: Evaluate,
                  loaders: Loaders | None = None) -> SelftestResult:
    """Run every case of `tests_path` against `ruleset` with `evaluate`.

    `loaders` maps "plan", "records", "submissions" to `f(doc, prefix=path)` for inline
    inputs and "plan_file", "records_file", "submissions_file" to `f(path)` for file
    references. Raises InputError when the tests file itself is malformed."""
    loaded = load_cases(tests_path, ruleset)
    results = [run_case(lc, ruleset, evaluate, loaders) for lc in loaded]
    uncovered = coverage([r.expected for r in results], ruleset)
    return SelftestResult(ruleset.ruleset.id, str(tests_path), results, uncovered)
