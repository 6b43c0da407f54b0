"""Export task: write one seller's export zip (JSON + CSV per entity) to the exports prefix."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.privacy.export import build_export
from sellerflow.privacy.models import ExportInput
from sellerflow.privacy.wiring import bound_settings
from sellerflow.store.privacy import PartitionStore, SellerObjects


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(ExportInput, event)
    settings = bound_settings()
    result = build_export(
        request,
        source=PartitionStore.from_settings(settings),
        sink=SellerObjects.from_settings(settings),
        prefix=settings.exports_prefix,
    )
    return result.model_dump(mode="json")
