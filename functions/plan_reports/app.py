"""Seller-sync task: the reports this run asks for (or keeps polling) and the new settlement reports."""

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.events import parse_event
from sellerflow.observability import logger, metrics, tracer
from sellerflow.sync.reports import PlanReportsInput, ReportPlan, plan_reports, plan_settlements, within_plan
from sellerflow.tenancy import acting_for


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    request = parse_event(PlanReportsInput, event)
    # Its reads and writes reach only this seller's partitions (tenant-scoped credentials).
    with acting_for(request.seller_id):
        now = datetime.now(UTC)
        book, api, policy = wiring.report_store(), wiring.spapi_client(), wiring.report_policy()
        marketplaces, policy = within_plan(  # Billing=on: the plan's marketplaces and history depth
            wiring.seller_store().marketplaces_of(request.seller_id),
            policy,
            wiring.sync_plan_caps(request.seller_id),
        )
        plan = ReportPlan(
            reports=plan_reports(
                request.seller_id,
                marketplaces,
                book=book,
                now=now,
                policy=policy,
                traffic_budget=wiring.traffic_budget(),
            ),
            settlements=plan_settlements(request.seller_id, api=api, book=book, now=now, policy=policy),
        )
        return plan.model_dump(mode="json")
