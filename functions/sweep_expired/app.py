"""Scheduled task (EventBridge Scheduler, daily): delete expired items DynamoDB TTL has not deleted yet."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from sellerflow import wiring
from sellerflow.observability import SERVICE, logger, metrics, tracer


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(_event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    report = wiring.sweeper().sweep().as_dict()
    for table, deleted in report["deleted"].items():
        with single_metric(
            name="ExpiredItemsDeleted", unit=MetricUnit.Count, value=deleted, namespace="Sellerflow"
        ) as metric:
            metric.add_dimension(name="service", value=SERVICE)
            metric.add_dimension(name="table", value=table)
    logger.info("expired items swept", extra={"sweep": report})
    return report
