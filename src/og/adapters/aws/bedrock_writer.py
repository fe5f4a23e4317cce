"""Writer on Amazon Bedrock: the Converse API, with the answer forced through one tool so the
rewritten body comes back as a JSON field rather than free text to be trimmed of preambles."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

TOOL = "rewritten_email"

_TOOL_CONFIG = {
    "tools": [
        {
            "toolSpec": {
                "name": TOOL,
                "description": "Return the rewritten email body.",
                "inputSchema": {
                    "json": {
                        "type": "object",
                        "properties": {
                            "body": {
                                "type": "string",
                                "description": "The full rewritten plain-text email body.",
                            }
                        },
                        "required": ["body"],
                    }
                },
            }
        }
    ],
    "toolChoice": {"tool": {"name": TOOL}},
}

_SYSTEM = (
    "You lightly rewrite onboarding emails that a small business sends its customers. "
    "Change wording only: keep every fact, date, link and the sign-off exactly, and never add "
    f"promises or information. Answer only by calling the {TOOL} tool."
)

# Throttling (ThrottlingException) and 5xx answers are retried with backoff. A short rewrite takes
# the model a few seconds, so 20 s without an answer means the call is stuck.
_RETRIES = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=20
)


class BedrockError(RuntimeError):
    """The model answered, but not with the rewritten body."""


class BedrockWriter:
    def __init__(self, model_id: str, client: Any = None, *, max_tokens: int = 2048):
        self.model_id = model_id
        self._bedrock = client or boto3.client("bedrock-runtime", config=_RETRIES)
        self._max_tokens = max_tokens

    def rewrite(self, body: str, *, instructions: str) -> str:
        response = self._bedrock.converse(
            modelId=self.model_id,
            system=[{"text": _SYSTEM}],
            messages=[
                {
                    "role": "user",
                    "content": [{"text": f"{instructions}\n\n<email>\n{body}\n</email>"}],
                }
            ],
            inferenceConfig={"maxTokens": self._max_tokens, "temperature": 0.3},
            toolConfig=_TOOL_CONFIG,
        )
        content = response.get("output", {}).get("message", {}).get("content", [])
        for block in content:
            use = block.get("toolUse")
            if use and use.get("name") == TOOL:
                rewritten = use.get("input", {}).get("body")
                if isinstance(rewritten, str) and rewritten.strip():
                    return rewritten
        raise BedrockError(
            f"Bedrock model {self.model_id} did not return the {TOOL} tool with a body "
            f"(stopReason {response.get('stopReason')!r}, content blocks "
            f"{[next(iter(b), '?') for b in content]})"
        )
