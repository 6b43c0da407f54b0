"""Labels of merchant-fulfilled orders: the work queue, rates, purchase, reprint, void, tracking.

Store-nothing: the recipient (name, address, phone) is fetched from Amazon (getOrder with
includedData RECIPIENT, through a restricted data token) inside `rates`, put into the getRates call's
`shipTo`, and dropped when the call returns. Amazon binds the rates' `requestToken` to that address,
so `purchase` needs only the token and the chosen rate. What is kept is the shipment (carrier,
service, price, tracking: `LabelShipment`) and, only when the seller keeps labels for reprinting, the
label document in the PII-keyed label bucket until `label_expiry`.

Purchases are idempotent on a client reference (order id, parcel digest, void count) sent as Amazon's
`x-amzn-IdempotencyKey`: a PENDING record is written before the call, so an answer lost half-way
(charged, no document) is `PurchaseIncomplete` and the next attempt gets that same shipment back.

Shipment confirmation: when Amazon marked the order shipped itself (Amazon Shipping does), nothing
more; otherwise `confirmShipment` (Orders v0) with carrier and tracking id.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from sellerflow.domain import Order
from sellerflow.errors import (
    InvalidInput,
    LabelNotFound,
    MissingPackageDimensions,
    NoEligibleRate,
    OrderNotSellerFulfilled,
    PurchaseIncomplete,
    RateExpired,
    SpApiBadRequest,
    SpApiError,
    SpApiServerError,
    UndeliverableAddress,
    VoidWindowClosed,
)
from sellerflow.labels.model import (
    RATE_VALIDITY,
    LabelDocument,
    LabelFormat,
    LabelSettings,
    LabelShipment,
    Package,
    PackageProfile,
    QueueEntry,
    QueueLine,
    RateOption,
    RateQuote,
    ShipmentStatus,
    client_reference,
    label_expiry,
)
from sellerflow.labels.tracking import parse_time, tracked

UNSHIPPED = frozenset({"UNSHIPPED", "PARTIALLY_SHIPPED"})


# --- ports ------------------------------------------------------------------------------------------
class ShippingPort(Protocol):
    """Amazon Shipping v2 and the Orders calls a label needs (the SP-API client)."""

    def get_rates(self, seller_id: str, request: Mapping[str, Any]) -> dict[str, Any]: ...

    def purchase_shipment(
        self, seller_id: str, request: Mapping[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]: ...

    def get_shipment_documents(
        self, seller_id: str, shipment_id: str, *, package_reference: str, document_format: str
    ) -> dict[str, Any]: ...

    def cancel_shipment(self, seller_id: str, shipment_id: str) -> None: ...

    def get_tracking(self, seller_id: str, tracking_id: str, carrier_id: str) -> dict[str, Any]: ...

    def confirm_shipment(self, seller_id: str, order_id: str, request: Mapping[str, Any]) -> None: ...

    def get_order(
        self, seller_id: str, order_id: str, *, included_data: Sequence[str] = ()
    ) -> dict[str, Any]: ...


class RecipientSource(Protocol):
    """The order's ship-to address, in Shipping v2 `Address` shape, fetched now and kept nowhere."""

    def ship_to(self, seller_id: str, order: Order) -> dict[str, str]: ...


class OrderSource(Protocol):
    def get(self, seller_id: str, order_id: str) -> Order: ...

    def unshipped_merchant_orders(self, seller_id: str, *, now: datetime) -> Iterable[Order]: ...


