"""Daily rollups: the pure arithmetic of one (marketplace, local day), and the recompute of dirty days.

Definitions (the contract; the simulator's `expected_daily_rollups` uses the same, minus cogs/ad
spend/profit). For a marketplace M and its calendar day D (M's own time zone), in M's currency:

- orders: orders of M purchased on D whose status is not cancelled; units: Σ quantity_ordered
- gross_sales = Σ line item_price; shipping = Σ line shipping_price; promotions = Σ line promotion_discount
- refunds = |Σ ProductCharges| of the Refund transactions of M posted on D (so a refund lands on
  the day it was posted, not on the day of the sale)
- amazon_fees: every breakdown amount, of any transaction of M posted on D, whose type ends with
  "Fee" or "Commission"; as a cost: −Σ amount (Amazon reports money to Amazon as negative), per type
  and in total (a fee given back, e.g. the referral fee of a refund, lowers it)
- ad_spend = Σ cost of the Sponsored Products campaigns of M on D (Amazon Ads, M's currency);
  ad_sales = Σ their sales14d — the 14-day attribution window, not 7d: it is Amazon's default for
  seller Sponsored Products and the one the Ads console shows, and it is the most complete figure
  once a day is settled (the ads data of the last ~14 days is restated as late orders attribute)
- cogs = Σ units × unit cost of the SKU on D (the latest COGS entry in M's currency with
  effective_from ≤ D); a sold line without a cost counts 0 and makes `cogs_complete` false
- estimated_payout = gross_sales + shipping − promotions − refunds − amazon_fees
- net_profit = estimated_payout − cogs − ad_spend
- margin = net_profit ÷ (gross_sales + shipping − promotions), 4 places; None when that is 0

Per SKU the same (orders containing the SKU, its units, sales, shipping, promotions and cogs; its
part of each transaction's refunds and fees, `FinanceTransactionFact.sku_amounts`, so a shipment
of several SKUs gives each its own fees; its ad spend); net_profit = sales + shipping − promotions −
refunds − fees − cogs − ad spend. What names no SKU gets its own rows (`RowKind`), so the rows of a
day sum to the day in every amount, to the cent (docs/data-model.md, "Profit per SKU"):

- account rows: the fees of transactions naming no SKU, as subscription (SubscriptionFee), storage
  (a type naming Storage) and other fees; and the order lines and refunds naming no SKU;
- the unattributed ads row: the day's ad spend less what the Sponsored Products advertised-product
  data gives to SKUs (when that data gives more than the day's spend, the spend is split over the
  SKUs in proportion to it, to the cent, and nothing is left unattributed).

Facts in a currency other than M's are left out (and counted), never converted or mixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, TypeVar

from sellerflow.analytics.model import ZERO, AccountRow, DayRollup, RollupResult, RowKind, SkuRollup
from sellerflow.calendar import local_day, utc_span
from sellerflow.domain import Order, OrderLine
from sellerflow.facts import CogsEntry, FinanceTransactionFact, split_exactly
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.observability import logger

CANCELLED = frozenset({"CANCELLED", "CANCELED"})
REFUND = "Refund"
PRODUCT_CHARGES = "ProductCharges"
FEE_SUFFIXES = ("Fee", "Commission")


def is_fee(breakdown_type: str) -> bool:
    return breakdown_type.endswith(FEE_SUFFIXES)


def account_row_of_fee(breakdown_type: str) -> AccountRow:
    """The account row a fee naming no SKU belongs to."""
    if breakdown_type.startswith("Subscription"):
        return AccountRow.SUBSCRIPTION
    if "Storage" in breakdown_type:
        return AccountRow.STORAGE
    return AccountRow.OTHER_FEES


def is_cancelled(order: Order) -> bool:
    return order.status.upper() in CANCELLED


class CogsBook:
    """Unit costs per SKU and currency, each effective from a day until the next entry."""

    def __init__(self, entries: Iterable[CogsEntry]) -> None:
        self._by_key: dict[tuple[str, str], list[CogsEntry]] = {}
        for entry in entries:
            self._by_key.setdefault((entry.sku, entry.currency), []).append(entry)
        for history in self._by_key.values():
            history.sort(key=lambda e: e.effective_from)

    def unit_cost(self, sku: str, day: date, currency: str) -> Decimal | None:
        cost: Decimal | None = None
        for entry in self._by_key.get((sku, currency), ()):
            if entry.effective_from > day:
                break
            cost = entry.unit_cost
        return cost


@dataclass
class _Sku:
    kind: RowKind = RowKind.SKU
    label: str = ""  # the SKU, or the `AccountRow` of another kind of row
    orders: set[str] = field(default_factory=set)
    units: int = 0
    gross_sales: Decimal = ZERO
    shipping: Decimal = ZERO
    promotions: Decimal = ZERO
    refunds_signed: Decimal = ZERO
    fees: Decimal = ZERO
    cogs: Decimal = ZERO
    cogs_complete: bool = True
    ad_spend: Decimal = ZERO


def compute_day(
    seller_id: str,
    marketplace_id: str,
    day: date,
    *,
    orders: Iterable[Order],
    transactions: Iterable[FinanceTransactionFact],
    cogs: CogsBook,
    ad_spend: Decimal = ZERO,
    ad_sales: Decimal = ZERO,
    sku_ad_spend: Mapping[str, Decimal] | None = None,
) -> tuple[DayRollup, list[SkuRollup]]:
    """The rollups of one marketplace's local day from its orders and finance transactions;
    `sku_ad_spend` is the day's ad spend per advertised SKU, where known.

    The inputs may hold more than the day (they are filtered here by marketplace, local day and
    currency), so the arithmetic does not depend on how a store cut its queries.
    """
    tally = _DayTally(seller_id, marketplace_id, day, MARKETPLACES[marketplace_id].currency, cogs)
    for order in orders:
        tally.add_order(order)
    for tx in transactions:
        tally.add_transaction(tx)
    if tally.excluded:
        logger.warning(
            "facts in another currency left out of a rollup",
            extra={"marketplace_id": marketplace_id, "day": day.isoformat(), "excluded": tally.excluded},
        )
    tally.add_ad_spend(ad_spend, sku_ad_spend or {})
    return tally.day_rollup(ad_spend=ad_spend, ad_sales=ad_sales), tally.sku_rollups()


def _parts_of(tx: FinanceTransactionFact) -> Iterator[tuple[str | None, str, Decimal]]:
    """Each amount of the transaction with the SKU it belongs to (`sku_amounts`; a fact stored
    before those existed gives all to its one SKU), or None: the account's."""
    if tx.sku_amounts:
        yield from tx.sku_amounts
    else:
        for kind, amount in tx.amounts:
            yield tx.sku, kind, amount


