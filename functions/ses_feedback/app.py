"""ses-feedback — SES bounce and complaint notifications from the configuration set's SNS topic:
a hard bounce or a complaint pauses the customer."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.logic import ses_feedback
from og.wiring import feedback_ports

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    a = feedback_ports()
    results = []
    for record in event.records:
        try:
            notification = json.loads(record.sns.message)
        except ValueError:
            notification = None
        if not isinstance(notification, dict):
            # "message" is a reserved LogRecord key: logging it as extra raises KeyError.
            logger.warning(
                "not an SES notification", extra={"sns_message": record.sns.message[:500]}
            )
            continue
        result = ses_feedback.handle(a, notification)
        for recipient in result.get("recipients", []):
            if recipient["outcome"] == "unknown_address":
                logger.warning(
                    "bounce or complaint for an address not on the list", extra=recipient
                )
        logger.info("SES feedback", extra=result)
        results.append(result)
    return {"results": results}
