"""SARIF 2.1.0 (the format code-scanning tools read), built as data and serialised.

One run per report; one rule descriptor per ruleset rule (its title, the exact quote of
its source clause, its kind); one result per offending item, on that item's line, so a
code-scanning view shows each task or record where it is written. A finding with no
located item is shown at line 1 of the plan. Waived failures are kept as results with
an external suppression carrying the waiver's reason, which is how SARIF viewers show
"accepted" problems. Pending and passing findings are not results.

Each result has a partial fingerprint from the rule id and the offending item (not its
line), so a tool tracking results across commits sees the same problem as the same
result after lines move.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import PurePosixPath, PureWindowsPath
from typing import Iterator, Sequence
from urllib.parse import quote

from policy_rules.i18n import Lang
from policy_rules.report import Finding, Report, Status

from .sites import iter_sites, site_files

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "shuangsuiji"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _tool_version() -> str:
    try:
        return metadata.version("shuangsuiji")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0"


def _artifact_uri(path: str) -> str:
    """Relative paths stay relative (code scanning resolves them against the repository);
    absolute ones become file URIs. Non-ASCII file names are percent-encoded."""
    if path.startswith("/"):
        return "file://" + quote(path)
    if PureWindowsPath(path).is_absolute():
        return "file:///" + quote(PureWindowsPath(path).as_posix())
    return quote(str(PurePosixPath(path.replace("\\", "/"))))


def _rule_descriptor(finding: Finding, lang: Lang) -> dict:
    source = finding.source
    quote_text = f"{source.section}：“{source.quote}”" if lang == "zh" else f"{source.section}: “{source.quote}”"
    return {
        "id": finding.rule_id,
        "shortDescription": {"text": finding.title.get(lang)},
        "fullDescription": {"text": quote_text},
        "help": {"text": quote_text + (f"（{source.document}）" if source.document else "")},
        "defaultConfiguration": {"level": _LEVEL[finding.severity.value]},
        "properties": {"kind": finding.kind, "tags": ["shuangsuiji", finding.kind]},
    }


def _fingerprint(rule_id: str, kind: str | None, ident: str | None) -> str:
    return hashlib.sha256(f"{rule_id}\x00{kind}\x00{ident}".encode("utf-8")).hexdigest()[:32]


def _results(report: Report, finding: Finding, rule_index: int, lang: Lang) -> Iterator[dict]:
    if finding.status not in (Status.fail, Status.waived):
        return
    for site in iter_sites(report, finding):
        message = finding.message.get(lang)
        if site.offender is not None:
            message = f"{site.offender.kind} {site.offender.id}: {message}"
        result = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "level": _LEVEL[finding.severity.value],
            "kind": "fail",
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _artifact_uri(site.file)},
                    "region": {"startLine": site.line, "startColumn": site.column},
                },
            }],
            "partialFingerprints": {
                "shuangsuijiFinding/v1": _fingerprint(
                    finding.rule_id, site.offender.kind if site.offender else None,
                    site.offender.id if site.offender else None),
            },
        }
        properties: dict = {"status": finding.status.value}
        if finding.measured is not None:
            properties["measured"] = finding.measured
        if finding.threshold is not None:
            properties["threshold"] = finding.threshold
        if finding.due is not None:
            properties["due"] = finding.due.isoformat()
        result["properties"] = properties
        if finding.status == Status.waived and finding.waiver is not None:
            result["suppressions"] = [{
                "kind": "external",
                "status": "accepted",
                "justification": finding.waiver.reason,
            }]
        yield result


def _all_results(report: Report, lang: Lang) -> Iterator[dict]:
    for index, finding in enumerate(report.findings):
        yield from _results(report, finding, index, lang)


def _artifacts(report: Report) -> list[str]:
    """The files the results are in (what `_results` would put in their locations)."""
    files = set()
    for finding in report.findings:
        if finding.status in (Status.fail, Status.waived):
            files |= site_files(report, finding)
    return sorted({_artifact_uri(f) for f in files})


def _run(report: Report, lang: Lang) -> dict:
    """The run without its results (`"results": []`): `sarif_chunks` writes them."""
    rules = [_rule_descriptor(f, lang) for f in report.findings]
    artifacts = _artifacts(report)
    return {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "fullName": f"{TOOL_NAME} check-plan ({report.ruleset_id} {report.ruleset_version})",
            "version": _tool_version(),
            "rules": rules,
        }},
        "automationDetails": {"id": f"{TOOL_NAME}/{report.ruleset_id}/"},
        "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
        "results": [],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "rulesetId": report.ruleset_id,
            "rulesetVersion": report.ruleset_version,
            "rulesetTitle": report.ruleset_title,
            "asOf": report.as_of.isoformat(),
            "engine": report.engine,
        },
    }


def sarif_log(reports: Sequence[Report], lang: Lang) -> str:
    return "".join(sarif_chunks(reports, lang))


# where a run's results stand in the log dumped with none: the key at a run's own indent
# (a JSON string holds no raw newline, so this text occurs once per run and nowhere else)
_NO_RESULTS = '\n      "results": []'
_RESULT_INDENT = "        "
RESULTS_AT_ONCE = 1_000  # results per piece: a province's audit has some 160,000


def sarif_chunks(reports: Sequence[Report], lang: Lang) -> Iterator[str]:
    """The log in pieces that join to what `json.dumps(log, indent=2)` of it all would
    be, with each run's results written `RESULTS_AT_ONCE` at a time as they are made,
    so a large audit's results are never all held (nor its offenders: see
    policy_rules.offender_file)."""
    log = {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [_run(r, lang) for r in reports]}
    text = json.dumps(log, ensure_ascii=False, indent=2) + "\n"
    pieces = text.split(_NO_RESULTS)
    assert len(pieces) == len(reports) + 1, "one empty results list per run"
    yield pieces[0]
    for report, rest in zip(reports, pieces[1:]):
        yield from _results_chunks(_all_results(report, lang))
        yield rest


def _results_chunks(results: Iterator[dict]) -> Iterator[str]:
    """`"results": [...]` at a run's indent, as `json.dumps(..., indent=2)` lays it out."""
    batch: list[str] = []
    started = False
    for result in results:
        batch.append(_RESULT_INDENT + json.dumps(result, ensure_ascii=False, indent=2)
                     .replace("\n", "\n" + _RESULT_INDENT))
        if len(batch) >= RESULTS_AT_ONCE:
            yield ("," if started else '\n      "results": [') + "\n" + ",\n".join(batch)
            started, batch = True, []
    if batch:
        yield ("," if started else '\n      "results": [') + "\n" + ",\n".join(batch)
        started = True
    yield "\n      ]" if started else _NO_RESULTS
