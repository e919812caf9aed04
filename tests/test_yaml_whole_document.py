"""Property: reading a whole document (`load_yaml_text`, the inline loop of
`_Builder.read_all`) gives exactly what feeding the same events one at a time through
`_Builder.feed` gives (the streaming path): the same values, positions, key positions,
remembered `yes`/`no` and `key：value` paths, and the same problems in the same order."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_rules import yaml_source
from policy_rules.errors import InputError
from policy_rules.yaml_source import iter_yaml_items, load_yaml_text

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# a path no generated document uses: the streaming reader runs, but streams nothing
NEVER = (("\x00never",),)

WORDS = st.sampled_from(["yes", "No", "on", "OFF", "y", "true", "False", "null", "~", "", "0", "-1", "+2", "1_000",
                         "0x1A", "1.5", ".5", "-.inf", ".NaN", "1e3", "2026-05-12", "2026-02-30", "60%", "10％",
                         "id：QH-1", "名称：值", "<<", "a: b", "- x", "&a", "*a", "!!str", "12:30", "'q'", "\"q\""])
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
           | st.text(max_size=8) | WORDS | st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)))
KEYS = WORDS | st.text(min_size=1, max_size=5)
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                    max_leaves=30)
# lines that put the unusual cases into a document: anchors and aliases, tags,
# duplicate and merge keys, complex keys, folded full-width keys, several documents
SNIPPETS = st.sampled_from([
    "a: &x [1, 2]\nb: *x\n", "a: &x {k: v}\nb: *x\nc: *y\n", "a: &s text\nb: *s\n", "? [1]\n: v\n", "? {k: v}\n: w\n",
    "a: 1\na: 2\n", "<<: {k: v}\n", "a: !!int '3'\n", "a: !!str 3\n", "a: !custom x\n", "a: !!map {k: v}\n",
    "a: !!set {k}\n", "a: !!float x\n", "a: !!bool maybe\n", "a: !!null ''\n", "a: !!timestamp 2026-01-02\n",
    "a: ! 5\n", "a: text\n  id：QH-1\n", "k: &a [*a]\n", "---\na: 1\n---\nb: 2\n", "a: [1, &q 2, *q]\n",
    "a:\n  - &m {x: 1}\n  - *m\n", "*a : 1\n", "a: b: c\n", "\ta: 1\n", "a: 'unterminated\n", "a: 2026-13-01\n",
    "a:\n  b:\n    c:\n      d: [[[[1]]]]\n", "a: \u2028b\n", "x: 1\u2029y: 2\n", "key\x85: v\n",
])


def _read(text: str, emit):
    """(document, None) or (None, rendered problems) for one way of reading."""
    items = iter_yaml_items(text, "f.yaml", emit=emit)
    try:
        while True:
            next(items)
    except StopIteration as stop:
        return stop.value, None
    except InputError as exc:
        return None, [(p.render("zh"), p.render("en"), p.location, p.path) for p in exc.problems]


def _same_reading(text: str) -> None:
    whole, whole_problems = _read(text, ())
    fed, fed_problems = _read(text, NEVER)
    assert whole_problems == fed_problems
    if whole is None:
        return
    assert repr(whole.data) == repr(fed.data)  # repr: nan != nan, and bool/int kept apart
    assert whole.positions == fed.positions
    assert whole.key_positions == fed.key_positions
    assert whole.yaml11_bool_paths == fed.yaml11_bool_paths
    assert whole.fullwidth_colon_paths == fed.fullwidth_colon_paths
    assert list(whole.positions) == list(fed.positions)  # the same order too


@FUZZ
@given(DOCS, st.sampled_from([None, False, True]), st.lists(SNIPPETS, max_size=3), st.sampled_from([0, 1, 2]))
def test_whole_document_reads_like_the_event_stream(doc, flow, snippets, where):
    text = yaml.safe_dump(doc if isinstance(doc, dict) else {"top": doc}, allow_unicode=True,
                          default_flow_style=flow, sort_keys=False)
    lines = text.splitlines(keepends=True)
    for snippet in snippets:
        lines.insert(min(where, len(lines)), snippet)
    _same_reading("".join(lines))


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("[]{}:-,&*!|>'\"#%@` \n\t?<ab1：％yo")), max_size=200))
def test_whole_document_reads_like_the_event_stream_on_punctuation(text):
    _same_reading(text)


def test_the_limits_are_the_same_on_both_paths(monkeypatch):
    monkeypatch.setattr(yaml_source, "MAX_NODES", 5)
    _same_reading("a: [1, 2, 3]\nb: {c: 4, d: 5}\n")
    monkeypatch.setattr(yaml_source, "MAX_DEPTH", 3)
    _same_reading("a: {b: {c: {d: 1}}}\n")
    _same_reading("a: [[[1]]]\n")


def test_a_plan_reads_the_same_on_both_paths():
    from pathlib import Path
    for path in sorted((Path(__file__).resolve().parent.parent / "examples").rglob("*.yaml")):
        _same_reading(path.read_text(encoding="utf-8"))
    assert load_yaml_text("a: yes\n").yaml11_bool_paths == {("a",)}
