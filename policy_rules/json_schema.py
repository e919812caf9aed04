"""The JSON Schema of the ruleset format, generated from `policy_rules.schema`.

Committed as docs/ruleset.schema.json so that editors (VS Code with the YAML extension,
JetBrains IDEs) validate and complete a ruleset while staff type: each ruleset starts
with `# yaml-language-server: $schema=../docs/ruleset.schema.json`. A test fails when
the committed file drifts from the models. Regenerate with::

    python -m policy_rules.json_schema > docs/ruleset.schema.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .schema import RulesetFile

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def ruleset_schema() -> dict[str, Any]:
    """The schema of a ruleset file as written (before `extends` is resolved)."""
    schema = RulesetFile.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "“双随机、一公开”规则集 / double-random, one-public ruleset",
        "description": "由 policy_rules.schema 生成，请勿手改；重新生成：python -m policy_rules.json_schema > "
                       "docs/ruleset.schema.json / generated from policy_rules.schema: do not edit by hand",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def dumps(schema: dict[str, Any]) -> str:
    """The committed text of a schema: stable key order, Chinese kept readable."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.write(dumps(ruleset_schema()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
