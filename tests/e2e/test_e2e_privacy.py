"""The seller's data rights end to end: sync, export over HTTP and download it, erase over HTTP, and
nothing of that seller is left anywhere while the other seller keeps its data and keeps syncing."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sellerflow_dev.local.stack import LocalStack

TABLE_VARIABLES = ("SELLER_DATA_TABLE", "SELLERS_TABLE", "AUDIT_TABLE", "PII_TABLE")


def _call(stack: LocalStack, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
    assert stack.gateway is not None
    return httpx.request(
        method,
        f"{stack.gateway.url}{path}",
        headers={"authorization": f"Bearer {token}"},
        timeout=60,
        **kwargs,
    )


def _partition_size(stack: LocalStack, table: str, seller_id: str) -> int:
    dynamodb = stack.session.client("dynamodb")
    total, kwargs = (
        0,
        {
            "TableName": table,
            "KeyConditionExpression": "seller_id = :s",
            "ExpressionAttributeValues": {":s": {"S": seller_id}},
            "Select": "COUNT",
        },
    )
    while True:
        page = dynamodb.query(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _tables() -> list[str]:
    import os

    return [os.environ[v] for v in TABLE_VARIABLES]


def test_export_then_erase_a_seller_over_http_leaves_nothing_and_spares_the_other_seller(
    local_stack: Callable[..., LocalStack],
) -> None:
    from sellerflow import wiring

    # Given two synced sellers; owner1 owns the first only
    stack = local_stack(sellers=2)
    assert [r.status for r in stack.run_sync()] == ["SUCCEEDED"] * 2
    erased, kept = stack.world.sellers
    token = stack.id_token("owner1@sellerflow.local")
    stored_orders = wiring.order_store().count(erased.seller_id)
    assert stored_orders > 0

    # When owner1 requests an export and polls it until it is ready
    started = _call(stack, "POST", f"/sellers/{erased.seller_id}/exports", token)
    assert started.status_code == 202, started.text
    export_id = started.json()["export_id"]
    deadline = time.monotonic() + 120
    while True:
        status = _call(stack, "GET", f"/sellers/{erased.seller_id}/exports/{export_id}", token).json()
        if status["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    # Then it is ready with a short-lived URL that serves the zip
    assert status["status"] == "ready", status
    assert status["expires_in"] <= 900
    download = httpx.get(status["url"], timeout=60)
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    # And its orders equal what is stored, and it holds no credential
    assert len(json.loads(archive.read("seller_data/orders.json"))) == stored_orders
    assert all(b"CREDENTIALS" not in archive.read(n) for n in archive.namelist())
    # And its transactions are the stored ones, a row each (not the chunks that hold them)
    stored = wiring.fact_store().finance_transactions(
        erased.seller_id, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
    )
    rows = json.loads(archive.read("seller_data/finance_transactions.json"))
    assert sorted(r["transaction_id"] for r in rows) == sorted(t.transaction_id for t in stored) != []
    assert not any("payload" in r for r in rows)
    # And another owner cannot see the export (404, as for a seller that does not exist)
    other_owner = stack.id_token("owner2@sellerflow.local")
    assert (
        _call(stack, "GET", f"/sellers/{erased.seller_id}/exports/{export_id}", other_owner).status_code
        == 404
    )

    # When owner1 erases the seller
    kept_before = {t: _partition_size(stack, t, kept.seller_id) for t in _tables()}
    response = _call(stack, "DELETE", f"/sellers/{erased.seller_id}", token)
    assert response.status_code == 202, response.text
    assert stack.resources is not None
    sfn = stack.session.client("stepfunctions")
    erase_arn = stack.resources.state_machines["EraseSellerStateMachine"]
    (execution,) = sfn.list_executions(stateMachineArn=erase_arn)["executions"]
    finished = stack.wait_for(execution["executionArn"], timeout_s=300)
    # Then the workflow succeeded and reports nothing left
    assert finished["status"] == "SUCCEEDED", finished
    assert json.loads(finished["output"])["items_left"] == 0
    assert json.loads(finished["output"])["objects_left"] == 0
    # And no table holds an item of that seller, and the bucket no object under its prefixes
    assert {t: _partition_size(stack, t, erased.seller_id) for t in _tables()} == {t: 0 for t in _tables()}
    s3 = stack.session.client("s3")
    bucket = __import__("os").environ["RAW_BUCKET"]
    for prefix in (f"raw/{erased.seller_id}/", f"exports/{erased.seller_id}/"):
        assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0) == 0
    # And the seller is gone from its former owner's view
    assert _call(stack, "GET", f"/sellers/{erased.seller_id}/orders", token).status_code == 404

    # And the other seller's data is untouched, and its next sync still works (the erased one is not synced)
    assert {t: _partition_size(stack, t, kept.seller_id) for t in _tables()} == kept_before
    again = stack.run_sync()
    assert [(r.seller_id, r.status) for r in again] == [(kept.seller_id, "SUCCEEDED")]
    assert wiring.order_store().count(kept.seller_id) > 0
