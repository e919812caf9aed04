"""From matches to findings: one `Finding` per rule, in ruleset order.

The consumers here receive matched facts from `policy_rules.evaluators.driver` and
aggregate them exactly (integers and `Fraction`s only), whichever evaluator matched.

- **target**: `numerator / denominator` as an exact fraction (or the numerator count
  when the threshold is a whole number above 1). Denominator below `min_denominator`
  (or zero): `pending`, "not enough data". A shortfall with `judge: period_end` before
  the period ends (31 December of the plan year): `pending`, current value shown;
  after it: `fail`.
- **prohibition**: every matching object is an offender; none: `pass`.
- **deadline**: see `policy_rules.deadlines`.
- A rule whose input is absent (no plan, no records, no submissions, as its facts
  need) is `not_applicable`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Callable, Collection, Iterable

from . import offender_file
from .calendar import WorkingCalendar
from .compiled import CompiledRuleset, Selection
from .deadlines import FAIL, PASS, PENDING, Verdict, after_event_due, answer_slot, in_time, judge, month_day, slots
from .errors import InputError, Location
from .evaluators.spill import Buckets, PackedRefs, pack_refs, unpack_refs
from .i18n import Text
from .messages import render_text
from .offender_file import OffenderFile, make_offender
from .quantities import format_ratio
from .report import Finding, Offender, SourceRef, Status
from .schema import (AfterEventSchedule, ByDateSchedule, DeadlineRule, OnceSchedule, ProhibitionRule, Ruleset,
                     TargetRule)
from .waivers import WaiverBook, expired_note

Ref = tuple  # (kind, id, Location | None, task_id | None)


# -- consumers -----------------------------------------------------------------------------
class Aggregator:
    """Count, distinct values or sum of one field over a selection; tasks in `excluded`
    (task-level waivers of a target) are left out."""

    def __init__(self, distinct: str | None, sum_: str | None, excluded: frozenset[str] = frozenset()):
        self.distinct = distinct
        self.sum = sum_
        self.needs = (distinct,) if distinct else (sum_,) if sum_ else ()
        self.excluded = excluded
        self.count = 0
        self.values: set = set()
        self.total = 0
        # distinct values merged from other processes, kept compact (see __getstate__):
        # [(separator, last character, the distinct values ending in it, joined)]
        self.joined: list[tuple[str, str, str]] = []
        # distinct string values past DISTINCT_IN_MEMORY of them, on disk by their last
        # character (`_spill`); `values` is then the window of the latest ones
        self.spilled: Buckets | None = None
        self._spills = 0
        self._counted: tuple[int, int, int, int] | None = None

    def take(self, values: tuple, ref: Ref) -> None:
        if self.excluded and ref[3] in self.excluded:
            return
        if self.distinct:
            if values[0] is not None:
                seen = self.values
                seen.add(values[0])
                if len(seen) >= DISTINCT_IN_MEMORY:
                    self._spill()
        elif self.sum:
            if values[0] is not None:
                self.total += values[0]
        else:
            self.count += 1

    def _spill(self) -> None:
        """Move the distinct values held to disk, when all are strings (credit codes: a
        million at province scale, a string and a set slot each, some 120 bytes, were
        the largest thing a part of a large audit held after its stream state). Values
        seen again later are written again: counting removes them, a bucket at a time."""
        values = self.values
        if self._spills < 0 or set(map(type, values)) != {str}:
            self._spills = -1  # other values: they stay in memory, as they always did
            return
        if self.spilled is None:
            self.spilled = Buckets(_CHAR_BUCKETS, _char_bucket, pack=list)
        append = self.spilled.append
        for v in values:
            append(v)
        self.values = set()
        self._spills += 1

    def release(self) -> None:
        """Let go of the distinct values (the owner has read `value` for the last time)."""
        self.values, self.joined, self._counted = set(), [], None
        if self.spilled is not None:
            self.spilled.close()
            self.spilled = None

    def merge(self, other: "Aggregator") -> None:
        """Add what `other` took (the same selection over another part of the stream)."""
        self.count += other.count
        self.values |= other.values
        self.joined += other.joined
        self.total += other.total
        if other.spilled is not None:
            for b in range(_CHAR_BUCKETS):
                for v in _values_on_disk(other.spilled, b):
                    self.take((v,), (None, None, None, None))
        if len(self.values) >= DISTINCT_IN_MEMORY:
            self._spill()

    @property
    def value(self) -> int:
        if self.distinct:
            if not self.joined and self.spilled is None:
                return len(self.values)
            # `values` only grows (or goes to disk), and `joined` only gets longer: their
            # sizes and the number of spills identify the count
            key = (len(self.values), len(self.joined), self._spills)
            if self._counted is None or self._counted[:3] != key:
                self._counted = key + (_distinct_count(self.values, self.joined, self.spilled),)
            return self._counted[3]
        if self.sum:
            return self.total
        return self.count

    # A part of a large audit sends its consumers to the main process pickled. Distinct
    # values that are all strings (credit codes: a million at province scale) go as a few
    # joined strings, one per last character: in the main process about 20 bytes a value
    # instead of a string object and a set slot (about 115 bytes), and no pickle memo
    # entry per value. Grouped, not sorted: equal values share a last character, so the
    # main process counts one group at a time (a sort of half a million took 0.36 s).
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if self.spilled is not None:
            return self._spilled_state(state)
        values = self.values
        if values and set(map(type, values)) == {str}:
            texts = _joined(values)
            if texts is not None:  # (else no separator is free: the set goes as it is)
                state["values"], state["joined"] = set(), self.joined + texts
        state["_counted"] = None
        return state

    def _spilled_state(self, state: dict) -> dict:
        """The joined form of values on disk: a bucket of last characters at a time, each
        bucket's distinct values joined with a separator none of them holds (or, where
        none is free, kept as a set), so no more than a bucket's set is held at once."""
        texts: list[tuple[str, str, str]] = []
        window = _by_char_bucket(self.values)
        plain: set = set(window.get(-1, ()))  # values other than strings, taken after the last spill
        for b in range(_CHAR_BUCKETS):
            distinct = set(_values_on_disk(self.spilled, b))
            distinct.update(window.get(b, ()))
            if not distinct:
                continue
            joined = _joined(distinct) if set(map(type, distinct)) == {str} else None
            if joined is None:
                plain |= distinct
            else:
                texts += joined
        state.update(values=plain, joined=self.joined + texts, spilled=None, _spills=0, _counted=None)
        return state


