"""The built wheel holds every package and the bundled rulesets; the library imports
without durable_rules."""

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("policy_rules", "shuangsuiji_core")


def _source_copy(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in (*PACKAGES, "rulesets"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    return src


def _built_files(tmp_path: Path) -> tuple[set[str], str]:
    """Files of the wheel built from a copy of the tree (the working tree is left clean).
    Without network for an isolated build, fall back to setuptools' build_py, which
    copies exactly what the wheel would hold."""
    src = _source_copy(tmp_path)
    out = tmp_path / "wheel"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w", str(out), "-q"],
                           capture_output=True, text=True, timeout=300)
    wheels = sorted(out.glob("*.whl")) if out.exists() else []
    if built.returncode == 0 and wheels:
        with zipfile.ZipFile(wheels[0]) as z:
            return set(z.namelist()), "wheel"
    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(lib)], cwd=src, check=True, capture_output=True, text=True, timeout=300)
    return {p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file()}, "build_py"


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory):
    return _built_files(tmp_path_factory.mktemp("pkg"))


@pytest.mark.slow
def test_bundled_rulesets_are_in_the_wheel(wheel_files):
    files, how = wheel_files
    rulesets = sorted(p.name for p in (ROOT / "rulesets").glob("*.yaml"))
    assert rulesets, "no ruleset to ship"
    missing = [n for n in rulesets if f"shuangsuiji_core/bundled_rulesets/{n}" not in files]
    assert missing == [], f"missing from the {how}: {missing}"
    assert "shuangsuiji_core/bundled_rulesets/__init__.py" in files


@pytest.mark.slow
def test_every_package_folder_and_data_file_is_in_the_wheel(wheel_files):
    files, how = wheel_files
    expected = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                expected.append(path.relative_to(ROOT).as_posix())
    missing = sorted(p for p in expected if p not in files)
    assert missing == [], (f"not in the {how} (add the package to [tool.setuptools] packages or its file "
                           f"pattern to package-data in pyproject.toml): {missing[:20]}")


BLOCK_DURABLE = textwrap.dedent("""
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("durable", "rules"):
                raise ImportError(f"{name} blocked: simulating an environment without durable_rules")
            return None
    sys.meta_path.insert(0, Block())
    for name in [m for m in sys.modules if m.split(".")[0] in ("durable", "rules")]:
        del sys.modules[name]
""")


def test_imports_without_durable_rules():
    modules = ["policy_rules", "shuangsuiji_core", "shuangsuiji_core.loading", "policy_rules.json_schema",
               "shuangsuiji_core.json_schemas"]
    for optional in ("shuangsuiji_core.evaluation", "shuangsuiji_core.rulesets"):
        if (ROOT / (optional.replace(".", "/") + ".py")).exists():
            modules.append(optional)
    code = BLOCK_DURABLE + textwrap.dedent(f"""
        import importlib
        for m in {modules!r}:
            importlib.import_module(m)
        assert "durable" not in sys.modules
        try:
            import durable
        except ImportError:
            pass
        else:
            raise SystemExit("the block did not work")
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_plain_import_of_both_packages():
    run = subprocess.run([sys.executable, "-c", "import policy_rules, shuangsuiji_core"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
