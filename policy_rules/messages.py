"""Rendering a rule's message template, safely.

Rulesets are hand-edited YAML, and a ruleset may come from someone else, so its message
templates are untrusted text. They are rendered in Jinja's immutable sandbox, and
`check_template` refuses, before anything is rendered, every template that:

- does not parse;
- reaches for an attribute or key starting with `_` (the way out of every sandbox
  escape: `''.__class__.__mro__`, `x['__globals__']`);
- uses a name other than the documented context variables;
- uses statements that have no place in a one-line message (`{% import %}`,
  `{% include %}`, `{% extends %}`, `{% macro %}`, `{% call %}`, `{% set %}`), or
  loops, `*` and `**`, the ways a short template asks for gigabytes or hours;
- uses the `attr` filter (attribute access by string).

Context variables every finding provides (the only names rulesets may use):

- `measured`: the measured value as text ("3/5 (60%)", a count, a date), or empty;
- `threshold`: the threshold as text (">= 60%"), or empty;
- `due`: the due date ("2026-03-31"), or empty;
- `offender_count`: how many objects the finding names (an integer).

Example: ``联合抽查占比 {{ measured }}，低于 {{ threshold }}`` renders as
``联合抽查占比 2/5 (40%)，低于 >= 60%``.

Autoescape is off: messages are plain text. HTML output escapes on output. Line ends
are normalised to "\\n".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from .errors import Problem
from .i18n import Text

CONTEXT_VARIABLES: frozenset[str] = frozenset({"measured", "threshold", "due", "offender_count"})
MAX_TEMPLATE_LENGTH = 4000
MAX_OUTPUT_LENGTH = 20000

_FORBIDDEN_FILTERS = frozenset({"attr"})

# Most messages only substitute context variables ("低于 {{ threshold }}"). Those are
# checked and rendered here without Jinja, which is then never imported: a cold
# `check-plan` spends about a tenth of its time importing it (docs/performance.md).
# The shape is narrow on purpose — text without any brace or carriage return, and
# `{{ name }}` with plain spaces — so that Jinja would parse it as exactly this text
# and these names, and render each value with `str` (autoescape off, every context
# variable defined); anything else goes through the sandbox.
_PLAIN_VARIABLE = re.compile(r"\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}")
_JINJA_CONSTANTS = frozenset({"true", "false", "none", "True", "False", "None"})


def _plain_substitution(template: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(literal pieces, variable names) when `template` is only text and `{{ name }}`
    substitutions, else None (the template needs Jinja)."""
    parts = _PLAIN_VARIABLE.split(template)
    literals, names = tuple(parts[0::2]), tuple(parts[1::2])
    if any("{" in text or "}" in text or "\r" in text for text in literals):
        return None
    if _JINJA_CONSTANTS.intersection(names):
        return None
    return literals, names


class _Substitution:
    """A plain-substitution template, rendered like Jinja renders it."""

    def __init__(self, literals: tuple[str, ...], names: tuple[str, ...]):
        self.literals, self.names = literals, names

    def render(self, context: Mapping[str, Any]) -> str:
        out = [self.literals[0]]
        for name, text in zip(self.names, self.literals[1:]):
            out.append(str(context[name]))
            out.append(text)
        return "".join(out)


@lru_cache(maxsize=1)
def _env():
    from jinja2.runtime import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


@lru_cache(maxsize=1)
def _forbidden_nodes() -> tuple[type, ...]:
    from jinja2 import nodes

    return (
        nodes.Import, nodes.FromImport, nodes.Include, nodes.Extends, nodes.Macro,
        nodes.CallBlock, nodes.Assign, nodes.AssignBlock, nodes.Block, nodes.With,
        nodes.Scope, nodes.OverlayScope, nodes.EvalContextModifier, nodes.ScopedEvalContextModifier,
        # loops and multiplication are how a short template asks for gigabytes or hours
        nodes.For, nodes.Mul, nodes.Pow,
    )


