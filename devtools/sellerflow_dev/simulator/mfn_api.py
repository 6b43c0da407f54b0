"""Merchant Fulfillment API v0 (getEligibleShipmentServices, createShipment, getShipment,
cancelShipment) over the same carriers, prices, ledger and labels as the Shipping v2 simulator.

In the shapes of the official `merchantFulfillmentV0.json`. What differs from Shipping v2, as on
Amazon:

* **No ship-to in the request.** Amazon takes the recipient from the order (`AmazonOrderId`); the
  caller never handles the address to buy a label. The answers of createShipment, getShipment and
  cancelShipment carry it (`ShipToAddress`) and the label prints it, so those three are restricted
  operations: the server answers them only for a restricted data token (Tokens API) naming the path
  (`tokens_api.py`), never for the seller's LWA token.
* **No idempotency key.** Each createShipment buys a new label (the caller must look before it buys
  again); `ShippingServiceOfferId` of an older offer than `label_rate_ttl_s` is refused as expired.
* **Label contents** are base64 of the gzip-compressed document, with its MD5 as `Checksum`.
* **Cancel** answers the shipment with `Status: RefundPending` (within `label_void_window_s`).
Undeliverable orders (`label_undeliverable_orders`) get every service rejected (`NO_COVERAGE`-like
`RejectionReasonCode`), as in Shipping v2. A label bought here confirms the order's shipment (Amazon
does so for Buy Shipping labels, whatever the carrier). Tracking runs through Shipping v2 getTracking,
which also accepts the carrier's name as `carrierId` (Merchant Fulfillment names carriers only).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sellerflow.marketplaces import marketplace
from sellerflow_dev.simulator.order_model import iso
from sellerflow_dev.simulator.orders_api import ApiError, invalid
from sellerflow_dev.simulator.shipping_api import (
    ShippingService,
    SimQuote,
    SimService,
    SimShipment,
    _billed_kg,
    _delivery_end,
    _id,
    _price,
    _services,
    _ship_date,
)

MFN_PREFIX = "/mfn/v0"
FILE_TYPES = {"PDF": "application/pdf", "PNG": "image/png", "ZPL": "application/zpl"}
_LABEL_FORMATS = {
    "PDF": "PDF",
    "PNG": "PNG",
    "ZPL203": "ZPL",
    "ZPL300": "ZPL",
    "ShippingServiceDefault": "PDF",
}
_UNITS_CM = {"centimeters": "CENTIMETER", "inches": "INCH"}
_UNITS_WEIGHT = {"g": "GRAM", "oz": "OUNCE"}
_ADDRESS_REQUIRED = ("Name", "AddressLine1", "City", "CountryCode", "PostalCode", "Email", "Phone")


class MerchantFulfillmentService:
    def __init__(self, shipping: ShippingService) -> None:
        self._shipping = shipping
        self._requests: dict[str, dict[str, Any]] = {}  # shipmentId -> its ShipmentRequestDetails

    # --- getEligibleShipmentServices --------------------------------------------------------------
    def eligible_services(self, seller_id: str, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        details = self._details(seller_id, body)
        quote = self._quote(seller_id, details, now)
        services: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        undeliverable = quote.order_id in self._shipping.config().label_undeliverable_orders
        billed = _billed_kg(quote.packages[0])
        for service in _services(str(quote.ship_to.get("countryCode") or "US")):
            if undeliverable or billed > service.max_kg:
                rejected.append({
                    "CarrierName": service.carrier_name, "ShippingServiceName": service.service_name,
                    "ShippingServiceId": service.service_id,
                    "RejectionReasonCode": "NO_COVERAGE" if undeliverable else "WEIGHT_RESTRICTIONS",
                    "RejectionReasonMessage": "The ship-to address is undeliverable." if undeliverable
                    else f"The billed weight exceeds {service.max_kg} kg.",
                })  # fmt: skip
                continue
            currency = marketplace(self._order(seller_id, quote.order_id).marketplace_id).currency
            price = _price(service, billed, currency)
            offer = _id("offer", quote.request_token, service.service_id)
            quote.rates[offer] = (service, price, currency)
            services.append(_service(service, offer, price, currency, quote.ship_date, details))
        self._shipping.keep_quote(quote)
        return {"payload": {"ShippingServiceList": services, "RejectedShippingServiceList": rejected,
                            "TemporarilyUnavailableCarrierList": [],
                            "TermsAndConditionsNotAcceptedCarrierList": []}}  # fmt: skip

    # --- createShipment ---------------------------------------------------------------------------
    def create(self, seller_id: str, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        details = self._details(seller_id, body)
        service_id, offer_id = body.get("ShippingServiceId"), body.get("ShippingServiceOfferId")
        if not service_id:
            raise invalid("ShippingServiceId is required.")
        wanted = details["ShippingServiceOptions"].get("LabelFormat") or "ShippingServiceDefault"
        label_format = _LABEL_FORMATS.get(str(wanted))
        if label_format is None:
            raise invalid("ShippingServiceOptions.LabelFormat is not a label format.")
        found = self._shipping.quote_of_rate(seller_id, str(offer_id)) if offer_id else None
        if offer_id and found is None:
            raise invalid("ShippingServiceOfferId is not an offer of getEligibleShipmentServices.")
        if found is None:  # no offer: price the service now
            self.eligible_services(seller_id, {"ShipmentRequestDetails": details}, now)
            found = self._shipping.latest_rate(seller_id, str(service_id))
        quote, (service, price, currency) = found
        if service.service_id != service_id:
            raise invalid("ShippingServiceOfferId is not an offer of this ShippingServiceId.")
        if self._shipping.expired(quote):
            raise invalid("The ShippingServiceOfferId has expired. Call getEligibleShipmentServices again.")
        if quote.order_id in self._shipping.config().label_undeliverable_orders:
            raise invalid("The ship-to address is undeliverable.")
        key = _id("mfn", seller_id, quote.request_token, str(len(self._shipping.ledger.charges)))
        shipment = self._shipping.book(seller_id, quote, service, price, currency, key, now)
        self._requests[shipment.shipment_id] = details
        order = self._order(seller_id, shipment.order_id)
        if order.status == "UNSHIPPED":  # a Buy Shipping label confirms the shipment, whatever the carrier
            order.transition("SHIPPED", now, tracking_number=shipment.tracking_id)
            shipment.confirmed_order = True
        if shipment.order_id in self._shipping.config().label_charge_without_document:
            raise ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")
        return {"payload": self._shipment(shipment, details, str(wanted))}

    # --- getShipment / cancelShipment ---------------------------------------------------------------
    def get(self, seller_id: str, shipment_id: str) -> dict[str, Any]:
        shipment = self._shipping.owned(seller_id, shipment_id)
        if shipment_id not in self._requests:
            raise ApiError(
                404, "NotFound", f"Shipment {shipment_id} was not bought with Merchant Fulfillment."
            )
        details = self._requests[shipment_id]
        wanted = details["ShippingServiceOptions"].get("LabelFormat") or "ShippingServiceDefault"
        return {"payload": self._shipment(shipment, details, str(wanted))}

    def cancel(self, seller_id: str, shipment_id: str) -> dict[str, Any]:
        self.get(seller_id, shipment_id)
        self._shipping.cancel(seller_id, shipment_id)
        return self.get(seller_id, shipment_id)

    # --- helpers ------------------------------------------------------------------------------------
    def _details(self, seller_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        details = body.get("ShipmentRequestDetails")
        if not isinstance(details, dict):
            raise invalid("ShipmentRequestDetails is required.")
        missing = [n for n in ("AmazonOrderId", "ItemList", "ShipFromAddress", "PackageDimensions", "Weight",
                               "ShippingServiceOptions") if not details.get(n)]  # fmt: skip
        if missing:
            raise invalid(f"ShipmentRequestDetails.{missing[0]} is required.")
        ship_from = details["ShipFromAddress"]
        absent = [n for n in _ADDRESS_REQUIRED if n not in ship_from]
        if absent:
            raise invalid(f"ShipFromAddress.{absent[0]} is required.")
        order = self._order(seller_id, str(details["AmazonOrderId"]))
        lines = {line.order_item_id for line in order.items}
        for item in details["ItemList"]:
            if item.get("OrderItemId") not in lines or int(item.get("Quantity") or 0) < 1:
                raise invalid(f"ItemList names an OrderItemId not of order {order.order_id} or no Quantity.")
        options = details["ShippingServiceOptions"]
        if "DeliveryExperience" not in options or "CarrierWillPickUp" not in options:
            raise invalid("ShippingServiceOptions.DeliveryExperience and CarrierWillPickUp are required.")
        return dict(details)

    def _order(self, seller_id: str, order_id: str | None) -> Any:
        order = self._shipping.world_order(seller_id, order_id or "")
        if order is None:
            raise invalid(f"AmazonOrderId {order_id!r} is not an order of the seller.")
        if order.fulfilled_by != "MERCHANT":
            raise invalid(f"Order {order_id} is not fulfilled by the merchant.")
        return order

    def _quote(self, seller_id: str, details: Mapping[str, Any], now: datetime) -> SimQuote:
        order = self._order(seller_id, str(details["AmazonOrderId"]))
        dims, weight = details["PackageDimensions"], details["Weight"]
        if dims.get("Unit") not in _UNITS_CM or weight.get("Unit") not in _UNITS_WEIGHT:
            raise invalid(
                "PackageDimensions.Unit (inches, centimeters) and Weight.Unit (oz, g) are required."
            )
        package = {
            "dimensions": {"length": dims.get("Length"), "width": dims.get("Width"), "height": dims.get("Height"),
                           "unit": _UNITS_CM[dims["Unit"]]},
            "weight": {"value": weight.get("Value"), "unit": _UNITS_WEIGHT[weight["Unit"]]},
            "packageClientReferenceId": "1",
        }  # fmt: skip
        _billed_kg(package)  # validates the numbers
        return self._shipping.new_quote(
            seller_id, order.order_id, dict(order.recipient["deliveryAddress"]),
            _ship_date(details.get("ShipDate"), now), [package],
        )  # fmt: skip

    def _shipment(self, shipment: SimShipment, details: Mapping[str, Any], wanted: str) -> dict[str, Any]:
        order = self._shipping.world_order(shipment.seller_id, shipment.order_id or "")
        assert order is not None
        ship_to = order.recipient["deliveryAddress"]
        label_format = _LABEL_FORMATS[wanted]
        raw = shipment.documents[label_format]
        status = "RefundPending" if shipment.cancelled else "Purchased"
        return {
            "ShipmentId": shipment.shipment_id,
            "AmazonOrderId": shipment.order_id,
            "ItemList": details["ItemList"],
            "ShipFromAddress": details["ShipFromAddress"],
            "ShipToAddress": {  # (the model's field lengths: 30 for all but the address lines)
                "Name": str(ship_to.get("name", ""))[:30], "AddressLine1": ship_to.get("addressLine1", ""),
                "City": str(ship_to.get("city", ""))[:30],
                "StateOrProvinceCode": str(ship_to.get("stateOrRegion", ""))[:30],
                "PostalCode": str(ship_to.get("postalCode", ""))[:30], "CountryCode": ship_to.get("countryCode", ""),
                "Email": "", "Phone": str(ship_to.get("phone", ""))[:30],
            },
            "PackageDimensions": details["PackageDimensions"],
            "Weight": details["Weight"],
            "Insurance": {"CurrencyCode": shipment.currency, "Amount": 0.0},
            "ShippingService": _service(shipment.service, shipment.idempotency_key, shipment.price,
                                        shipment.currency, shipment.purchased_at, details),
            "Label": {
                "Dimensions": {"Length": 6.0, "Width": 4.0, "Unit": "inches"},
                "FileContents": {
                    "Contents": base64.b64encode(gzip.compress(raw, mtime=0)).decode(),
                    "FileType": FILE_TYPES[label_format],
                    "Checksum": base64.b64encode(hashlib.md5(raw).digest()).decode(),  # noqa: S324 - Amazon's
                },
                "LabelFormat": wanted,
            },
            "Status": status,
            "TrackingId": shipment.tracking_id,
            "CreatedDate": iso(shipment.purchased_at),
        }  # fmt: skip


def _service(
    service: SimService,
    offer: str,
    price: Decimal,
    currency: str,
    ship_date: datetime,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    rate = {"CurrencyCode": currency, "Amount": float(price)}
    return {
        "ShippingServiceName": service.service_name, "CarrierName": service.carrier_name,
        "ShippingServiceId": service.service_id, "ShippingServiceOfferId": offer,
        "ShipDate": iso(ship_date), "EarliestEstimatedDeliveryDate": iso(ship_date),
        "LatestEstimatedDeliveryDate": iso(_delivery_end(ship_date, service.days)),
        "Rate": rate, "RateWithAdjustments": rate,
        "ShippingServiceOptions": details["ShippingServiceOptions"],
        "AvailableLabelFormats": ["PDF", "PNG", "ZPL203"],
        "RequiresAdditionalSellerInputs": False,
    }  # fmt: skip


__all__ = ["MFN_PREFIX", "MerchantFulfillmentService"]