class LabelData(Protocol):
    """Package profiles, label settings and shipments (the seller's table; nothing of the buyer)."""

    def profiles(self, seller_id: str, skus: Iterable[str] | None = None) -> dict[str, PackageProfile]: ...

    def put_profile(self, seller_id: str, profile: PackageProfile) -> None: ...

    def settings(self, seller_id: str) -> LabelSettings | None: ...

    def put_settings(self, seller_id: str, settings: LabelSettings) -> None: ...

    def put_quote(self, seller_id: str, quote: RateQuote) -> None:
        """The last rates shown for the order (carriers, services, prices: no address)."""
        ...

    def quote(self, seller_id: str, order_id: str) -> RateQuote | None: ...

    def shipment(self, seller_id: str, order_id: str) -> LabelShipment | None: ...

    def shipments(self, seller_id: str, order_ids: Iterable[str]) -> dict[str, LabelShipment]: ...

    def put_shipment(self, shipment: LabelShipment) -> None: ...

    def forget_pending(self, seller_id: str, order_id: str) -> None:
        """Delete the order's shipment record if it is still PENDING (a purchase Amazon refused)."""
        ...


class LabelVault(Protocol):
    """Kept label documents (the PII-keyed label bucket)."""

    def put(
        self, seller_id: str, order_id: str, document: LabelDocument, *, expires_at: datetime
    ) -> None: ...

    def get(self, seller_id: str, order_id: str, *, now: datetime) -> LabelDocument | None: ...

    def retain_until(self, seller_id: str, order_id: str, expires_at: datetime) -> None: ...

    def delete(self, seller_id: str, order_id: str) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LabelService:
    def __init__(
        self,
        *,
        shipping: ShippingPort,
        recipients: RecipientSource,
        orders: OrderSource,
        data: LabelData,
        vault: LabelVault,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._shipping = shipping
        self._recipients = recipients
        self._orders = orders
        self._data = data
        self._vault = vault
        self._clock = clock

    # --- queue and seller input -----------------------------------------------------------------
    def queue(self, seller_id: str) -> list[QueueEntry]:
        """Unshipped merchant-fulfilled orders, late ones first, then by ship-by date."""
        now = self._clock()
        orders = [o for o in self._orders.unshipped_merchant_orders(seller_id, now=now) if _shippable(o)]
        skus = {line.seller_sku for o in orders for line in o.lines if line.seller_sku}
        profiles = self._data.profiles(seller_id, skus) if skus else {}
        shipments = self._data.shipments(seller_id, [o.order_id for o in orders])
        entries = []
        for order in orders:
            lines = tuple(
                QueueLine(
                    line.seller_sku, line.title, line.quantity_ordered, (line.seller_sku or "") in profiles
                )
                for line in order.lines
            )
            package = (
                Package.of(order, profiles) if all(line.has_profile for line in lines) and lines else None
            )
            shipment = shipments.get(order.order_id)
            ship_by = order.ship_by
            entries.append(
                QueueEntry(
                    order_id=order.order_id,
                    marketplace_id=order.marketplace_id,
                    purchased_at=order.created_time,
                    ship_by=ship_by,
                    late=ship_by is not None and ship_by < now and not _bought(shipment),
                    lines=lines,
                    package=package,
                    shipment=shipment,
                )
            )
        far = datetime.max.replace(tzinfo=UTC)
        entries.sort(key=lambda e: (not e.late, e.ship_by or far, e.order_id))
        return entries

    def profiles(self, seller_id: str) -> list[PackageProfile]:
        return list(self._data.profiles(seller_id).values())

    def put_profile(self, seller_id: str, profile: PackageProfile) -> None:
        self._data.put_profile(seller_id, profile)

    def put_settings(self, seller_id: str, settings: LabelSettings) -> None:
        self._data.put_settings(seller_id, settings)

    # --- rates ----------------------------------------------------------------------------------
    def rates(self, seller_id: str, order_id: str) -> RateQuote:
        order, package, settings = self._prepare(seller_id, order_id)
        shipment = self._data.shipment(seller_id, order_id)
        if _bought(shipment):
            raise InvalidInput(f"order {order_id} already has a label; void it before buying another")
        generation = _generation(shipment)
        reference = client_reference(order_id, package, generation)
        request = rates_request(order, package, settings, reference)
        # The one moment the recipient exists here: fetched, sent, dropped. (Merchant Fulfillment
        # takes none: Amazon fills it in from the order, and nothing of the buyer is read at all.)
        needs_ship_to = getattr(self._shipping, "needs_ship_to_for", None)
        if needs_ship_to is None or needs_ship_to(seller_id, order_id):
            request["shipTo"] = self._recipients.ship_to(seller_id, order)
        try:
            answer = self._shipping.get_rates(seller_id, request)
        finally:
            request.pop("shipTo", None)
        quote = _quote(order_id, package, answer, self._clock())
        self._data.put_quote(seller_id, quote)
        return quote

    # --- purchase -------------------------------------------------------------------------------
    def purchase(
        self,
        seller_id: str,
        order_id: str,
        *,
        request_token: str,
        rate_id: str,
        label_format: LabelFormat | None = None,
    ) -> tuple[LabelShipment, LabelDocument]:
        order, package, settings = self._prepare(seller_id, order_id)
        doc_format = label_format or settings.label_format
        existing = self._data.shipment(seller_id, order_id)
        if _bought(existing):
            assert existing is not None
            if existing.confirmed_by is None:  # bought, but the confirmation failed last time
                existing = self._confirm(order, existing)
            return existing, self.reprint(seller_id, order_id, label_format=doc_format)
        generation = _generation(existing)
        reference = client_reference(order_id, package, generation)
        now = self._clock()
        retrying = existing is not None and existing.status is ShipmentStatus.PENDING
        option = self._chosen(seller_id, order_id, request_token, rate_id, now, retrying=retrying)
        pending = LabelShipment(
            seller_id=seller_id,
            order_id=order_id,
            client_reference=reference,
            generation=generation,
            status=ShipmentStatus.PENDING,
            created_at=now,
            package_reference=reference,
            carrier_id=option.carrier_id if option else None,
            carrier_name=option.carrier_name if option else None,
            service_name=option.service_name if option else None,
            price=option.price if option else None,
            currency=option.currency if option else None,
        )
        if retrying and option is None and existing is not None and existing.client_reference == reference:
            pending = existing  # a retry after expired rates: keep what the first attempt knew
        self._data.put_shipment(pending)
        body = purchase_request(request_token, rate_id, doc_format)
        try:
            answer = self._shipping.purchase_shipment(seller_id, body, idempotency_key=reference)
        except SpApiBadRequest as error:
            if "expired" in str(error).lower():
                if existing is not None and existing.status is ShipmentStatus.VOIDED:
                    self._data.put_shipment(existing)  # keeps the void count: the next key stays new
                else:
                    self._data.forget_pending(seller_id, order_id)
                raise RateExpired(
                    f"the rates for order {order_id} have expired; ask for rates again (nothing was bought)"
                ) from None
            raise
        except SpApiServerError:
            raise PurchaseIncomplete(
                f"Amazon did not confirm the label purchase for order {order_id}; it may have been charged. "
                "Retry the purchase: the same label is returned, never a second one."
            ) from None
        result = answer.get("payload") or {}
        shipment = pending.model_copy(
            update={
                "status": ShipmentStatus.PURCHASED,
                "shipment_id": str(result.get("shipmentId") or ""),
                "purchased_at": now,
                "label_format": doc_format,
                "delivery_by": _delivery_end(result.get("promise")),
            }
        )
        details = result.get("packageDocumentDetails") or []
        detail = details[0] if details else {}
        shipment = shipment.model_copy(
            update={
                "tracking_id": detail.get("trackingId") or shipment.tracking_id,
                "package_reference": detail.get("packageClientReferenceId") or reference,
            }
        )
        self._data.put_shipment(shipment)
        document = _document(detail, doc_format)
        if document is None:
            try:
                document = self._fetch_document(shipment, doc_format)
            except (SpApiError, LabelNotFound):
                raise PurchaseIncomplete(
                    f"the label of order {order_id} was bought but its document did not arrive; "
                    "reprint it (nothing will be bought again)"
                ) from None
        shipment = self._confirm(order, shipment)
        shipment = self._keep(shipment, document, settings)
        return shipment, document

    def _chosen(
        self,
        seller_id: str,
        order_id: str,
        request_token: str,
        rate_id: str,
        now: datetime,
        *,
        retrying: bool,
    ) -> RateOption | None:
        """The option the seller picked from the last rates shown. A retry of a purchase left PENDING
        goes through even with expired rates: Amazon answers it with the shipment already bought."""
        quote = self._data.quote(seller_id, order_id)
        if quote is None or quote.request_token != request_token:
            if retrying:
                return None
            raise RateExpired(f"these rates of order {order_id} are no longer current; ask for rates again")
        option = next((o for o in quote.options if o.rate_id == rate_id), None)
        if option is None:
            raise InvalidInput(f"rate {rate_id} is not one of the rates shown for order {order_id}")
        if now > quote.expires_at and not retrying:
            raise RateExpired(f"the rates for order {order_id} have expired; ask for rates again")
        return option

    def _confirm(self, order: Order, shipment: LabelShipment) -> LabelShipment:
        """Amazon confirms the shipment itself for its own labels; otherwise confirmShipment."""
        current = self._shipping.get_order(shipment.seller_id, order.order_id, included_data=("FULFILLMENT",))
        status = ((current.get("fulfillment") or {}).get("fulfillmentStatus") or "").upper()
        if status == "SHIPPED":
            confirmed = shipment.model_copy(update={"confirmed_by": "amazon"})
        else:
            self._shipping.confirm_shipment(
                shipment.seller_id, order.order_id, confirmation_request(order, shipment, self._clock())
            )
            confirmed = shipment.model_copy(update={"confirmed_by": "sellerflow"})
        self._data.put_shipment(confirmed)
        return confirmed

    def _keep(
        self, shipment: LabelShipment, document: LabelDocument, settings: LabelSettings
    ) -> LabelShipment:
        expires = label_expiry(
            now=self._clock(),
            reprint_days=settings.reprint_days,
            delivery_by=shipment.delivery_by,
            delivered_at=shipment.delivered_at,
        )
        if expires is None:
            return shipment
        self._vault.put(shipment.seller_id, shipment.order_id, document, expires_at=expires)
        kept = shipment.model_copy(update={"label_kept_until": expires})
        self._data.put_shipment(kept)
        return kept

    # --- reprint, void, tracking ----------------------------------------------------------------
    def reprint(
        self, seller_id: str, order_id: str, *, label_format: LabelFormat | None = None
    ) -> LabelDocument:
        """The kept copy while it lasts; else Amazon's copy (getShipmentDocuments)."""
        shipment = self._data.shipment(seller_id, order_id)
        if shipment is None or shipment.status is not ShipmentStatus.PURCHASED:
            raise LabelNotFound(f"order {order_id} has no label to print")
        wanted = label_format or shipment.label_format or LabelFormat.PDF
        now = self._clock()
        kept = None
        if shipment.label_kept_until is not None and shipment.label_kept_until <= now:
            # past the record's expiry (the sync's tracking refresh moved it to delivery + 30 days)
            self._vault.delete(seller_id, order_id)
        else:
            kept = self._vault.get(seller_id, order_id, now=now)
        if kept is not None and kept.format is wanted:
            return kept
        return self._fetch_document(shipment, wanted)

    def _fetch_document(self, shipment: LabelShipment, doc_format: LabelFormat) -> LabelDocument:
        if not shipment.shipment_id:
            raise LabelNotFound(f"order {shipment.order_id} has no shipment id yet")
        answer = self._shipping.get_shipment_documents(
            shipment.seller_id,
            shipment.shipment_id,
            package_reference=shipment.package_reference or shipment.client_reference,
            document_format=doc_format.value,
        )
        detail = (answer.get("payload") or {}).get("packageDocumentDetail") or {}
        document = _document(detail, doc_format)
        if document is None:
            raise LabelNotFound(f"Amazon returned no label document for order {shipment.order_id}")
        return document

    def void(self, seller_id: str, order_id: str) -> LabelShipment:
        shipment = self._data.shipment(seller_id, order_id)
        if shipment is None or shipment.status is not ShipmentStatus.PURCHASED or not shipment.shipment_id:
            raise LabelNotFound(f"order {order_id} has no label to void")
        void_until = shipment.void_until
        if void_until is not None and self._clock() > void_until:
            raise VoidWindowClosed(f"the label of order {order_id} can no longer be voided (window closed)")
        try:
            self._shipping.cancel_shipment(seller_id, shipment.shipment_id)
        except SpApiBadRequest as error:
            if "window" in str(error).lower():
                raise VoidWindowClosed(
                    f"the carrier no longer accepts voiding the label of order {order_id}"
                ) from None
            raise
        self._vault.delete(seller_id, order_id)
        voided = shipment.model_copy(
            update={
                "status": ShipmentStatus.VOIDED,
                "generation": shipment.generation + 1,
                "label_kept_until": None,
                "tracking_status": "Voided",
            }
        )
        self._data.put_shipment(voided)
        return voided

    def refresh_tracking(self, seller_id: str, order_id: str) -> LabelShipment:
        """The carrier's latest status; on delivery the kept label's expiry moves to delivery + 30 days
        when that is earlier."""
        shipment = self._data.shipment(seller_id, order_id)
        if shipment is None or shipment.status is not ShipmentStatus.PURCHASED:
            raise LabelNotFound(f"order {order_id} has no label to track")
        if not shipment.tracking_id or not shipment.carrier_id:
            return shipment
        answer = self._shipping.get_tracking(seller_id, shipment.tracking_id, shipment.carrier_id)
        updated = tracked(shipment, answer, self._clock())
        if shipment.label_kept_until is not None and updated.label_kept_until != shipment.label_kept_until:
            if updated.label_kept_until is None:
                self._vault.delete(seller_id, order_id)
            else:
                self._vault.retain_until(seller_id, order_id, updated.label_kept_until)
        if updated != shipment:
            self._data.put_shipment(updated)
        return updated

    # --- helpers --------------------------------------------------------------------------------
    def _prepare(self, seller_id: str, order_id: str) -> tuple[Order, Package, LabelSettings]:
        order = self._orders.get(seller_id, order_id)
        if not _shippable(order):
            raise OrderNotSellerFulfilled(f"order {order_id} is not an unshipped merchant-fulfilled order")
        settings = self._data.settings(seller_id)
        if settings is None:
            raise InvalidInput("set the ship-from address (label settings) before buying labels")
        skus = [line.seller_sku or "" for line in order.lines]
        profiles = self._data.profiles(seller_id, [s for s in skus if s])
        missing = tuple(sorted({s or "(no SKU)" for s in skus if s not in profiles}))
        if missing or not order.lines:
            raise MissingPackageDimensions(
                f"order {order_id} needs package dimensions and weight for SKU {', '.join(missing) or '(none)'}",
                skus=missing,
            )
        return order, Package.of(order, profiles), settings


def _shippable(order: Order) -> bool:
    return (order.fulfilled_by or "").upper() == "MERCHANT" and order.status.upper() in UNSHIPPED


def _bought(shipment: LabelShipment | None) -> bool:
    return shipment is not None and shipment.status is ShipmentStatus.PURCHASED


def _generation(shipment: LabelShipment | None) -> int:
    return shipment.generation if shipment is not None else 0


# --- the Amazon request shapes (checked against the official models by the conformance test) -------
def rates_request(order: Order, package: Package, settings: LabelSettings, reference: str) -> dict[str, Any]:
    """getRates without `shipTo` (added for the call only)."""
    origin = settings.ship_from
    ship_from = {
        "name": origin.name,
        "addressLine1": origin.address_line1,
        "city": origin.city,
        "stateOrRegion": origin.state_or_region,
        "postalCode": origin.postal_code,
        "countryCode": origin.country_code,
    }
    if origin.address_line2:
        ship_from["addressLine2"] = origin.address_line2
    if origin.phone:
        ship_from["phoneNumber"] = origin.phone
    value = order.order_total or Decimal(0)
    return {
        "shipFrom": ship_from,
        "packages": [
            {
                "dimensions": {
                    "length": float(package.length_cm),
                    "width": float(package.width_cm),
                    "height": float(package.height_cm),
                    "unit": "CENTIMETER",
                },
                "weight": {"value": package.weight_g, "unit": "GRAM"},
                "insuredValue": {"value": float(value), "unit": order.currency or "USD"},
                "packageClientReferenceId": reference,
                "items": [
                    {"quantity": line.quantity_ordered, "itemIdentifier": line.order_item_id}
                    for line in order.lines
                ],
            }
        ],
        "channelDetails": {"channelType": "AMAZON", "amazonOrderDetails": {"orderId": order.order_id}},
    }


def purchase_request(request_token: str, rate_id: str, doc_format: LabelFormat) -> dict[str, Any]:
    return {
        "requestToken": request_token,
        "rateId": rate_id,
        "requestedDocumentSpecification": {
            "format": doc_format.value,
            "size": {"width": 4, "length": 6, "unit": "INCH"},
            "needFileJoining": False,
            "requestedDocumentTypes": ["LABEL"],
        },
    }


def confirmation_request(order: Order, shipment: LabelShipment, now: datetime) -> dict[str, Any]:
    return {
        "marketplaceId": order.marketplace_id,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": shipment.carrier_id or "Other",
            "carrierName": shipment.carrier_name or "Other",
            "shippingMethod": shipment.service_name or "Standard",
            "trackingNumber": shipment.tracking_id or "",
            "shipDate": (shipment.purchased_at or now).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "orderItems": [
                {"orderItemId": line.order_item_id, "quantity": line.quantity_ordered} for line in order.lines
            ],
        },
    }


