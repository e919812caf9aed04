"""`policy-rules` (also `shuangsuiji ruleset`): the commands policy staff use on rulesets.

list, show, lint, test, check (lint + test), explain, diff, schema (and lock, when the versioning module
provides it). Every problem is located (file:line:col) and bilingual.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Iterable

import yaml

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text

from . import arguments
from .components import component
from .exit_codes import CANNOT_RUN, FINDINGS, OK
from .output import check_output_path, write_result
from .running import run_guarded

TESTS_SUFFIX = ".tests.yaml"

DESCRIPTION = """\
规则集工具：列出、查看、检查、自测、解释、比较规则集，输出 JSON Schema。
Ruleset tools for policy staff: list, show, lint, self-test, explain, diff, schema.
"""

EPILOG = """\
示例 / examples:
  policy-rules list
  policy-rules show shijiazhuang-2025
  policy-rules lint rulesets/my-county-2026.yaml
  policy-rules test rulesets/                       # 目录下全部规则集的自测用例 / every ruleset's self-tests
  policy-rules explain SJZ-JOINT-COUNT
  policy-rules diff shijiazhuang-2025 rulesets/my-county-2026.yaml
  policy-rules schema > ruleset.schema.json
"""

SUB_EPILOGS = {
    "list": "示例 / examples:\n  policy-rules list\n  policy-rules list --format json\n",
    "show": "示例 / examples:\n  policy-rules show shijiazhuang-2025\n  policy-rules show rulesets/my-county.yaml --format json\n",
    "lint": "示例 / examples:\n  policy-rules lint rulesets/my-county-2026.yaml\n  policy-rules lint rulesets/ --lang en\n\n"
            "退出码 / exit codes: 0 无问题 / clean, 1 有问题 / problems found, 2 文件不存在 / no such file\n",
    "test": "示例 / examples:\n  policy-rules test rulesets/shijiazhuang-2025.yaml\n  policy-rules test rulesets/\n\n"
            "运行规则集旁 <id>.tests.yaml 中的自测用例 / runs the cases in <id>.tests.yaml beside each ruleset.\n"
            "退出码 / exit codes: 0 全部通过 / all pass, 1 有失败 / some fail, 2 无法运行 / could not run\n",
    "explain": "示例 / examples:\n  policy-rules explain SJZ-JOINT-COUNT\n"
               "  policy-rules explain QH-REMOTE-FIRST --ruleset rulesets/qinghe-2026.yaml --lang en\n",
    "diff": "示例 / examples:\n  policy-rules diff shijiazhuang-2025 shijiazhuang-tobacco-2025\n"
            "  policy-rules diff old/qinghe-2026.yaml rulesets/qinghe-2026.yaml --format json\n",
    "schema": "示例 / examples:\n  policy-rules schema > ruleset.schema.json\n"
              "  # 编辑器提示 / editor hints: # yaml-language-server: $schema=ruleset.schema.json\n",
    "check": "示例 / examples:\n  policy-rules check rulesets/my-county-2026.yaml\n  policy-rules check rulesets/\n\n"
             "先 lint，lint 通过再运行自测（pre-commit 的 check-ruleset 钩子调用此命令）。\n"
             "Lint, then (when lint is clean) the self-tests; the check-ruleset pre-commit hook runs this.\n"
             "退出码 / exit codes: 0 通过 / clean, 1 有问题或自测失败 / problems or failing tests, 2 无法运行 / could not run\n",
    "lock": "示例 / examples:\n  policy-rules lock rulesets/\n  policy-rules lock --check rulesets/\n",
}


def _sub(sub, name: str, help_text: str, description: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=description, epilog=SUB_EPILOGS[name])


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    arguments.add_lang(parser)
    sub = parser.add_subparsers(dest="ruleset_command", metavar="COMMAND", parser_class=arguments.ArgumentParser)
    sub.required = True

    p = _sub(sub, "list", "列出内置规则集 / list the bundled rulesets",
             "列出内置规则集的 id、版本、标题和有效期。\nList the bundled rulesets: id, version, title, period.")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    arguments.add_lang(p, inherited=True)
    p.set_defaults(run=run_list)

    p = _sub(sub, "show", "显示展开后的规则集 / show a resolved ruleset",
             "显示展开 extends/override/remove 之后的完整规则集。\nShow a ruleset with extends/override/remove resolved.")
    p.add_argument("ruleset", metavar="ID|PATH")
    p.add_argument("--format", "-f", choices=("yaml", "json"), default="yaml")
    arguments.add_lang(p, inherited=True)
    arguments.add_output(p)
    p.set_defaults(run=run_show)

    p = _sub(sub, "lint", "检查规则集文件 / lint ruleset files",
             "检查规则集文件：格式、继承、度量与模式名、字段、取值、消息模板安全。\n"
             "Lint ruleset files: format, inheritance, metric and pattern names, fields, values, message templates.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="规则集文件或目录 / ruleset files or folders")
    arguments.add_lang(p, inherited=True)
    p.set_defaults(run=run_lint)

    p = _sub(sub, "test", "运行规则集自测用例 / run rulesets' self-tests",
             "运行每个规则集旁 <id>.tests.yaml 中的自测用例。\nRun the self-test cases in <id>.tests.yaml beside each ruleset.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="规则集文件或目录 / ruleset files or folders")
    arguments.add_engine(p)
    arguments.add_lang(p, inherited=True)
    p.set_defaults(run=run_test)

    p = _sub(sub, "check", "lint 加自测（pre-commit 用）/ lint plus self-tests (for pre-commit)",
             "检查规则集：先 lint，再运行自测用例。\nCheck rulesets: lint, then run the self-tests.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="规则集文件或目录 / ruleset files or folders")
    arguments.add_engine(p)
    arguments.add_lang(p, inherited=True)
    p.set_defaults(run=run_check)

    p = _sub(sub, "explain", "解释一条规则 / explain a rule",
             "解释一条规则：规则种类、参数、原文出处、消息模板，以及所用度量或模式的定义。\n"
             "Explain a rule: its kind, parameters, the exact source quote, its message, and the metric or pattern it uses.")
    p.add_argument("rule_id", metavar="RULE_ID")
    arguments.add_ruleset(p)
    arguments.add_lang(p, inherited=True)
    p.set_defaults(run=run_explain)

    p = _sub(sub, "diff", "比较两个规则集 / diff two rulesets",
             "比较两个规则集（或同一规则集的两个版本）：阈值、日期、新增和删除的规则。\n"
             "What changed between two rulesets or two versions: thresholds, dates, added and removed rules.")
    p.add_argument("a", metavar="A", help="规则集 id 或文件 / ruleset id or file")
    p.add_argument("b", metavar="B", help="规则集 id 或文件 / ruleset id or file")
    p.add_argument("--format", "-f", choices=("text", "markdown", "json"), default="text")
    arguments.add_lang(p, inherited=True)
    arguments.add_output(p)
    p.set_defaults(run=run_diff)

    p = _sub(sub, "schema", "输出规则集的 JSON Schema / print the ruleset JSON Schema",
             "输出规则集文件的 JSON Schema（编辑器补全和校验用）。\nPrint the JSON Schema of ruleset files (for editor completion and checks).")
    arguments.add_lang(p, inherited=True)
    arguments.add_output(p)
    p.set_defaults(run=run_schema)

    p = _sub(sub, "lock", "更新或核对版本锁文件 / update or check the version lock",
             "为每个规则集版本记录内容哈希（versions.lock）；--check 只核对。\n"
             "Record each ruleset version's content hash in versions.lock; --check only verifies.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--check", action="store_true", help="只核对，不写文件 / verify only")
    arguments.add_lang(p, inherited=True)
    p.set_defaults(run=run_lock)
    return parser


def build_parser(prog: str = "policy-rules") -> argparse.ArgumentParser:
    parser = configure(arguments.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG))
    arguments.add_version(parser)
    return parser


# --- helpers ---------------------------------------------------------------------------

def _ruleset_files(paths: Iterable[str]) -> list[Path]:
    """Files as given; folders expand to their `*.yaml` rulesets (not the `.tests.yaml`)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.y*ml") if not p.name.endswith((TESTS_SUFFIX, ".tests.yml")))
            files.extend(found)
        elif path.name.endswith((TESTS_SUFFIX, ".tests.yml")):
            # pre-commit passes changed test files too: check the ruleset they belong to
            files.append(path.with_name(path.name[: -len(".tests.yaml")] + ".yaml")
                         if path.name.endswith(TESTS_SUFFIX) else path.with_name(path.name[:-len(".tests.yml")] + ".yml"))
        else:
            files.append(path)
    unique: list[Path] = []
    for f in files:
        if f not in unique:
            unique.append(f)
    return unique


