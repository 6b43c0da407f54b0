"""The plan's limits, enforced: typed errors the API answers with 402 (upgrade) or 409, never lost data.

A limit is checked before something is added (an Amazon account, a marketplace, a seat) or a feature
is used; what exists already is never removed when a plan shrinks: it stays readable, and the syncs
cover what the plan allows (`within_marketplaces`, `allowed_cadence`, `history_start`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sellerflow.billing.model import PlanState, syncs
from sellerflow.billing.plans import Plan
from sellerflow.errors import BillingReadOnly, PlanLimitReached


class Countable(enum.StrEnum):
    CONNECTED_ACCOUNTS = "connected_accounts"
    MARKETPLACES = "marketplaces"
    SEATS = "seats"


class Feature(enum.StrEnum):
    WHATSAPP_ALERTS = "whatsapp_alerts"
    MESSAGING = "messaging"
    LABELS = "labels"

    @classmethod
    def named(cls, name: Feature | str) -> Feature:
        """The feature a caller names: its value or a short alias ("messages", "whatsapp")."""
        if isinstance(name, Feature):
            return name
        found = _ALIASES.get(name) or next((f for f in cls if f.value == name), None)
        if found is None:
            raise ValueError(f"unknown plan feature {name!r}")
        return found


_ALIASES = {"messages": Feature.MESSAGING, "whatsapp": Feature.WHATSAPP_ALERTS}


_NOUNS = {
    Countable.CONNECTED_ACCOUNTS: "connected Amazon accounts",
    Countable.MARKETPLACES: "marketplaces",
    Countable.SEATS: "team seats",
}
_FEATURES = {
    Feature.WHATSAPP_ALERTS: "WhatsApp alerts",
    Feature.MESSAGING: "buyer messaging",
    Feature.LABELS: "shipping labels",
}


@dataclass(frozen=True)
class Usage:
    """What a seller account uses of the countable limits."""

    connected_accounts: int
    marketplaces: int
    seats: int

    def of(self, what: Countable) -> int:
        return int(getattr(self, what.value))


def limit_of(plan: Plan, what: Countable) -> int:
    return int(getattr(plan.limits, what.value))


def require_room(plan: Plan, what: Countable, current: int, adding: int = 1) -> None:
    """Raises PlanLimitReached (402) when adding `adding` would pass the plan's limit."""
    allowed = limit_of(plan, what)
    if current + adding > allowed:
        raise PlanLimitReached(
            f"the {plan.name} plan allows {allowed} {_NOUNS[what]} and {current} are in use: "
            "upgrade the plan in billing to add more (nothing was changed)",
            limit=what.value,
        )


def require_feature(plan: Plan, feature: Feature) -> None:
    if not getattr(plan.limits, feature.value):
        raise PlanLimitReached(
            f"{_FEATURES[feature]} are not part of the {plan.name} plan: upgrade the plan in billing",
            limit=feature.value,
        )


def require_writable(state: PlanState) -> None:
    """Raises BillingReadOnly (402) for a read-only or cancelled account."""
    if not syncs(state):
        raise BillingReadOnly(
            f"the account is {state.value.replace('_', ' ')}: its data stays readable and exportable, "
            "changes and syncing resume once the subscription is paid"
        )


def within_marketplaces(
    plan: Plan, marketplace_ids: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(synced, paused): the first marketplaces up to the plan's limit are synced, the others wait
    (a limit reached mid-sync pauses the rest, it never deletes what was stored)."""
    allowed = plan.limits.marketplaces
    return tuple(marketplace_ids[:allowed]), tuple(marketplace_ids[allowed:])


def allowed_cadence(plan: Plan, wanted_minutes: int) -> int:
    """The sync cadence to apply: the wanted one, or the plan's fastest when the wanted one is faster."""
    return max(wanted_minutes, plan.limits.sync_every_minutes)


def history_start(plan: Plan, today: date) -> date:
    """The first day the plan shows and backfills."""
    return today - timedelta(days=plan.limits.history_days)
