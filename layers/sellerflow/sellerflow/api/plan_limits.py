"""What the API's routes count and check against the seller's plan (`ctx.ports.plans`).

With billing off the gate is `sellerflow.billing.gate.OPEN`: nothing below is counted or read, every
route behaves as before. With billing on a refusal is a 402 from the API's one status map
(`plan_limit_reached`, `billing_read_only`); what is stored already is never touched.
"""

from __future__ import annotations

from datetime import date, datetime

from sellerflow.api.ports import ApiPorts
from sellerflow.billing.limits import Usage
from sellerflow.domain import Role
from sellerflow.errors import PlanLimitReached
from sellerflow.members.model import InvitationStatus


def seats_in_use(ports: ApiPorts, seller_id: str, now: datetime) -> int:
    """Members and pending (unexpired) invitations: an invitation holds its seat until it closes."""
    pending = [i for i in ports.team.invitations(seller_id) if i.status_at(now) is InvitationStatus.PENDING]
    return len(ports.team.members(seller_id)) + len(pending)


def owned_sellers(ports: ApiPorts, user_sub: str) -> list[str]:
    """The seller accounts (connected Amazon accounts) a user owns."""
    return sorted(
        m.seller_id
        for m in ports.sellers.memberships_of(user_sub)
        if m.role is Role.OWNER and not m.break_glass
    )


def seller_usage(ports: ApiPorts, seller_id: str, now: datetime) -> Usage:
    """What a seller account uses of its plan's countable limits (the billing screen's usage)."""
    profiles = ports.sellers.profiles([seller_id])
    return Usage(
        connected_accounts=1 if profiles else 0,
        marketplaces=len(profiles[0].marketplace_ids) if profiles else 0,
        seats=seats_in_use(ports, seller_id, now),
    )


def require_history(ports: ApiPorts, seller_id: str, first: date | None, today: date) -> None:
    """402 when a read asks for days older than the plan's history depth (those days stay stored)."""
    if first is None:
        return
    start = ports.plans.history_start(seller_id, today)
    if start is not None and first < start:
        raise PlanLimitReached(
            f"the plan shows history from {start.isoformat()}: upgrade the plan in billing to read "
            "older days (they are kept)",
            limit="history_days",
        )
