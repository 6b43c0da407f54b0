"""Scheduled task (EventBridge Scheduler, daily): remind the owners of every seller whose quarterly
access review is due (last completed review older than 90 days), on the alerts topic."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.members.review import send_review_reminders
from sellerflow.observability import logger, metrics, tracer
from sellerflow.wiring.alerts import access_review_reminders, access_review_store


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(_event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    outcome = send_review_reminders(
        store=access_review_store(), port=access_review_reminders(), now=datetime.now(UTC)
    )
    metrics.add_metric(name="AccessReviewRemindersSent", unit="Count", value=outcome.reminded_owners)
    logger.info("access review reminders", extra={"sellers": outcome.sellers, "due": outcome.due})
    return outcome.model_dump()
