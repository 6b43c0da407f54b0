"""The Merchant Fulfillment v0 simulator against the official model (`merchantFulfillmentV0.json`,
closed to undefined fields), and the restricted-data rule of its shipment operations: createShipment,
getShipment and cancelShipment answer only a restricted data token minted for their path, never the
seller's LWA token (the ship-to address is in their answers and printed on the label)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from typing import Any

import pytest
from pydantic import SecretStr
from test_sim_conformance import _models_dir
from test_sim_conformance_shipping import NOW, PACKAGE, SETTINGS, _call, conforms, unshipped_merchant_order

from sellerflow.labels.model import LabelFormat
from sellerflow.labels.service import purchase_request, rates_request
from sellerflow.spapi.merchant_fulfillment import MerchantFulfillmentShipping
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.pii import find_pii_markers

MFN_MODEL = "merchant-fulfillment-api-model/merchantFulfillmentV0.json"


@pytest.fixture(scope="module")
def server() -> SimServer:
    _models_dir()  # skips without the reference models
    return SimServer(
        SimWorld.generate(sellers=1, seed=5, now=NOW), SimConfig(rate_scale=1000), wall_clock=lambda: NOW
    )


def _details(server: SimServer, seller_id: str) -> dict[str, Any]:
    _, order, _ = unshipped_merchant_order(server)
    return {
        "AmazonOrderId": order.order_id,
        "ItemList": [{"OrderItemId": item.order_item_id, "Quantity": item.quantity} for item in order.items],
        "ShipFromAddress": {
            "Name": "Acme", "AddressLine1": "1 Dock St", "City": "Seattle", "StateOrProvinceCode": "WA",
            "PostalCode": "98101", "CountryCode": "US", "Email": "dispatch@acme.example", "Phone": "+12065550100",
        },
        "PackageDimensions": {"Length": 30.0, "Width": 20.0, "Height": 10.0, "Unit": "centimeters"},
        "Weight": {"Value": 1200.0, "Unit": "g"},
        "ShippingServiceOptions": {"DeliveryExperience": "DeliveryConfirmationWithoutSignature", "CarrierWillPickUp": False},
    }  # fmt: skip


def _rdt(server: SimServer, method: str, path: str) -> str:
    status, body = _call(
        server, "POST", "/tokens/2021-03-01/restrictedDataToken",
        {"restrictedResources": [{"method": method, "path": path}]},
    )  # fmt: skip
    assert status == 200, body
    return str(body["restrictedDataToken"])


def test_a_merchant_fulfillment_label_round_trip_conforms_and_needs_a_restricted_data_token(
    server: SimServer,
) -> None:
    seller_id = server.world.sellers[0].seller_id
    details = _details(server, seller_id)
    charges = len(server.shipping.ledger.charges)
    # Eligible services: no RDT needed, no buyer data in the answer
    request = {"ShipmentRequestDetails": details}
    conforms(request, "GetEligibleShipmentServicesRequest", MFN_MODEL)
    status, eligible = _call(server, "POST", "/mfn/v0/eligibleShippingServices", request)
    assert status == 200, eligible
    conforms(eligible, "GetEligibleShipmentServicesResponse", MFN_MODEL)
    offers = eligible["payload"]["ShippingServiceList"]
    assert len(offers) >= 3
    assert not find_pii_markers(json.dumps(eligible))
    offer = offers[0]

    # createShipment: refused with the LWA token, bought with an RDT for its path
    zpl = details | {"ShippingServiceOptions": details["ShippingServiceOptions"] | {"LabelFormat": "ZPL203"}}
    create = {"ShipmentRequestDetails": zpl, "ShippingServiceId": offer["ShippingServiceId"],
              "ShippingServiceOfferId": offer["ShippingServiceOfferId"]}  # fmt: skip
    conforms(create, "CreateShipmentRequest", MFN_MODEL)
    status, refused = _call(server, "POST", "/mfn/v0/shipments", create)
    assert status == 403, refused
    conforms(refused, "CreateShipmentResponse", MFN_MODEL)
    assert len(server.shipping.ledger.charges) == charges
    rdt = _rdt(server, "POST", "/mfn/v0/shipments")
    status, created = _call(server, "POST", "/mfn/v0/shipments", create, **{"x-amz-access-token": rdt})
    assert status == 200, created
    conforms(created, "CreateShipmentResponse", MFN_MODEL)
    shipment = created["payload"]
    assert len(server.shipping.ledger.charges) == charges + 1
    contents = shipment["Label"]["FileContents"]
    label = gzip.decompress(base64.b64decode(contents["Contents"]))
    assert label.startswith(b"^XA")
    assert base64.b64encode(hashlib.md5(label).digest()).decode() == contents["Checksum"]
    assert find_pii_markers(label.decode("latin-1")), "the label prints the recipient"
    assert find_pii_markers(json.dumps(shipment["ShipToAddress"]))

    # getShipment and cancelShipment: the same rule, each for its own method and path
    path = f"/mfn/v0/shipments/{shipment['ShipmentId']}"
    assert _call(server, "GET", path)[0] == 403
    assert _call(server, "GET", path, **{"x-amz-access-token": rdt})[0] == 403  # an RDT of another resource
    status, got = _call(server, "GET", path, **{"x-amz-access-token": _rdt(server, "GET", path)})
    assert status == 200, got
    conforms(got, "GetShipmentResponse", MFN_MODEL)
    assert got["payload"]["TrackingId"] == shipment["TrackingId"]
    assert _call(server, "DELETE", path)[0] == 403
    status, cancelled = _call(server, "DELETE", path, **{"x-amz-access-token": _rdt(server, "DELETE", path)})
    assert status == 200, cancelled
    conforms(cancelled, "CancelShipmentResponse", MFN_MODEL)
    assert cancelled["payload"]["Status"] == "RefundPending"
    assert server.shipping.ledger.refunds[-1][1] == shipment["ShipmentId"]


def test_an_undeliverable_order_gets_every_service_rejected(server: SimServer) -> None:
    seller_id = server.world.sellers[0].seller_id
    details = _details(server, seller_id)
    server.update_config({"label_undeliverable_orders": [details["AmazonOrderId"]]})
    try:
        status, eligible = _call(
            server, "POST", "/mfn/v0/eligibleShippingServices", {"ShipmentRequestDetails": details}
        )
    finally:
        server.update_config({"label_undeliverable_orders": []})
    assert status == 200
    conforms(eligible, "GetEligibleShipmentServicesResponse", MFN_MODEL)
    assert eligible["payload"]["ShippingServiceList"] == []
    assert {r["RejectionReasonCode"] for r in eligible["payload"]["RejectedShippingServiceList"]} == {
        "NO_COVERAGE"
    }


class _Recording:
    """The SP-API client's Merchant Fulfillment calls, recorded and answered by the simulator."""

    def __init__(self, server: SimServer) -> None:
        self.server = server
        self.requests: dict[str, Any] = {}

    def get_eligible_shipment_services(self, _seller_id: str, request: Any) -> dict[str, Any]:
        self.requests["getEligibleShipmentServices"] = request
        return dict(_call(self.server, "POST", "/mfn/v0/eligibleShippingServices", request)[1])

    def create_mfn_shipment(
        self, _seller_id: str, request: Any, *, restricted_data_token: SecretStr
    ) -> dict[str, Any]:
        self.requests["createShipment"] = request
        token = {"x-amz-access-token": restricted_data_token.get_secret_value()}
        return dict(_call(self.server, "POST", "/mfn/v0/shipments", request, **token)[1])

    def get_order(self, seller_id: str, order_id: str, *, included_data: Any = ()) -> dict[str, Any]:
        order = next(o for o in self.server.world.order_states(seller_id) if o.order_id == order_id)
        return {"fulfillment": {"fulfillmentStatus": order.status}}

    def create_restricted_data_token(self, _seller_id: str, resources: Any) -> SecretStr:
        return SecretStr(_rdt(self.server, resources[0]["method"], resources[0]["path"]))


def test_the_requests_sellerflow_builds_conform(server: SimServer) -> None:
    seller_id, _, order = unshipped_merchant_order(server)
    api = _Recording(server)
    mfn = MerchantFulfillmentShipping(api)  # type: ignore[arg-type]
    rates = mfn.get_rates(seller_id, rates_request(order, PACKAGE, SETTINGS, "ref-1"))
    conforms(api.requests["getEligibleShipmentServices"], "GetEligibleShipmentServicesRequest", MFN_MODEL)
    rate = rates["payload"]["rates"][0]
    bought = mfn.purchase_shipment(
        seller_id, purchase_request(rates["payload"]["requestToken"], rate["rateId"], LabelFormat.ZPL),
        idempotency_key="ref-1",
    )  # fmt: skip
    conforms(api.requests["createShipment"], "CreateShipmentRequest", MFN_MODEL)
    document = bought["payload"]["packageDocumentDetails"][0]["packageDocuments"][0]
    assert document["format"] == "ZPL"
    assert base64.b64decode(document["contents"]).startswith(b"^XA")
    assert not find_pii_markers(
        json.dumps({k: v for k, v in bought["payload"].items() if k != "packageDocumentDetails"})
    )
