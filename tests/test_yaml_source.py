"""The located YAML/JSON reader: positions, and every hostile or mistaken input refused
with a located problem, quickly."""

import json
import time

import pytest
import yaml

from policy_rules.errors import InputError
from policy_rules.yaml_source import (MAX_DEPTH, iter_yaml_items, load_yaml_file, load_yaml_text)

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if getattr(yaml, "__with_libyaml__", False) else [])


def problems(text, **kw):
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "f.yaml", **kw)
    return info.value.problems


def test_positions_of_values_and_keys():
    doc = load_yaml_text("plan:\n  id: X\n  tasks:\n    - {id: T1, n: 2}\n", "f.yaml")
    assert doc.data == {"plan": {"id": "X", "tasks": [{"id": "T1", "n": 2}]}}
    loc = doc.locate(("plan", "tasks", 0, "n"))
    assert (loc.file, loc.line, loc.column) == ("f.yaml", 4, 19)
    assert doc.locate_key(("plan", "id")).column == 3
    # a path that does not exist falls back to its nearest located ancestor
    assert doc.locate(("plan", "tasks", 0, "missing")).line == 4


def test_yaml12_scalars_yes_no_stay_text_and_are_remembered():
    doc = load_yaml_text("a: yes\nb: no\nc: on\nd: true\ne: 2026-05-12\nf: '2026-05-12'\ng: 1.5\nh: ~\ni: 007x\n")
    assert doc.data["a"] == "yes" and doc.data["b"] == "no" and doc.data["c"] == "on"
    assert doc.data["d"] is True and doc.data["h"] is None and doc.data["g"] == 1.5
    assert str(doc.data["e"]) == "2026-05-12" and doc.data["f"] == "2026-05-12"
    assert doc.yaml11_bool_paths == {("a",), ("b",), ("c",)}


def test_keys_are_always_text():
    assert load_yaml_text("2026: a\nno: b\n").data == {"2026": "a", "no": "b"}


def test_duplicate_key_names_both_lines():
    [p] = problems("a: 1\nb: 2\na: 3\n")
    assert p.code == "yaml.duplicate_key" and (p.location.line, p.location.column) == (3, 1)
    assert "第 1 行" in p.message.zh and "line 1" in p.message.en and p.path == ("a",)


def test_duplicate_keys_nested_and_several_are_all_reported():
    ps = problems("x:\n  a: 1\n  a: {b: 1}\ny: [{c: 1, c: 2}]\n")
    assert [(p.code, p.location.line, p.path) for p in ps] == [
        ("yaml.duplicate_key", 3, ("x", "a")), ("yaml.duplicate_key", 4, ("y", 0, "c"))]


def test_json_duplicate_key_is_refused_with_column():
    [p] = problems('{"a": 1,\n "a": 2}')
    assert p.code == "yaml.duplicate_key" and (p.location.line, p.location.column) == (2, 2)


def test_json_with_tabs_reads_with_positions():
    doc = load_yaml_text('{\n\t"plan": {\n\t\t"id": "X"\n\t}\n}\n', "p.json")
    assert doc.data == {"plan": {"id": "X"}}
    assert doc.locate(("plan", "id")).line == 3


def test_impossible_date():
    [p] = problems("d: 2026-02-30\n")
    assert p.code == "yaml.impossible_date" and p.found == "2026-02-30" and p.location.line == 1


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_ten_thousand_deep_sequences_refused_quickly(loader):
    start = time.perf_counter()
    [p] = problems("[" * 10_000 + "]" * 10_000, loader=loader)
    assert p.code == "yaml.too_deep" and time.perf_counter() - start < 5
    assert p.location.column == MAX_DEPTH + 1


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_deep_nesting_inside_streamed_items_is_located_alike_on_both_parsers(loader):
    # libyaml's scanner has a nesting limit of its own that it hits while looking ahead
    text = "records:\n  - {id: r1}\n  - " + "[" * 3_000 + "]" * 3_000 + "\n"
    with pytest.raises(InputError) as info:
        for _ in iter_yaml_items(text, "f.yaml", emit=[("records",)], loader=loader):
            pass
    [p] = info.value.problems
    assert p.code == "yaml.too_deep" and (p.location.line, p.location.column) == (3, 3 + MAX_DEPTH)  # root map and list: 2 levels


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_ten_thousand_deep_mappings_refused(loader):
    [p] = problems("a: " + "{b: " * 10_000 + "1" + "}" * 10_000, loader=loader)
    assert p.code == "yaml.too_deep"


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_billion_laughs_refused_quickly(loader):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    [p] = problems("\n".join(lines), loader=loader)
    assert p.code == "yaml.alias_bomb" and time.perf_counter() - start < 2


