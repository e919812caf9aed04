"""The CSV list-cell splitter's shortcut for cells without whitespace gives what the
general rule gives (split on `;`, `；` or `、`, strip each part), for any cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shuangsuiji_core.loading.csv_records import _SPLIT, _items


def _items_by_the_general_rule(cell: str) -> list[str]:
    parts = cell.split(";") if "；" not in cell and "、" not in cell else _SPLIT.split(cell)
    return [x.strip() if x and (x[0].isspace() or x[-1].isspace()) else x for x in parts]


cells = st.text(alphabet=st.one_of(st.sampled_from(list("P01;；、 \t\u3000\u00a0\n\r\x1c\u2028")),
                                   st.characters()), max_size=20)


@settings(max_examples=2000)
@given(cell=cells)
def test_items_match_the_general_rule(cell):
    assert _items(cell) == _items_by_the_general_rule(cell)


def test_items_examples():
    assert _items("P1;P2") == ["P1", "P2"]
    assert _items("P1； P2 、P3") == ["P1", "P2", "P3"]
    assert _items("P1;\u3000P2") == ["P1", "P2"]
    assert _items("") == [""]
