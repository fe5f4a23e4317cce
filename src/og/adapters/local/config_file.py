"""ConfigSource and Secrets read from files in the og home (config.txt, secrets.json)."""

from __future__ import annotations

import json
from pathlib import Path

from og.core.config_doc import read_config_entries


class ConfigFile:
    def __init__(self, path: Path):
        self.path = path

    def entries(self) -> dict[str, tuple[str, str]]:
        return read_config_entries(self.path.read_text(encoding="utf-8"), self.path.name)


class SecretsFile:
    def __init__(self, path: Path):
        self.path = path

    def get(self, name: str) -> str:
        secrets: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        if name not in secrets:
            raise KeyError(f"{self.path}: no secret named '{name}'")
        return secrets[name]
