"""`shuangsuiji`: one command with the department's and staff's subcommands.

    shuangsuiji check-plan ...      (same as the `check-plan` script)
    shuangsuiji audit ...           records and submissions as of a date
    shuangsuiji report monthly ...  the Shijiazhuang monthly report
    shuangsuiji ruleset ...         (same as the `policy-rules` script; alias `policy-rules`)
    shuangsuiji draw / verify-draw  (from shuangsuiji_core.commands.draw, when installed)
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import arguments, audit, check_plan, report_monthly, ruleset_commands
from .running import run_guarded

DESCRIPTION = """\
“双随机、一公开”监管工具：检查抽查计划、记录和报送材料，生成月报表，管理规则集。
Tools for double-random, one-public supervision: check plans, records and submissions
against versioned rulesets, produce the monthly report, and manage rulesets.
"""

EPILOG = """\
示例 / examples:
  shuangsuiji check-plan plan.yaml
  shuangsuiji check-plan --records records.csv --submissions submissions.yaml --as-of 2026-06-30 plan.yaml
  shuangsuiji audit --plan plan.yaml --records records.csv --format html -o audit.html
  shuangsuiji report monthly --month 2025-05 --plan plan.yaml --records records.csv --format csv -o 月报表.csv
  shuangsuiji ruleset list
  shuangsuiji ruleset explain SJZ-JOINT-COUNT

每个子命令都有 --help 和示例 / every subcommand has --help with examples.
退出码 / exit codes: 0 正常 / ok, 1 发现问题 / findings, 2 无法运行 / could not run.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = arguments.ArgumentParser(prog="shuangsuiji", description=DESCRIPTION, epilog=EPILOG)
    arguments.add_version(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=arguments.ArgumentParser)
    sub.required = True
    check_plan.configure(sub.add_parser("check-plan", help="检查抽查计划 / check plans against a ruleset",
                                        description=check_plan.DESCRIPTION, epilog=check_plan.EPILOG))
    audit.configure(sub.add_parser("audit", help="检查记录和报送材料 / check records and submissions",
                                   description=audit.DESCRIPTION, epilog=audit.EPILOG))
    report_monthly.configure_report_group(sub.add_parser(
        "report", help="生成报表 / produce reports (monthly)",
        description="生成报表 / produce reports.", epilog="示例 / examples:\n  shuangsuiji report monthly --help\n"))
    ruleset_commands.configure(sub.add_parser("ruleset", aliases=["policy-rules"],
                                              help="规则集工具 / ruleset tools (= policy-rules)",
                                              description=ruleset_commands.DESCRIPTION,
                                              epilog=ruleset_commands.EPILOG))
    _register_extensions(sub)
    return parser


def _register_extensions(sub) -> None:
    """Subcommands other modules contribute with `register(subparsers)` (the draw)."""
    try:
        module = importlib.import_module("shuangsuiji_core.commands.draw")
    except ModuleNotFoundError as exc:
        if exc.name != "shuangsuiji_core.commands.draw":
            raise
        return
    register = getattr(module, "register", None)
    if callable(register):
        register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_guarded(lambda: args.run(args), getattr(args, "lang", "zh"))


if __name__ == "__main__":
    sys.exit(main())
