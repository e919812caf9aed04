"""The double-random draw (双随机抽取) and its public verification.

    from shuangsuiji_core.draw import load_draw_task, run_draw, verify_draw, render_notice
    task = load_draw_task("task.yaml")
    record = run_draw("entities.csv", "inspectors.csv", task, seed="2026-03-31 福彩3D 第2026083期 517")
    open("draw.json", "w", encoding="utf-8").write(record.to_json())

See docs/draw.md for the method, its rules and a worked example.
"""

from .directories import EntityRow, InspectorRow, iter_entities, load_inspectors
from .notice import render_notice
from .ranking import METHOD_VERSION
from .record import DrawRecord, load_draw_record
from .run import check_seed, draw_from_rows, run_draw
from .task import DrawTask, load_draw_task
from .verify import GroupMismatch, Verification, compare_groups, compare_with_records, verify_draw

__all__ = [
    "EntityRow", "InspectorRow", "iter_entities", "load_inspectors", "render_notice", "METHOD_VERSION",
    "DrawRecord", "load_draw_record", "check_seed", "draw_from_rows", "run_draw", "DrawTask", "load_draw_task",
    "Verification", "compare_with_records", "compare_groups", "GroupMismatch", "verify_draw",
]
