"""The sync under trouble: failed pages, throttling and revoked authorizations lose nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sellerflow import wiring
from sellerflow.domain import SellerStatus
from sellerflow.store.reports import ReportStore
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.local.verify import verify_orders
from sellerflow_dev.simulator import SimConfig

SMALL_PAGES = {"ORDERS_PAGE_SIZE": "20"}


def _history(stack: LocalStack, seller_id: str, execution_name: str) -> list[dict[str, Any]]:
    assert stack.resources is not None
    sync_arn = stack.resources.state_machines["SellerSyncStateMachine"]
    arn = sync_arn.replace(":stateMachine:", ":execution:") + f":{execution_name}"
    sfn = stack.session.client("stepfunctions")
    events: list[dict[str, Any]] = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return events


def _verified(stack: LocalStack, seller_id: str) -> bool:
    stored = list(wiring.order_store().all_for_seller(seller_id))
    check = verify_orders(
        seller_id,
        stored,
        stack.world.orders(seller_id),
        history=stack.world.history_orders(seller_id),
        backfilled=ReportStore().all(seller_id),
    )
    return check.ok


def test_a_page_that_fails_mid_sync_is_retried_by_the_workflow_and_nothing_is_lost_or_duplicated(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given one seller whose third searchOrders page fails more often than the port retries in-call
    failing = [("searchOrders", n, 503) for n in (3, 4, 5)]
    config = SimConfig(fail_calls=failing, rate_scale=100.0, report_processing_s=0.5)
    stack = local_stack(sellers=1, sim_config=config, extra_env=SMALL_PAGES)
    seller = stack.world.sellers[0]
    # When the schedule fires
    [report] = stack.run_sync()
    # Then the Lambda failed with the typed server error and Step Functions' Retry asked again
    events = _history(stack, seller.seller_id, report.execution_name)
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    # (report calls may also meet a usage plan; those waits are SpApiThrottled, waited out the same way)
    assert failures.count("SpApiServerError") == 1
    assert set(failures) <= {"SpApiServerError", "SpApiThrottled"}
    # And the run succeeded with every order stored exactly once, equal to the source
    assert report.status == "SUCCEEDED"
    assert _verified(stack, seller.seller_id)
    # And the watermark reached the end of the run's window
    state = wiring.seller_store().sync_state(seller.seller_id)
    assert state.last_outcome == "succeeded"
    assert state.watermark is not None


def test_throttling_slows_the_sync_but_loses_nothing(local_stack: Callable[..., LocalStack]) -> None:
    # Given Amazon allowing a burst of 2 searchOrders calls per seller, then one call every ~3 s:
    # longer than a Lambda may wait in-call, so the workflow has to do the waiting
    stack = local_stack(
        sellers=2,
        sim_config=SimConfig(burst_override=2, rate_scale=60.0),
        extra_env={"ORDERS_PAGE_SIZE": "15"},
        time_scale=4.0,
    )
    # When both sellers sync (several pages each)
    reports = stack.run_sync()
    # Then the throttling surfaced to Step Functions as SpApiThrottled and was waited out there
    throttle_retries = [
        e
        for r in reports
        for e in _history(stack, r.seller_id, r.execution_name)
        if e["type"] == "TaskFailed" and e["taskFailedEventDetails"]["error"] == "SpApiThrottled"
    ]
    assert throttle_retries
    # And every order arrived, once
    for report in reports:
        assert report.status == "SUCCEEDED", report.error
        assert _verified(stack, report.seller_id)


def test_a_revoked_authorization_fails_that_seller_alone_and_stops_its_syncs(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given three sellers, one of whom revoked the app's authorization in Seller Central
    stack = local_stack()
    revoked = stack.world.sellers[1]
    stack.world.revoke(revoked.seller_id)
    # When the schedule fires
    reports = {r.seller_id: r for r in stack.run_sync()}
    # Then that seller's sync failed and the seller is marked revoked, with the reason recorded
    assert reports[revoked.seller_id].status == "FAILED"
    profile = wiring.seller_store().get_profile(revoked.seller_id)
    assert profile.status is SellerStatus.REVOKED
    assert profile.status_reason is not None
    assert "invalid_grant" in profile.status_reason
    # And the others synced completely
    for seller in stack.world.sellers:
        if seller.seller_id != revoked.seller_id:
            assert reports[seller.seller_id].status == "SUCCEEDED"
            assert _verified(stack, seller.seller_id)
    # And the revoked seller is no longer due for a sync
    assert revoked.seller_id not in wiring.seller_store().active_seller_ids()
