"""When stored buyer PII expires (DPP: at most 30 days after the order is delivered).

Rules, first match wins for the anchor:

1. the delivery time, when known;
2. else the latest date of the order's `deliverByWindow` (Amazon's promise: delivery is due by then);
3. else the purchase time (a label is printed within days of the purchase);
4. else now.

`expires_at = min(anchor + 30 days, now + 30 days)`: never later than 30 days after the delivery (or
its best bound), and never later than 30 days from the moment of storing, whatever the anchor says.
When that moment has already passed the PII is not stored at all (`None`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerflow.pii.models import PII_RETENTION

__all__ = ["PII_RETENTION", "pii_expires_at"]


def pii_expires_at(
    *,
    now: datetime,
    delivered_at: datetime | None = None,
    latest_delivery: datetime | None = None,
    purchased_at: datetime | None = None,
    retention: timedelta = PII_RETENTION,
) -> datetime | None:
    if retention > PII_RETENTION:
        raise ValueError(f"buyer PII may be kept at most {PII_RETENTION.days} days, not {retention.days}")
    now = now.astimezone(UTC)
    anchor = delivered_at or latest_delivery or purchased_at or now
    expires = min(anchor.astimezone(UTC) + retention, now + retention)
    return expires if expires > now else None
