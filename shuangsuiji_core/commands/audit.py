"""`shuangsuiji audit`: check inspection records and submissions as of a date.

Unlike `check-plan`, it reports only the rules that read records or submissions; the
plan, when given, is context (task modes, windows, remote feasibility) and names the
default ruleset.
"""

from __future__ import annotations

import argparse
import sys

from policy_rules.errors import InputError, Problem
from policy_rules.i18n import Text
from policy_rules.render import render_report_chunks

from . import arguments
from .checking import (Inputs, RulesetCache, evaluate_one, exit_code_for, no_ruleset_problem, only_rules,
                       plan_ruleset_ref)
from .components import component
from .output import check_output_path, say, wants_colour, write_result
from .running import run_guarded

DESCRIPTION = """\
按判定日期检查抽查记录和报送材料（只报告读取记录或报送材料的规则）。
Check inspection records and submissions as of a date (only the rules that read them).
"""

EPILOG = """\
示例 / examples:
  shuangsuiji audit --plan plan.yaml --records records.csv --as-of 2026-06-30
  shuangsuiji audit --plan plan.yaml --records r1.jsonl --records r2.jsonl --submissions submissions.yaml
  shuangsuiji audit --ruleset shijiazhuang-2025 --submissions submissions.yaml --as-of 2025-07-01
  shuangsuiji audit --plan plan.yaml --records records.csv --format html --output audit.html
  shuangsuiji audit --plan plan.yaml --records records.csv --draw draw.json --as-of 2026-07-01
"""


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--plan", metavar="FILE", help="年度抽查计划（提供任务信息和默认规则集）/ the plan (context, default ruleset)")
    arguments.add_records_and_submissions(parser)
    parser.add_argument("--draw", metavar="FILE",
                        help="随机抽取记录（draw 命令输出的 JSON）：核对检查对象和检查人员是否为抽中的 / "
                             "a draw record (from `draw`): were the businesses and inspectors the ones drawn?")
    arguments.add_ruleset(parser)
    arguments.add_as_of(parser)
    arguments.add_format(parser)
    arguments.add_lang(parser)
    arguments.add_fail_on(parser)
    arguments.add_engine(parser)
    arguments.add_output(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    lang = args.lang
    if not args.records and not args.submissions:
        raise InputError([Problem(code="cli.nothing_to_audit",
                                  message=Text(zh="请至少给出 --records 或 --submissions",
                                               en="give --records or --submissions (or both)"))])
    if args.draw and not args.records:
        raise InputError([Problem(code="cli.draw_needs_records",
                                  message=Text(zh="--draw 需要同时给出 --records（要核对的抽查记录）",
                                               en="--draw needs --records (the inspections to check against the draw)"))])
    all_inputs = [*([args.plan] if args.plan else []), *args.records,
                  *([args.submissions] if args.submissions else []), *([args.draw] if args.draw else [])]
    check_output_path(args.output, all_inputs)
    plan = component("shuangsuiji_core.loading", "load_plan")(args.plan) if args.plan else None
    # read before the evaluation, so a bad draw record is refused before a long audit runs
    draw = component("shuangsuiji_core.draw", "load_draw_record")(args.draw) if args.draw else None
    ref = args.ruleset or plan_ruleset_ref(plan, args.plan)
    if not ref:
        raise no_ruleset_problem(args.plan)
    ruleset = RulesetCache().get(ref)
    inputs = Inputs(records=list(args.records), submissions=args.submissions, quiet=args.quiet, lang=lang)
    report = evaluate_one(ruleset, plan, args.plan, inputs, args.as_of, args.engine)
    report = only_rules(report, ruleset, ["records", "submissions"])
    if draw is not None:
        report = _with_draw(report, draw, args.draw, inputs, ruleset, plan)
    write_result(render_report_chunks([report], args.format, lang,
                                      color=args.format == "text" and wants_colour(sys.stdout, args.output)),
                 args.output)
    if args.output:
        s = report.summary
        say(Text(zh=f"未通过 {s.by_status['fail']}，待定 {s.by_status['pending']}；结果已写入 {args.output}",
                 en=f"{s.by_status['fail']} failed, {s.by_status['pending']} pending; written to {args.output}"),
            lang, args.quiet)
    return exit_code_for([report], args.fail_on)


def _with_draw(report, draw, draw_file: str, inputs: Inputs, ruleset, plan):
    draw_audit = component("shuangsuiji_core.draw_audit", "draw_findings")
    merge = component("shuangsuiji_core.draw_audit", "with_draw_findings")
    # the records are streamed a second time: the evaluation above never holds them whole
    findings = draw_audit(draw, draw_file, inputs.iter_records(), ruleset, plan, report.as_of)
    return merge(report, findings, draw_file)


def build_parser(prog: str = "shuangsuiji audit") -> argparse.ArgumentParser:
    return configure(arguments.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded(lambda: args.run(args), args.lang)
