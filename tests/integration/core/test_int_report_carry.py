"""The hourly run's reports over real HTTP and DynamoDB (moto, the SP-API simulator): one run asks for
the daily reports and keeps them in REPORTCARRY (with its expiry), the next checks them once and
ingests their documents, and a run within the plan interval asks nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from int_core_support import Port, raw_items

from sellerflow.reports import CountingSink, ingest_document
from sellerflow.store.reports import CARRY_KEY, ReportStore
from sellerflow.store.sellers import SellerStore
from sellerflow.sync.carry import AdvanceReportsInput, Carried, CarryPolicy, SpApiReports, advance_reports
from sellerflow.sync.reports import FBA_INVENTORY, LISTINGS, ReportPolicy
from sellerflow_dev.simulator import SimServer, SimWorld

MakePort = Callable[..., Port]
STEADY = ReportPolicy(backfill=timedelta(days=29))  # the history is in: no backfill window to ask for


def test_one_run_asks_the_next_ingests_and_the_carry_is_kept_with_its_expiry(
    aws: Any, start_sim: Callable[..., SimServer], world: SimWorld, make_port: MakePort
) -> None:
    sim = start_sim(rate_scale=1000, report_processing_s=0.2)
    port = make_port(sim)
    seller = world.sellers[0]
    marketplace = seller.marketplace_ids[0]
    book, sink = ReportStore(), CountingSink()

    def run(now: datetime) -> Any:
        return advance_reports(
            AdvanceReportsInput(seller_id=seller.seller_id, claimant="execution-1"),
            [marketplace],
            None,
            reports=SpApiReports(
                api=port.client, book=book, policy=STEADY, ingest=ingest_document, sink=sink
            ),
            ads=None,
            routes=SellerStore(),
            now=now,
            clock=time.monotonic,
            policy=CarryPolicy(),
        )

    now = datetime.now(UTC)
    first = run(now)
    assert first.planned
    assert first.requested >= 3  # listings, FBA inventory, the fresh orders window (+ traffic)
    assert first.checked == 0
    # what it ingested were the settlements Amazon lists DONE already (never requested)
    settlements = book.all(seller.seller_id, prefix="SETTLEMENTDOC#")
    assert first.ingested == len(settlements) > 0
    assert {s.status for s in settlements} == {"INGESTED"}
    items = [i for i in raw_items(aws, "SellersTable") if i["sk"]["S"] == CARRY_KEY]
    (item,) = items
    assert int(item["expires_at"]["N"]) > int((now + timedelta(days=2)).timestamp())
    carried = book.carry(seller.seller_id)
    assert carried is not None
    assert len(Carried.model_validate_json(carried.body).reports) == first.requested
    time.sleep(0.5)  # Amazon makes the documents
    second = run(now + timedelta(hours=1))
    assert (second.planned, second.requested) == (False, 0)
    assert second.checked == first.requested
    assert second.ingested == first.requested
    assert second.left == 0
    assert sink.written > 0
    states = {s.report_type: s for s in book.all(seller.seller_id) if s.marketplace_id == marketplace}
    listings = [x for x in world.listings(seller.seller_id) if x.marketplace_id == marketplace]
    inventory = [x for x in world.inventory(seller.seller_id) if x.marketplace_id == marketplace]
    assert (states[LISTINGS].status, states[LISTINGS].rows) == ("INGESTED", len(listings))
    assert (states[FBA_INVENTORY].status, states[FBA_INVENTORY].rows) == ("INGESTED", len(inventory))
    third = run(now + timedelta(hours=2))
    assert (third.planned, third.requested, third.checked, third.left) == (False, 0, 0, 0)
