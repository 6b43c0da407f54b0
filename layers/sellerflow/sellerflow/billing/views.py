"""The billing routes' bodies and answers (pydantic; the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.billing.limits import Usage
from sellerflow.billing.plans import Plan, PlanLimits
from sellerflow.billing.service import BillingView


class _Out(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)


class PlanOut(_Out):
    id: str
    name: str
    trial_days: int
    grace_days: int
    limits: PlanLimits
    metered: bool

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            id=plan.id, name=plan.name, trial_days=plan.trial_days, grace_days=plan.grace_days,
            limits=plan.limits, metered=plan.metered is not None,
        )  # fmt: skip


class UsageOut(_Out):
    connected_accounts: int
    marketplaces: int
    seats: int

    @classmethod
    def of(cls, usage: Usage) -> UsageOut:
        return cls(
            connected_accounts=usage.connected_accounts, marketplaces=usage.marketplaces, seats=usage.seats
        )


class BillingOut(_Out):
    seller_id: str
    plan: PlanOut
    limits: PlanLimits  # the limits that apply now (a trial: the catalog's `trial_limits` plan's)
    state: str  # trialing | active | past_due | read_only | cancelled
    syncing: bool
    trial_ends_at: datetime | None
    current_period_end: datetime | None  # the next invoice
    grace_ends_at: datetime | None
    usage: UsageOut | None
    has_customer: bool
    banner: str | None  # what the dashboard shows at the top, if anything

    @classmethod
    def of(cls, view: BillingView) -> BillingOut:
        return cls(
            seller_id=view.seller_id, plan=PlanOut.of(view.plan), limits=view.limits, state=view.state.value,
            syncing=view.syncing,
            trial_ends_at=view.trial_ends_at, current_period_end=view.current_period_end,
            grace_ends_at=view.grace_ends_at, usage=None if view.usage is None else UsageOut.of(view.usage),
            has_customer=view.has_customer, banner=banner(view),
        )  # fmt: skip


def banner(view: BillingView) -> str | None:
    state = view.state.value
    if state == "past_due":
        until = f" until {view.grace_ends_at:%Y-%m-%d}" if view.grace_ends_at else ""
        return (
            f"A payment failed: everything works{until}, then the account becomes read-only. Update the card."
        )
    if state == "read_only":
        return "The account is read-only: data stays readable and exportable; syncing resumes once paid."
    if state == "cancelled":
        return "The subscription is cancelled: data is read-only until the retention period ends; export or erase it any time."
    return None


class PlansOut(_Out):
    plans: list[PlanOut]


class CheckoutIn(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")
    plan: str = Field(min_length=1, max_length=32)
    name: str | None = Field(default=None, max_length=200)  # the billing name (default: the caller's email)


class SessionOut(_Out):
    url: str  # Stripe's hosted page (Checkout or the Customer Portal)


class AdminBillingOut(_Out):
    accounts: list[BillingOut]


class WebhookOut(_Out):
    received: bool
    applied: bool
    replay: bool
    reason: str


class UsageRequest(BaseModel):
    """The ReportUsage schedule's event: `{}` (the month that just ended) or `{"period": "YYYY-MM"}`."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)
    period: str | None = Field(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")
