"""The `text` format in plain Python: what `check-plan` prints by default, so what a
pre-commit hook runs on every commit. Written out here rather than rendered from
templates/text.txt.j2 because importing Jinja and compiling the template is about 65 ms
of CPU, some 13% of a cold check-plan (docs/performance.md). The template stays as the
readable reference: tests/test_cold_start.py renders both and requires byte-identical
output (sample, hostile, clean and many-offender reports; both languages; colour on and
off; one and several reports).

One failed item per line, `file:line:col: severity RULE-ID message` (the gcc/flake8
shape editors jump to); severity words stay English because editors' problem matchers
key on them; the message follows the language.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from policy_rules.report import Report

from .sites import iter_sites

# lines per piece of `text_chunks`: a province's audit has some 160,000 failed items
LINES_AT_ONCE = 2_000


def render_text(reports: Sequence[Report], ctx: dict) -> str:
    """`ctx` is the render context every template gets (policy_rules.render._context)."""
    return "".join(text_chunks(reports, ctx))


def text_chunks(reports: Sequence[Report], ctx: dict) -> Iterator[str]:
    """`render_text` in pieces of at most `LINES_AT_ONCE` lines, which join to its text,
    so a large audit's output is never held whole."""
    t, lang, paint, one_line = ctx["t"], ctx["lang"], ctx["paint"], ctx["oneline"]
    out: list[str] = []
    for report in reports:
        if len(reports) > 1:
            out.append(paint("== " + ", ".join(str(i) for i in report.inputs), "bold") + "\n")
        for f in ctx["failed"](report):
            severity = f.severity.value
            head = f"{paint(severity, severity)} {paint(f.rule_id, 'bold')} "
            message = one_line(f.message.get(lang)) + "\n"
            for s in iter_sites(report, f):
                line = f"{s.file}:{s.line}:{s.column}: {head}"
                if s.offender:
                    line += f"{ctx['offender_kind'](s.offender.kind)} {s.offender.id}: "
                out.append(line + message)
                if len(out) >= LINES_AT_ONCE:
                    yield "".join(out)
                    out = []
        for status in ("pending", "waived"):
            for f in ctx["by_status"](report, status):
                line = f"{paint(t['status.' + status], 'dim')} {f.rule_id} {one_line(f.title.get(lang))}"
                if f.measured:
                    line += f" ({t['finding.measured']} {f.measured}"
                    if f.threshold:
                        line += f", {t['finding.threshold']} {f.threshold}"
                    line += ")"
                if f.due:
                    line += f" ({t['finding.due']} {f.due})"
                if f.waiver:
                    line += f" — {t['finding.waiver_reason']}: {one_line(f.waiver.reason)}"
                out.append(line + "\n")
        for w in report.warnings:
            out.append(f"{paint(t['report.warnings'], 'warning')}: {one_line(w.get(lang))}\n")
        for n in report.engine_notes:
            out.append(f"{paint(t['report.engine_notes'], 'dim')}: {one_line(n.get(lang))}\n")
        failed = report.summary.by_status.get("fail", 0)
        out.append(f"{paint(f'{report.ruleset_id} {report.ruleset_version}', 'bold')} · {t['report.as_of']} "
                   f"{report.as_of} · {paint(ctx['summary_line'](report), 'error' if failed else 'pass')}\n")
    if out:
        yield "".join(out)
