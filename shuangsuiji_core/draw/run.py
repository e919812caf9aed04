"""Running a draw end to end: read both directories, select, staff, build the record."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text

from .directories import (EntityRow, EntitySnapshot, InspectorRow, Snapshot, entity_lines, inspector_snapshot,
                          iter_entities, load_inspectors)
from .ranking import METHOD_VERSION, normalise_seed
from .record import (DirectoryExclusionInfo, DirectoryInfo, DrawnEntry, DrawRecord, GroupExclusionInfo, InspectorInfo,
                     StratumInfo, ratio_text, sha256_json)
from .selection import EntitySelector, assign_inspectors
from .source_files import inspect_file
from .task import DrawTask

_SEED_EXPECTED = Text(zh="事先公布的非空文本，首尾无空白、无控制字符", en="the announced text: non-empty, no surrounding blanks, no control characters")


def check_seed(seed: str, where: str = "--seed") -> None:
    """The seed must be unambiguous when read off a published notice."""
    problem = None
    if not seed:
        problem = ("种子为空", "the seed is empty")
    elif seed != seed.strip():
        problem = ("种子首尾有空白字符；公布后无法看出，请去掉", "the seed has leading or trailing blanks, invisible once published: remove them")
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in seed):
        problem = ("种子含有控制字符（如换行、制表符）", "the seed contains control characters (newline, tab, …)")
    if problem:
        raise InputError([Problem("draw.seed", Text(zh=problem[0], en=problem[1]), Location(where), ("seed",),
                                  _SEED_EXPECTED, repr(seed))])


def _directory_info(snapshot: Snapshot) -> DirectoryInfo:
    info = snapshot.file
    return DirectoryInfo(file=Path(info.name).name if info else None, file_sha256=info.sha256 if info else None,
                         size=info.size if info else None, encoding=info.encoding if info else None,
                         rows=snapshot.rows, canonical_sha256=snapshot.canonical_sha256)


def draw_from_rows(entity_rows: Iterable[EntityRow] | Callable[[], Iterable[EntityRow]], inspectors: Sequence[InspectorRow],
                   task: DrawTask, seed: str) -> DrawRecord:
    """The draw from rows in memory (a list) or from a re-openable stream (a zero-argument callable).

    The snapshots are the canonical hashes of the rows given (no file information).
    """
    check_seed(seed)
    reopen = entity_rows if callable(entity_rows) else (lambda: entity_rows)
    selector = EntitySelector(task, seed)
    snap = EntitySnapshot()
    for row in reopen():
        snap.add(row)
        selector.add(row)
    return _build_record(selector, reopen, inspectors, task, seed, snap.finish(),
                         inspector_snapshot(list(inspectors)), Location())


def run_draw(entities: str | Path, inspectors: str | Path, task: DrawTask, seed: str, *,
             entities_format: str | None = None, inspectors_format: str | None = None,
             encoding: str | None = None) -> DrawRecord:
    """The draw from files: the entity directory is streamed once, never held whole."""
    check_seed(seed)
    entities, inspectors = str(entities), str(inspectors)
    directory = load_inspectors(inspectors, inspectors_format, encoding)
    info = inspect_file(entities, encoding)
    selector = EntitySelector(task, seed)
    snap = EntitySnapshot()
    add = selector.add
    scope = frozenset(task.scope.industry) if task.scope.industry is not None else None
    for row in iter_entities(entities, info, entities_format, snapshot=snap, industries=scope):
        add(row)
    entity_snapshot = snap.finish(info, lambda code: entity_lines(entities, info, code, entities_format), entities)
    return _build_record(selector, lambda: iter_entities(entities, info, entities_format, industries=scope),
                         directory.rows, task, seed,
                         entity_snapshot, directory.snapshot, Location(inspectors))


def _build_record(selector: EntitySelector, reopen, inspectors: Sequence[InspectorRow], task: DrawTask, seed: str,
                  entity_snapshot: Snapshot, inspectors_snapshot: Snapshot, inspector_location: Location) -> DrawRecord:
    outcomes, drawn = selector.finish(reopen)
    staffing = assign_inspectors(drawn, inspectors, task, seed, inspector_location)
    by_id = {ins.id: ins for ins in inspectors}
    params = task.parameters()
    record = DrawRecord(
        method_version=METHOD_VERSION,
        seed=seed,
        seed_nfc=normalise_seed(seed),
        task_id=task.id,
        task=params,
        task_sha256=sha256_json(params),
        entity_directory=_directory_info(entity_snapshot),
        inspector_directory=_directory_info(inspectors_snapshot),
        strata=[StratumInfo(stratum=o.stratum, population=o.population, kind=o.kind, value=ratio_text(o.value, o.kind),
                            rule=o.rule, requested=o.requested, drawn=o.drawn) for o in outcomes],
        selected=[DrawnEntry(credit_code=e.credit_code, name=e.name, stratum=e.stratum, rank=e.rank, rank_key=e.rank_key,
                             risk_class=e.risk_class, industry=e.industry, staffing_order=staffing.order[e.credit_code],
                             inspectors=list(staffing.groups[e.credit_code])) for e in drawn],
        inspectors=[InspectorInfo(id=i, name=by_id[i].name, department=by_id[i].department, groups=n)
                    for i, n in sorted(staffing.load.items())],
        directory_exclusions=[DirectoryExclusionInfo(inspector_id=x.inspector_id, reasons=list(x.reasons),
                                                     missing_tags=list(x.missing_tags)) for x in staffing.directory_exclusions],
        group_exclusions=[GroupExclusionInfo(credit_code=x.credit_code, inspector_id=x.inspector_id, reason=x.reason)
                          for x in sorted(staffing.group_exclusions, key=lambda x: (x.credit_code, x.inspector_id, x.reason))],
    )
    return record.sealed()
