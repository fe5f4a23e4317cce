"""The SAM layer installs src/requirements.txt; it must match the package's own dependencies."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

from og.local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_layer_requirements_equal_project_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (ROOT / "src" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(layer) == sorted(project)


def _normal(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _imports(path: Path, skip_function: str | None = None) -> set[str]:
    """Modules a file imports, except inside `skip_function` (the local-only wiring)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef) and f.name == skip_function
        for n in ast.walk(f)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _og_module_file(module: str) -> Path | None:
    base = ROOT / "src" / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _closure(start: set[str]) -> tuple[set[str], set[str]]:
    """(og modules reached, third-party/stdlib top-level names) from the given imports."""
    seen: set[str] = set()
    external: set[str] = set()
    todo = list(start)
    while todo:
        module = todo.pop()
        top = module.split(".")[0]
        if top != "og":
            external.add(top)
            continue
        if module in seen:
            continue
        seen.add(module)
        path = _og_module_file(module)
        if path is None:  # `from og.x import name`: the name is not a module
            continue
        todo += _imports(path, skip_function="_local" if module == "og.wiring" else None)
        parent = module.rpartition(".")[0]
        if parent:
            todo.append(parent)
    return seen, external


def test_each_function_package_holds_every_module_its_handler_imports():
    """What `sam build` packages for a function is its CodeUri plus the og-core layer (src/ with
    src/requirements.txt installed). Every import a handler reaches must be in one of those, in
    the standard library, or in the Lambda runtime (boto3/botocore)."""
    template = load_yaml(ROOT / "template.yaml")
    layer = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::LayerVersion"
    ]
    assert [r["Properties"]["ContentUri"] for r in layer] == ["src/"]
    distributions = importlib.metadata.packages_distributions()
    layer_reqs = {
        _normal(line.split("==")[0])
        for line in (ROOT / "src" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    runtime = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
    functions = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    assert functions
    for fn in functions:
        code = ROOT / fn["CodeUri"]
        handler_file = code / (fn["Handler"].rpartition(".")[0] + ".py")
        local = {p.stem for p in code.glob("*.py")}
        og_modules, external = _closure(_imports(handler_file))
        assert not any(m.startswith(("og.local", "og.adapters.local")) for m in og_modules), (
            fn["FunctionName"],
            sorted(m for m in og_modules if "local" in m),
        )
        for name in external - local - set(sys.stdlib_module_names) - runtime:
            dists = {_normal(d) for d in distributions.get(name, [])}
            assert dists & layer_reqs, f"{fn['FunctionName']} imports {name}, not in the layer"


def test_og_version_prints_the_installed_package_version(capsys):
    from og import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    installed = importlib.metadata.version("onboarding-guide")
    assert capsys.readouterr().out.strip() == f"og {installed}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert installed == project["version"]


def test_the_license_file_is_the_license_pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
