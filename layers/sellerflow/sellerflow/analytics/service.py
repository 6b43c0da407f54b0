"""What the API asks of the analytics: dashboard, daily series, SKU table, inventory health, money
views and COGS. Plain typed Python over injected stores (ports), so a test can hand it fakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sellerflow.analytics.fx import FxRateReader, HomeTotals, RateBook, home_sku_rows, home_totals
from sellerflow.analytics.inventory import (
    VELOCITY_WINDOW_DAYS,
    InventoryHealth,
    RestockPolicy,
    inventory_health,
    restock_status,
)
from sellerflow.analytics.kpis import (
    SkuTotals,
    Totals,
    changes,
    ordered_sku_rows,
    sku_table,
    totals_by_currency,
)
from sellerflow.analytics.model import DayRollup, SkuRollup
from sellerflow.analytics.order_profit import OrderEconomics, order_economics
from sellerflow.analytics.ranges import DayRange, RangeName, resolve
from sellerflow.analytics.reorder import (
    DEFAULT_CYCLE_DAYS,
    ReorderPlan,
    RestockSettings,
    reorder_plan,
    urgency_key,
)
from sellerflow.analytics.rollups import CogsBook
from sellerflow.analytics.sku_windows import plan_window
from sellerflow.calendar import days_between, local_today
from sellerflow.domain import Order
from sellerflow.errors import InvalidInput, SettlementNotFound
from sellerflow.facts import (
    CogsEntry,
    FinanceTransactionFact,
    InventoryFact,
    SettlementLineFact,
    SettlementSummary,
)
from sellerflow.marketplaces import MARKETPLACES

COGS_HISTORY_DAYS = 548  # COGS may reach back as far as the data is kept
ORDER_FEES_DAYS = 14  # an order's fees and refunds are looked for this long after its purchase


class SkuWindowReader(Protocol):
    """Stored trailing SKU windows (`sellerflow.analytics.sku_windows`): (last day, rows) or None."""

    def sku_window(
        self, seller_id: str, marketplace_id: str, days: int
    ) -> tuple[date, list[SkuRollup]] | None: ...


class RollupReader(Protocol):
    def days(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[DayRollup]: ...

    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]: ...


@dataclass(frozen=True)
class FinancePageView:
    transactions: list[FinanceTransactionFact]
    last_key: str | None


class FactReader(Protocol):
    def inventory(self, seller_id: str, marketplace_id: str | None = None) -> list[InventoryFact]: ...

    def settlements(self, seller_id: str) -> list[SettlementSummary]: ...

    def settlement(self, seller_id: str, settlement_id: str) -> SettlementSummary | None: ...

    def settlement_lines(
        self, seller_id: str, settlement_id: str, *, after_line: int = 0, limit: int | None = None
    ) -> list[SettlementLineFact]: ...

    def finance_page(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        marketplace_id: str | None = None,
        transaction_type: str | None = None,
        limit: int | None = None,
        after_key: str | None = None,
    ) -> FinancePageLike: ...


class FinancePageLike(Protocol):
    @property
    def transactions(self) -> list[FinanceTransactionFact]: ...

    @property
    def last_key(self) -> str | None: ...


class CogsRepository(Protocol):
    def put(self, entry: CogsEntry, *, now: datetime | None = None) -> None: ...

    def put_all(self, entries: Sequence[CogsEntry], *, now: datetime | None = None) -> None: ...

    def all_for_seller(self, seller_id: str) -> list[CogsEntry]: ...

    def for_sku(self, seller_id: str, sku: str) -> list[CogsEntry]: ...


class DirtyMarking(Protocol):
    def mark(
        self,
        seller_id: str,
        days: Sequence[tuple[str, date]],
        *,
        reason: str = ...,
        now: datetime | None = ...,
    ) -> int: ...


class RestockSettingsStore(Protocol):
    """The seller's lead times and safety stock (default and per SKU)."""

    def restock_settings(self, seller_id: str) -> RestockSettings: ...

    def put_restock_settings(self, seller_id: str, settings: RestockSettings, *, now: datetime) -> None: ...


class MemoryRestockSettings:
    """Settings held in memory (tests, and deployments without a store): the defaults until set."""

    def __init__(self) -> None:
        self._by_seller: dict[str, RestockSettings] = {}

    def restock_settings(self, seller_id: str) -> RestockSettings:
        return self._by_seller.get(seller_id, RestockSettings())

    def put_restock_settings(self, seller_id: str, settings: RestockSettings, *, now: datetime) -> None:  # noqa: ARG002 - the store's signature
        self._by_seller[seller_id] = settings


