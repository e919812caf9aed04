"""Loading a ruleset file and resolving `extends:` into one flat `Ruleset`.

A ruleset may start from another::

    ruleset:
      id: shijiazhuang-tobacco-2025
      extends: shijiazhuang-2025        # an id (looked up in the ruleset folders) or a relative path
      ...
    override:                           # partial rules, merged field by field onto the inherited rule
      - id: SJZ-MONTHLY-REPORT
        params: {schedule: {day: 22}}
    remove: [SJZ-SOME-RULE]             # inherited rules to drop
    rules: [...]                        # new rules; an id the parent already has is an error

Resolution rules, each broken one a located, bilingual error:

- the child's `ruleset:` metadata replaces the parent's entirely;
- `remove` and `override` must name rules the parent has, each at most once, and a
  rule cannot be both removed and overridden; an override may not change `kind`;
- a new rule whose id the parent already has is refused ("use override");
- merging is by mapping key, recursively; lists and scalars are replaced whole, and a
  mapping whose `type` changes (e.g. a schedule from monthly to dates) is replaced whole;
- the parent is found by id as `<id>.yaml` in the child's own folder, then in
  `search_dirs`; its `ruleset.id` must be that id. A path is taken relative to the
  child's folder. Either way the file must lie inside the folder of the first file
  loaded or one of `search_dirs`;
- a cycle (a extends b extends a) and chains deeper than `MAX_EXTENDS_DEPTH` are refused.

Inherited rules keep their order, overridden ones in place; new rules follow.
`dump_resolved` prints the flattened result as YAML that loads back to the same ruleset.
"""

from __future__ import annotations

import copy
import os
from enum import Enum
from fractions import Fraction
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import InputError, Location, PathPart, Problem, found_repr
from .i18n import Text
from .lint import check_ruleset  # noqa: F401  (re-exported: the lint step after resolution)
from .schema import Rule, Ruleset, RulesetFile
from .validation import problems_from_validation
from .yaml_source import LocatedDocument, load_yaml_file, load_yaml_text

__all__ = ["load_ruleset_file", "load_ruleset_text", "dump_resolved", "check_ruleset", "RulesetOrigin",
           "MAX_EXTENDS_DEPTH"]

MAX_EXTENDS_DEPTH = 8
_RULE_ADAPTER: TypeAdapter = TypeAdapter(Rule)
# pydantic puts the discriminator's value into error locations (rules[0].target.params);
# those are not keys in the file, so they are dropped before locating a problem.
_TAGS = frozenset({"target", "deadline", "prohibition", "once", "monthly", "dates", "after_event", "by_date"})


@dataclass
class RulesetOrigin:
    """Where each rule of a resolved ruleset was written. A rule has layers, most
    recent first: an override in a child file, then its definition in a parent."""

    file: str | None
    chain: list[str] = field(default_factory=list)       # files from the child up to the root parent
    layers: dict[str, list[tuple[LocatedDocument, tuple[PathPart, ...]]]] = field(default_factory=dict)
    document: LocatedDocument | None = None               # the child file itself, for its metadata

    def locate_meta(self, path: Sequence[PathPart] = ()) -> Location:
        """Where a metadata value (`ruleset.version`…) stands in the child file."""
        if self.document is None:
            return Location(self.file)
        return self.document.locate(("ruleset",) + tuple(path))

    def locate_rule(self, rule_id: str, path: Sequence[PathPart] = ()) -> Location:
        layers = self.layers.get(rule_id)
        if not layers:
            return Location(self.file)
        for doc, prefix in layers:
            full = prefix + tuple(path)
            if full in doc.positions:
                return doc.positions[full]
        doc, prefix = layers[-1]  # the defining file: its nearest enclosing value
        return doc.locate(prefix + tuple(path))


def _problem(code: str, zh: str, en: str, location: Location, path: Sequence[PathPart] = (),
             expected: Text | None = None, found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=location, path=tuple(path),
                   expected=expected, found=found)