# distinct values an aggregator holds before they go to disk (about 8 MB of credit codes)
DISTINCT_IN_MEMORY = 65_536
_CHAR_BUCKETS = 64


def _char_bucket(value: str) -> int:
    """The bucket of a value by its last character: equal values share it."""
    return ord(value[-1]) & (_CHAR_BUCKETS - 1) if value else 0


def _values_on_disk(buckets: Buckets, b: int):
    for chunk in buckets.chunks(b):
        yield from chunk


def _joined(values) -> list[tuple[str, str, str]] | None:
    """Distinct strings as `(separator, last character, joined)`, one per last character,
    with one separator that none of them holds; None when no separator is free."""
    groups = sorted(_by_last_character(values).items())
    for sep in _SEPARATORS:
        texts = [(sep, last, sep.join(group)) for last, group in groups]
        if all(text.count(sep) == len(group) - 1 for (_, _, text), (_, group) in zip(texts, groups)):
            return texts
    return None


def _by_char_bucket(values) -> dict[int, list]:
    groups: dict[int, list] = {}
    for v in values:
        groups.setdefault(_char_bucket(v) if type(v) is str else -1, []).append(v)
    return groups


_SEPARATORS = ("\x00", "\x1f", "\n", "\ufdd0")


def _by_last_character(values) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    get = groups.get
    for v in values:
        group = get(v[-1:])
        if group is None:
            group = groups[v[-1:]] = []
        group.append(v)
    return groups


