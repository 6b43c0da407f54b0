"""The simulated Amazon: sellers, their catalogues and orders, LWA grants, and a clock.

Everything is generated from `(sellers, seed, now)` with string-seeded `random.Random`
instances, so the same inputs give the same world on every machine and Python run. The world is
the ground truth tests compare a sync against (`SimWorld.orders`); the HTTP server
(`sellerflow_dev.simulator.server`) only ever projects it.

The clock (`SimWorld.now`) moves only when `advance` is called: that places new orders and
status changes at deterministic times between the old and the new `now`.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sellerflow.marketplaces import Marketplace, marketplace
from sellerflow_dev.simulator.ads_api import (
    AdCampaign,
    AdDay,
    AdProfile,
    ad_days,
    campaigns_for,
    profile_for,
    region_of,
)
from sellerflow_dev.simulator.buyers import invent_buyer
from sellerflow_dev.simulator.catalog import (
    FBM_SHIPPING,
    CatalogItem,
    quantize,
    random_alnum,
    seller_catalogue,
    seller_name,
)
from sellerflow_dev.simulator.economics import SimEconomics, economics_rows
from sellerflow_dev.simulator.ledger import (
    SimDayTraffic,
    SimInventory,
    SimListing,
    SimSettlement,
    SimTransaction,
    expected_rollups,
    inventory_for,
    listings_for,
    settlements_for,
    traffic_day,
    transactions_for,
)
from sellerflow_dev.simulator.order_model import INCLUDED_DATA, NEXT_STATUS, SimItem, SimOrder, render_order

US, CA, DE, GB, JP = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A1VC38T7YXB528"
_CORE_MARKETPLACES = (US, DE, JP)
_EXTRA_MARKETPLACES = (GB, CA)
_FIRST_SELLER_MARKETPLACES = _CORE_MARKETPLACES
_MARKETPLACE_POOL = _CORE_MARKETPLACES + _EXTRA_MARKETPLACES
_ORDER_ID_PREFIXES = {
    US: (111, 112, 113, 114),
    CA: (701, 702),
    DE: (302, 303, 304, 306),
    GB: (202, 203, 204, 206),
}
_ORDER_ID_PREFIXES[JP] = (249, 250, 503)
# Relative likelihood of an order being placed in each local hour of the day.
_HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 8, 9, 8, 8, 8, 8, 9, 10, 11, 11, 10, 7, 4)
_SERVICE_LEVELS = ("STANDARD", "STANDARD", "STANDARD", "EXPEDITED", "NEXT_DAY")
HISTORY_DAYS = 30
# Seasonality of order placement (a real shop's shape, cheap: it only moves orders between days):
# the weekday (Monday first; weekends busier) and the month (a Q4 peak: November and December).
_WEEKDAY_WEIGHTS = (0.9, 0.85, 0.85, 0.9, 1.0, 1.25, 1.2)
_MONTH_WEIGHTS = (0.8, 0.75, 0.85, 0.85, 0.9, 0.9, 0.95, 0.95, 0.9, 1.0, 1.6, 1.9)
_PEAK_WEIGHT = max(_WEEKDAY_WEIGHTS) * max(_MONTH_WEIGHTS)


def seasonal_weight(day: date) -> float:
    """How busy a local calendar day is, relative to the busiest (weekly shape x Q4 peak)."""
    return _WEEKDAY_WEIGHTS[day.weekday()] * _MONTH_WEIGHTS[day.month - 1] / _PEAK_WEIGHT


def popularity_weights(size: int) -> list[float]:
    """A catalogue's sales shape: a few best-sellers and a long tail (Zipf, s = 1.1, by position)."""
    return [1 / (rank + 1) ** 1.1 for rank in range(size)]


# Units per order line (`quantityOrdered`), by the SKU's popularity rank. The three best-sellers are
# the everyday consumables a shop lives on: bought in multiples (refill packs, business buyers' case
# quantities), so they sell tens of units a day out of a few orders; the long tail mostly by one.
# Velocity comes from units per line, not from more orders: every order is a searchOrders document
# the demo syncs one by one (docs/dashboard.md, "The demo's world"). Means: ~10, ~7, ~4, 1.4 units.
_LINE_QUANTITIES: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((2, 4, 6, 10, 12, 20, 24), (10, 15, 20, 20, 15, 10, 10)),
    ((1, 2, 4, 6, 10, 12, 20), (10, 15, 20, 20, 15, 10, 10)),
    ((1, 2, 3, 4, 6, 10), (20, 20, 20, 15, 15, 10)),
)
_TAIL_QUANTITIES: tuple[tuple[int, ...], tuple[int, ...]] = ((1, 2, 3, 5), (75, 15, 7, 3))


