"""Where in the user's files a finding should be shown.

Editors, SARIF viewers and CI annotations all need a file and a line. A finding names
its offenders, each usually located; a finding about a whole plan or period (a target
missed, a report not submitted) has no located offender, so it is shown at the first
line of the first input file (the plan, when there is one) rather than nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from policy_rules.offender_file import OffenderFile
from policy_rules.report import Finding, Offender, Report


@dataclass(frozen=True)
class Site:
    file: str
    line: int
    column: int
    offender: Offender | None = None


UNKNOWN_FILE = "<input>"


def fallback_file(report: Report) -> str:
    return report.inputs[0] if report.inputs else UNKNOWN_FILE


def iter_sites(report: Report, finding: Finding) -> Iterator[Site]:
    """One site per offender (located where possible), or one site for the finding; in
    the offenders' order, made as they are read (a large finding's are on disk)."""
    default = fallback_file(report)
    any_offender = False
    for offender in finding.offenders:
        any_offender = True
        loc = offender.location
        if loc is not None and loc.file:
            yield Site(loc.file, loc.line or 1, loc.column or 1, offender)
        else:
            yield Site(default, 1, 1, offender)
    if not any_offender:
        yield Site(default, 1, 1, None)


def site_files(report: Report, finding: Finding) -> set[str]:
    """The files of `iter_sites(report, finding)`; for offenders on disk, without reading
    them back (their files are noted as they are written)."""
    offenders = finding.offenders
    if isinstance(offenders, OffenderFile) and offenders:
        default = fallback_file(report)
        return {file or default for file in offenders.files}
    return {site.file for site in iter_sites(report, finding)}


def finding_sites(report: Report, finding: Finding) -> list[Site]:
    """`iter_sites` as a list (the templates count and slice them)."""
    return list(iter_sites(report, finding))


def offender_label(offender: Offender) -> str:
    return f"{offender.kind} {offender.id}"