def _distinct_count(values: set, joined: list[tuple[str, str, str]], spilled: Buckets | None = None) -> int:
    """How many distinct values `values`, the joined strings and the values on disk in
    `spilled` (`Aggregator._spill`) hold together.

    Each joined string holds values of one last character (`Aggregator.__getstate__`),
    and equal values have equal last characters: so the values are counted one bucket of
    last characters at a time, in a set of that bucket only (a few percent of the
    million credit codes of a province), never all of them at once."""
    if not all(type(v) is str for v in values):  # values of other types: the plain way
        every = set(values)
        for sep, _, text in joined:
            every.update(text.split(sep))
        for b in range(_CHAR_BUCKETS) if spilled is not None else ():
            every.update(_values_on_disk(spilled, b))
        return len(every)
    texts: dict[int, list[tuple[str, str]]] = {}
    for sep, last, text in joined:
        texts.setdefault(_char_bucket(last), []).append((sep, text))
    own = _by_char_bucket(values)
    on_disk = {b for b in range(_CHAR_BUCKETS) if spilled.holds(b)} if spilled is not None else set()
    n = 0
    for b in texts.keys() | own.keys() | on_disk:
        group = set(own.get(b, ()))
        for sep, text in texts.get(b, ()):
            group.update(text.split(sep))
        if b in on_disk:
            group.update(_values_on_disk(spilled, b))
        n += len(group)
    return n


class OffenderCollector:
    needs: tuple = ()

    def __init__(self):
        self.refs = PackedRefs()  # packed in memory as they come: see PackedRefs

    def take(self, values: tuple, ref: Ref) -> None:
        self.refs.append(ref)

    def merge(self, other: "OffenderCollector") -> None:
        self.refs.extend(other.refs)  # the finding sorts offenders by location


class ObjectDeadlineCollector:
    """Judges each matched object against its own due date as it streams past."""

    def __init__(self, schedule, year: int, as_of: _dt.date, calendar: WorkingCalendar):
        self.schedule = schedule
        self.as_of = as_of
        self.calendar = calendar
        if isinstance(schedule, AfterEventSchedule):
            self.needs = (schedule.start_field, schedule.end_field)
            self.fixed_due = None
        else:
            self.needs = (schedule.field,)
            self.fixed_due = month_day(year, schedule.due)
        self.passed = 0
        self.pending = 0
        self.failed = PackedFailures()  # (ref, Verdict), packed in memory as they come
        self.next_due: _dt.date | None = None
        self.uncovered: dict[str, Text] = {}  # calendar problems, by code and year

    def take(self, values: tuple, ref: Ref) -> None:
        if self.fixed_due is None:
            start, end = values
            if start is None:
                return
            try:
                due = after_event_due(self.schedule, start, self.calendar)
            except InputError as exc:
                # the working-day calendar does not reach the due date: this object cannot be
                # judged; the finding says why instead of the whole report failing
                self.pending += 1
                problem = exc.first
                self.uncovered.setdefault(problem.found or problem.code, problem.message)
                return
        else:
            due, end = self.fixed_due, values[0]
        if in_time(due, end, self.as_of):  # nearly every object: no verdict to make
            self.passed += 1
            return
        v = judge(due, end, self.as_of)
        if v.status == PASS:
            self.passed += 1
        elif v.status == PENDING:
            self.pending += 1
            if self.next_due is None or due < self.next_due:
                self.next_due = due
        else:
            self.failed.append((ref, v))

    def merge(self, other: "ObjectDeadlineCollector") -> None:
        self.passed += other.passed
        self.pending += other.pending
        self.failed.extend(other.failed)
        if other.next_due is not None and (self.next_due is None or other.next_due < self.next_due):
            self.next_due = other.next_due
        for code, message in other.uncovered.items():
            self.uncovered.setdefault(code, message)


_VERDICT_FIELDS = tuple(f.name for f in fields(Verdict))


