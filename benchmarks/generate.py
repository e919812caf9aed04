"""Synthetic, realistic inputs for benchmarks and tests, reproducible from a seed.

Writes a plan (YAML and JSON), inspection records (JSON Lines and CSV, streamed: a
million records never sit in memory), submissions (YAML), an entity directory
(检查对象名录库) and an inspector directory (执法检查人员名录库), plus a
``manifest.json`` that records the parameters and how many records carry each kind
of violation.

This is test data, not the draw: ``random.Random(seed)`` is the right tool here.

Every violating record carries exactly one violation kind, and every other record is
clean against the patterns of docs/ARCHITECTURE.md (inside its task's window, a
remote method where the task can be checked remotely, certified and randomly drawn
inspectors without conflicts, results entered and published within ten days, every
problem followed up and published, one inspection per business and task). So a
share of 0.02 per kind means exactly ``round(0.02 * records)`` offenders of that
kind, which tests can count back.

Command line::

    python benchmarks/generate.py --out benchmarks/data/demo --records 100000 \
        --tasks 300 --entities 200000 --violation-share 0.02

Library::

    from benchmarks.generate import Config, generate
    manifest = generate(Config(records=1000, tasks=20, entities=5000), out_dir)
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import math
import random
import sys
import time
from bisect import bisect_right
from collections import deque
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere: the project's modules are importable
    sys.path.insert(0, str(REPO))

from shuangsuiji_core.credit_code import CHARSET, check_digit  # noqa: E402

import yaml  # noqa: E402

# --- the violation kinds -----------------------------------------------------------

#: kind -> what the record does wrong (and the architecture's pattern that catches it)
VIOLATION_KINDS: dict[str, str] = {
    "onsite_where_remote_feasible": "on-site inspection in a task that a remote method can do",
    "outside_plan": "task_id names no task of the plan (inspection_outside_plan)",
    "conflict_of_interest": "one inspector has a conflict of interest",
    "uncertified": "one inspector holds no enforcement certificate",
    "problem_without_follow_up": "problems found and no follow-up recorded",
    "unpublished_result": "result never published (result_published_on is null)",
    "late_entry": "result entered 45 to 55 calendar days after the inspection",
    "duplicate_inspection": "a second inspection of the same business in the same task",
}

LATE_ENTRY_DAYS = (45, 55)     # calendar days; beyond any limit in the source documents (20 working days at most)
CLEAN_ENTRY_DAYS = (1, 5)      # clean records: entered 1-5 days after, published 1-5 days after entry
WINDOW_LAST_END = (12, 1)      # windows close by 1 December, so late entries still fall before 31 January


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = 20260101
    year: int = 2026
    tasks: int = 300
    records: int = 100_000
    entities: int = 200_000
    inspectors: int = 2_000
    #: kind -> share of records (0 <= share, sum of shares <= 1)
    shares: dict[str, float] = dataclasses.field(
        default_factory=lambda: {kind: 0.02 for kind in VIOLATION_KINDS})
    #: rule ids that task-level waivers name (must be waivable rules of the ruleset used)
    waiver_rules: tuple[str, ...] = ()
    waiver_task_share: float = 0.03
    joint_task_share: float = 0.65
    credit_risk_task_share: float = 0.97
    remote_task_share: float = 0.30
    region_code: str = "130534"          # 清河县; the county most records come from
    region: str = "清河县"
    task_prefix: str = "QH"
    department: str = "清河县市场监督管理局"

    def counts(self) -> dict[str, int]:
        """Exact number of violating records per kind."""
        out = {kind: int(round(self.shares.get(kind, 0.0) * self.records)) for kind in VIOLATION_KINDS}
        if sum(out.values()) > max(self.records - 1, 0):
            raise ValueError("violation shares add up to more than all records")
        unknown = set(self.shares) - set(VIOLATION_KINDS)
        if unknown:
            raise ValueError(f"unknown violation kind(s): {', '.join(sorted(unknown))}")
        return out

    @property
    def as_of(self) -> dt.date:
        """The as_of at which every generated date lies in the past (used by run.py)."""
        return dt.date(self.year + 1, 1, 31)


# --- vocabulary of realistic names ---------------------------------------------------

INDUSTRIES: list[tuple[str, list[str], str]] = [
    # (industry, items, typical entity name suffix)
    ("食品销售", ["食品经营许可情况", "食品安全管理制度落实情况", "进货查验记录情况", "食品贮存条件"], "超市"),
    ("餐饮服务", ["餐饮服务许可情况", "从业人员健康管理情况", "餐具清洗消毒情况", "原料控制情况"], "餐饮"),
    ("药品零售", ["药品经营许可情况", "执业药师在岗情况", "处方药销售情况", "药品储存养护情况"], "大药房"),
    ("医疗器械经营", ["医疗器械经营备案情况", "产品追溯情况", "贮存条件情况"], "医疗器械"),
    ("特种设备使用", ["特种设备使用登记情况", "定期检验情况", "作业人员持证情况"], "机械"),
    ("工业产品生产", ["生产许可证情况", "产品质量抽检情况", "标准执行情况"], "制造"),
    ("计量器具使用", ["强制检定计量器具情况", "计量器具使用管理情况"], "商贸"),
    ("广告发布", ["广告发布登记情况", "广告内容合法情况"], "广告"),
    ("网络交易", ["经营者亮照亮证情况", "网络交易平台规则情况", "消费者权益保护情况"], "电子商务"),
    ("成品油经营", ["成品油经营许可情况", "油品质量情况", "计量加油机检定情况"], "石油"),
    ("农资经营", ["农药经营许可情况", "化肥质量情况", "种子标签情况"], "农资"),
    ("建材生产", ["产品质量情况", "认证证书使用情况"], "建材"),
    ("公司登记事项", ["登记事项真实性", "年度报告公示情况", "即时信息公示情况"], "商贸"),
    ("价格行为", ["明码标价情况", "价格欺诈行为"], "商贸"),
    ("棉花加工", ["棉花质量情况", "公证检验情况"], "棉业"),
    ("羊绒制品", ["产品标识标注情况", "纤维含量情况"], "羊绒制品"),
]

PARTNERS = ["县卫生健康局", "县商务局", "县农业农村局", "县应急管理局", "县生态环境局", "县交通运输局",
            "县文化广电和旅游局", "县住房和城乡建设局", "县教育局", "县公安局", "县税务局", "县消防救援大队"]

NAME_CHARS = "华鑫泰丰瑞祥盛兴隆达恒通宏远博创新源晟昌德润安康嘉和亿宝金鼎永顺佳美福聚汇诚信利民益众"

#: Hebei county-level division codes: a province-sized directory spreads over these
REGION_CODES = ["130534", "130102", "130104", "130105", "130108", "130181", "130202", "130302", "130402",
                "130502", "130602", "130702", "130802", "130902", "131002", "131102", "130533", "130535"]

RISK_CLASSES = ["A", "B", "C", "D", None]
RISK_WEIGHTS = [0.40, 0.42, 0.12, 0.04, 0.02]
SAMPLING = {"A": (0.01, 0.03), "B": (0.03, 0.06), "C": (0.06, 0.12), "D": (0.12, 0.30)}

REMOTE_METHOD_SETS = [["document_review"], ["information_sharing", "online_monitoring"], ["video"],
                      ["document_review", "information_sharing"]]
ONSITE_METHOD_SETS = [["onsite"], ["onsite", "document_review"]]
FOLLOW_UP_ACTIONS = ["rectification", "case_filed", "transferred", "judicial_referral"]
FOLLOW_UP_WEIGHTS = [0.60, 0.25, 0.10, 0.05]


def internal_item(industry: str) -> str:
    return f"{industry}日常监督检查事项"


# --- credit codes and entities, derived from an index (no table in memory) -----------

_MASK64 = (1 << 64) - 1
_ORG_SPACE = len(CHARSET) ** 8
_ORG_MULTIPLIER = 7_919_000_003  # not a multiple of 31: i -> (a*i + b) mod 31**8 is a bijection
_GB11714_VALUES = {ch: (int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10) for ch in CHARSET}
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _mix(value: int) -> int:
    """splitmix64 finaliser: a well-spread 64-bit hash of an integer, fast in pure Python."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def organization_code(index: int, seed: int) -> str:
    """A unique 9-character organization code (GB 11714: 8 characters and a check character)."""
    n = (_ORG_MULTIPLIER * index + seed) % _ORG_SPACE
    body = []
    for _ in range(8):
        n, r = divmod(n, len(CHARSET))
        body.append(CHARSET[r])
    body_text = "".join(reversed(body))
    total = sum(_GB11714_VALUES[ch] * w for ch, w in zip(body_text, _GB11714_WEIGHTS))
    c9 = 11 - total % 11
    return body_text + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))


