"""Fanout task: start one seller-sync execution, Standard or hourly Express as the seller's sync state
calls for (seller + window claimed first: a repeated start is a no-op); also an hourly run's hand-over
to Standard."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.fanout import start_seller_sync
from sellerflow.sync.models import StartSellerSyncInput


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(StartSellerSyncInput, event)
    return start_seller_sync(
        request,
        starter=wiring.seller_sync_starter(),
        hourly=wiring.seller_sync_hourly_starter(),
        routes=wiring.seller_store(),
    ).model_dump(mode="json")
