"""How a command runs its start-up: with the cyclic garbage collector mostly idle,
without pydantic's plugin lookup, and (run as the program) without the interpreter's
last full collection at exit.

A cold `check-plan` imports pydantic and builds some sixty model classes, then reads
a plan into tens of thousands of small objects that all stay alive; almost none of it
is cyclic garbage. With the default thresholds (700 allocations) the collector ran
about 120 times in such a run, re-traversing everything held so far each time in the
older generations: a seventh of the process's CPU (docs/performance.md). The command
collects rarely while it runs and puts the caller's settings back afterwards, so a
process that calls `main()` (tests, an embedding program) keeps its own.
"""

from __future__ import annotations

import atexit
import gc
import os
from contextlib import contextmanager
from typing import Iterator

# Large enough that a 300-task plan check never reaches it; cyclic garbage (rare here)
# waits at most this many allocations. The evaluation raises it further during a
# records stream and restores it after (shuangsuiji_core.evaluation).
GEN0_THRESHOLD = 100_000


@contextmanager
def few_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GEN0_THRESHOLD), max(before[1], 50), max(before[2], 100))
    try:
        yield
    finally:
        # What the command allocated is now old: hand it to the oldest generation as it
        # is (freeze + unfreeze move the lists, no traversal); with the old thresholds
        # back, the next young collection would otherwise traverse all of it (~30 ms).
        if not gc.get_freeze_count():  # never unfreeze what a caller froze on purpose
            gc.freeze()
            gc.unfreeze()
        gc.set_threshold(*before)


# pydantic looks for plugins (entry points of group `pydantic`) when it builds its first
# model: a scan of every installed package's metadata, a few milliseconds of every cold
# command, for hooks into the library's own internal models that the commands do not
# offer. The commands switch that lookup off unless the user set the variable (an empty
# value turns plugins back on), and put the environment back afterwards.
PLUGINS_VARIABLE = "PYDANTIC_DISABLE_PLUGINS"


@contextmanager
def without_pydantic_plugins() -> Iterator[None]:
    if PLUGINS_VARIABLE in os.environ:
        yield
        return
    os.environ[PLUGINS_VARIABLE] = "__all__"
    try:
        yield
    finally:
        os.environ.pop(PLUGINS_VARIABLE, None)


_FREEZE_AT_EXIT = False


def no_final_collection() -> None:
    """For a command run as the program: freeze every object just before the
    interpreter's last full collection at exit, which otherwise traverses all of them
    (the modules, pydantic's schemas, the plan: ~25 ms after a plan check, a tenth of
    the goal). Handlers registered later (multiprocessing's, the evaluator's) run
    before it. Only garbage cycles still unfreed at exit miss their finalizers, which
    Python does not promise to run at exit anyway; the commands close their files
    themselves. Registered once; a process calling `main(argv)` as a function does not
    call this."""
    global _FREEZE_AT_EXIT
    if not _FREEZE_AT_EXIT:
        atexit.register(gc.freeze)
        _FREEZE_AT_EXIT = True
