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

import pytest
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


def test_a_markdown_plan_check_still_renders_through_its_template():
    got = _modules_after(f"""
        from shuangsuiji_core.commands.check_plan import main
        main(["--format", "markdown", "--lang", "en", "--as-of", "2026-12-31", {str(PLAN)!r}])
    """)
    assert "jinja2" in got["modules"]  # Markdown is a Jinja template: imported when needed
    assert "qinghe-2026" in got["stdout"]


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


# -- the text format without Jinja is the text template, byte for byte ---------------------
from policy_rules import render as _render  # noqa: E402
from policy_rules.i18n import Text as _Text  # noqa: E402
from report_samples import clean_report, hostile_report, sample_report  # noqa: E402


def _both(reports, lang, color):
    return (_render.render_reports(reports, "text", lang, color=color),
            _render._render_template(reports, "text", "en" if lang == "en" else "zh", color))


def _many_offenders():
    """Every optional part of a line: measured without threshold, a due date, notes."""
    base = sample_report()
    extra = [f.model_copy(update={"rule_id": f.rule_id + "-DUE", "threshold": None, "due": "2026-03-31"})
             for f in base.findings if f.status.value == "pending"]
    extra += [f.model_copy(update={"rule_id": f.rule_id + "-BARE", "measured": None, "due": "2026-12-31"})
              for f in base.findings if f.status.value == "pending"]
    assert extra
    report = base.model_copy(update={"findings": base.findings + extra})
    report.warnings.append(_Text(zh="警告  一\n二", en="a warning\twith  spaces"))
    report.engine_notes.append(_Text(zh="引擎说明", en="an engine note"))
    return report


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("make", [lambda: [sample_report()], lambda: [hostile_report()], lambda: [clean_report()],
                                  lambda: [_many_offenders()],
                                  lambda: [sample_report("a/plan.yaml", "a/r.yaml"), hostile_report(), clean_report()]])
def test_text_in_python_equals_the_text_template(make, lang, color):
    python_text, template_text = _both(make(), lang, color)
    assert python_text == template_text
    assert python_text.endswith("\n")


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
       st.text(st.characters(blacklist_categories=("Cs",)), max_size=30), st.sampled_from(["zh", "en"]))
def test_text_in_python_equals_the_template_for_any_author_text(title, message, lang):
    base = hostile_report()
    report = base.model_copy(update={"findings": [
        f.model_copy(update={"title": _Text(zh=title or "t", en=title or "t"), "message": _Text(zh=message, en=message)})
        for f in base.findings]})
    python_text, template_text = _both([report], lang, False)
    assert python_text == template_text


def test_a_text_plan_check_does_not_import_jinja():
    got = _modules_after(f"""
        from shuangsuiji_core.commands.check_plan import main
        main(["--as-of", "2026-12-31", {str(PLAN)!r}])
    """)
    assert "plan.yaml:" in got["stdout"] and "qinghe-2026" in got["stdout"]
    assert "jinja2" not in got["modules"]
