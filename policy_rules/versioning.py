"""Ruleset versions: a canonical content hash per version, guarded by a lock file.

A ruleset's `version` is a promise: the same id and version always mean the same rules.
`content_hash` hashes the resolved (flattened) ruleset — every rule with its defaults
written out, ratios exact — except the version number itself, so a change to any
threshold, date, quote or message, in the file or in a parent it extends, changes the
hash. `rulesets/versions.lock` records the hash of every version ever released:

    shijiazhuang-2025:
      1.0.0: 5f0c…            # sha256 of the canonical content

`check_lock` fails when a recorded version's content changed (bump the version), when
the current version is not recorded yet (run the update command), or when a new
version is not above the recorded ones. `update_lock` records current versions and
never rewrites a recorded hash.

    python -m policy_rules.versioning rulesets/           # record new versions
    python -m policy_rules.versioning --check rulesets/   # what CI and pre-commit run
    policy-rules lock [--check] rulesets/                 # the same, from the CLI

`period_warning(ruleset, year)` is the report's warning for a plan whose year the
ruleset's effective period does not cover.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .errors import InputError, Location, Problem
from .i18n import Lang, Text
from .resolve import load_ruleset_file, resolved_data
from .schema import Ruleset
from .yaml_source import load_yaml_file

LOCK_NAME = "versions.lock"
UPDATE_COMMAND = "policy-rules lock rulesets/（或 python -m policy_rules.versioning rulesets/）"
UPDATE_COMMAND_EN = "policy-rules lock rulesets/ (or python -m policy_rules.versioning rulesets/)"


def _json_default(value):
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def canonical_content(ruleset: Ruleset) -> str:
    """The resolved ruleset, version left out, as canonical JSON (sorted keys, no spaces)."""
    data = resolved_data(ruleset)
    data["ruleset"].pop("version", None)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default)


def content_hash(ruleset: Ruleset) -> str:
    """sha256 of `canonical_content`, in hex."""
    return hashlib.sha256(canonical_content(ruleset).encode("utf-8")).hexdigest()


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(p) for p in version.split("."))
    return major, minor, patch


# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LockEntry:
    ruleset_id: str
    version: str
    sha256: str


def read_lock(path: Path) -> dict[str, dict[str, str]]:
    """{ruleset id: {version: sha256}}; an absent lock file is empty."""
    if not path.exists():
        return {}
    doc = load_yaml_file(str(path))
    data = doc.data or {}
    problems = []
    if not isinstance(data, dict):
        data = {}
        problems.append(Problem("lock.format", Text(zh="锁文件应为“规则集 id: {版本: 哈希}”的映射",
                                                     en="the lock file must map ruleset id -> {version: hash}"),
                                doc.locate(())))
    out: dict[str, dict[str, str]] = {}
    for rid, versions in data.items():
        if not isinstance(versions, dict) or not all(isinstance(v, str) for v in versions.values()):
            problems.append(Problem("lock.format", Text(zh=f"锁文件中 {rid} 的内容应为“版本: 哈希”",
                                                         en=f"lock entry {rid} must map version -> hash"),
                                    doc.locate((rid,)), (rid,)))
            continue
        out[str(rid)] = {str(v): h for v, h in versions.items()}
    if problems:
        raise InputError(problems)
    return out


def write_lock(path: Path, lock: dict[str, dict[str, str]]) -> None:
    ordered = {rid: dict(sorted(lock[rid].items(), key=lambda kv: version_key(kv[0]))) for rid in sorted(lock)}
    head = ("# 规则集版本锁：每个版本发布时内容的 sha256。由 `policy-rules lock rulesets/` 生成，请勿手工修改。\n"
            "# Ruleset version lock: the sha256 of each released version's content. Generated; do not edit.\n")
    text = head + yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, default_flow_style=False)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _where(ruleset: Ruleset) -> Location:
    origin = getattr(ruleset, "_origin", None)
    return origin.locate_meta(("version",)) if origin else Location()


def check_lock(rulesets: Iterable[Ruleset], lock: dict[str, dict[str, str]]) -> list[Problem]:
    """Problems that make the lock disagree with the rulesets (empty when all is well)."""
    problems: list[Problem] = []
    for rs in rulesets:
        rid, version = rs.ruleset.id, rs.ruleset.version
        digest = content_hash(rs)
        recorded = lock.get(rid, {})
        if version in recorded:
            if recorded[version] != digest:
                problems.append(Problem(
                    "version.content_changed",
                    Text(zh=f"规则集 {rid} 的内容变了，但版本仍是 {version}（该版本已发布，内容不能再改）。"
                            f"请提升 ruleset.version（如改阈值、日期用次版本号），然后运行 {UPDATE_COMMAND}",
                         en=f"ruleset {rid} changed but its version is still {version}, which is already released. "
                            f"Bump ruleset.version and run {UPDATE_COMMAND_EN}"),
                    _where(rs), ("ruleset", "version"),
                    Text(zh="高于 " + max(recorded, key=version_key) + " 的新版本号",
                         en="a version above " + max(recorded, key=version_key)), version))
            continue
        newer = [v for v in recorded if version_key(v) >= version_key(version)]
        if newer:
            top = max(recorded, key=version_key)
            problems.append(Problem(
                "version.not_increasing",
                Text(zh=f"规则集 {rid} 的版本 {version} 不高于已发布的 {top}",
                     en=f"ruleset {rid} version {version} is not above the released {top}"),
                _where(rs), ("ruleset", "version"), Text(zh=f"高于 {top} 的版本号", en=f"a version above {top}"), version))
            continue
        problems.append(Problem(
            "version.not_recorded",
            Text(zh=f"规则集 {rid} 的版本 {version} 尚未记录在 {LOCK_NAME} 中，请运行 {UPDATE_COMMAND}",
                 en=f"ruleset {rid} version {version} is not recorded in {LOCK_NAME}; run {UPDATE_COMMAND_EN}"),
            _where(rs), ("ruleset", "version"), found=version))
    return problems


def update_lock(rulesets: Iterable[Ruleset], lock: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], list[LockEntry], list[Problem]]:
    """Record every current version not yet in the lock. A recorded version whose
    content changed is not rewritten: it comes back as a problem (bump the version)."""
    new = {rid: dict(v) for rid, v in lock.items()}
    added: list[LockEntry] = []
    rulesets = list(rulesets)
    problems = [p for p in check_lock(rulesets, lock) if p.code != "version.not_recorded"]
    blocked = {p for p in problems}
    if blocked:
        return lock, [], problems
    for rs in rulesets:
        rid, version = rs.ruleset.id, rs.ruleset.version
        if version not in new.get(rid, {}):
            digest = content_hash(rs)
            new.setdefault(rid, {})[version] = digest
            added.append(LockEntry(rid, version, digest))
    return new, added, []


def ruleset_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
        else:
            files.append(path)
    return files


def lock_path_for(paths: Sequence[Path]) -> Path:
    """The lock file of the first folder given (or of the first file's folder)."""
    first = paths[0] if paths else Path("rulesets")
    folder = first if first.is_dir() else first.parent
    return folder / LOCK_NAME


def lock_command(paths: Sequence[Path], check: bool = False, lang: Lang = "zh") -> int:
    """`policy-rules lock [--check] PATHS`: 0 when the lock agrees (or was updated), 1 when
    it does not. Raises InputError for rulesets that cannot be loaded."""
    files = ruleset_files(paths)
    dirs = sorted({f.parent for f in files})
    rulesets = [load_ruleset_file(f, dirs) for f in files]
    lock_file = lock_path_for(paths)
    lock = read_lock(lock_file)
    if check:
        problems = check_lock(rulesets, lock)
    else:
        new, added, problems = update_lock(rulesets, lock)
        if not problems and new != lock:
            write_lock(lock_file, new)
        for entry in added:
            print(f"{entry.ruleset_id} {entry.version} {entry.sha256[:12]}")
    for p in problems:
        print(p.render(lang), file=sys.stderr)
    if problems:
        return 1
    if lang == "zh":
        print(f"{len(rulesets)} 个规则集与 {lock_file} 一致", file=sys.stderr)
    else:
        print(f"{len(rulesets)} rulesets agree with {lock_file}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------

def period_warning(ruleset: Ruleset, year: int) -> Text | None:
    """A warning when the plan year lies outside the ruleset's effective period."""
    period = ruleset.ruleset.effective
    if period.start.year <= year <= period.end.year:
        return None
    meta = ruleset.ruleset
    return Text(
        zh=f"计划年度 {year} 不在规则集 {meta.id} {meta.version} 的有效期"
           f"（{period.start.isoformat()} 至 {period.end.isoformat()}）内：结论可能不适用于该年度，请选用对应年度的规则集",
        en=f"the plan year {year} lies outside the effective period of ruleset {meta.id} {meta.version} "
           f"({period.start.isoformat()} to {period.end.isoformat()}): findings may not apply to that year; "
           f"use the ruleset for that year")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    lang: Lang = "en" if "--lang=en" in args or ("--lang" in args and args[args.index("--lang") + 1:][:1] == ["en"]) else "zh"
    paths = [Path(a) for a in args if not a.startswith("--") and a not in ("zh", "en")] or [Path("rulesets")]
    try:
        return lock_command(paths, check=check, lang=lang)
    except InputError as exc:
        print(exc.render(lang), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
