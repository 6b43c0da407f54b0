"""Scheduled task (EventBridge Scheduler, monthly; Billing=on only): report each metered account's
orders synced last month to Stripe as one meter event (a count and the Stripe customer id)."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.billing.views import UsageRequest
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.wiring.billing import report_monthly_usage


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(UsageRequest, event)
    run = report_monthly_usage(datetime.now(UTC), request.period)
    metrics.add_metric(name="UsageEventsReported", unit="Count", value=run.reported)
    logger.info(
        "usage report", extra={"period": run.period, "reported": run.reported, "skipped": run.skipped}
    )
    return {"period": run.period, "reported": run.reported, "skipped": run.skipped, "orders": run.orders}
