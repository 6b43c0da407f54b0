"""The facts Sellerflow ingests besides orders, as plain typed records.

Parsers (sellerflow.reports) and API readers (sellerflow.spapi) produce them; the fact store
(sellerflow.store.facts) keeps them; the rollups (sellerflow.analytics) read them. Frozen
dataclasses rather than pydantic models: a 1,000,000-row report passes through these, and they
must stay cheap. Money is Decimal with its currency; times are aware UTC datetimes plus the
marketplace's own calendar day where a day matters. No buyer PII has a field here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ListingFact:
    seller_id: str
    marketplace_id: str
    sku: str
    asin: str | None
    title: str | None
    price: Decimal | None
    currency: str
    quantity: int | None
    status: str | None  # Active, Inactive, Incomplete, ...
    fulfillment_channel: str | None  # DEFAULT (merchant) or AMAZON_NA/AMAZON_EU/AMAZON_FE
    open_date: datetime | None


@dataclass(frozen=True, slots=True)
class InventoryFact:
    seller_id: str
    marketplace_id: str
    sku: str
    asin: str | None
    fnsku: str | None
    condition: str | None
    fulfillable: int
    inbound_working: int
    inbound_shipped: int
    inbound_receiving: int
    reserved: int
    unfulfillable: int
    as_of: datetime

    @property
    def inbound(self) -> int:
        return self.inbound_working + self.inbound_shipped + self.inbound_receiving


@dataclass(frozen=True, slots=True)
class TrafficByDateFact:
    seller_id: str
    marketplace_id: str
    day: date
    sessions: int
    page_views: int
    buy_box_percentage: Decimal
    units_ordered: int
    ordered_product_sales: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class TrafficByAsinFact:
    seller_id: str
    marketplace_id: str
    day: date
    parent_asin: str | None
    child_asin: str
    sku: str | None
    sessions: int
    page_views: int
    buy_box_percentage: Decimal
    units_ordered: int
    ordered_product_sales: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class FinanceTransactionFact:
    """One Finances 2024-06-19 transaction (fees, refunds, reimbursements, ...).

    `amounts` maps a breakdown type (e.g. "ProductCharges", "ReferralFee", "FBAFulfillmentFee",
    "Tax", "ShippingCharges", "PromotionDiscount", "RefundCommission") to its signed amount, as
    Amazon reports it: money to the seller positive, money to Amazon negative.
    """

    seller_id: str
    transaction_id: str
    transaction_type: str  # Shipment, Refund, Reimbursement, ServiceFee, ...
    posted_at: datetime
    marketplace_id: str
    local_date: date
    order_id: str | None
    sku: str | None
    quantity: int | None
    total: Decimal
    currency: str
    amounts: tuple[tuple[str, Decimal], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SettlementSummary:
    seller_id: str
    settlement_id: str
    marketplace_id: str | None
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class SettlementLineFact:
    seller_id: str
    settlement_id: str
    line: int  # 1-based data row of the document, stable for idempotent upserts
    transaction_type: str | None
    order_id: str | None
    sku: str | None
    amount_type: str | None
    amount_description: str | None
    amount: Decimal
    currency: str
    posted_at: datetime | None
    marketplace_name: str | None
    quantity: int | None


@dataclass(frozen=True, slots=True)
class CogsEntry:
    seller_id: str
    sku: str
    effective_from: date
    unit_cost: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad row of a document: recorded and skipped; the rest of the document is kept."""

    report_type: str
    line: int  # 1-based physical line of the decoded document (the header is line 1)
    column: str | None
    reason: str  # never contains a row's values (they may be buyer PII)


@dataclass(frozen=True, slots=True)
class AdCampaignDayFact:
    """One Sponsored Products campaign on one day of its profile's (= marketplace's) calendar.

    Money in the marketplace's currency. Attributed sales/purchases are Amazon's 7- and 14-day
    attribution windows (sales of the advertised products within N days of an ad click).
    """

    seller_id: str
    marketplace_id: str
    profile_id: str
    campaign_id: str
    campaign_name: str
    day: date
    currency: str
    impressions: int
    clicks: int
    cost: Decimal
    purchases_7d: int
    purchases_14d: int
    sales_7d: Decimal
    sales_14d: Decimal
