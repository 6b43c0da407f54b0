"""Seller-sync task: one page of Finances 2024-06-19 transactions (fees, refunds, reimbursements)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.reports import finance_fact_from_transaction
from sellerflow.sync.finances import FinancesPageInput, sync_transactions_page
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(FinancesPageInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        result = sync_transactions_page(
            request,
            api=wiring.spapi_client(),
            sink=wiring.fact_store(),
            state_store=wiring.seller_store(),
            to_fact=finance_fact_from_transaction,
            policy=wiring.finances_policy(),
        )
    return result.model_dump(mode="json")