@dataclass
class _DayTally:
    """The running sums of one marketplace day while its orders and transactions are read."""

    seller_id: str
    marketplace_id: str
    day: date
    currency: str
    cogs_book: CogsBook
    skus: dict[str, _Sku] = field(default_factory=dict)
    orders: int = 0
    units: int = 0
    gross_sales: Decimal = ZERO
    shipping: Decimal = ZERO
    promotions: Decimal = ZERO
    refunds_signed: Decimal = ZERO
    fees_by_type: dict[str, Decimal] = field(default_factory=dict)
    cogs: Decimal = ZERO
    cogs_complete: bool = True
    excluded: int = 0  # facts in another currency, left out

    def add_order(self, order: Order) -> None:
        if not self._on_this_day(order.seller_id, order.marketplace_id, order.created_time):
            return
        if is_cancelled(order) or not self._in_currency(order.currency):
            return
        self.orders += 1
        for line in order.lines:
            self._add_line(order.order_id, line)

    def add_transaction(self, tx: FinanceTransactionFact) -> None:
        if not self._on_this_day(tx.seller_id, tx.marketplace_id, tx.posted_at):
            return
        if not self._in_currency(tx.currency):
            return
        refund = tx.transaction_type == REFUND
        for kind, amount in tx.amounts:
            if is_fee(kind):
                self.fees_by_type[kind] = self.fees_by_type.get(kind, ZERO) - amount
            elif kind == PRODUCT_CHARGES and refund:
                self.refunds_signed += amount
        for sku, kind, amount in _parts_of(tx):
            if is_fee(kind):
                row = self._row(sku) if sku else self._row(account_row_of_fee(kind), RowKind.ACCOUNT)
                row.fees -= amount
            elif kind == PRODUCT_CHARGES and refund:
                row = self._row(sku) if sku else self._row(AccountRow.NO_SKU_SALES, RowKind.ACCOUNT)
                row.refunds_signed += amount

    def _row(self, sku: str, kind: RowKind = RowKind.SKU) -> _Sku:
        key = sku if kind is RowKind.SKU else f"#{kind.value}#{sku}"
        row = self.skus.get(key)
        if row is None:
            row = self.skus[key] = _Sku(kind=kind, label=sku)
        return row

    def add_ad_spend(self, total: Decimal, by_sku: Mapping[str, Decimal]) -> None:
        """The day's ad spend over the SKUs advertised, the rest on the unattributed ads row."""
        known = sorted((sku, cost) for sku, cost in by_sku.items() if cost > 0)
        attributed = sum((cost for _, cost in known), ZERO)
        if known and attributed > total:
            places = MARKETPLACES[self.marketplace_id].currency_decimals
            shares = split_exactly(total, [cost for _, cost in known], places)
            known = [(sku, share) for (sku, _), share in zip(known, shares, strict=True)]
            attributed = total
        for sku, cost in known:
            self._row(sku).ad_spend += cost
        if total - attributed:
            self._row(AccountRow.UNATTRIBUTED_ADS, RowKind.UNATTRIBUTED_ADS).ad_spend += total - attributed

    def _on_this_day(self, seller_id: str, marketplace_id: str, at: datetime) -> bool:
        if seller_id != self.seller_id or marketplace_id != self.marketplace_id:
            return False
        return local_day(self.marketplace_id, at) == self.day

    def _in_currency(self, currency: str | None) -> bool:
        """An unknown currency is the marketplace's; another is counted as left out."""
        if currency is not None and currency != self.currency:
            self.excluded += 1
            return False
        return True

    def _add_line(self, order_id: str, line: OrderLine) -> None:
        item = line.item_price or ZERO
        ship = line.shipping_price or ZERO
        promo = line.promotion_discount or ZERO
        self.units += line.quantity_ordered
        self.gross_sales += item
        self.shipping += ship
        self.promotions += promo
        unit_cost = (
            self.cogs_book.unit_cost(line.seller_sku, self.day, self.currency) if line.seller_sku else None
        )
        cost_missing = bool(line.quantity_ordered) and unit_cost is None
        if cost_missing:
            self.cogs_complete = False
        line_cogs = (unit_cost or ZERO) * line.quantity_ordered
        self.cogs += line_cogs
        if line.seller_sku:
            s = self._row(line.seller_sku)
        else:
            s = self._row(AccountRow.NO_SKU_SALES, RowKind.ACCOUNT)
        s.orders.add(order_id)
        s.units += line.quantity_ordered
        s.gross_sales += item
        s.shipping += ship
        s.promotions += promo
        s.cogs += line_cogs
        if cost_missing:
            s.cogs_complete = False

    def day_rollup(self, *, ad_spend: Decimal, ad_sales: Decimal) -> DayRollup:
        return DayRollup(
            seller_id=self.seller_id,
            marketplace_id=self.marketplace_id,
            day=self.day,
            currency=self.currency,
            orders=self.orders,
            units=self.units,
            gross_sales=self.gross_sales,
            shipping=self.shipping,
            promotions=self.promotions,
            refunds=abs(self.refunds_signed),
            amazon_fees=sum(self.fees_by_type.values(), ZERO),
            fees_by_type=dict(sorted(self.fees_by_type.items())),
            ad_spend=ad_spend,
            ad_sales=ad_sales,
            cogs=self.cogs,
            cogs_complete=self.cogs_complete,
            excluded_other_currency=self.excluded,
        )

    def sku_rollups(self) -> list[SkuRollup]:
        return [
            SkuRollup(
                seller_id=self.seller_id,
                marketplace_id=self.marketplace_id,
                day=self.day,
                sku=s.label,
                kind=s.kind,
                currency=self.currency,
                orders=len(s.orders),
                units=s.units,
                gross_sales=s.gross_sales,
                shipping=s.shipping,
                promotions=s.promotions,
                refunds=-s.refunds_signed,
                fees=s.fees,
                cogs=s.cogs,
                cogs_complete=s.cogs_complete,
                ad_spend=s.ad_spend,
            )
            for _, s in sorted(self.skus.items())
        ]


