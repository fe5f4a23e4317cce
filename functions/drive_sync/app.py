"""drive-sync — EventBridge Scheduler target, every 15 minutes: mirrors the onboarding sheet and
the rules and voice docs from Google Drive into S3, writing only what changed. A file that fails
og validate's checks is kept out and the owner told in Slack: the run still succeeds (the
og-drive-sync-failed alarm is for files that could not be mirrored, or an owner who could not
be told)."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from og.core.errors import DriveSyncFailed
from og.logic import drive_sync
from og.wiring import drive_sync_ports

logger = Logger()
metrics = Metrics(namespace="OnboardingGuide")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        results = drive_sync.sync(drive_sync_ports())
    except DriveSyncFailed as err:
        logger.error(
            "drive-sync: some files were not mirrored",
            extra={"results": [asdict(r) for r in err.results]},
        )
        metrics.add_metric(name="DriveSyncFailures", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
        raise
    written = sum(r["outcome"] == "written" for r in results)
    kept_out = [r for r in results if r["outcome"] == "kept out"]
    if kept_out:
        logger.warning("drive-sync: kept out, the owner told", extra={"kept_out": kept_out})
    logger.info("drive-sync", extra={"results": results})
    if written:
        metrics.add_metric(name="DriveFilesMirrored", unit=MetricUnit.Count, value=written)
        metrics.flush_metrics()
    return {"mirrored": results}
