"""A seller account's billing state, and the state machine Stripe's webhooks drive.

    trialing ──checkout, paid──▶ active ──payment failed──▶ past_due (grace) ──grace over──▶ read_only
        │                          ▲                             │                              │
        └──trial over, no card──▶ read_only                      └─────────── paid ─────────────┤
                                   └── resubscribe (paid) ◀── cancelled ◀── subscription deleted┘

What is stored is what Stripe said (`status`, with the times it gave); `read_only` past a grace period
or a trial is derived at read time (`effective_state`), so no timer has to fire for an account to
become read-only and a payment that arrives makes it writable again at once. Read-only and cancelled
accounts keep every item: the dashboard stays readable, exports and erasure stay available, syncing
pauses and resumes from its stored watermark when a payment comes.

Out-of-order events: Stripe does not promise delivery order. Each event that changes the state is
applied only when its `created` is not older than the newest applied (`last_event_created`), and a
subscription event carries the subscription object's own status, which is applied as it is.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow.billing.plans import Plan, PlanCatalog


class PlanState(enum.StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a payment failed: the grace period runs, everything still works
    READ_ONLY = "read_only"  # readable and exportable; no sync, no changes
    CANCELLED = "cancelled"  # read-only, the retention rule runs; resubscribing resumes


SYNCING_STATES = frozenset({PlanState.TRIALING, PlanState.ACTIVE, PlanState.PAST_DUE})

# Stripe subscription status -> the account's stored state (`incomplete` keeps the state it had).
_STRIPE_STATUS: Mapping[str, PlanState] = {
    "trialing": PlanState.TRIALING,
    "active": PlanState.ACTIVE,
    "past_due": PlanState.PAST_DUE,
    "unpaid": PlanState.READ_ONLY,
    "paused": PlanState.READ_ONLY,
    "canceled": PlanState.CANCELLED,
    "incomplete_expired": PlanState.CANCELLED,
}


@dataclass(frozen=True)
class BillingAccount:
    """One seller account's plan and what Stripe last said about it (ids are Stripe's, opaque)."""

    seller_id: str
    plan_id: str
    status: PlanState
    updated_at: datetime
    customer_id: str | None = None
    subscription_id: str | None = None
    trial_ends_at: datetime | None = None
    current_period_end: datetime | None = None
    past_due_since: datetime | None = None
    cancelled_at: datetime | None = None
    last_event_created: int = 0  # Stripe `created` (epoch seconds) of the newest state event applied

    @classmethod
    def trial(cls, seller_id: str, plan: Plan, now: datetime) -> BillingAccount:
        return cls(
            seller_id=seller_id, plan_id=plan.id, status=PlanState.TRIALING, updated_at=now,
            trial_ends_at=now + timedelta(days=plan.trial_days),
        )  # fmt: skip


def grace_ends_at(account: BillingAccount, plan: Plan) -> datetime | None:
    if account.status is not PlanState.PAST_DUE or account.past_due_since is None:
        return None
    return account.past_due_since + timedelta(days=plan.grace_days)


def effective_state(account: BillingAccount, plan: Plan, now: datetime) -> PlanState:
    """The state the product acts on: past due beyond the grace period, or a trial over without a
    subscription, is read-only."""
    grace_end = grace_ends_at(account, plan)
    if grace_end is not None and now >= grace_end:
        return PlanState.READ_ONLY
    trial_over = account.trial_ends_at is not None and now >= account.trial_ends_at
    if account.status is PlanState.TRIALING and account.subscription_id is None and trial_over:
        return PlanState.READ_ONLY
    return account.status


def syncs(state: PlanState) -> bool:
    return state in SYNCING_STATES


class NoticeKind(enum.StrEnum):
    PAYMENT_FAILED = "payment_failed"
    TRIAL_ENDING = "trial_ending"
    CANCELLED = "cancelled"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class BillingNotice:
    """What the owners are told: about the plan, never about the seller's business."""

    seller_id: str
    kind: NoticeKind
    plan_id: str
    message: str