# --- the recompute: data access through these ports --------------------------------------------------
class DirtyMarker(Protocol):
    @property
    def marketplace_id(self) -> str: ...

    @property
    def day(self) -> date: ...


MarkerT = TypeVar("MarkerT", bound=DirtyMarker)


class DirtyDaysPort(Protocol[MarkerT]):
    def pending(self, seller_id: str) -> Sequence[MarkerT]: ...

    def clear(self, marker: MarkerT) -> bool: ...


class FactsPort(Protocol):
    def orders_purchased(
        self, seller_id: str, marketplace_id: str, start: datetime, end: datetime
    ) -> list[Order]: ...

    def finance_transactions(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        marketplace_id: str | None = None,
        transaction_type: str | None = None,
    ) -> list[FinanceTransactionFact]: ...


class CogsPort(Protocol):
    def all_for_seller(self, seller_id: str) -> list[CogsEntry]: ...


class RollupsPort(Protocol):
    def replace_day(self, rollup: DayRollup, skus: Sequence[SkuRollup]) -> None: ...

    def replace_days(self, days: Sequence[tuple[DayRollup, Sequence[SkuRollup]]]) -> None:
        """`replace_day` of each, in as few requests as the store can."""
        ...


class AdSpendReader(Protocol):
    """The seam for advertising data: a day's (ad spend, ad-attributed sales 14d) of one
    marketplace, in its currency (`sellerflow.store.ads.StoredAdTotals`)."""

    def ad_totals(self, seller_id: str, marketplace_id: str, day: date) -> tuple[Decimal, Decimal]: ...


