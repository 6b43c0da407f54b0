"""The data-protection routes: buyer PII on demand (the PII app) and the audit trail (the general app).

    GET /sellers/{sellerId}/orders/{orderId}/shipping-address?purpose=shipping_label[&persist=true]
        BUYER_PII_READ (owner, support); a seller-fulfilled order's label data, fetched from Amazon with a
        restricted data token (or from the label queue when a live persisted copy exists). Audited
        as `pii.read` with the purpose before it is returned; `Cache-Control: no-store`. FBA or
        cancelled orders: 409.
    GET /sellers/{sellerId}/audit?from=&to=&limit=&next_token=
        AUDIT_READ (owners; other members 403, non-members 404): the audit entries, newest first.

Amazon's failures of the PII route (409, 422, 429, 502) are mapped by `upstream_errors`, the family's own
part of the error middleware; everything else by `sellerflow.api.errors.error_response`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import JSON_HEADERS, ApiBlueprint, error_body
from sellerflow.api.models import ResponseModel, parse_instant, parse_limit, same_named, single_values
from sellerflow.api.ports import AuditEntryLike
from sellerflow.errors import (
    CredentialsMissing,
    InvalidInput,
    OrderNotFound,
    OrderNotSellerFulfilled,
    ShippingAddressUnavailable,
    SpApiAuthorizationRevoked,
    SpApiBadRequest,
    SpApiError,
    SpApiThrottled,
)
from sellerflow.members.permissions import Permission
from sellerflow.observability import PII_READS, count
from sellerflow.pii.models import Purpose
from sellerflow.pii.service import ShippingAddress

SHIPPING_ADDRESS_PARAMS = ("purpose", "persist")
AUDIT_PARAMS = ("from", "to", "limit", "next_token")
NO_STORE_HEADERS: dict[str, str | list[str]] = {
    **JSON_HEADERS,
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


# --- response models -------------------------------------------------------------------------------
class ShipToOut(ResponseModel):
    name: str
    address_line1: str
    address_line2: str | None
    address_line3: str | None
    city: str | None
    state_or_region: str | None
    postal_code: str | None
    country_code: str
    phone: str | None


class ShippingAddressOut(ResponseModel):
    order_id: str
    purpose: str
    ship_to: ShipToOut
    source: Literal["amazon", "label_queue"]
    persisted: bool
    expires_at: datetime | None

    @classmethod
    def of(cls, found: ShippingAddress) -> ShippingAddressOut:
        return cls(
            order_id=found.order_id,
            purpose=found.purpose.value,
            ship_to=ShipToOut(**found.label.model_dump()),
            source=found.source,
            persisted=found.persisted,
            expires_at=found.expires_at,
        )


class AuditEntryOut(ResponseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    resource: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: AuditEntryLike) -> AuditEntryOut:
        return cls(**same_named(cls, e))


class AuditPageOut(ResponseModel):
    entries: list[AuditEntryOut]
    next_token: str | None


# --- query parsing ---------------------------------------------------------------------------------
def parse_shipping_query(params: dict[str, list[str]]) -> tuple[Purpose, bool]:
    values = single_values(params, SHIPPING_ADDRESS_PARAMS)
    raw = values.get("purpose")
    if raw is None:
        raise InvalidInput("query parameter 'purpose' is required (accepted: shipping_label)")
    try:
        purpose = Purpose(raw)
    except ValueError:
        raise InvalidInput(f"query parameter 'purpose' must be shipping_label, got {raw[:40]!r}") from None
    persist = values.get("persist", "false").lower()
    if persist not in {"true", "false"}:
        raise InvalidInput(f"query parameter 'persist' must be true or false, got {persist[:40]!r}")
    return purpose, persist == "true"


@dataclass(frozen=True)
class AuditQuery:
    at_from: datetime | None
    at_to: datetime | None
    limit: int
    next_token: str | None


def parse_audit_query(params: dict[str, list[str]]) -> AuditQuery:
    values = single_values(params, AUDIT_PARAMS)
    at_from = parse_instant("from", values["from"]) if "from" in values else None
    at_to = parse_instant("to", values["to"]) if "to" in values else None
    if at_from is not None and at_to is not None and at_from > at_to:
        raise InvalidInput("query parameter 'from' must not be after 'to'")
    token = values.get("next_token")
    if token is not None and not token.strip():
        raise InvalidInput("query parameter 'next_token' is empty")
    limit = parse_limit(values["limit"]) if "limit" in values else 50
    return AuditQuery(at_from=at_from, at_to=at_to, limit=limit, next_token=token)


# --- errors ----------------------------------------------------------------------------------------
def upstream_errors(exc: Exception) -> Response | None:
    """How the PII route's Amazon failures answer (the shared map knows none of these)."""
    if isinstance(exc, OrderNotSellerFulfilled | ShippingAddressUnavailable):
        return error_body(409, "conflict", str(exc))
    if isinstance(exc, CredentialsMissing | SpApiAuthorizationRevoked):
        return error_body(
            409, "seller_not_connected", "the seller's Amazon authorization is missing or revoked"
        )
    if isinstance(exc, SpApiThrottled):
        retry = str(max(1, int(exc.retry_after_s + 0.999)))
        message = "Amazon is rate limiting this seller; retry later"
        return error_body(429, "throttled", message, **{"Retry-After": retry})
    if isinstance(exc, SpApiBadRequest):
        # Amazon answered, and refused: most often the order changed meanwhile (shipped, cancelled);
        # Amazon's message is not echoed (it can quote the request, the recipient's address included)
        return error_body(
            422,
            "amazon_refused",
            f"Amazon refused the {exc.operation or 'call'} request (HTTP {exc.status or 400}): the order "
            "may have shipped, been cancelled or changed; reload the queue",
        )
    if isinstance(exc, SpApiError):
        return error_body(
            502, "upstream_error", f"Amazon did not answer the {exc.operation or 'call'} request"
        )
    return None


