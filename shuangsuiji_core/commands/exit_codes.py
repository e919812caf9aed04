"""Exit codes shared by every command, the contract CI scripts and pre-commit rely on."""

OK = 0           # nothing at or above the fail level (or the command succeeded)
FINDINGS = 1     # findings at or above --fail-on; a lint or self-test that found problems
CANNOT_RUN = 2   # bad arguments, unreadable or invalid input, broken ruleset, internal error
INTERRUPTED = 130