def line_quantity(rng: random.Random, rank: int) -> int:
    """The quantity of an order line of the catalogue's `rank`-th SKU (0: the best-seller); one draw."""
    values, weights = _LINE_QUANTITIES[rank] if rank < len(_LINE_QUANTITIES) else _TAIL_QUANTITIES
    return rng.choices(values, weights=weights)[0]


# Older orders, only available through the All Orders report (the backfill), go back this far.
BACKFILL_DAYS = 730


@dataclass
class SimSeller:
    """A seller who has authorized the app; `name` is a business name, not personal data."""

    seller_id: str
    name: str
    refresh_token: str
    marketplace_ids: list[str]
    revoked: bool = False
    catalogue: list[CatalogItem] = field(default_factory=list, repr=False)
    promotion_ids: list[str] = field(default_factory=list, repr=False)
    # The seller's separate grants of the advertising scope (Amazon Ads), one per Ads region (NA, EU,
    # FE) it was given in: a grant reaches only its region's host.
    ads_refresh_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ads_regions(self) -> list[str]:
        """The Ads regions of the seller's marketplaces, the first marketplace's first."""
        return list(dict.fromkeys(region_of(m) for m in self.marketplace_ids))

    @property
    def ads_refresh_token(self) -> str:
        """The grant of the seller's first marketplace's region (its home region)."""
        return self.ads_refresh_tokens.get(self.ads_regions[0], "") if self.marketplace_ids else ""


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in parts))


def _hex(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(length * 4):0{length}x}"