class PackedFailures(PackedRefs):
    """A deadline's failed objects, `(ref, Verdict)`, packed as `PackedRefs` packs refs:
    the refs as columns and each verdict as the tuple of its fields (some 20,000 late
    entries at 1,000,000 records were about 450 bytes each as objects)."""

    __slots__ = ()

    @staticmethod
    def _encode(items: list) -> tuple:
        if all(type(v) is Verdict for _, v in items):
            columns = pack_refs([ref for ref, _ in items])
            if columns is not None:
                return ("pairs", columns, [tuple(getattr(v, name) for name in _VERDICT_FIELDS) for _, v in items])
        return ("items", items)

    @staticmethod
    def _decode(piece: tuple):
        if piece[0] == "pairs":
            return zip(unpack_refs(piece[1]), (Verdict(*values) for values in piece[2]))
        return piece[1]


# -- helpers ---------------------------------------------------------------------------------
def source_ref(location: Location | None) -> SourceRef | None:
    if location is None:
        return None
    return SourceRef(file=location.file, line=location.line, column=location.column)


def offender(ref: Ref, detail: dict | None = None) -> Offender:
    kind, oid, location, task_id = ref[0], ref[1], ref[2], ref[3]
    d = dict(detail or {})
    if task_id is not None and kind != "task":
        d.setdefault("task_id", task_id)
    where = None if location is None else {"file": location.file, "line": location.line, "column": location.column}
    return make_offender(kind, str(oid), where, d)


def _offender_key(o: Offender) -> tuple:
    loc = o.location
    return ((loc.file or "") if loc else "", (loc.line or 0) if loc else 0, (loc.column or 0) if loc else 0,
            o.id, o.kind)


def sort_offenders(items: Iterable[Offender]) -> list[Offender]:
    return sorted(items, key=_offender_key)


_OPS: dict[str, Callable[[object, object], bool]] = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b, "==": lambda a, b: a == b,
}


@dataclass
class Context:
    ruleset: Ruleset
    as_of: _dt.date
    year: int
    waivers: WaiverBook
    calendar: WorkingCalendar
    present: frozenset[str]                 # fact types whose input was given
    scopes: frozenset[str] = frozenset()    # the scopes (plan, records, submissions) given
    submissions: list[tuple[str, str | None, _dt.date]] = field(default_factory=list)

    @property
    def period_end(self) -> _dt.date:
        return _dt.date(self.year, 12, 31)


def _finding(rule, status: Status, ctx: Context, *, measured: str | None = None, threshold: str | None = None,
             due: _dt.date | None = None, offenders: list[Offender] | None = None, notes: list[Text] | None = None,
             waiver=None) -> Finding:
    offenders = sort_offenders(offenders or [])
    if len(offenders) > offender_file.OFFENDERS_IN_MEMORY:  # a province's audit: see offender_file
        offenders = OffenderFile(offenders)
    context = {"measured": measured or "", "threshold": threshold or "", "due": due.isoformat() if due else "",
               "offender_count": len(offenders)}
    return Finding(rule_id=rule.id, kind=rule.kind, title=rule.title, severity=rule.severity, status=status,
                   measured=measured, threshold=threshold, due=due, offenders=offenders, source=rule.source,
                   message=render_text(rule.message, context), waiver=waiver.applied() if waiver else None,
                   notes=notes or [])


def _not_applicable(rule, ctx: Context, missing: Iterable[str]) -> Finding:
    names = "、".join(sorted(missing))
    return _finding(rule, Status.not_applicable, ctx, notes=[Text(
        zh=f"缺少输入（{names}），本规则不适用", en=f"input missing ({', '.join(sorted(missing))}): not applicable")])


def _apply_plan_waiver(rule, status: Status, ctx: Context, notes: list[Text]):
    """A fail of a waivable rule with an active plan-level waiver becomes waived."""
    active, expired = ctx.waivers.plan_waiver(rule.id)
    if status == Status.fail:
        notes.extend(expired_note(expired))
        for w in expired:
            w.used = True
        if active is not None and rule.waivable:
            active.used = True
            return Status.waived, active
    return status, None


