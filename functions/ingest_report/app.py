"""Report sub-flow task: download one document (fresh URL on expiry), gunzip, stream-parse, upsert."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.reports.ingest import ingest_document
from sellerflow.sync.ingest import IngestInput, ingest_report_document
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(IngestInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.job.seller_id):
        result = ingest_report_document(
            request,
            api=wiring.spapi_client(),
            book=wiring.report_store(),
            ingest=ingest_document,
            sink=wiring.fact_store(),
            kiosk=wiring.data_kiosk_client(),
        )
    return result.model_dump(mode="json")
