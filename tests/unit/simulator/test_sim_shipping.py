"""The simulator's label APIs (Shipping v2, Orders v0 confirmShipment), through its dispatch, no sockets."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_sim_dispatch import FakeClock, access_token

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.pii import find_pii_markers
from sellerflow_dev.simulator.server import Request

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
PACKAGE = {
    "dimensions": {"length": 30, "width": 20, "height": 10, "unit": "CENTIMETER"},
    "weight": {"value": 1200, "unit": "GRAM"},
    "insuredValue": {"value": 20, "unit": "USD"},
    "packageClientReferenceId": "pkg-1",
    "items": [{"quantity": 1}],
}
SHIP_FROM = {
    "name": "Warehouse",
    "addressLine1": "1 Dock St",
    "city": "Seattle",
    "stateOrRegion": "WA",
    "postalCode": "98101",
    "countryCode": "US",
}
SPEC = {
    "format": "PDF",
    "size": {"width": 4, "length": 6, "unit": "INCH"},
    "needFileJoining": False,
    "requestedDocumentTypes": ["LABEL"],
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> SimServer:
    world = SimWorld.generate(sellers=2, seed=9, now=NOW)
    return SimServer(world, SimConfig(rate_scale=1000), clock=clock, wall_clock=lambda: NOW)


def _call(
    server: SimServer, method: str, target: str, body: dict[str, Any] | None = None, **headers: str
) -> tuple[int, dict[str, Any]]:
    request = Request.from_target(
        method,
        target,
        headers={"x-amz-access-token": access_token(server), "content-type": "application/json", **headers},
        body=json.dumps(body).encode() if body is not None else b"",
    )
    response = server.dispatch(request)
    return response.status, response.body


def _unshipped_mfn(server: SimServer) -> str:
    seller_id = server.world.sellers[0].seller_id
    return next(
        o.order_id
        for o in server.world.order_states(seller_id)
        if o.fulfilled_by == "MERCHANT" and o.status == "UNSHIPPED"
    )


def _rates(server: SimServer, order_id: str, package: dict[str, Any] = PACKAGE) -> dict[str, Any]:
    body = {
        "shipFrom": SHIP_FROM,
        "packages": [package],
        "channelDetails": {"channelType": "AMAZON", "amazonOrderDetails": {"orderId": order_id}},
    }
    status, answer = _call(server, "POST", "/shipping/v2/shipments/rates", body)
    assert status == 200, answer
    return dict(answer["payload"])


def _order_status(server: SimServer, order_id: str) -> str:
    seller_id = server.world.sellers[0].seller_id
    return next(o.status for o in server.world.order_states(seller_id) if o.order_id == order_id)


def test_rates_are_priced_by_billed_weight_and_list_carriers(server: SimServer) -> None:
    order_id = _unshipped_mfn(server)
    light = _rates(server, order_id)
    heavy = _rates(server, order_id, PACKAGE | {"weight": {"value": 15, "unit": "KILOGRAM"}})
    assert {r["carrierName"] for r in light["rates"]} >= {"Amazon Shipping"}
    price = {r["serviceId"]: r["totalCharge"]["value"] for r in light["rates"]}
    heavy_price = {r["serviceId"]: r["totalCharge"]["value"] for r in heavy["rates"]}
    assert all(heavy_price[s] > price[s] for s in heavy_price)
    # the one-day service has a 9 kg limit: ineligible for 15 kg, with the reason
    reasons = {r["serviceId"]: r["ineligibilityReasons"][0]["code"] for r in heavy["ineligibleRates"]}
    assert "WEIGHT_RESTRICTIONS" in reasons.values()
    assert light["requestToken"] != heavy["requestToken"]


def test_purchase_is_idempotent_and_the_label_prints_the_recipient(server: SimServer) -> None:
    order_id = _unshipped_mfn(server)
    quote = _rates(server, order_id)
    rate = next(r for r in quote["rates"] if r["carrierId"].startswith("AMZN_"))
    body = {
        "requestToken": quote["requestToken"],
        "rateId": rate["rateId"],
        "requestedDocumentSpecification": SPEC,
    }
    first = _call(server, "POST", "/shipping/v2/shipments", body, **{"x-amzn-idempotencykey": "k1"})
    again = _call(server, "POST", "/shipping/v2/shipments", body, **{"x-amzn-idempotencykey": "k1"})
    assert first[0] == again[0] == 200
    assert first[1]["payload"]["shipmentId"] == again[1]["payload"]["shipmentId"]
    assert len(server.shipping.ledger.charges) == 1
    document = first[1]["payload"]["packageDocumentDetails"][0]["packageDocuments"][0]
    label = base64.b64decode(document["contents"])
    assert label.startswith(b"%PDF-")
    assert find_pii_markers(label.decode("latin-1"))
    # Amazon Shipping confirms the order itself
    assert _order_status(server, order_id) == "SHIPPED"
    shipment_id = first[1]["payload"]["shipmentId"]
    for fmt, magic in (("PNG", b"\x89PNG"), ("ZPL", b"^XA")):
        status, docs = _call(
            server,
            "GET",
            f"/shipping/v2/shipments/{shipment_id}/documents?packageClientReferenceId=pkg-1&format={fmt}",
        )
        assert status == 200
        raw = base64.b64decode(docs["payload"]["packageDocumentDetail"]["packageDocuments"][0]["contents"])
        assert raw.startswith(magic)
        assert find_pii_markers(raw.decode("latin-1"))


def test_expired_rates_undeliverable_addresses_and_half_failures(server: SimServer, clock: FakeClock) -> None:
    order_id = _unshipped_mfn(server)
    quote = _rates(server, order_id)
    clock.now += 601
    body = {
        "requestToken": quote["requestToken"],
        "rateId": quote["rates"][0]["rateId"],
        "requestedDocumentSpecification": SPEC,
    }
    status, answer = _call(server, "POST", "/shipping/v2/shipments", body)
    assert status == 400
    assert "expired" in answer["errors"][0]["message"]
    assert server.shipping.ledger.charges == []

    server.update_config({"label_undeliverable_orders": [order_id]})
    blocked = _rates(server, order_id)
    assert blocked["rates"] == []
    assert {r["ineligibilityReasons"][0]["code"] for r in blocked["ineligibleRates"]} == {"NO_COVERAGE"}

    server.update_config({"label_undeliverable_orders": [], "label_charge_without_document": [order_id]})
    quote = _rates(server, order_id)
    body = body | {"requestToken": quote["requestToken"], "rateId": quote["rates"][0]["rateId"]}
    failed = _call(server, "POST", "/shipping/v2/shipments", body, **{"x-amzn-idempotencykey": "k2"})
    assert failed[0] == 500
    assert len(server.shipping.ledger.charges) == 1  # charged, no document
    still = _call(server, "POST", "/shipping/v2/shipments", body, **{"x-amzn-idempotencykey": "k2"})
    assert still[0] == 500
    server.update_config({"label_charge_without_document": []})
    retried = _call(server, "POST", "/shipping/v2/shipments", body, **{"x-amzn-idempotencykey": "k2"})
    assert retried[0] == 200
    assert len(server.shipping.ledger.charges) == 1


def test_other_carriers_need_confirmation_and_void_reopens_the_order(
    server: SimServer, clock: FakeClock
) -> None:
    order_id = _unshipped_mfn(server)
    quote = _rates(server, order_id)
    rate = next(r for r in quote["rates"] if not r["carrierId"].startswith("AMZN_"))
    body = {
        "requestToken": quote["requestToken"],
        "rateId": rate["rateId"],
        "requestedDocumentSpecification": SPEC,
    }
    _, bought = _call(server, "POST", "/shipping/v2/shipments", body)
    payload = bought["payload"]
    tracking = payload["packageDocumentDetails"][0]["trackingId"]
    assert _order_status(server, order_id) == "UNSHIPPED"
    order = next(
        o for o in server.world.order_states(server.world.sellers[0].seller_id) if o.order_id == order_id
    )
    confirm = {
        "marketplaceId": order.marketplace_id,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": rate["carrierId"],
            "trackingNumber": tracking,
            "shipDate": "2026-03-02T15:30:00Z",
            "orderItems": [{"orderItemId": i.order_item_id, "quantity": i.quantity} for i in order.items],
        },
    }
    status, _ = _call(server, "POST", f"/orders/v0/orders/{order_id}/shipmentConfirmation", confirm)
    assert status == 204
    assert _order_status(server, order_id) == "SHIPPED"
    status, track = _call(
        server, "GET", f"/shipping/v2/tracking?trackingId={tracking}&carrierId={rate['carrierId']}"
    )
    assert status == 200
    assert track["payload"]["summary"]["status"] == "PreTransit"
    # void within the window: refunded, the order is open again; a second void changes nothing
    assert _call(server, "PUT", f"/shipping/v2/shipments/{payload['shipmentId']}/cancel")[0] == 200
    assert _call(server, "PUT", f"/shipping/v2/shipments/{payload['shipmentId']}/cancel")[0] == 200
    assert len(server.shipping.ledger.refunds) == 1
    assert _order_status(server, order_id) == "UNSHIPPED"
    # past the window: refused
    quote = _rates(server, order_id)
    body = body | {"requestToken": quote["requestToken"], "rateId": quote["rates"][0]["rateId"]}
    _, bought = _call(server, "POST", "/shipping/v2/shipments", body)
    clock.now += timedelta(days=2).total_seconds()
    status, answer = _call(server, "PUT", f"/shipping/v2/shipments/{bought['payload']['shipmentId']}/cancel")
    assert status == 400
    assert "void window" in answer["errors"][0]["message"]
