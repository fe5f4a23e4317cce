"""sender — one step or nudge email, sent at most once (SES v2 SendEmail, raw content)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.events import JourneyTask, parsed
from og.logic import sending
from og.wiring import sending_ports

logger = Logger()


@logger.inject_lambda_context
@parsed(JourneyTask)
def handler(event: JourneyTask, context: LambdaContext) -> dict[str, str]:
    logger.append_keys(execution=event.execution)
    # The claim names its execution, for the owner if it is ever left in doubt.
    attempt = f"{event.execution}/{context.aws_request_id}"
    result = sending.send(sending_ports(), event.journey, attempt=attempt)
    logger.info("send", extra=result)
    return result
