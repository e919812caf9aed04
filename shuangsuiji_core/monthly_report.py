"""The Shijiazhuang monthly report (石家庄市“双随机、一公开”监管月报表).

Source: 石家庄市2025年“双随机、一公开”监管工作实施方案 (seeds/000_91d3cc1dd90e2323.txt),
annexes 1 and 2, both headed “本年度累计数据” (cumulative for the year). Each row asks
for three numbers: 抽查次数 (tasks carried out), 户数 (businesses inspected) and
发现问题户数 (businesses where problems were found).

- **Annex 1, county form** (`form="county"`, 县（市、区）“双随机、一公开”监管月报表): rows 1–6
  for inspections through the provincial platform (河北双随机执法监管平台): all; the
  market-regulation system's, internal and joint separately; internal; joint;
  enterprise-only; credit-risk-based. Rows 7–9 for other platforms: all;
  enterprise-only; credit-risk-based.
- **Annex 2, city department form** (`form="city"`, 市有关部门“双随机、一公开”监管工作月报表),
  all through the provincial platform: 1 all; 2 province-dispatched tasks, internal and
  joint separately; 3 joint tasks this department leads; 4 credit-risk-based;
  5 enterprise-only; 6 enterprise-only and credit-risk-based. As the form says, every
  row except 2 leaves out province-dispatched tasks (“除第2项外，其他次数均不统计省级派发任务”).

How each number is counted (the form leaves this to the reader; we write it down):

- the period is 1 January of the year to the end of the month (or `as_of`, if earlier);
  a record counts by its `inspected_on`;
- 次数 = distinct tasks (`task_id`) with at least one record in the row;
- 户数 = distinct businesses: by `entity.credit_code`; a record without a credit code
  counts by entity name, else as its own business (and the report notes how many);
- 发现问题户数 = distinct businesses among the row's records with `problems_found: true`;
- a task's mode (internal/joint), credit-risk use and lead department come from the
  plan; records whose task the plan does not name count in the totals only (noted);
- **market-regulation system** (annex 1 row 2): tasks whose lead department (or, without
  one, the plan's department) contains 市场监督管理 or 市场监管;
- **province-dispatched** (annex 2): tasks with `extra: {dispatched_by: province}`;
- **led by this department** (annex 2 row 3): a joint task whose `lead_department` is
  the plan's `department` (or is not given);
- records with no `platform` are counted in no platform's rows (noted).

Example: two records of joint task T1 (credit codes X and Y, problems at X) and one of
internal task T2 (credit code X) through the provincial platform give annex 1 row 1
= 2 tasks, 2 households, 1 problem household; row 3 (internal) = 1, 1, 1; row 4
(joint) = 1, 2, 1.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined

from policy_rules.i18n import Lang, Text

from .plan import Mode, Plan, Task
from .records import Platform, Record

Form = Literal["county", "city"]
FORMS: tuple[str, ...] = ("county", "city")
OUTPUT_FORMATS: tuple[str, ...] = ("markdown", "html", "csv")
MARKET_REGULATION_MARKS = ("市场监督管理", "市场监管")
PROVINCE_DISPATCH_VALUES = frozenset({"province", "provincial", "省级", "省"})


@dataclass(frozen=True)
class Counts:
    tasks: int
    households: int
    problem_households: int


@dataclass(frozen=True)
class Row:
    number: str          # "1", "2", ... as printed on the form
    section: Text        # 通过河北双随机执法监管平台开展抽查情况 / 通过其他平台开展抽查情况
    label: Text
    part: Text | None    # 内部 / 联合 for the rows that split them, else None
    counts: Counts


@dataclass(frozen=True)
class MonthlyReport:
    form: Form
    title: Text
    unit: str
    year: int
    month: int
    period_start: dt.date
    period_end: dt.date
    filled_on: dt.date
    rows: list[Row]
    notes: list[Text] = field(default_factory=list)
    footnote: Text | None = None


PROVINCIAL = Text(zh="通过河北双随机执法监管平台开展抽查情况", en="Through the Hebei double-random supervision platform")
OTHER = Text(zh="通过其他平台开展抽查情况", en="Through other platforms")
INTERNAL = Text(zh="内部", en="internal")
JOINT = Text(zh="联合", en="joint")


@dataclass(frozen=True)
class _Fact:
    """One record with what the form's rows ask about it."""

    task_id: str
    household: str
    problems: bool
    platform: Platform | None
    is_enterprise: bool
    mode: Mode | None
    credit_risk: bool
    market_regulation: bool
    province_dispatched: bool
    led_here: bool


