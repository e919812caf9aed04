"""The command line as a whole: --help with examples everywhere, exit codes, no
traceback for any bad input, bilingual argument errors, --output safety, colour rules."""

from __future__ import annotations

import json
import re

import pytest

from shuangsuiji_core.commands import check_plan, main as main_module, ruleset_commands
from shuangsuiji_core.commands.arguments import chinese_message

from cli_helpers import EXAMPLE, run_main, run_script

EX_ARGS = ["--as-of", "2026-07-15", "--records", str(EXAMPLE / "records.yaml"),
           "--submissions", str(EXAMPLE / "submissions.yaml"), str(EXAMPLE / "plan.yaml")]

HELP_COMMANDS = [
    [], ["check-plan"], ["audit"], ["report"], ["report", "monthly"], ["ruleset"], ["policy-rules"],
    *[["ruleset", c] for c in ("list", "show", "lint", "test", "explain", "diff", "schema", "lock")],
]


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=lambda c: " ".join(c) or "shuangsuiji")
def test_every_command_has_help_with_examples(command, capsys):
    rc, out, _ = run_main(main_module.main, [*command, "--help"], capsys)
    assert rc == 0
    assert "示例 / examples:" in out
    # each example line is a real invocation of this tool
    examples = out.split("示例 / examples:", 1)[1]
    assert re.search(r"^\s+(shuangsuiji|check-plan|policy-rules)\b", examples, re.M)


def test_the_draw_commands_are_registered(capsys):
    rc, out, _ = run_main(main_module.main, ["--help"], capsys)
    assert rc == 0 and "draw" in out and "verify-draw" in out


@pytest.mark.parametrize("main", [check_plan.main, ruleset_commands.main])
def test_standalone_scripts_have_help(main, capsys):
    rc, out, _ = run_main(main, ["--help"], capsys)
    assert rc == 0 and "示例 / examples:" in out


def test_argument_errors_are_bilingual_and_exit_2(capsys):
    rc, out, err = run_main(check_plan.main, ["--format", "pdf", "plan.yaml"], capsys)
    assert rc == 2 and out == ""
    assert "参数 --format/-f 的取值 'pdf' 无效" in err
    assert "invalid choice: 'pdf'" in err
    rc, _, err = run_main(check_plan.main, ["--lang", "en", "--fail-on", "never", "plan.yaml"], capsys)
    assert rc == 2 and "invalid choice" in err and "参数" not in err
    rc, _, err = run_main(check_plan.main, [], capsys)
    assert rc == 2 and "缺少必需的参数：FILE" in err


def test_argparse_messages_translate():
    assert chinese_message("unrecognized arguments: --x") == "无法识别的参数：--x"
    assert chinese_message("something new") is None


def _bad_inputs(tmp_path):
    plan = (EXAMPLE / "plan.yaml").read_text(encoding="utf-8")
    files = {
        "missing": tmp_path / "nope.yaml",
        "directory": tmp_path,
        "binary": tmp_path / "binary.yaml",
        "invalid_yaml": tmp_path / "invalid.yaml",
        "empty": tmp_path / "empty.yaml",
        "wrong_field": tmp_path / "wrong_field.yaml",
        "unknown_ruleset": tmp_path / "unknown_ruleset.yaml",
        "no_ruleset": tmp_path / "no_ruleset.yaml",
        "gbk": tmp_path / "gbk.yaml",
    }
    files["binary"].write_bytes(b"\x00\xff\xfe\x00garbage\x89PNG")
    files["invalid_yaml"].write_text("plan: [unclosed\n  - x: {", encoding="utf-8")
    files["empty"].write_text("", encoding="utf-8")
    files["wrong_field"].write_text(plan.replace("mode: joint", "mode: jointly", 1), encoding="utf-8")
    files["unknown_ruleset"].write_text(plan.replace("ruleset: qinghe-2026", "ruleset: atlantis-2026"), encoding="utf-8")
    files["no_ruleset"].write_text(plan.replace("  ruleset: qinghe-2026\n", ""), encoding="utf-8")
    files["gbk"].write_bytes(plan.encode("gbk", errors="replace"))
    broken_ruleset = tmp_path / "broken-ruleset.yaml"
    broken_ruleset.write_text("ruleset:\n  id: Not An Id\nrules: 3\n", encoding="utf-8")
    cases = {name: [str(path)] for name, path in files.items()}
    cases["broken_ruleset"] = ["--ruleset", str(broken_ruleset), str(EXAMPLE / "plan.yaml")]
    cases["bad_records"] = ["--records", str(files["invalid_yaml"]), str(EXAMPLE / "plan.yaml")]
    cases["missing_records"] = ["--records", str(files["missing"]), str(EXAMPLE / "plan.yaml")]
    cases["bad_submissions"] = ["--submissions", str(files["wrong_field"]), str(EXAMPLE / "plan.yaml")]
    cases["output_is_input"] = ["--output", str(EXAMPLE / "plan.yaml"), str(EXAMPLE / "plan.yaml")]
    cases["bad_date"] = ["--as-of", "2026-02-30", str(EXAMPLE / "plan.yaml")]
    return cases


