"""The plans file, the plan state machine (trial, paid, failed, grace, read-only, cancelled,
resubscribed), out-of-order and foreign events, the limits' typed errors, and the fanout's pause."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from billing_model_fakes import Accounts, NoNotices, no_stripe

from sellerflow.billing.limits import (
    Countable,
    Feature,
    allowed_cadence,
    history_start,
    require_feature,
    require_room,
    require_writable,
    within_marketplaces,
)
from sellerflow.billing.model import (
    BillingAccount,
    NoticeKind,
    PlanState,
    StateMachine,
    StripeEvent,
    effective_state,
)
from sellerflow.billing.plans import bundled_catalog, catalog
from sellerflow.billing.service import BillingService
from sellerflow.domain import ScheduledSeller
from sellerflow.errors import BillingReadOnly, InvalidInput, PlanLimitReached
from sellerflow.sync.fanout import list_due_sellers

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CATALOG = bundled_catalog()
GROWTH = CATALOG.get("growth")
STARTER = CATALOG.get("starter")
SUB = "sub_1"
CUS = "cus_1"


def _event(kind: str, created: int, **obj: Any) -> StripeEvent:
    return StripeEvent.of({"id": f"evt_{kind}_{created}", "type": kind, "created": created,
                           "data": {"object": {"customer": CUS, **obj}}})  # fmt: skip


def _subscription(
    kind: str, created: int, status: str, sub: str = SUB, price: str | None = None
) -> StripeEvent:
    items = {
        "data": [{"price": {"id": price or GROWTH.price_id}, "current_period_end": created + 30 * 86400}]
    }
    return _event(kind, created, id=sub, object="subscription", status=status, items=items)


def _account(**changes: Any) -> BillingAccount:
    return replace(BillingAccount.trial("A1SELLER", STARTER, NOW), customer_id=CUS, **changes)


T0 = int(NOW.timestamp())
MACHINE = StateMachine(CATALOG)


def test_plans_file_is_consistent_and_prices_are_the_deployments() -> None:
    assert CATALOG.default_plan in {p.id for p in CATALOG.plans}
    assert not STARTER.limits.whatsapp_alerts
    assert GROWTH.limits.whatsapp_alerts
    custom = catalog('{"growth": "price_live_123"}')
    assert custom.get("growth").price_id == "price_live_123"
    assert custom.by_price("price_live_123") == custom.get("growth")
    with pytest.raises(InvalidInput, match="unknown plans"):
        catalog('{"platinum": "price_x"}')
    with pytest.raises(InvalidInput):
        catalog("not json")
    metered = catalog('{"growth": "price_live_123", "growth:metered": "price_live_orders"}').get("growth")
    assert metered.metered is not None
    assert (metered.price_id, metered.metered.price_id) == ("price_live_123", "price_live_orders")
    assert GROWTH.metered is not None
    assert metered.metered.meter_event_name == GROWTH.metered.meter_event_name
    with pytest.raises(InvalidInput, match="starter:metered"):
        catalog('{"starter:metered": "price_x"}')  # Starter has no meter


def test_a_trial_over_without_a_subscription_is_read_only() -> None:
    account = BillingAccount.trial("A1SELLER", STARTER, NOW)
    assert (
        effective_state(account, STARTER, NOW + timedelta(days=STARTER.trial_days - 1)) is PlanState.TRIALING
    )
    assert effective_state(account, STARTER, NOW + timedelta(days=STARTER.trial_days)) is PlanState.READ_ONLY


def test_checkout_paid_failed_grace_read_only_then_recovered() -> None:
    account = _account()
    step = MACHINE.apply(account, _event("checkout.session.completed", T0, subscription=SUB), NOW)
    assert step.applied
    assert step.account.subscription_id == SUB
    step = MACHINE.apply(step.account, _subscription("customer.subscription.created", T0 + 1, "active"), NOW)
    assert step.account.status is PlanState.ACTIVE
    assert step.account.plan_id == "growth"
    step = MACHINE.apply(step.account, _event("invoice.payment_failed", T0 + 2, subscription=SUB), NOW)
    assert step.account.status is PlanState.PAST_DUE
    assert [n.kind for n in step.notices] == [NoticeKind.PAYMENT_FAILED]
    assert "A1SELLER" not in step.notices[0].message  # what owners read names no seller business
    failed_at = datetime.fromtimestamp(T0 + 2, UTC)
    in_grace = failed_at + timedelta(days=GROWTH.grace_days) - timedelta(seconds=1)
    assert effective_state(step.account, GROWTH, in_grace) is PlanState.PAST_DUE
    assert effective_state(step.account, GROWTH, in_grace + timedelta(seconds=1)) is PlanState.READ_ONLY
    step = MACHINE.apply(step.account, _event("invoice.paid", T0 + 3, subscription=SUB), NOW)
    assert step.account.status is PlanState.ACTIVE
    assert step.account.past_due_since is None
    assert [n.kind for n in step.notices] == [NoticeKind.RECOVERED]


def test_an_older_event_arriving_late_changes_nothing() -> None:
    account = _account(subscription_id=SUB, status=PlanState.ACTIVE, last_event_created=T0 + 10)
    late_failure = MACHINE.apply(account, _event("invoice.payment_failed", T0 + 5, subscription=SUB), NOW)
    assert not late_failure.applied
    assert late_failure.account == account
    assert not late_failure.notices
    late_update = MACHINE.apply(
        account, _subscription("customer.subscription.updated", T0 + 9, "past_due"), NOW
    )
    assert not late_update.applied
    assert late_update.account.status is PlanState.ACTIVE


def test_the_subscription_objects_own_status_wins_over_event_order() -> None:
    """updated(past_due) then invoice.paid is delivered before it: the newer `created` decides."""
    account = _account(subscription_id=SUB, status=PlanState.ACTIVE)
    paid = MACHINE.apply(account, _event("invoice.paid", T0 + 20, subscription=SUB), NOW).account
    stale = MACHINE.apply(paid, _subscription("customer.subscription.updated", T0 + 10, "past_due"), NOW)
    assert not stale.applied
    assert stale.account.status is PlanState.ACTIVE


def test_cancelled_then_resubscribed_resumes_and_old_subscription_events_are_ignored() -> None:
    account = _account(subscription_id=SUB, status=PlanState.ACTIVE, last_event_created=T0)
    cancelled = MACHINE.apply(
        account, _subscription("customer.subscription.deleted", T0 + 1, "canceled"), NOW
    )
    assert cancelled.account.status is PlanState.CANCELLED
    assert [n.kind for n in cancelled.notices] == [NoticeKind.CANCELLED]
    assert "export" in cancelled.notices[0].message
    assert "erase" in cancelled.notices[0].message
    again = MACHINE.apply(
        cancelled.account, _subscription("customer.subscription.created", T0 + 5, "active", "sub_2"), NOW
    )
    assert again.account.status is PlanState.ACTIVE
    assert again.account.subscription_id == "sub_2"
    old = MACHINE.apply(again.account, _event("invoice.payment_failed", T0 + 6, subscription=SUB), NOW)
    assert not old.applied
    assert old.account.status is PlanState.ACTIVE


def test_trial_will_end_only_notifies() -> None:
    account = _account(subscription_id=SUB)
    step = MACHINE.apply(account, _subscription("customer.subscription.trial_will_end", T0, "trialing"), NOW)
    assert not step.applied
    assert [n.kind for n in step.notices] == [NoticeKind.TRIAL_ENDING]


def test_limits_give_typed_errors_and_never_drop_what_exists() -> None:
    require_room(STARTER, Countable.SEATS, current=1)
    with pytest.raises(PlanLimitReached, match="allows 2 team seats") as reached:
        require_room(STARTER, Countable.SEATS, current=2)
    assert reached.value.limit == "seats"
    with pytest.raises(PlanLimitReached, match="WhatsApp"):
        require_feature(STARTER, Feature.WHATSAPP_ALERTS)
    require_feature(GROWTH, Feature.WHATSAPP_ALERTS)
    with pytest.raises(BillingReadOnly, match="read only"):
        require_writable(PlanState.READ_ONLY)
    require_writable(PlanState.PAST_DUE)  # the grace period: everything still works
    synced, paused = within_marketplaces(STARTER, ["A", "B", "C", "D", "E"])
    assert synced == ("A", "B", "C")
    assert paused == ("D", "E")
    assert allowed_cadence(STARTER, 15) == 60
    assert allowed_cadence(GROWTH, 30) == 30
    assert history_start(STARTER, NOW.date()) == (NOW - timedelta(days=90)).date()


class _Sellers:
    def scheduled_sellers(self) -> list[ScheduledSeller]:
        return [ScheduledSeller(seller_id=s) for s in ("A1PAID", "A2READONLY")]

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        raise AssertionError("no seller lapsed here")


class _Gate:
    def sync_allowed(self, seller_id: str) -> bool:
        return seller_id != "A2READONLY"

    def sync_every_minutes(self, seller_id: str, wanted: int | None) -> int | None:
        return wanted


def test_the_fanout_leaves_read_only_sellers_out_and_lists_them_again_when_paid() -> None:
    everyone = list_due_sellers(NOW, sellers=_Sellers(), window_minutes=15)
    assert [s.seller_id for s in everyone.sellers] == ["A1PAID", "A2READONLY"]
    gated = list_due_sellers(NOW, sellers=_Sellers(), window_minutes=15, billing=_Gate())
    assert [s.seller_id for s in gated.sellers] == ["A1PAID"]


def test_a_ticks_gate_reads_every_account_once_and_answers_as_sync_allowed() -> None:
    paid = replace(BillingAccount.trial("A1PAID", GROWTH, NOW), status=PlanState.ACTIVE)
    lapsed = BillingAccount.trial("A2READONLY", STARTER, NOW - timedelta(days=STARTER.trial_days + 1))
    accounts = Accounts(paid, lapsed)
    service = BillingService(
        accounts=accounts, provider=no_stripe, notices=NoNotices(), catalog=CATALOG, clock=lambda: NOW
    )
    gate = service.tick_gate()
    answers = {seller: gate.sync_allowed(seller) for seller in ("A1PAID", "A2READONLY", "A3NEW")}
    assert answers == {"A1PAID": True, "A2READONLY": False, "A3NEW": True}
    assert accounts.gets == 1  # only the seller without an account, whose trial then starts
    assert "A3NEW" in accounts.by_seller
    assert answers == {seller: service.sync_allowed(seller) for seller in answers}


def test_stripe_is_a_sub_processor_only_with_billing_on_and_receives_nothing_of_amazons() -> None:
    from sellerflow.settings import Settings
    from sellerflow.wiring.subprocessors import deployment_subprocessors

    off = deployment_subprocessors(Settings(alerts_topic_arn="", billing_enabled=False))
    assert "Stripe, Inc." not in {use.provider for use in off}
    on = deployment_subprocessors(Settings(alerts_topic_arn="", billing_enabled=True))
    stripe = next(use for use in on if use.provider == "Stripe, Inc.")
    assert stripe.role == "payments"
    assert any("never a seller id" in item for item in stripe.receives)


def test_with_billing_off_the_fanout_reads_no_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    from sellerflow import wiring
    from sellerflow.settings import reset_settings

    monkeypatch.delenv("BILLING_ENABLED", raising=False)
    reset_settings()
    wiring.reset()
    try:
        assert wiring.billing_sync_gate() is None  # off by default: every seller syncs as before
        monkeypatch.setenv("BILLING_ENABLED", "true")
        reset_settings()
        wiring.reset()
        assert wiring.billing_sync_gate() is not None
    finally:
        monkeypatch.delenv("BILLING_ENABLED", raising=False)
        reset_settings()
        wiring.reset()


def test_the_compliance_page_lists_exactly_what_stripe_receives() -> None:
    from pathlib import Path

    from sellerflow.billing.subprocessor import STRIPE_SENDS

    page = (Path(__file__).resolve().parents[3] / "docs" / "compliance.md").read_text()
    section = page.split("### Stripe (payments sub-processor", 1)[1].split("\n### ", 1)[0]
    listed = [line[2:] for line in section.splitlines() if line.startswith("- ")]
    assert listed == list(STRIPE_SENDS.receives)
