"""Amazon Shipping API v2 (getRates, purchaseShipment, getShipmentDocuments, cancelShipment,
getTracking) and Orders v0 confirmShipment over a `SimWorld`, without any HTTP.

What it models, in the shapes of the official `shippingV2.json` / `ordersV0.json`:

* **Rates.** Two or three carriers per country (Amazon Shipping first), each with two services, priced
  from the billed weight (the larger of the real and the dimensional weight, divisor 5000 cm³/kg) in the
  marketplace's currency; a service whose weight limit is exceeded comes back in `ineligibleRates`
  (`WEIGHT_RESTRICTIONS`). A `requestToken` (with its rates) lives `label_rate_ttl_s` seconds; a purchase
  with an older token is a 400 "requestToken has expired".
* **Addresses Amazon will not deliver to.** An order listed in `label_undeliverable_orders` gets no
  rate: every service is ineligible with `NO_COVERAGE` ("The ship-to address is undeliverable").
* **Idempotent purchases.** `x-amzn-IdempotencyKey` (or, without it, the same requestToken and rateId)
  names a purchase: asking again returns the same shipment and charges nothing more.
* **Charged but no document.** While an order is listed in `label_charge_without_document`, its purchase
  is charged and recorded, then answered 500 (the half-failure), and so is every repeat; once it is
  off the list, asking again with the same key returns that shipment (no second charge).
* **Labels carry the recipient.** Documents (PDF, PNG, ZPL; base64) print the ship-to name and address
  lines, so every label holds the simulator's PII marker.
* **Confirmation.** A purchase for an Amazon order with Amazon Shipping (carrier `AMZN_*`) marks the
  order SHIPPED with the tracking id, as Amazon does; other carriers leave it to `confirmShipment`.
* **Void.** cancelShipment within `label_void_window_s` of the purchase refunds the charge and puts an
  order the label had shipped back to UNSHIPPED; later it is a 400.
* **Tracking.** getTracking walks ReadyForReceive → PickupDone → Departed → Delivered on the request
  clock (pickup an hour after purchase, delivery at the promised day).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sellerflow.marketplaces import marketplace
from sellerflow_dev.simulator.order_model import SimOrder, iso
from sellerflow_dev.simulator.orders_api import ApiError, invalid
from sellerflow_dev.simulator.world import SimWorld

SHIPPING_PREFIX = "/shipping/v2"
DIM_DIVISOR_CM3_PER_KG = Decimal(5000)
LABEL_SIZE = {"width": 4, "length": 6, "unit": "INCH"}
FORMATS = ("PDF", "PNG", "ZPL")


@dataclass(frozen=True)
class SimService:
    carrier_id: str
    carrier_name: str
    service_id: str
    service_name: str
    base: Decimal  # price of the first kg, USD
    per_kg: Decimal  # USD per further kg (billed weight)
    days: int  # transit days from the ship date
    max_kg: Decimal


def _services(country: str) -> tuple[SimService, ...]:
    amazon = f"AMZN_{'UK' if country == 'GB' else country}"
    national = {
        "US": [
            ("UPS", "UPS", "UPS_GROUND", "UPS Ground", "9.10", "1.15", 4, "68"),
            ("USPS", "USPS", "USPS_GA", "USPS Ground Advantage", "5.40", "0.95", 5, "31"),
        ],
        "CA": [("CANADA_POST", "Canada Post", "CP_EXP", "Expedited Parcel", "11.20", "1.30", 4, "30")],
        "GB": [("ROYAL_MAIL", "Royal Mail", "RM_TRACKED_48", "Tracked 48", "3.90", "0.60", 3, "20")],
        "DE": [("DHL", "DHL Paket", "DHL_PAKET", "DHL Paket", "4.99", "0.55", 2, "31.5")],
        "FR": [("COLISSIMO", "Colissimo", "COL_DOM", "Colissimo Domicile", "6.20", "0.70", 3, "30")],
        "JP": [("YAMATO", "Yamato Transport", "TA_Q_BIN", "TA-Q-BIN", "6.30", "0.80", 2, "25")],
    }.get(country, [("DHL", "DHL", "DHL_PARCEL", "DHL Parcel", "6.50", "0.80", 3, "31.5")])
    rows = [
        (amazon, "Amazon Shipping", f"{amazon}_GROUND", "Amazon Shipping Ground", "5.95", "0.85", 3, "22.5"),
        (amazon, "Amazon Shipping", f"{amazon}_ONE_DAY", "Amazon Shipping One-Day", "11.95", "1.40", 1, "9"),
        *national,
    ]
    return tuple(
        SimService(c, cn, s, sn, Decimal(base), Decimal(per_kg), days, Decimal(max_kg))
        for c, cn, s, sn, base, per_kg, days, max_kg in rows
    )


_FX = {"USD": Decimal(1), "CAD": Decimal("1.36"), "GBP": Decimal("0.79"), "EUR": Decimal("0.92"),
       "JPY": Decimal(150), "MXN": Decimal(17), "BRL": Decimal(5), "AUD": Decimal("1.5"), "INR": Decimal(83),
       "SEK": Decimal("10.4"), "PLN": Decimal(4), "TRY": Decimal(32), "AED": Decimal("3.67"),
       "SAR": Decimal("3.75"), "SGD": Decimal("1.34"), "EGP": Decimal(48)}  # fmt: skip


@dataclass
class SimQuote:
    request_token: str
    seller_id: str
    order_id: str | None
    created_s: float
    ship_to: dict[str, Any]
    ship_date: datetime
    packages: list[dict[str, Any]]
    rates: dict[str, tuple[SimService, Decimal, str]]  # rateId -> (service, price, currency)


@dataclass
class SimShipment:
    shipment_id: str
    seller_id: str
    order_id: str | None
    service: SimService
    price: Decimal
    currency: str
    tracking_id: str
    package_reference: str
    purchased_at: datetime
    purchased_s: float
    delivery_by: datetime
    documents: dict[str, bytes]  # format -> raw label bytes
    idempotency_key: str
    confirmed_order: bool = False
    cancelled: bool = False


@dataclass
class ShippingLedger:
    """What the seller was charged and refunded (a test counts purchases here, not in the answers)."""

    charges: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (seller, shipmentId, amount)
    refunds: list[tuple[str, str, Decimal]] = field(default_factory=list)


class ShippingService:
    def __init__(
        self,
        world: SimWorld,
        config: Callable[[], Any],
        *,
        clock: Callable[[], float],
    ) -> None:
        self._world = world
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._quotes: dict[str, SimQuote] = {}
        self._shipments: dict[str, SimShipment] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self.ledger = ShippingLedger()

    # --- getRates -----------------------------------------------------------------------------
    def get_rates(self, seller_id: str, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        channel = body.get("channelDetails") or {}
        packages = body.get("packages")
        if not isinstance(packages, list) or not packages or not body.get("shipFrom"):
            raise invalid("channelDetails, shipFrom and packages are required.")
        order = self._order_of(seller_id, channel)
        ship_to = body.get("shipTo") or (order.recipient["deliveryAddress"] if order else None)
        if not ship_to:
            raise invalid("shipTo is required for an EXTERNAL shipment.")
        for field_name in ("name", "addressLine1", "city", "countryCode", "postalCode", "stateOrRegion"):
            if field_name not in ship_to:
                raise invalid(f"shipTo.{field_name} is required.")
        billed = sum((_billed_kg(package) for package in packages), Decimal(0))
        country = str(ship_to["countryCode"])
        currency = marketplace(order.marketplace_id).currency if order else "USD"
        undeliverable = order is not None and order.order_id in self._config().label_undeliverable_orders
        ship_date = _ship_date(body.get("shipDate"), now)
        token = _id("rt", seller_id, str(self._clock()), str(len(self._quotes)))
        rates: list[dict[str, Any]] = []
        ineligible: list[dict[str, Any]] = []
        quote = SimQuote(token, seller_id, order.order_id if order else None, self._clock(), dict(ship_to),
                         ship_date, [dict(p) for p in packages], {})  # fmt: skip
        for service in _services(country):
            reason = None
            if undeliverable:
                reason = ("NO_COVERAGE", "The ship-to address is undeliverable.")
            elif billed > service.max_kg:
                reason = ("WEIGHT_RESTRICTIONS", f"The billed weight exceeds {service.max_kg} kg.")
            if reason is not None:
                ineligible.append({
                    "serviceId": service.service_id, "serviceName": service.service_name,
                    "carrierName": service.carrier_name, "carrierId": service.carrier_id,
                    "ineligibilityReasons": [{"code": reason[0], "message": reason[1]}],
                })  # fmt: skip
                continue
            price = _price(service, billed, currency)
            rate_id = _id("rate", token, service.service_id)
            quote.rates[rate_id] = (service, price, currency)
            rates.append(_rate(rate_id, service, price, currency, billed, ship_date))
        with self._lock:
            self._quotes[token] = quote
        return {"payload": {"requestToken": token, "rates": rates, "ineligibleRates": ineligible}}

    # --- purchaseShipment ---------------------------------------------------------------------
    def purchase(
        self, seller_id: str, body: Mapping[str, Any], idempotency_key: str | None, now: datetime
    ) -> dict[str, Any]:
        token, rate_id = body.get("requestToken"), body.get("rateId")
        spec = body.get("requestedDocumentSpecification") or {}
        if not token or not rate_id or not spec:
            raise invalid("requestToken, rateId and requestedDocumentSpecification are required.")
        doc_format = str(spec.get("format") or "")
        if doc_format not in FORMATS:
            raise invalid(f"requestedDocumentSpecification.format must be one of {', '.join(FORMATS)}.")
        key = (seller_id, idempotency_key or f"{token}/{rate_id}")
        with self._lock:
            existing = self._by_key.get(key)
            if existing is not None:
                shipment = self._shipments[existing]
            else:
                quote = self._quotes.get(str(token))
                if quote is None or quote.seller_id != seller_id:
                    raise invalid("The requestToken is not valid.")
                if self._clock() - quote.created_s > self._config().label_rate_ttl_s:
                    raise invalid("The requestToken has expired. Call getRates again for current rates.")
                if rate_id not in quote.rates:
                    raise invalid("The rateId is not one of the rates of this requestToken.")
                service, price, currency = quote.rates[str(rate_id)]
                shipment = self._book(seller_id, quote, service, price, currency, key[1], now)
        if shipment.order_id in self._config().label_charge_without_document:
            raise ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")
        return {"payload": self._purchase_result(shipment, doc_format)}

    def _book(
        self,
        seller_id: str,
        quote: SimQuote,
        service: SimService,
        price: Decimal,
        currency: str,
        key: str,
        now: datetime,
    ) -> SimShipment:
        shipment_id = _id("shp", seller_id, key)[:20].upper()
        tracking = _tracking_id(service.carrier_id, shipment_id)
        package = quote.packages[0]
        reference = str(package.get("packageClientReferenceId") or "1")
        delivery_by = _delivery_end(quote.ship_date, service.days)
        labels = {fmt: render_label(fmt, quote.ship_to, service, tracking) for fmt in FORMATS}
        shipment = SimShipment(shipment_id, seller_id, quote.order_id, service, price, currency, tracking,
                               reference, now, self._clock(), delivery_by, labels, key)  # fmt: skip
        self._shipments[shipment_id] = shipment
        self._by_key[(seller_id, key)] = shipment_id
        self.ledger.charges.append((seller_id, shipment_id, price))
        if quote.order_id and service.carrier_id.startswith("AMZN_"):
            order = self._world_order(seller_id, quote.order_id)
            if order is not None and order.status == "UNSHIPPED":
                order.transition("SHIPPED", now, tracking_number=tracking)
                shipment.confirmed_order = True
        return shipment

    def _purchase_result(self, shipment: SimShipment, doc_format: str) -> dict[str, Any]:
        return {
            "shipmentId": shipment.shipment_id,
            "packageDocumentDetails": [_document_detail(shipment, doc_format)],
            "promise": _promise(shipment.purchased_at, shipment.delivery_by),
        }

    # --- getShipmentDocuments / cancelShipment / getTracking ------------------------------------
    def documents(
        self, seller_id: str, shipment_id: str, query: Mapping[str, Sequence[str]]
    ) -> dict[str, Any]:
        shipment = self._shipment(seller_id, shipment_id)
        reference = (query.get("packageClientReferenceId") or [""])[0]
        if reference != shipment.package_reference:
            raise invalid("packageClientReferenceId does not name a package of this shipment.")
        doc_format = (query.get("format") or ["PDF"])[0]
        if doc_format not in FORMATS:
            raise invalid(f"format must be one of {', '.join(FORMATS)}.")
        if shipment.cancelled:
            raise invalid("The shipment is cancelled; it has no label.")
        return {
            "payload": {
                "shipmentId": shipment_id,
                "packageDocumentDetail": _document_detail(shipment, doc_format),
            }
        }

    def cancel(self, seller_id: str, shipment_id: str) -> dict[str, Any]:
        with self._lock:
            shipment = self._shipment(seller_id, shipment_id)
            if shipment.cancelled:
                return {"payload": {}}
            if self._clock() - shipment.purchased_s > self._config().label_void_window_s:
                raise invalid(
                    "The shipment can no longer be cancelled: the carrier's void window has passed."
                )
            shipment.cancelled = True
            self.ledger.refunds.append((seller_id, shipment_id, shipment.price))
            if shipment.order_id:
                order = self._world_order(seller_id, shipment.order_id)
                if (
                    order is not None
                    and order.status == "SHIPPED"
                    and order.tracking_number == shipment.tracking_id
                ):
                    order.status, order.shipped_at, order.tracking_number = "UNSHIPPED", None, None
        return {"payload": {}}

    def tracking(self, query: Mapping[str, Sequence[str]], now: datetime) -> dict[str, Any]:
        tracking_id = (query.get("trackingId") or [""])[0]
        carrier_id = (query.get("carrierId") or [""])[0]
        shipment = next(
            (
                s
                for s in self._shipments.values()
                if s.tracking_id == tracking_id
                and carrier_id in (s.service.carrier_id, s.service.carrier_name)
            ),
            None,
        )
        if shipment is None:
            raise ApiError(404, "NotFound", "No shipment has this trackingId and carrierId.")
        events, status = _events(shipment, now)
        return {"payload": {
            "trackingId": tracking_id, "alternateLegTrackingId": "", "eventHistory": events,
            "promisedDeliveryDate": iso(shipment.delivery_by), "summary": {"status": status},
        }}  # fmt: skip

    # --- Orders v0 confirmShipment ------------------------------------------------------------
    def confirm_shipment(self, seller_id: str, order_id: str, body: Mapping[str, Any], now: datetime) -> None:
        detail = body.get("packageDetail") or {}
        missing = [name for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
                   if not detail.get(name)]  # fmt: skip
        if not body.get("marketplaceId") or missing:
            raise invalid(f"marketplaceId and packageDetail ({', '.join(missing) or 'all'}) are required.")
        order = self._world_order(seller_id, order_id)
        if order is None:
            raise ApiError(404, "NotFound", f"Order {order_id} was not found.")
        if order.marketplace_id != body["marketplaceId"]:
            raise invalid("marketplaceId is not the order's marketplace.")
        if order.status not in {"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"}:
            raise invalid(f"An order in status {order.status} cannot be confirmed.")
        if order.status != "SHIPPED":
            order.transition("SHIPPED", now, tracking_number=str(detail["trackingNumber"]))

    # --- shared with the Merchant Fulfillment simulator (mfn_api.py) ----------------------------
    def config(self) -> Any:
        return self._config()

    def new_quote(
        self, seller_id: str, order_id: str, ship_to: dict[str, Any], ship_date: datetime,
        packages: list[dict[str, Any]],
    ) -> SimQuote:  # fmt: skip
        token = _id("rt", seller_id, str(self._clock()), str(len(self._quotes)))
        return SimQuote(token, seller_id, order_id, self._clock(), ship_to, ship_date, packages, {})

    def keep_quote(self, quote: SimQuote) -> None:
        with self._lock:
            self._quotes[quote.request_token] = quote

    def quote_of_rate(
        self, seller_id: str, rate_id: str
    ) -> tuple[SimQuote, tuple[SimService, Decimal, str]] | None:
        with self._lock:
            for quote in self._quotes.values():
                if quote.seller_id == seller_id and rate_id in quote.rates:
                    return quote, quote.rates[rate_id]
        return None

    def latest_rate(
        self, seller_id: str, service_id: str
    ) -> tuple[SimQuote, tuple[SimService, Decimal, str]]:
        with self._lock:
            for quote in reversed(list(self._quotes.values())):
                for rate in quote.rates.values():
                    if quote.seller_id == seller_id and rate[0].service_id == service_id:
                        return quote, rate
        raise invalid(f"ShippingServiceId {service_id} is not offered for this shipment.")

    def expired(self, quote: SimQuote) -> bool:
        return bool(self._clock() - quote.created_s > self._config().label_rate_ttl_s)

    def book(
        self, seller_id: str, quote: SimQuote, service: SimService, price: Decimal, currency: str, key: str,
        now: datetime,
    ) -> SimShipment:  # fmt: skip
        with self._lock:
            return self._book(seller_id, quote, service, price, currency, key, now)

    def owned(self, seller_id: str, shipment_id: str) -> SimShipment:
        return self._shipment(seller_id, shipment_id)

    def world_order(self, seller_id: str, order_id: str) -> SimOrder | None:
        return self._world_order(seller_id, order_id)

    # --- helpers ------------------------------------------------------------------------------
    def shipment(self, shipment_id: str) -> SimShipment:
        return self._shipments[shipment_id]

    def _shipment(self, seller_id: str, shipment_id: str) -> SimShipment:
        shipment = self._shipments.get(shipment_id)
        if shipment is None or shipment.seller_id != seller_id:
            raise ApiError(404, "NotFound", f"Shipment {shipment_id} was not found.")
        return shipment

    def _order_of(self, seller_id: str, channel: Mapping[str, Any]) -> SimOrder | None:
        channel_type = channel.get("channelType")
        if channel_type not in {"AMAZON", "EXTERNAL"}:
            raise invalid("channelDetails.channelType must be AMAZON or EXTERNAL.")
        if channel_type == "EXTERNAL":
            return None
        order_id = (channel.get("amazonOrderDetails") or {}).get("orderId")
        order = self._world_order(seller_id, str(order_id)) if order_id else None
        if order is None:
            raise invalid(
                f"channelDetails.amazonOrderDetails.orderId {order_id!r} is not an order of the seller."
            )
        if order.fulfilled_by != "MERCHANT" or order.status not in {"UNSHIPPED", "PARTIALLY_SHIPPED"}:
            raise invalid(f"Order {order_id} is not an unshipped merchant-fulfilled order.")
        return order

    def _world_order(self, seller_id: str, order_id: str) -> SimOrder | None:
        return next((o for o in self._world.order_states(seller_id) if o.order_id == order_id), None)


# --- pricing, promises, documents ---------------------------------------------------------------
def _number(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise invalid(f"{value!r} is not a number.") from None
    if not number.is_finite() or number <= 0:
        raise invalid(f"{value!r} must be a positive number.")
    return number


_TO_CM = {"CENTIMETER": Decimal(1), "INCH": Decimal("2.54")}
_TO_KG = {"KILOGRAM": Decimal(1), "GRAM": Decimal("0.001"), "POUND": Decimal("0.45359237"), "OUNCE": Decimal("0.028349523")}  # fmt: skip


def _billed_kg(package: Mapping[str, Any]) -> Decimal:
    dims, weight = package.get("dimensions") or {}, package.get("weight") or {}
    if dims.get("unit") not in _TO_CM or weight.get("unit") not in _TO_KG:
        raise invalid(
            "Each package needs dimensions (INCH or CENTIMETER) and a weight (GRAM, KILOGRAM, OUNCE, POUND)."
        )
    cm = _TO_CM[dims["unit"]]
    volume = (
        _number(dims.get("length")) * cm * _number(dims.get("width")) * cm * _number(dims.get("height")) * cm
    )
    real = _number(weight.get("value")) * _TO_KG[weight["unit"]]
    return max(real, volume / DIM_DIVISOR_CM3_PER_KG).quantize(Decimal("0.001"))


def _price(service: SimService, billed: Decimal, currency: str) -> Decimal:
    extra = max(Decimal(0), billed - 1).to_integral_value(rounding="ROUND_CEILING")
    usd = service.base + service.per_kg * extra
    decimals = Decimal(1) if currency == "JPY" else Decimal("0.01")
    return (usd * _FX.get(currency, Decimal(1))).quantize(decimals, rounding=ROUND_HALF_UP)


def _ship_date(raw: Any, now: datetime) -> datetime:
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise invalid("shipDate is not an ISO 8601 date-time.") from None
    return now


def _delivery_end(ship_date: datetime, days: int) -> datetime:
    return (ship_date + timedelta(days=days)).replace(hour=20, minute=0, second=0, microsecond=0)


def _promise(ship_date: datetime, delivery_end: datetime) -> dict[str, Any]:
    return {
        "deliveryWindow": {"start": iso(delivery_end.replace(hour=8)), "end": iso(delivery_end)},
        "pickupWindow": {"start": iso(ship_date), "end": iso(ship_date + timedelta(hours=8))},
    }


def _rate(
    rate_id: str, service: SimService, price: Decimal, currency: str, billed: Decimal, ship_date: datetime
) -> dict[str, Any]:
    return {
        "rateId": rate_id,
        "carrierId": service.carrier_id,
        "carrierName": service.carrier_name,
        "serviceId": service.service_id,
        "serviceName": service.service_name,
        "billedWeight": {"unit": "KILOGRAM", "value": float(billed)},
        "totalCharge": {"unit": currency, "value": float(price)},
        "promise": _promise(ship_date, _delivery_end(ship_date, service.days)),
        "supportedDocumentSpecifications": [
            {
                "format": fmt,
                "size": dict(LABEL_SIZE),
                "printOptions": [
                    {
                        "supportedDPIs": [203, 300],
                        "supportedPageLayouts": ["DEFAULT"],
                        "supportedFileJoiningOptions": [False],
                        "supportedDocumentDetails": [{"name": "LABEL", "isMandatory": True}],
                    }
                ],
            }
            for fmt in FORMATS
        ],
        "requiresAdditionalInputs": False,
        "paymentType": "PAY_THROUGH_AMAZON",
    }


def _document_detail(shipment: SimShipment, doc_format: str) -> dict[str, Any]:
    return {
        "packageClientReferenceId": shipment.package_reference,
        "trackingId": shipment.tracking_id,
        "packageDocuments": [
            {
                "type": "LABEL",
                "format": doc_format,
                "contents": base64.b64encode(shipment.documents[doc_format]).decode("ascii"),
            }
        ],
    }


def _events(shipment: SimShipment, now: datetime) -> tuple[list[dict[str, Any]], str]:
    if shipment.cancelled:
        return [{"eventCode": "PickupCancelled", "eventTime": iso(shipment.purchased_at)}], "PickupCancelled"
    steps = [
        ("ReadyForReceive", shipment.purchased_at, "PreTransit"),
        ("PickupDone", shipment.purchased_at + timedelta(hours=1), "InTransit"),
        ("Departed", shipment.purchased_at + timedelta(hours=6), "InTransit"),
        ("Delivered", shipment.delivery_by - timedelta(hours=6), "Delivered"),
    ]
    happened = [(code, at, status) for code, at, status in steps if at <= now] or steps[:1]
    events = [{"eventCode": code, "eventTime": iso(at)} for code, at, _ in happened]
    return events, happened[-1][2]


def _id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:24]}"


def _tracking_id(carrier_id: str, shipment_id: str) -> str:
    digits = str(int(hashlib.sha256(shipment_id.encode()).hexdigest()[:15], 16)).rjust(18, "0")[:18]
    prefixes = {"UPS": "1Z", "USPS": "9400", "ROYAL_MAIL": "RM", "DHL": "00340"}
    return prefixes.get(carrier_id, "TBA" if carrier_id.startswith("AMZN_") else "") + digits


def _label_lines(ship_to: Mapping[str, Any], service: SimService, tracking: str) -> list[str]:
    place = " ".join(str(ship_to.get(k) or "") for k in ("city", "stateOrRegion", "postalCode")).strip()
    lines = ["SHIP TO:", str(ship_to.get("name") or "")]
    lines += [str(ship_to[k]) for k in ("addressLine1", "addressLine2", "addressLine3") if ship_to.get(k)]
    return [
        *lines,
        place,
        str(ship_to.get("countryCode") or ""),
        service.service_name,
        f"TRACKING {tracking}",
    ]


def render_label(doc_format: str, ship_to: Mapping[str, Any], service: SimService, tracking: str) -> bytes:
    """A 4x6 label in `doc_format` whose text (the recipient's lines included) is readable in its bytes."""
    lines = _label_lines(ship_to, service, tracking)
    if doc_format == "ZPL":
        fields = "".join(f"^FO40,{40 + 50 * i}^A0N,36,36^FD{line}^FS" for i, line in enumerate(lines))
        return f"^XA^PW812^LL1218{fields}^BY3^FO40,900^BCN,160,Y,N,N^FD{tracking}^FS^XZ".encode()
    if doc_format == "PDF":
        return _pdf(lines)
    return _png(lines)


def _pdf(lines: list[str]) -> bytes:
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "BT /F1 14 Tf 20 400 Td 18 TL " + " ".join(f"({escape(line)}) '" for line in lines) + " ET"
    stream = text.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _png(lines: list[str]) -> bytes:
    """A blank 4x6-proportioned 1-bit PNG whose tEXt chunk holds the label's lines."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    width, height = 80, 120
    rows = b"".join(b"\x00" + b"\xff" * (width // 8) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    text = b"Comment\x00" + "\n".join(lines).encode("latin-1", "replace")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", text)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
