"""Seller-sync task: pull one page of orders for one seller and commit it; after the last page,
refresh the tracking of the seller's labels in transit."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.models import OrdersPageInput
from sellerflow.sync.orders import sync_orders_page
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(OrdersPageInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        sellers = wiring.seller_store()
        result = sync_orders_page(
            request,
            source=wiring.spapi_client(),
            sink=wiring.order_store(),
            state_store=sellers,
            marketplace_ids=sellers.marketplaces_of(request.seller_id),
            policy=wiring.orders_sync_policy(),
        )
        if not result.has_more and not result.wait_s:
            # the run's last page: the seller's shipped labels not yet delivered get their tracking
            wiring.tracking_refresh().refresh_after_sync(request.seller_id)
    return result.model_dump(mode="json")
