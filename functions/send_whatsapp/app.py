"""WhatsApp sender: SQS records (raw SNS alert messages) -> Twilio, one partial-batch response."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.alerts.delivery import deliver
from sellerflow.alerts.model import AlertMessage
from sellerflow.observability import logger, metrics, tracer
from sellerflow.tenancy import acting_for
from sellerflow.wiring.alerts import alert_store, whatsapp

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = AlertMessage.model_validate_json(record.body)
    # Its reads and writes reach only the alert's seller's partitions (tenant-scoped credentials).
    with acting_for(message.seller_id):
        outcome = deliver(message, ledger=alert_store(), port=whatsapp(), now=datetime.now(UTC))
    metrics.add_metric(name="WhatsAppMessagesSent", unit="Count", value=outcome.sent)
    return outcome.model_dump(mode="json")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
