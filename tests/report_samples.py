"""Hand-built Report objects for the renderer tests: every status, severity and kind,
located and unlocated offenders, a waiver, warnings, and hostile text in every field a
plan or ruleset author controls."""

from __future__ import annotations

import datetime as dt

from policy_rules.i18n import Text
from policy_rules.report import Finding, Offender, Report, SourceRef, Status, WaiverApplied
from policy_rules.schema import Severity, Source

HOSTILE = "<script>alert('x')</script> & \"q\" | *b* [l](http://e.invalid) `c`"


def finding(rule_id: str, status: Status, severity: Severity = Severity.error, kind: str = "target",
            offenders: list[Offender] | None = None, **kw) -> Finding:
    return Finding(
        rule_id=rule_id, kind=kind, title=kw.pop("title", Text(zh=f"{rule_id} 标题", en=f"{rule_id} title")),
        severity=severity, status=status, offenders=offenders or [],
        source=kw.pop("source", Source(section="二、（二）强化联合监管", quote="联合抽查次数占比、户数占比均实现100%",
                                        document="000_91d3cc1dd90e2323.txt")),
        message=kw.pop("message", Text(zh=f"{rule_id} 的消息", en=f"message of {rule_id}")),
        **kw)


def sample_report(plan_file: str = "plans/plan.yaml", records_file: str = "plans/records.yaml") -> Report:
    findings = [
        finding("QH-JOINT-COUNT", Status.fail, measured="2/5 (40%)", threshold=">= 60%",
                message=Text(zh="联合抽查次数占比 2/5 (40%)，低于 60%", en="joint task share 2/5 (40%), below 60%")),
        finding("QH-ONSITE-REMOTE", Status.fail, Severity.warning, kind="prohibition", offenders=[
            Offender(kind="record", id="R-000002", location=SourceRef(file=records_file, line=22, column=5),
                     detail={"method": "onsite", "task_id": "QH-2026-002"}),
            Offender(kind="record", id="R-000001", location=SourceRef(file=records_file, line=4, column=5)),
        ], message=Text(zh="能非现场检查的却入企现场检查", en="on-site inspection where a remote method suffices")),
        finding("QH-MONTHLY-REPORT", Status.fail, Severity.info, kind="deadline", due=dt.date(2026, 5, 23),
                offenders=[Offender(kind="slot", id="2026-05")]),
        finding("QH-CREDIT-RISK", Status.pending, measured="3/4 (75%)", threshold=">= 100%"),
        finding("QH-ADJ-FILED", Status.waived, kind="prohibition",
                offenders=[Offender(kind="adjustment", id="ADJ-1", location=SourceRef(file=plan_file, line=40, column=7))],
                waiver=WaiverApplied(rule="QH-ADJ-FILED", reason="专项整治，经县政府批准", approved_by="县双随机办",
                                     expires=dt.date(2026, 12, 31), scope="plan")),
        finding("QH-PLAN-PUBLISHED", Status.passed, kind="deadline", due=dt.date(2026, 3, 31)),
        finding("QH-FOLLOW-UP", Status.not_applicable, kind="prohibition"),
    ]
    return Report(ruleset_id="qinghe-2026", ruleset_version="1.0.0",
                  ruleset_title="2026年清河县“双随机、一公开”监管工作实施方案", as_of=dt.date(2026, 6, 30),
                  engine="python", inputs=[plan_file, records_file],
                  warnings=[Text(zh="计划年度在规则集有效期之外", en="plan year outside the ruleset's period")],
                  findings=findings, summary=Report.summarise(findings))


def hostile_report() -> Report:
    """Every author-controlled string carries markup, Markdown and XML-breaking text."""
    h = Text(zh=HOSTILE, en=HOSTILE)
    findings = [
        finding("QH-HOSTILE-ONE", Status.fail, title=h, message=h,
                source=Source(section=HOSTILE, quote=HOSTILE + "\x01\x0b", document=HOSTILE),
                offenders=[Offender(kind="task", id=HOSTILE, location=SourceRef(file="p <a>.yaml", line=3, column=1),
                                    detail={"name": HOSTILE})],
                notes=[h], measured=HOSTILE),
        finding("QH-HOSTILE-TWO", Status.waived, title=h, message=h,
                waiver=WaiverApplied(rule="QH-HOSTILE-TWO", reason=HOSTILE, scope="plan")),
    ]
    return Report(ruleset_id="qinghe-2026", ruleset_version="1.0.0", ruleset_title=HOSTILE,
                  as_of=dt.date(2026, 6, 30), engine="python", inputs=["p <a>.yaml"],
                  warnings=[h], findings=findings, summary=Report.summarise(findings))


def clean_report() -> Report:
    findings = [finding("QH-PLAN-PUBLISHED", Status.passed, kind="deadline")]
    return Report(ruleset_id="qinghe-2026", ruleset_version="1.0.0", ruleset_title="清河", as_of=dt.date(2026, 6, 30),
                  engine="python", inputs=["plan.yaml"], findings=findings, summary=Report.summarise(findings))
