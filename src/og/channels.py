"""The registry from a step's channel to its sender: the customer-journey state whose Lambda
delivers that channel's moves. `og asl build` writes ChooseMove's channel rules from it, so the
routing lives here and in no handler; each sender Lambda keeps only its own channel's grants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from og.core.errors import SetupError
from og.core.models import Channel

# Email is ChooseMove's Default, reached after the Personalize rule (a personalized step is an
# email rewritten by Bedrock first).
DEFAULT = Channel.EMAIL

SENDERS: Mapping[Channel, str] = {
    Channel.EMAIL: "SendEmail",
    Channel.SLACK: "PostOwnerStep",
}


def channel_choices() -> list[dict[str, Any]]:
    """ChooseMove's rules for every channel but the default (the `channel-choices` fragment)."""
    missing = [c.value for c in Channel if c not in SENDERS]
    if missing:
        raise SetupError(
            f"channel {', '.join(missing)} has no sender: add its customer-journey state to "
            "SENDERS in src/og/channels.py"
        )
    return [
        {"Variable": "$.move.channel", "StringEquals": channel.value, "Next": state}
        for channel, state in SENDERS.items()
        if channel is not DEFAULT
    ]
