"""Fanout task: the active sellers due for a sync in this schedule window (lapsed ones are marked),
written to S3 in batches for the fanout's Distributed Map; the result is only where the list is and
its size."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.fanout import publish_due_sellers
from sellerflow.sync.models import ListDueSellersInput


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(ListDueSellersInput, event)
    result = publish_due_sellers(
        request.tick_time,
        sellers=wiring.connection_store(),
        window_minutes=wiring.settings().sync_window_minutes,
        sink=wiring.due_list_objects(),
        billing=wiring.billing_sync_gate(),  # None unless Billing=on
        every_active=request.every_active,  # the daily history archive: every active seller
        batch_size=request.batch_size,  # the fanout's batches (None: one item per seller)
    )
    return result.model_dump(mode="json")
