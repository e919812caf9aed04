"""The library functions commands call, looked up when used.

The pipeline's modules are written by several people; a command that needs one that
is missing from this installation fails cleanly (exit 2, a bilingual message naming
the missing piece) instead of failing to import at all.
"""

from __future__ import annotations

import importlib
from typing import Any

from policy_rules.errors import InputError, Problem
from policy_rules.i18n import Text


def component(module: str, name: str) -> Any:
    try:
        mod = importlib.import_module(module)
        return getattr(mod, name)
    except (ImportError, AttributeError) as exc:
        if isinstance(exc, ImportError) and exc.name and not module.startswith(exc.name) and exc.name != module:
            raise  # a real import error inside an existing module is a bug, not a missing piece
        raise InputError([Problem(
            code="cli.component_missing",
            message=Text(zh=f"本安装缺少 {module}.{name}，无法执行此命令",
                         en=f"{module}.{name} is not available in this installation; cannot run this command"))]) from None