class SimWorld:
    """Sellers, orders and grants of one simulated Amazon; safe to share between threads."""

    def __init__(self, *, seed: int, now: datetime, sellers: list[SimSeller], orders: list[SimOrder]) -> None:
        self.seed = seed
        self.now = now
        self.sellers = sellers
        secret_rng = _rng(seed, "app")
        self.client_id = f"amzn1.application-oa2-client.{_hex(secret_rng, 32)}"
        self.client_secret = f"amzn1.oa2-cs.v1.{_hex(secret_rng, 64)}"
        self.lock = threading.RLock()
        self._orders: dict[str, dict[str, SimOrder]] = {seller.seller_id: {} for seller in sellers}
        for order in orders:
            self._orders[order.seller_id][order.order_id] = order
        self._codes: dict[str, str] = {}
        self._code_rng = _rng(seed, "codes")
        self._advances = 0
        self._placed = 0  # orders placed by `place_merchant_order`, outside the advances
        self.origin = now  # the clock when the world was made: the backfill history ends 30 days before it
        self._history: dict[str, list[SimOrder]] = {}
        self._derived: dict[str, _Derived] = {}
        self._advance_listeners: list[Callable[[dict[str, Any]], None]] = []

    # --- generation ---------------------------------------------------------------------------
    @classmethod
    def generate(cls, sellers: int = 3, seed: int = 0, now: datetime | None = None) -> SimWorld:
        """A world of `sellers` sellers with ~60-150 orders each over the 30 days before `now`."""
        if sellers < 1:
            raise ValueError(f"a world needs at least one seller, got {sellers}")
        moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        if now is None:
            moment = moment.replace(second=0)
        ids: set[str] = set()
        all_sellers = [_generate_seller(seed, index) for index in range(sellers)]
        orders = [
            order
            for seller in all_sellers
            for order in _generate_history(_rng(seed, "orders", seller.seller_id), seller, moment, ids)
        ]
        return cls(seed=seed, now=moment, sellers=all_sellers, orders=orders)

    # --- reading ------------------------------------------------------------------------------
    def seller(self, seller_id: str) -> SimSeller:
        for seller in self.sellers:
            if seller.seller_id == seller_id:
                return seller
        raise KeyError(f"unknown seller {seller_id!r}")

    def order_states(self, seller_id: str) -> list[SimOrder]:
        """The seller's orders as simulator state, oldest first (for the API and tests)."""
        with self.lock:
            self.seller(seller_id)
            return sorted(self._orders[seller_id].values(), key=lambda order: (order.created, order.order_id))

    def orders(self, seller_id: str) -> list[dict[str, Any]]:
        """Ground truth: every order of the seller as a full model document, oldest first."""
        with self.lock:
            return [render_order(order, INCLUDED_DATA) for order in self.order_states(seller_id)]

    def order_document(self, seller_id: str, order_id: str, included_data: Iterable[str]) -> dict[str, Any]:
        """The order as the API returns it for `included_data`; KeyError when it is not the seller's."""
        with self.lock:
            self.seller(seller_id)
            order = self._orders[seller_id].get(order_id)
            if order is None:
                raise KeyError(f"seller {seller_id!r} has no order {order_id!r}")
            return render_order(order, included_data)

    # --- ground truth beyond searchOrders ---------------------------------------------------------
    @property
    def history_start(self) -> datetime:
        """The oldest moment the world has data for (orders, money events, traffic)."""
        return self.origin - timedelta(days=BACKFILL_DAYS)

    def history_order_states(self, seller_id: str) -> list[SimOrder]:
        """Orders older than searchOrders' 30 days (up to ~2 years, a few a week), oldest first.

        They are only served through the All Orders report; `order_states`/`orders` leave them out.
        """
        with self.lock:
            seller = self.seller(seller_id)
            if seller_id not in self._history:
                ids = {order_id for orders in self._orders.values() for order_id in orders}
                for older in self._history.values():
                    ids.update(order.order_id for order in older)
                rng = _rng(self.seed, "history", seller_id)
                self._history[seller_id] = _generate_backfill(rng, seller, self.origin, ids)
            return list(self._history[seller_id])

    def all_order_states(self, seller_id: str) -> list[SimOrder]:
        """History and current orders, oldest first (what the All Orders report draws from)."""
        with self.lock:
            return self._derive(seller_id).orders

    def history_orders(self, seller_id: str) -> list[dict[str, Any]]:
        """Ground truth of the backfill-only orders, as full model documents, oldest first."""
        with self.lock:
            return [render_order(order, INCLUDED_DATA) for order in self.history_order_states(seller_id)]

    def all_orders(self, seller_id: str) -> list[dict[str, Any]]:
        """Ground truth of every order, history and current, as full model documents, oldest first."""
        with self.lock:
            return [render_order(order, INCLUDED_DATA) for order in self.all_order_states(seller_id)]

    def listings(self, seller_id: str) -> list[SimListing]:
        """One listing per catalogue SKU per marketplace of the seller (price, quantity, status, ...)."""
        with self.lock:
            return list(self._derive(seller_id).listings)

    def inventory(self, seller_id: str) -> list[SimInventory]:
        """FBA inventory of every FBA (AFN) listing, per marketplace and SKU."""
        with self.lock:
            return list(self._derive(seller_id).inventory)

    def transactions(self, seller_id: str) -> list[SimTransaction]:
        """Every Finances transaction posted up to `now`, oldest first (see `ledger` for the kinds)."""
        with self.lock:
            return list(self._derive(seller_id).transactions)

    def settlements(self, seller_id: str) -> list[SimSettlement]:
        """Closed 14-day settlements per marketplace, oldest first; `total` is the sum of the lines."""
        with self.lock:
            return list(self._derive(seller_id).settlements)

    def traffic(self, seller_id: str, marketplace_id: str, day: date) -> SimDayTraffic | None:
        """Sales and traffic of one marketplace-local day; None outside the world's history or future.

        Units and ordered product sales equal the non-cancelled orders purchased that local day.
        """
        with self.lock:
            derived = self._derive(seller_id)
            market = marketplace(marketplace_id)
            if marketplace_id not in self.seller(seller_id).marketplace_ids:
                return None
            first = self.history_start.astimezone(market.tz).date()
            last = self.now.astimezone(market.tz).date()
            if not first <= day <= last:
                return None
            key = (marketplace_id, day)
            return traffic_day(
                self.seed,
                derived.seller,
                marketplace_id,
                day,
                derived.purchased.get(key, ()),
                derived.refunds.get(key, ()),
                derived.shipped.get(key, ()),
            )

    def expected_daily_rollups(self, seller_id: str) -> dict[tuple[str, str], dict[str, Decimal | int]]:
        """What a correct daily rollup holds, per (marketplace id, marketplace-local date ISO).

        Computed straight from the ground truth (`all_order_states` + `transactions`); days are the
        marketplace's own calendar days, money is in the marketplace's currency (Decimal):

        - ``orders``: count of non-CANCELLED orders purchased that local day (any other status counts);
        - ``units``: sum of ``quantityOrdered`` of those orders' items;
        - ``gross_sales``: sum of their ITEM proceeds (unit price x quantity);
        - ``shipping``: sum of their SHIPPING proceeds;
        - ``promotions``: sum of the absolute DISCOUNT proceeds (a positive number);
        - ``refunds``: |sum of the ProductCharges| of Refund transactions posted that local day;
        - ``amazon_fees``: -(sum of every fee amount of all transactions posted that local day); a fee
          is a breakdown of type RefundCommission or any type ending in "Fee" (ReferralFee,
          FBAFulfillmentFee, SubscriptionFee, ...). Signs are Amazon's: charged fees are negative, a
          refunded ReferralFee is positive, so this is positive on a normal day and can be negative
          on a day that only has refunds;
        - ``estimated_payout``: gross_sales + shipping - promotions - refunds - amazon_fees.

        A day appears when it has at least one such order or one posted transaction; every field is
        present (0 when nothing happened). cogs, ad_spend and profit need seller input: not here.
        """
        with self.lock:
            derived = self._derive(seller_id)
            return expected_rollups(derived.orders, derived.transactions)

    # --- Amazon Ads ground truth (see simulator.ads_api) ---------------------------------------------
    def ad_profiles(self, seller_id: str) -> list[AdProfile]:
        """One advertising profile per marketplace of the seller."""
        seller = self.seller(seller_id)
        return [profile_for(self.seed, seller_id, seller.name, m) for m in seller.marketplace_ids]

    def ad_campaigns(self, seller_id: str, marketplace_id: str) -> list[AdCampaign]:
        seller = self.seller(seller_id)
        skus = [item.sku for item in seller.catalogue]
        return campaigns_for(self.seed, seller_id, marketplace_id, skus)

    def ad_days(self, seller_id: str, marketplace_id: str, first: date, last: date) -> list[AdDay]:
        """Ground truth: every campaign's figures per marketplace-local day in [first, last] (up to today).

        Attributed sales and purchases are shares of the day's ordered sales (`gross_sales`) and
        orders of `expected_daily_rollups`, rounded down: their sum never exceeds the day's total.
        """
        with self.lock:
            if marketplace_id not in self.seller(seller_id).marketplace_ids:
                return []
            today = self.now.astimezone(marketplace(marketplace_id).tz).date()
            totals = self.expected_daily_rollups(seller_id)
            campaigns = self.ad_campaigns(seller_id, marketplace_id)
            rows: list[AdDay] = []
            day = first
            while day <= min(last, today):
                truth = totals.get((marketplace_id, day.isoformat()), {})
                rows.extend(
                    ad_days(
                        self.seed,
                        seller_id,
                        campaigns,
                        day,
                        total_sales=Decimal(truth.get("gross_sales", 0)),
                        orders=int(truth.get("orders", 0)),
                    )
                )
                day += timedelta(days=1)
            return rows

    def expected_ad_rollups(
        self, seller_id: str, first: date, last: date
    ) -> dict[tuple[str, str], dict[str, Decimal | int]]:
        """Per (marketplace id, local date ISO): ad_spend (Σ cost), ad_sales (Σ sales14d), ad_sales_7d,
        impressions, clicks, and total_sales (the day's ordered sales) — for the rollups' and
        metrics' tests."""
        with self.lock:
            totals = self.expected_daily_rollups(seller_id)
            out: dict[tuple[str, str], dict[str, Decimal | int]] = {}
            for marketplace_id in self.seller(seller_id).marketplace_ids:
                for row in self.ad_days(seller_id, marketplace_id, first, last):
                    key = (marketplace_id, row.day.isoformat())
                    values = out.setdefault(
                        key,
                        {
                            "ad_spend": Decimal(0),
                            "ad_sales": Decimal(0),
                            "ad_sales_7d": Decimal(0),
                            "impressions": 0,
                            "clicks": 0,
                            "total_sales": Decimal(totals.get(key, {}).get("gross_sales", 0)),
                        },
                    )
                    values["ad_spend"] += row.cost
                    values["ad_sales"] += row.sales_14d
                    values["ad_sales_7d"] += row.sales_7d
                    values["impressions"] += row.impressions
                    values["clicks"] += row.clicks
            return dict(sorted(out.items()))

    def economics(self, seller_id: str, marketplace_id: str, first: date, last: date) -> list[SimEconomics]:
        """Ground truth of Data Kiosk's economics dataset per MSKU and local day in [first, last]
        (see `simulator.economics`), in no particular order."""
        with self.lock:
            derived = self._derive(seller_id)
            ads = [
                ((marketplace_id, row["advertisedSku"], day.day), Decimal(str(row["cost"])))
                for day in self.ad_days(seller_id, marketplace_id, first, last)
                for row in day.product_rows(["advertisedSku", "cost"])
                if row["advertisedSku"]
            ]
            rows = economics_rows(derived.orders, derived.transactions, ads)
            return [
                value
                for (market, _, day), value in rows.items()
                if market == marketplace_id and first <= day <= last
            ]

    def seller_for_ads_refresh_token(self, refresh_token: str) -> tuple[SimSeller, str] | None:
        """The seller whose advertising grant this refresh token is, and the region it was given in."""
        with self.lock:
            for seller in self.sellers:
                for region, token in seller.ads_refresh_tokens.items():
                    if token == refresh_token and refresh_token and not seller.revoked:
                        return seller, region
            return None

    def _derive(self, seller_id: str) -> _Derived:
        """The seller's derived ground truth, recomputed only when the clock or the orders moved."""
        version = (self.now, self._advances, self._placed)
        cached = self._derived.get(seller_id)
        if cached is not None and cached.version == version:
            return cached
        seller = self.seller(seller_id)
        current = self.order_states(seller_id)
        orders = sorted(
            self.history_order_states(seller_id) + current, key=lambda order: (order.created, order.order_id)
        )
        listings = listings_for(self.seed, seller, self.origin)
        transactions = transactions_for(self.seed, seller, orders, self.history_start, self.now)
        derived = _Derived(
            version=version,
            seller=seller,
            orders=orders,
            listings=listings,
            inventory=inventory_for(self.seed, seller, listings, current, self.now),
            transactions=transactions,
            settlements=settlements_for(self.seed, seller, transactions, self.now),
        )
        for order in orders:
            tz = order.market.tz
            derived.purchased.setdefault(
                (order.marketplace_id, order.created.astimezone(tz).date()), []
            ).append(order)
            if order.status == "SHIPPED" and order.shipped_at is not None:
                key = (order.marketplace_id, order.shipped_at.astimezone(tz).date())
                derived.shipped.setdefault(key, []).append(order)
        for transaction in transactions:
            if transaction.transaction_type == "Refund":
                key = (transaction.marketplace_id, transaction.local_date)
                derived.refunds.setdefault(key, []).append(transaction)
        self._derived[seller_id] = derived
        return derived

    # --- LWA grants ---------------------------------------------------------------------------
    def seller_for_refresh_token(self, refresh_token: str) -> SimSeller | None:
        """The seller a refresh token belongs to, or None when unknown or revoked."""
        with self.lock:
            for seller in self.sellers:
                if seller.refresh_token == refresh_token and not seller.revoked:
                    return seller
            return None

    def mint_authorization_code(self, seller_id: str) -> str:
        """A single-use LWA authorization code for the seller (what the consent redirect carries)."""
        with self.lock:
            self.seller(seller_id)
            code = "AN" + "".join(
                self._code_rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ") for _ in range(18)
            )
            self._codes[code] = seller_id
            return code

    def redeem_authorization_code(self, code: str) -> SimSeller | None:
        """Use up a code; a revoked seller who consents again gets a fresh refresh token."""
        with self.lock:
            seller_id = self._codes.pop(code, None)
            if seller_id is None:
                return None
            seller = self.seller(seller_id)
            if seller.revoked:
                seller.refresh_token = _refresh_token(_rng(self.seed, "reconsent", code))
                seller.revoked = False
            return seller

    def revoke(self, seller_id: str) -> None:
        """The seller removes the app's authorization: their refresh token stops working."""
        with self.lock:
            self.seller(seller_id).revoked = True

    # --- time ---------------------------------------------------------------------------------
    def on_advance(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call `listener` with what changed after every `advance` (the notifications' source)."""
        self._advance_listeners.append(listener)

    def advance(self, minutes: int, not_before: datetime | None = None) -> dict[str, Any]:
        """Move the clock forward; each seller gets new orders and some orders move on.

        The changes happen at deterministic offsets within the `minutes` after the current clock,
        or after `not_before` when that is later: the server passes its request time, so changes
        never land behind a watermark a client has already been handed.

        Returns what changed: ``{"now", "created": {seller_id: [ids]}, "updated": {seller_id: [ids]}}``.
        """
        if minutes < 1:
            raise ValueError(f"minutes must be at least 1, got {minutes}")
        with self.lock:
            self._advances += 1
            start = self.now if not_before is None else max(self.now, not_before.astimezone(UTC))
            start = start.replace(microsecond=0)
            self.now = start + timedelta(minutes=minutes)
            created: dict[str, list[str]] = {}
            updated: dict[str, list[str]] = {}
            ids = {order_id for orders in self._orders.values() for order_id in orders}
            for seller in self.sellers:
                rng = _rng(self.seed, "advance", self._advances, seller.seller_id)
                updated[seller.seller_id] = self._progress_orders(rng, seller, start, minutes)
                created[seller.seller_id] = self._place_orders(rng, seller, start, minutes, ids)
            changes = {"now": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"), "created": created, "updated": updated}
        for listener in self._advance_listeners:
            listener(changes)
        return changes

    def place_merchant_order(self, seller_id: str, at: datetime) -> str:
        """A new unshipped merchant-fulfilled order purchased at `at` (a label for a bench to buy: the
        advances' own orders are Amazon-fulfilled 60 % of the time, and half of the open ones move on
        at each advance, so a seller has often none waiting). Deterministic for the world's seed."""
        with self.lock:
            self._placed += 1
            seller = self.seller(seller_id)
            rng = _rng(self.seed, "merchant-order", self._placed, seller_id)
            ids = {order_id for orders in self._orders.values() for order_id in orders}
            at = at.astimezone(UTC).replace(microsecond=0)
            while True:
                market = marketplace(rng.choice(seller.marketplace_ids))
                order = _generate_order(rng, seller, market, at, at, ids, status="UNSHIPPED")
                if order.fulfilled_by == "MERCHANT":
                    break
            self._orders[seller_id][order.order_id] = order
            return order.order_id

    def _progress_orders(
        self, rng: random.Random, seller: SimSeller, start: datetime, minutes: int
    ) -> list[str]:
        open_orders = [o for o in self.order_states(seller.seller_id) if o.status in NEXT_STATUS]
        if not open_orders:
            return []
        moving = rng.sample(open_orders, k=max(1, (len(open_orders) + 1) // 2))
        for order in moving:
            at = start + timedelta(seconds=rng.randint(1, minutes * 60))
            order.transition(NEXT_STATUS[order.status], at, tracking_number=_tracking_number(rng))
        return sorted(order.order_id for order in moving)

    def _place_orders(
        self, rng: random.Random, seller: SimSeller, start: datetime, minutes: int, ids: set[str]
    ) -> list[str]:
        placed: list[str] = []
        for _ in range(rng.randint(1, 3)):
            created = start + timedelta(seconds=rng.randint(1, minutes * 60))
            market = marketplace(rng.choice(seller.marketplace_ids))
            order = _generate_order(rng, seller, market, created, created, ids, status="PENDING")
            self._orders[seller.seller_id][order.order_id] = order
            placed.append(order.order_id)
        return placed


@dataclass
class _Derived:
    version: tuple[datetime, int, int]
    seller: SimSeller
    orders: list[SimOrder]
    listings: list[SimListing]
    inventory: list[SimInventory]
    transactions: list[SimTransaction]
    settlements: list[SimSettlement]
    purchased: dict[tuple[str, date], list[SimOrder]] = field(default_factory=dict)
    shipped: dict[tuple[str, date], list[SimOrder]] = field(default_factory=dict)
    refunds: dict[tuple[str, date], list[SimTransaction]] = field(default_factory=dict)


# --- generation helpers ---------------------------------------------------------------------------
def _refresh_token(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
    return "Atzr|" + "".join(rng.choice(alphabet) for _ in range(120))


def _generate_seller(seed: int, index: int) -> SimSeller:
    rng = _rng(seed, "seller", index)
    seller_id = "A" + str(rng.randint(1, 3)) + random_alnum(rng, rng.choice((11, 12)))
    if index == 0:
        marketplace_ids = list(_FIRST_SELLER_MARKETPLACES)
    else:
        count = rng.randint(1, 3)
        chosen = set(rng.sample(_CORE_MARKETPLACES, k=count))
        if count < 3 and rng.random() < 0.4:
            chosen.add(rng.choice(_EXTRA_MARKETPLACES))
        marketplace_ids = [m for m in _MARKETPLACE_POOL if m in chosen]
    catalogue = seller_catalogue(rng, rng.randint(10, 18))
    promotions = [f"PROMO-{random_alnum(rng, 4)}-{rng.randint(10, 99)}" for _ in range(rng.randint(2, 4))]
    return SimSeller(
        seller_id=seller_id,
        name=seller_name(rng),
        refresh_token=_refresh_token(rng),
        marketplace_ids=marketplace_ids,
        catalogue=catalogue,
        promotion_ids=promotions,
        ads_refresh_tokens=_ads_grants(seed, index, marketplace_ids),
    )


def _ads_grants(seed: int, index: int, marketplace_ids: list[str]) -> dict[str, str]:
    """One advertising grant per Ads region of the seller's marketplaces (own RNGs: the world is
    unchanged; the home region's token is the one the seller had before regions existed)."""
    regions = list(dict.fromkeys(region_of(m) for m in marketplace_ids))
    return {
        region: _refresh_token(
            _rng(seed, "ads-grant", index) if n == 0 else _rng(seed, "ads-grant", index, region)
        )
        for n, region in enumerate(regions)
    }


def _generate_history(rng: random.Random, seller: SimSeller, now: datetime, ids: set[str]) -> list[SimOrder]:
    """~60-150 orders over the last 30 days, plus a few in the last hours that are still open."""
    weights = [6 if index == 0 else 3 for index in range(len(seller.marketplace_ids))]
    orders: list[SimOrder] = []
    for index in range(rng.randint(60, 150)):
        market = marketplace(rng.choices(seller.marketplace_ids, weights=weights)[0])
        recent = index < 3  # keep some orders young so status changes can be observed
        created = _placement_time(rng, market, now, recent=recent)
        status, updated = _status_at(rng, created, now)
        orders.append(_generate_order(rng, seller, market, created, updated, ids, status=status))
    return orders


def _generate_backfill(
    rng: random.Random, seller: SimSeller, origin: datetime, ids: set[str]
) -> list[SimOrder]:
    """A few orders a week from ~2 years before `origin` up to 30 days before it, all settled."""
    weights = [6 if index == 0 else 3 for index in range(len(seller.marketplace_ids))]
    newest = origin - timedelta(days=HISTORY_DAYS)
    orders: list[SimOrder] = []
    for _ in range(rng.randint(300, 500)):
        market = marketplace(rng.choices(seller.marketplace_ids, weights=weights)[0])
        while True:
            day = newest.astimezone(market.tz).date() - timedelta(
                days=rng.randint(1, BACKFILL_DAYS - HISTORY_DAYS - 1)
            )
            if rng.random() < seasonal_weight(day):
                break
        hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=market.tz)
        created = local.astimezone(UTC)
        if rng.random() < 0.04:
            status, updated = "CANCELLED", created + timedelta(minutes=rng.randint(10, 24 * 60))
        else:
            status, updated = "SHIPPED", created + timedelta(minutes=rng.randint(4 * 60, 48 * 60))
        orders.append(_generate_order(rng, seller, market, created, updated, ids, status=status))
    orders.sort(key=lambda order: (order.created, order.order_id))
    return orders


def _placement_time(rng: random.Random, market: Marketplace, now: datetime, *, recent: bool) -> datetime:
    """A time in the marketplace's local day (busier in the evening), at most `now`."""
    if recent:
        return now - timedelta(seconds=rng.randint(5 * 60, 8 * 3600))
    local_today = now.astimezone(market.tz).date()
    for _ in range(20):
        day = local_today - timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
        if rng.random() >= _WEEKDAY_WEIGHTS[day.weekday()] / max(_WEEKDAY_WEIGHTS):
            continue  # the weekly shape: fewer orders early in the week
        hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=market.tz)
        moment = local.astimezone(UTC)
        if moment <= now - timedelta(minutes=5) and moment >= now - timedelta(days=HISTORY_DAYS):
            return moment
    return now - timedelta(hours=rng.randint(1, 24 * (HISTORY_DAYS - 1)))


def _status_at(rng: random.Random, created: datetime, now: datetime) -> tuple[str, datetime]:
    """A realistic status for an order of this age, and when it last changed."""
    age = now - created

    def after(low: timedelta, high: timedelta) -> datetime:
        ceiling = min(high, age)
        floor = min(low, ceiling)
        return created + timedelta(
            seconds=rng.randint(int(floor.total_seconds()), int(ceiling.total_seconds()))
        )

    if age < timedelta(hours=1):
        return "PENDING", after(timedelta(0), timedelta(minutes=20))
    if rng.random() < 0.04:
        return "CANCELLED", after(timedelta(minutes=10), timedelta(hours=24))
    if age < timedelta(hours=24) and rng.random() < 0.6:
        return "UNSHIPPED", after(timedelta(minutes=30), timedelta(hours=6))
    if age < timedelta(hours=72) and rng.random() < 0.15:
        return "UNSHIPPED", after(timedelta(minutes=30), timedelta(hours=12))
    return "SHIPPED", after(timedelta(hours=4), timedelta(hours=48))


def _order_id(rng: random.Random, market: Marketplace, ids: set[str]) -> str:
    while True:
        prefix = rng.choice(_ORDER_ID_PREFIXES[market.marketplace_id])
        order_id = f"{prefix:03d}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
        if order_id not in ids:
            ids.add(order_id)
            return order_id


def _tracking_number(rng: random.Random) -> str:
    return "1Z" + random_alnum(rng, 16)


def _generate_order(
    rng: random.Random,
    seller: SimSeller,
    market: Marketplace,
    created: datetime,
    updated: datetime,
    ids: set[str],
    *,
    status: str,
) -> SimOrder:
    fulfilled_by = "AMAZON" if rng.random() < 0.6 else "MERCHANT"
    order_id = _order_id(rng, market, ids)
    charges_shipping = fulfilled_by == "MERCHANT" and rng.random() < 0.5
    items = [
        _generate_item(rng, seller, market, order_id, position, charges_shipping and position == 0)
        for position in range(rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0])
    ]
    buyer, recipient = invent_buyer(rng, market.country_code, with_email=fulfilled_by == "MERCHANT")
    order = SimOrder(
        order_id=order_id,
        seller_id=seller.seller_id,
        marketplace_id=market.marketplace_id,
        created=created,
        last_updated=updated,
        status=status,
        fulfilled_by=fulfilled_by,
        service_level=rng.choice(_SERVICE_LEVELS),
        items=items,
        buyer=buyer,
        recipient=recipient,
        programs=["PRIME"] if fulfilled_by == "AMAZON" and rng.random() < 0.5 else [],
    )
    if status == "SHIPPED":
        order.shipped_at = updated
        order.tracking_number = _tracking_number(rng) if fulfilled_by == "MERCHANT" else None
    if status == "CANCELLED":
        order.cancel_reason = rng.choice(("NO_LONGER_NEEDED", "ORDERED_BY_MISTAKE", "FOUND_CHEAPER"))
    return order


def _generate_item(
    rng: random.Random,
    seller: SimSeller,
    market: Marketplace,
    order_id: str,
    position: int,
    with_shipping: bool,
) -> SimItem:
    rank = rng.choices(range(len(seller.catalogue)), weights=popularity_weights(len(seller.catalogue)))[0]
    product = seller.catalogue[rank]
    quantity = line_quantity(rng, rank)
    unit_price = product.price_in(market)
    item = SimItem(
        order_item_id=_order_item_id(order_id, position),
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        shipping=FBM_SHIPPING[market.currency] if with_shipping else Decimal(0),
    )
    if rng.random() < 0.15:
        item.promotion_id = rng.choice(seller.promotion_ids)
        rate = Decimal(rng.choice((10, 15, 20))) / 100
        item.discount = quantize(unit_price * quantity * rate, market.currency_decimals)
    if market.currency == "JPY":
        item.points = int(unit_price * quantity / 100)
    return item


def _order_item_id(order_id: str, position: int) -> str:
    digest = int(hashlib.sha256(f"{order_id}:{position}".encode()).hexdigest(), 16)
    return f"{digest % 10**14:014d}"
