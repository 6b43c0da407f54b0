"""History archive task: move one seller's orders and transactions past the hot window to S3."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.analytics.events import ComputeRollupsInput
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.tenancy import acting_for
from sellerflow.wiring import archive_history


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(ComputeRollupsInput, event)  # {"seller_id": ...}, as the rollups' task
    # Its reads, writes and deletes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        # Days the run's time does not reach stay in DynamoDB for the next run (checkpoint: its oldest item).
        result = archive_history(request.seller_id, time_left_ms=context.get_remaining_time_in_millis)
        logger.info(
            "history archived",
            extra={
                "seller_id": request.seller_id,
                "orders_archived": result.orders_archived,
                "transactions_archived": result.transactions_archived,
                "objects_written": result.objects_written,
                "items_kept": result.items_kept,
                "done": result.done,
            },
        )
        metrics.add_metric(
            name="HistoryItemsArchived",
            unit="Count",
            value=result.orders_archived + result.transactions_archived,
        )
        return result.model_dump(mode="json")
