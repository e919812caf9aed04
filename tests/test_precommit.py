"""The real `.pre-commit-hooks.yaml`, installed with the real `pre-commit` tool into a
throwaway git repository: a violating plan (or ruleset) is refused at commit, the fixed
one is accepted.

No network: the hooks are used as `repo: local` with the very same id, name, entry,
files pattern and pass_filenames as the manifest, but `language: unsupported`
(`system` before pre-commit 4.4), so pre-commit runs the installed console scripts
instead of building a virtualenv from the registry. PRE_COMMIT_HOME points into the
temporary directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli_helpers import EXAMPLE, ROOT

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
if not PRE_COMMIT.exists() and shutil.which("pre-commit"):
    PRE_COMMIT = Path(shutil.which("pre-commit"))
pytestmark = pytest.mark.skipif(not PRE_COMMIT.exists() or not shutil.which("git"),
                                reason="needs the pre-commit tool in the venv and git")

FIXED_PLAN = (EXAMPLE / "plan.yaml").read_text(encoding="utf-8") \
    .replace("uses_credit_risk: false", "uses_credit_risk: true") \
    .replace("methods: [onsite]          #", "methods: [document_review] #") \
    .replace("filed_on: null", "filed_on: 2026-06-11")


def manifest() -> list[dict]:
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _local_language() -> str:
    from pre_commit.constants import VERSION
    major, minor = (int(x) for x in VERSION.split(".")[:2])
    return "unsupported" if (major, minor) >= (4, 4) else "system"


def _git(repo: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "dept"
    repo.mkdir()
    env = {**os.environ,
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           # the console scripts the hooks call: this interpreter's, then the usual PATH
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), str(PRE_COMMIT.parent),
                                    os.environ.get("PATH", "")]),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("NO_COLOR", None)
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    assert _git(repo, "init", "-q", env=env).returncode == 0
    hooks = []
    for hook in manifest():
        local = {k: hook[k] for k in ("id", "name", "entry", "files", "pass_filenames") if k in hook}
        if "exclude" in hook:
            local["exclude"] = hook["exclude"]
        local["language"] = _local_language()
        if hook["id"] == "check-plan":
            local["args"] = ["--as-of", "2026-07-15"]  # a fixed date, so the test never depends on the clock
        hooks.append(local)
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert _git(repo, "add", ".pre-commit-config.yaml", env=env).returncode == 0
    installed = subprocess.run([str(PRE_COMMIT), "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    return repo, env


def test_manifest_follows_pre_commit_conventions():
    result = subprocess.run([str(PRE_COMMIT), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {h["id"]: h for h in manifest()}
    assert set(hooks) == {"check-plan", "check-ruleset"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is True
    import re
    plan_files = re.compile(hooks["check-plan"]["files"])
    assert plan_files.search("plans/2026.yaml") and plan_files.search("qinghe-plan-2026.yml")
    assert not plan_files.search("records/2026.csv") and not plan_files.search("records.yaml")
    ruleset_files = re.compile(hooks["check-ruleset"]["files"])
    assert ruleset_files.search("rulesets/qinghe-2026.yaml") and ruleset_files.search("rulesets/qinghe-2026.tests.yaml")
    assert not ruleset_files.search("plans/plan.yaml")


def test_a_violating_plan_is_refused_and_the_fixed_one_accepted(repo):
    repo, env = repo
    (repo / "plans").mkdir()
    plan = repo / "plans" / "plan.yaml"
    plan.write_text((EXAMPLE / "plan.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    _git(repo, "add", "plans/plan.yaml", env=env)
    refused = _git(repo, "commit", "-m", "plan", env=env)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "check-plan" in output and "QH-REMOTE-FIRST-PLAN" in output
    assert "plans/plan.yaml:58:7: error QH-REMOTE-FIRST-PLAN" in output
    assert _git(repo, "rev-parse", "--verify", "HEAD", env=env).returncode != 0  # nothing committed

    plan.write_text(FIXED_PLAN, encoding="utf-8")
    _git(repo, "add", "plans/plan.yaml", env=env)
    accepted = _git(repo, "commit", "-m", "plan", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr
    assert plan.read_text(encoding="utf-8") == FIXED_PLAN  # the hook never touches the user's file


def test_a_broken_ruleset_is_refused_and_the_fixed_one_accepted(repo):
    repo, env = repo
    (repo / "rulesets").mkdir()
    ruleset = repo / "rulesets" / "my-county-2026.yaml"
    good = ("ruleset:\n  id: my-county-2026\n  version: 1.0.0\n  title: 某县2026年实施方案\n  issuer: 某县\n"
            "  effective: {start: 2026-01-01, end: 2026-12-31}\n  source_document: x.txt\n  extends: qinghe-2026\n"
            "override:\n  - {id: QH-JOINT-COUNT, params: {threshold: \"70%\"}}\n")
    # a full-width percent sign: refused with a located message
    ruleset.write_text(good.replace("70%", "70％"), encoding="utf-8")
    _git(repo, "add", "rulesets/my-county-2026.yaml", env=env)
    refused = _git(repo, "commit", "-m", "ruleset", env=env)
    assert refused.returncode != 0
    assert "rulesets/my-county-2026.yaml:10:" in refused.stdout + refused.stderr
    assert "ratio.fullwidth_percent" in refused.stdout + refused.stderr

    ruleset.write_text(good, encoding="utf-8")
    _git(repo, "add", "rulesets/my-county-2026.yaml", env=env)
    accepted = _git(repo, "commit", "-m", "ruleset", env=env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
