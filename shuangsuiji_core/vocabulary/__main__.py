"""Regenerate docs/metrics.md, docs/patterns.md and the parsed form of the vocabulary files
(`_parsed.py`): `python -m shuangsuiji_core.vocabulary [--check] [DOCS_DIR]`."""

from __future__ import annotations

import sys
from pathlib import Path

from policy_rules.errors import InputError
from policy_rules.generated_docs import sync

from . import load_vocabulary_files, parsed_module_text
from .docs import render_metrics, render_patterns


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    docs = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "docs"
    try:
        vocabulary = load_vocabulary_files()
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    targets = {docs / "metrics.md": render_metrics(vocabulary), docs / "patterns.md": render_patterns(vocabulary),
               Path(__file__).with_name("_parsed.py"): parsed_module_text()}
    return sync(targets, check, "python -m shuangsuiji_core.vocabulary")


if __name__ == "__main__":
    raise SystemExit(main())
