"""The committed JSON Schemas match the models, accept the contract's examples and the
bundled rulesets, and refuse what the loaders refuse structurally."""

import json
from pathlib import Path

import jsonschema
import pytest

from policy_rules.json_schema import dumps, ruleset_schema
from policy_rules.yaml_source import load_yaml_file
from shuangsuiji_core.json_schemas import SCHEMAS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

GENERATED = {"ruleset.schema.json": (ruleset_schema, "python -m policy_rules.json_schema > docs/ruleset.schema.json")}
GENERATED.update({name: (make, "python -m shuangsuiji_core.json_schemas docs") for name, make in SCHEMAS.items()})


def as_json(data):
    return json.loads(json.dumps(data, default=str))  # YAML dates become the ISO text editors see


def validator(name):
    schema = json.loads((DOCS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_schema_matches_the_models(name):
    make, command = GENERATED[name]
    committed = (DOCS / name).read_text(encoding="utf-8") if (DOCS / name).exists() else ""
    assert committed == dumps(make()), f"docs/{name} is out of date with the models; regenerate: {command}"


@pytest.mark.parametrize("kind", ["plan", "records", "submissions"])
def test_contract_examples_validate(contract_dir, kind):
    data = as_json(load_yaml_file(str(contract_dir / f"{kind}.yaml")).data)
    validator(f"{kind}.schema.json").validate(data)


def test_schema_refuses_typos_and_bad_values(contract_dir):
    plan = as_json(load_yaml_file(str(contract_dir / "plan.yaml")).data)
    plan["plan"]["tasks"][0]["industustry"] = "x"
    plan["plan"]["tasks"][0]["uses_credit_risk"] = "yes"
    plan["plan"]["tasks"][0]["sampling_ratio"]["C"] = 1.5
    errors = {tuple(e.absolute_path) for e in validator("plan.schema.json").iter_errors(plan)}
    assert ("plan", "tasks", 0) in errors and ("plan", "tasks", 0, "uses_credit_risk") in errors
    assert ("plan", "tasks", 0, "sampling_ratio") in errors  # anyOf(ratio, null) reports at its parent


def test_records_schema_accepts_a_bare_list(contract_dir):
    data = as_json(load_yaml_file(str(contract_dir / "records.yaml")).data)
    validator("records.schema.json").validate(data["records"])
    assert list(validator("records.schema.json").iter_errors({"record": []}))


def test_bundled_rulesets_validate_against_the_ruleset_schema():
    v = validator("ruleset.schema.json")
    paths = [p for p in sorted((ROOT / "rulesets").glob("*.yaml")) if not p.name.endswith(".tests.yaml")]
    bad = {p.name: [f"{list(e.absolute_path)}: {e.message[:120]}" for e in v.iter_errors(as_json(
        load_yaml_file(str(p)).data))] for p in paths}
    assert {k: v for k, v in bad.items() if v} == {}


def test_ruleset_schema_refuses_an_unknown_kind():
    v = validator("ruleset.schema.json")
    doc = {"ruleset": {"id": "x", "version": "1.0.0", "title": "t", "issuer": "i",
                       "effective": {"start": "2026-01-01", "end": "2026-12-31"}, "source_document": "s"},
           "rules": [{"id": "X-1", "kind": "suggestion"}]}
    assert list(v.iter_errors(doc))
