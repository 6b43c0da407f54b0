"""Connection status: is the seller's Amazon authorization working, about to run out, or gone?

Amazon's SP-API authorizations last a year from the seller's consent. Sellerflow stores when the
seller consented (`authorized_at`) and when the authorization ends (`authorization_expires_at`), and
derives one status from those dates and the seller's own status:

    revoked       the seller removed the app (LWA answered invalid_grant)
    disconnected  an owner disconnected the seller (or it is being erased)
    lapsed        the year is over (or the fanout already marked the seller lapsed)
    expiring      at most `warning_days` (30) left: owners should reconnect now
    active        otherwise (also for sellers connected before authorizations were dated)

`connection_status` is pure: the alerts ("authorization revoked or about to expire") and the API
call it with a `SellerConnection` read by `sellerflow.store.connections.ConnectionStore`.
"""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from sellerflow.domain import SellerConnection, SellerStatus
from sellerflow.sync.schedule import is_lapsed

WARNING_DAYS = 30
VALID_DAYS = 365


class ConnectionStatus(enum.StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"
    LAPSED = "lapsed"
    REVOKED = "revoked"
    DISCONNECTED = "disconnected"


class ConnectionState(BaseModel):
    """A seller's connection at one moment: its status and how many whole days it has left."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    seller_id: str
    status: ConnectionStatus
    authorized_at: datetime | None = None
    expires_at: datetime | None = None
    days_left: int | None = None  # whole days until expiry (0 once lapsed); None when undated

    @property
    def needs_attention(self) -> bool:
        """Revoked, lapsed or expiring: what the authorization alert rule reports."""
        return self.status in (ConnectionStatus.REVOKED, ConnectionStatus.LAPSED, ConnectionStatus.EXPIRING)


def authorization_expiry(authorized_at: datetime, valid_days: int = VALID_DAYS) -> datetime:
    """When an authorization given at `authorized_at` ends."""
    return authorized_at.astimezone(UTC) + timedelta(days=valid_days)


def days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days (rounded up) until `expires_at`; 0 when it has passed."""
    seconds = (expires_at - now).total_seconds()
    return max(0, math.ceil(seconds / 86400))


def classify(
    status: SellerStatus, expires_at: datetime | None, *, now: datetime, warning_days: int = WARNING_DAYS
) -> ConnectionStatus:
    """The connection status of a seller in `status` whose authorization ends at `expires_at`."""
    if status is SellerStatus.REVOKED:
        return ConnectionStatus.REVOKED
    if status in (SellerStatus.DISCONNECTED, SellerStatus.ERASING):
        return ConnectionStatus.DISCONNECTED
    if status is SellerStatus.LAPSED or is_lapsed(expires_at, now):
        return ConnectionStatus.LAPSED
    if expires_at is not None and expires_at - now <= timedelta(days=warning_days):
        return ConnectionStatus.EXPIRING
    return ConnectionStatus.ACTIVE


def connection_status(
    connection: SellerConnection, *, now: datetime, warning_days: int = WARNING_DAYS
) -> ConnectionState:
    """The seller's connection status at `now` (aware datetime)."""
    expires_at = connection.authorization_expires_at
    return ConnectionState(
        seller_id=connection.seller_id,
        status=classify(connection.status, expires_at, now=now, warning_days=warning_days),
        authorized_at=connection.authorized_at,
        expires_at=expires_at,
        days_left=None if expires_at is None else days_left(expires_at, now),
    )