class SkuAdSpendReader(Protocol):
    """The seam for the advertised-product data: a day's ad spend per advertised SKU of one
    marketplace, in its currency (only the SKUs known; the rest of the day's spend is unattributed)."""

    def sku_ad_spend(self, seller_id: str, marketplace_id: str, day: date) -> Mapping[str, Decimal]: ...


class NoSkuAdSpend:
    """No advertised-product data: a day's whole ad spend is unattributed."""

    def sku_ad_spend(
        self,
        seller_id: str,  # noqa: ARG002 - SkuAdSpendReader: no SKU is known
        marketplace_id: str,  # noqa: ARG002
        day: date,  # noqa: ARG002
    ) -> Mapping[str, Decimal]:
        return {}


class NoAdSpend:
    """No advertising data: every day's ad spend and ad sales are 0."""

    def ad_totals(
        self,
        seller_id: str,  # noqa: ARG002 - AdSpendReader: every day is zero
        marketplace_id: str,  # noqa: ARG002
        day: date,  # noqa: ARG002
    ) -> tuple[Decimal, Decimal]:
        return ZERO, ZERO


def recompute_day(
    seller_id: str,
    marketplace_id: str,
    day: date,
    *,
    facts: FactsPort,
    cogs: CogsBook,
    rollups: RollupsPort,
    ad_spend: AdSpendReader,
    sku_ad_spend: SkuAdSpendReader | None = None,
) -> tuple[DayRollup, list[SkuRollup]]:
    """One day on its own: computed, then written (`replace_day`)."""
    computed = _compute_marker_day(
        seller_id, marketplace_id, day, facts=facts, cogs=cogs, ad_spend=ad_spend, sku_ad_spend=sku_ad_spend
    )
    rollups.replace_day(*computed)
    return computed


def _compute_marker_day(
    seller_id: str,
    marketplace_id: str,
    day: date,
    *,
    facts: FactsPort,
    cogs: CogsBook,
    ad_spend: AdSpendReader,
    sku_ad_spend: SkuAdSpendReader | None,
) -> tuple[DayRollup, list[SkuRollup]]:
    start, end = utc_span(marketplace_id, day)
    spend, ad_sales = ad_spend.ad_totals(seller_id, marketplace_id, day)
    by_sku = (sku_ad_spend or NoSkuAdSpend()).sku_ad_spend(seller_id, marketplace_id, day)
    return compute_day(
        seller_id,
        marketplace_id,
        day,
        orders=facts.orders_purchased(seller_id, marketplace_id, start, end),
        transactions=facts.finance_transactions(seller_id, start, end, marketplace_id=marketplace_id),
        cogs=cogs,
        ad_spend=spend,
        ad_sales=ad_sales,
        sku_ad_spend=by_sku,
    )


# Left when a run's time is nearly out: enough for the group being written and the trailing windows.
TIME_RESERVE_MS = 60_000


