"""The API's own boundary models: typed query input and the response bodies.

Responses are built field by field from domain objects, never from a stored item, so a new column
in a table cannot leak out by accident. Money is a decimal string with its currency. There are no
buyer fields: no buyer PII is stored, and none would be passed through here.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from sellerflow.domain import Order, OrderLine, Role, SellerProfile
from sellerflow.errors import InvalidInput

if TYPE_CHECKING:  # arguments of the views' constructors, not fields
    from sellerflow.analytics.order_profit import OrderEconomics
    from sellerflow.labels.model import LabelShipment


class ResponseModel(BaseModel):
    """A response body: immutable, and only the fields it declares.

    Its validator and serializer are built when first used (`defer_build`), not at import: the
    API's cold start registers every route with its models but builds only those its requests use."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as its exact string (None stays None): amounts and ratios are never floats."""
    return None if value is None else str(value)


def same_named(model: type[BaseModel], source: object, **converted: object) -> dict[str, Any]:
    """A response model's fields from `source`'s attributes of the same name, `converted` ones aside
    (money, enums, renamed fields): the mapping states only what is not a plain copy."""
    plain = {name: getattr(source, name) for name in model.model_fields if name not in converted}
    return {**plain, **converted}


# --- Requests ----------------------------------------------------------------------------------
class FulfillmentStatus(enum.StrEnum):
    """SP-API Orders FulfillmentStatus values an order listing can filter on."""

    PENDING_AVAILABILITY = "PENDING_AVAILABILITY"
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    UNFULFILLABLE = "UNFULFILLABLE"


DEFAULT_WINDOW = timedelta(days=30)
MAX_WINDOW = timedelta(days=366)
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
ORDERS_QUERY_PARAMS = ("from", "to", "status", "limit", "next_token")
# A `+hh:mm` offset that a form-encoded query string turned into a space.
_SPACE_OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}T[\d:.]+) (\d{2}:?\d{2})$")


class OrdersQuery(BaseModel):
    """`GET /sellers/{sellerId}/orders` query, parsed: created in [created_from, created_to)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    created_from: datetime
    created_to: datetime
    statuses: tuple[FulfillmentStatus, ...] = ()
    limit: int = DEFAULT_LIMIT
    next_token: str | None = None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


def single_values(params: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> dict[str, str]:
    """One value per parameter, from the allowed names only (unknown or repeated names are a 400)."""
    unknown = sorted(name for name in params if name not in allowed)
    if unknown:
        expected = ", ".join(allowed) if allowed else "none"
        raise InvalidInput(
            f"unknown query parameter(s): {', '.join(_shown(u) for u in unknown)} (accepted: {expected})"
        )
    values: dict[str, str] = {}
    for name, given in params.items():
        if len(given) != 1:
            raise InvalidInput(f"query parameter {name!r} must be given once, got {len(given)} values")
        values[name] = given[0]
    return values


def parse_instant(name: str, raw: str) -> datetime:
    """An ISO date (midnight UTC) or ISO datetime (UTC when it names no offset)."""
    text = raw.strip()
    fixed = _SPACE_OFFSET.match(text)
    if fixed:
        text = f"{fixed.group(1)}+{fixed.group(2)}"
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        if "T" not in text and "t" not in text:
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"query parameter {name!r} must be an ISO date (YYYY-MM-DD) or datetime, got {_shown(raw)}"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_statuses(raw: str) -> tuple[FulfillmentStatus, ...]:
    names = [part.strip() for part in raw.split(",")]
    valid = {s.value for s in FulfillmentStatus}
    bad = [n for n in names if n not in valid]
    if bad or not names:
        raise InvalidInput(
            f"query parameter 'status' has unknown value(s) {', '.join(_shown(b) for b in bad)}; "
            f"accepted: {', '.join(sorted(valid))}"
        )
    return tuple(dict.fromkeys(FulfillmentStatus(n) for n in names))


def parse_limit(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidInput(
            f"query parameter 'limit' must be an integer from 1 to {MAX_LIMIT}, got {_shown(raw)}"
        )
    return int(text)


def parse_orders_query(params: Mapping[str, Sequence[str]], *, now: datetime) -> OrdersQuery:
    """The listing query from raw query parameters; every problem names its parameter."""
    values = single_values(params, ORDERS_QUERY_PARAMS)
    created_to = parse_instant("to", values["to"]) if "to" in values else now.astimezone(UTC)
    created_from = parse_instant("from", values["from"]) if "from" in values else created_to - DEFAULT_WINDOW
    if created_from >= created_to:
        raise InvalidInput(
            f"query parameter 'from' ({created_from.isoformat()}) must be before 'to' "
            f"({created_to.isoformat()})"
        )
    if created_to - created_from > MAX_WINDOW:
        raise InvalidInput(
            f"query parameters 'from'..'to' span {(created_to - created_from).days} days; "
            f"at most {MAX_WINDOW.days} are allowed"
        )
    token = values.get("next_token")
    if token is not None and not token.strip():
        raise InvalidInput("query parameter 'next_token' is empty")
    return OrdersQuery(
        created_from=created_from,
        created_to=created_to,
        statuses=parse_statuses(values["status"]) if "status" in values else (),
        limit=parse_limit(values["limit"]) if "limit" in values else DEFAULT_LIMIT,
        next_token=token,
    )


# --- Responses ---------------------------------------------------------------------------------
class MoneyOut(ResponseModel):
    amount: str  # a decimal string, exactly as Amazon reported it: money is never a float
    currency: str | None


def money(amount: Decimal | None, currency: str | None) -> MoneyOut | None:
    return None if amount is None else MoneyOut(amount=str(amount), currency=currency)


LINE_MONEY = ("unit_price", "item_price", "shipping_price", "promotion_discount", "proceeds_total")


class OrderLineOut(ResponseModel):
    order_item_id: str
    asin: str | None
    seller_sku: str | None
    title: str | None
    quantity_ordered: int
    quantity_shipped: int
    unit_price: MoneyOut | None
    item_price: MoneyOut | None
    shipping_price: MoneyOut | None
    promotion_discount: MoneyOut | None
    proceeds_total: MoneyOut | None
    promotion_ids: list[str]

    @classmethod
    def of(cls, line: OrderLine, currency: str | None, *, with_money: bool = True) -> OrderLineOut:
        """With `with_money=False` (a role without ORDER_MONEY_READ) every money field is null."""
        shown = currency if with_money else None
        prices = {name: money(getattr(line, name) if with_money else None, shown) for name in LINE_MONEY}
        return cls(**same_named(cls, line, **prices))


class OrderEconomicsOut(ResponseModel):
    """The order's own figures (`analytics.order_profit`); null for a role without ORDER_MONEY_READ."""

    units: int
    sales: MoneyOut
    fees: MoneyOut
    refunds: MoneyOut
    cogs: MoneyOut
    profit: MoneyOut
    cogs_complete: bool  # every line has a unit cost
    fees_posted: bool  # Amazon has posted a transaction for the order (else its fees are not known yet)

    @classmethod
    def of(cls, e: OrderEconomics, currency: str | None) -> OrderEconomicsOut:
        amounts = {name: MoneyOut(amount=str(getattr(e, name)), currency=currency) for name in ORDER_MONEY}
        return cls(**same_named(cls, e, **amounts))