# --- the routes ------------------------------------------------------------------------------------
def pii_routes(ctx: ApiContext) -> Blueprint:
    """Buyer PII: served by the PII app alone (its own function, the only one that holds the PII key)."""
    bp = ApiBlueprint(__name__, errors=upstream_errors)

    @bp.get(
        "/sellers/{sellerId}/orders/{orderId}/shipping-address",
        RouteDoc(
            ShippingAddressOut,
            query=SHIPPING_ADDRESS_PARAMS,
            required_query=("purpose",),
            errors=(409, 422, 429, 502),
        ),
    )
    def get_shipping_address(sellerId: str, orderId: str) -> Response:
        """A seller-fulfilled order's label data, for a stated purpose (BUYER_PII_READ)."""
        who = ctx.caller()
        purpose, persist = parse_shipping_query(ctx.query_params())
        ctx.access.require(who, sellerId, Permission.BUYER_PII_READ)
        if not orderId or len(orderId) > 64 or not orderId.replace("-", "").replace("_", "").isalnum():
            raise OrderNotFound(f"order {orderId[:64]!r} not found")
        shipping = ctx.ports.shipping()
        order = shipping.check_order(sellerId, orderId)
        found = shipping.shipping_address(sellerId, order, purpose=purpose, persist=persist)
        persisted = "true" if found.persisted else "false"
        ctx.ports.audit.record(
            sellerId, who.sub, "pii.read",
            f"order/{orderId}/shipping-address purpose={purpose.value} source={found.source} persisted={persisted}",
        )  # fmt: skip
        count(PII_READS)
        return json_response(ShippingAddressOut.of(found), headers=NO_STORE_HEADERS)

    return bp


def audit_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/audit", RouteDoc(AuditPageOut, query=AUDIT_PARAMS))
    def list_audit(sellerId: str) -> Response:
        """The audit entries, newest first (AUDIT_READ)."""
        who = ctx.caller()
        query = parse_audit_query(ctx.query_params())
        ctx.access.require(who, sellerId, Permission.AUDIT_READ)
        page = ctx.ports.audit_reader.page(
            sellerId, at_from=query.at_from, at_to=query.at_to, limit=query.limit, next_token=query.next_token
        )
        ctx.ports.audit.record(sellerId, who.sub, "audit.read", f"audit returned={len(page.entries)}")
        entries = [AuditEntryOut.of(e) for e in page.entries]
        return json_response(
            AuditPageOut(entries=entries, next_token=page.next_token), headers=NO_STORE_HEADERS
        )

    return bp
