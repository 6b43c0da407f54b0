"""Erase-seller task: one step of the erase-seller workflow (the event's `step` names which)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.privacy.models import EraseTask
from sellerflow.wiring.privacy import run_erase_step


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(EraseTask, {"task": event})
    return run_erase_step(request.task).model_dump(mode="json")