def test_no_traceback_for_bad_inputs(tmp_path, capsys):
    for name, argv in _bad_inputs(tmp_path).items():
        rc, out, err = run_main(check_plan.main, argv, capsys)
        assert rc == 2, (name, out, err)
        assert "Traceback" not in err and "Traceback" not in out, name
        assert err.strip(), name
        if name != "bad_date":  # argparse's own error, tested above
            # located and coded: "file[:line:col]: [code] message"
            assert re.match(r"^\S+?(:\d+:\d+)?: \[[a-z_]+\.[a-z_]+\] \S", err), (name, err)
        assert "内部错误" not in err, (name, err)  # each is a known, explained problem


def test_no_traceback_from_the_real_script(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: {id: 1", encoding="utf-8")
    result = run_script("check-plan", str(bad), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr and "missing.yaml" in result.stderr  # both files reported


def test_unexpected_errors_become_one_bilingual_line(monkeypatch, capsys):
    import shuangsuiji_core.commands.check_plan as cp

    def explode(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(cp, "render_reports", explode)
    rc, _, err = run_main(cp.main, EX_ARGS, capsys)
    assert rc == 2
    assert err.count("\n") == 1 and "内部错误" in err and "internal error" in err and "RuntimeError: boom" in err


def test_output_never_overwrites_an_input(tmp_path, capsys):
    plan = tmp_path / "plan.yaml"
    plan.write_text((EXAMPLE / "plan.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = plan.read_bytes()
    for target in (str(plan), str(tmp_path / "." / "plan.yaml")):
        rc, _, err = run_main(check_plan.main, ["--output", target, str(plan)], capsys)
        assert rc == 2 and "拒绝覆盖" in err
    assert plan.read_bytes() == before


def test_output_file_gets_the_rendered_result(tmp_path, capsys):
    out = tmp_path / "report.json"
    rc, stdout, err = run_main(check_plan.main, ["--format", "json", "--output", str(out), *EX_ARGS], capsys)
    assert rc == 1 and stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["ruleset_id"] == "qinghe-2026"
    assert "结果已写入" in err
    rc, _, err = run_main(check_plan.main, ["--quiet", "--format", "json", "--output", str(out), *EX_ARGS], capsys)
    assert rc == 1 and err == ""


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path):
    from shuangsuiji_core.commands.output import wants_colour

    class Tty:
        def isatty(self):
            return True

    class Pipe:
        def isatty(self):
            return False

    env = {"TERM": "xterm"}
    import os
    old = dict(os.environ)
    try:
        os.environ.pop("NO_COLOR", None)
        os.environ.update(env)
        assert wants_colour(Tty(), None)
        assert not wants_colour(Pipe(), None)
        assert not wants_colour(Tty(), "out.txt")
        os.environ["NO_COLOR"] = "1"
        assert not wants_colour(Tty(), None)
    finally:
        os.environ.clear()
        os.environ.update(old)
    # a real run into a pipe has no escape codes
    result = run_script("check-plan", *EX_ARGS)
    assert result.returncode == 1 and "\033[" not in result.stdout


def _run_on_a_terminal(env_extra: dict) -> str:
    """Run check-plan with stdout on a pseudo-terminal; return what it printed."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"} | env_extra
    from cli_helpers import script
    proc = subprocess.Popen([script("check-plan"), *EX_ARGS], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_colour_on_a_real_terminal_unless_no_color():
    coloured = _run_on_a_terminal({})
    assert "\033[1;31merror\033[0m" in coloured
    plain = _run_on_a_terminal({"NO_COLOR": "1"})
    assert "QH-CLOSED-LOOP" in plain and "\033[" not in plain


@pytest.mark.parametrize("main", [main_module.main, check_plan.main, ruleset_commands.main])
def test_version(main, capsys):
    from importlib import metadata
    rc, out, _ = run_main(main, ["--version"], capsys)
    assert rc == 0 and out.strip().endswith(metadata.version("shuangsuiji"))


def test_unwritable_output_is_a_clean_error(tmp_path, capsys):
    rc, out, err = run_main(check_plan.main, ["--output", str(tmp_path / "no" / "such" / "dir.json"), *EX_ARGS], capsys)
    assert rc == 2 and "cli.output_unwritable" in err and "Traceback" not in err
    assert not list(tmp_path.rglob("*.tmp*"))  # no half-written file left behind
