"""The plan's limits on the sync (Billing=on): the fanout syncs a seller no faster than its plan's
cadence (its own setting is kept), and a run covers the plan's marketplaces and history depth; with
billing off (no gate, no caps) both behave as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from billing_model_fakes import Accounts, NoNotices, no_stripe

from sellerflow.billing.model import BillingAccount, PlanState
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingService
from sellerflow.domain import ScheduledSeller
from sellerflow.sync.fanout import list_due_sellers
from sellerflow.sync.reports import PlanCaps, ReportPolicy, within_plan

CATALOG = bundled_catalog()
STARTER, GROWTH = CATALOG.get("starter"), CATALOG.get("growth")
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
ON_STARTER, ON_GROWTH = "A1STARTER", "A2GROWTH"


class _Sellers:
    def __init__(self, every: int | None) -> None:
        self.every = every

    def scheduled_sellers(self) -> list[ScheduledSeller]:
        return [ScheduledSeller(seller_id=s, sync_every_minutes=self.every) for s in (ON_STARTER, ON_GROWTH)]

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        raise AssertionError("no seller lapsed here")


def _service() -> BillingService:
    accounts = Accounts(
        replace(BillingAccount.trial(ON_STARTER, STARTER, NOW), status=PlanState.ACTIVE),
        replace(BillingAccount.trial(ON_GROWTH, GROWTH, NOW), status=PlanState.ACTIVE),
    )
    return BillingService(
        accounts=accounts, provider=no_stripe, notices=NoNotices(), catalog=CATALOG, clock=lambda: NOW
    )


def _syncs_per_day(every: int | None, gated: bool) -> dict[str, int]:
    service = _service()
    counts = {ON_STARTER: 0, ON_GROWTH: 0}
    for tick in range(24 * 4):  # a day of 15-minute windows
        at = NOW + timedelta(minutes=15 * tick)
        due = list_due_sellers(
            at, sellers=_Sellers(every), window_minutes=15, billing=service.tick_gate() if gated else None
        )
        for seller in due.sellers:
            counts[seller.seller_id] += 1
    return counts


def test_the_fanout_syncs_no_faster_than_the_plan_and_keeps_a_slower_own_cadence() -> None:
    assert (STARTER.limits.sync_every_minutes, GROWTH.limits.sync_every_minutes) == (60, 15)
    assert _syncs_per_day(None, gated=True) == {ON_STARTER: 24, ON_GROWTH: 96}
    assert _syncs_per_day(120, gated=True) == {ON_STARTER: 12, ON_GROWTH: 12}  # the seller's own, slower


def test_without_billing_the_fanout_keeps_every_sellers_own_cadence() -> None:
    assert _syncs_per_day(None, gated=False) == {ON_STARTER: 96, ON_GROWTH: 96}


def test_a_run_covers_the_plans_marketplaces_and_history_and_everything_without_caps() -> None:
    marketplaces = [f"M{i:02d}" for i in range(5)]
    policy = ReportPolicy()
    caps = PlanCaps(marketplaces=STARTER.limits.marketplaces, history_days=STARTER.limits.history_days)
    synced, capped = within_plan(marketplaces, policy, caps)
    assert synced == marketplaces[:3]
    assert capped.backfill == timedelta(days=90)
    assert capped.window == policy.window  # the rest of the policy is the deployment's
    assert within_plan(marketplaces, policy, None) == (marketplaces, policy)
    wide = PlanCaps(marketplaces=21, history_days=5000)
    assert within_plan(marketplaces, policy, wide) == (marketplaces, policy)  # never deeper than Amazon's


def test_a_trial_syncs_as_the_trial_limits_plan_and_a_seller_without_an_account_too() -> None:
    service = _service()
    trial = BillingAccount.trial("A3TRIAL", STARTER, NOW)
    service_accounts = Accounts(trial)
    gated = BillingService(
        accounts=service_accounts, provider=no_stripe, notices=NoNotices(), catalog=CATALOG, clock=lambda: NOW
    )
    gate = gated.tick_gate()
    scale = CATALOG.get("scale")
    assert gate.sync_every_minutes("A3TRIAL", None) == scale.limits.sync_every_minutes
    assert gate.sync_every_minutes("A9NEW", None) == scale.limits.sync_every_minutes
    assert gated.limits_of("A3TRIAL").id == gated.limits_of("A9NEW").id == "scale"
    assert service.limits_of(ON_STARTER).id == "starter"  # subscribed: its own plan