@dataclass(frozen=True)
class StripeEvent:
    """The parts of a verified Stripe event Sellerflow reads."""

    id: str
    type: str
    created: int
    obj: Mapping[str, Any]

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> StripeEvent:
        data = event.get("data") or {}
        obj = data.get("object") if isinstance(data, Mapping) else None
        return cls(
            id=str(event.get("id") or ""), type=str(event.get("type") or ""),
            created=int(event.get("created") or 0), obj=obj if isinstance(obj, Mapping) else {},
        )  # fmt: skip

    @property
    def customer_id(self) -> str | None:
        customer = self.obj.get("customer")
        if isinstance(customer, Mapping):  # expanded
            customer = customer.get("id")
        return customer if isinstance(customer, str) and customer else None


HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.trial_will_end",
        "invoice.paid",
        "invoice.payment_failed",
    }
)


@dataclass(frozen=True)
class Transition:
    account: BillingAccount
    applied: bool  # False: stale, for another subscription, or not a state change
    reason: str
    notices: tuple[BillingNotice, ...] = ()


def _when(epoch: object) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), UTC) if isinstance(epoch, int | float) and epoch else None


def _subscription_price(obj: Mapping[str, Any]) -> str | None:
    items = obj.get("items")
    data = items.get("data") if isinstance(items, Mapping) else None
    if not isinstance(data, list) or not data or not isinstance(data[0], Mapping):
        return None
    price = data[0].get("price")
    price_id = price.get("id") if isinstance(price, Mapping) else price
    return price_id if isinstance(price_id, str) else None


def _period_end(obj: Mapping[str, Any]) -> datetime | None:
    """`current_period_end`: on the subscription (older API versions) or on its first item (newer)."""
    if obj.get("current_period_end"):
        return _when(obj.get("current_period_end"))
    items = obj.get("items")
    data = items.get("data") if isinstance(items, Mapping) else None
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return _when(data[0].get("current_period_end"))
    return None


def _subscription_of(obj: Mapping[str, Any], event_type: str) -> str | None:
    """The subscription an event is about: the object itself, or the object's `subscription` field."""
    if event_type.startswith("customer.subscription."):
        value = obj.get("id")
    else:
        value = obj.get("subscription")
        if value is None:  # newer invoices: parent.subscription_details.subscription
            parent = obj.get("parent")
            details = parent.get("subscription_details") if isinstance(parent, Mapping) else None
            value = details.get("subscription") if isinstance(details, Mapping) else None
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


