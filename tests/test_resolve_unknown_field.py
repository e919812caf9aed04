"""An unknown field (a typo) inside a tagged union — a deadline's `schedule` — is reported
at its key, not at its value, after the union tag is taken out of the path."""

from pathlib import Path

import pytest

from policy_rules.errors import InputError
from policy_rules.resolve import load_ruleset_text

RULESETS = Path(__file__).resolve().parent.parent / "rulesets"
ORIGINAL = 'schedule: {type: once, due: "03-31"}'
TYPO = 'schedule: {type: once, due: "03-31", dew: "03-30"}'


def test_typo_inside_a_schedule_is_located_at_the_key():
    text = (RULESETS / "qinghe-2026.yaml").read_text(encoding="utf-8")
    assert ORIGINAL in text
    text = text.replace(ORIGINAL, TYPO, 1)
    line_no, line = next((i + 1, l) for i, l in enumerate(text.splitlines()) if "dew:" in l)
    with pytest.raises(InputError) as info:
        load_ruleset_text(text, name="qinghe-typo.yaml", base_dir=RULESETS)
    problems = [p for p in info.value.problems if p.code == "schema.unknown_field"]
    assert len(problems) == 1
    assert problems[0].path[-2:] == ("schedule", "dew")
    assert (problems[0].location.line, problems[0].location.column) == (line_no, line.index("dew:") + 1)
