"""A plan limit reached mid-sync (Billing=on): the orders sync pages through the simulator over real
HTTP into moto's stores while Stripe's events change the seller's plan in moto's billing table.

A seller whose account turns read-only (Stripe's retries ran out) between two pages of a run keeps
every order already synced, the run goes on to its last page and sets its watermark (it ends
cleanly), and the next tick leaves the seller out with its data and watermark untouched. A
downgrade mid-sync narrows what the next runs plan (marketplaces, history depth) and deletes
nothing. Paying again lists the seller again, and its next run resumes from the stored watermark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import test_int_orders_sync as orders_sync
from test_int_orders_sync import Sync, assert_store_equals_truth

from sellerflow.billing.model import BillingAccount, BillingNotice, PlanState
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingService, PaymentProvider
from sellerflow.domain import ScheduledSeller
from sellerflow.store.billing import BillingTable
from sellerflow.store.reports import ReportStore
from sellerflow.sync.fanout import list_due_sellers
from sellerflow.sync.reports import PlanCaps, ReportPolicy, plan_reports, within_plan
from sellerflow_dev.simulator import SimServer, SimWorld

connect = orders_sync.connect  # the orders sync tests' fixture: a connected world seller and its stores
CATALOG = bundled_catalog()
GROWTH, STARTER = CATALOG.get("growth"), CATALOG.get("starter")
CUSTOMER, SUBSCRIPTION = "cus_midsync", "sub_midsync"


def _no_stripe() -> PaymentProvider:
    raise AssertionError("a sync never calls Stripe")


class _Notices:
    def __init__(self) -> None:
        self.kinds: list[str] = []

    def notify(self, notice: BillingNotice) -> None:
        self.kinds.append(notice.kind.value)


class _Scheduled:
    def __init__(self, seller_id: str) -> None:
        self.seller_id = seller_id

    def scheduled_sellers(self) -> list[ScheduledSeller]:
        return [ScheduledSeller(seller_id=self.seller_id)]

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        raise AssertionError("no authorization lapsed here")


def _subscription_event(n: int, status: str, price_id: str, at: datetime) -> dict[str, Any]:
    return {
        "id": f"evt_midsync_{n}", "type": "customer.subscription.updated", "created": int(at.timestamp()) + n,
        "data": {"object": {"id": SUBSCRIPTION, "customer": CUSTOMER, "status": status,
                            "items": {"data": [{"price": {"id": price_id}}]}}},
    }  # fmt: skip


def test_a_plan_gone_read_only_then_downgraded_mid_sync_keeps_every_order_and_runs_end_cleanly(
    aws: Any, sim: SimServer, world: SimWorld, connect: Callable[..., Sync]
) -> None:
    # Given a paying Growth seller, connected, its billing account in moto's billing table
    sync = connect(sim)
    seller = sync.seller_id
    now = datetime.now(UTC).replace(microsecond=0)
    accounts = BillingTable("BillingTable", client=aws)
    paid = replace(
        BillingAccount.trial(seller, GROWTH, now),
        status=PlanState.ACTIVE, customer_id=CUSTOMER, subscription_id=SUBSCRIPTION,
    )  # fmt: skip
    accounts.put(paid)
    accounts.link_customer(CUSTOMER, seller)
    notices = _Notices()
    billing = BillingService(
        accounts=accounts, provider=_no_stripe, notices=notices, catalog=CATALOG, clock=lambda: now
    )
    due = list_due_sellers(now, sellers=_Scheduled(seller), window_minutes=15, billing=billing.tick_gate())
    assert [s.seller_id for s in due.sellers] == [seller]
    assert [v.seller_id for v in billing.all_views()] == [seller]  # the tick's (and admins') one scan

    # When the run's first page is stored and then Stripe marks the subscription unpaid (read-only)
    first = sync.page("run-1", None)
    assert first.has_more
    kept_after_first_page = {o.order_id for o in sync.orders.all_for_seller(seller)}
    assert kept_after_first_page
    unpaid = billing.handle_event(_subscription_event(1, "unpaid", GROWTH.price_id, now))
    assert unpaid.applied
    assert billing.state(seller) is PlanState.READ_ONLY

    # Then the run goes on to its last page: nothing lost, nothing doubled, the watermark set
    outputs = [first]
    while outputs[-1].has_more:
        outputs.append(sync.page("run-1", outputs[-1].pagination_token))
    assert all(o.orders_rejected == 0 for o in outputs)
    assert kept_after_first_page <= {o.order_id for o in sync.orders.all_for_seller(seller)}
    assert_store_equals_truth(world, sync)
    state = sync.sellers.sync_state(seller)
    assert state.run is not None
    assert state.watermark == state.run.updated_before == outputs[-1].watermark
    stored = sync.orders.count(seller)

    # ... and the next tick leaves the seller out; its data and watermark stay as they were
    later = now + timedelta(minutes=15)
    assert (
        list_due_sellers(
            later, sellers=_Scheduled(seller), window_minutes=15, billing=billing.tick_gate()
        ).sellers
        == []
    )
    assert sync.orders.count(seller) == stored
    assert sync.sellers.sync_state(seller).watermark == state.watermark

    # When the owner moves to Starter and pays (both mid-way through what would be the next run)
    downgraded = billing.handle_event(_subscription_event(2, "active", STARTER.price_id, now))
    assert downgraded.applied
    assert billing.state(seller) is PlanState.ACTIVE
    assert billing.limits_of(seller).id == "starter"

    # Then the next runs plan only what Starter covers, and every stored order is still there
    limits = billing.limits_of(seller).limits
    caps = PlanCaps(marketplaces=limits.marketplaces, history_days=limits.history_days)
    marketplaces = sync.sellers.marketplaces_of(seller)
    synced, policy = within_plan(marketplaces, ReportPolicy(), caps)
    assert synced == list(marketplaces[: STARTER.limits.marketplaces])
    assert policy.backfill == timedelta(days=STARTER.limits.history_days)

    jobs = plan_reports(seller, synced, book=ReportStore(), now=now, policy=policy)
    oldest = now.date() - timedelta(days=STARTER.limits.history_days)
    assert jobs
    assert {j.marketplace_id for j in jobs} <= set(synced)
    assert all(j.data_start is None or j.data_start.date() >= oldest for j in jobs)
    assert sync.orders.count(seller) == stored
    assert notices.kinds == ["recovered"]  # the owners are told syncing resumed

    # ... and the seller is listed again, at Starter's cadence (once an hour: one of four windows);
    # its next run resumes from the stored watermark
    hour = [later + timedelta(minutes=15 * n) for n in range(4)]
    listed = [
        tick for tick in hour
        if list_due_sellers(tick, sellers=_Scheduled(seller), window_minutes=15, billing=billing.tick_gate()).sellers
    ]  # fmt: skip
    assert len(listed) == 1
    sync.source.pages.clear()
    sync.run("run-2")
    resumed = sync.sellers.sync_state(seller)
    assert resumed.run is not None
    assert resumed.run.updated_after == state.watermark - sync.policy.lookback
    assert_store_equals_truth(world, sync)
