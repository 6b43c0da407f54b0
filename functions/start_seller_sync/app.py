"""Fanout task: start a batch of sellers' seller-sync executions, each on Standard or the hourly Express
machine as its sync state calls for (seller + window claimed first: a repeated start is a no-op);
also one seller's start: an hourly run's hand-over to Standard, or a first sync."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.fanout import start_seller_sync, start_seller_syncs
from sellerflow.sync.models import StartSellerSyncBatchInput, StartSellerSyncInput


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    starter, hourly, routes = (
        wiring.seller_sync_starter(),
        wiring.seller_sync_hourly_starter(),
        wiring.seller_store(),
    )
    if isinstance(event, dict) and "sellers" in event:  # a fanout child's batch
        batch = parse_event(StartSellerSyncBatchInput, event)
        started = start_seller_syncs(
            batch,
            starter=starter,
            hourly=hourly,
            routes=routes,
            time_left_s=lambda: context.get_remaining_time_in_millis() / 1000,
        )
        return started.model_dump(mode="json", exclude_none=True)
    request = parse_event(StartSellerSyncInput, event)  # one seller: a hand-over, or a first sync
    return start_seller_sync(request, starter=starter, hourly=hourly, routes=routes).model_dump(mode="json")