def _province_dispatched(task: Task) -> bool:
    value = task.extra.get("dispatched_by")
    return isinstance(value, str) and value.strip().lower() in PROVINCE_DISPATCH_VALUES


def _facts(records: Iterable[Record], plan: Plan | None, start: dt.date, end: dt.date,
           notes: list[Text]) -> list[_Fact]:
    tasks = {t.id: t for t in plan.tasks} if plan else {}
    department = plan.department if plan else None
    facts, unknown_tasks, no_code, no_platform = [], set(), 0, 0
    for r in records:
        if not (start <= r.inspected_on <= end):
            continue
        task = tasks.get(r.task_id)
        if task is None:
            unknown_tasks.add(r.task_id)
        code = r.entity.credit_code
        if not code:
            no_code += 1
            household = f"name:{r.entity.name}" if r.entity.name else f"record:{r.id}"
        else:
            household = f"code:{code}"
        if r.platform is None:
            no_platform += 1
        lead = (task.lead_department if task else None) or department or ""
        facts.append(_Fact(
            task_id=r.task_id, household=household, problems=bool(r.problems_found), platform=r.platform,
            is_enterprise=r.entity.is_enterprise, mode=task.mode if task else None,
            credit_risk=bool(task and task.uses_credit_risk),
            market_regulation=any(m in lead for m in MARKET_REGULATION_MARKS),
            province_dispatched=bool(task and _province_dispatched(task)),
            led_here=bool(task and (task.lead_department is None or task.lead_department == department))))
    if unknown_tasks:
        listed = "、".join(sorted(unknown_tasks)[:10])
        notes.append(Text(
            zh=f"{len(unknown_tasks)} 个任务编号不在计划中（{listed}），其记录只计入合计行" if plan else
               "未提供计划：任务的联合/内部、信用风险分类和牵头部门未知，相关分项行为 0",
            en=f"{len(unknown_tasks)} task ids are not in the plan ({listed}); their records count in the totals only" if plan else
               "no plan given: task modes, credit-risk use and lead departments are unknown; those rows are 0"))
    if no_code:
        notes.append(Text(zh=f"{no_code} 条记录没有统一社会信用代码，按名称（或记录）计户",
                          en=f"{no_code} records have no credit code; counted by entity name (or as one business each)"))
    if no_platform:
        notes.append(Text(zh=f"{no_platform} 条记录未标明平台（platform），未计入任何平台的行",
                          en=f"{no_platform} records name no platform; counted in no platform's rows"))
    return facts


def count(facts: Iterable[_Fact], keep: Callable[[_Fact], bool] = lambda f: True) -> Counts:
    tasks, households, problems = set(), set(), set()
    for f in facts:
        if keep(f):
            tasks.add(f.task_id)
            households.add(f.household)
            if f.problems:
                problems.add(f.household)
    return Counts(len(tasks), len(households), len(problems))


