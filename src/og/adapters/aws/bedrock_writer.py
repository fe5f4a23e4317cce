"""Writer on Amazon Bedrock: the Converse API, with every answer forced through one tool so it
comes back as JSON fields rather than free text to be trimmed of preambles."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from og.core.errors import BedrockError

REWRITE_TOOL = "rewritten_email"
CUSTOMER_TOOL = "customer_row"
NARRATIVE_TOOL = "narrative"
CUSTOMER_FIELDS = ("name", "email", "plan", "signup_date")

_REWRITE_SYSTEM = (
    "You lightly rewrite onboarding emails that a small business sends its customers. "
    "Change wording only: keep every fact, date, link and the sign-off exactly, and never add "
    f"promises or information. Answer only by calling the {REWRITE_TOOL} tool."
)
_CUSTOMER_SYSTEM = (
    "A small business forwards you the welcome email its app sent a new customer. Read who the "
    "new customer is: their name, their email address (the address the welcome email was sent "
    "to, not the business's own), their plan, and the date they signed up. Use only what the "
    "email says; leave a field empty rather than guess. Answer only by calling the "
    f"{CUSTOMER_TOOL} tool."
)
_NARRATIVE_SYSTEM = (
    "You write the monthly onboarding summary a small business reads: one plain paragraph of "
    "three to five sentences about sign-ups, finishes and where customers stop. Use only the "
    "figures given, quote them exactly, add no advice you cannot base on them, no headings, no "
    f"lists. Answer only by calling the {NARRATIVE_TOOL} tool."
)

# Throttling (ThrottlingException) and 5xx answers are retried with backoff. A short answer takes
# the model a few seconds, so 20 s without one means the call is stuck.
_RETRIES = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=20
)


def _tool_config(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "tools": [
            {
                "toolSpec": {
                    "name": name,
                    "description": description,
                    "inputSchema": {
                        "json": {
                            "type": "object",
                            "properties": properties,
                            "required": list(properties),
                        }
                    },
                }
            }
        ],
        "toolChoice": {"tool": {"name": name}},
    }


class BedrockWriter:
    def __init__(self, model_id: str, client: Any = None, *, max_tokens: int = 2048):
        self.model_id = model_id
        self._client = client
        self._max_tokens = max_tokens

    @cached_property
    def _bedrock(self) -> Any:
        # Built on first use: done-handler builds every adapter and never calls the model.
        return self._client or boto3.client("bedrock-runtime", config=_RETRIES)

    def rewrite(self, body: str, *, instructions: str) -> str:
        tool = _tool_config(
            REWRITE_TOOL,
            "Return the rewritten email body.",
            {
                "body": {
                    "type": "string",
                    "description": "The full rewritten plain-text email body.",
                }
            },
        )
        prompt = f"{instructions}\n\n<email>\n{body}\n</email>"
        return self._text(self._call(tool, _REWRITE_SYSTEM, prompt, 0.3), REWRITE_TOOL, "body")

    def propose_customer(self, text: str, *, plans: Sequence[str]) -> dict[str, str]:
        empty = "Empty when the email does not say."
        tool = _tool_config(
            CUSTOMER_TOOL,
            "Return the new customer's row for the onboarding list.",
            {
                "name": {"type": "string", "description": f"The customer's full name. {empty}"},
                "email": {
                    "type": "string",
                    "description": f"The customer's email address, like ana@example.com. {empty}",
                },
                "plan": {
                    "type": "string",
                    "enum": [*plans, ""],
                    "description": f"The plan they signed up for, one of the names given. {empty}",
                },
                "signup_date": {
                    "type": "string",
                    "description": (
                        "The signup date as YYYY-MM-DD: as stated, else the date the welcome "
                        f"email was sent. {empty}"
                    ),
                },
            },
        )
        prompt = f"The plans are: {', '.join(plans)}.\n\n<email>\n{text}\n</email>"
        found = self._call(tool, _CUSTOMER_SYSTEM, prompt, 0.0)
        return {k: v if isinstance(v := found.get(k), str) else "" for k in CUSTOMER_FIELDS}

    def narrate(self, figures: str, *, instructions: str) -> str:
        tool = _tool_config(
            NARRATIVE_TOOL,
            "Return the summary paragraph.",
            {"paragraph": {"type": "string", "description": "One plain-text paragraph."}},
        )
        prompt = f"{instructions}\n\n<figures>\n{figures}\n</figures>"
        found = self._call(tool, _NARRATIVE_SYSTEM, prompt, 0.4)
        return self._text(found, NARRATIVE_TOOL, "paragraph")

    def _call(
        self, tool: dict[str, Any], system: str, prompt: str, temperature: float
    ) -> dict[str, Any]:
        """The input the model gave the forced tool."""
        name = tool["toolChoice"]["tool"]["name"]
        response = self._bedrock.converse(
            modelId=self.model_id,
            system=[{"text": system}],
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": self._max_tokens, "temperature": temperature},
            toolConfig=tool,
        )
        content = response.get("output", {}).get("message", {}).get("content", [])
        for block in content:
            use = block.get("toolUse")
            if use and use.get("name") == name and isinstance(use.get("input"), dict):
                found: dict[str, Any] = use["input"]
                return found
        raise BedrockError(
            f"Bedrock model {self.model_id} did not return the {name} tool "
            f"(stopReason {response.get('stopReason')!r}, content blocks "
            f"{[next(iter(b), '?') for b in content]})"
        )

    def _text(self, found: dict[str, Any], tool: str, field: str) -> str:
        value = found.get(field)
        if not isinstance(value, str) or not value.strip():
            raise BedrockError(
                f"Bedrock model {self.model_id} returned the {tool} tool without a {field}"
            )
        return value
