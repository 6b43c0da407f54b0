"""The scheduled tracking refresh without I/O: which labels are tracked, what an answer changes, and
that one failure neither stops the others nor fails the sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sellerflow.errors import SpApiServerError, SpApiThrottled
from sellerflow.labels.model import LabelShipment, ShipmentStatus
from sellerflow.labels.tracking import TrackingRefresh, tracked

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _shipment(order_id: str, *, days_ago: float = 1, **fields: Any) -> LabelShipment:
    values: dict[str, Any] = {
        "seller_id": "S", "order_id": order_id, "client_reference": f"{order_id}-0-x",
        "status": ShipmentStatus.PURCHASED, "created_at": NOW - timedelta(days=days_ago),
        "purchased_at": NOW - timedelta(days=days_ago), "shipment_id": f"sh-{order_id}",
        "carrier_id": "UPS", "tracking_id": f"1Z{order_id}", "tracking_status": "PreTransit",
    }  # fmt: skip
    return LabelShipment(**(values | fields))


def _answer(status: str, delivered_at: datetime | None = None) -> dict[str, Any]:
    events = [{"eventCode": "PickupDone", "eventTime": (NOW - timedelta(days=1)).isoformat()}]
    if delivered_at is not None:
        events.append({"eventCode": "Delivered", "eventTime": delivered_at.isoformat()})
    return {"payload": {"summary": {"status": status}, "eventHistory": events}}


class Carrier:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def get_tracking(self, _seller_id: str, tracking_id: str, _carrier_id: str) -> dict[str, Any]:
        self.asked.append(tracking_id)
        answer = self.answers[tracking_id]
        if isinstance(answer, Exception):
            raise answer
        return dict(answer)


class Records:
    def __init__(self, shipments: Iterable[LabelShipment]) -> None:
        self.by_order = {s.order_id: s for s in shipments}
        self.written: list[LabelShipment] = []

    def in_transit(self, _seller_id: str) -> list[LabelShipment]:
        return [s for s in self.by_order.values() if s.delivered_at is None]

    def put_shipment(self, shipment: LabelShipment) -> None:
        self.by_order[shipment.order_id] = shipment
        self.written.append(shipment)


def test_a_delivery_is_kept_and_moves_the_kept_labels_expiry_to_delivery_plus_30_days() -> None:
    delivered = NOW - timedelta(hours=3)
    kept = _shipment("A", label_kept_until=NOW + timedelta(days=45))
    updated = tracked(kept, _answer("Delivered", delivered), NOW)
    assert (updated.tracking_status, updated.delivered_at) == ("Delivered", delivered)
    assert updated.label_kept_until == delivered + timedelta(days=30)
    # an earlier expiry (the seller's reprint window) is not extended
    short = _shipment("B", label_kept_until=NOW + timedelta(days=2))
    assert tracked(short, _answer("Delivered", delivered), NOW).label_kept_until == NOW + timedelta(days=2)
    # in transit: only the status moves
    moving = tracked(kept, _answer("InTransit"), NOW)
    assert (moving.tracking_status, moving.delivered_at, moving.label_kept_until) == ("InTransit", None, kept.label_kept_until)  # fmt: skip


def test_only_purchased_undelivered_recent_labels_are_tracked_oldest_first_and_failures_do_not_stop_it() -> (
    None
):
    records = Records([
        _shipment("new", days_ago=1),
        _shipment("old", days_ago=5),
        _shipment("broken", days_ago=3),
        _shipment("same", days_ago=2),
        _shipment("voided", status=ShipmentStatus.VOIDED),
        _shipment("pending", status=ShipmentStatus.PENDING, tracking_id=None),
        _shipment("forgotten", days_ago=90),
    ])  # fmt: skip
    carrier = Carrier({
        "1Znew": _answer("InTransit"), "1Zold": _answer("Delivered", NOW - timedelta(hours=1)),
        "1Zbroken": SpApiServerError("getTracking answered 500", operation="getTracking"),
        "1Zsame": _answer("PreTransit"),
    })  # fmt: skip
    result = TrackingRefresh(shipping=carrier, shipments=records, clock=lambda: NOW).refresh("S")
    assert carrier.asked == ["1Zold", "1Zbroken", "1Zsame", "1Znew"]
    assert (result.checked, result.updated, result.delivered, result.failed) == (3, 2, 1, 1)
    assert {s.order_id for s in records.written} == {"old", "new"}  # an unchanged status is not rewritten
    assert records.by_order["old"].delivered_at == NOW - timedelta(hours=1)
    assert records.by_order["new"].tracking_status == "InTransit"


def test_a_throttle_stops_the_run_and_nothing_ever_fails_the_sync(caplog: pytest.LogCaptureFixture) -> None:
    records = Records([_shipment("a", days_ago=3), _shipment("b", days_ago=1)])
    carrier = Carrier({"1Za": SpApiThrottled("getTracking throttled", operation="getTracking"), "1Zb": _answer("InTransit")})  # fmt: skip
    result = TrackingRefresh(shipping=carrier, shipments=records, clock=lambda: NOW).refresh_after_sync("S")
    assert result.throttled
    assert carrier.asked == ["1Za"]  # the rest waits for the next sync

    class Broken(Records):
        def in_transit(self, _seller_id: str) -> list[LabelShipment]:
            raise RuntimeError("table unavailable")

    failed = TrackingRefresh(shipping=carrier, shipments=Broken([]), clock=lambda: NOW).refresh_after_sync(
        "S"
    )
    assert failed.failed == 1
    assert "label tracking refresh failed" in caplog.text
