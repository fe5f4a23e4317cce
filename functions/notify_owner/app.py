"""notify-owner — Slack posts to the owner: flags (waiting on a task token), owner steps, and
the report of skipped list rows."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.events import FlagTask, OwnerStepTask, OwnerTask, parsed
from og.logic import owner
from og.wiring import owner_ports

logger = Logger()


@logger.inject_lambda_context
@parsed(OwnerTask)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    a = owner_ports()
    if isinstance(event, FlagTask):
        return owner.post_flag(a, event.journey, event.token, event.execution)
    if isinstance(event, OwnerStepTask):
        return owner.post_owner_step(a, event.journey, event.execution)
    return owner.report_problems(a, [p.model_dump() for p in event.problems])
