"""The rollup job (ComputeRollups) on a backfilled history: a first sync that brings the overview's
compared days (210 × 3 marketplaces with REPORT_COMPARISON_HISTORY_DAYS=180) dirties hundreds of
marketplace-days at once; the bench seeds `HISTORY_DAYS` (120: seeding moto is the slow part).

Seeds the template's tables in moto (in process) with `SELLERS` sellers of that shape (moto's Query
walks every item of the table, so the other sellers' items count as they do in the demo), then runs
the production recompute (`sellerflow.wiring.rollups.recompute`: the dirty days, then the trailing
SKU windows) for one seller, counting every DynamoDB request PynamoDB makes.

    BENCH rollups_backfill_ddb_requests <n> requests
    BENCH rollups_backfill_days <n> days
    BENCH rollups_backfill_seconds <s> s           (moto in process; CPU-bound, load-dependent)

`python -m sellerflow_dev.bench.rollups_bench --profile` prints the cProfile top instead.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sellerflow_dev.bench.dashboard_world import (
    REGION,
    _repo_root,
    count_ddb_requests,
    offline_aws_environment,
)

MARKETPLACES = {"ATVPDKIKX0DER": "USD", "A1PA6795UKMFR9": "EUR", "A1VC38T7YXB528": "JPY"}
HISTORY_DAYS = (
    120  # a first run with REPORT_COMPARISON_HISTORY_DAYS=180 holds 210; seeding moto is the slow part
)
SELLERS = 1
SKUS = 30


@contextmanager
def bench_tables() -> Iterator[None]:
    """The template's tables in moto, bound, with the environment `wiring` reads its settings from."""
    import boto3
    from moto import mock_aws

    from sellerflow.settings import get_settings
    from sellerflow.store.tables import bind_tables
    from sellerflow_dev.local.provision import create_dynamodb_tables
    from sellerflow_dev.local.template import load_template

    offline_aws_environment()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        tables = create_dynamodb_tables(
            load_template(_repo_root() / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        os.environ["SELLER_DATA_TABLE"] = tables["SellerDataTable"]
        os.environ["SELLERS_TABLE"] = tables["SellersTable"]
        os.environ["AUDIT_TABLE"] = tables["AuditTable"]
        get_settings.cache_clear()
        bind_tables(get_settings())
        yield


def seller_id(n: int) -> str:
    return f"A{n}ROLLUPBENCH"


def seed_seller(seller: str, now: datetime, rng: random.Random) -> int:
    """`HISTORY_DAYS` days of each marketplace: 2-5 orders a day in the last 30, ~1 before; a
    Shipment per order (fees split per SKU), a refund now and then, a campaign and two ads a day."""
    from sellerflow.calendar import local_day
    from sellerflow.domain import Order, OrderLine
    from sellerflow.facts import AdCampaignDayFact, AdProductDayFact, FinanceTransactionFact
    from sellerflow.store.sellers import SellerStore
    from sellerflow.wiring import fact_store
    from sellerflow.wiring.ads import ads_store

    SellerStore().put_profile(seller, name="Bench Seller", marketplace_ids=list(MARKETPLACES))
    facts: list[object] = []
    ads: list[object] = []
    for m, currency in MARKETPLACES.items():
        scale = Decimal(100) if currency == "JPY" else Decimal(1)
        for back in range(HISTORY_DAYS):
            day_start = now - timedelta(days=back)
            for n in range(rng.randint(2, 5) if back < 30 else rng.randint(0, 2)):
                at = (day_start - timedelta(minutes=rng.randint(0, 1439))).replace(microsecond=0)
                order_id = f"{seller[:4]}-{m[:4]}-{back}-{n}"
                lines = []
                for i in range(rng.choice((1, 1, 2))):
                    sku = f"SKU-{rng.randint(1, SKUS):02d}"
                    qty = rng.randint(1, 3)
                    lines.append(
                        OrderLine(
                            order_item_id=f"{order_id}-{i}",
                            seller_sku=sku,
                            quantity_ordered=qty,
                            item_price=Decimal("19.99") * qty * scale,
                            shipping_price=Decimal("1.00") * scale,
                            promotion_discount=Decimal("0.50") * scale if i == 0 else Decimal(0),
                        )
                    )
                facts.append(
                    Order(
                        seller_id=seller,
                        order_id=order_id,
                        marketplace_id=m,
                        created_time=at,
                        last_updated_time=at,
                        local_date=local_day(m, at),
                        status="SHIPPED",
                        currency=currency,
                        lines=tuple(lines),
                    )
                )
                posted = at + timedelta(hours=rng.randint(2, 30))
                sku_amounts = []
                for line in lines:
                    price = line.item_price or Decimal(0)
                    sku_amounts += [
                        (line.seller_sku, "ProductCharges", price),
                        (
                            line.seller_sku,
                            "ReferralFee",
                            -(price * Decimal("0.15")).quantize(Decimal("0.01")),
                        ),
                        (line.seller_sku, "FBAFulfillmentFee", Decimal("-3.22") * scale),
                    ]
                amounts: dict[str, Decimal] = {}
                for _, kind, amount in sku_amounts:
                    amounts[kind] = amounts.get(kind, Decimal(0)) + amount
                for kind, tx_id, sign in (("Shipment", f"T-{order_id}", 1), ("Refund", f"R-{order_id}", -1)):
                    if kind == "Refund" and rng.random() > 0.05:
                        continue
                    facts.append(
                        FinanceTransactionFact(
                            seller_id=seller,
                            transaction_id=tx_id,
                            transaction_type=kind,
                            posted_at=posted,
                            marketplace_id=m,
                            local_date=local_day(m, posted),
                            order_id=order_id,
                            sku=lines[0].seller_sku,
                            quantity=1,
                            total=sign * sum(amounts.values(), Decimal(0)),
                            currency=currency,
                            amounts=tuple((k, sign * a) for k, a in amounts.items()),
                            sku_amounts=tuple((s or "", k, sign * a) for s, k, a in sku_amounts),
                        )
                    )
            day = local_day(m, day_start)
            ads.append(
                AdCampaignDayFact(
                    seller_id=seller,
                    marketplace_id=m,
                    profile_id="P1",
                    campaign_id="C1",
                    campaign_name="Auto",
                    day=day,
                    currency=currency,
                    impressions=900,
                    clicks=12,
                    cost=Decimal("9.60") * scale,
                    purchases_7d=2,
                    purchases_14d=2,
                    sales_7d=Decimal("39.98") * scale,
                    sales_14d=Decimal("39.98") * scale,
                )
            )
            for ad in (1, 2):
                ads.append(
                    AdProductDayFact(
                        seller_id=seller,
                        marketplace_id=m,
                        profile_id="P1",
                        campaign_id="C1",
                        ad_group_id="G1",
                        ad_id=f"AD{ad}",
                        day=day,
                        currency=currency,
                        sku=f"SKU-{ad:02d}",
                        asin=None,
                        impressions=400,
                        clicks=5,
                        cost=Decimal("4.10") * scale,
                        sales_14d=Decimal("19.99") * scale,
                    )
                )
    fact_store().write(facts)
    ads_store().write(ads)  # type: ignore[arg-type]
    return len(facts) + len(ads)


def run(*, profile: bool = False) -> dict[str, float]:
    from sellerflow.store.facts_control import DirtyDays
    from sellerflow.wiring.rollups import recompute

    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(7)
    with bench_tables():
        for n in range(SELLERS):
            seed_seller(seller_id(n), now, rng)
        target = seller_id(0)
        dirty = len(DirtyDays().pending(target))
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        with count_ddb_requests() as calls:
            result = recompute(target)
        elapsed = time.perf_counter() - started
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
        if DirtyDays().pending(target):
            raise RuntimeError("dirty days left after the recompute")
    by_operation = Counter(c.operation for c in calls)
    print(f"# dirty days {dirty}, rolled up {result.days}; requests by operation: {dict(by_operation)}")
    return {"requests": len(calls), "days": result.days, "seconds": round(elapsed, 1)}


def _first_day() -> date:  # pragma: no cover - documentation helper
    return datetime.now(UTC).date() - timedelta(days=HISTORY_DAYS)


if __name__ == "__main__":
    figures = run(profile="--profile" in sys.argv)
    print(f"BENCH rollups_backfill_ddb_requests {figures['requests']} requests")
    print(f"BENCH rollups_backfill_days {figures['days']} days")
    print(f"BENCH rollups_backfill_seconds {figures['seconds']} s")
