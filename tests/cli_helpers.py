"""Running the console scripts in tests: in-process (fast, exact) or as real
subprocesses (the installed entry points, as a user or pre-commit runs them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "qinghe-2026"
BIN = Path(sys.executable).parent


def run_main(main, argv, capsys):
    """Call a command's main(argv) the way its console script does; returns (rc, out, err)."""
    try:
        rc = main(list(argv))
    except SystemExit as exc:  # argparse exits on bad arguments and --help
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def script(name: str) -> str:
    """The installed console script: beside this interpreter (a venv), else on PATH."""
    beside = BIN / name
    return str(beside) if beside.exists() else (shutil.which(name) or str(beside))


def run_script(name: str, *args: str, cwd: Path | None = None, env: dict | None = None,
               input_text: str | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("NO_COLOR", None) if env is not None and "NO_COLOR" not in env else None
    return subprocess.run([script(name), *args], capture_output=True, text=True, cwd=cwd, env=full_env,
                          input=input_text, timeout=300)