def test_modest_aliases_are_allowed():
    doc = load_yaml_text("base: &b {x: 1}\nthis: *b\n")
    assert doc.data["this"] == {"x": 1}


def test_recursive_and_undefined_aliases():
    assert problems("a: &x [1, *x]")[0].code == "yaml.recursive_alias"
    assert problems("a: *nowhere")[0].code == "yaml.undefined_alias"


def test_merge_keys_complex_keys_tags_refused():
    assert problems("base: &b {x: 1}\nthis:\n  <<: *b\n")[0].code == "yaml.merge_key"
    assert problems("? [a]\n: 1\n")[0].code == "yaml.complex_key"
    [p] = problems("a: !!python/object/apply:os.system ['echo hi']\n")
    assert p.code == "yaml.tag"


def test_multiple_documents_refused():
    [p] = problems("a: 1\n---\nb: 2\n")
    assert p.code == "yaml.multiple_documents" and p.location.line == 2


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty(text):
    assert problems(text)[0].code == "file.empty"


def test_syntax_error_names_the_fullwidth_colon_line():
    [p] = problems("plan:\n  id：QH-1\n  year: 2026\n")
    assert p.code == "yaml.syntax" and p.location.line == 3
    assert "第 2 行有全角标点" in p.message.zh and "line 2" in p.message.en


def test_folded_fullwidth_key_line_is_refused():
    [p] = problems("plan:\n  department: 清河县市场监督管理局\n    year：2027\n")
    assert p.code == "yaml.fullwidth_colon" and (p.location.line, p.location.column) == (3, 5)
    assert "year: " in p.message.zh and p.path == ("plan", "department")


def test_fullwidth_key_scalar_is_remembered():
    doc = load_yaml_text("tasks:\n  - id：QH-1\n")
    assert doc.fullwidth_colon_paths == {("tasks", 0)}


def test_tab_indentation_explained():
    [p] = problems("a:\n\tb: 1\n")
    assert p.code == "yaml.syntax" and "Tab" in p.message.zh


def test_file_errors(tmp_path):
    with pytest.raises(InputError) as info:
        load_yaml_file(str(tmp_path / "nope.yaml"))
    assert info.value.first.code == "file.not_found"
    with pytest.raises(InputError) as info:
        load_yaml_file(str(tmp_path))
    assert info.value.first.code == "file.is_directory"
    empty = tmp_path / "e.yaml"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as info:
        load_yaml_file(str(empty))
    assert info.value.first.code == "file.empty"


