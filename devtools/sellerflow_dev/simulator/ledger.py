"""Ground truth beyond orders: listings, FBA inventory, traffic, money events and settlements.

Everything here is a pure function of `(seed, seller, orders, now)`: the same world gives the same
listings, transactions and settlements on every machine. `SimWorld` calls these and caches the
result until its clock moves (see `SimWorld.listings`, `transactions`, `settlements`, ...).

Money follows Amazon's signs: money to the seller positive, money to Amazon negative.

- Shipment: one per SHIPPED order, posted 1 h - 2 days after purchase (never before the shipment):
  per item ProductCharges (unit price x qty), ShippingCharges, PromotionDiscount (negative),
  ReferralFee (negative, 15 % of the item price), FBAFulfillmentFee (negative, per unit, AFN only).
- Refund: ~5 % of shipped orders, 2-10 days after the purchase: ProductCharges (negative, the
  whole first item), ReferralFee (positive: the commission given back) and RefundCommission
  (negative: Amazon's refund administration fee, 20 % of that commission, capped).
- Adjustment ("FBA Inventory Reimbursement"): a few per marketplace, FBAInventoryReimbursement
  positive.
- ServiceFee ("Subscription"): monthly, SubscriptionFee negative.
- Settlements: every 14 days per marketplace; a settlement groups the transactions posted in
  [start, end) and its total is the sum of its lines. Only closed periods (end <= now) exist.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sellerflow.marketplaces import Marketplace, marketplace
from sellerflow_dev.simulator.catalog import CatalogItem, japanese_title, quantize, random_alnum
from sellerflow_dev.simulator.order_model import SimOrder

if TYPE_CHECKING:
    from sellerflow_dev.simulator.world import SimSeller

REFERRAL_RATE = Decimal("0.15")
REFUND_RATE = 0.05
REFUND_COMMISSION_RATE = Decimal("0.20")
SETTLEMENT_DAYS = 14
# How long after a settlement period closes Amazon creates its report and pays out.
SETTLEMENT_REPORT_DELAY = timedelta(hours=2)
SETTLEMENT_DEPOSIT_DELAY = timedelta(days=2)
_SETTLEMENT_EPOCH = datetime(2020, 1, 2, 7, 0, tzinfo=UTC)
_FBA_FEE_PER_UNIT: dict[str, tuple[Decimal, ...]] = {
    "USD": (Decimal("3.22"), Decimal("4.75"), Decimal("5.40")),
    "CAD": (Decimal("4.50"), Decimal("5.90"), Decimal("7.20")),
    "EUR": (Decimal("2.70"), Decimal("3.55"), Decimal("4.50")),
    "GBP": (Decimal("2.45"), Decimal("3.10"), Decimal("3.90")),
    "JPY": (Decimal("318"), Decimal("434"), Decimal("514")),
}
_REFUND_COMMISSION_CAP: dict[str, Decimal] = {
    "USD": Decimal("5.00"),
    "CAD": Decimal("5.00"),
    "EUR": Decimal("5.00"),
    "GBP": Decimal("5.00"),
    "JPY": Decimal("500"),
}
_SUBSCRIPTION_FEE: dict[str, Decimal] = {
    "USD": Decimal("39.99"),
    "CAD": Decimal("29.99"),
    "EUR": Decimal("39.00"),
    "GBP": Decimal("25.00"),
    "JPY": Decimal("4900"),
}
_FULFILLMENT_CHANNEL = {"na": "AMAZON_NA", "eu": "AMAZON_EU", "fe": "AMAZON_FE"}

# Leaf breakdown types -> the group they are nested under in listTransactions.
BREAKDOWN_GROUPS: dict[str, str] = {
    "ProductCharges": "Sales",
    "ShippingCharges": "Sales",
    "PromotionDiscount": "Sales",
    "ReferralFee": "AmazonFees",
    "FBAFulfillmentFee": "AmazonFees",
    "RefundCommission": "AmazonFees",
    "SubscriptionFee": "AmazonFees",
    "FBAInventoryReimbursement": "Reimbursements",
}


def is_fee(breakdown_type: str) -> bool:
    """Whether a breakdown type is an Amazon fee: RefundCommission or any `...Fee` type."""
    return breakdown_type == "RefundCommission" or breakdown_type.endswith("Fee")


def rng_for(*parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in parts))


def _digest(*parts: object) -> int:
    return int(hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest(), 16)


# --- listings and inventory -----------------------------------------------------------------------
@dataclass(frozen=True)
class SimListing:
    seller_id: str
    marketplace_id: str
    sku: str
    asin: str
    title: str  # in the marketplace's language (Japanese on JP)
    price: Decimal
    currency: str
    quantity: int | None  # None for FBA listings (Amazon reports it blank)
    status: str  # Active / Inactive
    fulfillment_channel: str  # DEFAULT (merchant) or AMAZON_NA / AMAZON_EU / AMAZON_FE
    open_date: datetime
    listing_id: str
    report_title: str  # the title as the listings report writes it (some carry a tab or quotes)

    @property
    def afn(self) -> bool:
        return self.fulfillment_channel != "DEFAULT"


@dataclass(frozen=True)
class SimInventory:
    seller_id: str
    marketplace_id: str
    sku: str
    asin: str
    fnsku: str
    title: str
    price: Decimal
    currency: str
    fulfillable: int
    inbound_working: int
    inbound_shipped: int
    inbound_receiving: int
    pending_customer_order: int
    pending_transshipment: int
    fc_processing: int
    customer_damaged: int
    warehouse_damaged: int
    carrier_damaged: int
    defective: int
    last_updated: datetime
    condition: str = "NewItem"

    @property
    def reserved(self) -> int:
        return self.pending_customer_order + self.pending_transshipment + self.fc_processing

    @property
    def unfulfillable(self) -> int:
        return self.customer_damaged + self.warehouse_damaged + self.carrier_damaged + self.defective

    @property
    def inbound(self) -> int:
        return self.inbound_working + self.inbound_shipped + self.inbound_receiving

    @property
    def warehouse(self) -> int:
        return self.fulfillable + self.unfulfillable + self.reserved

    @property
    def total(self) -> int:
        return self.warehouse + self.inbound


def title_in(product: CatalogItem, market: Marketplace) -> str:
    return japanese_title(product.title) if market.country_code == "JP" else product.title


def listings_for(seed: int, seller: SimSeller, origin: datetime) -> list[SimListing]:
    """One listing per catalogue SKU per marketplace of the seller."""
    listings: list[SimListing] = []
    for marketplace_id in seller.marketplace_ids:
        market = marketplace(marketplace_id)
        for product in seller.catalogue:
            rng = rng_for(seed, "listing", seller.seller_id, marketplace_id, product.sku)
            afn = rng.random() < 0.6
            active = rng.random() < 0.9
            opened = origin - timedelta(days=rng.randint(30, 1100), seconds=rng.randint(0, 86399))
            title = title_in(product, market)
            report_title = title
            quirk = rng.random()
            if quirk < 0.12:
                report_title = f'{title} - 12" Edition'
            elif quirk < 0.2:
                report_title = f"{title}\tGift Box"
            quantity: int | None = None
            if not afn:
                quantity = rng.randint(1, 250) if active else 0
            listed_local = opened.astimezone(market.tz)
            listings.append(
                SimListing(
                    seller_id=seller.seller_id,
                    marketplace_id=marketplace_id,
                    sku=product.sku,
                    asin=product.asin,
                    title=title,
                    price=product.price_in(market),
                    currency=market.currency,
                    quantity=quantity,
                    status="Active" if active else "Inactive",
                    fulfillment_channel=_FULFILLMENT_CHANNEL[market.region] if afn else "DEFAULT",
                    open_date=opened,
                    listing_id=f"{listed_local:%m%d}{random_alnum(rng, 7)}",
                    report_title=report_title,
                )
            )
    return listings


def inventory_for(
    seed: int,
    seller: SimSeller,
    listings: Iterable[SimListing],
    open_orders: Iterable[SimOrder],
    now: datetime,
) -> list[SimInventory]:
    """FBA inventory for every AFN listing; reserved-for-customers equals the open AFN orders' units.

    Stock follows what a SKU sells (`open_orders`: the last 30 days' orders): a SKU that sells holds
    20-120 days of it, so best-sellers have hundreds and the long tail a few dozen; the seller's two
    best-selling FBA SKUs of its first marketplace are genuinely low (3-9 days left), and ~1 in 7
    SKUs is out of stock, as in a real account."""
    pending: dict[tuple[str, str], int] = defaultdict(int)
    sold: dict[tuple[str, str], int] = defaultdict(int)
    for order in open_orders:
        for item in order.items:
            if order.status != "CANCELLED":
                sold[(order.marketplace_id, item.product.sku)] += item.quantity
        if order.fulfilled_by == "AMAZON" and order.status in {"PENDING", "UNSHIPPED"}:
            for item in order.items:
                pending[(order.marketplace_id, item.product.sku)] += item.quantity
    listings = list(listings)
    home = seller.marketplace_ids[0] if seller.marketplace_ids else ""
    ranked = sorted(
        (x for x in listings if x.afn and x.marketplace_id == home),
        key=lambda x: (-sold[(home, x.sku)], x.sku),
    )
    running_low = {x.sku for x in ranked[:2] if sold[(home, x.sku)] > 0}
    rows: list[SimInventory] = []
    for listing in listings:
        if not listing.afn:
            continue
        rng = rng_for(seed, "inventory", seller.seller_id, listing.marketplace_id, listing.sku)
        stocked = rng.random() < 0.85
        drawn = rng.randint(5, 400)
        per_day = sold[(listing.marketplace_id, listing.sku)] / 30
        low = listing.marketplace_id == home and listing.sku in running_low
        if low:
            stocked, cover = True, rng_for(seed, "low-stock", seller.seller_id, listing.sku).randint(3, 9)
        else:
            cover = 20 + drawn * 100 // 400  # 20-120 days
        on_hand = max(1, round(per_day * cover)) if per_day else 5 + drawn // 10
        rows.append(
            SimInventory(
                seller_id=seller.seller_id,
                marketplace_id=listing.marketplace_id,
                sku=listing.sku,
                asin=listing.asin,
                fnsku="X00" + random_alnum(rng, 7),
                title=listing.title,
                price=listing.price,
                currency=listing.currency,
                fulfillable=on_hand if stocked else 0,
                inbound_working=rng.choice((0, 0, 0, rng.randint(10, 120))),
                inbound_shipped=rng.choice((0, 0, rng.randint(10, 200))),
                inbound_receiving=rng.choice((0, 0, 0, rng.randint(1, 60))),
                pending_customer_order=pending.get((listing.marketplace_id, listing.sku), 0),
                pending_transshipment=rng.choice((0, 0, rng.randint(1, 15))),
                fc_processing=rng.choice((0, 0, 0, rng.randint(1, 8))),
                customer_damaged=rng.choice((0, 0, 0, rng.randint(1, 4))),
                warehouse_damaged=rng.choice((0, 0, 0, 0, rng.randint(1, 3))),
                carrier_damaged=rng.choice((0, 0, 0, 0, 0, 1)),
                defective=rng.choice((0, 0, 0, 0, rng.randint(1, 2))),
                last_updated=now - timedelta(minutes=rng.randint(1, 600)),
            )
        )
    return rows


# --- money events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimAmount:
    """One leaf breakdown: a type ("ReferralFee") and its signed amount."""

    breakdown_type: str
    amount: Decimal


@dataclass(frozen=True)
class SimTransactionItem:
    order_item_id: str | None
    sku: str
    asin: str
    quantity: int
    amounts: tuple[SimAmount, ...]
    promotion_id: str | None = None
    adjustment_item_id: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.amounts), Decimal(0))


@dataclass(frozen=True)
class SimTransaction:
    """One Finances 2024-06-19 transaction (`amounts` are the transaction-level leaves, if any)."""

    transaction_id: str
    seller_id: str
    marketplace_id: str
    transaction_type: str  # Shipment, Refund, Adjustment, ServiceFee
    description: str
    posted: datetime
    currency: str
    order_id: str | None = None
    shipment_id: str | None = None
    adjustment_id: str | None = None
    fulfillment: str | None = None  # AFN / MFN
    items: tuple[SimTransactionItem, ...] = ()
    amounts: tuple[SimAmount, ...] = ()

    @property
    def market(self) -> Marketplace:
        return marketplace(self.marketplace_id)

    @property
    def local_date(self) -> date:
        return self.posted.astimezone(self.market.tz).date()

    def leaves(self) -> list[SimAmount]:
        """Every leaf amount of the transaction, items first."""
        return [amount for item in self.items for amount in item.amounts] + list(self.amounts)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.leaves()), Decimal(0))

    def totals_by_type(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for leaf in self.leaves():
            totals[leaf.breakdown_type] = totals.get(leaf.breakdown_type, Decimal(0)) + leaf.amount
        return totals


def _transaction_id(seed: int, *parts: object) -> str:
    return f"{_digest(seed, 'tx', *parts) % 16**32:032x}".upper()


def _fba_fee(product: CatalogItem, currency: str) -> Decimal:
    tiers = _FBA_FEE_PER_UNIT[currency]
    return tiers[_digest(product.sku, "size") % len(tiers)]


def _shipment(seed: int, order: SimOrder, now: datetime) -> SimTransaction | None:
    if order.status != "SHIPPED" or order.shipped_at is None:
        return None
    rng = rng_for(seed, "shipment", order.order_id)
    market = order.market
    posted = max(order.shipped_at, order.created + timedelta(seconds=rng.randint(3600, 2 * 86400)))
    if posted > now:
        return None
    decimals = market.currency_decimals
    items = []
    for item in order.items:
        principal = item.unit_price * item.quantity
        amounts = [SimAmount("ProductCharges", principal)]
        if item.shipping:
            amounts.append(SimAmount("ShippingCharges", item.shipping))
        if item.discount:
            amounts.append(SimAmount("PromotionDiscount", -item.discount))
        amounts.append(SimAmount("ReferralFee", -quantize(principal * REFERRAL_RATE, decimals)))
        if order.fulfilled_by == "AMAZON":
            amounts.append(
                SimAmount("FBAFulfillmentFee", -_fba_fee(item.product, market.currency) * item.quantity)
            )
        items.append(
            SimTransactionItem(
                order_item_id=item.order_item_id,
                sku=item.product.sku,
                asin=item.product.asin,
                quantity=item.quantity,
                amounts=tuple(amounts),
                promotion_id=item.promotion_id,
            )
        )
    return SimTransaction(
        transaction_id=_transaction_id(seed, "shipment", order.order_id),
        seller_id=order.seller_id,
        marketplace_id=order.marketplace_id,
        transaction_type="Shipment",
        description="Order Payment",
        posted=posted.replace(microsecond=0),
        currency=market.currency,
        order_id=order.order_id,
        shipment_id=random_alnum(rng, 9),
        fulfillment="AFN" if order.fulfilled_by == "AMAZON" else "MFN",
        items=tuple(items),
    )


def _refund(seed: int, order: SimOrder, shipment: SimTransaction, now: datetime) -> SimTransaction | None:
    rng = rng_for(seed, "refund", order.order_id)
    if rng.random() >= REFUND_RATE:
        return None
    posted = order.created + timedelta(seconds=rng.randint(2 * 86400, 10 * 86400))
    posted = max(posted, shipment.posted + timedelta(hours=6)).replace(microsecond=0)
    if posted > now:
        return None
    market = order.market
    item = order.items[0]
    principal = item.unit_price * item.quantity
    referral = quantize(principal * REFERRAL_RATE, market.currency_decimals)
    admin_fee = min(
        quantize(referral * REFUND_COMMISSION_RATE, market.currency_decimals),
        _REFUND_COMMISSION_CAP[market.currency],
    )
    amounts = (
        SimAmount("ProductCharges", -principal),
        SimAmount("ReferralFee", referral),
        SimAmount("RefundCommission", -admin_fee),
    )
    return SimTransaction(
        transaction_id=_transaction_id(seed, "refund", order.order_id),
        seller_id=order.seller_id,
        marketplace_id=order.marketplace_id,
        transaction_type="Refund",
        description="Refund Order",
        posted=posted,
        currency=market.currency,
        order_id=order.order_id,
        adjustment_id=random_alnum(rng, 14),
        fulfillment=shipment.fulfillment,
        items=(
            SimTransactionItem(
                order_item_id=item.order_item_id,
                sku=item.product.sku,
                asin=item.product.asin,
                quantity=item.quantity,
                amounts=amounts,
                adjustment_item_id=f"{_digest(seed, 'adj', order.order_id) % 10**14:014d}",
            ),
        ),
    )


def _periodic(seed: int, seller: SimSeller, since: datetime, now: datetime) -> list[SimTransaction]:
    """Monthly subscription fees and the odd FBA reimbursement, per marketplace."""
    transactions: list[SimTransaction] = []
    for marketplace_id in seller.marketplace_ids:
        market = marketplace(marketplace_id)
        local = since.astimezone(market.tz).date().replace(day=1)
        while True:
            posted = datetime.combine(local.replace(day=2), time(9, 0), tzinfo=market.tz).astimezone(UTC)
            if posted > now:
                break
            if posted >= since:
                transactions.append(
                    SimTransaction(
                        transaction_id=_transaction_id(
                            seed, "subscription", seller.seller_id, marketplace_id, local
                        ),
                        seller_id=seller.seller_id,
                        marketplace_id=marketplace_id,
                        transaction_type="ServiceFee",
                        description="Subscription",
                        posted=posted,
                        currency=market.currency,
                        amounts=(SimAmount("SubscriptionFee", -_SUBSCRIPTION_FEE[market.currency]),),
                    )
                )
            local = (local + timedelta(days=32)).replace(day=1)
        week = 0
        while True:
            start = since + timedelta(weeks=week)
            week += 1
            if start > now:
                break
            rng = rng_for(seed, "reimbursement", seller.seller_id, marketplace_id, week)
            if rng.random() >= 0.12:
                continue
            posted = (start + timedelta(seconds=rng.randint(0, 7 * 86400 - 1))).replace(microsecond=0)
            if posted > now:
                continue
            product = rng.choice(seller.catalogue)
            quantity = rng.randint(1, 2)
            amount = quantize(product.price_in(market) * quantity * Decimal("0.7"), market.currency_decimals)
            transactions.append(
                SimTransaction(
                    transaction_id=_transaction_id(
                        seed, "reimbursement", seller.seller_id, marketplace_id, week
                    ),
                    seller_id=seller.seller_id,
                    marketplace_id=marketplace_id,
                    transaction_type="Adjustment",
                    description="FBA Inventory Reimbursement",
                    posted=posted,
                    currency=market.currency,
                    adjustment_id=random_alnum(rng, 14),
                    fulfillment="AFN",
                    items=(
                        SimTransactionItem(
                            order_item_id=None,
                            sku=product.sku,
                            asin=product.asin,
                            quantity=quantity,
                            amounts=(SimAmount("FBAInventoryReimbursement", amount),),
                        ),
                    ),
                )
            )
    return transactions


def transactions_for(
    seed: int, seller: SimSeller, orders: Sequence[SimOrder], since: datetime, now: datetime
) -> list[SimTransaction]:
    """Every transaction posted at or before `now`, oldest first (ties by transaction id)."""
    transactions: list[SimTransaction] = []
    for order in orders:
        shipment = _shipment(seed, order, now)
        if shipment is None:
            continue
        transactions.append(shipment)
        refund = _refund(seed, order, shipment, now)
        if refund is not None:
            transactions.append(refund)
    transactions += _periodic(seed, seller, since, now)
    transactions.sort(key=lambda t: (t.posted, t.transaction_id))
    return transactions


# --- settlements ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimSettlementLine:
    transaction_type: str  # Order, Refund, other-transaction
    amount_type: str  # ItemPrice, ItemFees, Promotion, other-transaction, FBA Inventory Reimbursement
    amount_description: str  # Principal, Shipping, Commission, FBAPerUnitFulfillmentFee, ...
    amount: Decimal
    posted: datetime
    transaction_id: str
    order_id: str | None = None
    adjustment_id: str | None = None
    shipment_id: str | None = None
    fulfillment_id: str | None = None
    order_item_code: str | None = None
    merchant_adjustment_item_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    promotion_id: str | None = None


@dataclass(frozen=True)
class SimSettlement:
    settlement_id: str
    seller_id: str
    marketplace_id: str
    currency: str
    start: datetime
    end: datetime
    deposit_date: datetime
    lines: tuple[SimSettlementLine, ...] = field(repr=False)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def report_created(self) -> datetime:
        """When Amazon created this settlement's report (it is listed from then on)."""
        return self.end + SETTLEMENT_REPORT_DELAY


_SETTLEMENT_KINDS: dict[str, tuple[str, str]] = {
    # breakdown type -> (amount-type, amount-description)
    "ProductCharges": ("ItemPrice", "Principal"),
    "ShippingCharges": ("ItemPrice", "Shipping"),
    "PromotionDiscount": ("Promotion", "Principal"),
    "ReferralFee": ("ItemFees", "Commission"),
    "FBAFulfillmentFee": ("ItemFees", "FBAPerUnitFulfillmentFee"),
    "RefundCommission": ("ItemFees", "RefundCommission"),
    "SubscriptionFee": ("other-transaction", "Subscription Fee"),
    "FBAInventoryReimbursement": ("other-transaction", "REVERSAL_REIMBURSEMENT"),
}
_SETTLEMENT_TRANSACTION_TYPES = {
    "Shipment": "Order",
    "Refund": "Refund",
    "Adjustment": "other-transaction",
    "ServiceFee": "other-transaction",
}


def settlement_lines(transaction: SimTransaction) -> list[SimSettlementLine]:
    """The settlement report lines of one transaction: one per leaf amount."""
    kind = _SETTLEMENT_TRANSACTION_TYPES[transaction.transaction_type]
    common = {
        "transaction_type": kind,
        "posted": transaction.posted,
        "transaction_id": transaction.transaction_id,
        "order_id": transaction.order_id,
        "adjustment_id": transaction.adjustment_id,
        "shipment_id": transaction.shipment_id,
        "fulfillment_id": transaction.fulfillment,
    }
    lines: list[SimSettlementLine] = []
    for item in transaction.items:
        for amount in item.amounts:
            amount_type, description = _SETTLEMENT_KINDS[amount.breakdown_type]
            principal = amount.breakdown_type in {"ProductCharges", "FBAInventoryReimbursement"}
            lines.append(
                SimSettlementLine(
                    **common,  # type: ignore[arg-type]
                    amount_type=amount_type,
                    amount_description=description,
                    amount=amount.amount,
                    order_item_code=item.order_item_id,
                    merchant_adjustment_item_id=item.adjustment_item_id,
                    sku=item.sku,
                    quantity=item.quantity if principal else None,
                    promotion_id=item.promotion_id if amount.breakdown_type == "PromotionDiscount" else None,
                )
            )
    for amount in transaction.amounts:
        amount_type, description = _SETTLEMENT_KINDS[amount.breakdown_type]
        lines.append(
            SimSettlementLine(
                **common,  # type: ignore[arg-type]
                amount_type=amount_type,
                amount_description=description,
                amount=amount.amount,
            )
        )
    return lines


def _settlement_anchor(seed: int, seller_id: str, marketplace_id: str) -> datetime:
    return _SETTLEMENT_EPOCH + timedelta(
        days=_digest(seed, "settle", seller_id, marketplace_id) % SETTLEMENT_DAYS
    )


def settlement_period(
    seed: int, seller_id: str, marketplace_id: str, moment: datetime
) -> tuple[int, datetime]:
    """The index and start of the 14-day settlement period that `moment` falls in."""
    anchor = _settlement_anchor(seed, seller_id, marketplace_id)
    index = (moment - anchor) // timedelta(days=SETTLEMENT_DAYS)
    return index, anchor + index * timedelta(days=SETTLEMENT_DAYS)


def settlement_id(seed: int, seller_id: str, marketplace_id: str, index: int) -> str:
    return str(10_000_000_000 + _digest(seed, "settlement", seller_id, marketplace_id, index) % 9_000_000_000)


def settlements_for(
    seed: int, seller: SimSeller, transactions: Iterable[SimTransaction], now: datetime
) -> list[SimSettlement]:
    """The closed settlements (end <= now) per marketplace, oldest first."""
    grouped: dict[tuple[str, int], list[SimTransaction]] = defaultdict(list)
    starts: dict[tuple[str, int], datetime] = {}
    for transaction in transactions:
        index, start = settlement_period(
            seed, seller.seller_id, transaction.marketplace_id, transaction.posted
        )
        grouped[(transaction.marketplace_id, index)].append(transaction)
        starts[(transaction.marketplace_id, index)] = start
    settlements: list[SimSettlement] = []
    for (marketplace_id, index), members in grouped.items():
        start = starts[(marketplace_id, index)]
        end = start + timedelta(days=SETTLEMENT_DAYS)
        if end > now:
            continue
        lines = tuple(
            line
            for t in sorted(members, key=lambda t: (t.posted, t.transaction_id))
            for line in settlement_lines(t)
        )
        settlements.append(
            SimSettlement(
                settlement_id=settlement_id(seed, seller.seller_id, marketplace_id, index),
                seller_id=seller.seller_id,
                marketplace_id=marketplace_id,
                currency=marketplace(marketplace_id).currency,
                start=start,
                end=end,
                deposit_date=end + SETTLEMENT_DEPOSIT_DELAY,
                lines=lines,
            )
        )
    settlements.sort(key=lambda s: (s.end, s.marketplace_id))
    return settlements


# --- traffic ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimAsinTraffic:
    child_asin: str
    parent_asin: str
    sku: str
    sessions: int
    browser_sessions: int
    page_views: int
    browser_page_views: int
    buy_box_percentage: Decimal
    units_ordered: int
    ordered_product_sales: Decimal
    total_order_items: int


@dataclass(frozen=True)
class SimDayTraffic:
    """One marketplace-local day of a seller's traffic and sales (what the sales & traffic report shows)."""

    marketplace_id: str
    day: date
    currency: str
    by_asin: tuple[SimAsinTraffic, ...]
    units_refunded: int
    units_shipped: int
    orders_shipped: int
    shipped_product_sales: Decimal

    @property
    def sessions(self) -> int:
        return sum(a.sessions for a in self.by_asin)

    @property
    def browser_sessions(self) -> int:
        return sum(a.browser_sessions for a in self.by_asin)

    @property
    def page_views(self) -> int:
        return sum(a.page_views for a in self.by_asin)

    @property
    def browser_page_views(self) -> int:
        return sum(a.browser_page_views for a in self.by_asin)

    @property
    def units_ordered(self) -> int:
        return sum(a.units_ordered for a in self.by_asin)

    @property
    def ordered_product_sales(self) -> Decimal:
        return sum((a.ordered_product_sales for a in self.by_asin), Decimal(0))

    @property
    def total_order_items(self) -> int:
        return sum(a.total_order_items for a in self.by_asin)

    @property
    def buy_box_percentage(self) -> Decimal:
        """Page-view weighted buy box share of the day."""
        views = self.page_views
        if not views:
            return Decimal("0.00")
        weighted = sum((a.buy_box_percentage * a.page_views for a in self.by_asin), Decimal(0))
        return (weighted / views).quantize(Decimal("0.01"))


def traffic_day(
    seed: int,
    seller: SimSeller,
    marketplace_id: str,
    day: date,
    day_orders: Iterable[SimOrder],
    refunds: Iterable[SimTransaction],
    shipped: Iterable[SimOrder],
) -> SimDayTraffic:
    """Traffic of one local day: sessions and views invented, units and sales taken from the orders.

    `day_orders` are the marketplace's orders purchased that local day (cancelled ones are ignored),
    `refunds` the Refund transactions posted that local day, `shipped` the orders shipped that day.
    """
    units: dict[str, int] = defaultdict(int)
    sales: dict[str, Decimal] = defaultdict(Decimal)
    order_items: dict[str, int] = defaultdict(int)
    for order in day_orders:
        if order.status == "CANCELLED":
            continue
        for item in order.items:
            units[item.product.asin] += item.quantity
            sales[item.product.asin] += item.unit_price * item.quantity
            order_items[item.product.asin] += 1
    weekday_boost = 1.25 if day.weekday() >= 5 else 1.0
    by_asin = []
    for product in seller.catalogue:
        rng = rng_for(seed, "traffic", seller.seller_id, marketplace_id, product.asin, day.isoformat())
        popularity = 3 + _digest(seed, "popularity", seller.seller_id, product.asin) % 40
        sessions = int(popularity * weekday_boost * rng.uniform(0.6, 1.4)) + 4 * units[product.asin]
        browser_sessions = int(sessions * rng.uniform(0.3, 0.6))
        page_views = sessions + int(sessions * rng.uniform(0.1, 0.8))
        browser_page_views = min(page_views, int(page_views * rng.uniform(0.3, 0.6)))
        buy_box = Decimal(rng.randint(8000, 10000)) / 100 if sessions else Decimal(0)
        by_asin.append(
            SimAsinTraffic(
                child_asin=product.asin,
                parent_asin=product.asin,
                sku=product.sku,
                sessions=sessions,
                browser_sessions=browser_sessions,
                page_views=page_views,
                browser_page_views=browser_page_views,
                buy_box_percentage=buy_box,
                units_ordered=units[product.asin],
                ordered_product_sales=sales[product.asin],
                total_order_items=order_items[product.asin],
            )
        )
    shipped_list = list(shipped)
    return SimDayTraffic(
        marketplace_id=marketplace_id,
        day=day,
        currency=marketplace(marketplace_id).currency,
        by_asin=tuple(by_asin),
        units_refunded=sum(item.quantity for refund in refunds for item in refund.items),
        units_shipped=sum(item.quantity for order in shipped_list for item in order.items),
        orders_shipped=len(shipped_list),
        shipped_product_sales=sum(
            (item.unit_price * item.quantity for order in shipped_list for item in order.items), Decimal(0)
        ),
    )


# --- rollups ---------------------------------------------------------------------------------------
ROLLUP_FIELDS = (
    "orders",
    "units",
    "gross_sales",
    "shipping",
    "promotions",
    "refunds",
    "amazon_fees",
    "estimated_payout",
)


def expected_rollups(
    orders: Iterable[SimOrder], transactions: Iterable[SimTransaction]
) -> dict[tuple[str, str], dict[str, Decimal | int]]:
    """Daily rollups per (marketplace, local day); see `SimWorld.expected_daily_rollups`."""
    rows: dict[tuple[str, str], dict[str, Decimal | int]] = {}

    def row(marketplace_id: str, day: date) -> dict[str, Decimal | int]:
        key = (marketplace_id, day.isoformat())
        if key not in rows:
            rows[key] = {
                "orders": 0,
                "units": 0,
                "gross_sales": Decimal(0),
                "shipping": Decimal(0),
                "promotions": Decimal(0),
                "refunds": Decimal(0),
                "amazon_fees": Decimal(0),
            }
        return rows[key]

    for order in orders:
        if order.status == "CANCELLED":
            continue
        _add_order(row(order.marketplace_id, order.created.astimezone(order.market.tz).date()), order)
    refund_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for transaction in transactions:
        target = row(transaction.marketplace_id, transaction.local_date)
        leaves = transaction.totals_by_type()
        if transaction.transaction_type == "Refund":
            refund_sums[(transaction.marketplace_id, transaction.local_date.isoformat())] += leaves.get(
                "ProductCharges", Decimal(0)
            )
        target["amazon_fees"] -= sum((amount for kind, amount in leaves.items() if is_fee(kind)), Decimal(0))
    for key, refunded in refund_sums.items():
        rows[key]["refunds"] = abs(refunded)
    for values in rows.values():
        values["estimated_payout"] = (
            Decimal(values["gross_sales"])
            + Decimal(values["shipping"])
            - Decimal(values["promotions"])
            - Decimal(values["refunds"])
            - Decimal(values["amazon_fees"])
        )
    return dict(sorted(rows.items()))


def _add_order(target: dict[str, Decimal | int], order: SimOrder) -> None:
    """Count one order that is not cancelled into its day's row."""
    target["orders"] += 1
    for item in order.items:
        target["units"] += item.quantity
        for kind, amount in item.breakdowns(cancelled=False):
            if kind == "ITEM":
                target["gross_sales"] += amount
            elif kind == "SHIPPING":
                target["shipping"] += amount
            elif kind == "DISCOUNT":
                target["promotions"] += abs(amount)
