"""`check-plan`: check annual spot-check plans (and, optionally, records and
submissions) against a ruleset. The pre-commit hook and CI call this.

Exit codes: 0 nothing failed at or above --fail-on; 1 something did; 2 could not run.
"""

from __future__ import annotations

import argparse
import sys

# The library (pydantic models, loaders, evaluation, rendering) is imported when the
# command runs, inside `main`, so that its start-up runs with few garbage collections
# (see startup.py); importing this module stays cheap.
from . import arguments
from .exit_codes import CANNOT_RUN
from .startup import few_collections, no_final_collection, without_pydantic_plugins

DESCRIPTION = """\
检查年度随机抽查计划（及抽查记录、报送材料）是否符合规则集。
Check annual spot-check plans (and records, submissions) against a ruleset.

规则集默认取计划中的 ruleset 字段 / the ruleset defaults to the plan's `ruleset:` field.
退出码 / exit codes: 0 无（该级别及以上的）未通过 / nothing failed at or above --fail-on,
                     1 有 / something did, 2 无法运行 / could not run (bad arguments or input).
"""

EPILOG = """\
示例 / examples:
  check-plan plan.yaml
  check-plan --as-of 2026-06-30 --records records.csv --submissions submissions.yaml plan.yaml
  check-plan --ruleset shijiazhuang-2025 --lang en plan.yaml
  check-plan --ruleset rulesets/qinghe-2026.yaml --fail-on warning plans/*.yaml
  check-plan --format sarif --output results.sarif plan.yaml     # GitHub/GitLab code scanning
  check-plan --format junit --output junit.xml plan.yaml         # CI test dashboards
  check-plan --format html --output report.html --records records.jsonl plan.yaml
  check-plan --format markdown plan.yaml > comment.md            # merge-request comment
"""


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("files", nargs="+", metavar="FILE", help="计划文件（YAML/JSON）/ plan files")
    arguments.add_ruleset(parser)
    arguments.add_as_of(parser)
    arguments.add_format(parser)
    arguments.add_lang(parser)
    arguments.add_fail_on(parser)
    arguments.add_records_and_submissions(parser)
    arguments.add_engine(parser)
    arguments.add_output(parser)
    parser.set_defaults(run=run)
    return parser


def build_parser(prog: str = "check-plan") -> argparse.ArgumentParser:
    parser = configure(arguments.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG))
    arguments.add_version(parser)
    return parser


def render_reports(reports, format: str, lang: str, color: bool = False):
    """The output in pieces that join to `policy_rules.render.render_reports`' text."""
    from policy_rules.render import render_report_chunks
    return render_report_chunks(reports, format, lang, color=color)


def run(args: argparse.Namespace) -> int:
    from policy_rules.errors import InputError
    from policy_rules.i18n import Text

    from .checking import Inputs, RulesetCache, evaluate_one, exit_code_for, no_ruleset_problem, plan_ruleset_ref
    from .components import component
    from .output import check_output_path, say, wants_colour, write_result

    lang = args.lang
    all_inputs = [*args.files, *args.records, *([args.submissions] if args.submissions else [])]
    check_output_path(args.output, all_inputs)
    load_plan = component("shuangsuiji_core.loading", "load_plan")
    rulesets = RulesetCache()
    inputs = Inputs(records=list(args.records), submissions=args.submissions, quiet=args.quiet, lang=lang)
    reports, broken = [], 0
    for path in args.files:
        # One bad plan must not hide the findings of the others (pre-commit passes many).
        try:
            plan = load_plan(path)
            ref = args.ruleset or plan_ruleset_ref(plan, path)
            if not ref:
                raise no_ruleset_problem(path)
            reports.append(evaluate_one(rulesets.get(ref), plan, path, inputs, args.as_of, args.engine))
        except InputError as exc:
            sys.stderr.write(exc.render(lang) + "\n")
            broken += 1
    if reports:
        text = render_reports(reports, args.format, lang,
                              color=args.format == "text" and wants_colour(sys.stdout, args.output))
        write_result(text, args.output)
        if args.output:
            for report in reports:
                s = report.summary
                say(Text(zh=f"{', '.join(report.inputs)}：未通过 {s.by_status['fail']}，待定 {s.by_status['pending']}；结果已写入 {args.output}",
                         en=f"{', '.join(report.inputs)}: {s.by_status['fail']} failed, {s.by_status['pending']} pending; written to {args.output}"),
                    lang, args.quiet)
    if broken:
        return CANNOT_RUN
    return exit_code_for(reports, args.fail_on)


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the program itself (console script, python -m), not a caller's function call
        no_final_collection()
    with few_collections(), without_pydantic_plugins():
        parser = build_parser()
        args = parser.parse_args(argv)
        from .running import run_guarded
        return run_guarded(lambda: args.run(args), args.lang)


if __name__ == "__main__":
    sys.exit(main())
