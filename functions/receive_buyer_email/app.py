"""SES receipt (Lambda action, after the S3 action stored the raw mail): one buyer message in.

Parses it, stores it encrypted in its thread (acting for the mail's seller, `acting_for(` in
`InboundService.receive`), drafts a PII-free reply, deletes the raw object. Rejected mail (not from
Amazon's relay, not for a known seller, spam/virus) is counted, never stored. No message text, no
address ever reaches a log line or a metric: only counts, reasons and opaque ids.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow.messages.service import SesMail, receive_from_ses
from sellerflow.observability import count, logger, metrics, tracer
from sellerflow.wiring import messages as wiring


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    results = []
    for record in event.get("Records", []):
        mail = SesMail.from_record(record)
        outcome = receive_from_ses(mail, raw=wiring.inbound_mail(), inbound=wiring.inbound_service())
        if outcome.rejected is not None:
            count("BuyerMessagesRejected")
            logger.info("buyer message rejected", extra={"reason": outcome.rejected.value})
        elif not outcome.duplicate and outcome.seller_id and outcome.thread_id:
            count("BuyerMessagesReceived")
            wiring.after_receipt(outcome.seller_id, outcome.thread_id)
        results.append(
            {
                "seller_id": outcome.seller_id,
                "thread_id": outcome.thread_id,
                "rejected": outcome.rejected.value if outcome.rejected else None,
                "duplicate": outcome.duplicate,
            }
        )
    return {"results": results}
