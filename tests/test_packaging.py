import ast
from pathlib import Path

import policy_rules


def test_both_packages_import():
    import shuangsuiji_core  # noqa: F401


def test_policy_rules_never_imports_the_domain():
    root = Path(policy_rules.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "shuangsuiji_core"]
    assert offenders == []
