"""OwnerChat on the Slack Web API (chat.postMessage, views.open, chat.update) through
slack_sdk's WebClient."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from og.adapters.owner_messages import AnsweredPost, OwnerModal, OwnerPost


class SlackWebChat:
    """The bot token is read on first use, so functions that never talk to Slack never read the
    secret; slack_sdk and the messages built with it are imported then too (0.15-0.2 s of a cold
    start that enroll, the sender and the tick would pay for nothing). A 429 is retried after
    the Retry-After Slack sends; any other failure raises slack_sdk's SlackApiError, which
    names the method and Slack's error."""

    def __init__(
        self,
        token: Callable[[], str],
        *,
        base_url: str | None = None,  # WebClient.BASE_URL
        timeout: int = 10,
        rate_limit_retries: int = 2,
    ):
        self._token = token
        self._base_url = base_url
        self._timeout = timeout
        self._rate_limit_retries = rate_limit_retries
        self._client: WebClient | None = None

    def _web(self) -> WebClient:
        if self._client is None:
            from slack_sdk import WebClient
            from slack_sdk.http_retry import RateLimitErrorRetryHandler, default_retry_handlers

            self._client = WebClient(
                token=self._token(),
                base_url=self._base_url or WebClient.BASE_URL,
                timeout=self._timeout,
                retry_handlers=[
                    *default_retry_handlers(),
                    RateLimitErrorRetryHandler(max_retry_count=self._rate_limit_retries),
                ],
            )
        return self._client

    def post(self, channel: str, message: OwnerPost) -> str:
        from og.adapters import slack_messages

        built = slack_messages.message(message)
        response = self._web().chat_postMessage(
            channel=channel, text=built.text, blocks=built.blocks
        )
        return str(response["ts"])

    def open_modal(self, trigger_id: str, modal: OwnerModal) -> None:
        from og.adapters import slack_messages

        self._web().views_open(trigger_id=trigger_id, view=slack_messages.modal(modal))

    def update(self, channel: str, ts: str, message: AnsweredPost) -> None:
        from og.adapters import slack_messages

        built = slack_messages.answered(message)
        self._web().chat_update(channel=channel, ts=ts, text=built.text, blocks=built.blocks)