class StateMachine:
    """Applies verified Stripe events to an account (pure: no I/O, the caller stores the result)."""

    def __init__(self, catalog: PlanCatalog) -> None:
        self._catalog = catalog

    def apply(self, account: BillingAccount, event: StripeEvent, now: datetime) -> Transition:
        if event.type not in HANDLED_EVENTS:
            return Transition(account, False, "not handled")
        plan = self._catalog.get(account.plan_id)
        if event.type == "customer.subscription.trial_will_end":
            ends = _when(event.obj.get("trial_end"))
            when = f" on {ends:%Y-%m-%d}" if ends else " soon"
            notice = BillingNotice(
                account.seller_id, NoticeKind.TRIAL_ENDING, plan.id,
                f"The {plan.name} trial ends{when}: add a payment method to keep syncing.",
            )  # fmt: skip
            return Transition(account, False, "notice only", (notice,))
        subscription = _subscription_of(event.obj, event.type)
        if event.type == "checkout.session.completed":
            return self._checkout_completed(account, event, subscription, now)
        if event.created < account.last_event_created:
            return Transition(account, False, "stale: an event created later is applied already")
        current = account.subscription_id
        if current and subscription and subscription != current and account.status is not PlanState.CANCELLED:
            return Transition(account, False, "about another (older) subscription")
        if event.type.startswith("customer.subscription."):
            return self._subscription(account, event, subscription, now)
        if event.type == "invoice.paid":
            return self._paid(account, event, plan, now)
        return self._payment_failed(account, event, plan, now)

    def _checkout_completed(
        self, account: BillingAccount, event: StripeEvent, subscription: str | None, now: datetime
    ) -> Transition:
        """Links the customer and subscription; the state comes from the subscription's own events."""
        if subscription is None or account.subscription_id == subscription:
            return Transition(account, False, "nothing to link")
        if account.subscription_id and account.status is not PlanState.CANCELLED:
            return Transition(account, False, "a live subscription is linked already")
        linked = replace(
            account, subscription_id=subscription, customer_id=event.customer_id or account.customer_id,
            updated_at=now,
        )  # fmt: skip
        return Transition(linked, True, "subscription linked")

    def _subscription(
        self, account: BillingAccount, event: StripeEvent, subscription: str | None, now: datetime
    ) -> Transition:
        stripe_status = str(event.obj.get("status") or "")
        if event.type == "customer.subscription.deleted":
            stripe_status = "canceled"
        state = _STRIPE_STATUS.get(stripe_status)
        if state is None:  # incomplete: the first payment is still being taken
            return Transition(account, False, f"subscription status {stripe_status!r} keeps the state")
        price = _subscription_price(event.obj)
        plan = self._catalog.by_price(price) if price else None
        previous = account.status
        updated = replace(
            account,
            status=state,
            plan_id=plan.id if plan else account.plan_id,
            subscription_id=subscription or account.subscription_id,
            trial_ends_at=_when(event.obj.get("trial_end")) or account.trial_ends_at,
            current_period_end=_period_end(event.obj) or account.current_period_end,
            past_due_since=_past_due_since(account, state, event),
            cancelled_at=(_when(event.obj.get("ended_at")) or _when(event.created))
            if state is PlanState.CANCELLED
            else None,
            last_event_created=event.created,
            updated_at=now,
        )
        notices: tuple[BillingNotice, ...] = ()
        target = self._catalog.get(updated.plan_id)
        if state is PlanState.CANCELLED and previous is not PlanState.CANCELLED:
            notices = (_cancelled_notice(updated, target),)
        elif state in (PlanState.ACTIVE, PlanState.TRIALING) and previous in (
            PlanState.PAST_DUE, PlanState.READ_ONLY, PlanState.CANCELLED,
        ):  # fmt: skip
            notices = (_recovered_notice(updated, target),)
        return Transition(updated, True, f"subscription {stripe_status}", notices)

    def _paid(self, account: BillingAccount, event: StripeEvent, plan: Plan, now: datetime) -> Transition:
        if account.status is PlanState.CANCELLED:
            return Transition(account, False, "a paid invoice does not revive a cancelled subscription")
        previous = account.status
        paid = replace(
            account, status=PlanState.ACTIVE, past_due_since=None, last_event_created=event.created,
            updated_at=now,
        )  # fmt: skip
        recovered = previous in (PlanState.PAST_DUE, PlanState.READ_ONLY)
        notices = (_recovered_notice(paid, plan),) if recovered else ()
        return Transition(paid, True, "invoice paid", notices)

    def _payment_failed(
        self, account: BillingAccount, event: StripeEvent, plan: Plan, now: datetime
    ) -> Transition:
        if account.status is PlanState.CANCELLED:
            return Transition(account, False, "the subscription is cancelled")
        failed = replace(
            account, status=PlanState.PAST_DUE, past_due_since=_past_due_since(account, PlanState.PAST_DUE, event),
            last_event_created=event.created, updated_at=now,
        )  # fmt: skip
        grace_end = grace_ends_at(failed, plan)
        until = f" until {grace_end:%Y-%m-%d}" if grace_end else ""
        notice = BillingNotice(
            account.seller_id, NoticeKind.PAYMENT_FAILED, plan.id,
            f"A payment for the {plan.name} plan failed. Everything keeps working{until}; then the "
            "account becomes read-only (nothing is deleted). Update the card in the billing portal.",
        )  # fmt: skip
        return Transition(failed, True, "payment failed", (notice,))


def _past_due_since(account: BillingAccount, state: PlanState, event: StripeEvent) -> datetime | None:
    if state is not PlanState.PAST_DUE:
        return None
    return account.past_due_since or _when(event.created)


def _cancelled_notice(account: BillingAccount, plan: Plan) -> BillingNotice:
    return BillingNotice(
        account.seller_id, NoticeKind.CANCELLED, plan.id,
        f"The {plan.name} subscription is cancelled. The data stays readable (read-only) until the "
        "retention period ends; export it or erase it any time from the privacy page. Subscribing again "
        "resumes syncing where it stopped.",
    )  # fmt: skip


def _recovered_notice(account: BillingAccount, plan: Plan) -> BillingNotice:
    return BillingNotice(
        account.seller_id, NoticeKind.RECOVERED, plan.id,
        f"The {plan.name} plan is paid: syncing resumes where it stopped.",
    )  # fmt: skip
