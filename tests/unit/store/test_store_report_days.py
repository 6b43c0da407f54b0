"""Packed report days without I/O: where a day's parts sort, how a large day splits under the item
limit, which items a day reads as (the newest version's parts, else the legacy items), and a packed
day as the export's rows."""

from __future__ import annotations

import random
import string
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from sellerflow.facts import TrafficByAsinFact
from sellerflow.store.ads import CAMPAIGN_DAY_PACKS, ads_day, ads_key, ads_sku_day
from sellerflow.store.facts import TRAFFIC_ASIN_DAYS, TRAFFIC_BY_ASIN, traffic_asin_day, traffic_asin_key
from sellerflow.store.history import decode_lines
from sellerflow.store.report_days import (
    MAX_PART_BYTES,
    ReportDayRecord,
    _day_rows,
    day_prefix_of,
    export_rows,
    is_part_key,
    part_key,
    split_rows,
)

SELLER, US = "A1SELLER", "ATVPDKIKX0DER"
DAY = date(2026, 3, 1)
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def asin_row(child: str, sessions: int = 12, day: date = DAY) -> TrafficByAsinFact:
    return TrafficByAsinFact(
        seller_id=SELLER, marketplace_id=US, day=day, parent_asin="B0PARENT", child_asin=child,
        sku=f"SKU-{child}", sessions=sessions, page_views=2 * sessions, buy_box_percentage=Decimal("97.5"),
        units_ordered=sessions // 5, ordered_product_sales=Decimal("19.99") * (sessions // 5), currency="USD",
    )  # fmt: skip


def random_day(rows: int, seed: int = 7) -> list[TrafficByAsinFact]:
    """A large seller's day: random ASINs and SKUs (they compress the least), varied numbers."""
    rng = random.Random(seed)
    alphabet = string.ascii_uppercase + string.digits
    found = {
        "B0" + "".join(rng.choices(alphabet, k=8)): asin_row("", rng.randrange(1, 5000)) for _ in range(rows)
    }
    return sorted(
        (
            replace(
                fact,
                child_asin=child,
                parent_asin="B0" + "".join(rng.choices(alphabet, k=8)),
                sku="".join(rng.choices(alphabet, k=rng.randrange(8, 30))),
            )
            for child, fact in found.items()
        ),
        key=lambda f: f.child_asin,
    )


def part_item(
    prefix: str, part: int, rows: list[Any], *, version: str, parts: int, written: int
) -> dict[str, Any]:
    payload = split_rows(TRAFFIC_ASIN_DAYS.codec, rows)[0][0]
    record = ReportDayRecord(
        SELLER, part_key(prefix, part), payload=payload, rows=len(rows), parts=parts, version=version,
        written_at=AT + timedelta(hours=written), expires_at=2_000_000_000,
    )  # fmt: skip
    return record.serialize()


def legacy_item(fact: TrafficByAsinFact) -> dict[str, Any]:
    return TRAFFIC_BY_ASIN.to_record(fact, written_at=AT, expires_at=2_000_000_000).serialize()


def test_a_days_parts_sort_first_in_its_key_range_beside_its_legacy_items() -> None:
    prefix = traffic_asin_day(US, DAY)
    legacy = traffic_asin_key(DAY, US, "0123456789")  # an ISBN-10 ASIN starts with a digit
    assert prefix < part_key(prefix, 0) < part_key(prefix, 1) < legacy < f"{prefix}~"
    assert part_key(prefix, 0) == "TRAFFIC#ASIN#2026-03-01#ATVPDKIKX0DER#*00"
    assert day_prefix_of(part_key(prefix, 3)) == day_prefix_of(legacy) == prefix
    assert is_part_key(part_key(prefix, 0))
    assert not is_part_key(legacy)
    # an Ads day's parts stay inside its day, and ADS# never reaches ADSSKU#
    assert ads_day(US, DAY) < part_key(ads_day(US, DAY), 0) < ads_key(US, DAY, "111") < f"{ads_day(US, DAY)}~"
    assert f"{ads_day(US, DAY + timedelta(days=30))}~" < ads_sku_day(US, DAY)


