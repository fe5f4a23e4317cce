"""alarm-to-slack — every alarm and budget alert on the og-cost-alarm topic, posted to the
owner in Slack (the topic also emails AlarmEmail)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.logic import alarms
from og.wiring import adapters

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    a = adapters()
    results = []
    for record in event.records:
        result = alarms.tell_owner(a.config, a.chat, record.sns.subject, record.sns.message)
        logger.info("alarm", extra=result)
        results.append(result)
    return {"results": results}
