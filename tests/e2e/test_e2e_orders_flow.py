"""The foundation end to end: schedule → fanout → seller-sync → DynamoDB → authenticated API."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from e2e_helpers import all_orders_over_http, api_get

from sellerflow.api.models import OrderOut
from sellerflow.store.reports import ReportStore
from sellerflow.sync.mapping import to_order
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.local.verify import backfilled_order_ids
from sellerflow_dev.simulator import find_pii_markers


def _assert_figures_add_up(figures: dict[str, Any], orders: dict[str, dict[str, Any]]) -> None:
    assert any(f is not None and f["fees_posted"] for f in figures.values())  # fees reached some orders
    for order_id, f in figures.items():
        if f is None:
            continue
        money = {name: f[name] for name in ("sales", "fees", "refunds", "cogs", "profit")}
        total = orders[order_id]["order_total"]
        assert len({m["currency"] for m in money.values()}) == 1
        assert total is None or money["sales"]["currency"] == total["currency"]
        amount = {name: Decimal(m["amount"]) for name, m in money.items()}
        assert amount["profit"] == amount["sales"] - amount["fees"] - amount["refunds"] - amount["cogs"], (
            order_id
        )


def test_a_schedule_tick_syncs_every_seller_and_the_api_returns_exactly_the_ground_truth(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given three connected demo sellers and the simulator's ground truth, and batches of two
    stack = local_stack(parameters={"FanoutBatchSize": "2"})
    # When the schedule fires once and every seller-sync completes
    reports = stack.run_sync()
    # Then the fanout's map ran a batch of two and one of the remaining seller
    assert stack.last_fanout is not None
    batches = stack.due_batches(stack.last_fanout)
    assert [len(batch) for batch in batches] == [2, 1]
    assert sorted(s for batch in batches for s, _ in batch) == sorted(
        s.seller_id for s in stack.world.sellers
    )
    # And every seller's workflow succeeded
    assert [r.status for r in reports] == ["SUCCEEDED"] * 3
    # And every task's seller-scoped call went out on its seller's tenant session, none refused
    assert stack.tenant_policy is not None
    assert stack.tenant_policy.checked > 0
    assert stack.tenant_policy.denied == []
    token = stack.id_token("demo@sellerflow.local")
    sellers = api_get(stack, "/sellers", token).json()["sellers"]
    assert {s["seller_id"] for s in sellers} == {s.seller_id for s in stack.world.sellers}
    for seller in stack.world.sellers:
        # And every order read back over HTTP equals the simulator's order, field by field
        over_http = all_orders_over_http(stack, seller.seller_id, token)
        truth = stack.world.orders(seller.seller_id)
        expected = {
            doc["orderId"]: OrderOut.of(to_order(seller.seller_id, doc)).model_dump(mode="json")
            for doc in truth
        }
        got = {o["order_id"]: o for o in over_http}
        assert len(over_http) == len(got)
        # (the list also carries each order's own figures, which the ground truth has not: the rest
        # is compared field by field, the figures must add up in the order's currency)
        figures = {k: got[k].pop("economics") for k in got}
        assert {k: v for k, v in got.items() if k in expected} == {
            k: {f: x for f, x in v.items() if f != "economics"} for k, v in expected.items()
        }
        _assert_figures_add_up(figures, got)
        # (the rest are the history orders of the All Orders windows the report backfill ingested)
        backfilled = backfilled_order_ids(
            stack.world.history_orders(seller.seller_id), ReportStore().all(seller.seller_id)
        )
        assert got.keys() - expected.keys() == backfilled
        # And so does each order's own route
        some_id = truth[0]["orderId"]
        single = api_get(stack, f"/sellers/{seller.seller_id}/orders/{some_id}", token)
        assert single.status_code == 200
        assert {k: v for k, v in single.json().items() if k != "economics"} == got[some_id]
        # And no buyer PII came out of the API
        assert find_pii_markers(json.dumps(over_http)) == []


def test_overlapping_ticks_start_one_seller_sync_per_seller(local_stack: Callable[..., LocalStack]) -> None:
    # Given a stack whose schedule fires twice in the same window, the second time while syncs still run
    # (a week-long window: with the deployed 15 minutes, a slow machine could see the third tick below
    # land in the next window, which rightly starts new syncs)
    stack = local_stack(sellers=2, extra_env={"SYNC_WINDOW_MINUTES": "10080"})
    assert stack.resources is not None
    sync_arn = stack.resources.state_machines["SellerSyncStateMachine"]
    sfn = stack.session.client("stepfunctions")
    first = stack.wait_for(stack.fire_schedule())
    overlapping = stack.wait_for(stack.fire_schedule())
    # Then both fanouts succeed, and only one seller-sync execution exists per seller
    # (Step Functions answers a same-name, same-input start of a running execution with that execution)
    assert first["status"] == overlapping["status"] == "SUCCEEDED"
    names = [e["name"] for e in sfn.list_executions(stateMachineArn=sync_arn)["executions"]]
    assert len(names) == len(set(names)) == 2
    # And once those syncs have finished, a third tick in the same window is told they already ran
    for name in names:
        stack.wait_for(sync_arn.replace(":stateMachine:", ":execution:") + f":{name}")
    # (the Distributed Map found both sellers due; start_seller_sync answered "already_running")
    late = stack.wait_for(stack.fire_schedule())
    assert late["status"] == "SUCCEEDED"
    assert sorted(name for _, name in stack.due_executions(late)) == sorted(names)
    assert len(sfn.list_executions(stateMachineArn=sync_arn)["executions"]) == 2


def test_one_sellers_orders_cannot_be_reached_by_another_sellers_owner(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given synced sellers and the owner of seller 1 only
    stack = local_stack(sellers=2)
    stack.run_sync()
    first, second = stack.world.sellers
    owner1 = stack.id_token("owner1@sellerflow.local")
    other_order = stack.world.orders(second.seller_id)[0]["orderId"]
    # When owner 1 asks for seller 2's data by URL
    listing = api_get(stack, f"/sellers/{second.seller_id}/orders", owner1)
    single = api_get(stack, f"/sellers/{second.seller_id}/orders/{other_order}", owner1)
    via_own_path = api_get(stack, f"/sellers/{first.seller_id}/orders/{other_order}", owner1)
    # Then nothing is returned, and nothing tells that seller 2 exists
    assert (listing.status_code, single.status_code, via_own_path.status_code) == (404, 404, 404)
    # (the answer for a real order of another seller is the answer for an order that does not exist)
    made_up = "999-0000000-0000000"
    unknown = api_get(stack, f"/sellers/{first.seller_id}/orders/{made_up}", owner1)
    assert via_own_path.text.replace(other_order, made_up) == unknown.text
    unknown_seller = api_get(stack, "/sellers/A0000000000000/orders", owner1)
    assert listing.text.replace(second.seller_id, "A0000000000000") == unknown_seller.text
    # And without a token, or with a forged one, the gateway answers 401
    assert api_get(stack, "/sellers", None).status_code == 401
    assert api_get(stack, "/sellers", owner1[:-4] + "abcd").status_code == 401
    # And owner 1 sees only seller 1
    assert [s["seller_id"] for s in api_get(stack, "/sellers", owner1).json()["sellers"]] == [first.seller_id]


# What `make demo DEMO_ARGS=--once` proves (billing only with billing on: tests/e2e/test_e2e_billing.py)
DEMO_CAPABILITIES = {
    "orders", "sku_profit", "sku_windows", "ads_regions", "settlements", "notifications", "sales_traffic",
    "economics", "tenant_isolation", "labels", "solicitations", "messages", "cost_import", "order_profit",
    "reorder_plan", "home_currency", "home_pnl", "demo_world",
}  # fmt: skip


@pytest.mark.timeout(1800)  # the suite's 600 s would stop it before its own bound below
def test_make_demo_once_prints_a_verified_line_per_seller_and_exits_zero() -> None:
    # Given the command the README opens with, in its one-shot form
    result = subprocess.run(
        [sys.executable, "-m", "sellerflow_dev.cli", "local", "demo", "--once", "--api-port", "0"],
        capture_output=True,
        text=True,
        timeout=1800,  # a generous bound: the demo takes 5-8 minutes on a loaded 2-core machine
        check=False,
    )
    # Then it exits 0 with one verified line per demo seller, stored equal to source
    lines = result.stdout.splitlines()
    verified = [line for line in lines if line.startswith("verified orders ")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in lines if line.startswith("MISMATCH")]
    # and every capability proved itself at least once
    proved = {line.split()[1] for line in lines if line.startswith("verified ")}
    assert proved >= DEMO_CAPABILITIES, sorted(DEMO_CAPABILITIES - proved)
    assert len(verified) == 3
    for line in verified:
        assert line.split()[1] == "orders"
        fields = dict(part.split("=") for part in line.split()[3:])
        assert fields["stored"] == fields["source"]
        assert int(fields["stored"]) > 0
