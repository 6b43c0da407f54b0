"""Seller-sync task after the reconciliation: review requests (Solicitations API) for the seller's
delivered orders whose delay has elapsed, once per order; off unless the seller turned them on."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.solicitations.service import RequestReviewsInput
from sellerflow.tenancy import acting_for
from sellerflow.wiring.solicitations import review_requester


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(RequestReviewsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        result = review_requester().run(request.seller_id, datetime.now(UTC))
    return result.model_dump(mode="json")
