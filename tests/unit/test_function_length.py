"""No function in src/og or functions/ is over 60 lines: past that, a part of it deserves a name."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 60


def _long_functions() -> list[tuple[str, int, str, int]]:
    found = []
    for folder in ("src/og", "functions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > LIMIT:
                        found.append((relative, node.lineno, node.name, length))
    return found


def test_no_function_is_over_60_lines() -> None:
    offenders = [
        f"{path}:{line} {name} is {length} lines" for path, line, name, length in _long_functions()
    ]
    assert not offenders, (
        f"functions over {LIMIT} lines; split each where a name would explain a part:\n"
        + "\n".join(offenders)
    )
