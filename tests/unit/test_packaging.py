"""The SAM layer installs src/requirements.txt; it must match the package's own dependencies."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layer_requirements_equal_project_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = [
        line.strip()
        for line in (ROOT / "src" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(layer) == sorted(project)
