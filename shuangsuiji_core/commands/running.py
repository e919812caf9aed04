"""The one place a command's outcome becomes an exit code, so no command ever ends in a
traceback: bad input is printed as located problems in the chosen language; anything
unexpected becomes one bilingual "internal error" line (set SHUANGSUIJI_DEBUG=1 to see
the traceback when reporting a bug)."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Callable

from policy_rules.errors import InputError, PolicyRulesError

from .exit_codes import CANNOT_RUN, INTERRUPTED


def _utf8_streams() -> None:
    # A Chinese message must never crash a terminal or pipe that is not UTF-8.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def run_guarded(action: Callable[[], int], lang: str) -> int:
    _utf8_streams()
    try:
        return action()
    except InputError as exc:
        sys.stderr.write(exc.render("en" if lang == "en" else "zh") + "\n")
        return CANNOT_RUN
    except PolicyRulesError as exc:
        sys.stderr.write(f"{exc}\n")
        return CANNOT_RUN
    except KeyboardInterrupt:
        sys.stderr.write("已中断 / interrupted\n")
        return INTERRUPTED
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours, and nothing to say
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return CANNOT_RUN
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if os.environ.get("SHUANGSUIJI_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"内部错误，请报告此问题（设置 SHUANGSUIJI_DEBUG=1 可显示详情）/ internal error, please report it "
            f"(set SHUANGSUIJI_DEBUG=1 for details): {type(exc).__name__}: {str(exc)[:200]}\n")
        return CANNOT_RUN
