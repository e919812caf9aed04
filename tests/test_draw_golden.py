"""A fixed example draw, byte for byte: the method must not drift.

A published draw record must verify for years. If this test fails, the draw method or
the record format changed: records already published would no longer verify. Either
undo the change, or bump METHOD_VERSION / RECORD_FORMAT, keep the old method available
for verifying old records, and only then regenerate these files with the commands in
the docstring below.

Regenerate (only after such a decision), from tests/data/draw/:

    shuangsuiji draw --entities entities.csv --inspectors inspectors.yaml --task task.yaml \
        --seed-file seed.txt -o draw.json --notice notice.zh.md
    shuangsuiji draw --entities entities.csv --inspectors inspectors.yaml --task task.yaml \
        --seed-file seed.txt --lang en -o /dev/null --notice notice.en.md -q
    shuangsuiji draw --entities entities.csv --inspectors inspectors.yaml --task task.yaml \
        --seed-file seed.txt -o /dev/null --notice notice.zh.html -q
"""

from __future__ import annotations

from pathlib import Path

from shuangsuiji_core.commands.draw import main
from shuangsuiji_core.draw import load_draw_record, load_draw_task, render_notice, run_draw

GOLDEN = Path(__file__).resolve().parent / "data" / "draw"


def test_the_example_draw_is_reproduced_byte_for_byte():
    seed = (GOLDEN / "seed.txt").read_text(encoding="utf-8").rstrip("\n")
    record = run_draw(GOLDEN / "entities.csv", GOLDEN / "inspectors.yaml", load_draw_task(GOLDEN / "task.yaml"), seed)
    assert record.to_json() == (GOLDEN / "draw.json").read_text(encoding="utf-8")
    assert render_notice(record, "zh") == (GOLDEN / "notice.zh.md").read_text(encoding="utf-8")
    assert render_notice(record, "en") == (GOLDEN / "notice.en.md").read_text(encoding="utf-8")
    assert render_notice(record, "zh", "html") == (GOLDEN / "notice.zh.html").read_text(encoding="utf-8")


def test_the_example_shows_recusal_and_the_cap():
    record = load_draw_record(GOLDEN / "draw.json")
    reasons = {x.reason for x in record.group_exclusions}
    assert reasons == {"conflict", "cap_reached"}
    assert {tuple(x.reasons) for x in record.directory_exclusions} == {("uncertified",), ("tags",)}


def test_the_example_verifies(capsys):
    argv = ["verify-draw", "--record", str(GOLDEN / "draw.json"), "--entities", str(GOLDEN / "entities.csv"),
            "--inspectors", str(GOLDEN / "inspectors.yaml"), "--task", str(GOLDEN / "task.yaml"),
            "--seed-file", str(GOLDEN / "seed.txt")]
    assert main(argv) == 0
