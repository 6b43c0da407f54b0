"""The report sub-flow's unhappy paths on the real workflow: FATAL, CANCELLED, expired URL, timeout."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sellerflow.store.reports import ReportStore
from sellerflow.sync.reports import ALL_ORDERS, FBA_INVENTORY, LISTINGS
from sellerflow.sync.reports import SALES_AND_TRAFFIC_DATASET as DATA_KIOSK_TRAFFIC
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import SimConfig


def _run_seller_sync(stack: LocalStack, seller_id: str, name: str) -> dict[str, object]:
    """Start seller-sync directly (a later schedule window), as fanout would, and wait for it."""
    assert stack.resources is not None
    arn = stack.resources.state_machines["SellerSyncStateMachine"]
    payload = {"seller_id": seller_id, "window": name, "orders": {"pagination_token": None}}
    started = stack.session.client("stepfunctions").start_execution(
        stateMachineArn=arn, name=f"{seller_id}-{name}", input=json.dumps(payload)
    )
    return stack.wait_for(started["executionArn"])


def _created(stack: LocalStack, seller_id: str) -> int:
    return int(stack.simulator.stats(seller_id)["calls"].get("createReport", 0))


def _asked(stack: LocalStack, seller_id: str) -> int:
    """Reports and Data Kiosk queries created (sales and traffic past the app-wide budget)."""
    return _created(stack, seller_id) + int(stack.simulator.stats(seller_id)["calls"].get("createQuery", 0))


def test_fatal_cancelled_and_expired_url_reports_neither_fail_the_sync_nor_lose_the_others(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given Amazon failing the listings report, having no inventory data, and handing out
    # document URLs that have already expired the first time
    config = SimConfig(
        rate_scale=60.0,
        report_outcomes={LISTINGS: "FATAL", FBA_INVENTORY: "CANCELLED"},
        expire_first_document_urls=True,
    )
    stack = local_stack(sellers=1, seed=7, sim_config=config)
    seller = stack.world.sellers[0].seller_id
    # When the seller syncs
    [report] = stack.run_sync()
    # Then the run succeeded
    assert report.status == "SUCCEEDED"
    states = ReportStore().all(seller)
    by_type: dict[str, set[str | None]] = {}
    for state in states:
        by_type.setdefault(state.report_type, set()).add(state.status)
    # And FATAL is recorded with a cool-down, CANCELLED is "no data", not a failure
    assert by_type[LISTINGS] == {"FATAL"}
    assert all(
        s.cooldown_until and s.cooldown_until > datetime.now(UTC) for s in states if s.status == "FATAL"
    )
    assert by_type[FBA_INVENTORY] == {"CANCELLED"}
    # And every document behind an expired URL was fetched again and ingested
    assert by_type[ALL_ORDERS] == {"INGESTED"}
    # (Data Kiosk days are fetched with getDocument, not getReportDocument)
    ingested = [s for s in states if s.status == "INGESTED" and s.report_type != DATA_KIOSK_TRAFFIC]
    settlements = ReportStore().all(seller, prefix="SETTLEMENTDOC#")
    stats = stack.simulator.stats(seller)
    # (answered calls: a 429 on a busy machine is a call too, retried by the port or the workflow)
    answered = stats["calls"]["getReportDocument"] - stats["throttled"].get("getReportDocument", 0)
    assert answered == 2 * (len(ingested) + len(settlements))
    # And a later run does not ask for the FATAL report again while it cools down
    before = _created(stack, seller)
    assert _run_seller_sync(stack, seller, "later")["status"] == "SUCCEEDED"
    listings_after = [s for s in ReportStore().all(seller) if s.report_type == LISTINGS]
    assert {s.status for s in listings_after} == {"FATAL"}
    assert _created(stack, seller) - before < len(states)  # only what was not finished is asked again


def test_a_report_that_stays_pending_is_resumed_by_the_next_run_not_requested_again(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given Amazon never finishing reports, and a run that polls each at most twice (the workflow's
    # waits, mostly createReport's pacing, and Amazon's usage plans both 600 times faster than real)
    stack = local_stack(
        sellers=1,
        seed=7,
        time_scale=600.0,
        sim_config=SimConfig(
            rate_scale=600.0, report_processing_s=10_000_000, data_kiosk_processing_s=10_000_000
        ),
        # The economics check is off: it would wait on Data Kiosk too, and this test counts queries.
        extra_env={"REPORT_MAX_POLLS": "2", "ECONOMICS_CHECK_HOURS": "0"},
    )
    seller = stack.world.sellers[0].seller_id
    # When the seller syncs
    [report] = stack.run_sync()
    # Then polling stopped without failing the run, and every report is left pending
    assert report.status == "SUCCEEDED"
    pending = ReportStore().all(seller)
    assert pending
    assert {s.status for s in pending} <= {"IN_QUEUE", "IN_PROGRESS"}
    created = _asked(stack, seller)
    assert created == len(pending)
    # And the next run polls the same reports again instead of asking for new ones
    assert _run_seller_sync(stack, seller, "next")["status"] == "SUCCEEDED"
    assert _asked(stack, seller) == created
    assert {s.report_id for s in ReportStore().all(seller)} == {s.report_id for s in pending}
