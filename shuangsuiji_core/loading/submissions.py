"""The submissions loader: `submissions:` in a YAML or JSON file -> located `Submission`s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from policy_rules.errors import InputError, found_repr
from policy_rules.i18n import Text
from policy_rules.validation import problems_from_validation
from policy_rules.yaml_source import LocatedDocument

from ..submissions import Submission
from .documents import load_document, problem, top_level
from .locating import locate_submissions

_LIST = TypeAdapter(list[Submission])


def load_submissions(path: str | Path) -> list[Submission]:
    """Read a submissions file (YAML or JSON, `submissions:` at the top, a list).
    Raises `InputError`; each submission carries `.location`."""
    doc = load_document(path)
    top_level(doc, "submissions", "报送材料", "submissions")
    return submissions_from_document(doc, prefix=("submissions",))


def submissions_from_document(doc: LocatedDocument, data: Any = None, prefix: tuple = ()) -> list[Submission]:
    """Validate a submissions list at `prefix` inside an already read document."""
    if data is None:
        data = doc.value_at(prefix)
    if data is None:
        return []  # `submissions:` with nothing under it: none handed in yet
    if not isinstance(data, list):
        raise InputError([problem("schema.type", "submissions 应为列表（每项以“- ”开头）",
                                  "submissions must be a list (each item starting with '- ')",
                                  doc.locate(prefix), prefix, expected=Text(zh="列表", en="a list"),
                                  found=found_repr(data))])
    try:
        items = _LIST.validate_python(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, doc, prefix)) from None
    return locate_submissions(items, doc, tuple(prefix))