ORDER_MONEY = ("sales", "fees", "refunds", "cogs", "profit")


class ShipmentOut(ResponseModel):
    """The label bought for an order through Sellerflow: carrier, service and tracking (no PII)."""

    carrier: str | None
    service: str | None
    tracking_id: str | None
    tracking_status: str | None  # the carrier's last status (the seller sync refreshes it)
    purchased_at: datetime | None
    delivered_at: datetime | None
    confirmed_by: str | None  # "amazon" or "sellerflow" (confirmShipment)

    @classmethod
    def of(cls, shipment: LabelShipment) -> ShipmentOut:
        return cls(
            carrier=shipment.carrier_name,
            service=shipment.service_name,
            tracking_id=shipment.tracking_id,
            tracking_status=shipment.tracking_status,
            purchased_at=shipment.purchased_at,
            delivered_at=shipment.delivered_at,
            confirmed_by=shipment.confirmed_by,
        )


class OrderOut(ResponseModel):
    order_id: str
    seller_id: str
    marketplace_id: str
    created_time: datetime
    last_updated_time: datetime
    local_date: date
    status: str
    fulfilled_by: str | None
    fulfillment_service_level: str | None
    order_total: MoneyOut | None
    programs: list[str]
    lines: list[OrderLineOut]
    economics: OrderEconomicsOut | None = None
    shipment: ShipmentOut | None = None  # the order view only: a label bought through Sellerflow

    @classmethod
    def of(
        cls,
        order: Order,
        *,
        with_money: bool = True,
        economics: OrderEconomics | None = None,
        shipment: LabelShipment | None = None,
    ) -> OrderOut:
        """With `with_money=False` (a role without ORDER_MONEY_READ) every money field is null."""
        total = money(order.order_total if with_money else None, order.currency)
        lines = [OrderLineOut.of(line, order.currency, with_money=with_money) for line in order.lines]
        figures = OrderEconomicsOut.of(economics, order.currency) if with_money and economics else None
        bought = ShipmentOut.of(shipment) if shipment is not None and shipment.tracking_id else None
        return cls(
            **same_named(cls, order, order_total=total, lines=lines, economics=figures, shipment=bought)
        )


class OrderPageOut(ResponseModel):
    orders: list[OrderOut]
    next_token: str | None


class SellerOut(ResponseModel):
    seller_id: str
    name: str
    status: str
    marketplace_ids: list[str]
    role: Role
    home_currency: (
        str  # the dashboard's one total's currency (the owner's choice, or the first marketplace's)
    )

    @classmethod
    def of(cls, profile: SellerProfile, role: Role) -> SellerOut:
        from sellerflow.analytics.fx import default_home_currency

        return cls(
            seller_id=profile.seller_id,
            name=profile.name,
            status=profile.status.value,
            marketplace_ids=list(profile.marketplace_ids),
            role=role,
            home_currency=profile.home_currency or default_home_currency(profile.marketplace_ids),
        )


class SellersOut(ResponseModel):
    sellers: list[SellerOut]


class ErrorOut(ResponseModel):
    error: str
    message: str