def test_a_day_under_the_limit_is_one_part_and_round_trips() -> None:
    rows = [asin_row("B01"), asin_row("B02", 40)]
    [(payload, count)] = split_rows(TRAFFIC_ASIN_DAYS.codec, rows)
    assert count == 2
    assert decode_lines(TRAFFIC_ASIN_DAYS.codec, payload) == rows
    assert split_rows(TRAFFIC_ASIN_DAYS.codec, rows) == [(payload, 2)]  # the same rows, the same bytes


def test_a_large_day_splits_into_parts_under_the_limit_that_read_back_as_the_day() -> None:
    rows = random_day(600)
    parts = split_rows(TRAFFIC_ASIN_DAYS.codec, rows, limit=8_000)
    assert len(parts) > 2
    assert all(len(payload) <= 8_000 for payload, _ in parts)
    assert sum(count for _, count in parts) == len(rows)
    assert [f for payload, _ in parts for f in decode_lines(TRAFFIC_ASIN_DAYS.codec, payload)] == rows


def test_a_10000_orders_seller_day_fits_one_item_and_a_far_larger_one_splits_under_300_kb() -> None:
    # ~3,000 ASINs a day at 10,000 orders/day (docs/cost.md): one part, far under the limit
    [(payload, _)] = split_rows(TRAFFIC_ASIN_DAYS.codec, random_day(3_000))
    assert len(payload) < MAX_PART_BYTES / 2
    # a catalogue ten times larger: a few parts, each under the limit (DynamoDB's is 400 KB)
    parts = split_rows(TRAFFIC_ASIN_DAYS.codec, random_day(30_000, seed=3))
    assert len(parts) >= 2
    assert all(len(payload) <= MAX_PART_BYTES for payload, _ in parts)


def test_one_row_over_the_limit_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="one report row encodes to more than 50 bytes"):
        split_rows(TRAFFIC_ASIN_DAYS.codec, [asin_row("B01"), asin_row("B02")], limit=50)


def test_a_day_reads_as_its_newest_versions_parts_else_as_its_legacy_items() -> None:
    prefix = traffic_asin_day(US, DAY)
    old, new = [asin_row("B01"), asin_row("B02")], [asin_row("B01", 99)]
    legacy = [legacy_item(asin_row("B01", 1)), legacy_item(asin_row("B09", 1))]
    # a write that died between parts: the newest version's parts, never mixed with the older one's
    items = [
        part_item(prefix, 0, new, version="v2", parts=2, written=2),
        part_item(prefix, 1, old, version="v1", parts=2, written=1),
        *legacy,
    ]
    assert _day_rows(TRAFFIC_ASIN_DAYS, items) == new
    assert (
        _day_rows(TRAFFIC_ASIN_DAYS, [part_item(prefix, 0, old, version="v1", parts=1, written=1), *legacy])
        == old
    )
    assert _day_rows(TRAFFIC_ASIN_DAYS, legacy) == [asin_row("B01", 1), asin_row("B09", 1)]


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: TypeDeserializer().deserialize(v) for k, v in item.items()}


def test_a_packed_day_exports_as_the_legacy_items_and_replaces_its_days_legacy_items() -> None:
    prefix = traffic_asin_day(US, DAY)
    rows = [asin_row("B01"), asin_row("B02", 40)]
    other_day = asin_row("B03", day=DAY + timedelta(days=1))
    items = [
        plain(legacy_item(other_day)),  # a day without parts: as it is
        {"seller_id": SELLER, "sk": "LISTING#M#SKU", "sku": "SKU"},
        plain(part_item(prefix, 0, rows, version="v1", parts=1, written=0)),
        plain(legacy_item(asin_row("B01", 1))),  # replaced by the day's parts
    ]
    exported = [dict(row) for row in export_rows([TRAFFIC_ASIN_DAYS, CAMPAIGN_DAY_PACKS], items)]
    assert exported == [items[0], items[1], *(plain(legacy_item(r)) for r in rows)]
    assert [r["sk"] for r in exported[2:]] == [
        traffic_asin_key(DAY, US, "B01"),
        traffic_asin_key(DAY, US, "B02"),
    ]
