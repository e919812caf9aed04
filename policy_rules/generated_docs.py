"""Documentation generated from the code: write it, or (`--check`) say which files are stale."""

from __future__ import annotations

import sys
from pathlib import Path


def sync(targets: dict[Path, str], check: bool, command: str) -> int:
    """Write each target whose text differs; with `check`, write nothing and return 1 if any differs."""
    stale = []
    for path, text in targets.items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        if check:
            stale.append(str(path))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("过期 / out of date: " + ", ".join(stale) + f" — 运行 / run: {command}", file=sys.stderr)
        return 1
    return 0
