"""guide — the daily tick's first step: decide every customer's move, write moves/<date>.csv."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.events import TickEvent, parsed
from og.logic import tick
from og.wiring import tick_ports

logger = Logger()


@logger.inject_lambda_context
@parsed(TickEvent)
def handler(event: TickEvent, context: LambdaContext) -> dict[str, Any]:
    a = tick_ports()
    result = tick.run(a, event.scheduled_time or a.clock())
    logger.info("day planned", extra={k: v for k, v in result.items() if k != "new_problems"})
    return result
