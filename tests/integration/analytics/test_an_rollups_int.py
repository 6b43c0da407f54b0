"""Facts → dirty markers → recompute → RDAY/RSKU items, against DynamoDB in moto."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from an_support import DE, JP, SELLER, US, Tables, order, rollup_items, transaction, utc

from sellerflow.analytics.rollups import CogsBook, compute_day, recompute_dirty_days
from sellerflow.calendar import iso_z, utc_span
from sellerflow.facts import (
    CogsEntry,
    InventoryFact,
    ListingFact,
    SettlementLineFact,
    SettlementSummary,
    TrafficByDateFact,
)
from sellerflow.store.facts import FINANCES, FactStore, ListingRecord, StoredFinance, finance_items
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import DayRollupRecord, RollupStore, SkuRollupRecord, day_key

SALE = utc(2026, 3, 1, 16, 30)  # US 08:30 Mar 1, DE 17:30 Mar 1, JP 01:30 Mar 2


def recompute() -> object:
    return recompute_dirty_days(
        SELLER, dirty=DirtyDays(), facts=FactStore(), cogs=CogsStore(), rollups=RollupStore()
    )


def pending() -> set[tuple[str, date]]:
    return {(d.marketplace_id, d.day) for d in DirtyDays().pending(SELLER)}


def seed(store: FactStore) -> None:
    store.write(
        [
            order("O-US-1", SALE, sku="SKU-1", qty=2, price="40.00"),
            order("O-US-2", SALE + timedelta(hours=1), sku="SKU-2", price="15.50"),
            order("O-US-3", SALE, status="CANCELLED", price="999.00"),
            order("O-JP-1", SALE, marketplace=JP, price="1500"),
            order("O-DE-1", SALE, marketplace=DE, price="20.00"),
            transaction(
                "T-1",
                SALE + timedelta(hours=2),
                "Shipment",
                {"ProductCharges": "80.00", "ReferralFee": "-12.00", "FBAFulfillmentFee": "-6.10"},
            ),
            transaction(
                "T-2",
                SALE + timedelta(days=2),
                "Refund",
                {"ProductCharges": "-40.00", "ReferralFee": "6.00", "RefundCommission": "-1.20"},
            ),
        ]
    )


def test_writing_facts_marks_purchase_and_posted_days_dirty(tables: Tables) -> None:
    seed(FactStore())
    assert pending() == {
        (US, date(2026, 3, 1)),
        (JP, date(2026, 3, 2)),
        (DE, date(2026, 3, 1)),
        (US, date(2026, 3, 3)),  # the refund's posted day
    }


def test_recompute_writes_the_rollups_compute_day_defines_and_clears_the_markers(tables: Tables) -> None:
    store = FactStore()
    seed(store)
    CogsStore().put(CogsEntry(SELLER, "SKU-1", date(2026, 1, 1), Decimal("4.20"), "USD"))
    result = recompute()
    assert (result.days, result.markers_kept) == (4, 0)  # type: ignore[attr-defined]
    assert pending() == set()
    stored = {
        (r.marketplace_id, r.day): r for r in RollupStore().days(SELLER, date(2026, 2, 28), date(2026, 3, 5))
    }
    assert set(stored) == {
        (US, date(2026, 3, 1)),
        (JP, date(2026, 3, 2)),
        (DE, date(2026, 3, 1)),
        (US, date(2026, 3, 3)),
    }
    book = CogsBook([CogsEntry(SELLER, "SKU-1", date(2026, 1, 1), Decimal("4.20"), "USD")])
    for (m, d), got in stored.items():
        start, end = utc_span(m, d)
        want, want_skus = compute_day(
            SELLER, m, d, orders=store.orders_purchased(SELLER, m, start, end),
            transactions=store.finance_transactions(SELLER, start, end, marketplace_id=m), cogs=book,
        )  # fmt: skip
        assert got == want
        assert RollupStore().skus(SELLER, d, d, marketplace_id=m) == want_skus
    us = stored[(US, date(2026, 3, 1))]
    assert (us.orders, us.units, us.gross_sales, us.amazon_fees) == (2, 3, Decimal("55.50"), Decimal("18.10"))
    assert (us.cogs, us.cogs_complete) == (Decimal("8.40"), False)
    refund_day = stored[(US, date(2026, 3, 3))]
    assert (refund_day.refunds, refund_day.amazon_fees, refund_day.margin) == (
        Decimal("40.00"),
        Decimal("-4.80"),
        None,
    )
    assert stored[(JP, date(2026, 3, 2))].currency == "JPY"
    item = DayRollupRecord.get(SELLER, day_key(date(2026, 3, 1), US))
    assert item.margin == str(us.margin)
    assert item.net_profit == str(us.net_profit)


def test_recompute_is_idempotent_and_drops_sku_rollups_that_no_longer_exist(tables: Tables) -> None:
    store = FactStore()
    seed(store)
    recompute()
    first = rollup_items()
    DirtyDays().mark(SELLER, [(US, date(2026, 3, 1))])
    recompute()
    assert rollup_items() == first
    # When an order is cancelled later, its SKU's rollup of that day goes away
    later = order("O-US-2", SALE + timedelta(hours=1), sku="SKU-2", price="15.50", status="CANCELLED")
    store.write([later.model_copy(update={"last_updated_time": SALE + timedelta(days=1)})])
    recompute()
    skus = {
        r.sku for r in SkuRollupRecord.query(SELLER, SkuRollupRecord.sk.startswith(f"RSKU#2026-03-01#{US}#"))
    }
    assert skus == {"SKU-1"}


def test_a_marker_rewritten_during_the_recompute_survives(tables: Tables) -> None:
    store = FactStore()
    store.write([order("O-1", SALE)])

    class RemarkingFacts(FactStore):
        def orders_purchased(
            self, seller_id: str, marketplace_id: str, start: datetime, end: datetime
        ) -> list:  # type: ignore[override,type-arg]
            # a new order of the same day arrives while the day is being computed
            DirtyDays().mark(seller_id, [(marketplace_id, date(2026, 3, 1))])
            return super().orders_purchased(seller_id, marketplace_id, start, end)

    result = recompute_dirty_days(
        SELLER, dirty=DirtyDays(), facts=RemarkingFacts(), cogs=CogsStore(), rollups=RollupStore()
    )
    assert (result.days, result.markers_kept) == (1, 1)
    assert pending() == {(US, date(2026, 3, 1))}
    assert recompute().markers_kept == 0  # type: ignore[attr-defined]
    assert pending() == set()


def test_other_facts_round_trip_and_expire_within_18_months(tables: Tables) -> None:
    now = datetime.now(UTC)
    store = FactStore()
    listing = ListingFact(
        SELLER, US, "SKU-1", "B0ASIN", "Mug", Decimal("19.99"), "USD", 5, "Active", "AMAZON_NA", None
    )
    store.write(
        [
            listing,
            listing,  # the same key twice in one batch is fine
            InventoryFact(SELLER, US, "SKU-1", "B0ASIN", "X0FN", "New", 10, 1, 2, 3, 0, 1, now),
            TrafficByDateFact(
                SELLER, US, date(2026, 3, 1), 100, 150, Decimal("98.5"), 7, Decimal("70.00"), "USD"
            ),
            SettlementSummary(
                SELLER, "S-1", US, SALE, SALE + timedelta(days=14), None, Decimal("100.00"), "USD"
            ),
            *[
                SettlementLineFact(
                    SELLER,
                    "S-1",
                    n,
                    "Order",
                    "O-1",
                    "SKU-1",
                    "ItemPrice",
                    "Principal",
                    Decimal("5.00"),
                    "USD",
                    SALE,
                    "Amazon.com",
                    1,
                )
                for n in range(1, 6)
            ],
        ],
        now=now,
    )
    assert store.listings(SELLER) == [listing]
    assert [i.inbound for i in store.inventory(SELLER, US)] == [6]
    assert store.inventory(SELLER, JP) == []
    assert store.traffic_by_date(SELLER, date(2026, 3, 1), date(2026, 3, 1))[0].sessions == 100
    assert store.settlement(SELLER, "S-1") is not None
    assert store.settlement(SELLER, "S-2") is None
    assert [s.settlement_id for s in store.settlements(SELLER)] == ["S-1"]
    assert [x.line for x in store.settlement_lines(SELLER, "S-1", after_line=2, limit=2)] == [3, 4]
    limit = (now + timedelta(days=548)).timestamp()
    assert all(
        r.expires_at <= limit for r in ListingRecord.query(SELLER, ListingRecord.sk.startswith("LISTING#"))
    )
    assert pending() == set()  # none of these facts touches a rollup


def _chunks() -> list[StoredFinance]:
    return list(finance_items(SELLER, consistent=True))


def test_finance_pages_are_by_posted_time(tables: Tables) -> None:
    store = FactStore()
    store.write(
        [
            transaction(
                f"T-{i}",
                SALE + timedelta(hours=i),
                "Refund" if i % 2 else "Shipment",
                {"ReferralFee": "-1.00"},
            )
            for i in range(5)
        ]
    )
    page = store.finance_page(SELLER, SALE, SALE + timedelta(days=1), limit=2)
    assert [t.transaction_id for t in page.transactions] == ["T-0", "T-1"]
    assert page.last_key == f"FIN#{iso_z(SALE + timedelta(hours=1))}#T-1"  # the API's cursor, as before
    rest = store.finance_page(SELLER, SALE, SALE + timedelta(days=1), after_key=page.last_key)
    assert [t.transaction_id for t in rest.transactions] == ["T-2", "T-3", "T-4"]
    refunds = store.finance_transactions(SELLER, SALE, SALE + timedelta(days=1), transaction_type="Refund")
    assert [t.transaction_id for t in refunds] == ["T-1", "T-3"]
    # one chunk per posting hour, each holding that hour's transaction
    assert [len(c.transactions) for c in _chunks()] == [1] * 5
    assert all(c.chunk and c.sk.startswith(f"FIN#{c.hour}#") for c in _chunks())


def test_finance_pages_cross_hours_and_chunks_with_the_cursor(tables: Tables) -> None:
    # Given 30 transactions over three hours, written by three syncs (several chunks per hour)
    store = FactStore()
    hour = SALE.replace(minute=0)
    facts = [
        transaction(f"T-{i:02d}", hour + timedelta(minutes=6 * i), "Shipment", {"ReferralFee": f"-{i}.00"})
        for i in range(30)
    ]
    for start in (0, 7, 19):
        store.write(facts[start : start + 12])  # overlapping pages, as the lookback fetches them
    assert len({c.hour for c in _chunks()}) == 3 < len(_chunks())
    # When a client pages through them 7 at a time
    seen: list[str] = []
    after = None
    while True:
        page = store.finance_page(SELLER, hour, hour + timedelta(hours=3), limit=7, after_key=after)
        seen += [t.transaction_id for t in page.transactions]
        after = page.last_key
        if after is None:
            break
    # Then each transaction comes once, in posted order; a marketplace filter keeps its own
    assert seen == [f.transaction_id for f in facts]
    assert store.finance_transactions(SELLER, hour, hour + timedelta(hours=3), marketplace_id=DE) == []


def test_a_transaction_fetched_again_unchanged_is_not_rewritten_nor_its_day_marked(tables: Tables) -> None:
    # Given a transaction stored, its day's rollups recomputed
    store = FactStore()
    fees = {"ProductCharges": "80.00", "ReferralFee": "-12.00"}
    store.write([transaction("T-1", SALE, "Shipment", fees)], now=SALE)
    recompute()
    (before,) = _chunks()

    # When the next hourly sync's 48-hour lookback returns it unchanged (with a new one of the hour),
    # then changed, then a month later
    store.write([transaction("T-1", SALE, "Shipment", fees)], now=SALE + timedelta(hours=1))
    unchanged = _chunks()
    stale_after_unchanged = pending()
    store.write(
        [
            transaction("T-1", SALE, "Shipment", {**fees, "ReferralFee": "-11.00"}),
            transaction("T-2", SALE + timedelta(minutes=5), "Shipment", fees),
        ],
        now=SALE + timedelta(hours=2),
    )
    changed = _chunks()
    stale_after_change = pending()
    late = SALE + timedelta(days=31)
    store.write([transaction("T-1", SALE, "Shipment", {**fees, "ReferralFee": "-11.00"})], now=late)
    kept = _chunks()

    # Then the unchanged one writes nothing and leaves the rollups alone; the change is written in a
    # new chunk of the hour (with the hour's new transaction), marks its day and wins on read; a fact
    # written long ago is written again (its TTL counts from the write)
    assert unchanged == [before]
    assert stale_after_unchanged == set()
    assert len(changed) == 2
    (newer,) = [c for c in changed if c != before]
    assert newer.written_at == SALE + timedelta(hours=2)
    assert [t.transaction_id for t in newer.transactions] == ["T-1", "T-2"]
    assert stale_after_change == {(US, date(2026, 3, 1))}
    read = store.finance_transactions(SELLER, SALE, SALE + timedelta(hours=1))
    assert [(t.transaction_id, dict(t.amounts)["ReferralFee"]) for t in read] == [
        ("T-1", Decimal("-11.00")),
        ("T-2", Decimal("-12.00")),
    ]
    assert len(kept) == 3
    assert max(c.written_at for c in kept) == late


def test_legacy_transaction_items_and_chunks_read_together(tables: Tables) -> None:
    # Given a deployment that stored transactions one item each (the legacy layout)
    fees = {"ProductCharges": "80.00", "ReferralFee": "-12.00"}
    old = [transaction(f"T-{i}", SALE + timedelta(minutes=20 * i), "Shipment", fees) for i in range(4)]
    for fact in old:
        FINANCES.to_record(fact, written_at=SALE, expires_at=int(SALE.timestamp()) + 10**7).save()
    store = FactStore()
    # When the lookback fetches them again: T-0 unchanged, T-1 changed, and a new T-9
    store.write(
        [
            old[0],
            transaction("T-1", old[1].posted_at, "Shipment", {**fees, "ReferralFee": "-9.00"}),
            transaction("T-9", SALE + timedelta(minutes=5), "Refund", {"ProductCharges": "-80.00"}),
        ],
        now=SALE + timedelta(hours=1),
    )
    # Then only the changed and the new one went to a chunk, beside the legacy items
    items = _chunks()
    assert sorted(len(c.transactions) for c in items if c.chunk) == [2]
    assert sum(not c.chunk for c in items) == 4
    # And a read sees each transaction once, the chunk's version over the legacy item's, in order
    read = store.finance_transactions(SELLER, SALE, SALE + timedelta(hours=2))
    assert [t.transaction_id for t in read] == ["T-0", "T-9", "T-1", "T-2", "T-3"]
    assert dict(read[2].amounts)["ReferralFee"] == Decimal("-9.00")
    page = store.finance_page(SELLER, SALE, SALE + timedelta(hours=2), limit=2)
    rest = store.finance_page(SELLER, SALE, SALE + timedelta(hours=2), after_key=page.last_key)
    assert [t.transaction_id for t in page.transactions + rest.transactions] == [
        t.transaction_id for t in read
    ]


def test_an_unknown_fact_type_is_refused_before_anything_is_written(tables: Tables) -> None:
    with pytest.raises(TypeError, match="CogsEntry"):
        FactStore().write([order("O-1", SALE), CogsEntry(SELLER, "SKU", date(2026, 1, 1), Decimal(1), "USD")])
    assert FactStore().orders_purchased(SELLER, US, SALE - timedelta(days=1), SALE + timedelta(days=1)) == []


def test_ad_spend_reaches_the_advertised_skus_and_the_rest_is_its_own_row(tables: Tables) -> None:
    from sellerflow.facts import AdCampaignDayFact, AdProductDayFact
    from sellerflow.store.ads import AdsStore, StoredAdTotals, StoredSkuAdSpend

    # Given a campaign day of 10.00 whose ads name SKU-1 (6.50) and only an ASIN (3.50)
    day = date(2026, 3, 1)
    ads = AdsStore()
    campaign = AdCampaignDayFact(SELLER, US, "9", "111", "SP - Exact - SKU-1", day, "USD", 900, 12,
                                 Decimal("10.00"), 1, 2, Decimal("20.00"), Decimal("30.00"))  # fmt: skip

    def ad(ad_id: str, sku: str | None, cost: str) -> AdProductDayFact:
        return AdProductDayFact(SELLER, US, "9", "111", "112", ad_id, day, "USD", sku, "B0TEST", 0, 0,
                                Decimal(cost), Decimal(0))  # fmt: skip

    ads.write([campaign, ad("1", "SKU-1", "6.50"), ad("2", None, "3.50")])
    # When the dirtied day is recomputed with the stored ad readers
    recompute_dirty_days(
        SELLER, dirty=DirtyDays(), facts=FactStore(), cogs=CogsStore(), rollups=RollupStore(),
        ad_spend=StoredAdTotals(ads), sku_ad_spend=StoredSkuAdSpend(ads),
    )  # fmt: skip
    # Then SKU-1 carries 6.50 and the unattributed-ads row 3.50: together the day's 10.00
    rows = {(r.kind.value, r.sku): r.ad_spend for r in RollupStore().skus(SELLER, day, day)}
    assert rows == {
        ("sku", "SKU-1"): Decimal("6.50"),
        ("unattributed_ads", "unattributed_ads"): Decimal("3.50"),
    }
    [rollup] = [r for r in RollupStore().days(SELLER, day, day) if r.marketplace_id == US]
    assert rollup.ad_spend == Decimal("10.00")
