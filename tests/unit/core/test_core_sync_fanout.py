"""Fanout: schedule windows, execution names that dedupe, the due list (per seller or in batches) and
the seller-sync payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.domain import ScheduledSeller
from sellerflow.sync.fanout import (
    execution_name,
    list_due_sellers,
    publish_due_sellers,
    start_seller_sync,
    sync_window,
)
from sellerflow.sync.models import MAX_FANOUT_BATCH, DueBatch, StartSellerSyncInput


class FakeStarter:
    """A Step Functions stand-in: an execution name can be started once."""

    def __init__(self) -> None:
        self.started: dict[str, str] = {}

    def start(self, *, name: str, payload: str) -> bool:
        if name in self.started:
            return False
        self.started[name] = payload
        return True


class FakeSellers:
    def __init__(self, *ids: str) -> None:
        self.ids = list(ids)
        self.lapsed: list[str] = []

    def scheduled_sellers(self) -> list[ScheduledSeller]:
        return [ScheduledSeller(seller_id=s) for s in self.ids]

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        assert reason
        self.lapsed.append(seller_id)
        return True


def test_a_tick_is_floored_to_its_window() -> None:
    assert sync_window(datetime(2026, 3, 1, 13, 44, 59, 999, tzinfo=UTC), 15) == "20260301T1330"
    assert sync_window(datetime(2026, 3, 1, 13, 45, tzinfo=UTC), 15) == "20260301T1345"
    assert sync_window(datetime(2026, 3, 1, 0, 4, tzinfo=UTC), 5) == "20260301T0000"


def test_a_tick_in_another_zone_is_windowed_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert sync_window(datetime(2026, 3, 2, 0, 14, tzinfo=tokyo), 15) == "20260301T1500"


def test_two_ticks_in_the_same_window_share_an_execution_name() -> None:
    first = execution_name("A1SELLER0001", sync_window(datetime(2026, 3, 1, 13, 31, tzinfo=UTC), 15))
    again = execution_name("A1SELLER0001", sync_window(datetime(2026, 3, 1, 13, 44, tzinfo=UTC), 15))
    later = execution_name("A1SELLER0001", sync_window(datetime(2026, 3, 1, 13, 46, tzinfo=UTC), 15))
    assert first == again == "A1SELLER0001-20260301T1330"
    assert later != first


@given(
    tick=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
    minutes=st.sampled_from([5, 10, 15, 20, 30, 60]),
)
def test_a_window_starts_at_or_before_its_tick_and_less_than_a_window_earlier(
    tick: datetime, minutes: int
) -> None:
    start = datetime.strptime(sync_window(tick, minutes), "%Y%m%dT%H%M").replace(tzinfo=UTC)
    assert start <= tick < start + timedelta(minutes=minutes)
    assert start.minute % minutes == 0


@pytest.mark.parametrize(
    ("minutes", "early", "late"),
    [
        (120, datetime(2026, 3, 1, 12, 10, tzinfo=UTC), datetime(2026, 3, 1, 13, 50, tzinfo=UTC)),
        (1440, datetime(2026, 3, 1, 0, 5, tzinfo=UTC), datetime(2026, 3, 1, 13, 44, tzinfo=UTC)),
    ],
)
def test_ticks_in_the_same_long_window_share_a_name(minutes: int, early: datetime, late: datetime) -> None:
    assert sync_window(early, minutes) == sync_window(late, minutes)


def test_due_sellers_are_listed_in_order_with_the_window() -> None:
    out = list_due_sellers(
        datetime(2026, 3, 1, 13, 44, tzinfo=UTC),
        sellers=FakeSellers("B2SELLER0002", "A1SELLER0001"),
        window_minutes=15,
    )
    assert [s.seller_id for s in out.sellers] == ["A1SELLER0001", "B2SELLER0002"]
    assert out.window == "20260301T1330"


def test_no_active_sellers_gives_an_empty_list() -> None:
    out = list_due_sellers(datetime(2026, 3, 1, tzinfo=UTC), sellers=FakeSellers(), window_minutes=15)
    assert out.sellers == []


class FakeBucket:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_json(self, key: str, body: bytes) -> str:
        self.objects[key] = body
        return "fanout-bucket"


def test_a_tick_writes_its_due_list_as_the_maps_items_and_returns_only_where_it_is() -> None:
    # Given 10,000 due sellers (far more than a state's 256 KB holds)
    ids = [f"A{n:011d}" for n in range(10_000)]
    bucket = FakeBucket()
    tick = datetime(2026, 3, 1, 13, 44, 5, 123456, tzinfo=UTC)
    # When the tick lists them without batches (the history archive's list; an older fanout
    # definition, which asks for none, reads it too)
    out = publish_due_sellers(tick, sellers=FakeSellers(*ids), window_minutes=15, sink=bucket)
    # Then the object holds every seller as one ItemReader item, and the result is small
    assert out.bucket == "fanout-bucket"
    assert out.key == "due-sellers/20260301T1330/20260301T134405123456.json"
    assert out.count == 10_000
    assert out.window == "20260301T1330"
    assert json.loads(bucket.objects[out.key]) == [{"seller_id": i} for i in ids]
    assert len(out.model_dump_json()) < 200


def test_a_tick_with_nobody_due_writes_an_empty_list() -> None:
    bucket = FakeBucket()
    out = publish_due_sellers(
        datetime(2026, 3, 1, tzinfo=UTC), sellers=FakeSellers(), window_minutes=15, sink=bucket
    )
    assert out.count == 0
    assert json.loads(bucket.objects[out.key]) == []


def test_the_fanouts_due_list_is_batches_each_a_map_item_and_the_result_stays_small() -> None:
    # Given 10,000 due sellers and the largest batch size the template allows
    ids = [f"A{n:011d}" for n in range(10_000)]
    bucket = FakeBucket()
    tick = datetime(2026, 3, 1, 13, 44, 5, tzinfo=UTC)
    # When the fanout's tick lists them in batches
    out = publish_due_sellers(
        tick, sellers=FakeSellers(*ids), window_minutes=15, sink=bucket, batch_size=MAX_FANOUT_BATCH
    )
    # Then the object holds 50 batches in order, the count is of sellers, and the result is small
    items = json.loads(bucket.objects[out.key])
    assert len(items) == 10_000 // MAX_FANOUT_BATCH
    assert [s for item in items for s in DueBatch.model_validate(item).sellers] == ids
    assert out.count == 10_000
    assert len(out.model_dump_json()) < 200
    # (a Distributed Map item may hold 256 KB; a batch's is a few KB)
    assert max(len(json.dumps(item)) for item in items) < 4_000


def test_starting_a_seller_sync_seeds_the_orders_loop() -> None:
    starter = FakeStarter()
    out = start_seller_sync(
        StartSellerSyncInput(seller_id="A1SELLER0001", window="20260301T1330"), starter=starter
    )
    assert out.status == "started"
    assert out.execution_name == "A1SELLER0001-20260301T1330"
    payload = json.loads(starter.started["A1SELLER0001-20260301T1330"])
    assert payload == {
        "seller_id": "A1SELLER0001",
        "window": "20260301T1330",
        "orders": {"pagination_token": None},
    }


def test_a_second_start_in_the_same_window_is_already_running() -> None:
    # Given a sync already started for this seller and window
    starter = FakeStarter()
    request = StartSellerSyncInput(seller_id="A1SELLER0001", window="20260301T1330")
    start_seller_sync(request, starter=starter)
    # When the same tick (or a retry of it) starts it again
    out = start_seller_sync(request, starter=starter)
    # Then nothing new starts and the caller is told why
    assert out.status == "already_running"
    assert out.execution_name == "A1SELLER0001-20260301T1330"
    assert len(starter.started) == 1


@pytest.mark.parametrize("window", ["2026-03-01T13:30", "20260301", "20260301T133"])
def test_a_malformed_window_is_refused(window: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        StartSellerSyncInput(seller_id="A1SELLER0001", window=window)
