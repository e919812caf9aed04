"""`shuangsuiji draw` and `shuangsuiji verify-draw`: the double-random draw and its check.

`register(subparsers)` adds both subcommands to the main command; this module also runs
alone (`python -m shuangsuiji_core.commands.draw draw ...`). Exit codes: draw 0 done,
2 could not run (bad input, unstaffable); verify-draw 0 the draw matches, 1 it does not
(every difference listed), 2 could not run. Inputs are only read, never written.
"""

from __future__ import annotations

import argparse
import json
import sys

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text

from ..draw import load_draw_record, load_draw_task, render_notice, run_draw, verify_draw
from ..draw.run import check_seed
from . import arguments
from .exit_codes import FINDINGS, OK
from .output import check_output_path, say, write_result
from .running import run_guarded

DRAW_DESCRIPTION = """\
从检查对象名录库和执法检查人员名录库中按事先公布的种子随机抽取检查对象和检查组，
写出抽取记录（JSON）和公示文本。相同输入和种子在任何机器上得到相同结果。
Draw inspection targets and inspector groups with a seed announced in advance; write the
draw record (JSON) and the public notice. The same inputs and seed give the same draw anywhere.
"""

DRAW_EPILOG = """\
示例 / examples:
  shuangsuiji draw --entities 名录库.csv --inspectors 执法人员.csv --task task.yaml \\
      --seed "2026-03-31 福彩3D 第2026083期 517" --output draw.json --notice 公示.md
  shuangsuiji draw --entities entities.jsonl --inspectors inspectors.yaml --task plan.yaml \\
      --task-id QH-2026-001 --inspectors-per-group 2 --max-groups 10 --seed-file seed.txt --lang en
"""

VERIFY_DESCRIPTION = """\
用同样的输入重新抽取，核对抽取记录是否一致；不一致时列出每一处差异。
退出码：0 一致，1 不一致，2 无法运行。
Re-derive the draw from the same inputs and compare it with the record; list every
difference. Exit 0 match, 1 mismatch, 2 could not run.
"""

VERIFY_EPILOG = """\
示例 / examples:
  shuangsuiji verify-draw --record draw.json --entities 名录库.csv --inspectors 执法人员.csv --task task.yaml
  shuangsuiji verify-draw --record draw.json --entities e.csv --inspectors i.csv --task task.yaml \\
      --seed "2026-03-31 福彩3D 第2026083期 517" --format json
"""


SHOWN_DIFFERENCES = 100  # a wrong task file differs everywhere; the text stays readable, JSON has all


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entities", required=True, metavar="FILE",
                        help="检查对象名录库（CSV 或 JSONL）/ entity directory (CSV or JSONL)")
    parser.add_argument("--inspectors", required=True, metavar="FILE",
                        help="执法检查人员名录库（CSV、JSONL 或 YAML）/ inspector directory (CSV, JSONL or YAML)")
    parser.add_argument("--task", required=True, metavar="FILE",
                        help="抽取任务文件（draw_task:）或年度抽查计划（plan:）/ a draw task file or an annual plan")
    parser.add_argument("--task-id", metavar="ID",
                        help="任务文件是计划时要抽取的任务编号 / the task to draw when --task is a plan")
    parser.add_argument("--inspectors-per-group", type=int, metavar="N",
                        help="每组人数（至少 2），覆盖任务文件 / inspectors per group (>= 2), overrides the task")
    parser.add_argument("--max-groups", type=int, metavar="N",
                        help="每人最多参加的检查组数，覆盖任务文件 / cap on groups per inspector, overrides the task")
    parser.add_argument("--entities-format", choices=("csv", "jsonl"),
                        help="名录库格式，默认按扩展名 / entity directory format (default: by extension)")
    parser.add_argument("--inspectors-format", choices=("csv", "jsonl", "yaml"),
                        help="人员名录格式，默认按扩展名 / inspector directory format (default: by extension)")
    parser.add_argument("--encoding", choices=("utf-8", "gbk", "gb18030"),
                        help="名录文件编码，默认自动识别 UTF-8 或 GBK/GB18030 / file encoding (default: detect)")
    arguments.add_lang(parser)


