"""Labels through the Merchant Fulfillment API v0, behind the label service's Shipping v2 port.

`LabelService` speaks Shipping v2 shapes (getRates / purchaseShipment / getShipmentDocuments /
cancelShipment). `MerchantFulfillmentShipping` answers those calls with Merchant Fulfillment's:

    getRates              -> getEligibleShipmentServices (LWA token)
    purchaseShipment      -> createShipment (restricted data token for POST /mfn/v0/shipments)
    getShipmentDocuments  -> getShipment (RDT for GET /mfn/v0/shipments/{id})
    cancelShipment        -> cancelShipment (RDT for DELETE /mfn/v0/shipments/{id})

Store-nothing holds the more simply here: Merchant Fulfillment takes no ship-to (Amazon fills it from
the order), so `needs_ship_to` is False and the label service reads no recipient at all on this path;
the createShipment / getShipment answers do carry `ShipToAddress`, which is dropped here, at once —
only the label document (which prints it) goes on.

Merchant Fulfillment has no request token: the `requestToken` handed back is the request's own details
(ship-from, order id, items, parcel: no buyer data), base64 JSON, which createShipment needs again; a
rate id is `<ShippingServiceId>|<ShippingServiceOfferId>`. Shipment ids are handed out as `mfn:<id>`,
so the router (`LabelShippingRouter`) sends later calls about them here whatever the marketplace.

Half-failures: this API has no idempotency key, so a purchase whose answer was lost cannot be asked
again for the same label. A Buy Shipping label confirms the order's shipment, so before buying, an
order Amazon already shows shipped is refused (`PurchaseIncomplete`, nothing bought again; the
seller finds the label in Seller Central). A reprint returns the format the label was bought in. Tracking goes through
Shipping v2 getTracking with the carrier's name.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import SecretStr

from sellerflow.errors import PurchaseIncomplete, SpApiBadRequest

MFN_PREFIX = "mfn:"
SHIPPED = frozenset({"SHIPPED", "PARTIALLY_SHIPPED"})
_FORMATS = {"PDF": "PDF", "PNG": "PNG", "ZPL": "ZPL203"}
_FORMAT_BACK = {"PDF": "PDF", "PNG": "PNG", "ZPL203": "ZPL", "ZPL300": "ZPL", "ShippingServiceDefault": "PDF"}


class MfnApi(Protocol):
    def get_eligible_shipment_services(
        self, seller_id: str, request: Mapping[str, Any]
    ) -> dict[str, Any]: ...

    def create_mfn_shipment(
        self, seller_id: str, request: Mapping[str, Any], *, restricted_data_token: SecretStr
    ) -> dict[str, Any]: ...

    def get_mfn_shipment(
        self, seller_id: str, shipment_id: str, *, restricted_data_token: SecretStr
    ) -> dict[str, Any]: ...

    def cancel_mfn_shipment(
        self, seller_id: str, shipment_id: str, *, restricted_data_token: SecretStr
    ) -> None: ...

    def create_restricted_data_token(
        self, seller_id: str, restricted_resources: Sequence[Mapping[str, Any]]
    ) -> SecretStr: ...

    def get_order(
        self, seller_id: str, order_id: str, *, included_data: Sequence[str] = ()
    ) -> dict[str, Any]: ...


def is_mfn(shipment_id: str) -> bool:
    return shipment_id.startswith(MFN_PREFIX)


class MerchantFulfillmentShipping:
    """The label port's rate, purchase, document and void calls over Merchant Fulfillment v0."""

    needs_ship_to = False

    def __init__(self, api: MfnApi) -> None:
        self._api = api

    def get_rates(self, seller_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        details = _details(request)
        answer = self._api.get_eligible_shipment_services(seller_id, {"ShipmentRequestDetails": details})
        payload = answer.get("payload") or {}
        rates = [_rate(service) for service in payload.get("ShippingServiceList") or []]
        ineligible = [
            {
                "carrierId": r.get("CarrierName", ""), "carrierName": r.get("CarrierName", ""),
                "serviceId": r.get("ShippingServiceId", ""), "serviceName": r.get("ShippingServiceName", ""),
                "ineligibilityReasons": [{"code": r.get("RejectionReasonCode", ""), "message": r.get("RejectionReasonMessage", "")}],
            }
            for r in payload.get("RejectedShippingServiceList") or []
        ]  # fmt: skip
        token = base64.urlsafe_b64encode(json.dumps(details, separators=(",", ":")).encode()).decode()
        return {"payload": {"requestToken": token, "rates": rates, "ineligibleRates": ineligible}}

    def purchase_shipment(
        self, seller_id: str, request: Mapping[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        try:
            details = json.loads(base64.urlsafe_b64decode(str(request["requestToken"]).encode()))
            service_id, offer_id = str(request["rateId"]).split("|", 1)
        except (KeyError, ValueError, binascii.Error):
            raise SpApiBadRequest("the requestToken has expired or is not one of these rates") from None
        wanted = str((request.get("requestedDocumentSpecification") or {}).get("format") or "PDF")
        details["ShippingServiceOptions"] = dict(details["ShippingServiceOptions"]) | {
            "LabelFormat": _FORMATS.get(wanted, "PDF")
        }
        # No idempotency key here: an order Amazon already shows shipped was most likely bought by an
        # earlier attempt whose answer was lost (a Buy Shipping label confirms the shipment), so it
        # is not bought again.
        order_id = str(details.get("AmazonOrderId") or "")
        current = self._api.get_order(seller_id, order_id, included_data=("FULFILLMENT",))
        if str((current.get("fulfillment") or {}).get("fulfillmentStatus") or "").upper() in SHIPPED:
            raise PurchaseIncomplete(
                f"Amazon already shows order {order_id} shipped: a label bought for it through Merchant "
                "Fulfillment may have lost its answer. Reprint or void it in Seller Central; nothing was bought again."
            )
        body = {
            "ShipmentRequestDetails": details,
            "ShippingServiceId": service_id,
            "ShippingServiceOfferId": offer_id,
        }
        rdt = self._rdt(seller_id, "POST", "/mfn/v0/shipments")
        shipment = (
            self._api.create_mfn_shipment(seller_id, body, restricted_data_token=rdt).get("payload") or {}
        )
        shipment.pop("ShipToAddress", None)  # the recipient: dropped at once
        return {"payload": {
            "shipmentId": MFN_PREFIX + str(shipment.get("ShipmentId") or ""),
            "packageDocumentDetails": [_document_detail(shipment, idempotency_key)],
            "promise": _promise(shipment.get("ShippingService") or {}),
        }}  # fmt: skip

    def get_shipment_documents(
        self,
        seller_id: str,
        shipment_id: str,
        *,
        package_reference: str,
        document_format: str,  # noqa: ARG002 - getShipment answers the format the label was bought in
    ) -> dict[str, Any]:
        amazon_id = shipment_id.removeprefix(MFN_PREFIX)
        rdt = self._rdt(seller_id, "GET", f"/mfn/v0/shipments/{amazon_id}")
        shipment = (
            self._api.get_mfn_shipment(seller_id, amazon_id, restricted_data_token=rdt).get("payload") or {}
        )
        shipment.pop("ShipToAddress", None)
        return {"payload": {"shipmentId": shipment_id, "packageDocumentDetail": _document_detail(shipment, package_reference)}}  # fmt: skip

    def cancel_shipment(self, seller_id: str, shipment_id: str) -> None:
        amazon_id = shipment_id.removeprefix(MFN_PREFIX)
        rdt = self._rdt(seller_id, "DELETE", f"/mfn/v0/shipments/{amazon_id}")
        self._api.cancel_mfn_shipment(seller_id, amazon_id, restricted_data_token=rdt)

    def _rdt(self, seller_id: str, method: str, path: str) -> SecretStr:
        return self._api.create_restricted_data_token(seller_id, [{"method": method, "path": path}])


class LabelShippingRouter:
    """The label service's shipping port: Merchant Fulfillment for the orders of the marketplaces
    `uses_mfn` names (and for every call about a shipment bought that way), Shipping v2 otherwise.
    getTracking, getOrder and confirmShipment always go to the SP-API client."""

    def __init__(
        self,
        spapi: Any,
        mfn: MerchantFulfillmentShipping,
        *,
        uses_mfn: Callable[[str, str], bool],
    ) -> None:
        self._spapi = spapi
        self._mfn = mfn
        self._uses_mfn = uses_mfn  # (seller_id, order_id) -> bool

    def needs_ship_to_for(self, seller_id: str, order_id: str) -> bool:
        return not self._uses_mfn(seller_id, order_id)

    def get_rates(self, seller_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        order_id = str(
            ((request.get("channelDetails") or {}).get("amazonOrderDetails") or {}).get("orderId") or ""
        )
        if self._uses_mfn(seller_id, order_id):
            return self._mfn.get_rates(seller_id, request)
        return dict(self._spapi.get_rates(seller_id, request))

    def purchase_shipment(
        self, seller_id: str, request: Mapping[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        if "|" in str(request.get("rateId") or ""):
            return self._mfn.purchase_shipment(seller_id, request, idempotency_key=idempotency_key)
        return dict(self._spapi.purchase_shipment(seller_id, request, idempotency_key=idempotency_key))

    def get_shipment_documents(
        self, seller_id: str, shipment_id: str, *, package_reference: str, document_format: str
    ) -> dict[str, Any]:
        api = self._mfn if is_mfn(shipment_id) else self._spapi
        return dict(api.get_shipment_documents(
            seller_id, shipment_id, package_reference=package_reference, document_format=document_format
        ))  # fmt: skip

    def cancel_shipment(self, seller_id: str, shipment_id: str) -> None:
        (self._mfn if is_mfn(shipment_id) else self._spapi).cancel_shipment(seller_id, shipment_id)

    def get_tracking(self, seller_id: str, tracking_id: str, carrier_id: str) -> dict[str, Any]:
        return dict(self._spapi.get_tracking(seller_id, tracking_id, carrier_id))

    def confirm_shipment(self, seller_id: str, order_id: str, request: Mapping[str, Any]) -> None:
        self._spapi.confirm_shipment(seller_id, order_id, request)

    def get_order(
        self, seller_id: str, order_id: str, *, included_data: Sequence[str] = ()
    ) -> dict[str, Any]:
        return dict(self._spapi.get_order(seller_id, order_id, included_data=included_data))


# --- shapes ---------------------------------------------------------------------------------------
def _details(request: Mapping[str, Any]) -> dict[str, Any]:
    """Shipping v2 getRates request (its shipTo, if any, ignored) -> MFN ShipmentRequestDetails."""
    origin = request.get("shipFrom") or {}
    package = (request.get("packages") or [{}])[0]
    dims, weight = package.get("dimensions") or {}, package.get("weight") or {}
    order_id = ((request.get("channelDetails") or {}).get("amazonOrderDetails") or {}).get("orderId")
    ship_from = {
        "Name": str(origin.get("name", ""))[:30], "AddressLine1": origin.get("addressLine1", ""),
        "City": str(origin.get("city", ""))[:30], "StateOrProvinceCode": str(origin.get("stateOrRegion", ""))[:30],
        "PostalCode": str(origin.get("postalCode", ""))[:30], "CountryCode": origin.get("countryCode", ""),
        "Email": origin.get("email", ""), "Phone": str(origin.get("phoneNumber", ""))[:30],
    }  # fmt: skip
    if origin.get("addressLine2"):
        ship_from["AddressLine2"] = origin["addressLine2"]
    return {
        "AmazonOrderId": order_id,
        "ItemList": [{"OrderItemId": i["itemIdentifier"], "Quantity": i["quantity"]} for i in package.get("items") or []],
        "ShipFromAddress": ship_from,
        "PackageDimensions": {"Length": dims.get("length"), "Width": dims.get("width"), "Height": dims.get("height"),
                              "Unit": "centimeters" if dims.get("unit") == "CENTIMETER" else "inches"},
        "Weight": {"Value": weight.get("value"), "Unit": "g" if weight.get("unit") == "GRAM" else "oz"},
        "ShippingServiceOptions": {"DeliveryExperience": "DeliveryConfirmationWithoutSignature", "CarrierWillPickUp": False},
    }  # fmt: skip


def _promise(service: Mapping[str, Any]) -> dict[str, Any]:
    return {"deliveryWindow": {"start": service.get("EarliestEstimatedDeliveryDate"),
                               "end": service.get("LatestEstimatedDeliveryDate")}}  # fmt: skip


def _rate(service: Mapping[str, Any]) -> dict[str, Any]:
    rate = service.get("Rate") or {}
    return {
        "rateId": f"{service.get('ShippingServiceId')}|{service.get('ShippingServiceOfferId')}",
        "carrierId": service.get("CarrierName", ""), "carrierName": service.get("CarrierName", ""),
        "serviceId": service.get("ShippingServiceId", ""), "serviceName": service.get("ShippingServiceName", ""),
        "totalCharge": {"value": rate.get("Amount"), "unit": rate.get("CurrencyCode")},
        "promise": _promise(service),
    }  # fmt: skip


def _document_detail(shipment: Mapping[str, Any], reference: str) -> dict[str, Any]:
    label = shipment.get("Label") or {}
    contents = (label.get("FileContents") or {}).get("Contents")
    documents = []
    if contents:
        raw = gzip.decompress(base64.b64decode(contents))
        documents.append({"type": "LABEL", "format": _FORMAT_BACK.get(str(label.get("LabelFormat")), "PDF"),
                          "contents": base64.b64encode(raw).decode()})  # fmt: skip
    return {
        "packageClientReferenceId": reference,
        "trackingId": shipment.get("TrackingId"),
        "packageDocuments": documents,
    }