def recompute_dirty_days(
    seller_id: str,
    *,
    dirty: DirtyDaysPort[MarkerT],
    facts: FactsPort,
    cogs: CogsPort,
    rollups: RollupsPort,
    ad_spend: AdSpendReader | None = None,
    sku_ad_spend: SkuAdSpendReader | None = None,
    time_left_ms: Callable[[], int] | None = None,
) -> RollupResult:
    """Recompute every dirty (marketplace, local day) of one seller, then clear its marker.

    The days are taken a group at a time (a marketplace's days of one `PREFETCH_DAYS` chunk, the
    newest first): the group's facts are read with one query per kind, its days computed in memory
    and written together (`replace_days`: one read of the stored SKU keys, batched writes), and
    only then are its markers cleared. A marker re-written while its day was being computed keeps
    its new mark, so `clear` fails and the day is recomputed on the next run: a fact written
    meanwhile is never lost. With `time_left_ms` (the Lambda context's), no group is started with
    less than `TIME_RESERVE_MS` left: its markers stay for the next run (`markers_left`).
    """
    book = CogsBook(cogs.all_for_seller(seller_id))
    reader = ad_spend or NoAdSpend()
    days = skus = kept = left = 0
    groups: dict[tuple[str, int], list[MarkerT]] = {}
    for marker in dirty.pending(seller_id):
        if marker.marketplace_id not in MARKETPLACES:
            logger.warning(
                "dirty day of an unknown marketplace dropped", extra={"marketplace_id": marker.marketplace_id}
            )
            dirty.clear(marker)
            continue
        groups.setdefault((marker.marketplace_id, _chunk_of(marker.day)), []).append(marker)
    for (marketplace_id, _chunk), markers in sorted(groups.items(), key=lambda g: (-g[0][1], g[0][0])):
        if time_left_ms is not None and time_left_ms() < TIME_RESERVE_MS:
            left += len(markers)
            continue
        source = _prefetched(seller_id, marketplace_id, [m.day for m in markers], facts)
        computed = [
            _compute_marker_day(
                seller_id,
                marketplace_id,
                m.day,
                facts=source,
                cogs=book,
                ad_spend=reader,
                sku_ad_spend=sku_ad_spend,
            )
            for m in markers
        ]
        rollups.replace_days(computed)
        days += len(computed)
        skus += sum(len(sku_rows) for _, sku_rows in computed)
        kept += sum(1 for m in markers if not dirty.clear(m))
    if left:
        logger.warning("rollups left for the next run: time nearly out", extra={"markers_left": left})
    return RollupResult(days=days, skus=skus, markers_kept=kept, markers_left=left)


# --- reading facts a month at a time ---------------------------------------------------------------
PREFETCH_DAYS = 31


def _chunk_of(day: date) -> int:
    return day.toordinal() // PREFETCH_DAYS


class _PrefetchedFacts:
    """The facts of one marketplace over a span of days, read with one query each and then sliced
    per day in memory: a backfill dirties dozens of days, and a query per day per fact kind costs
    more round trips than data."""

    def __init__(
        self, facts: FactsPort, seller_id: str, marketplace_id: str, start: datetime, end: datetime
    ) -> None:
        self._orders = facts.orders_purchased(seller_id, marketplace_id, start, end)
        self._transactions = facts.finance_transactions(seller_id, start, end, marketplace_id=marketplace_id)

    def orders_purchased(
        self,
        seller_id: str,  # noqa: ARG002 - FactsPort: prefetched for one seller and marketplace
        marketplace_id: str,  # noqa: ARG002
        start: datetime,
        end: datetime,
    ) -> list[Order]:
        return [o for o in self._orders if start <= o.created_time < end]

    def finance_transactions(
        self,
        seller_id: str,  # noqa: ARG002 - FactsPort: prefetched for one seller and marketplace
        posted_from: datetime,
        posted_to: datetime,
        *,
        marketplace_id: str | None = None,  # noqa: ARG002
        transaction_type: str | None = None,
    ) -> list[FinanceTransactionFact]:
        return [
            t
            for t in self._transactions
            if posted_from <= t.posted_at < posted_to
            and (transaction_type is None or t.transaction_type == transaction_type)
        ]


def _prefetched(seller_id: str, marketplace_id: str, days: Sequence[date], facts: FactsPort) -> FactsPort:
    """The facts of `days` (one marketplace, one chunk) read at once; one day: the store itself."""
    if len(days) < 2:
        return facts  # one day: the per-day queries are as cheap
    start, _ = utc_span(marketplace_id, min(days))
    _, end = utc_span(marketplace_id, max(days))
    return _PrefetchedFacts(facts, seller_id, marketplace_id, start, end)