# -- per kind ----------------------------------------------------------------------------------
def target_finding(rule: TargetRule, num: int, den: int, ctx: Context, task_notes: list[Text]) -> Finding:
    p = rule.params
    threshold = p.threshold
    is_count = isinstance(threshold, int) and not isinstance(threshold, Fraction)
    shown_threshold = f"{p.op} {threshold}" if is_count else f"{p.op} {format_ratio(threshold)}"
    notes = list(task_notes)
    if den == 0 or den < p.min_denominator:
        measured = f"{num}/{den}"
        notes.append(Text(zh=f"数据不足：分母为 {den}（至少需要 {max(p.min_denominator, 1)}）",
                          en=f"not enough data: the denominator is {den} (at least {max(p.min_denominator, 1)} needed)"))
        return _finding(rule, Status.pending, ctx, measured=measured, threshold=shown_threshold, notes=notes)
    value = Fraction(num, den)
    measured = f"{num}/{den} ({format_ratio(value)})"
    ok = _OPS[p.op](num if is_count else value, threshold)
    if ok:
        status = Status.passed
    elif p.judge == "period_end" and ctx.as_of < ctx.period_end:
        status = Status.pending
        notes.append(Text(zh=f"尚未达标，期末（{ctx.period_end}）前不判定为未达标",
                          en=f"not met yet; not judged a failure before the period ends ({ctx.period_end})"))
    else:
        status = Status.fail
    status, waiver = _apply_plan_waiver(rule, status, ctx, notes)
    return _finding(rule, status, ctx, measured=measured, threshold=shown_threshold, notes=notes, waiver=waiver)


def _split_task_waived(rule, items: list[tuple[Ref, dict]], ctx: Context) -> tuple[list[Offender], list[Text], bool]:
    """Offenders with task-level waivers marked; (offenders, notes, all waived)."""
    active, expired = ctx.waivers.task_waivers(rule.id)
    notes: list[Text] = []
    offenders: list[Offender] = []
    waived = 0
    expired_hit = []
    for ref, detail in items:
        task = ref[3]
        w = active.get(task) if (rule.waivable and task is not None) else None
        if w is not None:
            w.used = True
            detail = {**detail, "waived": True}
            waived += 1
        else:
            for e in expired:
                if e.task_id == task and e not in expired_hit:
                    expired_hit.append(e)
        offenders.append(offender(ref, detail))
    for e in expired_hit:
        e.used = True
    notes.extend(expired_note(expired_hit))
    if waived:
        notes.append(Text(zh=f"{waived} 个对象按任务级豁免处理", en=f"{waived} objects waived by task-level waivers"))
    return offenders, notes, bool(items) and waived == len(items)


def prohibition_finding(rule: ProhibitionRule, refs: Collection[Ref], ctx: Context) -> Finding:
    if not refs:
        return _finding(rule, Status.passed, ctx, measured="0")
    offenders, notes, all_waived = _split_task_waived(rule, [(r, {}) for r in refs], ctx)
    status = Status.waived if all_waived else Status.fail
    waiver = None
    if status == Status.fail:
        status, waiver = _apply_plan_waiver(rule, status, ctx, notes)
    return _finding(rule, status, ctx, measured=str(len(refs)), offenders=offenders, notes=notes, waiver=waiver)


