"""The subset of SP-API payloads Sellerflow reads, as typed models.

Unknown fields are ignored on purpose: `buyer` and `recipient` (buyer PII) are not modelled, so
they are dropped at the boundary and can never reach storage by accident.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _SpModel(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True, populate_by_name=True)


class Money(_SpModel):
    amount: Decimal
    currency_code: str = Field(alias="currencyCode")


class SalesChannel(_SpModel):
    channel_name: str = Field(alias="channelName")
    marketplace_id: str | None = Field(default=None, alias="marketplaceId")


class ProceedsBreakdown(_SpModel):
    type: str
    subtotal: Money


class ItemProceeds(_SpModel):
    proceeds_total: Money | None = Field(default=None, alias="proceedsTotal")
    breakdowns: tuple[ProceedsBreakdown, ...] = ()


class ItemPrice(_SpModel):
    unit_price: Money | None = Field(default=None, alias="unitPrice")


class ItemProduct(_SpModel):
    asin: str | None = None
    title: str | None = None
    seller_sku: str | None = Field(default=None, alias="sellerSku")
    price: ItemPrice | None = None


class PromotionBreakdown(_SpModel):
    promotion_id: str | None = Field(default=None, alias="promotionId")


class ItemPromotion(_SpModel):
    breakdowns: tuple[PromotionBreakdown, ...] = ()


class ItemFulfillment(_SpModel):
    quantity_fulfilled: int | None = Field(default=None, alias="quantityFulfilled")


class OrderItem(_SpModel):
    order_item_id: str = Field(alias="orderItemId")
    quantity_ordered: int = Field(alias="quantityOrdered", ge=0)
    product: ItemProduct
    proceeds: ItemProceeds | None = None
    promotion: ItemPromotion | None = None
    fulfillment: ItemFulfillment | None = None


class OrderProceeds(_SpModel):
    grand_total: Money | None = Field(default=None, alias="grandTotal")


class DateTimeRange(_SpModel):
    latest: datetime | None = Field(default=None, alias="latestDateTime")


class OrderFulfillment(_SpModel):
    fulfillment_status: str = Field(alias="fulfillmentStatus")
    fulfilled_by: str | None = Field(default=None, alias="fulfilledBy")
    fulfillment_service_level: str | None = Field(default=None, alias="fulfillmentServiceLevel")
    ship_by_window: DateTimeRange | None = Field(default=None, alias="shipByWindow")
    deliver_by_window: DateTimeRange | None = Field(default=None, alias="deliverByWindow")


class Order(_SpModel):
    order_id: str = Field(alias="orderId")
    created_time: datetime = Field(alias="createdTime")
    last_updated_time: datetime = Field(alias="lastUpdatedTime")
    programs: tuple[str, ...] = ()
    sales_channel: SalesChannel = Field(alias="salesChannel")
    proceeds: OrderProceeds | None = None
    fulfillment: OrderFulfillment | None = None
    order_items: tuple[OrderItem, ...] = Field(alias="orderItems")


class SearchOrdersPage(BaseModel):
    """One page of searchOrders. Orders stay raw here: each is validated on its own, so one bad
    order is recorded and skipped instead of failing the page."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    orders: list[dict[str, object]]
    next_token: str | None = None


# --- Sellers v1 ----------------------------------------------------------------------------------
class ParticipationMarketplace(_SpModel):
    id: str
    name: str | None = None
    country_code: str | None = Field(default=None, alias="countryCode")
    default_currency_code: str | None = Field(default=None, alias="defaultCurrencyCode")


class Participation(_SpModel):
    is_participating: bool = Field(alias="isParticipating")
    has_suspended_listings: bool = Field(default=False, alias="hasSuspendedListings")


class MarketplaceParticipation(_SpModel):
    """One entry of getMarketplaceParticipations: a marketplace and whether the seller sells there."""

    marketplace: ParticipationMarketplace
    store_name: str | None = Field(default=None, alias="storeName")
    participation: Participation
