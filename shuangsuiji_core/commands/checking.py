"""What `check-plan` and `audit` share: load the inputs, pick the ruleset, evaluate,
and turn the reports into an exit code."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text
from policy_rules.offender_file import OffenderFile
from policy_rules.report import Report, SourceRef, Status

from .components import component
from .exit_codes import FINDINGS, OK
from .progress import progress_for

# `none` reports without failing, for a first look or a dashboard; exit 2 (could not run) still applies
FAIL_LEVELS = {"error": {"error"}, "warning": {"error", "warning"}, "none": set()}


def exit_code_for(reports: Sequence[Report], fail_on: str) -> int:
    levels = FAIL_LEVELS[fail_on]
    failing = any(f.status == Status.fail and f.severity.value in levels for r in reports for f in r.findings)
    return FINDINGS if failing else OK


class RulesetCache:
    """Each ruleset is loaded once per run, however many plans name it."""

    def __init__(self) -> None:
        self._loaded: dict[str, object] = {}

    def get(self, ref: str):
        if ref not in self._loaded:
            self._loaded[ref] = component("shuangsuiji_core.rulesets", "load_ruleset")(ref)
        return self._loaded[ref]


def plan_ruleset_ref(plan, plan_file: str | None) -> str | None:
    """The plan's own `ruleset:`; a relative file path there is relative to the plan
    file (as a person writing the plan means it), not to where the command runs."""
    ref = getattr(plan, "ruleset", None)
    if not ref or not plan_file:
        return ref
    looks_like_path = "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml", ".json"))
    if looks_like_path and not os.path.isabs(ref):
        beside = os.path.join(os.path.dirname(plan_file), ref)
        if os.path.exists(beside):
            return beside
    return ref


def no_ruleset_problem(plan_file: str | None) -> InputError:
    return InputError([Problem(
        code="cli.no_ruleset",
        message=Text(zh="未指定规则集：请用 --ruleset 指定，或在计划中写 ruleset 字段",
                     en="no ruleset: pass --ruleset, or set `ruleset:` in the plan"),
        location=Location(file=plan_file), path=("plan", "ruleset") if plan_file else (),
        expected=Text(zh="规则集 id（如 qinghe-2026）或规则集文件路径", en="a ruleset id (e.g. qinghe-2026) or a ruleset file"))])


@dataclass
class Inputs:
    records: list[str] = field(default_factory=list)
    submissions: str | None = None
    quiet: bool = False
    lang: str = "zh"

    def iter_records(self) -> Iterator | None:
        """A fresh stream over every records file (None when there are none)."""
        if not self.records:
            return None
        iter_records = component("shuangsuiji_core.loading", "iter_records")
        sources_of = component("shuangsuiji_core.loading.record_source", "RecordSources")
        label = "读取记录" if self.lang == "zh" else "reading records"
        # a bar per file on a terminal; the sources stay recognisable to the evaluation
        # (which reads them faster, and in parallel parts when large)
        return sources_of([iter_records(path) for path in self.records],
                          progress=lambda s: progress_for(s.path, label, quiet=self.quiet))

    def load_submissions(self):
        if self.submissions is None:
            return None
        return component("shuangsuiji_core.loading", "load_submissions")(self.submissions)


def evaluate_one(ruleset, plan, plan_file: str | None, inputs: Inputs, as_of: dt.date | None,
                 engine: str) -> Report:
    evaluate = component("shuangsuiji_core.evaluation", "evaluate")
    report = evaluate(ruleset, plan=plan, records=inputs.iter_records(), submissions=inputs.load_submissions(),
                      as_of=as_of, engine=engine)
    if not report.inputs:
        files = ([plan_file] if plan_file else []) + inputs.records + ([inputs.submissions] if inputs.submissions else [])
        report = report.model_copy(update={"inputs": files})
    if inputs.submissions:
        report = locate_submission_slots(report, inputs.submissions)
    return report


SUBMISSION_KINDS = frozenset({"slot", "submission"})


def locate_submission_slots(report: Report, submissions_file: str) -> Report:
    """A reporting slot with no line of its own (nothing was handed in for it) belongs
    to the submissions file, not to the plan: point editors and code scanning there."""
    changed = False
    findings = []
    for f in report.findings:
        # a large audit's offenders are on disk (policy_rules.offender_file), whose kinds are
        # known without reading them back; a finding is read again only when it changes
        stored = f.offenders if isinstance(f.offenders, OffenderFile) else None
        if (stored is None or stored.kinds & SUBMISSION_KINDS) and any(_unlocated_slot(o) for o in f.offenders):
            offenders = [o.model_copy(update={"location": SourceRef(file=submissions_file, line=1, column=1)})
                         if _unlocated_slot(o) else o for o in f.offenders]
            f = f.model_copy(update={"offenders": offenders})
            changed = True
        findings.append(f)
    return report.model_copy(update={"findings": findings}) if changed else report


def _unlocated_slot(o) -> bool:
    return o.kind in SUBMISSION_KINDS and (o.location is None or not o.location.file)


def only_rules(report: Report, ruleset, scopes: Iterable[str]) -> Report:
    """The report restricted to the rules that read the given inputs (for `audit`)."""
    wanted = set(scopes)
    findings = [f for f in report.findings if _scope(ruleset, f.rule_id) in wanted]
    return report.model_copy(update={"findings": findings, "summary": Report.summarise(findings)})


def _scope(ruleset, rule_id: str) -> str | None:
    try:
        return ruleset.rule(rule_id).applies_to.value
    except KeyError:
        return None