def _untag(problems: list[Problem], doc: LocatedDocument, prefix: tuple = ()) -> list[Problem]:
    """Drop discriminator tags from problem paths, re-locate, and drop the generic
    union-member complaint where a precise one exists for the same value."""
    out: list[Problem] = []
    for p in problems:
        path = tuple(part for i, part in enumerate(p.path)
                     if not (part in _TAGS and i > 0 and (isinstance(p.path[i - 1], int) or p.path[i - 1] in
                                                          ("schedule", "rule"))))
        if path and path[0] == "rule":
            path = path[1:]
        location = p.location
        if path != p.path:
            location = doc.locate_key(path) if p.code == "schema.unknown_field" else doc.locate(path)
        out.append(Problem(p.code, p.message, location, path, p.expected, p.found))
    precise = {p.path for p in out if not p.code.startswith("schema.")}
    seen: set = set()
    result = []
    for p in out:
        key = (p.path, p.code, p.message.zh)
        if key in seen or (p.code.startswith("schema.") and p.code != "schema.missing"
                           and p.code != "schema.unknown_field" and p.path in precise):
            continue
        seen.add(key)
        result.append(p)
    return result


def _validate_file(doc: LocatedDocument) -> RulesetFile:
    try:
        return RulesetFile.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_untag(problems_from_validation(exc, doc), doc)) from None


def _within(path: Path, roots: Iterable[Path]) -> bool:
    for root in roots:
        try:
            path.relative_to(root)
            return True
        except ValueError:
            continue
    return False


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml", ".json"))


@dataclass
class _Context:
    roots: list[Path]
    search_dirs: list[Path]
    stack: list[Path] = field(default_factory=list)
    docs: list[LocatedDocument] = field(default_factory=list)   # the files on the stack, to locate a cycle


def _find_parent(ref: str, child_file: Path, doc: LocatedDocument, ctx: _Context) -> Path:
    where = doc.locate(("ruleset", "extends"))
    path_ = ("ruleset", "extends")
    if _looks_like_path(ref):
        candidate = Path(os.path.realpath(child_file.parent / ref))
        if not _within(candidate, ctx.roots):
            allowed = "、".join(str(r) for r in ctx.roots)
            raise InputError([_problem(
                "extends.outside", f"继承的规则集“{ref}”不在规则集目录内，已拒绝读取",
                f"the parent ruleset '{ref}' lies outside the ruleset folders; refused",
                where, path_, Text(zh=f"以下目录中的文件：{allowed}", en=f"a file inside: {', '.join(map(str, ctx.roots))}"),
                str(candidate))])
        if not candidate.is_file():
            raise InputError([_problem(
                "extends.not_found", f"找不到继承的规则集文件“{ref}”", f"the parent ruleset file '{ref}' does not exist",
                where, path_, Text(zh="已存在的规则集文件路径（相对于本文件）", en="an existing ruleset file, relative to this one"),
                ref)])
        return candidate
    folders = [child_file.parent] + [d for d in ctx.search_dirs if d != child_file.parent]
    for folder in folders:
        for suffix in (".yaml", ".yml"):
            candidate = Path(os.path.realpath(folder / f"{ref}{suffix}"))
            if candidate.is_file() and _within(candidate, ctx.roots):
                return candidate
    available = sorted({p.stem for d in folders if d.is_dir() for p in d.glob("*.yaml")
                        if not p.name.endswith(".tests.yaml")})
    raise InputError([_problem(
        "extends.unknown", f"找不到 id 为“{ref}”的规则集", f"no ruleset with id '{ref}'",
        where, path_, Text(zh="以下规则集之一：" + ("、".join(available) or "（无）"),
                           en="one of: " + (", ".join(available) or "(none)")), ref)])