def _missing(path: Path) -> InputError:
    return InputError([Problem(code="file.not_found", location=Location(file=str(path)),
                               message=Text(zh="文件不存在", en="no such file"))])


def _load(ref: str, lint: bool = True):
    return component("shuangsuiji_core.rulesets", "load_ruleset")(ref, lint=lint)


def display_width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _print(text: str) -> None:
    write_result(text if text.endswith("\n") else text + "\n", None)


# --- list --------------------------------------------------------------------------------

def run_list(args: argparse.Namespace) -> int:
    lang = args.lang
    rows, broken = [], 0
    for path in component("shuangsuiji_core.rulesets", "bundled_rulesets")():
        try:
            rs = _load(str(path), lint=False)
        except InputError as exc:
            sys.stderr.write(exc.render(lang) + "\n")
            broken += 1
            continue
        meta = rs.ruleset
        rows.append({"id": meta.id, "version": meta.version, "title": meta.title,
                     "effective": f"{meta.effective.start}~{meta.effective.end}",
                     "extends": meta.extends, "rules": len(rs.rules), "file": path.name})
    if args.format == "json":
        _print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        head = ("id", "版本" if lang == "zh" else "version", "规则数" if lang == "zh" else "rules",
                "有效期" if lang == "zh" else "effective", "标题" if lang == "zh" else "title")
        table = [head] + [(r["id"], r["version"], str(r["rules"]), r["effective"],
                           r["title"] + (f"（继承 {r['extends']}）" if lang == "zh" else f" (extends {r['extends']})")
                           if r["extends"] else r["title"]) for r in rows]
        widths = [max(display_width(row[i]) for row in table) for i in range(4)]
        _print("\n".join("  ".join(cell + " " * (widths[i] - display_width(cell)) if i < 4 else cell
                                    for i, cell in enumerate(row)) for row in table))
    return CANNOT_RUN if broken else OK


