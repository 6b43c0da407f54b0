"""The API under load, against the local stack: DynamoDB requests per call for a short and a long
history, then many concurrent users over the dashboard, analytics, orders and inventory routes.

Two sellers are written straight into the stack's tables (the sync is not what is measured): one
with `SHORT_DAYS` of history, one with `LONG_DAYS`, identical otherwise (two marketplaces, SKU rows,
orders, inventory), and the rollup job's trailing SKU windows built for both. `requests_per_call`
counts each route's DynamoDB requests for both sellers; `load` runs `users` threads, each with its
own HTTP connection, until `total` requests are answered, and keeps every latency and status.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

SHORT_DAYS, LONG_DAYS = 90, 365
SHORT_SELLER, LONG_SELLER = "A1LOADSHORTHIST", "A1LOADLONGHISTO"
MARKETPLACES = ("ATVPDKIKX0DER", "A1PA6795UKMFR9")  # US, DE
SKUS_PER_DAY = 8
ORDERS_PER_DAY = 3  # the last RECENT_DAYS; one a day before (the orders route reads a month)
RECENT_DAYS = 60
INVENTORY_SKUS = 40


def routes(seller_id: str, today: str, month_ago: str) -> dict[str, str]:
    """The routes of the dashboard's screens, as the web app calls them."""
    base = f"/sellers/{seller_id}"
    return {
        "dashboard": f"{base}/dashboard?range=last30",
        "daily": f"{base}/analytics/daily?from={month_ago}&to={today}",
        "skus": f"{base}/analytics/skus",
        "inventory": f"{base}/inventory",
        "orders": f"{base}/orders?from={month_ago}&to={today}&limit=50",
    }


def seed_seller(seller_id: str, days: int, member_sub: str, now: datetime) -> int:
    """`days` of history for two marketplaces, written as the sync and the rollup job would store it."""
    from sellerflow.analytics.model import DayRollup, SkuRollup
    from sellerflow.analytics.sku_windows import refresh_sku_windows
    from sellerflow.calendar import local_day, local_today
    from sellerflow.domain import Order, OrderLine, Role
    from sellerflow.facts import InventoryFact
    from sellerflow.marketplaces import MARKETPLACES as KNOWN
    from sellerflow.store.facts import FactStore
    from sellerflow.store.facts_rollups import SKUS, RollupStore, SkuRollupRecord
    from sellerflow.store.orders import OrderStore
    from sellerflow.store.sellers import SellerStore

    rng = random.Random(seller_id)
    sellers = SellerStore()
    sellers.put_profile(seller_id, name=f"Load {days}d", marketplace_ids=list(MARKETPLACES))
    sellers.add_member(seller_id, member_sub, Role.OWNER)
    skus = [f"LOAD-{i:04d}" for i in range(60)]
    day_rollups, sku_rows, orders, written = [], [], [], 0
    expires_at = int((now + timedelta(days=540)).timestamp())
    for m in MARKETPLACES:
        currency = KNOWN[m].currency
        today = local_today(m, now)
        for back in range(days):
            day = today - timedelta(days=back)
            day_rollups.append(
                DayRollup(
                    seller_id=seller_id,
                    marketplace_id=m,
                    day=day,
                    currency=currency,
                    orders=ORDERS_PER_DAY,
                    units=SKUS_PER_DAY,
                    gross_sales=Decimal("400.00"),
                    amazon_fees=Decimal("60.00"),
                )
            )
            for sku in rng.sample(skus, k=SKUS_PER_DAY):
                sku_rows.append(
                    SkuRollup(
                        seller_id=seller_id,
                        marketplace_id=m,
                        day=day,
                        sku=sku,
                        currency=currency,
                        orders=1,
                        units=rng.randint(1, 4),
                        gross_sales=Decimal(rng.randint(900, 4000)) / 100,
                        fees=Decimal(rng.randint(100, 600)) / 100,
                    )
                )
            for n in range(ORDERS_PER_DAY if back < RECENT_DAYS else 1):
                at = now - timedelta(days=back, hours=n + 1)
                order_id = (
                    f"{100 + back % 900:03d}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
                )
                orders.append(
                    Order(
                        seller_id=seller_id,
                        order_id=order_id,
                        marketplace_id=m,
                        created_time=at,
                        last_updated_time=at,
                        local_date=local_day(m, at),
                        status="SHIPPED",
                        currency=currency,
                        lines=(
                            OrderLine(
                                order_item_id=f"{order_id}-1",
                                seller_sku=rng.choice(skus),
                                quantity_ordered=1,
                                item_price=Decimal("24.99"),
                            ),
                        ),
                    )
                )
    RollupStore().put_days(day_rollups, now=now)
    with SkuRollupRecord.batch_write() as batch:
        for row in sku_rows:
            batch.save(SKUS.to_record(row, computed_at=now, expires_at=expires_at))
    written += OrderStore().upsert(orders, now=now)
    FactStore().write(
        [
            InventoryFact(
                seller_id=seller_id,
                marketplace_id=m,
                sku=sku,
                asin=None,
                fnsku=None,
                condition="NewItem",
                fulfillable=rng.randint(0, 300),
                inbound_working=0,
                inbound_shipped=rng.randint(0, 50),
                inbound_receiving=0,
                reserved=0,
                unfulfillable=0,
                as_of=now,
            )
            for m in MARKETPLACES
            for sku in skus[:INVENTORY_SKUS]
        ]
    )
    refresh_sku_windows(seller_id, MARKETPLACES, store=RollupStore(), now=now)
    return len(day_rollups) + len(sku_rows) + written