class MessageTemplateError(Exception):
    """A template refused or failing at render time; carries the bilingual Problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.render("zh"))


def _problem(code: str, zh: str, en: str, template: str) -> Problem:
    found = template if len(template) <= 80 else template[:79] + "…"
    return Problem(code=code, message=Text(zh=zh, en=en), found=found,
                   expected=Text(zh="只使用 {{ measured }}、{{ threshold }}、{{ due }}、{{ offender_count }} 的消息模板",
                                 en="a message template using only {{ measured }}, {{ threshold }}, "
                                    "{{ due }}, {{ offender_count }}"))


def check_template(template: str, allowed: Iterable[str] = CONTEXT_VARIABLES) -> Problem | None:
    """None when `template` is safe to render with the documented context; else why not.

    The Problem has no location: the caller (the ruleset loader) knows where the
    template sits in its file and attaches it.
    """
    allowed = frozenset(allowed)
    if not isinstance(template, str):
        return _problem("message.type", "消息模板必须是文本", "a message template must be text", repr(template))
    if len(template) > MAX_TEMPLATE_LENGTH:
        return _problem("message.too_long", f"消息模板超过 {MAX_TEMPLATE_LENGTH} 个字符",
                        f"the message template is longer than {MAX_TEMPLATE_LENGTH} characters", template)
    plain = _plain_substitution(template)
    if plain is not None:
        unknown = [name for name in plain[1] if name not in allowed]
        if not unknown:
            return None
        # an unknown name: the sandbox path below names it, as for any template
    from jinja2 import TemplateSyntaxError, nodes

    forbidden_nodes = _forbidden_nodes()
    try:
        tree = _env().parse(template)
    except TemplateSyntaxError as exc:
        return _problem("message.syntax", f"消息模板语法错误（第 {exc.lineno} 行）：{exc.message}",
                        f"message template syntax error (line {exc.lineno}): {exc.message}", template)
    for node in tree.find_all(nodes.Node):
        if isinstance(node, forbidden_nodes):
            kind = type(node).__name__
            return _problem("message.statement", f"消息模板中不允许使用语句 {kind}（模板只用于一行消息）",
                            f"statement {kind} is not allowed in a message template", template)
        if isinstance(node, nodes.Filter) and node.name in _FORBIDDEN_FILTERS:
            return _problem("message.unsafe", f"消息模板中不允许使用过滤器“{node.name}”（沙箱）",
                            f"the filter '{node.name}' is not allowed in a message template (sandbox)", template)
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            return _problem("message.unsafe", f"消息模板访问了内部属性“{node.attr}”，已拒绝（沙箱）",
                            f"the message template reaches for the internal attribute '{node.attr}': refused (sandbox)",
                            template)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
            return _problem("message.unsafe", f"消息模板访问了内部键“{node.arg.value}”，已拒绝（沙箱）",
                            f"the message template reaches for the internal key '{node.arg.value}': refused (sandbox)",
                            template)
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in allowed:
            names = "、".join(sorted(allowed))
            return _problem("message.unknown_variable",
                            f"消息模板使用了未定义的变量“{node.name}”（可用：{names}）",
                            f"the message template uses the unknown variable '{node.name}' "
                            f"(available: {', '.join(sorted(allowed))})", template)
    return None


def render_message(template: str, context: Mapping[str, Any]) -> str:
    """Render `template` with `context` in the sandbox. Raises MessageTemplateError
    (bilingual) for a template `check_template` refuses or that fails at render time."""
    problem = _checked(template, frozenset(context) | CONTEXT_VARIABLES)
    if problem is not None:
        raise MessageTemplateError(problem)
    full = {name: "" for name in CONTEXT_VARIABLES}
    full.update({k: ("" if v is None else v) for k, v in context.items()})
    compiled = _compiled(template)
    if isinstance(compiled, _Substitution):
        out = compiled.render(full)
    else:
        from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

        try:
            out = compiled.render(full)
        except (SecurityError, UndefinedError, TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise MessageTemplateError(_problem(
                "message.render", f"消息模板渲染失败：{exc}", f"the message template failed to render: {exc}",
                template)) from None
    if len(out) > MAX_OUTPUT_LENGTH:
        out = out[:MAX_OUTPUT_LENGTH - 1] + "…"
    return out


@lru_cache(maxsize=512)
def _checked(template: str, allowed: frozenset[str]) -> Problem | None:
    return check_template(template, allowed)


@lru_cache(maxsize=512)
def _compiled(template: str):
    plain = _plain_substitution(template)
    if plain is not None:
        return _Substitution(*plain)
    return _env().from_string(template)


def prepare_template(template: str) -> None:
    """Check and compile `template` now (raises MessageTemplateError), so rendering later
    allocates nothing new: an evaluation prepares its rules' messages before the stream."""
    problem = _checked(template, CONTEXT_VARIABLES)
    if problem is not None:
        raise MessageTemplateError(problem)
    _compiled(template)


def render_text(message: Text, context: Mapping[str, Any]) -> Text:
    """Both languages of a rule's message, rendered."""
    return Text(zh=render_message(message.zh, context), en=render_message(message.en, context))