def _county_rows(facts: list[_Fact]) -> list[Row]:
    prov = [f for f in facts if f.platform == Platform.provincial]
    other = [f for f in facts if f.platform == Platform.other]
    internal = lambda f: f.mode == Mode.internal  # noqa: E731
    joint = lambda f: f.mode == Mode.joint  # noqa: E731
    T = Text
    return [
        Row("1", PROVINCIAL, T(zh="本地区开展随机抽查次数、户数及发现问题户数（包含部门内部和部门联合）",
                               en="All random inspections in the area (internal and joint)"), None, count(prov)),
        Row("2", PROVINCIAL, T(zh="本地区市场监管系统开展随机抽查次数、户数及发现问题户数（包含部门内部和部门联合，分别标注）",
                               en="By the market-regulation system (internal and joint, separately)"), INTERNAL,
            count(prov, lambda f: f.market_regulation and internal(f))),
        Row("2", PROVINCIAL, T(zh="本地区市场监管系统开展随机抽查次数、户数及发现问题户数（包含部门内部和部门联合，分别标注）",
                               en="By the market-regulation system (internal and joint, separately)"), JOINT,
            count(prov, lambda f: f.market_regulation and joint(f))),
        Row("3", PROVINCIAL, T(zh="本地区开展部门内部随机抽查次数、户数及发现问题户数", en="Internal (single-department) inspections"),
            None, count(prov, internal)),
        Row("4", PROVINCIAL, T(zh="本地区开展部门联合随机抽查次数、户数及发现问题户数", en="Joint (multi-department) inspections"),
            None, count(prov, joint)),
        Row("5", PROVINCIAL, T(zh="本地区涉及企业的随机抽查的次数、户数及发现问题户数（抽查对象为企业）",
                               en="Inspections of enterprises"), None, count(prov, lambda f: f.is_enterprise)),
        Row("6", PROVINCIAL, T(zh="本地区利用企业信用风险分级分类开展随机抽查的次数、户数及发现问题户数",
                               en="Inspections based on enterprise credit-risk classification"), None,
            count(prov, lambda f: f.credit_risk)),
        Row("7", OTHER, T(zh="本地区开展抽查次数、户数及发现问题户数", en="All inspections in the area"), None, count(other)),
        Row("8", OTHER, T(zh="本地区涉及企业的随机抽查次数、户数及发现问题户数（抽查对象为企业）", en="Inspections of enterprises"),
            None, count(other, lambda f: f.is_enterprise)),
        Row("9", OTHER, T(zh="本地区利用企业信用风险分级分类开展随机抽查的次数、户数及发现问题户数",
                          en="Inspections based on enterprise credit-risk classification"), None,
            count(other, lambda f: f.credit_risk)),
    ]


def _city_rows(facts: list[_Fact]) -> list[Row]:
    prov = [f for f in facts if f.platform == Platform.provincial]
    own = [f for f in prov if not f.province_dispatched]
    dispatched = [f for f in prov if f.province_dispatched]
    T = Text
    item2 = T(zh="市本级开展省级随机抽查次数、户数及发现问题户数（包含部门内部和部门联合，分别标注）",
              en="Province-dispatched inspections (internal and joint, separately)")
    return [
        Row("1", PROVINCIAL, T(zh="市本级开展随机抽查次数、户数及发现问题户数", en="All random inspections at city level"),
            None, count(own)),
        Row("2", PROVINCIAL, item2, INTERNAL, count(dispatched, lambda f: f.mode == Mode.internal)),
        Row("2", PROVINCIAL, item2, JOINT, count(dispatched, lambda f: f.mode == Mode.joint)),
        Row("3", PROVINCIAL, T(zh="市本级牵头开展跨部门联合随机抽查次数、户数及发现问题户数",
                               en="Cross-department joint inspections led at city level"), None,
            count(own, lambda f: f.mode == Mode.joint and f.led_here)),
        Row("4", PROVINCIAL, T(zh="市本级利用信用风险分级分类开展随机抽查的次数、户数及发现问题户数",
                               en="Inspections based on credit-risk classification"), None,
            count(own, lambda f: f.credit_risk)),
        Row("5", PROVINCIAL, T(zh="市本级完成涉及企业的随机抽查次数、户数及发现问题户数（抽查对象为企业）",
                               en="Inspections of enterprises"), None, count(own, lambda f: f.is_enterprise)),
        Row("6", PROVINCIAL, T(zh="市本级利用企业信用风险分级分类完成随机抽查的次数、户数及发现问题户数",
                               en="Enterprise inspections based on enterprise credit-risk classification"), None,
            count(own, lambda f: f.is_enterprise and f.credit_risk)),
    ]


