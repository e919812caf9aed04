"""Re-deriving a draw from its inputs, and auditing inspection records against it.

`verify_draw(record, entities, inspectors, task)` runs the draw again with the seed the
record states and compares field by field. A `Verification` lists every difference:
the inputs (task parameters, directory snapshots, method version), the strata, the
entities drawn only in the record or only in the re-derivation, and, for entities in
both, groups that differ; it also reports a record whose own `record_sha256` does not
match its content. `matches` is true only when the re-derived record is identical, apart
from the raw files' names, byte hashes, sizes and encodings, which are there for
information: a directory saved again in another order or encoding draws the same.

`compare_with_records(record, records)` is what the records audit uses: inspection
records of the draw's task whose entity was not drawn, and drawn entities that no
record of the task inspected. `compare_groups(record, records)` finds records of drawn
entities whose inspectors are not the group drawn for that entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from policy_rules.i18n import Lang, Text

from ..records import Record
from .record import DrawnEntry, DrawRecord
from .run import run_draw
from .task import DrawTask


@dataclass(frozen=True)
class Difference:
    kind: str                 # input, stratum, only_in_record, only_rederived, group, self_hash, other
    subject: str              # what differs: a field name, a stratum, a credit code
    message: Text
    in_record: str | None = None
    rederived: str | None = None

    def render(self, lang: Lang = "zh") -> str:
        text = f"[{self.kind}] {self.subject}: {self.message.get(lang)}"
        parts = []
        if self.in_record is not None:
            parts.append(("记录中为 " if lang == "zh" else "record: ") + self.in_record)
        if self.rederived is not None:
            parts.append(("重新抽取为 " if lang == "zh" else "re-derived: ") + self.rederived)
        return text + (("（" + "；".join(parts) + "）") if lang == "zh" and parts else (" (" + "; ".join(parts) + ")") if parts else "")


@dataclass
class Verification:
    rederived: DrawRecord
    differences: list[Difference] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def _entity_text(e: DrawnEntry) -> str:
    return f"{e.name} [{e.stratum} #{e.rank}]"


def compare_records(record: DrawRecord, rederived: DrawRecord) -> list[Difference]:
    diffs: list[Difference] = []
    if not record.self_hash_matches:
        stated, actual = record.record_sha256, record.computed_sha256()
        diffs.append(Difference("self_hash", "record_sha256", Text(
            zh=f"记录内容与其自身的 record_sha256 不符，记录在生成后被改动过（记载 {stated}，按内容计算为 {actual}）",
            en=f"the record's content does not match its own record_sha256: it was edited after the draw "
               f"(stated {stated}, content gives {actual})")))
    for name, zh, en in (("method_version", "抽取方法版本不同", "the method version differs"),
                         ("seed", "种子不同", "the seed differs"),
                         ("task_sha256", "任务参数不同（抽取比例、范围、人员要求等）", "the task parameters differ (ratios, scope, inspector rules)")):
        a, b = getattr(record, name), getattr(rederived, name)
        if a != b:
            diffs.append(Difference("input", name, Text(zh=zh, en=en), str(a), str(b)))
    for name, zh, en in (("entity_directory", "检查对象名录库快照不同：不是生成记录时的名录", "the entity directory snapshot differs: not the directory the draw used"),
                         ("inspector_directory", "执法检查人员名录库快照不同：不是生成记录时的名录", "the inspector directory snapshot differs: not the directory the draw used")):
        a, b = getattr(record, name), getattr(rederived, name)
        if (a.canonical_sha256, a.rows) != (b.canonical_sha256, b.rows):
            diffs.append(Difference("input", name, Text(zh=zh, en=en), f"{a.rows} rows {a.canonical_sha256}",
                                    f"{b.rows} rows {b.canonical_sha256}"))
    strata_a = {s.stratum: s for s in record.strata}
    strata_b = {s.stratum: s for s in rederived.strata}
    for name in sorted(set(strata_a) | set(strata_b)):
        a, b = strata_a.get(name), strata_b.get(name)
        if a != b:
            diffs.append(Difference("stratum", name, Text(zh="分层的总数、比例或抽取数不同", en="the stratum's population, rule or count differs"),
                                    a.model_dump_json() if a else None, b.model_dump_json() if b else None))
    sel_a = {e.credit_code: e for e in record.selected}
    sel_b = {e.credit_code: e for e in rederived.selected}
    for code in sorted(set(sel_a) - set(sel_b)):
        diffs.append(Difference("only_in_record", code, Text(zh="记录中有此检查对象，重新抽取时未被抽中",
                                                              en="drawn in the record but not when re-derived"),
                                _entity_text(sel_a[code]), None))
    for code in sorted(set(sel_b) - set(sel_a)):
        diffs.append(Difference("only_rederived", code, Text(zh="重新抽取时抽中此检查对象，记录中却没有",
                                                             en="drawn when re-derived but missing from the record"),
                                None, _entity_text(sel_b[code])))
    for code in sorted(set(sel_a) & set(sel_b)):
        a, b = sel_a[code], sel_b[code]
        if a.inspectors != b.inspectors:
            diffs.append(Difference("group", code, Text(zh=f"检查组人员不同（记录多出 {sorted(set(a.inspectors) - set(b.inspectors))}，"
                                                           f"缺少 {sorted(set(b.inspectors) - set(a.inspectors))}）",
                                                        en=f"the inspector group differs (extra in record {sorted(set(a.inspectors) - set(b.inspectors))}, "
                                                           f"missing {sorted(set(b.inspectors) - set(a.inspectors))})"),
                                    ", ".join(a.inspectors), ", ".join(b.inspectors)))
        elif a != b:
            diffs.append(Difference("entity", code, Text(zh="检查对象的名称、分层、排序或密钥不同", en="the entity's name, stratum, rank or key differs"),
                                    a.model_dump_json(), b.model_dump_json()))
    mine, theirs = _comparable(record), _comparable(rederived)
    if not diffs and mine != theirs:
        keys = sorted(k for k in mine if mine[k] != theirs.get(k))
        for key in keys:
            diffs.append(Difference("other", key, Text(zh="记录中此字段与重新抽取的结果不同", en="this field differs from the re-derived draw")))
    return diffs


_INFORMATIONAL = ("file", "file_sha256", "size", "encoding")


def _comparable(record: DrawRecord) -> dict:
    """The record without what is there for information only: the raw files' names, bytes
    and encodings (the same directory saved again, reordered or re-encoded, draws the same)."""
    body = record.body()
    for name in ("entity_directory", "inspector_directory"):
        body[name] = {k: v for k, v in body[name].items() if k not in _INFORMATIONAL}
    return body


def verify_draw(record: DrawRecord, entities: str | Path, inspectors: str | Path, task: DrawTask, *,
                entities_format: str | None = None, inspectors_format: str | None = None,
                encoding: str | None = None) -> Verification:
    """Re-derive the draw with the record's seed and compare. Raises `InputError` if the inputs are bad."""
    rederived = run_draw(entities, inspectors, task, record.seed, entities_format=entities_format,
                         inspectors_format=inspectors_format, encoding=encoding)
    return Verification(rederived, compare_records(record, rederived))