def _quote(order_id: str, package: Package, answer: Mapping[str, Any], now: datetime) -> RateQuote:
    payload = answer.get("payload") or {}
    options = tuple(
        RateOption(
            rate_id=str(rate["rateId"]),
            carrier_id=str(rate["carrierId"]),
            carrier_name=str(rate["carrierName"]),
            service_id=str(rate["serviceId"]),
            service_name=str(rate["serviceName"]),
            price=Decimal(str(rate["totalCharge"]["value"])),
            currency=str(rate["totalCharge"]["unit"]),
            delivery_by=_delivery_end(rate.get("promise")),
        )
        for rate in payload.get("rates") or []
    )
    ineligible = tuple(
        (str(rate.get("serviceName")), str(reason.get("code")))
        for rate in payload.get("ineligibleRates") or []
        for reason in (rate.get("ineligibilityReasons") or [])[:1]
    )
    if not options:
        if ineligible and all(code == "NO_COVERAGE" for _, code in ineligible):
            raise UndeliverableAddress(
                f"Amazon will not deliver to the ship-to address of order {order_id}; "
                "the buyer must correct it (contact them through Amazon)"
            )
        reasons = ", ".join(sorted({code for _, code in ineligible})) or "none given"
        raise NoEligibleRate(f"no service accepts the package of order {order_id} (reasons: {reasons})")
    options = tuple(sorted(options, key=lambda o: (o.price, o.delivery_by or now)))
    return RateQuote(
        order_id, str(payload.get("requestToken")), now + RATE_VALIDITY, package, options, ineligible
    )


def _delivery_end(promise: Any) -> datetime | None:
    window = (promise or {}).get("deliveryWindow") or {}
    return parse_time(window.get("end"))


def _document(detail: Mapping[str, Any], doc_format: LabelFormat) -> LabelDocument | None:
    for document in detail.get("packageDocuments") or []:
        if document.get("type") == "LABEL" and document.get("contents"):
            try:
                content = base64.b64decode(document["contents"], validate=True)
            except (binascii.Error, ValueError):
                return None
            return LabelDocument(LabelFormat(document.get("format") or doc_format.value), content)
    return None


__all__ = [
    "LabelData",
    "LabelService",
    "LabelVault",
    "OrderSource",
    "RecipientSource",
    "ShippingPort",
    "confirmation_request",
    "purchase_request",
    "rates_request",
]