def object_deadline_finding(rule: DeadlineRule, c: ObjectDeadlineCollector, ctx: Context) -> Finding:
    judged = c.passed + len(c.failed)
    measured = f"{c.passed}/{judged}"
    calendar_notes = list(c.uncovered.values())
    if c.failed:
        items, first_due = [], None
        for ref, v in c.failed:  # one pass: a large audit's are packed (PackedFailures)
            items.append((ref, {"due": v.due.isoformat(), "done_on": v.done_on.isoformat() if v.done_on else None,
                                "days_late": v.days_late}))
            if first_due is None or v.due < first_due:
                first_due = v.due
        offenders, notes, all_waived = _split_task_waived(rule, items, ctx)
        status = Status.waived if all_waived else Status.fail
        waiver = None
        if status == Status.fail:
            status, waiver = _apply_plan_waiver(rule, status, ctx, notes)
        if c.pending:
            notes.append(Text(zh=f"另有 {c.pending} 项尚未到期", en=f"{c.pending} more not yet due"))
        return _finding(rule, status, ctx, measured=measured, due=first_due, offenders=offenders,
                        notes=notes + calendar_notes, waiver=waiver)
    if c.pending and not c.passed:
        return _finding(rule, Status.pending, ctx, measured=measured, due=c.fixed_due or c.next_due, notes=[Text(
            zh=f"{c.pending} 项尚未到期", en=f"{c.pending} not yet due")] + calendar_notes)
    notes = [Text(zh=f"另有 {c.pending} 项尚未到期", en=f"{c.pending} more not yet due")] if c.pending else []
    notes += calendar_notes
    return _finding(rule, Status.passed, ctx, measured=measured, due=c.fixed_due or c.next_due, notes=notes)


def slot_deadline_finding(rule: DeadlineRule, ctx: Context) -> Finding:
    schedule = rule.params.schedule
    kind = rule.params.submission
    once = isinstance(schedule, OnceSchedule)
    verdicts = [(slot, judge(slot.due, answer_slot(kind, slot, once, ctx.submissions, ctx.as_of), ctx.as_of))
                for slot in slots(schedule, ctx.year)]
    failed = [(s, v) for s, v in verdicts if v.status == FAIL]
    passed = [(s, v) for s, v in verdicts if v.status == PASS]
    pending = [(s, v) for s, v in verdicts if v.status == PENDING]
    measured = f"{len(passed)}/{len(passed) + len(failed)}"
    notes: list[Text] = []
    if failed:
        offenders = [Offender(kind="slot", id=f"{kind}:{s.period}", detail={
            "kind": kind, "period": s.period, "due": v.due.isoformat(),
            "submitted_on": v.done_on.isoformat() if v.done_on else None, "days_late": v.days_late})
            for s, v in failed]
        status, waiver = _apply_plan_waiver(rule, Status.fail, ctx, notes)
        return _finding(rule, status, ctx, measured=measured, due=failed[0][1].due, offenders=offenders,
                        notes=notes, waiver=waiver)
    next_due = pending[0][1].due if pending else None
    if not passed:
        return _finding(rule, Status.pending, ctx, measured=measured, due=next_due)
    if len(passed) == 1 and not pending:
        notes.append(Text(zh=f"已于 {passed[0][1].done_on} 报送", en=f"submitted on {passed[0][1].done_on}"))
    elif pending:
        notes.append(Text(zh=f"另有 {len(pending)} 期尚未到期", en=f"{len(pending)} more periods not yet due"))
    return _finding(rule, Status.passed, ctx, measured=measured, due=next_due or passed[-1][1].due, notes=notes)


# -- the consumers of a compiled ruleset, and the findings from them ----------------------------
@dataclass
class RulePlan:
    """The consumers created for each rule; `run` feeds them, `findings` reads them."""

    consumers: list[tuple[Selection, object]]
    by_rule: dict[str, tuple]
    target_notes: dict[str, list[Text]]


def facts_of(selection: Selection, compiled: CompiledRuleset) -> set[str]:
    q = compiled.query(selection.query)
    out = {q.fact} | {link.fact for link in q.joins + q.absent}
    for m in selection.minus:
        mq = compiled.query(m)
        out |= {link.fact for link in mq.joins}
    return out


