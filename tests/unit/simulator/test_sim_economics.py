"""The simulator's Data Kiosk economics dataset: consistent with its own ground truth, harder where
Amazon promises nothing (unsorted lines, SKU-days with only an ad), and strict about the query."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerflow.marketplaces import MARKETPLACES
from sellerflow.reports.formats import local_date
from sellerflow.spapi.data_kiosk import economics_query
from sellerflow.sync.economics import EconomicsSchedule, reconcile_due_economics
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


class _InProcessKiosk:
    """The product's `EconomicsKiosk` port on the simulator's Data Kiosk, without HTTP."""

    def __init__(self, service: DataKioskService, now: datetime) -> None:
        self.service, self.now = service, now

    def create_economics_query(self, seller_id: str, marketplace_id: str, start: date, end: date) -> str:
        body = {"query": economics_query(marketplace_id, start, end)}
        return str(self.service.create_query(seller_id, body, self.now)["queryId"])

    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]:
        return self.service.get_query(seller_id, query_id)

    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        return self.service.get_document(seller_id, document_id, "")

    def download(self, url: str, *, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        return iter([self.service.download(url.rsplit("/", 1)[-1]).body])


class _Book:
    def __init__(self) -> None:
        self.ranges: list[tuple[str, date, date, int]] = []

    def last_checked(self, seller_id: str, marketplace_id: str) -> datetime | None:
        return None

    def put(
        self,
        seller_id: str,
        marketplace_id: str,
        first: date,
        last: date,
        mismatches: Sequence[Mapping[str, str]],
        *,
        read: Mapping[str, int] | None = None,
    ) -> None:
        self.ranges.append((marketplace_id, first, last, dict(read or {})["amazon_rows"]))


class _NoRollups:
    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[Any]:
        return []


@pytest.mark.parametrize(
    ("settle_hours", "last_checked", "rows_still_move"),
    [(0, date(2026, 11, 19), True), (24, date(2026, 11, 18), False)],
)
def test_a_check_just_after_a_local_midnight_reads_only_days_amazon_no_longer_moves(
    settle_hours: int, last_checked: date, rows_still_move: bool
) -> None:
    """The demo's `rows=86/88`: the local stack's clock runs an hour ahead of the simulated Amazon
    (`LocalStackConfig.world_age`), so at 00:30 local "yesterday" is Amazon's today; orders placed
    and shipped after the check land on it, and the simulator's count of the checked days grows.
    A check over days that ended `settle` ago or more reads what Amazon keeps."""
    # Given Amazon at 23:30 of a marketplace-local day and Sellerflow's clock an hour ahead
    marketplace_id = "ATVPDKIKX0DER"
    amazon_now = datetime(2026, 11, 19, 23, 30, tzinfo=MARKETPLACES[marketplace_id].tz).astimezone(UTC)
    # a world whose next orders (10 minutes on) add a SKU row to that day (seed 7, the demo's, sells its
    # best-sellers then, whose rows exist already: the count stays, though the rows move)
    world = SimWorld.generate(sellers=1, seed=1, now=amazon_now)
    seller = world.sellers[0]
    assert marketplace_id in seller.marketplace_ids
    ours = amazon_now + timedelta(hours=1)
    service = DataKioskService(world=world, config=lambda: SimConfig(data_kiosk_processing_s=0))
    book = _Book()

    # When the sync step reconciles that marketplace
    reconcile_due_economics(
        seller.seller_id, [marketplace_id], kiosk=_InProcessKiosk(service, world.now),
        rollups=_NoRollups(), book=book, now=ours, sleep=lambda _: None,
        schedule=EconomicsSchedule(
            every=timedelta(hours=24), days=3, wait_s=5, settle=timedelta(hours=settle_hours)
        ),
        local_date=lambda market, moment: local_date(moment, MARKETPLACES[market]),
    )  # fmt: skip
    [(_, first, last, read)] = book.ranges
    assert last == last_checked  # with no settle time, Amazon's today (its 23:30) is "yesterday"

    # and Amazon moves on (the demo's "Amazon moves on 10 minutes" before it verifies)
    world.advance(10)

    # Then the rows read are the simulator's rows of the checked days, unless a day was too young
    truth = len(world.economics(seller.seller_id, marketplace_id, first, last))
    assert read > 0
    assert (truth != read) is rows_still_move
