"""The label calls against the official models: the requests Sellerflow builds (`sellerflow.labels`)
and the simulator's answers (Shipping v2, Orders v0 confirmShipment), closed to undefined fields.

Reuses the Orders conformance test's Swagger-to-JSON-Schema conversion; skipped when the reference
models are absent. Runs the simulator in process (no sockets)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema
import pytest
from test_sim_conformance import _FORMATS, _models_dir, _strict

from sellerflow.domain import Order
from sellerflow.labels.model import (
    LabelFormat,
    LabelSettings,
    LabelShipment,
    Package,
    ShipFrom,
    ShipmentStatus,
)
from sellerflow.labels.service import confirmation_request, purchase_request, rates_request
from sellerflow.sync.mapping import to_order
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.server import Request

SHIPPING_MODEL = "shipping-api-model/shippingV2.json"
ORDERS_V0_MODEL = "orders-api-model/ordersV0.json"
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SETTINGS = LabelSettings(
    ship_from=ShipFrom(
        name="Acme", address_line1="1 Dock St", city="Seattle", state_or_region="WA", postal_code="98101",
        country_code="US", phone="+1 206 555 0100",
    )
)  # fmt: skip
PACKAGE = Package(Decimal(30), Decimal(20), Decimal(10), 1200)


@cache
def _definitions(model: str) -> dict[str, Any]:
    document = json.loads((_models_dir() / model).read_text())
    return {name: _strict(schema) for name, schema in document["definitions"].items()}


def conforms(instance: Any, definition: str, model: str = SHIPPING_MODEL) -> None:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": copy.deepcopy(_definitions(model))}
    validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def server() -> SimServer:
    _models_dir()
    return SimServer(
        SimWorld.generate(sellers=1, seed=5, now=NOW), SimConfig(rate_scale=1000), wall_clock=lambda: NOW
    )


def _call(server: SimServer, method: str, target: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    world = server.world
    form = (
        f"grant_type=refresh_token&refresh_token={world.sellers[0].refresh_token}"
        f"&client_id={world.client_id}&client_secret={world.client_secret}"
    )
    token = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=form.encode())).body[
        "access_token"
    ]
    request = Request.from_target(
        method, target, headers={"x-amz-access-token": token, **headers},
        body=json.dumps(body).encode() if body is not None else b"",
    )  # fmt: skip
    response = server.dispatch(request)
    return response.status, response.body


def test_the_schema_check_catches_a_broken_rates_request() -> None:
    with pytest.raises(AssertionError, match="inventedField"):
        conforms(
            {"shipFrom": {}, "packages": [], "channelDetails": {}, "inventedField": 1}, "GetRatesRequest"
        )


def unshipped_merchant_order(server: SimServer) -> tuple[str, Any, Order]:
    """The first seller's first unshipped merchant-fulfilled order: seller id, simulated and stored."""
    seller_id = server.world.sellers[0].seller_id
    sim_order = next(
        o
        for o in server.world.order_states(seller_id)
        if o.fulfilled_by == "MERCHANT" and o.status == "UNSHIPPED"
    )
    order = to_order(
        seller_id, server.world.order_document(seller_id, sim_order.order_id, ["FULFILLMENT", "PROCEEDS"])
    )
    return seller_id, sim_order, order


def test_a_label_round_trip_conforms(server: SimServer) -> None:
    seller_id, sim_order, order = unshipped_merchant_order(server)
    request = rates_request(order, PACKAGE, SETTINGS, "ref-1")
    request["shipTo"] = dict(sim_order.recipient["deliveryAddress"]) | {"phoneNumber": "0"}
    request["shipTo"].pop("phone", None)
    request["shipTo"].pop("addressType", None)
    conforms(request, "GetRatesRequest")
    status, rates = _call(server, "POST", "/shipping/v2/shipments/rates", request)
    assert status == 200
    conforms(rates, "GetRatesResponse")

    rate = rates["payload"]["rates"][-1]
    purchase = purchase_request(rates["payload"]["requestToken"], rate["rateId"], LabelFormat.ZPL)
    conforms(purchase, "PurchaseShipmentRequest")
    status, bought = _call(
        server, "POST", "/shipping/v2/shipments", purchase, **{"x-amzn-idempotencykey": "ref-1"}
    )
    assert status == 200
    conforms(bought, "PurchaseShipmentResponse")
    shipment_id = bought["payload"]["shipmentId"]
    detail = bought["payload"]["packageDocumentDetails"][0]

    status, documents = _call(
        server,
        "GET",
        f"/shipping/v2/shipments/{shipment_id}/documents?packageClientReferenceId=ref-1&format=PNG",
    )
    assert status == 200
    conforms(documents, "GetShipmentDocumentsResponse")
    status, tracking = _call(
        server,
        "GET",
        f"/shipping/v2/tracking?trackingId={detail['trackingId']}&carrierId={rate['carrierId']}",
    )
    assert status == 200
    conforms(tracking, "GetTrackingResponse")

    shipment = LabelShipment(
        seller_id=seller_id, order_id=order.order_id, client_reference="ref-1", status=ShipmentStatus.PURCHASED,
        created_at=NOW, carrier_id=rate["carrierId"], carrier_name=rate["carrierName"],
        service_name=rate["serviceName"], tracking_id=detail["trackingId"], purchased_at=NOW,
    )  # fmt: skip
    confirmation = confirmation_request(order, shipment, NOW)
    conforms(confirmation, "ConfirmShipmentRequest", ORDERS_V0_MODEL)
    status, _ = _call(
        server, "POST", f"/orders/v0/orders/{order.order_id}/shipmentConfirmation", confirmation
    )
    assert status == 204

    status, cancelled = _call(server, "PUT", f"/shipping/v2/shipments/{shipment_id}/cancel")
    assert status == 200
    conforms(cancelled, "CancelShipmentResponse")
    status, refused = _call(
        server, "POST", "/shipping/v2/shipments", purchase | {"requestToken": "rt-unknown"}
    )
    assert status == 400
    conforms(refused, "ErrorList")
    status, error = _call(server, "POST", "/shipping/v2/shipments/rates", {"packages": []})
    assert status == 400
    conforms(error, "ErrorList")