TITLES = {
    "county": Text(zh="县（市、区）“双随机、一公开”监管月报表", en="County (city, district) monthly report on double-random, one-public supervision"),
    "city": Text(zh="市有关部门“双随机、一公开”监管工作月报表", en="City departments' monthly report on double-random, one-public supervision"),
}
CITY_FOOTNOTE = Text(zh="除第2项外，其他次数均不统计省级派发任务", en="Except item 2, no count includes province-dispatched tasks")


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def monthly_report(records: Iterable[Record], *, year: int, month: int, plan: Plan | None = None,
                   form: Form = "county", unit: str | None = None, as_of: dt.date | None = None) -> MonthlyReport:
    """The annex form for `year`/`month`, cumulative from 1 January. `as_of` (default: the
    month's last day) is the 填表时间 and, when earlier, the end of the counted period."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}")
    start, end = dt.date(year, 1, 1), month_end(year, month)
    filled_on = as_of or end
    if filled_on < end:
        end = filled_on
    notes: list[Text] = []
    facts = _facts(records, plan, start, end, notes)
    rows = _county_rows(facts) if form == "county" else _city_rows(facts)
    unit_name = unit or (plan.region if form == "county" and plan and plan.region else None) or \
        (plan.department if plan else "")
    return MonthlyReport(form=form, title=TITLES[form], unit=unit_name, year=year, month=month,
                         period_start=start, period_end=end, filled_on=filled_on, rows=rows, notes=notes,
                         footnote=CITY_FOOTNOTE if form == "city" else None)


# --- rendering ------------------------------------------------------------------------

_ENV = Environment(loader=PackageLoader("shuangsuiji_core", "report_templates"),
                   autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_ENV.filters["cell"] = lambda v: " ".join(str(v).split()).replace("|", "\\|")

HEADERS = {
    "zh": {"number": "序号", "section": "平台", "item": "项目", "part": "分项", "tasks": "抽查次数", "households": "抽查户数",
           "problems": "发现问题户数", "unit": "单位名称", "filled_on": "填表时间", "period": "统计期间",
           "cumulative": "（本年度累计数据）", "colon": "：", "notes": "说明", "contact": "联系人：　　　　　联系电话：　　　　　手机：　　　　　"},
    "en": {"number": "No.", "section": "Platform", "item": "Item", "part": "Part", "tasks": "Tasks", "households": "Households",
           "problems": "Problem households", "unit": "Unit", "filled_on": "Filled on", "period": "Period",
           "cumulative": "(cumulative for the year)", "colon": ": ", "notes": "Notes", "contact": "Contact:            Phone:            Mobile:"},
}


def render_monthly(report: MonthlyReport, format: str, lang: Lang = "zh") -> str | bytes:
    """Markdown or HTML text, or CSV bytes (UTF-8 with BOM, CRLF: what Excel opens
    correctly on a Chinese Windows without an import wizard)."""
    lang = "en" if lang == "en" else "zh"
    if format == "csv":
        return monthly_csv(report, lang)
    if format not in ("markdown", "html"):
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(OUTPUT_FORMATS)}")
    template = _ENV.get_template("monthly.md.j2" if format == "markdown" else "monthly.html.j2")
    return template.render(r=report, lang=lang, h=HEADERS[lang])


def _cell(value: object) -> object:
    """Excel takes a cell starting with '=', '+', '-' or '@' as a formula; unit names and
    notes are user text, so such text is prefixed with an apostrophe. Numbers pass."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def monthly_csv(report: MonthlyReport, lang: Lang = "zh") -> bytes:
    h = HEADERS["en" if lang == "en" else "zh"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")

    def row(*cells: object) -> None:
        w.writerow([_cell(c) for c in cells])

    row(report.title.get(lang), h["cumulative"])
    row(h["unit"], report.unit, h["filled_on"], report.filled_on.isoformat(),
        h["period"], f"{report.period_start.isoformat()}~{report.period_end.isoformat()}")
    row(h["number"], h["section"], h["item"], h["part"], h["tasks"], h["households"], h["problems"])
    for r in report.rows:
        row(r.number, r.section.get(lang), r.label.get(lang), r.part.get(lang) if r.part else "",
            r.counts.tasks, r.counts.households, r.counts.problem_households)
    if report.footnote:
        row(report.footnote.get(lang))
    for note in report.notes:
        row(h["notes"], note.get(lang))
    return buf.getvalue().encode("utf-8-sig")
