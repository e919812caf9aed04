"""Argument parsing shared by every command: bilingual usage errors, examples in every
--help, and the options several commands have in common."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import NoReturn

from .exit_codes import CANNOT_RUN

LANGS = ("zh", "en")


def _wanted_lang(argv: list[str] | None = None) -> str:
    """The language asked for on the command line, found before parsing finishes, so
    that argparse's own errors can already be in that language."""
    args = sys.argv[1:] if argv is None else argv
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return "en" if args[i + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "zh"


# argparse's own messages, in Chinese. Unknown ones are shown in English only.
_ZH_MESSAGES = [
    (re.compile(r"^unrecognized arguments: (.*)$"), "无法识别的参数：{0}"),
    (re.compile(r"^the following arguments are required: (.*)$"), "缺少必需的参数：{0}"),
    (re.compile(r"^argument (\S+): invalid choice: (.*?) \(choose from (.*)\)$"), "参数 {0} 的取值 {1} 无效（可选：{2}）"),
    (re.compile(r"^argument (\S+): expected one argument$"), "参数 {0} 需要一个值"),
    (re.compile(r"^argument (\S+): (.*)$"), "参数 {0}：{1}"),
    (re.compile(r"^invalid choice: (.*?) \(choose from (.*)\)$"), "无效的子命令 {0}（可选：{1}）"),
]


def chinese_message(message: str) -> str | None:
    for pattern, template in _ZH_MESSAGES:
        m = pattern.match(message)
        if m:
            return template.format(*m.groups())
    return None


class ArgumentParser(argparse.ArgumentParser):
    """argparse with examples in --help and a bilingual error line (exit 2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._argv: list[str] | None = None

    def parse_args(self, args=None, namespace=None):  # noqa: D401 - argparse API
        self._argv = list(args) if args is not None else None
        return super().parse_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        lang = _wanted_lang(self._argv)
        zh = f"{self.prog}: 参数错误：{chinese_message(message) or message}（用 --help 查看用法和示例）"
        en = f"{self.prog}: error: {message} (see --help for usage and examples)"
        sys.stderr.write((en if lang == "en" else zh + "\n" + en) + "\n")
        sys.exit(CANNOT_RUN)


class _VersionAction(argparse.Action):
    """`--version`, with the installed version looked up only when it is asked for
    (a scan of the installed packages' metadata, on every start otherwise)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib import metadata
        try:
            version = metadata.version("shuangsuiji")
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            version = "unknown"
        # what argparse's own "version" action prints
        formatter = parser._get_formatter()
        formatter.add_text(f"%(prog)s {version}")
        parser._print_message(formatter.format_help(), sys.stdout)
        parser.exit()


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action=_VersionAction, help="显示版本 / show the version")


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应为 YYYY-MM-DD / a date must be YYYY-MM-DD, got {text!r}") from None


def year_month(text: str) -> tuple[int, int]:
    try:
        year, month = text.split("-")
        y, m = int(year), int(month)
        if len(year) == 4 and 1 <= m <= 12:
            return y, m
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"月份应为 YYYY-MM / a month must be YYYY-MM, got {text!r}")


def add_lang(parser: argparse.ArgumentParser, inherited: bool = False) -> None:
    """`inherited`: the parent command has --lang too; only an explicit value here may
    replace it (argparse lets a subcommand's defaults overwrite the parent's values)."""
    parser.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS if inherited else "zh",
                        help="消息语言，默认中文 / message language (default zh)")


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="把结果写入文件（不会覆盖输入文件）/ write the output to FILE (never an input file)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="不显示进度和摘要，只输出结果 / no progress or summary on stderr")


def add_format(parser: argparse.ArgumentParser, default: str = "text", formats=None) -> None:
    """`formats` defaults to every report format of policy_rules.render."""
    if formats is None:
        from policy_rules.render import FORMATS as formats
    parser.add_argument("--format", "-f", choices=formats, default=default,
                        help=f"输出格式 / output format (default {default})")


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=iso_date, metavar="DATE",
                        help="判定日期 YYYY-MM-DD，默认今天 / judge as of this date (default today)")


def add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("auto", "durable", "python"), default="auto",
                        help="求值引擎，默认 auto / evaluator (default auto: durable_rules, python as fallback)")


def add_fail_on(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fail-on", choices=("error", "warning", "none"), default="error",
                        help="出现该级别及以上的未通过结论时退出码为 1，默认 error；none 只报告不失败 / "
                             "exit 1 on failed findings at or above this severity (default error); "
                             "none reports without failing")


def add_records_and_submissions(parser: argparse.ArgumentParser) -> None:
    """The inputs beside a plan, shared by check-plan and audit so both read them alike."""
    parser.add_argument("--records", action="append", default=[], metavar="FILE",
                        help="抽查记录（YAML/JSON/JSONL/CSV），可重复 / inspection records; repeatable")
    parser.add_argument("--submissions", metavar="FILE", help="报送材料 / submissions file")


def add_ruleset(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument("--ruleset", "-r", metavar="ID|PATH", required=required,
                        help="规则集 id（如 qinghe-2026）或文件路径；默认用计划的 ruleset 字段 / "
                             "ruleset id or file; defaults to the plan's own `ruleset:`")