def compare_with_records(draw_record: DrawRecord, records: Iterable[Record]) -> tuple[list[Record], list[DrawnEntry]]:
    """(inspected_not_drawn, drawn_not_inspected) for the draw's task.

    Only records whose `task_id` is the draw's task are considered. A record without a
    credit code cannot be matched to the draw and counts as inspected but not drawn.
    Both lists keep input order (records) and record order (drawn entities).
    """
    drawn = draw_record.drawn_codes()
    inspected: set[str] = set()
    inspected_not_drawn: list[Record] = []
    for rec in records:
        if rec.task_id != draw_record.task_id:
            continue
        code = rec.entity.credit_code
        if code is None or code not in drawn:
            inspected_not_drawn.append(rec)
        if code is not None:
            inspected.add(code)
    drawn_not_inspected = [e for e in draw_record.selected if e.credit_code not in inspected]
    return inspected_not_drawn, drawn_not_inspected


@dataclass(frozen=True)
class GroupMismatch:
    record: Record
    drawn: tuple[str, ...]            # the group the draw gave the entity
    not_drawn: tuple[str, ...]        # inspectors on the record who were not in that group
    absent: tuple[str, ...]           # drawn inspectors missing from the record


def compare_groups(draw_record: DrawRecord, records: Iterable[Record]) -> list[GroupMismatch]:
    """Records of the draw's task, for drawn entities, whose inspectors differ from the drawn group."""
    groups = {e.credit_code: tuple(e.inspectors) for e in draw_record.selected}
    out: list[GroupMismatch] = []
    for rec in records:
        if rec.task_id != draw_record.task_id or rec.entity.credit_code not in groups:
            continue
        drawn = groups[rec.entity.credit_code]
        present = [i.id for i in rec.inspectors]
        extra = tuple(i for i in present if i not in drawn)
        missing = tuple(i for i in drawn if i not in present)
        if extra or missing:
            out.append(GroupMismatch(rec, drawn, extra, missing))
    return out
