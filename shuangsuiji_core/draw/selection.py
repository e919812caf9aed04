"""Who is drawn: stratified entity sampling and inspector groups, by keyed SHA-256 ranking.

Entities
--------
Each in-scope entity falls in the stratum of its risk class (A, B, C, D, unclassified;
or the single stratum `all` for a fixed household count over the whole scope). Within a
stratum every entity gets the rank key of ranking.py and the k with the smallest keys
are drawn (ties, which would need a SHA-256 collision, fall to the smaller credit code).

Memory stays small at millions of rows without a second pass over the file: k is
⌈N·r⌉ but N is only known at the end, so each stratum keeps the entities whose key,
read as a number u in [0, 1), lies below a threshold T ≥ r that shrinks as rows arrive
(r + 8·√(r(1−r)/n) + 8/n, recomputed at n = 64, 128, 256, …, never rising). At the end
the candidates are exactly the entities with u < T_final; when there are at least k of
them (which fails with probability far below 10⁻¹²) the k smallest candidates are the
k smallest of the stratum. Otherwise a second pass with a bounded heap of size k makes
the same choice. The threshold only decides how much is held in memory, never which
entities are drawn. A fixed count k uses a bounded heap of size k from the start.

Inspectors
----------
An inspector is *eligible* for the task when certified and holding every required tag;
the others are excluded once, with the reason (`uncertified`, `tags`), in the record.
Selected entities are staffed one by one in *staffing order*: ascending order key
(purpose `order`, which does not depend on the stratum or on the file), so the order is
as random as the draw and independent of the directory's row order. For each entity
the eligible inspectors are ranked by their key for that entity and walked in order:
one with a declared conflict with the entity (回避) is skipped (`conflict`), one who
has already served `max_groups_per_inspector` groups is skipped (`cap_reached`), one
whose few remaining groups are needed to staff the entities still to come is held back
(`capacity_reserved`, see _CAPACITY_RULE), the first `inspectors_per_group` others form
the group. Every skip is logged.

Fairness of the cap: without a cap every eligible, unconflicted inspector is equally
likely to be in each group. With a cap, an inspector who reaches it leaves the pool for
entities staffed later; because the staffing order is itself a keyed random order, no
entity and no inspector is systematically favoured by its place in a file. The
capacity rule only acts when capacity is tight, near the end of the staffing order,
and then prefers inspectors with groups to spare, which is what lets a cap equal to
the average load succeed. When the directory cannot staff an entity (too few
eligible, unconflicted inspectors under the cap) the draw fails with an error naming
the entity and the counts — an inspector is never silently reused beyond the cap.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Iterable, Sequence

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text

from .directories import EntityRow, InspectorRow
from .ranking import CODE_LENGTH_PREFIX, entity_prefix, inspector_prefix, length_prefixed, order_prefix
from .task import ALL, STRATA, UNCLASSIFIED, DrawTask

STRATUM_ORDER = STRATA + (ALL,)
MARGIN = 8.0
_FULL = 1 << 256


@dataclass(frozen=True)
class DrawnEntity:
    credit_code: str
    name: str
    stratum: str
    rank: int              # 1 = smallest key in its stratum
    rank_key: str          # hex SHA-256
    risk_class: str | None
    industry: str | None


@dataclass(frozen=True)
class StratumOutcome:
    stratum: str
    population: int
    kind: str              # ratio | count
    value: Fraction | int | None
    rule: str              # given | B_ratio | absent
    requested: int         # k
    drawn: int


class _Stratum:
    __slots__ = ("name", "kind", "value", "rule", "n", "prefix", "threshold", "next_update", "candidates", "k")

    def __init__(self, name: str, kind: str, value, rule: str, seed: str, task_id: str):
        self.name, self.kind, self.value, self.rule = name, kind, value, rule
        self.n = 0
        self.prefix = entity_prefix(seed, task_id, name)._base
        self.candidates: list = []
        self.next_update = 64
        # threshold: None = keep everything; b"" = keep nothing
        if value is None or value == 0:
            self.threshold: bytes | None = b""
        else:
            self.threshold = None
        self.k = value if kind == "count" and value else 0


class EntitySelector:
    """Feed every directory row to `add`; `finish` returns the strata and the drawn entities."""

    def __init__(self, task: DrawTask, seed: str, margin: float = MARGIN):
        self.task = task
        self.margin = margin
        rules = task.stratum_rules()
        self._strata = {name: _Stratum(name, kind, value, rule, seed, task.id) for name, (kind, value, rule) in rules.items()}
        self._single = self._strata.get(ALL) if task.single_stratum else None
        self._industry = set(task.scope.industry) if task.scope.industry is not None else None
        self._tags = tuple(task.scope.tags)

    def in_scope(self, row: EntityRow) -> bool:
        if self._industry is not None and row.industry not in self._industry:
            return False
        for tag in self._tags:
            if tag not in row.tags:
                return False
        return True

    def add(self, row: EntityRow) -> None:
        if self._industry is not None and row.industry not in self._industry:
            return
        if self._tags and not self.in_scope(row):
            return
        st = self._single or self._strata[row.risk_class or UNCLASSIFIED]
        st.n += 1
        threshold = st.threshold
        if threshold == b"":
            return
        h = st.prefix.copy()
        h.update(CODE_LENGTH_PREFIX + row.credit_code.encode("ascii"))
        digest = h.digest()
        if st.kind == "count":
            item = (-int.from_bytes(digest, "big"), row.credit_code, digest, row)
            if len(st.candidates) < st.k:
                heapq.heappush(st.candidates, item)
            elif item > st.candidates[0]:
                heapq.heapreplace(st.candidates, item)
            return
        if threshold is None or digest < threshold:
            st.candidates.append((digest, row.credit_code, row))
        if st.n == st.next_update:
            self._tighten(st)

    def _tighten(self, st: _Stratum) -> None:
        st.next_update *= 2
        r = float(st.value)
        t = max(0.0, r + self.margin * math.sqrt(r * (1 - r) / st.n) + self.margin / st.n)
        if t >= 1:
            return
        new = int(t * _FULL).to_bytes(32, "big")
        if st.threshold is None or new < st.threshold:
            st.threshold = new
            st.candidates = [c for c in st.candidates if c[0] < new]

    def finish(self, reopen: Callable[[], Iterable[EntityRow]] | None = None) -> tuple[list[StratumOutcome], list[DrawnEntity]]:
        chosen: dict[str, list[tuple[bytes, str, EntityRow]]] = {}
        short: dict[str, int] = {}
        for st in self._strata.values():
            if st.kind == "count":
                k = st.k  # requested; the heap holds min(k, N): a shortfall shows as drawn < requested
                chosen[st.name] = sorted((d, c, r) for _, c, d, r in st.candidates)
            else:
                r = st.value or Fraction(0)
                k = -(-st.n * r.numerator // r.denominator)  # ⌈N·r⌉, exactly
                cands = sorted(st.candidates)
                if len(cands) >= k:
                    chosen[st.name] = cands[:k]
                else:
                    short[st.name] = k
            st.k = k
        if short:
            if reopen is None:
                raise RuntimeError("a second pass is needed but the rows cannot be read again")
            chosen.update(self._second_pass(short, reopen))
        outcomes, drawn = [], []
        for name in STRATUM_ORDER:
            st = self._strata.get(name)
            if st is None:
                continue
            picks = chosen.get(name, [])
            outcomes.append(StratumOutcome(name, st.n, st.kind, st.value, st.rule, st.k, len(picks)))
            for rank, (digest, code, row) in enumerate(picks, 1):
                drawn.append(DrawnEntity(code, row.name, name, rank, digest.hex(), row.risk_class, row.industry))
        return outcomes, drawn

    def _second_pass(self, short: dict[str, int], reopen) -> dict[str, list]:
        heaps: dict[str, list] = {name: [] for name in short}
        for row in reopen():
            if not self.in_scope(row):
                continue
            name = ALL if self._single else (row.risk_class or UNCLASSIFIED)
            if name not in heaps:
                continue
            h = self._strata[name].prefix.copy()
            h.update(CODE_LENGTH_PREFIX + row.credit_code.encode("ascii"))
            digest = h.digest()
            item = (-int.from_bytes(digest, "big"), row.credit_code, digest, row)
            heap, k = heaps[name], short[name]
            if len(heap) < k:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        return {name: sorted((d, c, r) for _, c, d, r in heap) for name, heap in heaps.items()}


def select_entities(rows: Iterable[EntityRow], task: DrawTask, seed: str) -> tuple[list[StratumOutcome], list[DrawnEntity]]:
    """Draw from rows held in memory (a list or any re-iterable)."""
    selector = EntitySelector(task, seed)
    for row in rows:
        selector.add(row)
    return selector.finish(lambda: rows)


# ---------------------------------------------------------------------------- inspectors

@dataclass(frozen=True)
class DirectoryExclusion:
    inspector_id: str
    reasons: tuple[str, ...]        # uncertified, tags
    missing_tags: tuple[str, ...]


@dataclass(frozen=True)
class GroupExclusion:
    credit_code: str
    inspector_id: str
    reason: str                     # conflict, cap_reached


_CAPACITY_RULE = """
With a cap, plain rank order can paint itself into a corner: if the inspectors who still
have groups left are too few, a late entity cannot be staffed although another
assignment would have worked. Ignoring conflicts, m entities of g inspectors each can be
staffed from remaining capacities c_j exactly when Σ min(c_j, m) ≥ g·m. So before the
walk the slack S = Σ min(c_j, m−1) − g·(m−1) is computed for the m−1 entities after this
one; an inspector with c_j > m−1 serves without using slack, any other one uses a unit,
and once S is used up such inspectors are skipped (logged `capacity_reserved`). Without
conflicts this never dead-ends; with conflicts, a group that cannot otherwise be filled
takes the reserved inspectors after all (in rank order).
"""


@dataclass
class Staffing:
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)   # credit code -> inspector ids, in drawn order
    order: dict[str, int] = field(default_factory=dict)                # credit code -> staffing position (1-based)
    directory_exclusions: list[DirectoryExclusion] = field(default_factory=list)
    group_exclusions: list[GroupExclusion] = field(default_factory=list)
    load: dict[str, int] = field(default_factory=dict)


def _unstaffable(zh: str, en: str, where: Location, found: str) -> InputError:
    return InputError([Problem(code="draw.unstaffable", message=Text(zh=zh, en=en), location=where,
                               path=("inspectors",), expected=None, found=found)])


def assign_inspectors(drawn: Sequence[DrawnEntity], inspectors: Sequence[InspectorRow], task: DrawTask, seed: str,
                      where: Location | None = None) -> Staffing:
    """Form one group per drawn entity. Raises `InputError` (draw.unstaffable) when impossible."""
    where = where or Location()
    staffing = Staffing()
    required = set(task.required_inspector_tags)
    eligible: list[InspectorRow] = []
    for ins in sorted(inspectors, key=lambda i: i.id):
        reasons = []
        missing = tuple(sorted(required.difference(ins.tags)))
        if not ins.certified:
            reasons.append("uncertified")
        if missing:
            reasons.append("tags")
        if reasons:
            staffing.directory_exclusions.append(DirectoryExclusion(ins.id, tuple(reasons), missing))
        else:
            eligible.append(ins)
    size, cap = task.inspectors_per_group, task.max_groups_per_inspector
    if not drawn:
        return staffing
    if len(eligible) < size:
        raise _unstaffable(
            f"执法检查人员名录无法组成检查组：每组需要 {size} 名持证且具备所需标签（{'、'.join(sorted(required)) or '无'}）的人员，"
            f"名录中只有 {len(eligible)} 名（共 {len(inspectors)} 名，未持证或缺少标签的 {len(staffing.directory_exclusions)} 名）",
            f"the inspector directory cannot staff the draw: each group needs {size} certified inspectors holding "
            f"the required tags ({', '.join(sorted(required)) or 'none'}); only {len(eligible)} of {len(inspectors)} are "
            f"eligible ({len(staffing.directory_exclusions)} uncertified or missing tags)",
            where, f"{len(eligible)} < {size}")
    if cap is not None and len(eligible) * cap < len(drawn) * size:
        raise _unstaffable(
            f"执法检查人员名录无法组成检查组：{len(drawn)} 个检查对象每组 {size} 人，共需 {len(drawn) * size} 人次，"
            f"而 {len(eligible)} 名合格人员每人最多 {cap} 组，最多只能提供 {len(eligible) * cap} 人次",
            f"the inspector directory cannot staff the draw: {len(drawn)} entities × {size} = {len(drawn) * size} "
            f"assignments are needed, but {len(eligible)} eligible inspectors at most {cap} groups each give "
            f"{len(eligible) * cap}", where, f"{len(eligible) * cap} < {len(drawn) * size}")
    conflicts: dict[str, set[str]] = {}
    for ins in eligible:
        for code in ins.conflicts:
            conflicts.setdefault(code, set()).add(ins.id)
    order = order_prefix(seed, task.id)
    ordered = sorted(drawn, key=lambda e: (order.key(e.credit_code), e.credit_code))
    load = {ins.id: 0 for ins in eligible}
    capacity_left = len(eligible) * cap if cap is not None else 0
    id_bytes = [(ins.id, length_prefixed(ins.id)) for ins in eligible]
    for position, entity in enumerate(ordered, 1):
        staffing.order[entity.credit_code] = position
        after = len(ordered) - position  # entities still to staff after this one
        if cap is not None:
            # Capacity the others will need (see _CAPACITY_RULE): an inspector with more
            # than `after` groups left can serve here for free; each other one uses a unit of slack.
            # While after >= cap nobody has more than `after` left, so Σ min(c, after) = Σ c.
            if after >= cap:
                slack = capacity_left - size * after
            else:
                slack = sum(min(cap - n, after) for n in load.values()) - size * after
        conflicted = conflicts.get(entity.credit_code, set())
        for ins_id in sorted(conflicted):
            staffing.group_exclusions.append(GroupExclusion(entity.credit_code, ins_id, "conflict"))
        base = inspector_prefix(seed, task.id, entity.credit_code)._base
        keyed = []
        for ins_id, suffix in id_bytes:
            h = base.copy()
            h.update(suffix)
            keyed.append((h.digest(), ins_id))
        keyed.sort()
        group: list[str] = []
        capped: list[str] = []
        reserved: list[str] = []
        for _, ins_id in keyed:
            if ins_id in conflicted:
                continue
            if cap is not None:
                left = cap - load[ins_id]
                if left <= 0:
                    capped.append(ins_id)
                    continue
                if left <= after:
                    if slack <= 0:
                        reserved.append(ins_id)
                        continue
                    slack -= 1
            group.append(ins_id)
            if len(group) == size:
                break
        while len(group) < size and reserved:  # conflicts can defeat the rule: a preference, never a failure
            group.append(reserved.pop(0))
        for ins_id in capped:
            staffing.group_exclusions.append(GroupExclusion(entity.credit_code, ins_id, "cap_reached"))
        for ins_id in reserved:
            staffing.group_exclusions.append(GroupExclusion(entity.credit_code, ins_id, "capacity_reserved"))
        if len(group) < size:
            available = len(eligible) - len(conflicted)
            raise _unstaffable(
                f"无法为检查对象“{entity.name}”（{entity.credit_code}，组队顺序第 {position} 位）组成 {size} 人检查组："
                f"合格人员 {len(eligible)} 名，其中 {len(conflicted)} 名须回避，{len(capped)} 名已达到每人 {cap} 组的上限，"
                f"只剩 {len(group)} 名可用" + ("；可适当提高每人检查组上限" if capped else ""),
                f"cannot form a group of {size} for '{entity.name}' ({entity.credit_code}, staffed {position}th): "
                f"{len(eligible)} eligible inspectors, {len(conflicted)} must recuse (conflict of interest), "
                f"{len(capped)} have reached the cap of {cap} groups, {len(group)} left" +
                ("; consider raising the cap" if capped else ""),
                where, f"{len(group)} < {size} (eligible {available} without conflicts)")
        for ins_id in group:
            load[ins_id] += 1
        capacity_left -= len(group)
        staffing.groups[entity.credit_code] = tuple(group)
    staffing.load = {k: v for k, v in load.items() if v}
    return staffing
