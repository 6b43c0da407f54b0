"""The review-request part of the demo: each seller's owner turns review requests on (7 days after
delivery) through the API before the sync; after it, the outcomes Sellerflow stored are checked
against the solicitations the simulator received.

`verified solicitations <seller> requested=<n> skipped=<n>` only when: the orders stored as requested
are exactly the orders the simulator received a solicitation for (none sent twice: the simulator
refuses a second one), at least one was requested, no order is left claimed, every order skipped as
refunded has a refund at Amazon, and the API's counts (`GET /sellers/{id}/review-requests`) equal
the stored ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from sellerflow_dev.local.stack import LocalStack

DEMO_DELAY_DAYS = 7


def _headers(stack: LocalStack) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.id_token('demo@sellerflow.local')}"}


def enable_review_requests(stack: LocalStack) -> None:
    """Every demo seller's owner turns review requests on, through the API (as the dashboard does)."""
    assert stack.gateway is not None
    for seller in stack.world.sellers:
        response = httpx.put(
            f"{stack.gateway.url}/sellers/{seller.seller_id}/review-requests/settings",
            headers=_headers(stack),
            json={"enabled": True, "delay_days": DEMO_DELAY_DAYS},
            timeout=60,
        )
        response.raise_for_status()


@dataclass(frozen=True)
class SolicitationCheck:
    seller_id: str
    requested: int
    skipped: int
    received: int  # solicitations the simulator received
    pending: int
    refund_skips_unfounded: int
    api_agrees: bool

    @property
    def ok(self) -> bool:
        return (
            self.requested > 0
            and self.requested == self.received
            and self.pending == 0
            and self.refund_skips_unfounded == 0
            and self.api_agrees
        )


def check_solicitations(
    seller_id: str,
    stored: list[tuple[str, str, str | None]],  # (order id, outcome, reason)
    received: set[str],
    refunded_at_amazon: set[str],
    api_counts: dict[str, object],
) -> SolicitationCheck:
    requested = {order for order, outcome, _ in stored if outcome == "requested"}
    skipped = [(order, reason) for order, outcome, reason in stored if outcome == "skipped"]
    pending = sum(1 for _, outcome, _ in stored if outcome == "pending")
    unfounded = sum(
        1 for order, reason in skipped if reason == "refunded" and order not in refunded_at_amazon
    )
    agrees = api_counts.get("requested") == len(requested) and api_counts.get("skipped_total") == len(skipped)
    return SolicitationCheck(
        seller_id=seller_id,
        requested=len(requested) if requested == received else -1,
        skipped=len(skipped),
        received=len(received),
        pending=pending,
        refund_skips_unfounded=unfounded,
        api_agrees=agrees,
    )


def verify_solicitations(stack: LocalStack, say: Callable[[str], None]) -> bool:
    from sellerflow.store.solicitations import ReviewRequestStore

    assert stack.gateway is not None
    all_ok = True
    for seller in stack.world.sellers:
        seller_id = seller.seller_id
        stored = [
            (r.order_id, r.outcome.value, r.reason.value if r.reason else None)
            for r in ReviewRequestStore().requests(seller_id)
        ]
        received = set(stack.simulator.solicitations.sent(seller_id))
        refunded = {
            t.order_id
            for t in stack.world.transactions(seller_id)
            if t.transaction_type == "Refund" and t.order_id
        }
        answer = httpx.get(
            f"{stack.gateway.url}/sellers/{seller_id}/review-requests", headers=_headers(stack), timeout=60
        ).json()
        check = check_solicitations(seller_id, stored, received, refunded, answer.get("counts", {}))
        all_ok = all_ok and check.ok
        say(
            f"{'verified' if check.ok else 'MISMATCH'} solicitations {seller_id} "
            f"requested={check.requested} skipped={check.skipped}"
            + (
                ""
                if check.ok
                else f" received_by_amazon={check.received} pending={check.pending} "
                f"refund_skips_unfounded={check.refund_skips_unfounded} api_agrees={check.api_agrees}"
            )
        )
    return all_ok
