"""`_parsed.py`, the bundled vocabulary files as Python data: in sync with the files,
used only while their digests match, and giving exactly what reading the files gives;
anything wrong falls back to reading the files, which locates the problem."""

from __future__ import annotations

import pytest

import shuangsuiji_core.vocabulary as vocabulary_module
from policy_rules.errors import InputError
from shuangsuiji_core.vocabulary import _parsed, load_vocabulary_files, parsed_module_text


def _read_files():
    return vocabulary_module._vocabulary_of(vocabulary_module._read("metrics.yaml", None),
                                            vocabulary_module._read("patterns.yaml", None))


@pytest.fixture
def reads(monkeypatch):
    """The names of the vocabulary files read (parsed as YAML) during the test."""
    seen = []
    real = vocabulary_module._read

    def spy(package_file, path):
        seen.append(package_file)
        return real(package_file, path)

    monkeypatch.setattr(vocabulary_module, "_read", spy)
    return seen


def test_the_committed_module_is_in_sync_with_the_files():
    path = vocabulary_module.__file__.replace("__init__.py", "_parsed.py")
    with open(path, encoding="utf-8") as f:
        assert f.read() == parsed_module_text(), "run: python -m shuangsuiji_core.vocabulary"


def test_the_parsed_form_gives_what_reading_the_files_gives(reads):
    fast = load_vocabulary_files()
    assert reads == []  # nothing was parsed
    slow = _read_files()
    assert fast == slow
    for name in slow.metrics:
        assert fast.metrics[name].ratio.model_dump(exclude_unset=True) == slow.metrics[name].ratio.model_dump(
            exclude_unset=True)
    for name in slow.patterns:
        assert fast.patterns[name].match.model_dump(exclude_unset=True) == slow.patterns[name].match.model_dump(
            exclude_unset=True)


def test_each_call_gets_fresh_objects():
    a, b = _parsed.data(), _parsed.data()
    assert a == b and a is not b
    assert a["metrics.yaml"]["metrics"] is not b["metrics.yaml"]["metrics"]


def test_a_stale_digest_means_the_files_are_read(monkeypatch, reads):
    monkeypatch.setattr(_parsed, "SHA256", {**_parsed.SHA256, "patterns.yaml": "0" * 64})
    assert load_vocabulary_files() == _read_files()
    assert reads[:2] == ["metrics.yaml", "patterns.yaml"]


def test_an_edited_file_is_read_and_its_problem_located(monkeypatch):
    real = vocabulary_module._bundled_text

    def edited(name):
        text = real(name)
        return text.replace("{field: mode, op: eq, value: joint}", "{field: mood, op: eq, value: joint}", 1)

    monkeypatch.setattr(vocabulary_module, "_bundled_text", edited)
    with pytest.raises(InputError) as exc:
        load_vocabulary_files()
    problem = exc.value.first
    assert problem.location.file == "shuangsuiji_core/vocabulary/metrics.yaml"
    assert problem.location.line and problem.location.line > 1
    assert "mood" in exc.value.render("en")


def test_wrong_parsed_data_falls_back_to_the_files(monkeypatch, reads):
    broken = _parsed.data()
    first = next(iter(broken["patterns.yaml"]["patterns"].values()))
    first["match"]["fact"] = "no_such_fact"
    monkeypatch.setattr(_parsed, "data", lambda: broken)
    assert load_vocabulary_files() == _read_files()
    assert "patterns.yaml" in reads
