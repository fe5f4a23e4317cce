"""personalize — render a personalized step and have Bedrock lightly rewrite its body."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.events import JourneyTask, parsed
from og.logic import sending
from og.wiring import personalize_ports

logger = Logger()


@logger.inject_lambda_context
@parsed(JourneyTask)
def handler(event: JourneyTask, context: LambdaContext) -> dict[str, str]:
    return sending.personalize(personalize_ports(), event.journey.move)
