"""The columns of a records CSV: the flattened field names of DATA.md, the Chinese
labels departments' spreadsheets use, and the cell values written in Chinese.

Documented for staff in docs/records-csv.md (keep the two in step; a test checks that
every label here appears there)."""

from __future__ import annotations

# canonical column -> how its cells are read
#   str: text; bool: true/false (also 是/否, 1/0); date: YYYY-MM-DD (also YYYY/M/D);
#   ids: `;`-separated inspector ids; flags: `;`-separated booleans, one per inspector
COLUMN_KINDS: dict[str, str] = {
    "id": "str",
    "task_id": "str",
    "entity.credit_code": "str",
    "entity.name": "str",
    "entity.is_enterprise": "bool",
    "entity.risk_class": "str",
    "inspectors": "ids",
    "inspectors.certified": "flags",
    "inspectors.drawn_randomly": "flags",
    "inspectors.conflict_of_interest": "flags",
    "drawn_randomly": "bool",
    "method": "str",
    "inspected_on": "date",
    "problems_found": "bool",
    "result_entered_on": "date",
    "result_published_on": "date",
    "follow_up.action": "str",
    "follow_up.recorded_on": "date",
    "follow_up.published_on": "date",
    "platform": "str",
}

REQUIRED_COLUMNS = ("id", "task_id", "inspectors", "inspected_on")

# other spellings of a column -> the canonical column
COLUMN_ALIASES: dict[str, str] = {
    "inspectors.id": "inspectors",
    "记录编号": "id",
    "检查记录编号": "id",
    "任务编号": "task_id",
    "抽查任务编号": "task_id",
    "统一社会信用代码": "entity.credit_code",
    "主体名称": "entity.name",
    "企业名称": "entity.name",
    "市场主体名称": "entity.name",
    "是否企业": "entity.is_enterprise",
    "信用风险等级": "entity.risk_class",
    "风险等级": "entity.risk_class",
    "检查人员": "inspectors",
    "检查人员编号": "inspectors",
    "检查人员是否持证": "inspectors.certified",
    "检查人员是否随机抽取": "inspectors.drawn_randomly",
    "检查人员是否存在利害关系": "inspectors.conflict_of_interest",
    "是否随机抽取": "drawn_randomly",
    "检查对象是否随机抽取": "drawn_randomly",
    "检查方式": "method",
    "检查日期": "inspected_on",
    "是否发现问题": "problems_found",
    "结果录入日期": "result_entered_on",
    "结果公示日期": "result_published_on",
    "后续处置": "follow_up.action",
    "处置措施": "follow_up.action",
    "处置录入日期": "follow_up.recorded_on",
    "处置回填日期": "follow_up.recorded_on",
    "处置公示日期": "follow_up.published_on",
    "录入平台": "platform",
    "平台": "platform",
}

# cell values written in Chinese -> the values of DATA.md, per canonical column
VALUE_LABELS: dict[str, dict[str, str]] = {
    "method": {"现场检查": "onsite", "书面检查": "document_review", "信息共享": "information_sharing",
               "网络监测": "online_monitoring", "视频检查": "video", "视频": "video"},
    "follow_up.action": {"立案查处": "case_filed", "移送": "transferred", "移送处理": "transferred",
                         "移送司法": "judicial_referral", "责令整改": "rectification", "无需处置": "none_needed"},
    "platform": {"省双随机平台": "provincial", "省级平台": "provincial", "其他": "other"},
}

TRUE_CELLS = frozenset({"true", "TRUE", "True", "1", "是"})
FALSE_CELLS = frozenset({"false", "FALSE", "False", "0", "否"})
LIST_SEPARATORS = (";", "；", "、")


def canonical_column(header: str) -> str | None:
    """The canonical name of a header cell, or None when it is unknown."""
    name = header.strip()
    if name in COLUMN_KINDS:
        return name
    if name in COLUMN_ALIASES:
        return COLUMN_ALIASES[name]
    if name.startswith("extra.") and len(name) > len("extra."):
        return name
    return None
