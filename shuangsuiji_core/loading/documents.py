"""Reading a plan or submissions file into a located document, and the checks every
input file shares: the file's format from its name, the one allowed top-level key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policy_rules.errors import InputError, Location, Problem, found_repr
from policy_rules.i18n import Text
from policy_rules.yaml_source import LocatedDocument, decode_text, load_yaml_text, read_bytes, syntax_of


def problem(code: str, zh: str, en: str, location: Location, path=(), expected: Text | None = None,
            found: str | None = None) -> Problem:
    return Problem(code=code, message=Text(zh=zh, en=en), location=location, path=tuple(path),
                   expected=expected, found=found)


def display_name(path: str | Path) -> str:
    return str(path)


def load_document(path: str | Path) -> LocatedDocument:
    """A YAML or JSON file (JSON is read by the same located reader, so positions hold)."""
    name = display_name(path)
    return load_yaml_text(decode_text(read_bytes(str(path), name), name), name, syntax=syntax_of(str(path)))


def top_level(doc: LocatedDocument, key: str, what_zh: str, what_en: str, prefix: tuple = ()) -> Any:
    """The value under the single allowed top-level `key`; anything else is a located problem."""
    data = doc.value_at(prefix) if prefix else doc.data
    where = doc.locate(prefix)
    if not isinstance(data, dict):
        raise InputError([problem(
            "file.top_level", f"{what_zh}文件的最外层应为以“{key}:”开头的映射",
            f"a {what_en} file must be a mapping starting with '{key}:'", where, prefix,
            expected=Text(zh=f"{key}: …", en=f"{key}: …"), found=found_repr(data))]
            + _fullwidth_top(data, where, key))
    problems = []
    for k in data:
        if k != key:
            zh = f"未知的顶层字段“{k}”（拼写错误？{what_zh}文件只允许“{key}:”）"
            en = f"unknown top-level key '{k}' (a typo? a {what_en} file holds only '{key}:')"
            if "：" in str(k):
                zh += "；字段名里有全角冒号“：”，请改为半角“:”"
                en += "; the key contains a full-width colon '：': use ASCII ':'"
            problems.append(problem("schema.unknown_field", zh, en, doc.locate_key(prefix + (k,)), prefix + (k,),
                                    expected=Text(zh=key, en=key), found=str(k)))
    if key not in data:
        problems.append(problem("schema.missing", f"缺少顶层字段“{key}:”", f"the top-level key '{key}:' is missing",
                                where, prefix + (key,), expected=Text(zh=f"{key}: …", en=f"{key}: …")))
    if problems:
        raise InputError(problems)
    return data[key]


def _fullwidth_top(data: Any, where: Location, key: str) -> list[Problem]:
    if isinstance(data, str) and "：" in data:
        return [problem("schema.fullwidth_colon", f"文件开头用了全角冒号“：”，请改为半角冒号加空格，如“{key}: ”",
                        f"the file uses the full-width colon '：'; write the ASCII colon and a space, as in '{key}: '",
                        where)]
    return []
