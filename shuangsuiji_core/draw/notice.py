"""The public notice (公示) of a draw, rendered from the record by a Jinja template.

What a notice shows, and why:

- the entities drawn with their **full name and full credit code**: both are already
  public on 国家企业信用信息公示系统, and the full code is what lets anyone check the
  draw (the rank key of each entity is recomputable from the seed and the code);
- each group's inspectors by **name and department** (亮证执法: inspectors show their
  identity anyway); the directory id only where no name is on file;
- exclusions only as **counts** per reason: who is uncertified or has declared a
  conflict of interest is a personnel matter; the full list stays in the JSON record,
  which the department keeps for audit and supervisors;
- the seed, the method, every SHA-256 (directories, task, record) and how to verify.

Templates live in `templates/` (package data): `notice.{zh,en}.md.j2` (Markdown: reads as
plain text, converts to Word or a web page) and `notice.{zh,en}.html.j2` (a complete,
self-contained HTML page, autoescaped). In Markdown, text from the directories is
escaped so a name cannot add formatting, links or HTML.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from policy_rules.i18n import Lang
from policy_rules.quantities import format_ratio

from .record import DrawRecord

NoticeFormat = Literal["markdown", "html"]

STRATUM_LABELS = {
    "zh": {"A": "A（信用风险低）", "B": "B（信用风险一般）", "C": "C（信用风险较高）", "D": "D（信用风险高）",
           "unclassified": "未分类", "all": "全部"},
    "en": {"A": "A (low risk)", "B": "B (average risk)", "C": "C (elevated risk)", "D": "D (high risk)",
           "unclassified": "unclassified", "all": "all"},
}

_MD_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]",
                             "<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " "})


def _cell(value: object) -> str:
    """Text safe inside Markdown (a table cell or a line): no formatting, links or HTML."""
    return str(value if value is not None else "").translate(_MD_ESCAPES)


def _code(value: object) -> str:
    """A Markdown code span that holds any text, backticks included."""
    text = str(value).replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _rule(stratum: dict, lang: str) -> str:
    value = stratum["value"]
    if value is None:
        return "未设定，不抽取" if lang == "zh" else "not set: none drawn"
    if stratum["kind"] == "count":
        return f"{value} 户" if lang == "zh" else f"{value} households"
    num, den = value.split("/")
    text = format_ratio(Fraction(int(num), int(den)))
    if stratum["rule"] == "B_ratio":
        text += "（按 B 类比例）" if lang == "zh" else " (the B ratio)"
    return text


def _env() -> Environment:
    env = Environment(loader=PackageLoader("shuangsuiji_core.draw", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = _cell
    env.filters["code"] = _code
    return env


def render_notice(record: DrawRecord, lang: Lang = "zh", format: NoticeFormat = "markdown") -> str:
    data = record.model_dump(mode="json")
    people = {i["id"]: i for i in data["inspectors"]}

    def person(ins_id: str) -> str:
        info = people.get(ins_id, {})
        name = info.get("name") or ins_id
        if not info.get("department"):
            return name
        return f"{name}（{info['department']}）" if lang == "zh" else f"{name} ({info['department']})"

    counts = {"uncertified": 0, "tags": 0, "conflict": 0, "cap_reached": 0, "capacity_reserved": 0}
    for x in data["directory_exclusions"]:
        for reason in x["reasons"]:
            counts[reason] += 1
    for x in data["group_exclusions"]:
        counts[x["reason"]] += 1
    groups = [[person(i) for i in e["inspectors"]] for e in data["selected"]]
    suffix = "html" if format == "html" else "md"
    template = _env().get_template(f"notice.{lang}.{suffix}.j2")
    return template.render(
        r=data, labels=STRATUM_LABELS[lang], rule=lambda s: _rule(s, lang), groups=groups, counts=counts,
        total_drawn=len(data["selected"]), total_population=sum(s["population"] for s in data["strata"]),
    )
