"""Export task: write one seller's export zip (JSON + CSV per entity) to the exports prefix."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.privacy.models import ExportInput
from sellerflow.tenancy import acting_for
from sellerflow.wiring.privacy import run_export


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(ExportInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        return run_export(request).model_dump(mode="json")
