"""Comparing rulesets: what changed between two (`diff_rulesets`) and how several
set the same requirement (`side_by_side`).

Rules are matched by id first. Rules of different rulesets that share no id but
measure the same thing — the same metric, the same pattern, the same submission kind,
the same per-object deadline — are matched by that *topic*, so comparing Shijiazhuang
with Qinghe says "joint task share: >= 100% → >= 60%" instead of "one rule removed,
another added".

    diff = diff_rulesets(old, new)
    print(diff.render_text("zh"))         # or render_markdown(lang), to_json()
    table = side_by_side([sjz, tobacco, yuanping, zanhuang, qinghe])
    print(table.render_markdown("zh"))
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from .i18n import Lang
from .resolve import plain_data, resolved_data
from .schema import (AfterEventSchedule, ByDateSchedule, DatesSchedule, MonthlySchedule, OnceSchedule,
                     ProhibitionRule, Ruleset, TargetRule)

# Parameter names whose change alters what passes: thresholds and dates.
_KEY_PARAMS = ("threshold", "op", "due", "day", "months", "slots", "within", "unit", "metric", "pattern", "judge")


def topic(rule) -> str:
    """What a rule is about, independent of its id: `metric:joint_task_share`,
    `pattern:onsite_where_remote_feasible`, `submission:monthly_report`,
    `after_event:record.result_entered_on`, `by_date:plan.published_on`."""
    p = rule.params
    if isinstance(rule, TargetRule):
        if p.metric:
            return f"metric:{p.metric}"
        return "ratio:" + json.dumps(plain_data(p.ratio), sort_keys=True, ensure_ascii=False)
    if isinstance(rule, ProhibitionRule):
        if p.pattern:
            return f"pattern:{p.pattern}"
        return "match:" + json.dumps(plain_data(p.match), sort_keys=True, ensure_ascii=False, default=str)
    s = p.schedule
    if isinstance(s, AfterEventSchedule):
        return f"after_event:{s.fact}.{s.end_field}"
    if isinstance(s, ByDateSchedule):
        return f"by_date:{s.fact}.{s.field}"
    return f"submission:{p.submission}"


# ---------------------------------------------------------------------------------------
# diff

@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any
    key: bool = False   # a threshold, date or limit: what passes has changed


@dataclass
class RuleChange:
    rule_id: str
    other_id: str | None = None       # set when matched by topic, not by id
    topic: str = ""
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class RulesetDiff:
    a: str
    b: str
    meta_changes: list[FieldChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[RuleChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.meta_changes or self.added or self.removed or self.changed)

    def to_data(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False, indent=2, default=str) + "\n"

    def _lines(self, lang: Lang, md: bool) -> list[str]:
        zh = lang == "zh"
        code = (lambda s: f"`{s}`") if md else (lambda s: s)
        out = [("# " if md else "") + (f"规则集差异：{self.a} → {self.b}" if zh else f"Ruleset diff: {self.a} → {self.b}")]
        if self.empty:
            out.append("")
            out.append("没有差异。" if zh else "No differences.")
            return out
        if self.meta_changes:
            out += ["", ("## " if md else "") + ("元数据" if zh else "Metadata")]
            out += [f"- {code(c.path)}: {_show(c.old)} → {_show(c.new)}" for c in self.meta_changes]
        if self.changed:
            out += ["", ("## " if md else "") + ("修改的规则" if zh else "Changed rules")]
            for rc in self.changed:
                name = rc.rule_id if rc.other_id is None else f"{rc.rule_id} → {rc.other_id}"
                how = "" if rc.other_id is None else ("（按主题 " if zh else " (by topic ") + rc.topic + ("）" if zh else ")")
                out.append(f"- {code(name)}{how}")
                for c in rc.changes:
                    mark = ("【阈值/日期】" if zh else "[threshold/date] ") if c.key else ""
                    out.append(f"  - {mark}{code(c.path)}: {_show(c.old)} → {_show(c.new)}")
        if self.removed:
            out += ["", ("## " if md else "") + ("删除的规则" if zh else "Removed rules")]
            out += [f"- {code(r)}" for r in self.removed]
        if self.added:
            out += ["", ("## " if md else "") + ("新增的规则" if zh else "Added rules")]
            out += [f"- {code(r)}" for r in self.added]
        return out

    def render_text(self, lang: Lang = "zh") -> str:
        return "\n".join(self._lines(lang, md=False)) + "\n"

    def render_markdown(self, lang: Lang = "zh") -> str:
        return "\n".join(self._lines(lang, md=True)) + "\n"

    render = render_text


def _show(value: Any) -> str:
    if value is None:
        return "（无）/ (none)"
    if isinstance(value, str):
        return value if len(value) <= 80 else value[:79] + "…"
    return json.dumps(value, ensure_ascii=False, default=str)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _changes(a: dict, b: dict, skip: Iterable[str] = ()) -> list[FieldChange]:
    fa, fb = _flatten(a), _flatten(b)
    out = []
    for path in list(dict.fromkeys([*fa, *fb])):
        if path in skip:
            continue
        old, new = fa.get(path), fb.get(path)
        if old != new:
            leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
            key = path.startswith("params.") and (leaf in _KEY_PARAMS or ".slots[" in path)
            out.append(FieldChange(path, old, new, key))
    out.sort(key=lambda c: (not c.key, c.path))
    return out


def diff_rulesets(a: Ruleset, b: Ruleset) -> RulesetDiff:
    """What changed from `a` to `b`: metadata, rules added, removed and changed (field by
    field; thresholds and dates marked), with unmatched rules paired by topic."""
    da, db = resolved_data(a), resolved_data(b)
    diff = RulesetDiff(a=f"{a.ruleset.id} {a.ruleset.version}", b=f"{b.ruleset.id} {b.ruleset.version}")
    diff.meta_changes = [FieldChange(c.path, c.old, c.new) for c in _changes(da["ruleset"], db["ruleset"])]
    rules_a = {r["id"]: r for r in da["rules"]}
    rules_b = {r["id"]: r for r in db["rules"]}
    for rid, ra in rules_a.items():
        if rid in rules_b:
            changes = _changes(ra, rules_b[rid])
            if changes:
                diff.changed.append(RuleChange(rid, None, topic(a.rule(rid)), changes))
    only_a = [rid for rid in rules_a if rid not in rules_b]
    only_b = [rid for rid in rules_b if rid not in rules_a]
    by_topic_a: dict[str, list[str]] = {}
    by_topic_b: dict[str, list[str]] = {}
    for rid in only_a:
        by_topic_a.setdefault(topic(a.rule(rid)), []).append(rid)
    for rid in only_b:
        by_topic_b.setdefault(topic(b.rule(rid)), []).append(rid)
    paired_a: set[str] = set()
    paired_b: set[str] = set()
    for t, ids_a in by_topic_a.items():
        ids_b = by_topic_b.get(t, [])
        if len(ids_a) == 1 and len(ids_b) == 1:
            ra, rb = rules_a[ids_a[0]], rules_b[ids_b[0]]
            changes = _changes(ra, rb, skip=("id",))
            diff.changed.append(RuleChange(ids_a[0], ids_b[0], t, changes))
            paired_a.add(ids_a[0])
            paired_b.add(ids_b[0])
    diff.removed = [rid for rid in only_a if rid not in paired_a]
    diff.added = [rid for rid in only_b if rid not in paired_b]
    return diff


# ---------------------------------------------------------------------------------------
# side by side

@dataclass
class Row:
    topic: str
    kind: str
    label: str
    cells: list[list[str]]      # per ruleset: one short text per rule on this topic


@dataclass
class SideBySide:
    columns: list[str]          # ruleset ids
    versions: list[str]
    rows: list[Row]

    def to_data(self) -> dict:
        return asdict(self)

    def render_markdown(self, lang: Lang = "zh") -> str:
        zh = lang == "zh"
        head = ["要求" if zh else "requirement"] + [f"`{c}`" for c in self.columns]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        kinds = {"target": ("目标", "targets"), "deadline": ("期限", "deadlines"), "prohibition": ("禁止", "prohibitions")}
        current = None
        for row in self.rows:
            if row.kind != current:
                current = row.kind
                name = kinds[row.kind][0 if zh else 1]
                out.append(f"| **{name}** |" + " |" * len(self.columns))
            cells = ["<br>".join(c) if c else "—" for c in row.cells]
            out.append(f"| {row.label} | " + " | ".join(cells) + " |")
        return "\n".join(out) + "\n"

    render = render_markdown


def _months(months: list[int], zh: bool) -> str:
    if months == list(range(1, 13)):
        return ""
    if months == list(range(months[0], months[-1] + 1)):
        return f"{months[0]}–{months[-1]} 月" if zh else f"months {months[0]}–{months[-1]}, "
    return ("、".join(map(str, months)) + " 月") if zh else ("months " + ", ".join(map(str, months)) + ", ")


def cell_text(rule, lang: Lang = "zh") -> str:
    """The setting of one rule in a few characters: `>= 60%`, `每月 23 日`, `20 个工作日（默认）`."""
    zh = lang == "zh"
    p = rule.params
    flags = []
    if isinstance(rule, TargetRule):
        text = f"{p.op} {plain_data(p.threshold)}"
    elif isinstance(rule, ProhibitionRule):
        text = "禁止" if zh else "forbidden"
    else:
        s = p.schedule
        if isinstance(s, OnceSchedule):
            text = (f"{s.due} 前" if zh else f"by {s.due}")
        elif isinstance(s, MonthlySchedule):
            day = ("月底" if s.day == 31 else f" {s.day} 日") if zh else ("month end" if s.day == 31 else f"day {s.day}")
            text = (f"{_months(s.months, zh)}每月{day}前" if zh else f"{_months(s.months, zh)}monthly by {day}")
        elif isinstance(s, DatesSchedule):
            text = "、".join(slot.due for slot in s.slots) if zh else ", ".join(slot.due for slot in s.slots)
        elif isinstance(s, AfterEventSchedule):
            unit = ("个工作日" if zh else " working days") if s.unit == "working_days" else ("天" if zh else " days")
            text = f"{s.start_field} + {s.within}{unit}" if not zh else f"{s.start_field} 后 {s.within} {unit}"
        else:
            text = f"{s.due} 前" if zh else f"by {s.due}"
        if p.default_limit:
            flags.append("默认期限" if zh else "default limit")
    if rule.waivable:
        flags.append("可豁免" if zh else "waivable")
    if rule.severity.value != "error":
        flags.append({"warning": "警告", "info": "提示"}[rule.severity.value] if zh else rule.severity.value)
    if flags:
        text += ("（" + "，".join(flags) + "）") if zh else (" (" + ", ".join(flags) + ")")
    return f"{text} · {rule.id}"


def side_by_side(rulesets: Sequence[Ruleset], labels: Mapping[str, str] | None = None,
                 lang: Lang = "zh") -> SideBySide:
    """One row per topic (metric, pattern, submission kind, per-object deadline), one
    column per ruleset; `labels` names topics for people (default: the topic key)."""
    order = {"target": 0, "deadline": 1, "prohibition": 2}
    seen: dict[str, tuple[int, int, str]] = {}
    for rs in rulesets:
        for rule in rs.rules:
            t = topic(rule)
            if t not in seen:
                seen[t] = (order[rule.kind], len(seen), rule.kind)
    rows = []
    for t, (_, _, kind) in sorted(seen.items(), key=lambda kv: kv[1][:2]):
        cells = [[cell_text(r, lang) for r in rs.rules if topic(r) == t] for rs in rulesets]
        rows.append(Row(t, kind, (labels or {}).get(t, f"`{t}`"), cells))
    return SideBySide([rs.ruleset.id for rs in rulesets], [rs.ruleset.version for rs in rulesets], rows)
