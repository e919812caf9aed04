"""The bundled rulesets, looked up by id, and the domain's wiring of the generic
ruleset tools (resolution, lint, self-tests) to the inspection vocabulary.

    from shuangsuiji_core.rulesets import load_ruleset, bundled_rulesets
    ruleset = load_ruleset("qinghe-2026")            # a bundled id
    ruleset = load_ruleset("my-rules/county.yaml")   # or a file (it may extend a bundled id)

The bundled files ship in the wheel as package `shuangsuiji_core.bundled_rulesets`
(pyproject maps the top-level rulesets/ folder onto it); in an editable install, where
that mapping does not exist, the repository's rulesets/ folder is used.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence

from policy_rules.errors import InputError, Location, Problem
from policy_rules.i18n import Text
from policy_rules.lint import check_ruleset
from policy_rules.resolve import load_ruleset_file
from policy_rules.schema import Ruleset

from .vocabulary import FACT_FIELD_TYPES, FIELD_VALUES, load_vocabulary

__all__ = ["bundled_dir", "bundled_rulesets", "bundled_ids", "load_ruleset", "lint_ruleset", "period_warning",
           "run_ruleset_selftests", "selftest_loaders"]

TESTS_SUFFIX = ".tests.yaml"


def bundled_dir() -> Path:
    """The folder holding the bundled ruleset files."""
    try:
        root = resources.files("shuangsuiji_core.bundled_rulesets")
        if isinstance(root, Path):
            return root
        return Path(str(root))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "rulesets"


def bundled_rulesets() -> list[Path]:
    """The bundled ruleset files (`<id>.yaml`, not the `.tests.yaml` beside them), sorted by name."""
    folder = bundled_dir()
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(TESTS_SUFFIX))


def bundled_ids() -> list[str]:
    return [p.stem for p in bundled_rulesets()]


def lint_ruleset(ruleset: Ruleset) -> list[Problem]:
    """Unknown metrics, patterns, facts, fields and field values; unsafe message templates."""
    return check_ruleset(ruleset, load_vocabulary(), FACT_FIELD_TYPES, FIELD_VALUES)


def _is_path(ref: str) -> bool:
    return os.sep in ref or "/" in ref or ref.endswith((".yaml", ".yml", ".json")) or Path(ref).is_file()


def load_ruleset(id_or_path: str | os.PathLike, search_dirs: Sequence[str | os.PathLike] = (),
                 lint: bool = True) -> Ruleset:
    """A bundled ruleset by id, or a ruleset file by path, resolved and checked against
    the vocabulary. A file may `extends:` a bundled id. Raises a located `InputError`."""
    ref = os.fspath(id_or_path)
    dirs = [*search_dirs, bundled_dir()]
    if _is_path(ref):
        ruleset = load_ruleset_file(ref, dirs)
    else:
        path = bundled_dir() / f"{ref}.yaml"
        if not path.is_file():
            ids = bundled_ids()
            raise InputError([Problem(
                code="ruleset.unknown_id", location=Location(ref),
                message=Text(zh=f"没有 id 为“{ref}”的内置规则集，也没有这个文件",
                             en=f"no bundled ruleset has the id '{ref}', and no such file exists"),
                expected=Text(zh="以下 id 之一或规则集文件路径：" + "、".join(ids),
                              en="one of these ids, or a ruleset file path: " + ", ".join(ids)),
                found=ref)])
        ruleset = load_ruleset_file(path, dirs)
    if lint:
        problems = lint_ruleset(ruleset)
        if problems:
            raise InputError(problems)
    return ruleset


def period_warning(ruleset: Ruleset, year: int) -> Text | None:
    """The warning for a plan whose year the ruleset does not cover (None when it does)."""
    from policy_rules.versioning import period_warning as _warning
    return _warning(ruleset, year)


def selftest_loaders() -> dict[str, Callable]:
    """The domain's dict-based loaders for inline self-test inputs."""
    from .loading import plan_from_document, records_from_document, submissions_from_document
    from .loading import iter_records, load_plan, load_submissions
    return {
        "plan": plan_from_document, "records": records_from_document, "submissions": submissions_from_document,
        "plan_file": load_plan, "records_file": lambda p: list(iter_records(p)), "submissions_file": load_submissions,
    }


def run_ruleset_selftests(ruleset_path: str | os.PathLike, engine: str = "auto", tests_path=None):
    """Run the `<id>.tests.yaml` cases beside a ruleset with the real evaluator."""
    from policy_rules.selftest import run_selftests
    from .evaluation import evaluate

    path = Path(ruleset_path)
    ruleset = load_ruleset(path)
    tests = Path(tests_path) if tests_path else path.with_name(path.stem + TESTS_SUFFIX)

    def _evaluate(rs, plan=None, records=None, submissions=None, as_of=None):
        return evaluate(rs, plan=plan, records=records, submissions=submissions, as_of=as_of, engine=engine)

    return run_selftests(tests, ruleset, _evaluate, selftest_loaders())
