"""Data Kiosk economics over real HTTP against the simulator: query → document → parse → reconcile
with SKU rollups stored in DynamoDB (moto); and the query text against the official schema."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from int_core_support import Port
from test_int_data_kiosk import _reference

from sellerflow.analytics.model import DayRollup, SkuRollup
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.spapi.data_kiosk import ECONOMICS_DATASET, DataKioskClient, economics_query
from sellerflow.store.economics import EconomicsMismatchStore
from sellerflow.store.facts_rollups import RollupStore
from sellerflow.sync.economics import check_economics
from sellerflow_dev.simulator import SimServer, SimWorld
from sellerflow_dev.simulator.economics import SimEconomics

MakePort = Callable[..., Port]
SimFactory = Callable[..., SimServer]


def _store_rollups(world: SimWorld, seller_id: str, marketplace_id: str, first: date, last: date) -> int:
    """SKU rows as a correct sync stores them (built here from the simulator's truth)."""
    currency = MARKETPLACES[marketplace_id].currency
    by_day: dict[date, list[SimEconomics]] = defaultdict(list)
    for row in world.economics(seller_id, marketplace_id, first, last):
        by_day[row.day].append(row)
    store = RollupStore()
    for day, rows in by_day.items():
        skus = [
            SkuRollup(
                seller_id,
                marketplace_id,
                day,
                r.sku,
                currency,
                units=r.units,
                gross_sales=r.sales,
                shipping=r.shipping,
                promotions=r.promotions,
                refunds=r.refunds,
                fees=r.fees,
                ad_spend=r.ads,
                cogs=Decimal("1.00") * r.units,
            )
            for r in rows
        ]
        store.replace_day(DayRollup(seller_id, marketplace_id, day, currency), skus)
    return sum(len(rows) for rows in by_day.values())


def _window(world: SimWorld, marketplace_id: str) -> tuple[date, date]:
    last = world.now.astimezone(MARKETPLACES[marketplace_id].tz).date() - timedelta(days=1)
    return last - timedelta(days=4), last


def test_economics_reconcile_to_zero_then_a_planted_two_cents_is_reported(
    aws: Any, start_sim: SimFactory, world: SimWorld, make_port: MakePort
) -> None:
    sim = start_sim(rate_scale=1000, data_kiosk_processing_s=0.2)
    kiosk = DataKioskClient(make_port(sim).client)
    seller = world.sellers[0]
    marketplace_id = seller.marketplace_ids[0]
    first, last = _window(world, marketplace_id)
    stored = _store_rollups(world, seller.seller_id, marketplace_id, first, last)
    assert stored > 0

    # When the product's flow runs against the simulator and the rollups in moto
    check = check_economics(
        kiosk,
        RollupStore(),
        seller_id=seller.seller_id,
        marketplace_id=marketplace_id,
        first=first,
        last=last,
    )

    # Then every SKU-day was read and none differs
    assert (check.amazon_rows, check.rejected, check.mismatches) == (stored, 0, [])

    # Given one stored SKU row whose fees are 2 cents off
    store = RollupStore()
    row = next(r for r in store.skus(seller.seller_id, first, last, marketplace_id=marketplace_id) if r.fees)
    day_rows = store.skus(seller.seller_id, row.day, row.day, marketplace_id=marketplace_id)
    planted = [replace(r, fees=r.fees + Decimal("0.02")) if r.sku == row.sku else r for r in day_rows]
    store.replace_day(DayRollup(seller.seller_id, marketplace_id, row.day, row.currency), planted)

    # Then the next check reports it (fees and net proceeds), and the stored row is left as it was
    recorder = EconomicsMismatchStore()
    again = check_economics(
        kiosk,
        RollupStore(),
        seller_id=seller.seller_id,
        marketplace_id=marketplace_id,
        first=first,
        last=last,
        recorder=recorder,
    )
    assert [(m.field, m.sku, m.day, m.amazon - m.ours) for m in again.mismatches] == [
        ("fees", row.sku, row.day, Decimal("-0.02")),
        ("net_proceeds", row.sku, row.day, Decimal("0.02")),
    ]
    (kept,) = recorder.all(seller.seller_id)
    assert kept["count"] == 2
    assert [(m["field"], m["sku"], m["day"]) for m in kept["mismatches"]] == [
        ("fees", row.sku, row.day.isoformat()),
        ("net_proceeds", row.sku, row.day.isoformat()),
    ]
    after = store.skus(seller.seller_id, row.day, row.day, marketplace_id=marketplace_id)
    assert next(r for r in after if r.sku == row.sku).fees == row.fees + Decimal("0.02")


def test_the_economics_query_is_valid_against_the_official_schema() -> None:
    graphql = pytest.importorskip("graphql")
    schema_text = (_reference() / "schemas" / "data-kiosk" / f"{ECONOMICS_DATASET}.graphql").read_text()
    schema = graphql.build_schema(schema_text)
    query = economics_query("ATVPDKIKX0DER", date(2026, 11, 1), date(2026, 11, 7))
    assert graphql.validate(schema, graphql.parse(query)) == []
