"""The cost model reads the deployment it prices: memory from template.yaml, states from the workflow."""

from __future__ import annotations

from sellerflow_dev.bench.cost import SyncShape, function_memory_gb, month


def test_every_priced_function_exists_in_the_template() -> None:
    memory = function_memory_gb()
    shape = SyncShape(order_pages=1, finance_pages=1, reports=1, ads_reports=1, settlements=1, polls=1)
    assert set(shape.invocations()) <= set(memory)


def test_an_hourly_run_walks_the_seller_sync_path_and_reports_add_their_polls() -> None:
    quiet = SyncShape(order_pages=1, finance_pages=1, reports=0, ads_reports=0, settlements=0, polls=3)
    busy = SyncShape(order_pages=1, finance_pages=1, reports=1, ads_reports=0, settlements=0, polls=3)
    assert quiet.transitions() == 16
    assert busy.transitions() - quiet.transitions() == 4 + 3 * 3


def test_cost_grows_with_orders_and_every_service_is_priced() -> None:
    small, large = month(100), month(10_000)
    assert 0 < small.total < large.total
    assert all(value >= 0 for value in small.cost.values())
    assert {"Lambda", "Step Functions", "DynamoDB", "KMS", "S3", "CloudWatch Logs"} <= set(small.cost)


def test_items_are_sized_as_dynamodb_bills_them() -> None:
    from sellerflow_dev.bench.cost_count import item_bytes

    item = {
        "pk": {"S": "A1"},
        "n": {"N": "12345"},
        "m": {"M": {"x": {"BOOL": True}}},
        "l": {"L": [{"S": "ab"}]},
    }
    # pk 2+2, n 1+(3+1), m 1+(3+1+1), l 1+(3+1+2)
    assert item_bytes(item) == 4 + 5 + 6 + 7
