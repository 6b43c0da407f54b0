"""The API's business rules for seller-scoped reads: who may read what, and the audit of every read.

A caller sees a seller only through a membership. A global admin's membership is never honoured (an
admin should hold none; if one was made before that rule, or by a bug, it opens nothing): an admin sees
a seller only through an active break-glass grant. A caller who is not a member gets `SellerNotFound`,
exactly as for a seller that does not exist, so the API never reveals which sellers exist. Reads go
through the seller's own partition (an order id of another seller is simply not found), and every
successful read of seller data is written to the audit log before the data is returned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sellerflow.api.models import OrdersQuery
from sellerflow.api.ports import OrderPageLike, OrderReader, SellerDirectory
from sellerflow.audit.context import mark_break_glass
from sellerflow.domain import Membership, Order, Role, SellerProfile
from sellerflow.errors import Forbidden, OrderNotFound, SellerNotFound
from sellerflow.members.model import SEEN_RESOLUTION
from sellerflow.members.permissions import BREAK_GLASS_PERMISSIONS, Permission, role_allows
from sellerflow.members.service import AuditSink
from sellerflow.principal import Principal
from sellerflow.tenancy import act_for

# Merchant tokens and Amazon order ids are short and plain; anything else cannot exist here.
_SELLER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class BreakGlassGrants(Protocol):
    def grant(self, seller_id: str, admin_sub: str) -> BreakGlassGrantLike | None: ...


class ActivityLog(Protocol):
    def seen(self, seller_id: str, user_sub: str, at: datetime) -> None: ...


class BreakGlassGrantLike(Protocol):
    def active_at(self, now: datetime) -> bool: ...


@dataclass(frozen=True)
class SellerView:
    profile: SellerProfile
    role: Role


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SellerAccess:
    """Seller-scoped reads for one authenticated caller at a time."""

    def __init__(
        self,
        *,
        sellers: SellerDirectory,
        orders: OrderReader,
        audit: AuditSink,
        grants: BreakGlassGrants | None = None,
        clock: Callable[[], datetime] | None = None,
        activity: ActivityLog | None = None,
    ) -> None:
        self._sellers = sellers
        self._activity = activity
        self._seen_here: dict[tuple[str, str], datetime] = {}
        self._orders = orders
        self._audit = audit
        self._grants = grants
        self._clock = clock or (lambda: datetime.now(UTC))

    def require(self, caller: Principal, seller_id: str, permission: Permission) -> Membership:
        """The caller's membership, if its role allows `permission`: `SellerNotFound` for a
        non-member, `Forbidden` for a member whose role does not allow it."""
        valid = bool(_SELLER_ID.fullmatch(seller_id))
        honoured = valid and not caller.is_admin
        membership = self._sellers.membership(seller_id, caller.sub) if honoured else None
        if membership is None:
            if valid and self._break_glass_active(caller, seller_id):
                if permission not in BREAK_GLASS_PERMISSIONS:
                    raise Forbidden(f"break-glass access does not allow {permission.value}")
                mark_break_glass(seller_id, caller.sub)  # the audit log records these reads as break-glass
                act_for(seller_id)  # the reads that follow run with this seller's credentials only
                return Membership(
                    seller_id=seller_id, user_sub=caller.sub, role=Role.ANALYST, break_glass=True
                )
            raise SellerNotFound(f"seller {seller_id[:64]!r} not found")
        if not role_allows(membership.role, permission):
            raise Forbidden(f"the {membership.role.value} role does not allow {permission.value}")
        self._record_activity(seller_id, caller.sub)
        act_for(seller_id)  # the reads and writes that follow run with this seller's credentials only
        return membership

    def _record_activity(self, seller_id: str, user_sub: str) -> None:
        """The member's last activity for the access review: at most one (conditional) write per
        member per hour, and none at all from this container within the hour."""
        if self._activity is None:
            return
        now = self._clock()
        last = self._seen_here.get((seller_id, user_sub))
        if last is not None and now - last < SEEN_RESOLUTION:
            return
        self._activity.seen(seller_id, user_sub, now)
        if len(self._seen_here) > 10_000:  # bounded: a warm container serves many members
            self._seen_here.clear()
        self._seen_here[(seller_id, user_sub)] = now

    def allows(self, membership: Membership, permission: Permission) -> bool:
        """Whether an access `require` returned also covers `permission` (e.g. order money)."""
        if membership.break_glass:
            return permission in BREAK_GLASS_PERMISSIONS
        return role_allows(membership.role, permission)

    def _break_glass_active(self, caller: Principal, seller_id: str) -> bool:
        """A global admin (never a member) with an unexpired break-glass grant for this seller."""
        if not caller.is_admin or self._grants is None:
            return False
        grant = self._grants.grant(seller_id, caller.sub)
        return grant is not None and grant.active_at(self._clock())

    def _require_orders_read(self, caller: Principal, seller_id: str, access: Membership | None) -> None:
        """ORDERS_READ, unless `access` is what `require` already returned for this caller and seller."""
        if access is None or access.seller_id != seller_id or access.user_sub != caller.sub:
            self.require(caller, seller_id, Permission.ORDERS_READ)

    def my_sellers(self, caller: Principal) -> list[SellerView]:
        """The sellers the caller is a member of, with the caller's role in each (none for an admin)."""
        if caller.is_admin:
            return []
        roles = {m.seller_id: m.role for m in self._sellers.memberships_of(caller.sub)}
        views = [SellerView(profile=p, role=roles[p.seller_id]) for p in self._sellers.profiles(roles)]
        for view in views:
            self._audit.record(view.profile.seller_id, caller.sub, "seller.read", "profile")
        return views

    def list_orders(
        self, caller: Principal, seller_id: str, query: OrdersQuery, *, access: Membership | None = None
    ) -> OrderPageLike:
        """One page of orders (`access`: what `require(..., ORDERS_READ)` already returned)."""
        self._require_orders_read(caller, seller_id, access)
        page = self._orders.list(
            seller_id,
            created_from=query.created_from,
            created_to=query.created_to,
            statuses=[s.value for s in query.statuses],
            limit=query.limit,
            next_token=query.next_token,
        )
        statuses = ",".join(s.value for s in query.statuses) or "any"
        self._audit.record(
            seller_id,
            caller.sub,
            "orders.list",
            f"orders created {_iso(query.created_from)}..{_iso(query.created_to)} status={statuses} "
            f"page={'next' if query.next_token else 'first'} returned={len(page.orders)}",
        )
        return page

    def get_order(
        self, caller: Principal, seller_id: str, order_id: str, *, access: Membership | None = None
    ) -> Order:
        self._require_orders_read(caller, seller_id, access)
        if not _ORDER_ID.fullmatch(order_id):
            raise OrderNotFound(f"order {order_id[:64]!r} not found")
        order = self._orders.get(seller_id, order_id)
        if order.seller_id != seller_id:  # the store is keyed by seller; this only guards a broken store
            raise OrderNotFound(f"order {order_id!r} not found")
        self._audit.record(seller_id, caller.sub, "order.read", f"order/{order_id}")
        return order