@dataclasses.dataclass(frozen=True, slots=True)
class Entity:
    credit_code: str
    name: str
    is_enterprise: bool
    risk_class: str | None
    industry: str
    region_code: str


def entity(index: int, config: Config) -> Entity:
    """Directory row `index`; records refer to businesses by the same function, so they agree."""
    h = _mix(index ^ (config.seed * 0x2545F4914F6CDD1D))
    is_enterprise = (h & 0xFF) >= 90                       # about 35% 个体工商户 (92...)
    u = ((h >> 8) & 0xFFFF) / 0x10000
    acc = 0.0
    risk = None
    for cls, weight in zip(RISK_CLASSES, RISK_WEIGHTS):
        acc += weight
        if u < acc:
            risk = cls
            break
    industry_index = (h >> 24) % len(INDUSTRIES)
    industry, _, suffix = INDUSTRIES[industry_index]
    region = config.region_code if (h >> 32) % 4 else REGION_CODES[(h >> 34) % len(REGION_CODES)]
    first17 = ("91" if is_enterprise else "92") + region + organization_code(index, config.seed)[:9]
    code = first17 + check_digit(first17)
    c1 = NAME_CHARS[(h >> 40) % len(NAME_CHARS)]
    c2 = NAME_CHARS[(h >> 46) % len(NAME_CHARS)]
    if is_enterprise:
        name = f"{config.region}{c1}{c2}{suffix}有限公司"
    else:
        name = f"{config.region}{c1}{c2}{suffix}店"
    return Entity(code, name, is_enterprise, risk, industry, region)


