"""The import diet of a cold `check-plan` (docs/performance.md, "Where the time goes"):
modules a plan check does not use must stay unimported, and the Jinja-free paths that
make that possible must give exactly what Jinja gives. No timing here: speed goals live
in benchmarks/run.py."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import given, settings, strategies as st

from policy_rules import messages
from policy_rules.messages import CONTEXT_VARIABLES, check_template, render_message

REPO = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> dict:
    """Run `code` in a fresh interpreter; the top-level packages imported by then, and what it printed."""
    script = textwrap.dedent(code) + textwrap.dedent("""
        import json as _json, sys as _sys
        _sys.stderr.write("\\n@@" + _json.dumps(sorted({m.split('.')[0] for m in _sys.modules})))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "@@" in proc.stderr, proc.stderr[-2000:]
    head, _, tail = proc.stderr.rpartition("\n@@")
    return {"modules": set(json.loads(tail)), "stdout": proc.stdout, "stderr": head}


PLAN = REPO / "examples" / "qinghe-2026" / "plan.yaml"


def test_importing_the_command_leaves_jinja_and_multiprocessing_out():
    got = _modules_after("import shuangsuiji_core.commands.check_plan")
    assert "jinja2" not in got["modules"]
    assert "markupsafe" not in got["modules"]
    assert "multiprocessing" not in got["modules"]


def test_a_json_plan_check_does_not_import_jinja():
    plan = PLAN
    got = _modules_after(f"""
        from shuangsuiji_core.commands.check_plan import main
        rc = main(["--format", "json", "--as-of", "2026-12-31", {str(plan)!r}])
        print("rc", rc)
    """)
    assert "rc " in got["stdout"], got["stderr"][-2000:]
    report = json.loads(got["stdout"].rsplit("rc ", 1)[0])
    findings = report["findings"] if "findings" in report else report["reports"][0]["findings"]
    assert any(f["status"] == "fail" and "{{" not in f["message"]["zh"] for f in findings)
    # the findings' messages were rendered (qinghe-2026 uses {{ measured }} etc.) without Jinja
    assert "jinja2" not in got["modules"]
    assert "markupsafe" not in got["modules"]


def test_a_text_plan_check_still_renders_through_its_template():
    plan = PLAN
    got = _modules_after(f"""
        from shuangsuiji_core.commands.check_plan import main
        main(["--format", "text", "--lang", "en", "--as-of", "2026-12-31", {str(plan)!r}])
    """)
    assert "jinja2" in got["modules"]  # text is a Jinja template: imported when needed
    assert "qinghe-2026" in got["stdout"] or "plan.yaml" in got["stdout"]


# -- the plain-substitution path gives what the sandbox gives ------------------------------
_literal = st.text(alphabet=st.sampled_from(list("ab 低于占比：%()<>&'\"\n\t-=|*{}\r#")), max_size=12)
_name = st.sampled_from(sorted(CONTEXT_VARIABLES) + ["none", "true", "other"])
_spaces = st.sampled_from(["", " ", "  "])
_value = st.one_of(st.none(), st.integers(-5, 10**6), st.text(max_size=8), st.booleans(),
                   st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def _templates(draw):
    pieces = [draw(_literal)]
    for _ in range(draw(st.integers(0, 4))):
        pieces.append("{{" + draw(_spaces) + draw(_name) + draw(_spaces) + "}}")
        pieces.append(draw(_literal))
    return "".join(pieces)


def _through_jinja(template: str, context: dict):
    """What the sandbox alone says about `template`: (problem code, rendered text)."""
    saved = messages._plain_substitution
    messages._plain_substitution = lambda template: None
    messages._checked.cache_clear()
    messages._compiled.cache_clear()
    try:
        problem = check_template(template)
        try:
            out = render_message(template, context)
        except messages.MessageTemplateError as exc:
            out = ("error", exc.problem.code)
        return (problem.code if problem else None), out
    finally:
        messages._plain_substitution = saved
        messages._checked.cache_clear()
        messages._compiled.cache_clear()


@settings(max_examples=300, deadline=None)
@given(_templates(), st.fixed_dictionaries({}, optional={n: _value for n in sorted(CONTEXT_VARIABLES)}))
def test_plain_substitution_matches_the_sandbox(template, context):
    messages._checked.cache_clear()
    messages._compiled.cache_clear()
    problem = check_template(template)
    try:
        out = render_message(template, context)
    except messages.MessageTemplateError as exc:
        out = ("error", exc.problem.code)
    assert ((problem.code if problem else None), out) == _through_jinja(template, context)


def test_the_shipped_rulesets_messages_take_the_plain_path():
    import yaml

    plain = total = 0
    for path in sorted((REPO / "rulesets").glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        text = path.read_text(encoding="utf-8")
        for doc in yaml.safe_load_all(text):
            for rule in (doc or {}).get("rules", []) or []:
                for template in (rule.get("message") or {}).values():
                    if isinstance(template, str) and "{{" in template:
                        total += 1
                        plain += messages._plain_substitution(template) is not None
    assert total > 0
    assert plain == total
