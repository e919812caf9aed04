"""`audit --draw`: records checked against a published draw record."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from shuangsuiji_core.commands import audit
from shuangsuiji_core.credit_code import check_digit

from cli_helpers import run_main

DRAW = Path(__file__).resolve().parent / "data" / "draw" / "draw.json"
PLAN = Path(__file__).resolve().parent.parent / "examples" / "qinghe-2026" / "plan.yaml"


def _record(rid: str, code: str, inspectors: list[str]) -> dict:
    return {"id": rid, "task_id": "QH-2026-001", "entity": {"credit_code": code, "name": "某经营部", "risk_class": "A"},
            "inspectors": [{"id": i, "certified": True, "drawn_randomly": True, "conflict_of_interest": False}
                           for i in inspectors],
            "drawn_randomly": True, "method": "onsite", "inspected_on": "2026-05-12", "problems_found": False,
            "result_entered_on": "2026-05-14", "result_published_on": "2026-05-15", "platform": "provincial"}


def _write_records(tmp_path: Path) -> tuple[Path, dict]:
    selected = json.loads(DRAW.read_text(encoding="utf-8"))["selected"]
    assert len(selected) >= 3
    outsider = "91130534MA0A1B2C3" + check_digit("91130534MA0A1B2C3")
    assert outsider not in {e["credit_code"] for e in selected}
    wrong_group = ["QH999", selected[1]["inspectors"][0]]
    records = [
        _record("R-1", selected[0]["credit_code"], selected[0]["inspectors"]),  # as drawn
        _record("R-2", selected[1]["credit_code"], wrong_group),                # another inspector
        _record("R-3", outsider, selected[0]["inspectors"]),                    # a business not drawn
    ]
    path = tmp_path / "records.yaml"
    path.write_text(yaml.safe_dump({"records": records}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    expect = {"not_drawn": "R-3", "group": "R-2",
              "never_inspected": sorted(e["credit_code"] for e in selected[2:])}
    return path, expect


def _findings(out: str) -> dict:
    return {f["rule_id"]: f for f in json.loads(out)["findings"]}


def test_draw_findings_name_each_departure_from_the_draw(tmp_path, capsys):
    records, expect = _write_records(tmp_path)
    rc, out, err = run_main(audit.main, ["--plan", str(PLAN), "--records", str(records), "--draw", str(DRAW),
                                         "--as-of", "2026-12-31", "--format", "json"], capsys)
    assert rc == 1, err
    found = _findings(out)
    not_drawn = found["DRAW-INSPECTED-NOT-DRAWN"]
    assert not_drawn["status"] == "fail"
    assert [o["id"] for o in not_drawn["offenders"]] == [expect["not_drawn"]]
    assert not_drawn["offenders"][0]["location"]["file"] == str(records)
    assert not_drawn["offenders"][0]["location"]["line"] > 1
    group = found["DRAW-GROUP-NOT-DRAWN"]
    assert [o["id"] for o in group["offenders"]] == [expect["group"]]
    assert group["offenders"][0]["detail"]["not_drawn"] == "QH999"
    never = found["DRAW-DRAWN-NOT-INSPECTED"]
    assert never["status"] == "fail"  # the example task's window closed on 2026-06-30
    assert sorted(o["id"] for o in never["offenders"]) == expect["never_inspected"]
    draw_lines = DRAW.read_text(encoding="utf-8").splitlines()
    selected_at = next(i for i, line in enumerate(draw_lines, 1) if line.lstrip().startswith('"selected"'))
    for o in never["offenders"]:  # each points at its own entry in the draw record's selection
        assert o["location"]["line"] > selected_at
        assert f'"credit_code": "{o["id"]}"' in draw_lines[o["location"]["line"] - 1]
    assert "双随机、一公开" == never["source"]["quote"]
    assert str(DRAW) in json.loads(out)["inputs"]


def test_not_yet_inspected_is_pending_while_the_window_is_open(tmp_path, capsys):
    records, _ = _write_records(tmp_path)
    rc, out, _ = run_main(audit.main, ["--plan", str(PLAN), "--records", str(records), "--draw", str(DRAW),
                                       "--as-of", "2026-06-01", "--format", "json"], capsys)
    assert _findings(out)["DRAW-DRAWN-NOT-INSPECTED"]["status"] == "pending"


def test_records_exactly_as_drawn_pass(tmp_path, capsys):
    selected = json.loads(DRAW.read_text(encoding="utf-8"))["selected"]
    path = tmp_path / "records.yaml"
    records = [_record(f"R-{i}", e["credit_code"], e["inspectors"]) for i, e in enumerate(selected, 1)]
    path.write_text(yaml.safe_dump({"records": records}, allow_unicode=True), encoding="utf-8")
    rc, out, _ = run_main(audit.main, ["--plan", str(PLAN), "--records", str(path), "--draw", str(DRAW),
                                       "--as-of", "2026-12-31", "--format", "json", "--fail-on", "none"], capsys)
    assert rc == 0
    found = _findings(out)
    assert {found[r]["status"] for r in ("DRAW-INSPECTED-NOT-DRAWN", "DRAW-GROUP-NOT-DRAWN",
                                         "DRAW-DRAWN-NOT-INSPECTED")} == {"pass"}


def test_draw_without_records_cannot_run(capsys):
    rc, _, err = run_main(audit.main, ["--plan", str(PLAN), "--draw", str(DRAW), "--submissions",
                                       str(PLAN.parent / "submissions.yaml")], capsys)
    assert rc == 2 and "--records" in err and "Traceback" not in err


def test_unreadable_draw_record_is_located(tmp_path, capsys):
    records, _ = _write_records(tmp_path)
    bad = tmp_path / "draw.json"
    bad.write_text('{"format": 1}', encoding="utf-8")
    rc, _, err = run_main(audit.main, ["--plan", str(PLAN), "--records", str(records), "--draw", str(bad)], capsys)
    assert rc == 2 and "draw.json" in err and "Traceback" not in err


def test_a_bad_draw_record_is_refused_before_the_records_are_read(tmp_path, capsys):
    bad = tmp_path / "draw.json"
    bad.write_text('{"format": 1}', encoding="utf-8")
    broken_records = tmp_path / "records.yaml"
    broken_records.write_text("records:\n  - id: R-1\n    id: R-2\n", encoding="utf-8")  # duplicate key
    rc, _, err = run_main(audit.main, ["--plan", str(PLAN), "--records", str(broken_records), "--draw", str(bad)],
                          capsys)
    assert rc == 2 and "draw.json" in err
    assert "records.yaml" not in err  # the draw record was refused first, before the audit began
