"""summary — the monthly summary email (og-monthly-summary, first Monday 9am in the business
timezone)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.events import ScheduledEvent, parsed
from og.logic import summary
from og.wiring import summary_ports

logger = Logger()


@logger.inject_lambda_context
@parsed(ScheduledEvent)
def handler(event: ScheduledEvent, context: LambdaContext) -> dict[str, Any]:
    a = summary_ports()
    result = summary.run(a, event.scheduled_time or a.clock())
    logger.info("monthly summary", extra=result)
    return result
