"""The simulator's Data Kiosk economics dataset: consistent with its own ground truth, harder where
Amazon promises nothing (unsorted lines, SKU-days with only an ad), and strict about the query."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sellerflow.spapi.data_kiosk import economics_query
from sellerflow_dev.simulator import SimConfig, SimWorld
from sellerflow_dev.simulator.data_kiosk_api import DataKioskService
from sellerflow_dev.simulator.orders_api import ApiError

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _document(world: SimWorld, query: str) -> list[dict[str, object]]:
    service = DataKioskService(world=world, config=lambda: SimConfig(data_kiosk_processing_s=0))
    seller = world.sellers[0]
    service.create_query(seller.seller_id, {"query": query}, NOW)
    (content,) = service._documents.values()
    return [json.loads(line, parse_float=Decimal) for line in content.decode().splitlines()]


def test_lines_agree_with_the_ground_truth_and_are_not_sorted() -> None:
    world = SimWorld.generate(sellers=1, seed=3, now=NOW)
    seller = world.sellers[0]
    marketplace_id = seller.marketplace_ids[0]
    last = NOW.date() - timedelta(days=1)
    first = last - timedelta(days=6)
    lines = _document(world, economics_query(marketplace_id, first, last))
    truth = {
        (r.sku, r.day.isoformat()): r for r in world.economics(seller.seller_id, marketplace_id, first, last)
    }
    keys = [(str(line["msku"]), str(line["startDate"])) for line in lines]
    assert sorted(keys) == sorted(truth)
    assert keys != sorted(keys)  # Amazon promises no order
    for line in lines:
        row = truth[(str(line["msku"]), str(line["startDate"]))]
        net = line["netProceeds"]
        assert isinstance(net, dict)
        assert net["total"]["amount"] == row.net_proceeds
    assert any(r.ads and not r.sales for r in truth.values())  # a SKU-day with only an ad


@pytest.mark.parametrize(
    "query",
    [
        'query { analytics_economics_2024_03_15 { economics(startDate: "2026-11-01", endDate: "2026-11-02", '
        'marketplaceIds: ["ATVPDKIKX0DER"], aggregateBy: {date: WEEK}) { msku } } }',
        "query { analytics_economics_2024_03_15 { economicsPreview { msku } } }",
        'query { analytics_economics_2024_03_15 { economics(startDate: "2026-11-01", endDate: "2026-11-02", '
        'marketplaceIds: ["ATVPDKIKX0DER"]) { msku bogus } } }',
    ],
)
def test_what_the_simulator_does_not_serve_is_a_400(query: str) -> None:
    world = SimWorld.generate(sellers=1, seed=3, now=NOW)
    world.sellers[0].marketplace_ids[:1] = ["ATVPDKIKX0DER"]
    with pytest.raises(ApiError) as error:
        _document(world, query)
    assert error.value.status == 400