def test_gbk_yaml_says_exactly_what_to_do(tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_bytes("plan:\n  department: 清河县市场监督管理局\n".encode("gb18030"))
    with pytest.raises(InputError) as info:
        load_yaml_file(str(f))
    p = info.value.first
    assert p.code == "file.encoding" and p.location.line == 2
    assert "GB18030" in p.message.zh and "UTF-8" in p.message.zh and "iconv -f GB18030 -t UTF-8" in p.message.en


def test_utf8_bom_is_accepted_and_utf16_refused(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_yaml_file(str(f)).data == {"a": 1}
    f.write_bytes("a: 1\n".encode("utf-16"))
    with pytest.raises(InputError) as info:
        load_yaml_file(str(f))
    assert info.value.first.code == "file.encoding" and "UTF-16" in info.value.first.message.zh


def test_streamed_items_are_not_kept():
    text = "records:\n" + "".join(f"  - {{id: R{i}}}\n" for i in range(5)) + "note: x\n"
    items = iter_yaml_items(text, "r.yaml", emit=[("records",)])
    seen = []
    while True:
        try:
            index, value, doc = next(items)
        except StopIteration as stop:
            rest = stop.value
            break
        seen.append((index, value["id"], doc.locate(doc.root + ("id",)).line))
    assert seen == [(i, f"R{i}", i + 2) for i in range(5)]
    assert rest.data["records"] == [None] * 5 and rest.data["note"] == "x"


# -- strict JSON (files ending in .json) --------------------------------------------------

def json_problems(text):
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "f.json", syntax="json")
    return info.value.problems


def test_json_reads_what_yaml_refuses():
    # json.dumps writes characters beyond the BMP (rare name characters, CJK Ext. B) as surrogate pairs
    text = json.dumps({"plan": {"department": "\U00020000县局", "k" * 2000: 1}})
    doc = load_yaml_text(text, "p.json", syntax="json")
    assert doc.data["plan"]["department"] == "\U00020000县局"
    with pytest.raises(InputError):
        load_yaml_text(text, "p.yaml")


def test_json_positions_types_and_duplicates():
    doc = load_yaml_text('{\n  "a": [1, 2.5, true, null, "yes", "2026-05-12"],\n  "b": {"c": -1E3}\n}', "f.json",
                         syntax="json")
    assert doc.data == {"a": [1, 2.5, True, None, "yes", "2026-05-12"], "b": {"c": -1000.0}}
    assert (doc.locate(("a", 4)).line, doc.locate(("a", 4)).column) == (2, 29)
    assert doc.yaml11_bool_paths == set()  # a quoted "yes" is plainly text
    [p] = json_problems('{"a": 1,\n "a": 2}')
    assert p.code == "yaml.duplicate_key" and (p.location.line, p.location.column) == (2, 2)


@pytest.mark.parametrize("text,line,column", [
    ("[1,]", 1, 4), ('{"a":1,}', 1, 8), ('{"a" 1}', 1, 6), ("[1] x", 1, 5), ('{"a": yes}', 1, 7),
    ('{"a": [1, 2}', 1, 12), ('{\n  "a": "x\ty"\n}', 2, 10), ("{'a': 1}", 1, 2), ('{"a": 1', 1, 8)])
def test_json_syntax_errors_are_located(text, line, column):
    [p] = json_problems(text)
    assert p.code == "json.syntax" and (p.location.line, p.location.column) == (line, column)
    assert p.message.zh.startswith("JSON 语法错误") and p.message.en.startswith("JSON syntax error")


def test_deep_json_refused_without_recursion():
    [p] = json_problems("[" * 100_000 + "]" * 100_000)
    assert p.code == "yaml.too_deep"


def test_node_limit_counts_what_is_held_not_what_is_streamed(monkeypatch):
    import policy_rules.yaml_source as ys
    monkeypatch.setattr(ys, "MAX_NODES", 60)
    text = "records:\n" + "".join(f"  - {{id: R{i}, a: 1, b: [1, 2]}}\n" for i in range(40))
    assert sum(1 for _ in iter_yaml_items(text, "r.yaml", emit=[("records",)])) == 40
    [p] = problems(text)  # held whole, the same document is too large
    assert p.code == "yaml.too_large"


def test_problems_stop_at_fifty_and_say_so():
    ps = problems("".join("a: 1\n" for _ in range(80)))
    assert len(ps) == 51 and {p.code for p in ps[:50]} == {"yaml.duplicate_key"}
    assert ps[-1].code == "file.more_problems" and ps[-1].location.line == 51


def test_positions_count_lines_as_editors_do_past_yaml_only_line_breaks():
    # NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR end a line for YAML, not for an editor
    text = 'A:\n- "\x85中\u2028x\u2029"\nB: null\n'
    doc = load_yaml_text(text, "f.yaml")
    assert doc.data["B"] is None and len(doc.data["A"]) == 1  # YAML folds a quoted NEL to a space
    assert (doc.locate(("B",)).line, doc.locate(("B",)).column) == (3, 4)
    assert (doc.locate(("A", 0)).line, doc.locate(("A", 0)).column) == (2, 3)
