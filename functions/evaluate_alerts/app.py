"""Seller-sync task: evaluate the seller's alert rules and publish what is due (once) to SNS."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.alerts.events import EvaluateAlertsInput, Trigger
from sellerflow.alerts.service import evaluate_and_publish
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.tenancy import acting_for
from sellerflow.wiring.alerts import alert_store, alert_topic, store_inputs


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(EvaluateAlertsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        now = datetime.now(UTC)
        data = store_inputs().gather(
            request.seller_id, now, sync_failed=request.trigger is not Trigger.SYNC_SUCCEEDED
        )
        outcome = evaluate_and_publish(data, ledger=alert_store(), publisher=alert_topic())
        metrics.add_metric(name="AlertsPublished", unit="Count", value=outcome.published + outcome.released)
        return outcome.model_dump(mode="json")