# --- show --------------------------------------------------------------------------------

def run_show(args: argparse.Namespace) -> int:
    check_output_path(args.output, [args.ruleset])
    ruleset = _load(args.ruleset)
    if args.format == "json":
        data = component("policy_rules.resolve", "resolved_data")(ruleset)
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    else:
        text = component("policy_rules.resolve", "dump_resolved")(ruleset)
    write_result(text, args.output)
    return OK


# --- lint --------------------------------------------------------------------------------

def lint_problems(path: Path) -> list[Problem]:
    """Everything wrong with one ruleset file: format and inheritance (raised while
    loading), then names, fields, values and message templates, then the compiler's
    static limits."""
    try:
        ruleset = _load(str(path), lint=False)
    except InputError as exc:
        return exc.problems
    problems = list(component("shuangsuiji_core.rulesets", "lint_ruleset")(ruleset))
    if not problems:
        problems += _compile_problems(ruleset)
    return problems


def _compile_problems(ruleset) -> list[Problem]:
    try:
        compile_ruleset = component("policy_rules.compiler", "compile_ruleset")
        vocab = component("shuangsuiji_core.vocabulary", "load_vocabulary")()
        types = component("shuangsuiji_core.vocabulary", "FACT_FIELD_TYPES")
        compile_ruleset(ruleset, vocab, types)
    except InputError as exc:
        if exc.first.code == "cli.component_missing":
            return []
        return exc.problems
    return []


