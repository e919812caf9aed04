"""Every problem code the loaders can raise is explained in docs/input-errors.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "policy_rules" / n for n in ("yaml_source.py", "json_source.py", "validation.py", "quantities.py")] + \
    sorted((ROOT / "shuangsuiji_core" / "loading").glob("*.py")) + \
    [ROOT / "shuangsuiji_core" / n for n in ("plan.py", "records.py", "submissions.py")]
CODE = re.compile(r"[\"']((?:file|yaml|schema|csv|json|jsonl|records|record|plan|submission|ratio|month_day)"
                  r"\.[a-z_0-9]+)[\"']")
FILE_SUFFIXES = ("yaml", "yml", "json", "jsonl", "csv")


def test_every_code_is_documented():
    codes = {m for path in SOURCES for m in CODE.findall(path.read_text(encoding="utf-8"))
             if m.rsplit(".", 1)[1] not in FILE_SUFFIXES}
    assert len(codes) > 40
    doc = (ROOT / "docs" / "input-errors.md").read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in doc) == []
