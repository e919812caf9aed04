"""The console scripts: `shuangsuiji`, `check-plan` and `policy-rules` (docs/cli.md).

The command layer is thin: it parses arguments, calls the library (load, evaluate,
render) and maps the outcome to an exit code. Exit codes (exit_codes.py): 0 nothing at
or above the fail level, 1 findings at or above it, 2 could not run. No command ever
ends in a traceback: bad input is reported as located, bilingual problems.
"""
