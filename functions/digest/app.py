"""digest — the weekly Slack digest (og-weekly-digest, Sunday 6pm in the business timezone)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.events import ScheduledEvent, parsed
from og.logic import digest
from og.wiring import digest_ports

logger = Logger()


@logger.inject_lambda_context
@parsed(ScheduledEvent)
def handler(event: ScheduledEvent, context: LambdaContext) -> dict[str, Any]:
    a = digest_ports()
    result = digest.run(a, event.scheduled_time or a.clock())
    logger.info("weekly digest", extra=result)
    return result
