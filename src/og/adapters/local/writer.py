"""Writer standing in for Bedrock locally: deterministic, and labelled so nobody mistakes its
output for a model's."""

from __future__ import annotations

LABEL = "[local Bedrock stand-in: personalized rewrite not performed]"


class StandInWriter:
    def rewrite(self, body: str, *, instructions: str) -> str:
        return f"{body.rstrip()}\n\n{LABEL}\n"
