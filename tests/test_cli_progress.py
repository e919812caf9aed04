"""The progress bar: drawn on a terminal for a large record file, silent otherwise."""

from __future__ import annotations

import io

from shuangsuiji_core.commands import progress
from shuangsuiji_core.loading import iter_records

from cli_helpers import EXAMPLE


class FakeTty(io.StringIO):
    def isatty(self):
        return True


def _records():
    return EXAMPLE / "records.yaml"


def test_bar_on_a_terminal_for_a_large_file(monkeypatch):
    monkeypatch.setattr(progress, "_REDRAW_SECONDS", 0.0)
    stream = FakeTty()
    path = str(_records())
    got = list(progress.with_progress(iter_records(path), path, "读取记录", stream=stream, min_bytes=0))
    assert [r.id for r in got] == [r.id for r in iter_records(path)]  # records pass through unchanged
    drawn = stream.getvalue()
    assert "\r读取记录 [" in drawn and "100%" not in drawn.split("\r")[1]  # starts low
    assert drawn.endswith("\r")  # the bar is wiped at the end, leaving the terminal clean
    assert f" {len(got):,}" in drawn


def test_silent_off_a_terminal_quiet_or_small():
    path = str(_records())
    for stream, quiet, min_bytes in ((io.StringIO(), False, 0), (FakeTty(), True, 0), (FakeTty(), False, 10**9)):
        list(progress.with_progress(iter_records(path), path, "x", quiet=quiet, stream=stream, min_bytes=min_bytes))
        assert stream.getvalue() == ""


def test_count_lines(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_bytes(b"a\nb\nc\n")
    assert progress.count_lines(str(f)) == 3