def exact_ratio_text(value: Fraction) -> str:
    """A ratio as an exact percent string: 3/5 -> "60%", 0.12345 -> "12.345%".
    (`format_ratio` rounds to two decimals for display; here nothing may be lost.)"""
    pct = value * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    digits = 0
    scaled = pct
    while scaled.denominator != 1 and digits < 30:
        scaled *= 10
        digits += 1
    if scaled.denominator != 1:  # not a finite decimal: only reachable from Python, never from a file
        return f"{value.numerator}/{value.denominator}"
    whole = str(abs(scaled.numerator)).rjust(digits + 1, "0")
    return f"{whole[:-digits]}.{whole[-digits:]}%"


def plain_data(value: Any, exclude_unset: bool = False) -> Any:
    """Models made plain data for YAML and hashing: enums to values, ratios exact.

    Walks the models itself: pydantic's own dump would pass ratios through their
    display serializer, which rounds. `None` fields are left out; with `exclude_unset`
    so are fields the file did not write (the form an override is merged onto)."""
    if isinstance(value, BaseModel):
        out = {}
        for name, info in type(value).model_fields.items():
            if exclude_unset and name not in value.model_fields_set:
                continue
            item = getattr(value, name)
            if item is None:
                continue
            out[info.alias or name] = plain_data(item, exclude_unset)
        return out
    if isinstance(value, Fraction):
        return exact_ratio_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain_data(v, exclude_unset) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v, exclude_unset) for v in value]
    return value


