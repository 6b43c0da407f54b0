"""Erase-seller task: one step of the erase-seller workflow (the event's `step` names which)."""

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.privacy.models import EraseTask, RecordErasureInput
from sellerflow.tenancy import acting_for
from sellerflow.wiring.privacy import run_erase_step


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    task = parse_event(EraseTask, {"task": event}).task
    # Each step reaches only this seller's partitions (tenant-scoped credentials), except the erasure
    # record: it outlives the seller in the archive partition (ERASED#<seller>, not a seller's key),
    # appended with the function's own role.
    scope: AbstractContextManager[None] = (
        nullcontext() if isinstance(task, RecordErasureInput) else acting_for(task.seller_id)
    )
    with scope:
        return run_erase_step(task).model_dump(mode="json")
