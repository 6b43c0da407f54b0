"""Push: SQS records (Amazon's notifications) -> targeted work per notification, one partial-batch
response (a record that failed for a reason a redelivery may cure goes back to the queue alone)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.notifications import handle_message
from sellerflow.wiring.notifications import push_ports

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> dict[str, Any]:
    return handle_message(record.body, push_ports()).model_dump(mode="json")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
