"""Memory a large evaluation freed, handed back to the operating system."""

from __future__ import annotations


def return_freed_memory() -> None:
    """Hand memory freed by a large evaluation back to the OS (glibc keeps it otherwise),
    so a long-running process evaluating again and again stays flat, and a large audit's
    parts do not keep the peak of their exchange for the rest of their run."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
