"""Tracking of bought labels: what a getTracking answer changes in a `LabelShipment`, and the scheduled
refresh of a seller's labels that are shipped but not yet delivered.

The refresh runs in the seller sync, after the orders (`functions/sync_orders`, last page), in the
sync's own role: getTracking needs no restricted data token and answers no buyer data (status, event
codes and times), and the refresh writes only the `LABEL#` record. It never touches the label bucket
(the PII function's alone): when a delivery moves a kept label's expiry earlier, the record's
`label_kept_until` says so and the PII function honours it on the next read (`LabelService.reprint`
deletes the copy then); the bucket's 31-day lifecycle rule deletes it anyway, which is never later
than a day after delivery + 30 days, since a label is delivered after it is bought.

One failed tracking call does not stop the others; a throttle stops the run (the rest waits for the
next sync); nothing here ever fails the sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sellerflow.errors import SpApiError, SpApiThrottled
from sellerflow.labels.model import LabelShipment, ShipmentStatus, label_expiry
from sellerflow.observability import logger, metrics

REFRESH_MAX = 50  # labels tracked per seller per sync (getTracking: 80/s; a sync runs every few hours)
TRACK_FOR = timedelta(days=60)  # a label not delivered 60 days after purchase is no longer tracked
DELIVERED = "Delivered"


class TrackingSource(Protocol):
    def get_tracking(self, seller_id: str, tracking_id: str, carrier_id: str) -> dict[str, Any]: ...


class TrackedShipments(Protocol):
    def in_transit(self, seller_id: str) -> Iterable[LabelShipment]:
        """The seller's purchased labels with a tracking id and no delivery yet."""
        ...

    def put_shipment(self, shipment: LabelShipment) -> None: ...


def parse_time(raw: Any) -> datetime | None:
    """An SP-API ISO 8601 time (UTC when it names no zone); None for anything else."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def tracked(shipment: LabelShipment, answer: Mapping[str, Any], now: datetime) -> LabelShipment:
    """The shipment with a getTracking answer applied: its status, its delivery time once delivered
    (the Delivered event's time, else now), and a kept label's expiry moved to delivery + 30 days
    when that is earlier (None: not kept any more)."""
    payload = answer.get("payload") or {}
    status = str((payload.get("summary") or {}).get("status") or "") or None
    delivered_at = shipment.delivered_at
    if status == DELIVERED and delivered_at is None:
        times = [
            e.get("eventTime") for e in payload.get("eventHistory") or [] if e.get("eventCode") == DELIVERED
        ]
        delivered_at = (parse_time(times[-1]) if times else None) or now
    updated = shipment.model_copy(update={"tracking_status": status, "delivered_at": delivered_at})
    if delivered_at is not None and shipment.label_kept_until is not None:
        expires = label_expiry(now=now, reprint_days=30, delivery_by=None, delivered_at=delivered_at)
        until = min(shipment.label_kept_until, expires) if expires else None
        updated = updated.model_copy(update={"label_kept_until": until})
    return updated


@dataclass(frozen=True)
class TrackingRefreshResult:
    checked: int = 0
    updated: int = 0
    delivered: int = 0
    failed: int = 0
    throttled: bool = False


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TrackingRefresh:
    """getTracking for each of a seller's labels in transit; the new status kept in its record."""

    def __init__(
        self,
        *,
        shipping: TrackingSource,
        shipments: TrackedShipments,
        clock: Callable[[], datetime] = _utcnow,
        limit: int = REFRESH_MAX,
    ) -> None:
        self._shipping = shipping
        self._shipments = shipments
        self._clock = clock
        self._limit = limit

    def refresh(self, seller_id: str) -> TrackingRefreshResult:
        now = self._clock()
        due = [
            s
            for s in self._shipments.in_transit(seller_id)
            if s.status is ShipmentStatus.PURCHASED
            and s.tracking_id
            and s.carrier_id
            and s.delivered_at is None
            and (s.purchased_at is None or now - s.purchased_at <= TRACK_FOR)
        ]
        # the least recently bought first: they are the likeliest to have moved
        due.sort(key=lambda s: s.purchased_at or now)
        checked = updated = delivered = failed = 0
        for shipment in due[: self._limit]:
            assert shipment.tracking_id
            assert shipment.carrier_id
            try:
                answer = self._shipping.get_tracking(seller_id, shipment.tracking_id, shipment.carrier_id)
            except SpApiThrottled:
                return TrackingRefreshResult(checked, updated, delivered, failed, throttled=True)
            except SpApiError:
                failed += 1
                continue
            checked += 1
            new = tracked(shipment, answer, now)
            if new != shipment:
                self._shipments.put_shipment(new)
                updated += 1
                delivered += new.delivered_at is not None
        return TrackingRefreshResult(checked, updated, delivered, failed)

    def refresh_after_sync(self, seller_id: str) -> TrackingRefreshResult:
        """`refresh` as a step of the seller sync: whatever goes wrong is logged (no buyer data is
        at hand) and counted, never raised, so tracking never fails the sync."""
        try:
            result = self.refresh(seller_id)
        except Exception:
            logger.exception("label tracking refresh failed", extra={"seller_id": seller_id})
            metrics.add_metric(name="LabelTrackingRefreshFailed", unit="Count", value=1)
            return TrackingRefreshResult(failed=1)
        if result.checked or result.failed:
            logger.info(
                "label tracking refreshed",
                extra={"seller_id": seller_id, "checked": result.checked, "updated": result.updated,
                       "delivered": result.delivered, "failed": result.failed, "throttled": result.throttled},
            )  # fmt: skip
        return result
