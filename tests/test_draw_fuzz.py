"""Whatever the bytes, reading a directory or a task either succeeds or raises InputError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policy_rules.errors import InputError
from shuangsuiji_core.draw import load_draw_record, load_draw_task
from shuangsuiji_core.draw.directories import iter_entities, load_inspectors
from shuangsuiji_core.draw.synthetic import credit_code

PIECES = [credit_code(0), credit_code(1), "credit_code", "name", "risk_class", "industry", "tags", "id", "certified",
          "conflicts", "true", "是", "A", "E", ",", ";", "\n", '"', "{", "}", "[", "]", ":", "null", "食品", "\ufeff",
          "inspectors:", "draw_task:", "  - ", "sampling_ratio", "0.5", "120%", "\x00", "\r\n"]
text = st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=40).map("".join)
raw = st.binary(max_size=200)


def read_all(suffix: str, data: bytes, reader) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_bytes(data)
        try:
            reader(path)
        except InputError as exc:
            assert exc.render("zh") and exc.render("en")


@given(st.sampled_from([".csv", ".jsonl"]), text | raw.map(lambda b: b.decode("latin-1")), st.sampled_from(["utf-8", "gbk"]))
@settings(max_examples=300, deadline=None)
def test_entity_directory_never_crashes(suffix, content, encoding):
    data = content.encode(encoding, errors="replace") if isinstance(content, str) else content
    read_all(suffix, data, lambda p: list(iter_entities(p)))


@given(st.sampled_from([".csv", ".jsonl", ".yaml"]), text)
@settings(max_examples=300, deadline=None)
def test_inspector_directory_never_crashes(suffix, content):
    read_all(suffix, content.encode("utf-8"), load_inspectors)


@given(text)
@settings(max_examples=200, deadline=None)
def test_task_and_record_never_crash(content):
    read_all(".yaml", content.encode("utf-8"), load_draw_task)
    read_all(".json", content.encode("utf-8"), load_draw_record)