def requests_per_call(call: Callable[[str], httpx.Response], paths: dict[str, str]) -> dict[str, int]:
    """Each route's DynamoDB requests (pages included), membership check and audit excluded, in a warm
    process: each route is called once uncounted first, so reads a process or a seller makes once and
    then caches (the ECB rates, the audit chain's head, a member's last-seen mark) do not make the first
    seller counted look dearer than the second."""
    from sellerflow.settings import Settings
    from sellerflow_dev.bench.dashboard_world import count_ddb_requests, excluding_access_and_audit

    settings = Settings()
    counts = {}
    for path in paths.values():
        call(path).raise_for_status()
    for name, path in paths.items():
        with count_ddb_requests() as calls:
            response = call(path)
        response.raise_for_status()
        counts[name] = len(
            excluding_access_and_audit(
                calls, sellers_table=settings.sellers_table, audit_table=settings.audit_table
            )
        )
    return counts


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400) + len(self.errors)


def load(base_url: str, token: str, paths: list[str], *, users: int, total: int, seed: int = 1) -> LoadResult:
    """`users` concurrent users, each on its own connection, picking routes at random until `total`
    requests are answered."""
    result = LoadResult()
    lock = threading.Lock()
    remaining = [total]

    def user(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        with httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {token}"}, timeout=120
        ) as client:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                path = rng.choice(paths)
                started = time.perf_counter()
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError as exc:
                    with lock:
                        result.errors.append(type(exc).__name__)
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    result.latencies_ms.append(elapsed)
                    result.statuses[status] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - started
    return result


def run(users: int, total: int) -> dict[str, Any]:
    """Start the local stack, seed both sellers, count requests per call, run the load."""
    from sellerflow_dev.local.stack import LocalStack, LocalStackConfig

    stack = LocalStack(LocalStackConfig(sellers=1, seed=3, log_level="ERROR")).start()
    try:
        stack.connect_demo_sellers()
        assert stack.gateway is not None
        demo = stack.users["demo@sellerflow.local"]
        now = datetime.now(UTC)
        seeded = {
            SHORT_SELLER: seed_seller(SHORT_SELLER, SHORT_DAYS, demo.sub, now),
            LONG_SELLER: seed_seller(LONG_SELLER, LONG_DAYS, demo.sub, now),
        }
        token = stack.id_token(demo.email)
        today = now.date()
        month_ago = (today - timedelta(days=29)).isoformat()
        headers = {"authorization": f"Bearer {token}"}

        def call(path: str) -> httpx.Response:
            return httpx.get(f"{stack.gateway.url}{path}", headers=headers, timeout=60)  # type: ignore[union-attr]

        per_call = {
            seller: requests_per_call(call, routes(seller, today.isoformat(), month_ago))
            for seller in (SHORT_SELLER, LONG_SELLER)
        }
        paths = [
            p
            for seller in (SHORT_SELLER, LONG_SELLER)
            for p in routes(seller, today.isoformat(), month_ago).values()
        ]
        single = load(stack.gateway.url, token, paths, users=1, total=max(50, total // 20))
        loaded = load(stack.gateway.url, token, paths, users=users, total=total)
        return {"seeded": seeded, "per_call": per_call, "single": single, "loaded": loaded}
    finally:
        stack.stop()