# --- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarketplaceWindow:
    marketplace_id: str
    current: DayRange
    previous: DayRange


@dataclass(frozen=True)
class CurrencyKpis:
    currency: str
    current: Totals
    previous: Totals
    change: dict[str, Decimal | None]


@dataclass(frozen=True)
class HomeKpis:
    """Every currency's figures in the seller's home currency, converted day by day (`analytics.fx`)."""

    currency: str
    current: HomeTotals
    previous: HomeTotals
    change: dict[str, Decimal | None]


@dataclass(frozen=True)
class Dashboard:
    range: RangeName
    windows: list[MarketplaceWindow]
    currencies: list[CurrencyKpis]
    home: HomeKpis | None = None


@dataclass(frozen=True)
class DailySeries:
    windows: dict[str, DayRange]
    days: list[DayRollup]


@dataclass(frozen=True)
class SkuTable:
    windows: dict[str, DayRange]
    rows: list[SkuTotals]
    home: HomeTotals | None = None  # given: the rows are in its currency, save those of days without a rate


@dataclass(frozen=True)
class InventoryView:
    policy: RestockPolicy
    window: dict[str, DayRange]
    rows: list[InventoryHealth]  # most urgent first (`analytics.reorder.urgency_key`)
    plans: list[ReorderPlan] = field(default_factory=list)  # one per row, in the same order
    cycle_days: int = DEFAULT_CYCLE_DAYS


@dataclass(frozen=True)
class SettlementDetail:
    settlement: SettlementSummary
    lines: list[SettlementLineFact]
    next_line: int | None


@dataclass(frozen=True)
class CogsChange:
    entry: CogsEntry
    dirty_days: int


def cost_day_conflict(entry: CogsEntry, stored: Sequence[CogsEntry]) -> str | None:
    """Why `entry` may not be stored: its SKU has a cost in another currency from the same day (a
    stored cost is keyed by SKU and day, so that cost would be replaced)."""
    for e in stored:
        if e.sku == entry.sku and e.effective_from == entry.effective_from and e.currency != entry.currency:
            return (
                f"{entry.sku} already has a {e.currency} cost from {e.effective_from}; "
                "a SKU has one cost per day: choose another day"
            )
    return None


@dataclass(frozen=True)
class CogsBatchChange:
    entries: tuple[CogsEntry, ...]
    dirty_days: int


