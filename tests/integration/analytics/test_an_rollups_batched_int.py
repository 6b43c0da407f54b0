"""The batched recompute of many dirty days (a backfill's) against the per-day path, in moto."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from an_support import CURRENCY, DE, JP, SELLER, US, Tables, order, rollup_items, transaction, utc

from sellerflow.analytics.rollups import CogsBook, recompute_day, recompute_dirty_days
from sellerflow.facts import AdCampaignDayFact, AdProductDayFact, CogsEntry
from sellerflow.store.ads import AdsStore, StoredAdTotals, StoredSkuAdSpend
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import DayRollupRecord, RollupStore, SkuRollupRecord
from sellerflow_dev.bench.dashboard_world import count_ddb_requests

FIRST = utc(2026, 1, 10, 12)
DAYS = 35  # two or three 31-day chunks per marketplace


def history(seed: int) -> list[object]:
    """Orders of 1-3 SKUs, their shipments (fees split per SKU), refunds, cancellations, and a
    subscription fee naming no SKU, over `DAYS` days of the three marketplaces."""
    rng = random.Random(seed)
    facts: list[object] = []
    for m in (US, DE, JP):
        for back in range(DAYS):
            for n in range(rng.randint(0, 2)):
                at = FIRST + timedelta(days=back, minutes=rng.randint(0, 1439))
                oid = f"O-{m[:3]}-{back}-{n}"
                sku = f"SKU-{rng.randint(1, 6)}"
                price = f"{rng.randint(5, 90)}.{rng.randint(0, 99):02d}"
                status = "CANCELLED" if rng.random() < 0.1 else "SHIPPED"
                facts.append(
                    order(oid, at, marketplace=m, sku=sku, qty=rng.randint(1, 3), price=price, status=status)
                )
                posted = at + timedelta(hours=rng.randint(1, 40))
                fee = f"-{rng.randint(1, 9)}.{rng.randint(0, 99):02d}"
                facts.append(
                    transaction(f"T-{oid}", posted, "Shipment", {"ProductCharges": price, "ReferralFee": fee},
                                marketplace=m, sku=sku)
                )  # fmt: skip
                if rng.random() < 0.15:
                    facts.append(
                        transaction(f"R-{oid}", posted + timedelta(days=3), "Refund",
                                    {"ProductCharges": f"-{price}", "RefundCommission": "-1.00"}, marketplace=m, sku=sku)
                    )  # fmt: skip
            if back % 30 == 0:
                facts.append(
                    transaction(f"S-{m[:3]}-{back}", FIRST + timedelta(days=back), "ServiceFee",
                                {"SubscriptionFee": "-39.99"}, marketplace=m, sku="")
                )  # fmt: skip
    return facts


def ads() -> list[object]:
    out: list[object] = []
    for m in (US, DE):
        for back in range(0, DAYS, 2):
            day = (FIRST + timedelta(days=back)).date()
            out.append(AdCampaignDayFact(SELLER, m, "9", "1", "c", day, CURRENCY[m], 100, 3, Decimal("7.00"),
                                         1, 1, Decimal("12.00"), Decimal("14.00")))  # fmt: skip
            out.append(AdProductDayFact(SELLER, m, "9", "1", "2", "A1", day, CURRENCY[m], "SKU-2", None, 50, 2,
                                        Decimal("4.25"), Decimal("9.00")))  # fmt: skip
    return out


def seed() -> list[tuple[str, date]]:
    FactStore().write(history(11))
    AdsStore().write(ads())  # type: ignore[arg-type]
    CogsStore().put(CogsEntry(SELLER, "SKU-1", date(2026, 1, 1), Decimal("4.20"), "USD"))
    CogsStore().put(CogsEntry(SELLER, "SKU-3", date(2026, 2, 1), Decimal("950"), "JPY"))
    return sorted({(d.marketplace_id, d.day) for d in DirtyDays().pending(SELLER)})


def test_the_batched_recompute_stores_what_the_per_day_path_stores_to_the_cent(tables: Tables) -> None:
    # Given a backfill's worth of dirty days (three marketplaces, three month-chunks each)
    days = seed()
    assert len(days) > 60
    ads_store = AdsStore()
    # When they are recomputed the batched way (the rollup job's)
    with count_ddb_requests() as batched_calls:
        result = recompute_dirty_days(
            SELLER, dirty=DirtyDays(), facts=FactStore(), cogs=CogsStore(), rollups=RollupStore(),
            ad_spend=StoredAdTotals(ads_store), sku_ad_spend=StoredSkuAdSpend(ads_store),
        )  # fmt: skip
    assert (result.days, result.markers_kept, result.markers_left) == (len(days), 0, 0)
    assert DirtyDays().pending(SELLER) == []
    batched = rollup_items()
    # Then every item equals the one the per-day path (its own queries, one day at a time) writes
    for sk in batched:
        model = DayRollupRecord if sk.startswith("RDAY#") else SkuRollupRecord
        model(seller_id=SELLER, sk=sk).delete()
    assert rollup_items() == {}
    book = CogsBook(CogsStore().all_for_seller(SELLER))
    with count_ddb_requests() as per_day_calls:
        for m, d in days:
            recompute_day(SELLER, m, d, facts=FactStore(), cogs=book, rollups=RollupStore(),
                          ad_spend=StoredAdTotals(ads_store), sku_ad_spend=StoredSkuAdSpend(ads_store))  # fmt: skip
    assert rollup_items() == batched
    assert any(v.get("refunds") not in (None, "0", "0.00") for v in batched.values())
    # ... in far fewer requests (a marker's conditional clear is still one each)
    assert len(batched_calls) < len(days) + len(per_day_calls) // 4


def test_a_batched_recompute_deletes_the_stale_sku_rows_of_its_days_only(tables: Tables) -> None:
    store = FactStore()
    sale = utc(2026, 3, 1, 16, 30)
    store.write([order(f"O-{i}", sale + timedelta(days=i), sku=f"SKU-{i}") for i in range(4)])
    store.write([order("O-DE", sale, marketplace=DE, sku="SKU-DE")])
    recompute_dirty_days(SELLER, dirty=DirtyDays(), facts=store, cogs=CogsStore(), rollups=RollupStore())
    before = rollup_items()
    # When the orders of two days are cancelled and those days recomputed together
    for i in (1, 2):
        cancelled = order(f"O-{i}", sale + timedelta(days=i), sku=f"SKU-{i}", status="CANCELLED")
        store.write([cancelled.model_copy(update={"last_updated_time": sale + timedelta(days=5)})])
    recompute_dirty_days(SELLER, dirty=DirtyDays(), facts=store, cogs=CogsStore(), rollups=RollupStore())
    # Then their SKU rows are gone; the other days' and the other marketplace's stay as they were
    after = rollup_items()
    gone = {sk for sk in before if sk not in after}
    assert gone == {f"RSKU#2026-03-0{1 + i}#{US}#SKU-{i}" for i in (1, 2)}
    assert {sk: v for sk, v in after.items() if sk.startswith("RSKU#")} == {
        sk: v for sk, v in before.items() if sk.startswith("RSKU#") and sk not in gone
    }


def test_a_run_short_of_time_does_the_newest_days_and_leaves_the_rest_marked(tables: Tables) -> None:
    store = FactStore()
    newest = datetime(2026, 5, 20, 15, tzinfo=FIRST.tzinfo)
    store.write([order(f"O-{i}", newest - timedelta(days=40 * i)) for i in range(3)])  # three chunks
    clock = iter([300_000, 10_000, 10_000])  # one group started, then too little time left

    result = recompute_dirty_days(
        SELLER, dirty=DirtyDays(), facts=store, cogs=CogsStore(), rollups=RollupStore(),
        time_left_ms=lambda: next(clock),
    )  # fmt: skip
    assert (result.days, result.markers_left) == (1, 2)
    assert [r.day for r in RollupStore().days(SELLER, date(2026, 1, 1), date(2026, 6, 1))] == [
        date(2026, 5, 20)
    ]
    left = {d.day for d in DirtyDays().pending(SELLER)}
    assert left == {(newest - timedelta(days=40 * i)).date() for i in (1, 2)}
    # the next run does them
    assert recompute_dirty_days(SELLER, dirty=DirtyDays(), facts=store, cogs=CogsStore(),
                                rollups=RollupStore()).days == 2  # fmt: skip
    assert DirtyDays().pending(SELLER) == []