def run_lint(args: argparse.Namespace) -> int:
    lang = args.lang
    files = _ruleset_files(args.paths)
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise InputError([p for f in missing for p in _missing(f).problems])
    total = 0
    for path in files:
        problems = lint_problems(path)
        total += len(problems)
        for p in problems:
            sys.stderr.write(p.render(lang) + "\n")
    n = len(files)
    if total:
        sys.stderr.write((f"{n} 个规则集文件，发现 {total} 个问题\n" if lang == "zh" else
                          f"{n} ruleset files, {total} problems\n"))
        return FINDINGS
    sys.stderr.write(f"{n} 个规则集文件，未发现问题\n" if lang == "zh" else f"{n} ruleset files, no problems\n")
    return OK


# --- test --------------------------------------------------------------------------------

def run_test(args: argparse.Namespace) -> int:
    lang = args.lang
    files = _ruleset_files(args.paths)
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise InputError([p for f in missing for p in _missing(f).problems])
    run_selftests = component("shuangsuiji_core.rulesets", "run_ruleset_selftests")
    failed = broken = passed = uncovered = 0
    for path in files:
        tests = path.with_name(path.stem + TESTS_SUFFIX)
        if not tests.is_file():
            sys.stderr.write(f"{path}: 没有自测文件 {tests.name}\n" if lang == "zh" else
                             f"{path}: no self-test file {tests.name}\n")
            continue
        try:
            result = run_selftests(path, engine=args.engine)
        except InputError as exc:
            sys.stderr.write(exc.render(lang) + "\n")
            broken += 1
            continue
        passed += result.passed
        failed += result.failed
        uncovered += len(result.uncovered)
        _print(result.render(lang))
    summary = (f"自测：通过 {passed}，失败 {failed}" + (f"，{uncovered} 条规则缺少用例" if uncovered else "")
               + (f"，无法运行 {broken} 个规则集" if broken else "")
               if lang == "zh" else
               f"self-tests: {passed} passed, {failed} failed" + (f", {uncovered} rules uncovered" if uncovered else "")
               + (f", {broken} rulesets could not run" if broken else ""))
    sys.stderr.write(summary + "\n")
    if broken:
        return CANNOT_RUN
    # a rule with no passing or no failing case is as much a gap as a failing case
    return FINDINGS if failed or uncovered else OK


# --- check (lint + test) -------------------------------------------------------------------

def run_check(args: argparse.Namespace) -> int:
    lint_rc = run_lint(args)
    if lint_rc != OK:
        return lint_rc
    return run_test(args)


# --- explain -----------------------------------------------------------------------------

def _find_rule(rule_id: str, ruleset_ref: str | None):
    if ruleset_ref:
        candidates = [ruleset_ref]
    else:
        candidates = [str(p) for p in component("shuangsuiji_core.rulesets", "bundled_rulesets")()]
    found = []
    for ref in candidates:
        try:
            rs = _load(ref, lint=False)
        except InputError:
            if ruleset_ref:
                raise
            continue
        for rule in rs.rules:
            if rule.id == rule_id:
                found.append((rs, rule))
    if not found:
        where = ruleset_ref or "内置规则集 / bundled rulesets"
        raise InputError([Problem(
            code="cli.unknown_rule", location=Location(file=ruleset_ref),
            message=Text(zh=f"在 {where} 中找不到规则 {rule_id}", en=f"no rule {rule_id} in {where}"),
            expected=Text(zh="规则 id，如 SJZ-JOINT-COUNT（policy-rules show ID 可列出）",
                          en="a rule id such as SJZ-JOINT-COUNT (see policy-rules show ID)"), found=rule_id)])
    return found