def plan_consumers(ruleset: Ruleset, compiled: CompiledRuleset, ctx: Context) -> RulePlan:
    consumers: list[tuple[Selection, object]] = []
    by_rule: dict[str, tuple] = {}
    target_notes: dict[str, list[Text]] = {}
    for rule in ruleset.rules:
        if rule.applies_to.value not in ctx.scopes:
            by_rule[rule.id] = ("na", {rule.applies_to.value})
            continue
        if isinstance(rule, TargetRule):
            ct = compiled.targets[rule.id]
            needed = facts_of(ct.numerator.selection, compiled) | facts_of(ct.denominator.selection, compiled)
            missing = needed - ctx.present
            if missing:
                by_rule[rule.id] = ("na", missing)
                continue
            active, expired = ctx.waivers.task_waivers(rule.id)
            excluded = frozenset(active) if rule.waivable else frozenset()
            notes: list[Text] = []
            if excluded:
                for w in active.values():
                    w.used = True
                notes.append(Text(zh=f"按任务级豁免，从分子分母中剔除任务：{'、'.join(sorted(excluded))}",
                                  en=f"tasks removed from numerator and denominator by waivers: "
                                     f"{', '.join(sorted(excluded))}"))
            if expired:
                for w in expired:
                    w.used = True
                notes.extend(expired_note(expired))
            target_notes[rule.id] = notes
            num = Aggregator(ct.numerator.distinct, ct.numerator.sum, excluded)
            den = Aggregator(ct.denominator.distinct, ct.denominator.sum, excluded)
            consumers += [(ct.numerator.selection, num), (ct.denominator.selection, den)]
            by_rule[rule.id] = ("target", num, den)
        elif isinstance(rule, ProhibitionRule):
            cp = compiled.prohibitions[rule.id]
            missing = facts_of(cp.selection, compiled) - ctx.present
            if missing:
                by_rule[rule.id] = ("na", missing)
                continue
            c = OffenderCollector()
            consumers.append((cp.selection, c))
            by_rule[rule.id] = ("prohibition", c)
        elif isinstance(rule, DeadlineRule):
            schedule = rule.params.schedule
            if isinstance(schedule, (AfterEventSchedule, ByDateSchedule)):
                cd = compiled.deadlines[rule.id]
                missing = facts_of(cd.selection, compiled) - ctx.present
                if missing:
                    by_rule[rule.id] = ("na", missing)
                    continue
                c = ObjectDeadlineCollector(schedule, ctx.year, ctx.as_of, ctx.calendar)
                consumers.append((cd.selection, c))
                by_rule[rule.id] = ("object_deadline", c)
            else:
                by_rule[rule.id] = ("na", {"submission"}) if "submission" not in ctx.present else ("slots",)
    return RulePlan(consumers, by_rule, target_notes)


def findings(ruleset: Ruleset, plan: RulePlan, ctx: Context, *, release: bool = False) -> list[Finding]:
    """One finding per rule, in ruleset order. `release`: the caller's last use of `plan`,
    so each rule's consumers let go of what they took once its finding is made, the
    targets' first (a province's audit would otherwise hold 160,000 refs, their
    offenders and a million distinct credit codes at once)."""
    rules = list(ruleset.rules)
    order = range(len(rules))
    if release:  # targets first: their distinct values go before any offender is made
        order = sorted(order, key=lambda i: plan.by_rule[rules[i].id][0] != "target")
    out: list[Finding | None] = [None] * len(rules)
    for i in order:
        rule = rules[i]
        entry = plan.by_rule[rule.id]
        kind = entry[0]
        if kind == "na":
            out[i] = _not_applicable(rule, ctx, entry[1])
        elif kind == "target":
            out[i] = target_finding(rule, entry[1].value, entry[2].value, ctx, plan.target_notes.get(rule.id, []))
            if release:
                entry[1].release()
                entry[2].release()
        elif kind == "prohibition":
            out[i] = prohibition_finding(rule, entry[1].refs, ctx)
            if release:
                entry[1].refs = []
        elif kind == "object_deadline":
            out[i] = object_deadline_finding(rule, entry[1], ctx)
            if release:
                entry[1].failed = []
        else:
            out[i] = slot_deadline_finding(rule, ctx)
    return out
