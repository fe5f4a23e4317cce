"""og.logic receives its ports: no logic module reaches the composition root (og.wiring), so a
use case's signature says all it can touch, and a test hands it fakes as arguments."""

from __future__ import annotations

import ast
from pathlib import Path

LOGIC = Path(__file__).resolve().parents[2] / "src" / "og" / "logic"


def _wiring_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [f"{path.name}:{node.lineno} {n}" for n in names if n.startswith("og.wiring")]
    return found


def test_no_logic_module_imports_the_composition_root() -> None:
    modules = sorted(LOGIC.glob("*.py"))
    assert len(modules) > 10
    found = [hit for path in modules for hit in _wiring_imports(path)]
    assert found == [], "og.logic takes its ports as arguments; build them in og.wiring"
