"""`shuangsuiji report monthly`: the Shijiazhuang monthly report (月报表) from records."""

from __future__ import annotations

import argparse

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text

from . import arguments
from .checking import Inputs
from .components import component
from .exit_codes import OK
from .output import check_output_path, say, write_result
from .running import run_guarded

DESCRIPTION = """\
按《石家庄市2025年“双随机、一公开”监管工作实施方案》附件1、附件2 生成月报表（本年度累计数据）：
抽查次数、户数、发现问题户数，分内部/联合、涉企、信用风险分类、省平台/其他平台。
The Shijiazhuang monthly report (annex 1: county form; annex 2: city department form),
cumulative for the year to the end of MONTH: task count, households (distinct credit
codes) and problem households, split internal/joint, enterprise-only, credit-risk-based,
provincial platform vs other.

CSV 为 UTF-8（带 BOM）、CRLF，Excel 可直接打开 / CSV is UTF-8 with BOM and CRLF: Excel opens it as is.
"""

EPILOG = """\
示例 / examples:
  shuangsuiji report monthly --month 2025-05 --plan plan.yaml --records records.csv
  shuangsuiji report monthly --month 2025-05 --form city --plan plan.yaml --records records.jsonl --format html -o 月报.html
  shuangsuiji report monthly --month 2025-05 --plan plan.yaml --records records.csv --format csv -o 月报表.csv
  shuangsuiji report monthly --month 2025-05 --records records.csv --unit 长安区市场监督管理局 --lang en
"""


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--month", required=True, type=arguments.year_month, metavar="YYYY-MM",
                        help="报表月份（统计 1 月 1 日至该月末）/ the report's month (counted from 1 January)")
    parser.add_argument("--records", action="append", default=[], required=True, metavar="FILE",
                        help="抽查记录，可重复 / inspection records; repeatable")
    parser.add_argument("--plan", metavar="FILE",
                        help="年度抽查计划（任务的联合/内部、信用风险分类、牵头部门）/ the plan (task modes, credit risk, lead)")
    parser.add_argument("--form", choices=("county", "city"), default="county",
                        help="county = 附件1 县（市、区）月报表；city = 附件2 市有关部门月报表（默认 county）")
    parser.add_argument("--unit", metavar="NAME", help="单位名称，默认取计划的 region/department / the reporting unit")
    parser.add_argument("--as-of", type=arguments.iso_date, metavar="DATE",
                        help="填表时间；早于月末时统计到此日 / the filling date (default: the month's last day)")
    arguments.add_format(parser, default="markdown", formats=("markdown", "html", "csv"))
    arguments.add_lang(parser)
    arguments.add_output(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from shuangsuiji_core.monthly_report import monthly_report, render_monthly

    year, month = args.month
    check_output_path(args.output, [*args.records, *([args.plan] if args.plan else [])])
    plan = component("shuangsuiji_core.loading", "load_plan")(args.plan) if args.plan else None
    if plan is not None and plan.year != year:
        raise InputError([Problem(
            code="cli.plan_year", location=Location(file=args.plan), path=("plan", "year"),
            message=Text(zh=f"计划年度 {plan.year} 与报表月份 {year}-{month:02d} 不是同一年",
                         en=f"the plan's year {plan.year} is not the year of the report month {year}-{month:02d}"),
            expected=Text(zh=str(year), en=str(year)), found=str(plan.year))])
    records = Inputs(records=list(args.records), quiet=args.quiet, lang=args.lang).iter_records()
    report = monthly_report(records, year=year, month=month, plan=plan, form=args.form, unit=args.unit,
                            as_of=args.as_of)
    write_result(render_monthly(report, args.format, args.lang), args.output)
    if args.output:
        say(Text(zh=f"月报表已写入 {args.output}", en=f"monthly report written to {args.output}"), args.lang, args.quiet)
    return OK


def configure_report_group(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`report` is a group so that other periodic reports can join `monthly` later."""
    sub = parser.add_subparsers(dest="report", metavar="REPORT", parser_class=arguments.ArgumentParser)
    sub.required = True
    configure(sub.add_parser("monthly", help="石家庄月报表（附件1/附件2）/ the Shijiazhuang monthly report",
                             description=DESCRIPTION, epilog=EPILOG))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = configure(arguments.ArgumentParser(prog="shuangsuiji report monthly", description=DESCRIPTION,
                                                epilog=EPILOG))
    args = parser.parse_args(argv)
    return run_guarded(lambda: args.run(args), args.lang)
