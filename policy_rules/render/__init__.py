"""One result object, many formats: `render_report(report, format, lang) -> str`.

Formats (see docs/cli.md for what each is for):

- ``text``: one line per offending item, ``file:line:col: severity RULE-ID message``,
  which editors and terminals can jump to; colour only when asked (the command asks
  only on a terminal without ``NO_COLOR``).
- ``markdown``: a merge-request comment.
- ``html``: a self-contained page (inline CSS, no script, no external resources) for a
  department head; every piece of user or ruleset text is autoescaped.
- ``json``: the Report model's JSON with ``schema_version`` (docs/report-json.md).
- ``sarif``: SARIF 2.1.0, one result per offending item on its line.
- ``junit``: JUnit XML, one test case per rule.

Markdown, HTML and JUnit come from Jinja templates kept as files in
``policy_rules/render/templates``. Text, the default of ``check-plan`` and so of every
pre-commit run, is written out in ``text.py`` so that it never imports Jinja; its
template ``text.txt.j2`` is the reference the tests hold it to, byte for byte. JSON and SARIF are data formats: they are built as
Python structures and serialised by ``json``, which guarantees they parse (a template
cannot). Every format is deterministic: the same report gives byte-identical output.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from policy_rules.i18n import DEFAULT_LANG, Lang
from policy_rules.report import Finding, Report, Status
from policy_rules.schema import Severity

from .labels import labels
from .sites import finding_sites, fallback_file

FORMATS: tuple[str, ...] = ("text", "markdown", "html", "json", "sarif", "junit")

# How many offenders a human-facing format lists per finding before "n more"; machine
# formats (text lines, SARIF, JSON) list every one.
MAX_LISTED_OFFENDERS = 50

_ANSI = {
    "error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[36m",
    "bold": "\033[1m", "dim": "\033[2m", "pass": "\033[32m", "reset": "\033[0m",
}

_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"  # compiled (by re's cache) when XML is written
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>#])")


def _markdown_escape(value: object) -> str:
    """Escape text for Markdown so ruleset or plan text cannot inject links, tables or HTML."""
    text = str(value)
    text = text.replace("&", "&amp;")
    text = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m[1], "\\" + m[1]), text)
    return text.replace("\r", "").replace("\n", " ")


def _markdown_code(value: object) -> str:
    """Text for inside a `code span`: no backtick can close it, no pipe can split a table cell."""
    return " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")


def _xml_text(value: object) -> str:
    """XML 1.0 cannot carry most control characters even escaped: drop them."""
    return re.sub(_XML_ILLEGAL, "", str(value))


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _environment():
    # Jinja is imported here, not at the top: the data formats (JSON, SARIF) and a
    # pre-commit `check-plan --format json` never need it, and importing it is about a
    # tenth of a cold check-plan (docs/performance.md).
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("policy_rules.render", "templates"),
        autoescape=lambda name: bool(name) and name.endswith((".html.j2", ".xml.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _markdown_escape
    env.filters["mdcode"] = _markdown_code
    env.filters["xmltext"] = _xml_text
    env.filters["oneline"] = _one_line
    return env


_ENV = None  # the template environment, built on the first templated render

_SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
_STATUS_ORDER = [Status.fail, Status.pending, Status.waived, Status.passed, Status.not_applicable]


def failed_findings(report: Report) -> list[Finding]:
    """Failures, errors before warnings before info, rule order kept within a severity."""
    fails = [f for f in report.findings if f.status == Status.fail]
    return sorted(fails, key=lambda f: _SEVERITY_ORDER[f.severity])


def _context(reports: Sequence[Report], lang: Lang, color: bool) -> dict:
    t = labels(lang)

    def paint(text: object, style: str) -> str:
        if not color or style not in _ANSI:
            return str(text)
        return f"{_ANSI[style]}{text}{_ANSI['reset']}"

    def summary_line(report: Report) -> str:
        s = report.summary
        return t["summary.line"].format(
            total=s.total, fail=s.by_status.get("fail", 0),
            error=s.by_severity_failed.get("error", 0), warning=s.by_severity_failed.get("warning", 0),
            info=s.by_severity_failed.get("info", 0), pending=s.by_status.get("pending", 0),
            waived=s.by_status.get("waived", 0), passed=s.by_status.get("pass", 0),
            na=s.by_status.get("not_applicable", 0))

    def by_status(report: Report, status: str) -> list[Finding]:
        return [f for f in report.findings if f.status.value == status]

    def offender_kind(kind: str) -> str:
        return t.get(f"offender.{kind}", kind)

    return {
        "reports": list(reports),
        "lang": lang,
        "t": t,
        "paint": paint,
        "sites": finding_sites,
        "fallback_file": fallback_file,
        "failed": failed_findings,
        "by_status": by_status,
        "summary_line": summary_line,
        "offender_kind": offender_kind,
        "status_order": [s.value for s in _STATUS_ORDER],
        "max_listed": MAX_LISTED_OFFENDERS,
    }


def render_reports(reports: Sequence[Report], format: str, lang: Lang = DEFAULT_LANG, *,
                   color: bool = False) -> str:
    """Render several reports (one per checked plan) as one document of `format`."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    lang = "en" if lang == "en" else "zh"
    if format == "json":
        from .json_report import reports_json
        return reports_json(reports)
    if format == "sarif":
        from .sarif import sarif_log
        return sarif_log(reports, lang)
    if format == "text":
        from .text import render_text
        return render_text(reports, {**_context(reports, lang, color), "oneline": _one_line})
    return _render_template(reports, format, lang, color)


def render_report_chunks(reports: Sequence[Report], format: str, lang: Lang = DEFAULT_LANG, *,
                         color: bool = False) -> Iterator[str]:
    """`render_reports(...)` in pieces that join to the same text, so a large audit's
    output is never held whole: a single report's JSON a finding (or 2,000 offenders) at
    a time, text 2,000 lines at a time, SARIF 1,000 results at a time; the templated
    formats (Markdown, HTML, JUnit: for people and CI summaries, listing at most
    `MAX_LISTED_OFFENDERS` a finding) whole."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    lang = "en" if lang == "en" else "zh"
    if format == "json" and len(reports) == 1:
        from .json_report import report_json_chunks
        return report_json_chunks(reports[0])
    if format == "sarif":
        from .sarif import sarif_chunks
        return sarif_chunks(reports, lang)
    if format == "text":
        from .text import text_chunks
        return text_chunks(reports, {**_context(reports, lang, color), "oneline": _one_line})
    return iter((render_reports(reports, format, lang, color=color),))


def _render_template(reports: Sequence[Report], format: str, lang: Lang, color: bool) -> str:
    """A format through its Jinja template (for text: the reference text.py is held to)."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    template = _ENV.get_template({"text": "text.txt.j2", "markdown": "markdown.md.j2",
                                  "html": "report.html.j2", "junit": "junit.xml.j2"}[format])
    return template.render(**_context(reports, lang, color and format == "text"))


def render_report(report: Report, format: str, lang: Lang = DEFAULT_LANG, *, color: bool = False) -> str:
    """Render one report. `color` applies to `text` only (ANSI escapes)."""
    return render_reports([report], format, lang, color=color)


__all__ = ["FORMATS", "render_report", "render_reports", "render_report_chunks", "failed_findings"]
