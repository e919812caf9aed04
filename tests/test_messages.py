"""The sandboxed message renderer: documented variables render, hostile templates are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from policy_rules.i18n import Text
from policy_rules.messages import (CONTEXT_VARIABLES, MessageTemplateError, check_template, render_message,
                                   render_text)

CONTEXT = {"measured": "2/5 (40%)", "threshold": ">= 60%", "due": "2026-03-31", "offender_count": 3}


def test_documented_variables_render():
    assert render_message("联合抽查占比 {{ measured }}，低于 {{ threshold }}", CONTEXT) == \
        "联合抽查占比 2/5 (40%)，低于 >= 60%"
    assert render_message("{{ offender_count }} 条记录，{{ due }} 前", CONTEXT) == "3 条记录，2026-03-31 前"


def test_conditionals_and_filters_are_allowed():
    t = "{% if offender_count > 1 %}{{ offender_count }} records{% else %}one record{% endif %}"
    assert check_template(t) is None
    assert render_message(t, CONTEXT) == "3 records"
    assert render_message(t, {**CONTEXT, "offender_count": 1}) == "one record"
    assert render_message("{{ measured | default('—') }}", {**CONTEXT, "measured": None}) == ""


def test_missing_values_render_empty():
    assert render_message("[{{ due }}]", {}) == "[]"


@pytest.mark.parametrize("template,code", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "message.unsafe"),
    ("{{ measured.__class__ }}", "message.unsafe"),
    ("{{ measured['__class__'] }}", "message.unsafe"),
    ("{{ measured|attr('__class__') }}", "message.unsafe"),
    ("{{ cycler.__init__.__globals__.os }}", "message.unsafe"),
    ("{{ lipsum }}", "message.unknown_variable"),
    ("{{ config }}", "message.unknown_variable"),
    ("{{ measurd }}", "message.unknown_variable"),
    ("{% import 'x' as y %}", "message.statement"),
    ("{% include 'x' %}", "message.statement"),
    ("{% set x = 1 %}{{ x }}", "message.statement"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", "message.statement"),
    ("{{ 'a' * 1000000000 }}", "message.statement"),
    ("{{ 9 ** 9 ** 9 }}", "message.statement"),
    ("{{ measured ", "message.syntax"),
])
def test_hostile_or_broken_templates_are_refused_bilingually(template, code):
    problem = check_template(template)
    assert problem is not None and problem.code == code
    assert problem.message.zh and problem.message.en and problem.message.zh != problem.message.en
    with pytest.raises(MessageTemplateError) as info:
        render_message(template, CONTEXT)
    assert info.value.problem.code == code


def test_sandbox_still_guards_method_calls_at_render_time():
    # not caught statically (no underscore), but the immutable sandbox refuses mutation
    with pytest.raises(MessageTemplateError) as info:
        render_message("{{ measured.append(1) }}", {**CONTEXT, "measured": [1]})
    assert info.value.problem.code == "message.render"


def test_render_text_both_languages():
    out = render_text(Text(zh="逾期 {{ offender_count }} 项", en="{{ offender_count }} late"), CONTEXT)
    assert out == Text(zh="逾期 3 项", en="3 late")


@given(st.text(alphabet=st.characters(blacklist_characters="{}%#\r"), max_size=200))
def test_plain_text_renders_to_itself(text):
    assert check_template(text) is None
    assert render_message(text, CONTEXT) == text


def test_context_variables_are_the_documented_four():
    assert CONTEXT_VARIABLES == {"measured", "threshold", "due", "offender_count"}
