"""The demo's settlements check: it passes only when what was stored equals the simulator's settlements."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sellerflow.facts import SettlementLineFact, SettlementSummary
from sellerflow.reports import CountingSink, ingest_document
from sellerflow_dev.local.verify import verify_settlements
from sellerflow_dev.simulator import SimWorld
from sellerflow_dev.simulator.documents import content_type, settlement_report

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
Stored = tuple[SimWorld, str, list[SettlementSummary], dict[str, list[SettlementLineFact]]]


@pytest.fixture(scope="module")
def stored() -> Stored:
    world = SimWorld.generate(sellers=1, seed=21, now=NOW)
    seller_id = world.sellers[0].seller_id
    summaries: list[SettlementSummary] = []
    lines: dict[str, list[SettlementLineFact]] = {}
    for settlement in world.settlements(seller_id):
        sink = CountingSink(keep=True)
        ingest_document(
            SETTLEMENT,
            settlement_report(settlement),
            seller_id=seller_id,
            marketplace_id=settlement.marketplace_id,
            compression=None,
            content_type=content_type(SETTLEMENT, settlement.marketplace_id),
            sink=sink,
        )
        summary, *rest = sink.items
        assert isinstance(summary, SettlementSummary)
        summaries.append(summary)
        lines[summary.settlement_id] = [line for line in rest if isinstance(line, SettlementLineFact)]
    return world, seller_id, summaries, lines


def test_every_simulated_settlement_read_back_verifies(stored: Stored) -> None:
    world, seller_id, summaries, lines = stored
    check = verify_settlements(
        seller_id, summaries, lines, world.settlements(seller_id), NOW - timedelta(days=90)
    )
    assert check.ok
    assert check.stored == len(world.settlements(seller_id))
    assert {s.currency for s in summaries} >= {"USD", "EUR", "JPY"}


def test_a_missing_or_misread_settlement_fails_the_check(stored: Stored) -> None:
    world, seller_id, summaries, lines = stored
    truth = world.settlements(seller_id)
    since = NOW - timedelta(days=90)
    recent = next(
        s
        for s in summaries
        if any(t.settlement_id == s.settlement_id and t.report_created >= since for t in truth)
    )
    without = [s for s in summaries if s is not recent]
    assert verify_settlements(seller_id, without, lines, truth, since).missing == (recent.settlement_id,)
    first = lines[recent.settlement_id][0]
    misread = {
        **lines,
        recent.settlement_id: [
            dataclasses.replace(first, amount=first.amount / 1000),
            *lines[recent.settlement_id][1:],
        ],
    }
    check = verify_settlements(seller_id, summaries, misread, truth, since)
    assert check.different == (recent.settlement_id,)
    assert not check.ok
    guessed = [dataclasses.replace(s, marketplace_id=None) if s is recent else s for s in summaries]
    assert not verify_settlements(seller_id, guessed, lines, truth, since).ok
    assert first.amount != Decimal(0)
