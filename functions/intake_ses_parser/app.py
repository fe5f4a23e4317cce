"""intake-ses-parser — a forwarded welcome email landed in og-raw-mime (S3 PUT by the SES inbound
rule): propose the new customer's row to the owner in Slack (Approve / Edit / Discard)."""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.logic import intake
from og.wiring import intake_ports

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    a = intake_ports()
    results = []
    for record in event.records:
        # The notification carries the key URL-encoded (a space as "+"); S3 wants it as stored.
        bucket, key = record.s3.bucket.name, unquote_plus(record.s3.get_object.key)
        result = intake.propose(a, bucket, key)
        logger.info("forwarded email read", extra={"bucket": bucket, "key": key, **result})
        results.append(result)
    return {"results": results}