@dataclass
class AnalyticsService:
    rollups: RollupReader
    facts: FactReader
    cogs: CogsRepository
    dirty: DirtyMarking
    restock: RestockSettingsStore = field(default_factory=MemoryRestockSettings)
    sku_windows: SkuWindowReader | None = None  # None: every window is read from the day rows
    fx: FxRateReader | None = None  # None: no home-currency total

    # --- date windows -------------------------------------------------------------------------
    @staticmethod
    def marketplaces_in_scope(marketplaces: Sequence[str], only: str | None) -> list[str]:
        known = [m for m in marketplaces if m in MARKETPLACES]
        if only is None:
            return known
        if only not in known:
            raise InvalidInput(
                f"query parameter 'marketplace' must be one of the seller's marketplaces "
                f"({', '.join(known) or 'none'}), got {only[:20]!r}"
            )
        return [only]

    @staticmethod
    def windows(
        marketplaces: Sequence[str],
        name: RangeName,
        now: datetime,
        *,
        first: date | None = None,
        last: date | None = None,
    ) -> dict[str, DayRange]:
        """Each marketplace's own days of a named range ("today" is that marketplace's today)."""
        return {m: resolve(name, local_today(m, now), first=first, last=last) for m in marketplaces}

    # --- dashboard ----------------------------------------------------------------------------
    def dashboard(
        self,
        seller_id: str,
        marketplaces: Sequence[str],
        name: RangeName,
        now: datetime,
        *,
        first: date | None = None,
        last: date | None = None,
        only: str | None = None,
        home: str | None = None,
    ) -> Dashboard:
        """KPI totals per currency for the range and the period of equal length before it, and
        (given a home currency) all of them in it, each day at its reference rate.

        One Query over `RDAY#` covers both periods of every marketplace in scope.
        """
        scope = self.marketplaces_in_scope(marketplaces, only)
        current = self.windows(scope, name, now, first=first, last=last)
        windows = [MarketplaceWindow(m, current[m], current[m].previous()) for m in scope]
        rollups: list[DayRollup] = []
        if windows:
            lower = min(w.previous.first for w in windows)
            upper = max(w.current.last for w in windows)
            rollups = self.rollups.days(seller_id, lower, upper, marketplace_id=only)
        by_window = {w.marketplace_id: w for w in windows}
        cur = [
            r
            for r in rollups
            if r.marketplace_id in by_window and r.day in by_window[r.marketplace_id].current
        ]
        prev = [
            r
            for r in rollups
            if r.marketplace_id in by_window and r.day in by_window[r.marketplace_id].previous
        ]
        cur_totals, prev_totals = totals_by_currency(cur), totals_by_currency(prev)
        currencies = sorted({MARKETPLACES[m].currency for m in scope})
        kpis = []
        for currency in currencies:
            c = cur_totals.get(currency, Totals(currency=currency))
            p = prev_totals.get(currency, Totals(currency=currency))
            kpis.append(CurrencyKpis(currency=currency, current=c, previous=p, change=changes(c, p)))
        in_home = None
        if home is not None and self.fx is not None and windows:
            book = RateBook.read(self.fx, lower, upper)
            hc, hp = home_totals(cur, home, book), home_totals(prev, home, book)
            in_home = HomeKpis(currency=home, current=hc, previous=hp, change=changes(hc.totals, hp.totals))
        return Dashboard(range=name, windows=windows, currencies=kpis, home=in_home)

    # --- daily series and SKU table ------------------------------------------------------------
    def daily(
        self,
        seller_id: str,
        marketplaces: Sequence[str],
        now: datetime,
        *,
        first: date | None = None,
        last: date | None = None,
        only: str | None = None,
    ) -> DailySeries:
        """One rollup per marketplace and day of the range (a day without data is all zeros)."""
        scope = self.marketplaces_in_scope(marketplaces, only)
        windows = self._explicit_or_last30(scope, now, first, last)
        stored = {}
        if windows:
            lower = min(w.first for w in windows.values())
            upper = max(w.last for w in windows.values())
            stored = {
                (r.marketplace_id, r.day): r
                for r in self.rollups.days(seller_id, lower, upper, marketplace_id=only)
            }
        days = [
            stored.get((m, d))
            or DayRollup(seller_id=seller_id, marketplace_id=m, day=d, currency=MARKETPLACES[m].currency)
            for m, window in windows.items()
            for d in days_between(window.first, window.last)
        ]
        days.sort(key=lambda r: (r.day, r.marketplace_id))
        return DailySeries(windows=windows, days=days)

    def sku_table(
        self,
        seller_id: str,
        marketplaces: Sequence[str],
        now: datetime,
        *,
        first: date | None = None,
        last: date | None = None,
        only: str | None = None,
        sort: str = "gross_sales",
        home: str | None = None,
    ) -> SkuTable:
        """The SKU table of the range; given a home currency, every row in it, each day converted at
        its reference rate (`analytics.fx.home_sku_rows`), the parts without a rate in their own."""
        scope = self.marketplaces_in_scope(marketplaces, only)
        windows = self._explicit_or_last30(scope, now, first, last)
        if home is None or self.fx is None or not windows:
            rows = self._sku_rows(seller_id, windows, now, only)
            return SkuTable(windows=windows, rows=sku_table(rows, sort))
        # a day's rate applies to that day's rows: a summary of many days serves the home currency only
        daily = {m for m in windows if MARKETPLACES[m].currency != home}
        rows = self._sku_rows(seller_id, windows, now, only, daily=daily)
        lower = min(w.first for w in windows.values())
        upper = max(w.last for w in windows.values())
        converted = home_sku_rows(rows, home, RateBook.read(self.fx, lower, upper))
        ordered = ordered_sku_rows(converted.converted, sort) + ordered_sku_rows(converted.unconverted, sort)
        return SkuTable(windows=windows, rows=ordered, home=converted.rates)

    def _sku_rows(
        self,
        seller_id: str,
        windows: dict[str, DayRange],
        now: datetime,
        only: str | None,
        *,
        daily: set[str] | frozenset[str] = frozenset(),
    ) -> list[SkuRollup]:
        """The SKU rows of each marketplace's window: from its stored trailing window (and the one
        day it lacks) where one ends where it must, else (and always for the `daily` marketplaces)
        from every row of the window's days."""
        rows: list[SkuRollup] = []
        unsummarized: dict[str, DayRange] = {}
        for m, window in windows.items():
            summarized = None if m in daily else self._summarized_rows(seller_id, m, window, now)
            if summarized is None:
                unsummarized[m] = window
            else:
                rows.extend(summarized)
        if unsummarized:
            lower = min(w.first for w in unsummarized.values())
            upper = max(w.last for w in unsummarized.values())
            rows.extend(
                r
                for r in self.rollups.skus(seller_id, lower, upper, marketplace_id=only)
                if r.marketplace_id in unsummarized and r.day in unsummarized[r.marketplace_id]
            )
        return rows

    def _summarized_rows(
        self, seller_id: str, marketplace_id: str, window: DayRange, now: datetime
    ) -> list[SkuRollup] | None:
        plan = plan_window(window, local_today(marketplace_id, now))
        if plan is None or self.sku_windows is None:
            return None
        stored = self.sku_windows.sku_window(seller_id, marketplace_id, plan.summary_days)
        if stored is None or stored[0] != plan.as_of:
            return None
        rows = list(stored[1])
        for day in plan.extra_days:
            rows.extend(self.rollups.skus(seller_id, day, day, marketplace_id=marketplace_id))
        return rows

    def _explicit_or_last30(
        self, scope: Sequence[str], now: datetime, first: date | None, last: date | None
    ) -> dict[str, DayRange]:
        if first is None and last is None:
            return self.windows(scope, RangeName.LAST30, now)
        if first is None or last is None:
            raise InvalidInput("query parameters 'from' and 'to' go together: give both or neither")
        return self.windows(scope, RangeName.CUSTOM, now, first=first, last=last)

    # --- inventory ----------------------------------------------------------------------------
    def inventory(
        self, seller_id: str, marketplaces: Sequence[str], now: datetime, *, only: str | None = None
    ) -> InventoryView:
        """Stock per SKU with velocity over the last 30 complete local days (yesterday back)."""
        scope = self.marketplaces_in_scope(marketplaces, only)
        windows = {
            m: DayRange(
                local_today(m, now) - timedelta(days=VELOCITY_WINDOW_DAYS),
                local_today(m, now) - timedelta(days=1),
            )
            for m in scope
        }
        items = [i for i in self.facts.inventory(seller_id, only) if i.marketplace_id in windows]
        stocked = {i.marketplace_id for i in items}
        sales = self._sku_rows(seller_id, {m: w for m, w in windows.items() if m in stocked}, now, only)
        settings = self.restock.restock_settings(seller_id)
        default = settings.default
        policy = RestockPolicy(lead_time_days=default.lead_time_days, safety_days=default.safety_days)
        planned = []
        for row in inventory_health(items, sales, policy=policy):
            times = settings.for_sku(row.sku)
            if row.sku in settings.skus:  # the SKU's own lead times decide its status too
                own = RestockPolicy(lead_time_days=times.lead_time_days, safety_days=times.safety_days)
                row = replace(row, status=restock_status(row.fulfillable, row.days_of_cover, own))
            plan = reorder_plan(
                sellable=row.fulfillable, inbound=row.inbound, velocity=row.velocity, times=times,
                cycle_days=settings.cycle_days, today=local_today(row.marketplace_id, now),
                own=row.sku in settings.skus,
            )  # fmt: skip
            planned.append((urgency_key(plan, row.velocity, row.sku), row, plan))
        planned.sort(key=lambda x: (x[0], x[1].marketplace_id))
        return InventoryView(
            policy=policy, window=windows, rows=[r for _, r, _ in planned], plans=[p for _, _, p in planned],
            cycle_days=settings.cycle_days,
        )  # fmt: skip

    # --- orders -------------------------------------------------------------------------------
    def order_economics(
        self, seller_id: str, orders: Sequence[Order], now: datetime
    ) -> dict[str, OrderEconomics]:
        """Each order's units, sales, fees, refunds, COGS and profit (`analytics.order_profit`), from
        the finance transactions posted from the oldest order's purchase to `ORDER_FEES_DAYS` after
        the newest (one read for a page of orders)."""
        if not orders:
            return {}
        start = min(o.created_time for o in orders)
        end = min(max(o.created_time for o in orders) + timedelta(days=ORDER_FEES_DAYS), now)
        wanted = {o.order_id for o in orders}
        naming: dict[str, list[FinanceTransactionFact]] = {}
        if start < end:
            for tx in self.facts.finance_page(seller_id, start, end).transactions:
                if tx.order_id in wanted:
                    naming.setdefault(tx.order_id, []).append(tx)
        book = CogsBook(self.cogs.all_for_seller(seller_id))
        return {o.order_id: order_economics(o, naming.get(o.order_id, ()), book) for o in orders}

    def restock_settings(self, seller_id: str) -> RestockSettings:
        return self.restock.restock_settings(seller_id)

    def put_restock_settings(
        self, seller_id: str, settings: RestockSettings, *, now: datetime
    ) -> RestockSettings:
        self.restock.put_restock_settings(seller_id, settings, now=now)
        return self.restock.restock_settings(seller_id)

    # --- money --------------------------------------------------------------------------------
    def settlements(self, seller_id: str) -> list[SettlementSummary]:
        return sorted(
            self.facts.settlements(seller_id), key=lambda s: (s.start, s.settlement_id), reverse=True
        )

    def settlement(
        self, seller_id: str, settlement_id: str, *, after_line: int, limit: int
    ) -> SettlementDetail:
        summary = self.facts.settlement(seller_id, settlement_id)
        if summary is None:
            raise SettlementNotFound(f"settlement {settlement_id[:64]!r} not found")
        lines = self.facts.settlement_lines(seller_id, settlement_id, after_line=after_line, limit=limit + 1)
        more = len(lines) > limit
        lines = lines[:limit]
        return SettlementDetail(
            settlement=summary, lines=lines, next_line=lines[-1].line if more and lines else None
        )

    def transactions(
        self,
        seller_id: str,
        posted_from: datetime,
        posted_to: datetime,
        *,
        transaction_type: str | None,
        marketplace_id: str | None,
        limit: int,
        after_key: str | None,
    ) -> FinancePageView:
        page = self.facts.finance_page(
            seller_id,
            posted_from,
            posted_to,
            marketplace_id=marketplace_id,
            transaction_type=transaction_type,
            limit=limit,
            after_key=after_key,
        )
        return FinancePageView(transactions=page.transactions, last_key=page.last_key)

    # --- COGS ---------------------------------------------------------------------------------
    def cogs_entries(self, seller_id: str) -> list[CogsEntry]:
        return sorted(self.cogs.all_for_seller(seller_id), key=lambda e: (e.sku, e.effective_from))

    def put_cogs(self, entry: CogsEntry, marketplaces: Sequence[str], now: datetime) -> CogsChange:
        """Store a unit cost and mark dirty every day it changes: in each marketplace of its
        currency, from effective_from up to the marketplace's today or the next entry's day."""
        known = self.cogs.for_sku(entry.seller_id, entry.sku)
        refused = cost_day_conflict(entry, known)
        if refused:
            raise InvalidInput(refused)
        days = self._cogs_days(entry, marketplaces, now, known)
        self.cogs.put(entry, now=now)
        marked = self.dirty.mark(entry.seller_id, days, reason="cogs", now=now) if days else 0
        return CogsChange(entry=entry, dirty_days=marked)

    def put_cogs_batch(
        self, seller_id: str, entries: Sequence[CogsEntry], marketplaces: Sequence[str], now: datetime
    ) -> CogsBatchChange:
        """Store several unit costs at once, all or none (one transaction), and mark the days they
        change; an entry's days end where the next entry of its SKU, stored or in the batch, begins."""
        if any(e.seller_id != seller_id for e in entries):
            raise ValueError("every unit cost of a batch belongs to the seller it is stored for")
        stored = self.cogs.all_for_seller(seller_id)
        refused = next((why for e in entries if (why := cost_day_conflict(e, stored))), None)
        if refused:
            raise InvalidInput(refused)
        known = [*stored, *entries]
        days = {d for e in entries for d in self._cogs_days(e, marketplaces, now, known)}
        if entries:
            self.cogs.put_all(entries, now=now)
        marked = self.dirty.mark(seller_id, sorted(days), reason="cogs", now=now) if days else 0
        return CogsBatchChange(entries=tuple(entries), dirty_days=marked)

    @staticmethod
    def _cogs_days(
        entry: CogsEntry, marketplaces: Sequence[str], now: datetime, known: Sequence[CogsEntry]
    ) -> list[tuple[str, date]]:
        """The (marketplace, day) pairs whose COGS `entry` changes, given the SKU's `known` entries."""
        scope = [m for m in marketplaces if m in MARKETPLACES and MARKETPLACES[m].currency == entry.currency]
        if not scope:
            raise InvalidInput(
                f"field 'currency' ({entry.currency}) is not the currency of any of the seller's marketplaces"
            )
        later = sorted(
            e.effective_from
            for e in known
            if e.sku == entry.sku and e.currency == entry.currency and e.effective_from > entry.effective_from
        )
        days: list[tuple[str, date]] = []
        for m in scope:
            today = local_today(m, now)
            first = max(entry.effective_from, today - timedelta(days=COGS_HISTORY_DAYS))
            last = min(today, later[0] - timedelta(days=1)) if later else today
            days.extend((m, d) for d in days_between(first, last))
        return days
