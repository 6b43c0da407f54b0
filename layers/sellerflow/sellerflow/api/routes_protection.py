"""The data-protection routes of the Sellerflow API (registered by `create_app`).

    GET /sellers/{sellerId}/orders/{orderId}/shipping-address?purpose=shipping_label[&persist=true]
        BUYER_PII_READ (owner, support); a seller-fulfilled order's label data, fetched from Amazon with a
        restricted data token (or from the label queue when a live persisted copy exists). Audited
        as `pii.read` with the purpose before it is returned; `Cache-Control: no-store`. FBA or
        cancelled orders: 409.
    GET /sellers/{sellerId}/audit?from=&to=&limit=&next_token=
        AUDIT_READ (owners; other members 403, non-members 404): the audit entries, newest first.

Errors of these routes that the shared mapping does not know (409, 429, 502) are mapped here;
everything else goes to `sellerflow.api.errors.error_response`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from chalice import Chalice, Response
from pydantic import BaseModel, ConfigDict

from sellerflow.api.access import AuditSink
from sellerflow.api.errors import JSON_HEADERS, error_response
from sellerflow.api.models import ErrorOut, parse_instant, parse_limit, single_values
from sellerflow.domain import Membership, Order
from sellerflow.errors import (
    CredentialsMissing,
    InvalidInput,
    OrderNotFound,
    OrderNotSellerFulfilled,
    ShippingAddressUnavailable,
    SpApiAuthorizationRevoked,
    SpApiError,
    SpApiThrottled,
)
from sellerflow.members.permissions import Permission
from sellerflow.pii.models import Purpose
from sellerflow.pii.service import ShippingAddress
from sellerflow.principal import Principal
from sellerflow.settings import Settings

SHIPPING_ADDRESS_PARAMS = ("purpose", "persist")
AUDIT_PARAMS = ("from", "to", "limit", "next_token")
NO_STORE_HEADERS: dict[str, str | list[str]] = {
    **JSON_HEADERS,
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


# --- collaborators ---------------------------------------------------------------------------------
class _Members(Protocol):
    def require(self, caller: Principal, seller_id: str, permission: Permission) -> Membership: ...


class _Runtime(Protocol):
    @property
    def access(self) -> Any: ...


class ShippingAddresses(Protocol):
    def check_order(self, seller_id: str, order_id: str) -> Order: ...

    def shipping_address(
        self, seller_id: str, order: Order, *, purpose: Purpose, persist: bool = False
    ) -> ShippingAddress: ...


class AuditPageLike(Protocol):
    @property
    def entries(self) -> Any: ...

    @property
    def next_token(self) -> str | None: ...


class AuditReader(Protocol):
    def page(
        self,
        seller_id: str,
        *,
        at_from: datetime | None = None,
        at_to: datetime | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> AuditPageLike: ...


@dataclass(frozen=True)
class ProtectionServices:
    shipping: ShippingAddresses
    audit_reader: AuditReader
    audit: AuditSink


def build_protection_services(settings: Settings | None = None) -> ProtectionServices:
    """The deployment's collaborators. The PII key's ARN reaches only the buyer-PII store."""
    from sellerflow import wiring
    from sellerflow.pii.service import ShippingAddressService
    from sellerflow.settings import get_settings
    from sellerflow.store.audit import AuditLog
    from sellerflow.store.orders import OrderStore
    from sellerflow.store.pii import BuyerPiiStore
    from sellerflow.store.tables import bind_tables

    settings = settings or get_settings()
    bind_tables(settings)
    audit = AuditLog()
    shipping = ShippingAddressService(
        spapi=wiring.spapi_client(), queue=BuyerPiiStore(settings.pii_key_id), orders=OrderStore()
    )
    return ProtectionServices(shipping=shipping, audit_reader=audit, audit=audit)


# --- response models -------------------------------------------------------------------------------
class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShipToOut(_Out):
    name: str
    address_line1: str
    address_line2: str | None
    address_line3: str | None
    city: str | None
    state_or_region: str | None
    postal_code: str | None
    country_code: str
    phone: str | None


class ShippingAddressOut(_Out):
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


class AuditEntryOut(_Out):
    seq: int
    at: datetime
    actor: str
    action: str
    resource: str
    prev_hash: str
    hash: str


class AuditPageOut(_Out):
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
def _error(status: int, code: str, message: str, **headers: str) -> Response:
    body = ErrorOut(error=code, message=message).model_dump()
    return Response(body=body, status_code=status, headers={**JSON_HEADERS, **headers})


def protection_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except (OrderNotSellerFulfilled, ShippingAddressUnavailable) as exc:
            return _error(409, "conflict", str(exc))
        except (CredentialsMissing, SpApiAuthorizationRevoked):
            return _error(
                409, "seller_not_connected", "the seller's Amazon authorization is missing or revoked"
            )
        except SpApiThrottled as exc:
            retry = str(max(1, int(exc.retry_after_s + 0.999)))
            return _error(
                429, "throttled", "Amazon is rate limiting this seller; retry later", **{"Retry-After": retry}
            )
        except SpApiError as exc:
            return _error(
                502, "upstream_error", f"Amazon did not answer the {exc.operation or 'call'} request"
            )
        except Exception as exc:
            return error_response(exc)

    return wrapped


# --- the routes ------------------------------------------------------------------------------------
def register_protection_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    settings: Settings | None = None,
    services: Callable[[], ProtectionServices] | None = None,
) -> None:
    """Add the data-protection routes; their collaborators are built on the first request."""
    lock = threading.Lock()
    built: list[ProtectionServices] = []

    def deps() -> ProtectionServices:
        with lock:
            if not built:
                built.append(services() if services is not None else build_protection_services(settings))
            return built[0]

    def members() -> _Members:
        members_: _Members = runtime().access
        return members_

    @app.route("/sellers/{sellerId}/orders/{orderId}/shipping-address", methods=["GET"])
    @protection_errors
    def get_shipping_address(sellerId: str, orderId: str) -> Response:
        who = caller()
        purpose, persist = parse_shipping_query(query_params())
        members().require(who, sellerId, Permission.BUYER_PII_READ)
        if not orderId or len(orderId) > 64 or not orderId.replace("-", "").replace("_", "").isalnum():
            raise OrderNotFound(f"order {orderId[:64]!r} not found")
        services_ = deps()
        order = services_.shipping.check_order(sellerId, orderId)
        found = services_.shipping.shipping_address(sellerId, order, purpose=purpose, persist=persist)
        services_.audit.record(
            sellerId,
            who.sub,
            "pii.read",
            f"order/{orderId}/shipping-address purpose={purpose.value} source={found.source} "
            f"persisted={'true' if found.persisted else 'false'}",
        )
        body = ShippingAddressOut.of(found).model_dump(mode="json")
        return Response(body=body, status_code=200, headers=dict(NO_STORE_HEADERS))

    @app.route("/sellers/{sellerId}/audit", methods=["GET"])
    @protection_errors
    def list_audit(sellerId: str) -> Response:
        who = caller()
        query = parse_audit_query(query_params())
        members().require(who, sellerId, Permission.AUDIT_READ)
        services_ = deps()
        page = services_.audit_reader.page(
            sellerId, at_from=query.at_from, at_to=query.at_to, limit=query.limit, next_token=query.next_token
        )
        services_.audit.record(sellerId, who.sub, "audit.read", f"audit returned={len(page.entries)}")
        body = AuditPageOut(
            entries=[
                AuditEntryOut(
                    seq=e.seq,
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    resource=e.resource,
                    prev_hash=e.prev_hash,
                    hash=e.hash,
                )
                for e in page.entries
            ],
            next_token=page.next_token,
        ).model_dump(mode="json")
        return Response(body=body, status_code=200, headers=dict(NO_STORE_HEADERS))
