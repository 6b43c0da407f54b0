"""The facts Sellerflow ingests besides orders, as plain typed records.

Parsers (sellerflow.reports) and API readers (sellerflow.spapi) produce them; the fact store
(sellerflow.store.facts) keeps them; the rollups (sellerflow.analytics) read them. Frozen
dataclasses rather than pydantic models: a 1,000,000-row report passes through these, and they
must stay cheap. Money is Decimal with its currency; times are aware UTC datetimes plus the
marketplace's own calendar day where a day matters. No buyer PII has a field here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal


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

    `sku_amounts` says which SKU each amount belongs to, as (sku, breakdown type, signed amount):
    for every type, the SKUs' parts sum to the type's amount in `amounts` (see
    `sellerflow.reports.finances` for the rule). Empty when the transaction names no SKU (a
    subscription, a storage fee): then the whole transaction is the account's, not any SKU's.
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
    sku_amounts: tuple[tuple[str, str, Decimal], ...] = field(default=())


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


MAX_COGS_BATCH = 100  # unit costs stored together, all or none (DynamoDB's items per transaction)


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


@dataclass(frozen=True, slots=True)
class AdProductDayFact:
    """One Sponsored Products ad (an advertised SKU of a campaign's ad group) on one day of its
    profile's (= marketplace's) calendar: what the ad cost, so ad spend reaches the SKU it advertised.
    `sku` is None when Amazon names only the ASIN (the spend then stays unattributed)."""

    seller_id: str
    marketplace_id: str
    profile_id: str
    campaign_id: str
    ad_group_id: str
    ad_id: str
    day: date
    currency: str
    sku: str | None
    asin: str | None
    impressions: int
    clicks: int
    cost: Decimal
    sales_14d: Decimal


def split_exactly(total: Decimal, weights: Sequence[Decimal], places: int) -> list[Decimal]:
    """`total` split in proportion to `weights`, each part a whole number of the currency's smallest
    unit (10**-places), the parts summing to `total` exactly.

    Largest remainder: every part is first rounded down, then the units left over go one each to
    the parts with the largest fractions (ties: the earlier part). Weights are taken by magnitude;
    when they are all zero the split is even. A total finer than the unit keeps its extra digits
    on the first part, so the sum still holds. A negative total splits like its magnitude.
    """
    if not weights:
        raise ValueError("nothing to split among")
    magnitudes = [abs(w) for w in weights]
    if not any(magnitudes):
        magnitudes = [Decimal(1)] * len(weights)
    unit = Decimal(1).scaleb(-places)
    sign = -1 if total < 0 else 1
    whole = (abs(total) / unit).to_integral_value(rounding=ROUND_FLOOR)
    residue = abs(total) - whole * unit  # digits finer than the unit (rare: a sub-cent amount)
    scale = sum(magnitudes, Decimal(0))
    shares = [whole * m / scale for m in magnitudes]
    units = [s.to_integral_value(rounding=ROUND_FLOOR) for s in shares]
    left = int(whole - sum(units, Decimal(0)))
    by_fraction = sorted(range(len(shares)), key=lambda i: (-(shares[i] - units[i]), i))
    for i in by_fraction[:left]:
        units[i] += 1
    parts = [u * unit for u in units]
    parts[0] += residue
    return [sign * p for p in parts]
