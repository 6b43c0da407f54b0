"""Scheduled task (EventBridge Scheduler, weekdays after the ECB's 16:00 CET publication): store the
ECB's euro foreign exchange reference rates, one item per day, for the dashboard's home-currency total.
Application-wide reference data (not per seller); a first run or a gap fetches the recent history."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.analytics.fx import refresh_rates
from sellerflow.observability import logger, metrics, tracer
from sellerflow.wiring.fx import fx_rate_store, rates_source


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(_event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    outcome = refresh_rates(rates_source(), fx_rate_store(), datetime.now(UTC).date())
    metrics.add_metric(name="FxRateDaysStored", unit="Count", value=outcome.stored)
    logger.info("reference rates stored", extra={"file": outcome.fetched, "days": outcome.stored})
    return {"file": outcome.fetched, "stored": outcome.stored, "latest": outcome.latest.isoformat()}