def explain_text(ruleset, rule, lang: str, also_in: list[str] = ()) -> str:
    zh = lang == "zh"
    resolved = component("policy_rules.resolve", "resolved_data")(ruleset)
    data = next(r for r in resolved["rules"] if r["id"] == rule.id)
    kinds = {"target": "目标", "deadline": "期限", "prohibition": "禁止"}
    sev = {"error": "错误", "warning": "警告", "info": "提示"}
    lines = [f"{rule.id}  {rule.title.get(lang)}"]
    meta = ruleset.ruleset
    lines.append((f"规则集：{meta.id} {meta.version} — {meta.title}" if zh else
                   f"ruleset: {meta.id} {meta.version} — {meta.title}"))
    if also_in:
        lines.append(("也见于：" if zh else "also in: ") + ", ".join(also_in))
    lines.append((f"种类：{kinds[rule.kind]}（{rule.kind}）  级别：{sev[rule.severity.value]}  适用于：{rule.applies_to.value}"
                  f"  可豁免：{'是' if rule.waivable else '否'}") if zh else
                 f"kind: {rule.kind}  severity: {rule.severity.value}  applies to: {rule.applies_to.value}"
                 f"  waivable: {'yes' if rule.waivable else 'no'}")
    lines.append("")
    lines.append(("原文出处：" if zh else "source: ") + rule.source.section +
                 (f"（{rule.source.document or meta.source_document}）" if zh else f" ({rule.source.document or meta.source_document})"))
    lines.append(f"  “{rule.source.quote}”")
    lines.append("")
    lines.append("参数：" if zh else "parameters:")
    params_yaml = yaml.safe_dump(data.get("params", {}), allow_unicode=True, sort_keys=False, width=100)
    lines += ["  " + line for line in params_yaml.rstrip().splitlines()]
    lines.append("")
    lines.append(("消息模板：" if zh else "message template: ") + rule.message.get(lang))
    if rule.notes:
        lines.append(("说明：" if zh else "notes: ") + rule.notes.get(lang))
    params = rule.params
    lines.append("")
    lines.append(("规则种类说明：" if zh else "about this kind: ") + type(params).doc.get(lang))
    examples = getattr(type(params), "examples", {})
    for key in ("pass", "fail"):
        if key in examples:
            lines.append(f"  {'通过示例' if zh and key == 'pass' else '不通过示例' if zh else key}: {examples[key]}")
    name = getattr(params, "metric", None) or getattr(params, "pattern", None)
    if name:
        try:
            vocab = component("shuangsuiji_core.vocabulary", "load_vocabulary")()
            entry = vocab.metrics.get(name) or vocab.patterns.get(name)
        except InputError:
            entry = None
        if entry is not None:
            lines.append("")
            lines.append((f"{'度量' if getattr(params, 'metric', None) else '模式'} {name}：" if zh else
                          f"{'metric' if getattr(params, 'metric', None) else 'pattern'} {name}: ") + entry.doc.get(lang))
            for key in ("pass", "fail"):
                if key in entry.examples:
                    lines.append(f"  {'通过示例' if zh and key == 'pass' else '不通过示例' if zh else key}: {entry.examples[key]}")
    return "\n".join(lines) + "\n"


def run_explain(args: argparse.Namespace) -> int:
    found = _find_rule(args.rule_id, args.ruleset)
    ruleset, rule = found[0]
    others = [f"{rs.ruleset.id} {rs.ruleset.version}" for rs, _ in found[1:]]
    _print(explain_text(ruleset, rule, args.lang, others))
    return OK


# --- diff --------------------------------------------------------------------------------

def run_diff(args: argparse.Namespace) -> int:
    check_output_path(args.output, [args.a, args.b])
    a, b = _load(args.a), _load(args.b)
    diff = component("policy_rules.compare", "diff_rulesets")(a, b)
    if args.format == "json":
        text = diff.to_json()
    elif args.format == "markdown":
        text = diff.render_markdown(args.lang)
    else:
        text = diff.render_text(args.lang)
    write_result(text, args.output)
    return OK


# --- schema ------------------------------------------------------------------------------

def run_schema(args: argparse.Namespace) -> int:
    check_output_path(args.output, [])
    schema = component("policy_rules.json_schema", "ruleset_schema")()
    write_result(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", args.output)
    return OK


# --- lock --------------------------------------------------------------------------------

def run_lock(args: argparse.Namespace) -> int:
    lock = component("policy_rules.versioning", "lock_command")
    return lock([Path(p) for p in args.paths], check=args.check, lang=args.lang)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_guarded(lambda: args.run(args), args.lang)


if __name__ == "__main__":
    sys.exit(main())