def _display(path: Path) -> str:
    """A parent file's name as a person would type it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _rule_data(rule) -> dict[str, Any]:
    """A rule as plain data, as it would be written (defaults left out), to merge onto."""
    return plain_data(rule, exclude_unset=True)


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        if "type" in patch and base.get("type") != patch["type"]:
            return copy.deepcopy(patch)
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def _resolve(file: Path, ctx: _Context, display: str | None = None, text: str | None = None) -> tuple[Ruleset, RulesetOrigin]:
    real = Path(os.path.realpath(file))
    if real in ctx.stack:
        cycle = " → ".join(p.name for p in ctx.stack[ctx.stack.index(real):] + [real])
        where = ctx.docs[-1].locate(("ruleset", "extends")) if ctx.docs else Location(str(ctx.stack[-1]))
        raise InputError([_problem(
            "extends.cycle", f"规则集继承形成循环：{cycle}", f"the rulesets extend each other in a cycle: {cycle}",
            where, ("ruleset", "extends"), found=cycle)])
    if len(ctx.stack) >= MAX_EXTENDS_DEPTH:
        raise InputError([_problem(
            "extends.too_deep", f"继承层级超过 {MAX_EXTENDS_DEPTH} 层", f"more than {MAX_EXTENDS_DEPTH} levels of extends",
            Location(str(file)), ("ruleset", "extends"))])
    name = display or str(file)
    doc = load_yaml_text(text, name) if text is not None else load_yaml_file(str(file), name)
    parsed = _validate_file(doc)
    meta = parsed.ruleset
    if meta.extends is None:
        problems = []
        for key in ("override", "remove"):
            if getattr(parsed, key):
                problems.append(_problem(
                    f"extends.{key}_without_parent",
                    f"只有继承其他规则集（ruleset.extends）时才能使用 {key}",
                    f"`{key}` is only allowed in a ruleset that extends another (ruleset.extends)",
                    doc.locate_key((key,)), (key,)))
        if problems:
            raise InputError(problems)
        origin = RulesetOrigin(file=name, chain=[name], document=doc)
        for i, rule in enumerate(parsed.rules):
            origin.layers[rule.id] = [(doc, ("rules", i))]
        return _build(meta, list(parsed.rules), doc, origin), origin

    parent_file = _find_parent(meta.extends, real, doc, ctx)
    ctx.stack.append(real)
    ctx.docs.append(doc)
    try:
        parent, parent_origin = _resolve(parent_file, ctx, display=_display(parent_file))
    finally:
        ctx.stack.pop()
        ctx.docs.pop()
    if not _looks_like_path(meta.extends) and parent.ruleset.id != meta.extends:
        raise InputError([_problem(
            "extends.id_mismatch", f"文件 {parent_file.name} 中的规则集 id 是“{parent.ruleset.id}”，不是“{meta.extends}”",
            f"{parent_file.name} holds ruleset '{parent.ruleset.id}', not '{meta.extends}'",
            doc.locate(("ruleset", "extends")), ("ruleset", "extends"), found=parent.ruleset.id)])

    problems: list[Problem] = []
    inherited = {r.id: r for r in parent.rules}
    layers = {rid: list(v) for rid, v in parent_origin.layers.items()}
    removed: set[str] = set()
    for i, rid in enumerate(parsed.remove):
        loc = doc.locate(("remove", i))
        if rid not in inherited:
            problems.append(_problem(
                "extends.remove_unknown", f"要删除的规则“{rid}”在父规则集 {parent.ruleset.id} 中不存在",
                f"rule '{rid}' to remove does not exist in the parent ruleset {parent.ruleset.id}",
                loc, ("remove", i), Text(zh="父规则集中的规则 id", en="a rule id of the parent"), rid))
        elif rid in removed:
            problems.append(_problem("extends.remove_twice", f"规则“{rid}”重复删除", f"rule '{rid}' is removed twice",
                                     loc, ("remove", i), found=rid))
        removed.add(rid)

    overridden: dict[str, Any] = {}
    seen_override: set[str] = set()
    for i, entry in enumerate(parsed.override):
        path = ("override", i)
        rid = entry.get("id")
        if not isinstance(rid, str):
            problems.append(_problem(
                "extends.override_id", "override 的每一项都要写明要修改的规则 id", "each override entry needs the `id` of the rule it changes",
                doc.locate(path), path + ("id",), Text(zh="父规则集中的规则 id", en="a rule id of the parent"),
                None if rid is None else found_repr(rid)))
            continue
        if rid not in inherited:
            problems.append(_problem(
                "extends.override_unknown",
                f"要修改的规则“{rid}”在父规则集 {parent.ruleset.id} 中不存在（新增规则请写在 rules: 下）",
                f"rule '{rid}' to override does not exist in the parent ruleset {parent.ruleset.id} (new rules go under rules:)",
                doc.locate(path + ("id",)), path + ("id",), Text(zh="父规则集中的规则 id", en="a rule id of the parent"), rid))
            continue
        if rid in seen_override:
            problems.append(_problem("extends.override_twice", f"规则“{rid}”被修改了两次，请合并为一项",
                                     f"rule '{rid}' is overridden twice; merge the entries", doc.locate(path + ("id",)),
                                     path + ("id",), found=rid))
            continue
        seen_override.add(rid)
        if rid in removed:
            problems.append(_problem("extends.override_removed", f"规则“{rid}”既被删除又被修改",
                                     f"rule '{rid}' is both removed and overridden", doc.locate(path + ("id",)),
                                     path + ("id",), found=rid))
            continue
        base = inherited[rid]
        if "kind" in entry and entry["kind"] != base.kind:
            problems.append(_problem(
                "extends.override_kind", f"不能通过 override 改变规则“{rid}”的种类（请 remove 后在 rules: 下新写一条）",
                f"an override cannot change the kind of rule '{rid}' (remove it and add a new rule instead)",
                doc.locate(path + ("kind",)), path + ("kind",), Text(zh=base.kind, en=base.kind), found_repr(entry["kind"])))
            continue
        merged = _merge(_rule_data(base), entry)
        try:
            overridden[rid] = _RULE_ADAPTER.validate_python(merged)
        except ValidationError as exc:
            problems += _untag(problems_from_validation(exc, doc, path), doc)
            continue
        layers[rid] = [(doc, path)] + layers.get(rid, [])

    rules = [overridden.get(r.id, r) for r in parent.rules if r.id not in removed]
    kept = {r.id for r in rules}
    for i, rule in enumerate(parsed.rules):
        if rule.id in inherited and rule.id not in removed:
            problems.append(_problem(
                "extends.rule_exists",
                f"规则“{rule.id}”已在父规则集 {parent.ruleset.id} 中定义；要修改它请写在 override: 下",
                f"rule '{rule.id}' already exists in the parent ruleset {parent.ruleset.id}; use override: to change it",
                doc.locate(("rules", i, "id")), ("rules", i, "id"), found=rule.id))
            continue
        if rule.id in kept:
            continue  # a duplicate among the new rules: reported by _build's uniqueness check
        rules.append(rule)
        layers[rule.id] = [(doc, ("rules", i))]
    if problems:
        raise InputError(problems)
    for rid in removed:
        layers.pop(rid, None)
    origin = RulesetOrigin(file=name, chain=[name] + parent_origin.chain, layers=layers, document=doc)
    return _build(meta, rules, doc, origin), origin


def _build(meta, rules: list, doc: LocatedDocument, origin: RulesetOrigin) -> Ruleset:
    ids: dict[str, int] = {}
    for i, rule in enumerate(rules):
        if rule.id in ids:
            loc = origin.locate_rule(rule.id, ("id",))
            raise InputError([_problem(
                "ruleset.duplicate_rule_id", f"规则 id“{rule.id}”重复出现", f"rule id '{rule.id}' appears twice",
                loc, ("rules", i, "id"), Text(zh="每条规则唯一的 id", en="a unique id per rule"), rule.id)])
        ids[rule.id] = i
    ruleset = Ruleset(ruleset=meta, rules=rules)
    ruleset._origin = origin
    return ruleset


def load_ruleset_file(path: str | os.PathLike, search_dirs: Sequence[str | os.PathLike] = ()) -> Ruleset:
    """Read a ruleset file and resolve its `extends` chain. Raises a located `InputError`."""
    file = Path(path)
    dirs = [Path(os.path.realpath(d)) for d in search_dirs]
    roots = [Path(os.path.realpath(file.parent))] + dirs
    ctx = _Context(roots=roots, search_dirs=dirs)
    ruleset, _ = _resolve(file, ctx, display=str(path))
    return ruleset


def load_ruleset_text(text: str, name: str = "<ruleset>", search_dirs: Sequence[str | os.PathLike] = (),
                      base_dir: str | os.PathLike | None = None) -> Ruleset:
    """Like `load_ruleset_file` for text in hand; `extends` is looked up from `base_dir`."""
    base = Path(os.path.realpath(base_dir or os.getcwd()))
    dirs = [Path(os.path.realpath(d)) for d in search_dirs]
    ctx = _Context(roots=[base] + dirs, search_dirs=dirs)
    ruleset, _ = _resolve(base / "<text>", ctx, display=name, text=text)
    return ruleset


_RULE_KEY_ORDER = ("id", "kind", "title", "severity", "applies_to", "waivable", "params", "message", "source", "notes")


def resolved_data(ruleset: Ruleset) -> dict[str, Any]:
    """The flattened ruleset as plain data (every default written out, `extends` dropped)."""
    meta = plain_data(ruleset.ruleset)
    meta.pop("extends", None)
    rules = []
    for rule in ruleset.rules:
        data = plain_data(rule)
        rules.append({k: data[k] for k in _RULE_KEY_ORDER if k in data} | {k: v for k, v in data.items()
                                                                           if k not in _RULE_KEY_ORDER})
    return {"ruleset": meta, "rules": rules}


def dump_resolved(ruleset: Ruleset) -> str:
    """The resolved ruleset as YAML: loading it gives back an equal ruleset."""
    origin = getattr(ruleset, "_origin", None)
    head = "# 已展开的规则集 / resolved ruleset"
    if origin is not None and len(origin.chain) > 1:
        head += "\n# 继承自 / extends: " + " → ".join(Path(p).name for p in origin.chain)
    body = yaml.safe_dump(resolved_data(ruleset), allow_unicode=True, sort_keys=False, width=100,
                          default_flow_style=None)
    return head + "\n" + body