def _coprime_step(n: int, rng: random.Random) -> int:
    """A step coprime to n: i -> (step*i + offset) mod n visits every index once."""
    if n <= 1:
        return 1
    while True:
        step = rng.randrange(n // 3 + 1, n) | 1
        if math.gcd(step, n) == 1:
            return step


# --- the plan --------------------------------------------------------------------------

def _date(year: int, day_of_year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=day_of_year)


def generate_plan(config: Config) -> dict[str, Any]:
    """The plan as a plain dict (``{"plan": {...}}``), ready for YAML or JSON."""
    rng = random.Random(f"plan/{config.seed}")
    year = config.year
    n = config.tasks
    if n < 1:
        raise ValueError("a plan needs at least one task")
    n_joint = int(round(config.joint_task_share * n))
    n_credit = int(round(config.credit_risk_task_share * n))
    n_remote = max(1, int(round(config.remote_task_share * n))) if n > 1 else 0
    modes = ["joint"] * n_joint + ["internal"] * (n - n_joint)
    credit = [True] * n_credit + [False] * (n - n_credit)
    remote = [True] * n_remote + [False] * (n - n_remote)
    rng.shuffle(modes)
    rng.shuffle(credit)
    rng.shuffle(remote)
    waiver_tasks = set()
    if config.waiver_rules:
        waiver_tasks = set(rng.sample(range(n), max(1, int(round(config.waiver_task_share * n)))))

    first_start = dt.date(year, 4, 1)
    last_end = dt.date(year, *WINDOW_LAST_END)
    weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
    total_weight = sum(weights)
    tasks = []
    for i in range(n):
        industry, items, _ = INDUSTRIES[rng.randrange(len(INDUSTRIES))]
        mode = modes[i]
        if mode == "joint":
            task_items = rng.sample(items, rng.randint(1, len(items)))
        else:
            # internal tasks check the department's own routine item, so none repeats a joint one
            task_items = [internal_item(industry)]
        start = first_start + dt.timedelta(days=rng.randrange((last_end - first_start).days - 30))
        end = min(start + dt.timedelta(days=rng.randint(30, 120)), last_end)
        task: dict[str, Any] = {
            "id": f"{config.task_prefix}-{year}-{i + 1:03d}",
            "name": f"{industry}{'部门联合' if mode == 'joint' else '部门内部'}抽查（{i + 1}）",
            "mode": mode,
            "lead_department": config.department,
        }
        if mode == "joint":
            task["partner_departments"] = [config.region + p.removeprefix("县") if p.startswith("县") else p
                                           for p in rng.sample(PARTNERS, rng.randint(1, 3))]
        task["items"] = task_items
        task["industry"] = industry
        task["uses_credit_risk"] = credit[i]
        if credit[i]:
            task["sampling_ratio"] = {cls: round(rng.uniform(*SAMPLING[cls]), 3) for cls in "ABCD"}
        task["planned_households"] = max(1, int(round(config.records * weights[i] / total_weight)))
        task["methods"] = list(rng.choice(REMOTE_METHOD_SETS if remote[i] else ONSITE_METHOD_SETS))
        task["remote_feasible"] = remote[i]
        task["window"] = {"start": start, "end": end}
        if i in waiver_tasks:
            task["waivers"] = [{
                "rule": rng.choice(config.waiver_rules),
                "reason": "涉及安全生产专项整治，经县双随机办批准按原方式实施",
                "approved_by": f"{config.region}双随机办",
                "expires": dt.date(year, 12, 31),
            }]
        tasks.append(task)

    adjustments = []
    for k, month in enumerate(rng.sample(range(5, 11), 3), start=1):
        day = dt.date(year, month, rng.randint(1, 20))
        adjustments.append({
            "id": f"ADJ-{k}",
            "date": day,
            "description": rng.choice(["增加一项药品经营抽查任务", "调整特种设备抽查时间", "合并两项食品抽查任务",
                                        "调整联合抽查参与部门", "扩大网络交易抽查范围"]),
            "filed_on": day + dt.timedelta(days=rng.randint(1, 3)),
            "published_on": day + dt.timedelta(days=rng.randint(4, 7)),
        })
    adjustments.sort(key=lambda a: a["date"])

    enterprises = max(1, int(round(config.entities * 0.65)))
    return {"plan": {
        "id": f"{config.task_prefix}-SMR-{year}",
        "year": year,
        "department": config.department,
        "region": config.region,
        "ruleset": "qinghe-2026",
        "published_on": dt.date(year, 3, 20),
        "enterprise_count_prev_year_end": enterprises,
        "tasks": tasks,
        "adjustments": adjustments,
    }}


# --- records ---------------------------------------------------------------------------

class _PlanIndex:
    """What record generation needs from the plan, precomputed once."""

    def __init__(self, plan: dict[str, Any]):
        tasks = plan["plan"]["tasks"]
        self.tasks = tasks
        self.cum_weights = []
        acc = 0
        for task in tasks:
            acc += task["planned_households"]
            self.cum_weights.append(acc)
        self.remote = [i for i, t in enumerate(tasks) if t["remote_feasible"]]
        self.remote_cum = []
        acc = 0
        for i in self.remote:
            acc += tasks[i]["planned_households"]
            self.remote_cum.append(acc)
        self.spans = [(t["window"]["start"], (t["window"]["end"] - t["window"]["start"]).days) for t in tasks]


def _inspectors(config: Config) -> tuple[list[str], list[str]]:
    """Inspector ids split into certified and uncertified (3%, at least one)."""
    ids = [f"P{n:05d}" for n in range(1, config.inspectors + 1)]
    rng = random.Random(f"inspectors/{config.seed}")
    uncertified = set(rng.sample(range(len(ids)), max(1, len(ids) * 3 // 100)))
    return ([i for k, i in enumerate(ids) if k not in uncertified],
            [i for k, i in enumerate(ids) if k in uncertified])


def violation_plan(config: Config) -> dict[int, str]:
    """Record index -> violation kind, exact counts per kind; record 0 is always clean."""
    counts = config.counts()
    rng = random.Random(f"violations/{config.seed}")
    kinds = [kind for kind, count in counts.items() for _ in range(count)]
    indices = rng.sample(range(1, config.records), len(kinds)) if kinds else []
    return dict(zip(indices, kinds))


def iter_records(config: Config, plan: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Yield record dicts in id order (dates as ``datetime.date``), streaming."""
    plan = plan if plan is not None else generate_plan(config)
    index = _PlanIndex(plan)
    if config.counts()["onsite_where_remote_feasible"] and not index.remote:
        raise ValueError("on-site-where-remote-feasible violations need a task with remote_feasible (use 2+ tasks)")
    violations = violation_plan(config)
    certified, uncertified = _inspectors(config)
    rng = random.Random(f"records/{config.seed}")
    step = _coprime_step(config.entities, rng)
    offset = rng.randrange(config.entities)
    tasks = index.tasks
    year = config.year
    recent: deque[dict[str, Any]] = deque(maxlen=512)  # clean records a duplicate can repeat
    unknown_task = f"{config.task_prefix}-{year - 1}-"  # filed under last year's task: a realistic slip

    for i in range(config.records):
        kind = violations.get(i)
        if kind == "duplicate_inspection":
            original = rng.choice(recent)
            task_no = original["_task"]
            start, span = index.spans[task_no]
            last = start + dt.timedelta(days=span)
            inspected = min(original["inspected_on"] + dt.timedelta(days=rng.randint(0, 10)), last)
            ent = original["_entity"]
        else:
            if kind == "onsite_where_remote_feasible":
                task_no = index.remote[_pick(rng, index.remote_cum)]
            else:
                task_no = _pick(rng, index.cum_weights)
            start, span = index.spans[task_no]
            inspected = start + dt.timedelta(days=rng.randint(0, span))
            ent = entity((step * i + offset) % config.entities, config)
        task = tasks[task_no]
        entered = inspected + dt.timedelta(days=rng.randint(*CLEAN_ENTRY_DAYS))
        if kind == "late_entry":
            entered = inspected + dt.timedelta(days=rng.randint(*LATE_ENTRY_DAYS))
        published: dt.date | None = entered + dt.timedelta(days=rng.randint(*CLEAN_ENTRY_DAYS))
        if kind == "unpublished_result":
            published = None

        group = rng.sample(certified, 3 if rng.random() < 0.2 else 2)
        inspectors = [{"id": p, "certified": True, "drawn_randomly": True, "conflict_of_interest": False}
                      for p in group]
        if kind == "uncertified":
            inspectors[-1] = {"id": rng.choice(uncertified), "certified": False, "drawn_randomly": True,
                              "conflict_of_interest": False}
        elif kind == "conflict_of_interest":
            inspectors[-1]["conflict_of_interest"] = True

        if kind == "onsite_where_remote_feasible":
            method = "onsite"
        else:
            method = task["methods"][rng.randrange(len(task["methods"]))]
        problems = kind == "problem_without_follow_up" or rng.random() < 0.12
        follow_up = None
        if problems and kind != "problem_without_follow_up":
            recorded = entered + dt.timedelta(days=rng.randint(1, 10))
            follow_up = {"action": rng.choices(FOLLOW_UP_ACTIONS, FOLLOW_UP_WEIGHTS)[0],
                         "recorded_on": recorded,
                         "published_on": recorded + dt.timedelta(days=rng.randint(1, 5))}

        record = {
            "id": f"R-{i + 1:07d}",
            "task_id": (f"{unknown_task}{rng.randrange(1, 100):03d}" if kind == "outside_plan" else task["id"]),
            "entity": {"credit_code": ent.credit_code, "name": ent.name,
                       "is_enterprise": ent.is_enterprise, "risk_class": ent.risk_class},
            "inspectors": inspectors,
            "drawn_randomly": True,
            "method": method,
            "inspected_on": inspected,
            "problems_found": problems,
            "result_entered_on": entered,
            "result_published_on": published,
            "follow_up": follow_up,
            "platform": "provincial",
        }
        if kind is None:
            recent.append({"_task": task_no, "_entity": ent, "inspected_on": inspected})
        yield record


def _pick(rng: random.Random, cum_weights: list[int]) -> int:
    return bisect_right(cum_weights, rng.random() * cum_weights[-1])


# --- submissions and directories ------------------------------------------------------

def generate_submissions(config: Config) -> dict[str, Any]:
    """Every submission the source documents ask for, each on time."""
    y = config.year
    subs: list[dict[str, Any]] = [{"kind": "item_list_and_directories", "submitted_on": dt.date(y, 3, 28)}]
    for month in range(1, 13):
        subs.append({"kind": "monthly_report", "period": f"{y}-{month:02d}", "submitted_on": dt.date(y, month, 20)})
    for q, month in enumerate((3, 6, 9, 12), start=1):
        subs.append({"kind": "progress_summary", "period": f"{y}-Q{q}", "submitted_on": dt.date(y, month, 23)})
    subs.append({"kind": "half_year_summary", "period": f"{y}-H1", "submitted_on": dt.date(y, 6, 14)})
    subs.append({"kind": "annual_self_inspection", "period": str(y), "submitted_on": dt.date(y, 11, 10)})
    return {"submissions": subs}


#: shuangsuiji_core/draw/directories.py reads these; extra.* columns are carried and ignored
ENTITY_COLUMNS = ["credit_code", "name", "risk_class", "industry", "tags", "extra.region_code"]
INSPECTOR_COLUMNS = ["id", "name", "department", "certified", "tags", "conflicts"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红燕建国志鹏辉宇浩然"


def entity_tags(e: Entity) -> list[str]:
    return [e.industry, "企业" if e.is_enterprise else "个体工商户"]


def iter_entities(config: Config) -> Iterator[Entity]:
    for index in range(config.entities):
        yield entity(index, config)


def iter_inspectors(config: Config) -> Iterator[dict[str, Any]]:
    """The inspector directory; about 1 in 50 declares a conflict with a business of the directory."""
    rng = random.Random(f"inspector-directory/{config.seed}")
    certified, uncertified = _inspectors(config)
    uncertified_set = set(uncertified)
    departments = [config.department] + [config.region + p.removeprefix("县") for p in PARTNERS[:6]]
    for n in range(1, config.inspectors + 1):
        pid = f"P{n:05d}"
        # expertise tags: the industries the inspector knows, with their items, so a draw whose
        # required_inspector_tags are a plan task's items can staff its groups
        expertise: set[str] = set()
        for _ in range(rng.randint(1, 3)):
            industry, items, _ = INDUSTRIES[rng.randrange(len(INDUSTRIES))]
            expertise.update([industry, internal_item(industry), *items])
        tags = sorted(expertise)
        conflicts = []
        if rng.random() < 0.02:
            conflicts = [entity(rng.randrange(config.entities), config).credit_code
                         for _ in range(rng.randint(1, 2))]
        yield {"id": pid, "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
               "department": departments[0] if rng.random() < 0.7 else rng.choice(departments[1:]),
               "certified": pid not in uncertified_set, "tags": tags, "conflicts": conflicts}


# --- writers ---------------------------------------------------------------------------

def _json_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: the CSV contract of DATA.md: nested fields flattened with dots, inspectors as
#: ;-separated ids with their flags ;-separated in the same order
RECORD_COLUMNS = [
    "id", "task_id", "entity.credit_code", "entity.name", "entity.is_enterprise", "entity.risk_class",
    "inspectors.id", "inspectors.certified", "inspectors.drawn_randomly", "inspectors.conflict_of_interest",
    "drawn_randomly", "method", "inspected_on", "problems_found", "result_entered_on", "result_published_on",
    "follow_up.action", "follow_up.recorded_on", "follow_up.published_on", "platform",
]


def record_row(record: dict[str, Any]) -> list[str]:
    e = record["entity"]
    ins = record["inspectors"]
    fu = record["follow_up"] or {}
    return [
        record["id"], record["task_id"], e["credit_code"], e["name"], _cell(e["is_enterprise"]), _cell(e["risk_class"]),
        ";".join(p["id"] for p in ins),
        ";".join(_cell(p["certified"]) for p in ins),
        ";".join(_cell(p["drawn_randomly"]) for p in ins),
        ";".join(_cell(p["conflict_of_interest"]) for p in ins),
        _cell(record["drawn_randomly"]), _cell(record["method"]), _cell(record["inspected_on"]),
        _cell(record["problems_found"]), _cell(record["result_entered_on"]), _cell(record["result_published_on"]),
        _cell(fu.get("action")), _cell(fu.get("recorded_on")), _cell(fu.get("published_on")),
        _cell(record["platform"]),
    ]


def _json_record(record: dict[str, Any]) -> dict[str, Any]:
    if record["follow_up"] is None:  # "absent until a follow-up is recorded"
        record = {k: v for k, v in record.items() if k != "follow_up"}
    return record


class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """No anchors/aliases: a shared date object must be written out twice, as a person would."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump_yaml(data: Any, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        yaml.dump(data, out, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=1000)


def _dump_json(data: Any, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1, default=_json_default)
        out.write("\n")


def write_records(config: Config, plan: dict[str, Any], out_dir: Path,
                  formats: tuple[str, ...] = ("jsonl", "csv")) -> dict[str, str]:
    """Stream the records into records.jsonl and/or records.csv in one pass."""
    files: dict[str, str] = {}
    jsonl = csv_out = writer = None
    try:
        if "jsonl" in formats:
            jsonl = open(out_dir / "records.jsonl", "w", encoding="utf-8")
            files["records_jsonl"] = "records.jsonl"
        if "csv" in formats:
            csv_out = open(out_dir / "records.csv", "w", encoding="utf-8", newline="")
            writer = csv.writer(csv_out, lineterminator="\n")
            writer.writerow(RECORD_COLUMNS)
            files["records_csv"] = "records.csv"
        dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default, separators=(",", ":")).encode
        for record in iter_records(config, plan):
            if jsonl is not None:
                jsonl.write(dumps(_json_record(record)))
                jsonl.write("\n")
            if writer is not None:
                writer.writerow(record_row(record))
    finally:
        for f in (jsonl, csv_out):
            if f is not None:
                f.close()
    return files


def write_entities(config: Config, out_dir: Path, formats: tuple[str, ...] = ("csv",)) -> dict[str, str]:
    files: dict[str, str] = {}
    csv_out = jsonl = writer = None
    try:
        if "csv" in formats:
            csv_out = open(out_dir / "entities.csv", "w", encoding="utf-8", newline="")
            writer = csv.writer(csv_out, lineterminator="\n")
            writer.writerow(ENTITY_COLUMNS)
            files["entities_csv"] = "entities.csv"
        if "jsonl" in formats:
            jsonl = open(out_dir / "entities.jsonl", "w", encoding="utf-8")
            files["entities_jsonl"] = "entities.jsonl"
        for e in iter_entities(config):
            if writer is not None:
                writer.writerow([e.credit_code, e.name, _cell(e.risk_class), e.industry, ";".join(entity_tags(e)),
                                 e.region_code])
            if jsonl is not None:
                jsonl.write(json.dumps({"credit_code": e.credit_code, "name": e.name, "risk_class": e.risk_class,
                                        "industry": e.industry, "tags": entity_tags(e),
                                        "extra": {"region_code": e.region_code}},
                                       ensure_ascii=False, separators=(",", ":")))
                jsonl.write("\n")
    finally:
        for f in (csv_out, jsonl):
            if f is not None:
                f.close()
    return files


def write_inspectors(config: Config, out_dir: Path) -> dict[str, str]:
    with open(out_dir / "inspectors.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(INSPECTOR_COLUMNS)
        for p in iter_inspectors(config):
            writer.writerow([p["id"], p["name"], p["department"], _cell(p["certified"]),
                             ";".join(p["tags"]), ";".join(p["conflicts"])])
    return {"inspectors_csv": "inspectors.csv"}


PARTS = ("plan", "records", "submissions", "entities", "inspectors")


def generate(config: Config, out_dir: Path | str, parts: tuple[str, ...] = PARTS,
             record_formats: tuple[str, ...] = ("jsonl", "csv"),
             entity_formats: tuple[str, ...] = ("csv",)) -> dict[str, Any]:
    """Write the requested parts into out_dir and return (and write) the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if "records" in parts and config.records > config.entities:
        raise ValueError("records must not exceed entities: each clean record inspects a different business")
    counts = config.counts()
    started = time.perf_counter()
    plan = generate_plan(config)
    files: dict[str, str] = {}
    if "plan" in parts:
        _dump_yaml(plan, out_dir / "plan.yaml")
        _dump_json(plan, out_dir / "plan.json")
        files.update(plan_yaml="plan.yaml", plan_json="plan.json")
    if "submissions" in parts:
        _dump_yaml(generate_submissions(config), out_dir / "submissions.yaml")
        files["submissions"] = "submissions.yaml"
    if "records" in parts:
        files.update(write_records(config, plan, out_dir, record_formats))
    if "entities" in parts:
        files.update(write_entities(config, out_dir, entity_formats))
    if "inspectors" in parts:
        files.update(write_inspectors(config, out_dir))
    config_dict = dataclasses.asdict(config)
    config_dict["waiver_rules"] = list(config.waiver_rules)
    manifest = {
        "generator": "benchmarks/generate.py",
        "config": config_dict,
        "parts": list(parts),
        "files": files,
        "violations": counts if "records" in parts else {},
        "as_of": config.as_of.isoformat(),
        "seconds": round(time.perf_counter() - started, 2),
    }
    _dump_json(manifest, out_dir / "manifest.json")
    return manifest


def waivable_rules(ruleset_path: Path) -> tuple[str, ...]:
    """Ids of the waivable rules of a ruleset file (its own rules only; empty if unreadable)."""
    try:
        data = yaml.load(ruleset_path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return ()
    rules = (data or {}).get("rules") if isinstance(data, dict) else None
    if rules is None and isinstance(data, dict) and isinstance(data.get("ruleset"), dict):
        rules = data["ruleset"].get("rules")
    return tuple(r["id"] for r in rules or () if isinstance(r, dict) and r.get("waivable") and "id" in r)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Write synthetic, seeded plan/records/submissions/directories.")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "data" / "generated")
    p.add_argument("--seed", type=int, default=Config.seed)
    p.add_argument("--year", type=int, default=Config.year)
    p.add_argument("--tasks", type=int, default=Config.tasks)
    p.add_argument("--records", type=int, default=Config.records)
    p.add_argument("--entities", type=int, default=None, help="default: max(2 x records, 1000)")
    p.add_argument("--inspectors", type=int, default=Config.inspectors)
    p.add_argument("--violation-share", type=float, default=0.02, help="share of records for each violation kind")
    p.add_argument("--share", action="append", default=[], metavar="KIND=SHARE",
                   help=f"override one kind's share; kinds: {', '.join(VIOLATION_KINDS)}")
    p.add_argument("--waiver-rule", action="append", default=None, metavar="RULE_ID",
                   help="rule id task waivers name (default: the waivable rules of rulesets/qinghe-2026.yaml)")
    p.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    p.add_argument("--record-formats", default="jsonl,csv")
    p.add_argument("--entity-formats", default="csv")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    shares = {kind: args.violation_share for kind in VIOLATION_KINDS}
    for item in args.share:
        kind, _, value = item.partition("=")
        if kind not in VIOLATION_KINDS:
            print(f"unknown violation kind {kind!r}; kinds: {', '.join(VIOLATION_KINDS)}", file=sys.stderr)
            return 2
        shares[kind] = float(value)
    waivers = tuple(args.waiver_rule) if args.waiver_rule is not None else \
        waivable_rules(REPO / "rulesets" / "qinghe-2026.yaml")
    config = Config(seed=args.seed, year=args.year, tasks=args.tasks, records=args.records,
                    entities=args.entities if args.entities is not None else max(2 * args.records, 1000),
                    inspectors=args.inspectors, shares=shares, waiver_rules=waivers)
    try:
        manifest = generate(config, args.out, tuple(p for p in args.parts.split(",") if p),
                            tuple(args.record_formats.split(",")), tuple(args.entity_formats.split(",")))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {', '.join(manifest['files'].values())} to {args.out} in {manifest['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
