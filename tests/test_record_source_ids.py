"""The table of record ids read (`RecordIds`): only hashes while no hash repeats, the exact
table (with the line of the first use) rebuilt by reading the file again when one does."""

from __future__ import annotations

import json
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy_rules.errors import InputError, Location
from shuangsuiji_core.facts import RecordFacts
from shuangsuiji_core.loading import iter_records
from shuangsuiji_core.loading import records as loader
from shuangsuiji_core.loading.hash_set import HashSet, any_common, common_hashes


@given(st.lists(st.integers(-2**63, 2**63 - 1) | st.integers(-3, 3), max_size=3000))
def test_hash_set_is_a_set(values):
    hs, ref = HashSet(), set()
    for v in values:
        assert hs.add(v) == ((v or 1) in ref)
        ref.add(v or 1)
    assert len(hs) == len(ref)
    assert all(v in hs for v in ref)


@given(st.lists(st.integers(-2**63, 2**63 - 1) | st.integers(-3, 3), max_size=300),
       st.lists(st.integers(-2**63, 2**63 - 1) | st.integers(-3, 3), max_size=300), st.integers(1, 40))
def test_common_hashes_of_two_arrays_in_slices(mine, theirs, slice_size):
    a, b = array("q", mine), array("q", theirs)
    assert common_hashes(a, b, slice_size) == set(mine) & set(theirs)
    assert any_common(a, b, slice_size) == bool(set(mine) & set(theirs))


def _line(n: int, rid: str) -> str:
    return json.dumps({"id": rid, "task_id": "T", "inspectors": [], "inspected_on": f"2026-05-{n % 28 + 1:02d}"})


def test_a_hash_collision_is_not_a_repeat_and_a_repeat_names_the_first_line(tmp_path, monkeypatch):
    path = tmp_path / "r.jsonl"
    ids = [f"R-{n}" for n in range(200)] + ["R-7", "R-150"]
    path.write_text("".join(_line(n, i) + "\n" for n, i in enumerate(ids)))
    rereads = []
    original = loader.RecordIds._exact

    def counted(self, count):
        rereads.append(count)
        return original(self, count)
    monkeypatch.setattr(loader.RecordIds, "_exact", counted)
    # every id hashes alike: the first repeated hash makes the table exact, once
    monkeypatch.setattr(loader, "hash", lambda s: 42, raising=False)
    with pytest.raises(InputError) as exc:
        list(iter_records(path).units(RecordFacts(None, None, False, None)))
    assert rereads == [1]
    assert [(p.code, p.location) for p in exc.value.problems] == [
        ("records.duplicate_id", Location(str(path), 201, 8)), ("records.duplicate_id", Location(str(path), 202, 8))]
    assert "line 8" in exc.value.problems[0].message.en and "line 151" in exc.value.problems[1].message.en
    monkeypatch.undo()
    exact = iter_records(path)
    exact._new_ids = lambda: setattr(exact, "_ids", loader.RecordIds(None)) or exact._ids  # the dict from the start
    with pytest.raises(InputError) as whole:
        list(exact.units(RecordFacts(None, None, False, None)))
    assert whole.value.problems == exc.value.problems


def test_ids_without_repeats_are_kept_as_hashes_only(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("".join(_line(n, f"R-{n}") + "\n" for n in range(500)))
    source = iter_records(path)
    assert len(list(source.units(RecordFacts(None, None, False, None)))) == 500
    assert source._ids._first is None  # never made exact
    assert list(source.id_hashes()) == [hash(f"R-{n}") for n in range(500)]


def test_a_pipe_keeps_the_exact_table(tmp_path):
    import os
    import threading
    fifo = tmp_path / "r.jsonl"
    os.mkfifo(fifo)
    text = "".join(_line(n, i) + "\n" for n, i in enumerate(["R-1", "R-2", "R-1"]))
    writer = threading.Thread(target=lambda: fifo.write_text(text))
    writer.start()
    source = iter_records(fifo)
    with pytest.raises(InputError) as exc:
        list(source.units(RecordFacts(None, None, False, None)))
    writer.join()
    assert [p.code for p in exc.value.problems] == ["records.duplicate_id"]
    assert "line 1" in exc.value.problems[0].message.en
    assert source._ids._reread is None
