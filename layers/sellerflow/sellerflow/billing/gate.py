"""The plan's limits as the rest of the product asks for them: one gate, open when billing is off.

The API's routes (connect, team invitations, alert recipients, labels, history reads) and the sync
(cadence, marketplaces, backfill depth) hold a `PlanGate`. A deployment with `Billing=off` gives them
`OPEN`, which allows everything and changes nothing, so such a deployment behaves exactly as before
billing existed; with `Billing=on` the gate is the `BillingService`, whose refusals are the typed
errors the API answers with 402 (`plan_limit_reached`, `billing_read_only`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from sellerflow.billing.limits import Countable, Feature


class PlanGate(Protocol):
    def require_writable(self, seller_id: str) -> None:
        """402 billing_read_only for a read-only or cancelled account (its data stays readable)."""
        ...

    def require_room(
        self, seller_id: str, what: Countable, in_use: Callable[[], int], adding: int = 1
    ) -> None:
        """402 plan_limit_reached when `in_use() + adding` passes the plan's limit (nothing is changed;
        `in_use` is only counted when a plan applies)."""
        ...

    def require_account_room(self, seller_id: str, owned_seller_ids: Callable[[], Sequence[str]]) -> None:
        """402 when `seller_id` is a new Amazon account for a user who owns `owned_seller_ids()` and
        their plans allow no more (reconnecting an owned account is always allowed)."""
        ...

    def require_feature(self, seller_id: str, feature: Feature | str) -> None:
        """402 plan_limit_reached when the plan leaves the feature out ("messages", "labels", ...)."""
        ...

    def history_start(self, seller_id: str, today: date) -> date | None:
        """The first day the plan shows (None: no limit)."""
        ...


class OpenPlans:
    """Billing off: no plan, no limit (every check passes, nothing is counted or read)."""

    def require_writable(self, seller_id: str) -> None:
        del seller_id

    def require_room(
        self, seller_id: str, what: Countable, in_use: Callable[[], int], adding: int = 1
    ) -> None:
        del seller_id, what, in_use, adding  # `in_use` is never called

    def require_account_room(self, seller_id: str, owned_seller_ids: Callable[[], Sequence[str]]) -> None:
        del seller_id, owned_seller_ids

    def require_feature(self, seller_id: str, feature: Feature | str) -> None:
        del seller_id
        Feature.named(feature)  # a misspelt feature is a bug with billing off too

    def history_start(self, seller_id: str, today: date) -> date | None:
        del seller_id, today
        return None


OPEN = OpenPlans()
