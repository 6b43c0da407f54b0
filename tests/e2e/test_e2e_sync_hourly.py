"""The hourly seller-sync on Express end to end: after the first sync and its backfill (Standard),
a quiet hour runs on the Express machine and converges to the simulator; reports due are asked for by
one Express run and ingested by the next, with no Standard execution; a repeated start of a window is
a no-op; an erasure while an hourly run is in flight deletes only after that run has ended, and leaves
nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from sellerflow import wiring
from sellerflow.store.reports import ReportStore
from sellerflow.sync.reports import ALL_ORDERS, FBA_INVENTORY, LISTINGS
from sellerflow.wiring.analytics import rollup_store
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.local.steady import make_daily_reports_due, stand_in_for_the_backfill
from sellerflow_dev.local.verify import verify_orders
from sellerflow_dev.simulator import SimConfig

MONEY = ("gross_sales", "shipping", "promotions", "refunds", "amazon_fees", "estimated_payout")


def _window(hours_from_now: int) -> str:
    return f"{datetime.now(UTC) + timedelta(hours=hours_from_now):%Y%m%dT%H00}"


def _orders_converged(stack: LocalStack, seller_id: str) -> bool:
    check = verify_orders(
        seller_id,
        list(wiring.order_store().all_for_seller(seller_id)),
        stack.world.orders(seller_id),
        history=stack.world.history_orders(seller_id),
        backfilled=ReportStore().all(seller_id),
    )
    return check.ok


def test_a_quiet_hour_runs_on_express_due_reports_are_carried_across_express_runs_and_an_erasure_outwaits_a_run_in_flight(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given one seller whose first sync (Standard: the 30-day search and the report backfill) ran
    # (Step Functions' waits compressed 30x: the erasure's 960 s drain at the end lasts 32 s)
    stack = local_stack(
        sellers=1, seed=7, time_scale=30.0, sim_config=SimConfig(rate_scale=100.0, report_processing_s=0.5)
    )
    seller = stack.world.sellers[0].seller_id
    [first] = stack.run_sync()
    assert (first.status, first.machine) == ("SUCCEEDED", "standard")
    store = wiring.seller_store()
    # (it planned reports, so the next start would be Standard again until a Standard run plans none:
    # for this seller's three marketplaces, the two years' backfill takes ~25 runs, 3 minutes here,
    # which this test stands in for by recording the run that planned none)
    assert store.sync_route(seller).reports_pending
    store.record_reports_run(seller, at=datetime.now(UTC), pending=False)
    planned_at = store.sync_route(seller).reports_run_at
    # When an hour of new and changed orders happens and the next hourly start comes
    changes = stack.world.advance(60)
    assert changes["created"][seller] or changes["updated"][seller]
    quiet = stack.start_window(seller, _window(40))
    # Then it ran on the Express machine, to success, and stored exactly the simulator's orders
    assert (quiet.status, quiet.machine) == ("SUCCEEDED", "express"), quiet
    assert _orders_converged(stack, seller)
    assert store.sync_state(seller).last_outcome == "succeeded"
    # And the rollups equal the simulator's, to the cent, over the days a sync fully covers (as in
    # test_e2e_analytics: yesterday's and today's fees are still being posted)
    expected = stack.world.expected_daily_rollups(seller)
    today = stack.world.now.date()
    stored = {
        (r.marketplace_id, r.day.isoformat()): r
        for r in rollup_store().days(seller, today - timedelta(days=25), today - timedelta(days=2))
    }
    compared = 0
    for key, got in stored.items():
        truth = expected.get(key)
        if truth is None:
            continue
        assert (got.orders, got.units) == (truth["orders"], truth["units"]), key
        for name in MONEY:
            assert getattr(got, name) == Decimal(truth[name]), (key, name)
        compared += 1
    assert compared > 30
    # And an Express run leaves the reports' routing state as it was
    assert store.sync_route(seller).reports_run_at == planned_at
    # And the same window started again (a retried or duplicated start) starts nothing: the claim
    # refuses it before StartExecution (which, on AWS's Express, would start a second run)
    again = _invoke_start(stack, seller, _window(40))
    assert (again["status"], again["reason"]) == ("already_running", "window_claimed")
    assert _executions(stack, "SellerSyncHourlyStateMachine", quiet.execution_name) == 1

    # When the rest of the history is in (stood in for: its windows cool down, so no plan holds one)
    stand_in_for_the_backfill(seller)
    # and the reports were last planned longer ago than their interval (6 hours), and the day's
    # listings, FBA inventory and fresh orders window are due again (as on the next day: the first
    # sync's records of them removed), and the next hourly start comes
    assert stack.resources is not None
    sfn = stack.session.client("stepfunctions")
    standard_arn = stack.resources.state_machines["SellerSyncStateMachine"]
    standard_runs = len(sfn.list_executions(stateMachineArn=standard_arn)["executions"])
    book = ReportStore()
    daily = make_daily_reports_due(seller)
    assert len(daily) == 3 * len(store.marketplaces_of(seller))
    # (Amazon's REPORT_PROCESSING_FINISHED notifications lost: the hourly runs must bring the reports in)
    stack.simulator.notifications.drop_next(seller, 10_000)
    asked = stack.start_window(seller, _window(41))
    # Then that start ran on Express, which planned the reports and asked for them without waiting
    assert (asked.status, asked.machine) == ("SUCCEEDED", "express"), asked
    requested = {k: book.get(seller, k) for k in daily}
    assert {r.status if r else None for r in requested.values()} == {"IN_QUEUE"}  # asked, not polled
    carry = book.carry(seller)
    assert carry is not None
    assert carry.planned_at is not None
    # When the next hourly run comes (Amazon has made the documents meanwhile)
    ingested = stack.start_window(seller, _window(42))
    # Then it checked each report once and ingested it, on Express: no Standard execution started
    assert (ingested.status, ingested.machine) == ("SUCCEEDED", "express"), ingested
    assert len(sfn.list_executions(stateMachineArn=standard_arn)["executions"]) == standard_runs
    for report_key, by_standard in daily.items():
        state, asked_for = book.get(seller, report_key), requested[report_key]
        assert state is not None
        assert asked_for is not None
        assert state.status == "INGESTED", (report_key, state)
        assert state.report_id == asked_for.report_id  # asked once, by the first of the two runs
        # And the rows are what the Standard run ingested of the same report, which are the simulator's
        if state.report_type != ALL_ORDERS:  # (the fresh orders window: the orders since)
            assert (state.rows, state.rejected) == (by_standard.rows, by_standard.rejected), report_key
    for marketplace_id in store.marketplaces_of(seller):
        listings = [x for x in stack.world.listings(seller) if x.marketplace_id == marketplace_id]
        inventory = [x for x in stack.world.inventory(seller) if x.marketplace_id == marketplace_id]
        assert _rows(book, seller, LISTINGS, marketplace_id) == len(listings)
        assert _rows(book, seller, FBA_INVENTORY, marketplace_id) == len(inventory)
    assert _orders_converged(stack, seller)
    # And the plan interval is the carry's: an Express run leaves the Standard runs' routing state alone
    standard_planned = store.sync_route(seller).reports_run_at
    assert standard_planned is not None
    assert standard_planned < datetime.now(UTC) - timedelta(hours=6)

    # When, some hours later, the next quiet hour has started on Express (which cannot be listed nor
    # stopped) and the owner erases the seller while it runs
    store.record_reports_run(seller, at=datetime.now(UTC), pending=False)
    stack.world.advance(60)
    started = _invoke_start(stack, seller, _window(43))
    assert (started["status"], started["machine"]) == ("started", "express")
    token = stack.id_token("owner1@sellerflow.local")
    assert stack.gateway is not None
    erase = httpx.delete(
        f"{stack.gateway.url}/sellers/{seller}", headers={"authorization": f"Bearer {token}"}, timeout=60
    )
    assert erase.status_code == 202, erase.text
    hourly_arn = stack.resources.state_machines["SellerSyncHourlyStateMachine"]
    hourly = stack.wait_for(
        hourly_arn.replace(":stateMachine:", ":execution:") + f":{started['execution_name']}"
    )
    erase_arn = stack.resources.state_machines["EraseSellerStateMachine"]
    (execution,) = sfn.list_executions(stateMachineArn=erase_arn)["executions"]
    erased = stack.wait_for(execution["executionArn"], timeout_s=300)
    # Then the erasure succeeded, and its first deletion came after the hourly run had ended (the
    # drain wait: 960 s, compressed 30x here, against a run of a few seconds)
    assert erased["status"] == "SUCCEEDED", erased
    events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
    first_delete = min(
        e["timestamp"]
        for e in events
        if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "DeleteNextItems"
    )
    assert hourly["stopDate"] < first_delete
    # And once both have ended, nothing of the seller is left in any table
    dynamodb = stack.session.client("dynamodb")
    for variable in ("SELLER_DATA_TABLE", "SELLERS_TABLE", "PII_TABLE"):
        left = dynamodb.query(
            TableName=os.environ[variable],
            KeyConditionExpression="seller_id = :s",
            ExpressionAttributeValues={":s": {"S": seller}},
            Select="COUNT",
        )["Count"]
        assert left == 0, variable
    # And no sync of it can start again: the window claim needs an active profile
    assert _invoke_start(stack, seller, _window(44))["status"] == "not_active"


def _rows(book: ReportStore, seller_id: str, report_type: str, marketplace_id: str) -> int:
    (state,) = [
        s for s in book.all(seller_id) if s.report_type == report_type and s.marketplace_id == marketplace_id
        and s.status == "INGESTED" and "#daily-" in s.key
    ]  # fmt: skip
    return state.rows


def _invoke_start(stack: LocalStack, seller_id: str, window: str) -> dict[str, object]:
    assert stack.resources is not None
    invoked = stack.session.client("lambda").invoke(
        FunctionName=stack.resources.functions["StartSellerSyncFunction"].name,
        Payload=json.dumps({"seller_id": seller_id, "window": window}).encode(),
    )
    answer: dict[str, object] = json.loads(invoked["Payload"].read())
    return answer


def _executions(stack: LocalStack, machine: str, name: str) -> int:
    assert stack.resources is not None
    sfn = stack.session.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=stack.resources.state_machines[machine])["executions"]
    return sum(1 for e in listed if e["name"] == name)