def _seed_options(parser: argparse.ArgumentParser, required: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--seed", metavar="TEXT", help="事先公布的随机种子（原样记录）/ the seed announced in advance (recorded verbatim)")
    group.add_argument("--seed-file", metavar="FILE",
                       help="从 UTF-8 文件读取种子（去掉末尾一个换行）/ read the seed from a UTF-8 file (one final newline removed)")


def configure_draw(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    _inputs(parser)
    _seed_options(parser, required=True)
    parser.add_argument("--output", "-o", metavar="FILE", help="抽取记录 JSON，默认输出到标准输出 / the draw record JSON (default stdout)")
    parser.add_argument("--notice", metavar="FILE",
                        help="写出公示文本（语言同 --lang；.html 文件为网页，其余为 Markdown）/ "
                             "write the public notice (in --lang; HTML for a .html file, else Markdown)")
    parser.add_argument("--notice-format", choices=("markdown", "html"),
                        help="公示格式，默认按 --notice 的扩展名 / notice format (default: by the --notice extension)")
    parser.add_argument("--quiet", "-q", action="store_true", help="不显示摘要 / no summary on stderr")
    parser.set_defaults(run=run_draw_command)
    return parser


def configure_verify(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--record", required=True, metavar="FILE", help="要核对的抽取记录 JSON / the draw record to check")
    _inputs(parser)
    _seed_options(parser, required=False)
    parser.add_argument("--notice", metavar="FILE",
                        help="同时核对已发布的公示文本是否由该记录生成 / also check that a published notice was rendered from the record")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text", help="输出格式 / output format")
    parser.add_argument("--output", "-o", metavar="FILE", help="把核对结果写入文件 / write the result to FILE")
    parser.add_argument("--quiet", "-q", action="store_true", help="不显示摘要 / no summary on stderr")
    parser.set_defaults(run=run_verify_command)
    return parser


def register(subparsers) -> None:
    """Add `draw` and `verify-draw` to the main command's subparsers."""
    kwargs = {"formatter_class": argparse.RawDescriptionHelpFormatter}
    configure_draw(subparsers.add_parser("draw", help="双随机抽取 / the double-random draw",
                                         description=DRAW_DESCRIPTION, epilog=DRAW_EPILOG, **kwargs))
    configure_verify(subparsers.add_parser("verify-draw", help="核对抽取记录 / verify a draw record",
                                           description=VERIFY_DESCRIPTION, epilog=VERIFY_EPILOG, **kwargs))


def _seed(args: argparse.Namespace) -> str | None:
    if args.seed is not None:
        check_seed(args.seed, "--seed")
        return args.seed
    if args.seed_file is None:
        return None
    try:
        with open(args.seed_file, "rb") as fh:
            raw = fh.read(4097)
    except OSError as exc:
        raise InputError([Problem("file.unreadable", Text(zh=f"无法读取种子文件：{exc.strerror}", en=f"cannot read the seed file: {exc.strerror}"),
                                  Location(args.seed_file))]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem("file.encoding", Text(zh="种子文件不是 UTF-8 编码", en="the seed file is not UTF-8"),
                                  Location(args.seed_file))]) from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    check_seed(text, args.seed_file)
    return text


def _task(args: argparse.Namespace):
    task = load_draw_task(args.task, args.task_id)
    overrides = {}
    if args.inspectors_per_group is not None:
        overrides["inspectors_per_group"] = args.inspectors_per_group
    if args.max_groups is not None:
        overrides["max_groups_per_inspector"] = args.max_groups
    if overrides:
        try:
            task = task.model_validate({**task.model_dump(), **overrides})
        except ValueError:  # pydantic's ValidationError: a value below the minimum
            raise InputError([Problem("cli.task_override", Text(zh="命令行给出的人数参数无效", en="invalid group option on the command line"),
                                      Location("--inspectors-per-group" if "inspectors_per_group" in overrides else "--max-groups"),
                                      expected=Text(zh="每组至少 2 人；上限至少 1 组", en="at least 2 per group; a cap of at least 1"),
                                      found=str(overrides))]) from None
    return task


def run_draw_command(args: argparse.Namespace) -> int:
    inputs = [args.entities, args.inspectors, args.task]
    for out in (args.output, args.notice):
        check_output_path(out, inputs)
    if args.output and args.notice and args.output == args.notice:
        raise InputError([Problem("cli.same_output", Text(zh="--output 和 --notice 指向同一个文件", en="--output and --notice name the same file"),
                                  Location(args.output))])
    seed = _seed(args)
    task = _task(args)
    record = run_draw(args.entities, args.inspectors, task, seed, entities_format=args.entities_format,
                      inspectors_format=args.inspectors_format, encoding=args.encoding)
    write_result(record.to_json(), args.output)
    if args.notice:
        fmt = args.notice_format or ("html" if args.notice.lower().endswith((".html", ".htm")) else "markdown")
        write_result(render_notice(record, args.lang, fmt), args.notice)
    population = sum(s.population for s in record.strata)
    say(Text(zh=f"抽取完成：名录 {record.entity_directory.rows} 户，范围内 {population} 户，抽中 {len(record.selected)} 户，"
                f"{len(record.inspectors)} 名执法人员参加检查组；记录 SHA-256 {record.record_sha256}",
             en=f"drawn: {record.entity_directory.rows} rows, {population} in scope, {len(record.selected)} drawn, "
                f"{len(record.inspectors)} inspectors serving; record SHA-256 {record.record_sha256}"),
        args.lang, args.quiet or not args.output)
    return OK


def _notice_difference(path: str, record):
    """None when the file is exactly a notice rendered from `record` (any language, either format)."""
    from ..draw.verify import Difference
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig").replace("\r\n", "\n")
    except FileNotFoundError:
        raise InputError([Problem("file.not_found", Text(zh="找不到公示文件", en="notice file not found"), Location(path))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem("file.unreadable", Text(zh=f"无法读取公示文件：{exc}", en=f"cannot read the notice: {exc}"),
                                  Location(path))]) from None
    for lang in ("zh", "en"):
        for fmt in ("markdown", "html"):
            if text == render_notice(record, lang, fmt):
                return None
    stated = record.record_sha256 in text
    return Difference("notice", path, Text(
        zh="公示文本不是由这份抽取记录生成的原文" + ("（其中引用的记录 SHA-256 相同，但内容被改动过）" if stated else "（其中没有这份记录的 SHA-256）"),
        en="the notice is not the text rendered from this draw record" +
           (" (it quotes the record's SHA-256, but its content was changed)" if stated else " (it does not quote this record's SHA-256)")))


def run_verify_command(args: argparse.Namespace) -> int:
    check_output_path(args.output, [args.record, args.entities, args.inspectors, args.task, *([args.notice] if args.notice else [])])
    record = load_draw_record(args.record)
    announced = _seed(args)
    task = _task(args)
    verification = verify_draw(record, args.entities, args.inspectors, task, entities_format=args.entities_format,
                               inspectors_format=args.inspectors_format, encoding=args.encoding)
    diffs = list(verification.differences)
    if args.notice:
        problem = _notice_difference(args.notice, record)
        if problem is not None:
            diffs.append(problem)
    if announced is not None and announced != record.seed:
        from ..draw.verify import Difference
        diffs.insert(0, Difference("input", "seed", Text(zh="记录中的种子不是事先公布的种子", en="the record's seed is not the announced seed"),
                                   record.seed, announced))
    lang = args.lang
    if args.format == "json":
        text = json.dumps({"matches": not diffs, "record": args.record, "record_sha256": record.record_sha256,
                           "differences": [{"kind": d.kind, "subject": d.subject, "message": d.message.get(lang),
                                            "in_record": d.in_record, "rederived": d.rederived} for d in diffs]},
                          ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    elif not diffs:
        text = (f"一致：重新抽取的结果与抽取记录完全相同（{len(record.selected)} 户，记录 SHA-256 {record.record_sha256}）\n"
                if lang == "zh" else
                f"match: the re-derived draw is identical to the record ({len(record.selected)} entities, record SHA-256 {record.record_sha256})\n")
    else:
        head = (f"不一致：发现 {len(diffs)} 处差异\n" if lang == "zh" else f"mismatch: {len(diffs)} differences\n")
        text = head + "".join(f"  {d.render(lang)}\n" for d in diffs[:SHOWN_DIFFERENCES])
        if len(diffs) > SHOWN_DIFFERENCES:
            rest = len(diffs) - SHOWN_DIFFERENCES
            text += (f"  ……另有 {rest} 处差异（--format json 列出全部）\n" if lang == "zh"
                     else f"  … and {rest} more (--format json lists them all)\n")
    write_result(text, args.output)
    return OK if not diffs else FINDINGS


def build_parser(prog: str = "shuangsuiji") -> argparse.ArgumentParser:
    parser = arguments.ArgumentParser(prog=prog, description=DRAW_DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=arguments.ArgumentParser)
    register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded(lambda: args.run(args), args.lang)


if __name__ == "__main__":
    sys.exit(main())
