"""`draw` and `verify-draw` on the command line: outputs, exit codes, errors without tracebacks."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from shuangsuiji_core.commands.draw import main
from shuangsuiji_core.draw.synthetic import credit_code, inspector_rows, write_entities_csv, write_inspectors_csv

SEED = "2026-03-31 福彩3D 517"


@pytest.fixture
def d(tmp_path: Path) -> Path:
    write_entities_csv(tmp_path / "e.csv", 1500, "cli")
    write_inspectors_csv(tmp_path / "i.csv", inspector_rows(30, "cli"))
    (tmp_path / "t.yaml").write_text(
        "draw_task:\n  id: T-1\n  name: 测试任务\n  scope: {industry: [食品销售, 餐饮服务]}\n"
        "  sampling_ratio: 0.1\n  required_inspector_tags: [食品安全]\n  max_groups_per_inspector: 20\n", encoding="utf-8")
    return tmp_path


def args(d: Path, *extra: str) -> list[str]:
    return ["--entities", str(d / "e.csv"), "--inspectors", str(d / "i.csv"), "--task", str(d / "t.yaml"), *extra]


def digests(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir() if p.suffix in (".csv", ".yaml")}


def test_draw_then_verify(d, capsys):
    before = digests(d)
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw.json"), "--notice", str(d / "notice.md"))]) == 0
    err = capsys.readouterr().err
    assert "抽取完成" in err
    assert digests(d) == before  # inputs are never modified
    record = json.loads((d / "draw.json").read_text(encoding="utf-8"))
    assert record["seed"] == SEED and record["selected"]
    assert "公示" in (d / "notice.md").read_text(encoding="utf-8")
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw2.json"), "--notice", str(d / "公示.html"), "-q")]) == 0
    assert (d / "公示.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["verify-draw", "--record", str(d / "draw.json"), *args(d)]) == 0
    assert "一致" in capsys.readouterr().out
    assert main(["verify-draw", "--record", str(d / "draw.json"), *args(d, "--seed", SEED, "--lang", "en", "--format", "json")]) == 0
    assert json.loads(capsys.readouterr().out)["matches"] is True


def test_record_to_stdout_is_identical_to_the_file(d, capsys):
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "a.json"), "--quiet")]) == 0
    capsys.readouterr()
    assert main(["draw", *args(d, "--seed", SEED)]) == 0
    assert capsys.readouterr().out == (d / "a.json").read_text(encoding="utf-8")


def test_seed_file_drops_one_final_newline(d, capsys):
    (d / "seed.txt").write_text(SEED + "\n", encoding="utf-8")
    assert main(["draw", *args(d, "--seed-file", str(d / "seed.txt"), "--output", str(d / "a.json"))]) == 0
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "b.json"))]) == 0
    assert (d / "a.json").read_bytes() == (d / "b.json").read_bytes()


def test_tampered_record_exit_1_names_the_entities(d, capsys):
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw.json"))]) == 0
    record = json.loads((d / "draw.json").read_text(encoding="utf-8"))
    drawn = {e["credit_code"] for e in record["selected"]}
    swapped_out = record["selected"][0]["credit_code"]
    replacement = next(code for code in (credit_code(i) for i in range(1500)) if code not in drawn)
    record["selected"][0]["credit_code"] = replacement
    (d / "forged.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify-draw", "--record", str(d / "forged.json"), *args(d)]) == 1
    out = capsys.readouterr().out
    assert "不一致" in out and swapped_out in out and replacement in out


def test_announced_seed_differs(d, capsys):
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw.json"))]) == 0
    capsys.readouterr()
    assert main(["verify-draw", "--record", str(d / "draw.json"), *args(d, "--seed", "另一个种子", "--lang", "en")]) == 1
    assert "not the announced seed" in capsys.readouterr().out


def test_unstaffable_draw_exits_2_with_a_bilingual_message(d, capsys):
    write_inspectors_csv(d / "i.csv", inspector_rows(3, "cli", uncertified_every=0))
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw.json"))]) == 2
    err = capsys.readouterr().err
    assert "draw.unstaffable" in err and "i.csv" in err
    assert not (d / "draw.json").exists()


def test_output_onto_an_input_is_refused(d, capsys):
    before = digests(d)
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "e.csv"))]) == 2
    assert "cli.output_is_input" in capsys.readouterr().err
    assert digests(d) == before


def test_bad_inputs_exit_2_located_without_traceback(d):
    (d / "bad.csv").write_text(f"credit_code,name\n{credit_code(0)},甲\n{credit_code(1)[:17]}Q,乙\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "shuangsuiji_core.commands.draw", "draw", "--entities", str(d / "bad.csv"),
                           "--inspectors", str(d / "i.csv"), "--task", str(d / "t.yaml"), "--seed", SEED, "--lang", "en"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{d / 'bad.csv'}:3:1" in proc.stderr and "credit_code" in proc.stderr and "check digit" in proc.stderr


@pytest.mark.parametrize("argv, code", [
    (["draw", "--seed", ""], "draw.seed"),
    (["draw", "--seed", "a\tb"], "draw.seed"),
    (["draw", "--seed", "x", "--inspectors-per-group", "1"], "cli.task_override"),
    (["verify-draw", "--record", "missing.json"], "file.not_found"),
])
def test_argument_problems(d, capsys, argv, code):
    cmd, *rest = argv
    assert main([cmd, *rest, *args(d)]) == 2
    assert code in capsys.readouterr().err


def test_missing_required_option_is_a_usage_error(d, capsys):
    with pytest.raises(SystemExit) as info:
        main(["draw", *args(d)])
    assert info.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_register_adds_both_subcommands():
    import argparse
    from shuangsuiji_core.commands.draw import register
    parser = argparse.ArgumentParser(prog="shuangsuiji")
    register(parser.add_subparsers(dest="command"))
    ns = parser.parse_args(["verify-draw", "--record", "r", "--entities", "e", "--inspectors", "i", "--task", "t"])
    assert callable(ns.run) and ns.format == "text"


def test_a_wrong_task_lists_a_readable_number_of_differences(d, capsys):
    write_entities_csv(d / "e.csv", 6000, "cli-many")
    write_inspectors_csv(d / "i.csv", inspector_rows(200, "cli"))
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw.json"))]) == 0
    (d / "t.yaml").write_text((d / "t.yaml").read_text(encoding="utf-8").replace("id: T-1", "id: T-2"), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify-draw", "--record", str(d / "draw.json"), *args(d)]) == 1
    out = capsys.readouterr().out
    assert "task_sha256" in out and "--format json" in out and len(out.splitlines()) == 102
    assert main(["verify-draw", "--record", str(d / "draw.json"), *args(d, "--format", "json")]) == 1
    assert len(json.loads(capsys.readouterr().out)["differences"]) > 100


def test_verify_checks_a_published_notice(d, capsys):
    assert main(["draw", *args(d, "--seed", SEED, "--output", str(d / "draw.json"), "--notice", str(d / "n.html"), "-q")]) == 0
    base = ["verify-draw", "--record", str(d / "draw.json"), *args(d)]
    assert main([*base, "--notice", str(d / "n.html")]) == 0
    html = (d / "n.html").read_text(encoding="utf-8")
    record = json.loads((d / "draw.json").read_text(encoding="utf-8"))
    dropped = record["selected"][0]["credit_code"]
    (d / "n.html").write_text(html.replace(dropped, "（已删除）"), encoding="utf-8")
    capsys.readouterr()
    assert main([*base, "--notice", str(d / "n.html"), "--lang", "en"]) == 1
    assert "content was changed" in capsys.readouterr().out
