from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def contract_dir() -> Path:
    """The example files of ../shared/design/DATA.md, copied verbatim."""
    return DATA / "contract"
