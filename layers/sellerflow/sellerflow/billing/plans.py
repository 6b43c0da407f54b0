"""The plans a hosted Sellerflow sells, as data: `plans.json` (versioned with the code, shipped in the layer).

Each plan names its Stripe price, its trial length, its grace period after a failed payment and the
limits the product enforces (`sellerflow.billing.limits`). A deployment replaces the price ids with
its own Stripe account's (setting `BILLING_PRICE_IDS`, a JSON object plan id -> price id); limits and
trial lengths change by changing this file, so every change is reviewed and versioned.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sellerflow.errors import InvalidInput


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class PlanLimits(_Frozen):
    connected_accounts: int = Field(ge=1)  # Amazon seller accounts connected under one billing account
    marketplaces: int = Field(ge=1)  # marketplaces synced per seller account
    seats: int = Field(ge=1)  # team members (owners included) per seller account
    sync_every_minutes: int = Field(ge=5, le=1440)  # the fastest sync cadence the plan allows
    history_days: int = Field(ge=1, le=548)  # how far back the dashboard and backfills reach
    whatsapp_alerts: bool
    messaging: bool  # buyer messaging features
    labels: bool  # shipping label features


class MeteredPrice(_Frozen):
    """A usage price: aggregated counts go to Stripe as meter events (a count and the customer id)."""

    meter_event_name: str
    price_id: str


class Plan(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,31}$")
    name: str
    price_id: str
    trial_days: int = Field(ge=0, le=90)
    grace_days: int = Field(ge=0, le=60)  # past due this long, then read-only
    limits: PlanLimits
    metered: MeteredPrice | None = None


class PlanCatalog(_Frozen):
    version: int = Field(ge=1)
    default_plan: str
    # A trial without a subscription yet gets this plan's limits (the whole product to evaluate: every
    # marketplace, the full history, labels); the subscribed plan's limits apply from then on.
    trial_limits: str | None = None
    currency: str
    plans: tuple[Plan, ...]

    @model_validator(mode="after")
    def _consistent(self) -> PlanCatalog:
        ids = [p.id for p in self.plans]
        if len(set(ids)) != len(ids):
            raise ValueError("plan ids must be unique")
        prices = [p.price_id for p in self.plans]
        if len(set(prices)) != len(prices):
            raise ValueError("price ids must be unique")
        if self.default_plan not in ids:
            raise ValueError(f"default_plan {self.default_plan!r} is not a plan")
        if self.trial_limits is not None and self.trial_limits not in ids:
            raise ValueError(f"trial_limits {self.trial_limits!r} is not a plan")
        return self

    def get(self, plan_id: str) -> Plan:
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise InvalidInput(f"unknown plan {plan_id!r}; plans: {', '.join(p.id for p in self.plans)}")

    def by_price(self, price_id: str) -> Plan | None:
        return next((p for p in self.plans if p.price_id == price_id), None)

    def with_prices(self, price_ids: Mapping[str, str]) -> PlanCatalog:
        """The catalog with a deployment's own Stripe price ids: `{"growth": "price_..."}` for a
        plan's recurring price, `{"growth:metered": "price_..."}` for its usage price (unknown plan
        ids, and a usage price for a plan without a meter, are refused)."""
        metered = {
            k.removesuffix(METERED_SUFFIX): v for k, v in price_ids.items() if k.endswith(METERED_SUFFIX)
        }
        recurring = {k: v for k, v in price_ids.items() if not k.endswith(METERED_SUFFIX)}
        unknown = sorted((set(recurring) | set(metered)) - {p.id for p in self.plans})
        unknown += sorted(
            f"{p.id}{METERED_SUFFIX}" for p in self.plans if p.id in metered and p.metered is None
        )
        if unknown:
            raise InvalidInput(f"BILLING_PRICE_IDS names unknown plans or meters: {', '.join(unknown)}")
        plans = [
            p.model_copy(update={
                "price_id": recurring.get(p.id, p.price_id),
                "metered": None if p.metered is None
                else p.metered.model_copy(update={"price_id": metered.get(p.id, p.metered.price_id)}),
            })
            for p in self.plans
        ]  # fmt: skip
        return PlanCatalog.model_validate({**self.model_dump(), "plans": [p.model_dump() for p in plans]})


METERED_SUFFIX = ":metered"  # BILLING_PRICE_IDS key of a plan's usage price, e.g. "growth:metered"


@cache
def bundled_catalog() -> PlanCatalog:
    """The plans shipped with this version of Sellerflow."""
    text = resources.files("sellerflow.billing").joinpath("plans.json").read_text(encoding="utf-8")
    return PlanCatalog.model_validate_json(text)


def catalog(price_ids_json: str = "{}") -> PlanCatalog:
    """The bundled plans with the deployment's price ids (a JSON object plan id -> price id)."""
    try:
        price_ids = json.loads(price_ids_json or "{}")
    except ValueError:
        raise InvalidInput("BILLING_PRICE_IDS is not a JSON object") from None
    if not isinstance(price_ids, dict) or not all(isinstance(v, str) for v in price_ids.values()):
        raise InvalidInput("BILLING_PRICE_IDS must be a JSON object of plan id -> price id")
    return bundled_catalog().with_prices(price_ids) if price_ids else bundled_catalog()
