"""Trailing SKU windows in DynamoDB (moto): kept by the rollup job, read by the SKU table and the
inventory, equal to reading every row, and never used when they end on the wrong day or are caught
mid-rebuild."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from an_support import CURRENCY, DE, SELLER, US, Tables

from sellerflow.analytics.model import DayRollup, SkuRollup
from sellerflow.analytics.service import AnalyticsService
from sellerflow.analytics.sku_windows import SUMMARY_DAYS, refresh_sku_windows
from sellerflow.calendar import local_today
from sellerflow.facts import InventoryFact
from sellerflow.store import facts_rollups
from sellerflow.store.facts import FactStore
from sellerflow.store.facts_control import CogsStore, DirtyDays
from sellerflow.store.facts_rollups import SKUS, RollupStore, SkuRollupRecord, SkuWindowRecord

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
SKU_NAMES = [f"SKU-{i:03d}" for i in range(12)]


@dataclass
class CountingRollups:
    """RollupStore that records the day spans of the SKU rows it is asked for."""

    store: RollupStore = field(default_factory=RollupStore)
    spans: list[tuple[date, date]] = field(default_factory=list)

    def days(self, *args: Any, **kwargs: Any) -> list[DayRollup]:
        return self.store.days(*args, **kwargs)

    def skus(self, seller_id: str, first: date, last: date, **kwargs: Any) -> list[SkuRollup]:
        self.spans.append((first, last))
        return self.store.skus(seller_id, first, last, **kwargs)


def seed(days: int = 100, *, at: datetime = NOW) -> None:
    rng = random.Random(7)
    day_rollups, sku_rows = [], []
    for m in (US, DE):
        today = local_today(m, at)
        for back in range(days):
            day = today - timedelta(days=back)
            sku_rows += [
                SkuRollup(
                    seller_id=SELLER,
                    marketplace_id=m,
                    day=day,
                    sku=sku,
                    currency=CURRENCY[m],
                    orders=1,
                    units=rng.randint(1, 5),
                    gross_sales=Decimal(rng.randint(500, 9000)) / 100,
                    fees=Decimal(rng.randint(50, 900)) / 100,
                    cogs=Decimal(rng.randint(50, 900)) / 100,
                )
                for sku in rng.sample(SKU_NAMES, k=6)
            ]
            day_rollups.append(DayRollup(seller_id=SELLER, marketplace_id=m, day=day, currency=CURRENCY[m]))
    RollupStore().put_days(day_rollups, now=at)
    with SkuRollupRecord.batch_write() as batch:  # as replace_day writes them, in fewer requests
        for row in sku_rows:
            batch.save(
                SKUS.to_record(row, computed_at=at, expires_at=int((at + timedelta(days=540)).timestamp()))
            )
    FactStore().write(
        [
            InventoryFact(
                seller_id=SELLER,
                marketplace_id=m,
                sku=sku,
                asin="B000000001",
                fnsku="X000000001",
                condition="NewItem",
                fulfillable=40,
                inbound_working=0,
                inbound_shipped=5,
                inbound_receiving=0,
                reserved=1,
                unfulfillable=0,
                as_of=at,
            )
            for m in (US, DE)
            for sku in SKU_NAMES[:8]
        ]
    )


def service(rollups: Any, *, windows: bool) -> AnalyticsService:
    return AnalyticsService(
        rollups=rollups,
        facts=FactStore(),
        cogs=CogsStore(),
        dirty=DirtyDays(),
        sku_windows=RollupStore() if windows else None,
    )


def refresh(at: datetime = NOW) -> list[str]:
    return refresh_sku_windows(SELLER, [US, DE], store=RollupStore(), now=at)


def test_the_sku_table_and_inventory_read_the_windows_and_equal_reading_every_row(tables: Tables) -> None:
    seed()
    assert refresh() == [US, DE]
    counted = CountingRollups()
    with_windows, every_row = service(counted, windows=True), service(RollupStore(), windows=False)
    for first_back in (6, 29, 89):
        windows = {
            m: (local_today(m, NOW) - timedelta(days=first_back), local_today(m, NOW)) for m in (US, DE)
        }
        (first,) = {w[0] for w in windows.values()}
        (last,) = {w[1] for w in windows.values()}
        table = with_windows.sku_table(SELLER, [US, DE], NOW, first=first, last=last)
        assert table == every_row.sku_table(SELLER, [US, DE], NOW, first=first, last=last)
    assert with_windows.sku_table(SELLER, [US, DE], NOW) == every_row.sku_table(SELLER, [US, DE], NOW)
    assert with_windows.inventory(SELLER, [US, DE], NOW) == every_row.inventory(SELLER, [US, DE], NOW)
    # Only single days were read row by row (today, or the day before a velocity window's summary).
    assert counted.spans
    assert all(first == last for first, last in counted.spans)


def test_a_custom_window_reads_the_rows(tables: Tables) -> None:
    seed(days=40)
    refresh()
    counted = CountingRollups()
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    table = service(counted, windows=True).sku_table(SELLER, [US, DE], NOW, first=first, last=last)
    assert counted.spans == [(first, last)]
    assert table == service(RollupStore(), windows=False).sku_table(
        SELLER, [US, DE], NOW, first=first, last=last
    )


def test_a_window_is_rebuilt_only_when_a_day_of_it_changed_or_the_day_moved_on(tables: Tables) -> None:
    seed(days=92)
    assert refresh() == [US, DE]
    assert refresh() == []  # nothing changed: nothing read or written
    # A late change to a past day of DE (a refund rolled up again) rebuilds DE's windows only.
    day = local_today(DE, NOW) - timedelta(days=12)
    RollupStore().replace_day(
        DayRollup(seller_id=SELLER, marketplace_id=DE, day=day, currency="EUR"),
        [SkuRollup(seller_id=SELLER, marketplace_id=DE, day=day, sku="SKU-NEW", currency="EUR", units=3)],
        now=NOW + timedelta(minutes=5),
    )
    assert refresh(NOW + timedelta(minutes=6)) == [DE]
    stored = RollupStore().sku_window(SELLER, DE, 29)
    assert stored is not None
    assert any(r.sku == "SKU-NEW" and r.units == 3 for r in stored[1])
    # Today's rows are not in any window: rolling today up again rebuilds nothing.
    today = local_today(US, NOW)
    RollupStore().replace_day(
        DayRollup(seller_id=SELLER, marketplace_id=US, day=today, currency="USD"), [], now=NOW
    )
    assert refresh(NOW + timedelta(minutes=7)) == []
    # The next local day: every window must end on the new yesterday.
    assert refresh(NOW + timedelta(days=1)) == [US, DE]
    assert {RollupStore().sku_window(SELLER, US, k)[0] for k in SUMMARY_DAYS} == {today}  # type: ignore[index]


def test_a_window_ending_on_another_day_is_not_used(tables: Tables) -> None:
    seed(days=40)
    refresh(NOW - timedelta(days=1))  # built yesterday: ends the day before yesterday
    counted = CountingRollups()
    table = service(counted, windows=True).sku_table(SELLER, [US, DE], NOW)
    assert len(counted.spans) == 1
    assert counted.spans[0][0] < counted.spans[0][1]
    assert table == service(RollupStore(), windows=False).sku_table(SELLER, [US, DE], NOW)


def test_windows_are_chunked_and_a_half_written_build_is_never_read(
    tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facts_rollups, "WINDOW_CHUNK_BYTES", 250)
    seed(days=35)
    refresh()
    chunks = list(SkuWindowRecord.query(SELLER, SkuWindowRecord.sk.startswith(f"RSKW#{US}#29#")))
    assert len(chunks) > 2
    assert {int(c.chunks) for c in chunks} == {len(chunks)}
    every_row = service(RollupStore(), windows=False).sku_table(SELLER, [US, DE], NOW)
    assert service(RollupStore(), windows=True).sku_table(SELLER, [US, DE], NOW) == every_row
    # One chunk from another build (a reader between two writes of a rebuild): the rows are read.
    chunks[1].build = "another-build"
    chunks[1].save()
    assert RollupStore().sku_window(SELLER, US, 29) is None
    assert service(RollupStore(), windows=True).sku_table(SELLER, [US, DE], NOW) == every_row
    # A rebuild with fewer rows deletes the chunks it no longer needs.
    monkeypatch.setattr(facts_rollups, "WINDOW_CHUNK_BYTES", 300_000)
    RollupStore().replace_sku_windows(SELLER, US, as_of=date(2026, 12, 2), built_from=NOW, windows={29: []})
    assert [c.sk for c in SkuWindowRecord.query(SELLER, SkuWindowRecord.sk.startswith(f"RSKW#{US}#29#"))] == [
        f"RSKW#{US}#29#0000"
    ]
    assert RollupStore().sku_window(SELLER, US, 29) == (date(2026, 12, 2), [])
