"""Compose the state machines in statemachines/ from asl-fragments/.

A machine's layout lives in asl-fragments/machines/<name>.json. Anywhere in it (or in a fragment),
an object {"$fragment": "<name>", ...} is replaced by asl-fragments/<name>.json; when the fragment
is an object, the other keys of the reference are laid over it (so a task keeps its shared
Resource and Retry, and adds its own Parameters and Next); a list fragment inside a list is spliced
in. `channel-choices` is written from og.channels (ChooseMove's rule per channel). `${Name}`
placeholders are left for DefinitionSubstitutions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from og.channels import channel_choices
from og.core.errors import SetupError


def _generated() -> dict[str, Any]:
    """Fragments written from code rather than a file."""
    return {"channel-choices": channel_choices()}


def _expand(value: Any, fragments: Path, trail: tuple[str, ...]) -> Any:
    if isinstance(value, list):
        out: list[Any] = []
        for v in value:
            expanded = _expand(v, fragments, trail)
            # a list fragment inside a list (a rule set in Choices) is spliced in
            spliced = isinstance(v, dict) and "$fragment" in v and isinstance(expanded, list)
            out.extend(expanded if spliced else [expanded])
        return out
    if not isinstance(value, dict):
        return value
    if "$fragment" in value:
        name = value["$fragment"]
        if name in trail:
            raise SetupError(f"asl-fragments: fragment cycle {' -> '.join((*trail, name))}")
        path = fragments / f"{name}.json"
        generated = _generated()
        if name in generated:
            body = generated[name]
        elif not path.exists():
            raise FileNotFoundError(f"asl-fragments: no fragment '{name}' ({path}) in {trail[-1]}")
        else:
            body = _expand(json.loads(path.read_text(encoding="utf-8")), fragments, (*trail, name))
        overrides = {k: v for k, v in value.items() if k != "$fragment"}
        if overrides and not isinstance(body, dict):
            raise SetupError(f"asl-fragments: fragment '{name}' is not an object; cannot add keys")
        if isinstance(body, dict):
            merged = body | {k: _expand(v, fragments, trail) for k, v in overrides.items()}
            # keep the state's own keys first, the way a person would write it
            return {k: merged[k] for k in ("Type", "Comment", *merged) if k in merged}
        return body
    return {k: _expand(v, fragments, trail) for k, v in value.items()}


def compose(root: Path) -> dict[str, str]:
    """statemachines/<name>.asl.json -> its text, for every machine layout."""
    fragments = root / "asl-fragments"
    out = {}
    for layout in sorted((fragments / "machines").glob("*.json")):
        machine = json.loads(layout.read_text(encoding="utf-8"))
        composed = _expand(machine, fragments, (f"machines/{layout.name}",))
        out[f"{layout.stem}.asl.json"] = json.dumps(composed, indent=2, ensure_ascii=False) + "\n"
    return out


def build(root: Path) -> list[Path]:
    written = []
    for name, text in compose(root).items():
        path = root / "statemachines" / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale(root: Path) -> list[str]:
    """Machines whose committed file differs from what the fragments compose to."""
    return [
        name
        for name, text in compose(root).items()
        if not (root / "statemachines" / name).exists()
        or (root / "statemachines" / name).read_text(encoding="utf-8") != text
    ]
