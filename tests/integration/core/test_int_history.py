"""The history archive on moto: a seller's orders and transactions past the hot window move to one
SSE-KMS gzip object per (marketplace, day), leave DynamoDB, and every reader sees the same as before;
a run stopped between the objects and the deletes loses nothing and its rerun finishes."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from int_core_support import REGION, raw_items

from sellerflow.analytics.rollups import CogsBook, compute_day
from sellerflow.calendar import local_day, utc_span
from sellerflow.domain import Order
from sellerflow.errors import OrderNotFound
from sellerflow.facts import FinanceTransactionFact
from sellerflow.store import history_index
from sellerflow.store.facts import FINANCES, FactStore
from sellerflow.store.history import HistoryArchive, HistoryObjects
from sellerflow.store.history_archiver import HistoryArchiver, checkpoint
from sellerflow.store.history_index import IndexShard, OrderIndex
from sellerflow.store.orders import (
    LOCATOR_PREFIX,
    ORDER_ID_DAYS,
    ORDER_ID_LATE_DAYS,
    SETTLED_DAYS,
    OrderIdRecord,
    OrderLocatorRecord,
    OrderStore,
)
from sellerflow.sync.mapping import to_order
from sellerflow_dev.simulator import PII_MARKER, SimWorld, find_pii_markers

BUCKET = "sellerflow-test-history"
HOT_DAYS = 100
EVERYTHING = {"BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "PROMOTION"}


def _transactions(orders: list[Order]) -> list[FinanceTransactionFact]:
    return [
        FinanceTransactionFact(
            seller_id=o.seller_id,
            transaction_id=f"T-{o.order_id}",
            transaction_type="Shipment",
            posted_at=o.created_time + timedelta(hours=1),
            marketplace_id=o.marketplace_id,
            local_date=o.local_date,  # close enough for the test: the archive groups by this day
            order_id=o.order_id,
            sku=None,
            quantity=1,
            total=Decimal("10.00"),
            currency=o.currency or "USD",
            amounts=(("ProductCharges", Decimal("12.00")), ("ReferralFee", Decimal("-2.00"))),
        )
        for o in orders
    ]


@pytest.fixture
def history(aws: Any, kms_key_arn: str) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    return {"s3": s3, "objects": HistoryObjects(BUCKET, kms_key_id=kms_key_arn), "key": kms_key_arn}


def _seeded(world: SimWorld, pii: bool = False) -> tuple[str, list[Order], datetime]:
    seller_id = world.sellers[0].seller_id
    # every other order of the simulated month (fast, and still spread over its days)
    documents = [
        world.order_document(seller_id, str(doc["orderId"]), EVERYTHING) if pii else doc
        for doc in world.orders(seller_id)[::2]
    ]
    orders = [to_order(seller_id, doc) for doc in documents]
    FactStore().write([*orders, *_transactions(orders)])
    OrderStore().upsert(orders)
    # "now" far enough on that the world's whole month is past the hot window
    return seller_id, orders, max(o.created_time for o in orders) + timedelta(days=HOT_DAYS + 10)


def _items(aws: Any, seller_id: str, prefix: str) -> list[dict[str, Any]]:
    return [
        i
        for i in raw_items(aws, "SellerDataTable")
        if i["seller_id"]["S"] == seller_id and i["sk"]["S"].startswith(prefix)
    ]


def _in_dynamodb(seller_id: str) -> set[str]:
    """The ids of the orders DynamoDB still holds (in chunks or the earlier layout's items)."""
    return {o.order_id for o in OrderStore().all_for_seller(seller_id)}


def _index_keys(history: dict[str, Any], seller_id: str) -> list[str]:
    listed = history["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"history/{seller_id}/index/")
    return sorted(o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith(".json.gz"))


def _index_bytes(history: dict[str, Any], seller_id: str) -> dict[str, bytes]:
    return {
        k: history["s3"].get_object(Bucket=BUCKET, Key=k)["Body"].read()
        for k in _index_keys(history, seller_id)
    }


def _readers(objects: HistoryObjects, now: datetime) -> tuple[OrderStore, FactStore]:
    archive = HistoryArchive(objects, hot_days=HOT_DAYS)
    orders = OrderStore(history=archive, clock=lambda: now)
    return orders, FactStore(orders=orders, history=archive, clock=lambda: now)


def _listing(store: OrderStore, seller_id: str, start: datetime, end: datetime, limit: int) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        page = store.list(seller_id, created_from=start, created_to=end, limit=limit, next_token=token)
        ids += [o.order_id for o in page.orders]
        token = page.next_token
        if token is None:
            return ids


def _finance_pages(facts: FactStore, seller_id: str, start: datetime, end: datetime) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = facts.finance_page(seller_id, start, end, limit=4, after_key=after)
        ids += [t.transaction_id for t in page.transactions]
        after = page.last_key
        if after is None:
            return ids


def _day_rollup(facts: FactStore, seller_id: str, marketplace_id: str, day: Any) -> Any:
    start, end = utc_span(marketplace_id, day)
    return compute_day(
        seller_id,
        marketplace_id,
        day,
        orders=facts.orders_purchased(seller_id, marketplace_id, start, end),
        transactions=facts.finance_transactions(seller_id, start, end, marketplace_id=marketplace_id),
        cogs=CogsBook([]),
        ad_spend=Decimal(0),
        ad_sales=Decimal(0),
    )


def test_archiving_moves_old_history_to_encrypted_objects_and_readers_see_the_same(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given a seller's month of orders and transactions, all past the hot window
    seller_id, orders, now = _seeded(world)
    objects: HistoryObjects = history["objects"]
    order_reader, fact_reader = _readers(objects, now)
    start, end = (
        min(o.created_time for o in orders),
        max(o.created_time for o in orders) + timedelta(seconds=1),
    )
    listed_before = _listing(order_reader, seller_id, start - timedelta(days=2), end + timedelta(days=2), 7)
    sample = orders[len(orders) // 2]
    rollup_before = _day_rollup(fact_reader, seller_id, sample.marketplace_id, sample.local_date)
    finance_before = fact_reader.finance_transactions(seller_id, start, end + timedelta(days=1))
    pages_before = _finance_pages(fact_reader, seller_id, start, end + timedelta(days=1))
    by_id_before = order_reader.get(seller_id, sample.order_id)

    # When the archive job runs
    result = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)

    # Then every order and transaction left DynamoDB for one object per (marketplace, day)
    assert result.orders_archived == len(orders)
    assert result.transactions_archived == len(orders)
    assert _items(aws, seller_id, "ORDERS#") == []
    assert _items(aws, seller_id, "FIN#") == []
    days = objects.days(seller_id)
    assert len(days) == len({(o.marketplace_id, o.local_date) for o in orders}) == result.objects_written
    key = f"history/{seller_id}/{days[0][0]}/{days[0][1].isoformat()}.jsonl.gz"
    head = history["s3"].head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == history["key"]
    assert checkpoint(seller_id)["orders_archived"] == len(orders)  # type: ignore[index]
    # And the listing, a day's rollup and the transactions read the same as before
    assert (
        _listing(order_reader, seller_id, start - timedelta(days=2), end + timedelta(days=2), 7)
        == listed_before
    )
    assert sorted(listed_before) == sorted(o.order_id for o in orders)
    assert _day_rollup(fact_reader, seller_id, sample.marketplace_id, sample.local_date) == rollup_before
    assert fact_reader.finance_transactions(seller_id, start, end + timedelta(days=1)) == finance_before
    assert _finance_pages(fact_reader, seller_id, start, end + timedelta(days=1)) == pages_before
    assert len(pages_before) == len(orders)
    # And an archived order is found by its id alone (`GET /orders/{orderId}`), through the order-id
    # index in S3 (SSE-KMS like the days), no DynamoDB item per order left behind
    assert order_reader.get(seller_id, sample.order_id) == by_id_before
    assert _items(aws, seller_id, "ORDERDAY#") == []
    index = OrderIndex(objects)
    assert {o.order_id: index.locate(seller_id, o.order_id) for o in orders} == {
        o.order_id: (o.marketplace_id, o.local_date) for o in orders
    }
    shard = _index_keys(history, seller_id)[0]
    assert history["s3"].head_object(Bucket=BUCKET, Key=shard)["SSEKMSKeyId"] == history["key"]
    with pytest.raises(OrderNotFound):
        order_reader.get(seller_id, "999-0000000-0000000")
    with pytest.raises(OrderNotFound):  # without the archive, the store knows DynamoDB alone
        OrderStore().get(seller_id, sample.order_id)


def test_a_run_stopped_after_the_objects_loses_nothing_and_its_rerun_finishes(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given a run that dies after writing its first chunk's objects, before any delete
    seller_id, orders, now = _seeded(world)
    objects: HistoryObjects = history["objects"]

    def crash(_: str) -> None:
        raise RuntimeError("Lambda timed out")

    with pytest.raises(RuntimeError):
        HistoryArchiver(objects, hot_days=HOT_DAYS, after_write=crash).run(seller_id, now=now)
    # Then every order is still in DynamoDB, and the readers see each once
    assert len(_in_dynamodb(seller_id)) == len(orders)
    order_reader, _ = _readers(objects, now)
    # and the index already leads the first chunk's orders to their days (written before any delete)
    first_index = _index_bytes(history, seller_id)
    indexed = [o for o in orders if OrderIndex(objects).locate(seller_id, o.order_id) is not None]
    assert indexed
    for order in indexed:
        assert order_reader.get(seller_id, order.order_id) == order
    start, end = (
        min(o.created_time for o in orders),
        max(o.created_time for o in orders) + timedelta(seconds=1),
    )
    assert sorted(_listing(order_reader, seller_id, start, end, 50)) == sorted(o.order_id for o in orders)
    first_bytes = {d: objects.get(seller_id, *d) for d in objects.days(seller_id)}
    # When the job runs again
    result = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    # Then it finishes: nothing left in DynamoDB, every order in an object once, the first objects unchanged
    assert _items(aws, seller_id, "ORDERS#") == []
    assert result.orders_archived == len(orders)
    archived = [o for d in objects.days(seller_id) for o in objects.get(seller_id, *d).orders]  # type: ignore[union-attr]
    assert sorted(archived) == sorted(o.order_id for o in orders)
    for day, before in first_bytes.items():
        assert objects.get(seller_id, *day) == before
    # and the index shards the first run wrote were rewritten with the same bytes, or grew
    after = _index_bytes(history, seller_id)
    for key, body in first_index.items():
        shard = IndexShard.decode(after[key]).entries
        assert body == after[key] or set(IndexShard.decode(body).entries) < set(shard)
    for order in orders:
        assert order_reader.get(seller_id, order.order_id) == order
    # And a third run has nothing to do
    assert HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now).objects_written == 0


def test_an_order_updated_after_it_was_archived_reads_as_its_newer_version(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given an archived seller, then a late update of one archived order (a return, months later)
    seller_id, orders, now = _seeded(world)
    objects: HistoryObjects = history["objects"]
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    late = orders[0].model_copy(update={"status": "Returned", "last_updated_time": now - timedelta(hours=1)})
    OrderStore().upsert([late], now=now)
    # Then readers see the newer version (DynamoDB wins), once
    order_reader, fact_reader = _readers(objects, now)
    start, end = utc_span(late.marketplace_id, late.local_date)
    seen = [
        o
        for o in fact_reader.orders_purchased(seller_id, late.marketplace_id, start, end)
        if o.order_id == late.order_id
    ]
    assert [o.status for o in seen] == ["Returned"]
    listed = order_reader.list(seller_id, created_from=start, created_to=end, limit=500).orders
    assert [o.status for o in listed if o.order_id == late.order_id] == ["Returned"]
    # And the next run merges it into its day's object and removes it from DynamoDB
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    assert _items(aws, seller_id, "ORDERS#") == []
    day = objects.get(seller_id, late.marketplace_id, late.local_date)
    assert day is not None
    assert day.orders[late.order_id].status == "Returned"


def test_only_days_before_the_hot_window_are_archived(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given a seller whose orders straddle the hot window's first day
    seller_id, orders, _ = _seeded(world)
    days = sorted({o.local_date for o in orders})
    middle = days[len(days) // 2]
    now = datetime.combine(middle + timedelta(days=HOT_DAYS), datetime.min.time(), tzinfo=UTC)
    objects: HistoryObjects = history["objects"]
    order_reader, fact_reader = _readers(objects, now)
    start, end = (
        min(o.created_time for o in orders),
        max(o.created_time for o in orders) + timedelta(seconds=1),
    )
    listed_before = _listing(order_reader, seller_id, start, end, 5)
    pages_before = _finance_pages(fact_reader, seller_id, start, end + timedelta(days=1))
    # When the job runs
    result = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    # Then exactly the orders of the days before it left DynamoDB, and those are in the objects
    assert result.cutoff == middle
    kept = _in_dynamodb(seller_id)
    assert kept == {o.order_id for o in orders if o.local_date >= middle}
    archived = {o for d in objects.days(seller_id) for o in objects.get(seller_id, *d).orders}  # type: ignore[union-attr]
    assert archived == {o.order_id for o in orders if o.local_date < middle} != set()
    # And a paged listing across the hot days and the archived ones is the same as before, newest first
    assert _listing(order_reader, seller_id, start, end, 5) == listed_before
    assert sorted(listed_before) == sorted(o.order_id for o in orders)
    assert _finance_pages(fact_reader, seller_id, start, end + timedelta(days=1)) == pages_before


def test_an_archived_object_carries_no_buyer_pii(aws: Any, world: SimWorld, history: dict[str, Any]) -> None:
    # Given orders fetched WITH buyer and recipient data (the canaries), stored and archived
    seller_id, _, now = _seeded(world, pii=True)
    objects: HistoryObjects = history["objects"]
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    # Then no archived object holds a canary
    for marketplace_id, day in objects.days(seller_id):
        key = f"history/{seller_id}/{marketplace_id}/{day.isoformat()}.jsonl.gz"
        text = gzip.decompress(history["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read()).decode()
        assert text
        assert json.loads(text.splitlines()[0])["type"] in ("order", "finance")
        assert find_pii_markers(text) == []
        assert PII_MARKER not in text.lower()


def test_a_run_out_of_time_stops_between_steps_and_the_next_run_finishes(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given a run whose Lambda time runs out after a few checks
    seller_id, orders, now = _seeded(world)
    objects: HistoryObjects = history["objects"]
    checks = iter([600_000] * 3)
    first = HistoryArchiver(objects, hot_days=HOT_DAYS).run(
        seller_id, now=now, time_left_ms=lambda: next(checks, 1_000)
    )
    # Then it stops early, and every order is in DynamoDB or in an object
    assert not first.done
    in_table = _in_dynamodb(seller_id)
    archived = {o for d in objects.days(seller_id) for o in objects.get(seller_id, *d).orders}  # type: ignore[union-attr]
    assert in_table | archived == {o.order_id for o in orders}
    assert in_table  # work is left for the next run
    # And the next run finishes it
    second = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    assert second.done
    assert first.orders_archived + second.orders_archived == len(orders)
    assert _items(aws, seller_id, "ORDERS#") == []


def test_the_index_splits_as_it_grows_drops_entries_past_the_retention_and_reruns_write_the_same_bytes(
    aws: Any, history: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an index whose shards split above 4 entries (20,000 deployed)
    monkeypatch.setattr(history_index, "MAX_ENTRIES", 4)
    objects: HistoryObjects = history["objects"]
    index = OrderIndex(objects)
    seller_id = "A1SELLERINDEX"
    old_day, day = date(2025, 1, 1), date(2026, 1, 1)
    first = {f"111-0000000-{n:07d}": ("ATVPDKIKX0DER", old_day) for n in range(3)}
    index.add(seller_id, first, oldest_kept=old_day, leave_out=set())
    assert index.shards(seller_id) == 1
    # When more orders arrive, days later: past the retention for the first ones, one left out
    later = {f"111-0000001-{n:07d}": ("A1PA6795UKMFR9", day) for n in range(12)}
    left_out = next(iter(later))
    written = index.add(seller_id, later, oldest_kept=day, leave_out={left_out})
    # Then the index split until no shard holds more than 4, the old shard was deleted, every kept
    # order is found in its shard, the expired and the left-out ones nowhere
    shards = index.shards(seller_id)
    assert shards is not None
    assert shards > 1
    keys = _index_keys(history, seller_id)
    assert keys
    assert all(k.startswith(f"history/{seller_id}/index/{shards}/") for k in keys)
    assert written == len(keys) + 1 + 1  # the one-shard write, the new shards, the manifest
    for body in _index_bytes(history, seller_id).values():
        assert 0 < len(IndexShard.decode(body).entries) <= 4
    assert {k: index.locate(seller_id, k) for k in later if k != left_out} == {
        k: v for k, v in later.items() if k != left_out
    }
    assert [index.locate(seller_id, k) for k in [*first, left_out]] == [None] * 4
    # And adding the same entries again writes the same bytes
    before = _index_bytes(history, seller_id)
    index.add(seller_id, {k: v for k, v in later.items() if k != left_out}, oldest_kept=day, leave_out=set())
    assert _index_bytes(history, seller_id) == before


def test_an_order_archived_before_the_index_is_still_found_by_its_locator(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given an order archived by the job before the index: in its day object, with an ORDERDAY# locator
    seller_id, orders, now = _seeded(world)
    objects: HistoryObjects = history["objects"]
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    sample = orders[0]
    for key in _index_keys(history, seller_id):
        history["s3"].delete_object(Bucket=BUCKET, Key=key)
    order_reader, _ = _readers(objects, now)
    with pytest.raises(OrderNotFound):
        order_reader.get(seller_id, sample.order_id)
    OrderLocatorRecord(
        seller_id,
        f"{LOCATOR_PREFIX}{sample.order_id}",
        marketplace_id=sample.marketplace_id,
        day=sample.local_date.isoformat(),
        expires_at=int((now + timedelta(days=400)).timestamp()),
    ).save()
    # Then it is found by its id, through the locator, until the locator expires
    assert order_reader.get(seller_id, sample.order_id) == sample


def test_a_later_run_drops_the_index_entries_past_the_retention_with_their_days(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given an archived seller with nothing more to archive
    seller_id, orders, now = _seeded(world)
    objects: HistoryObjects = history["objects"]
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=now)
    index = OrderIndex(objects)
    newest = max(o.local_date for o in orders)
    # When the job runs the day the newest day's retention ends, and again the day after
    end = datetime.combine(newest + timedelta(days=548), datetime.min.time(), tzinfo=UTC)
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=end)
    kept = {o.order_id for o in orders if index.locate(seller_id, o.order_id) is not None}
    assert kept == {o.order_id for o in orders if o.local_date == newest} != set()
    result = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=end + timedelta(days=1))
    # Then the day objects are gone, and so are their orders' entries: each shard rewritten without them
    assert result.objects_expired > 0
    assert objects.days(seller_id) == []
    assert [index.locate(seller_id, o.order_id) for o in orders] == [None] * len(orders)
    assert all(IndexShard.decode(body).entries == {} for body in _index_bytes(history, seller_id).values())


US, JP = "ATVPDKIKX0DER", "A1VC38T7YXB528"


def _fact(transaction_id: str, posted_at: datetime, marketplace_id: str) -> FinanceTransactionFact:
    return FinanceTransactionFact(
        seller_id="A1CHUNKSELLER",
        transaction_id=transaction_id,
        transaction_type="Shipment",
        posted_at=posted_at,
        marketplace_id=marketplace_id,
        local_date=local_day(marketplace_id, posted_at),
        order_id=f"O-{transaction_id}",
        sku="SKU-1",
        quantity=1,
        total=Decimal("10.00"),
        currency="USD",
        amounts=(("ProductCharges", Decimal("10.00")),),
    )


def test_a_chunk_leaves_dynamodb_only_once_every_transaction_in_it_is_archived(
    aws: Any, history: dict[str, Any]
) -> None:
    # Given one posting hour's chunk holding a US transaction (local day Mar 1) and a JP one (Mar 2),
    # and a transaction of the day before stored as a legacy item (one transaction, `FIN#<iso>#<id>`)
    seller_id = "A1CHUNKSELLER"
    at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # US Mar 1 08:30, JP Mar 2 01:30
    us, jp = _fact("T-US", at, US), _fact("T-JP", at + timedelta(minutes=10), JP)
    old = _fact("T-OLD", at - timedelta(days=1), US)
    FactStore().write([us, jp], now=at)
    FINANCES.to_record(old, written_at=at, expires_at=int(at.timestamp()) + 10**8).save()
    assert len(_items(aws, seller_id, "FIN#")) == 2
    objects: HistoryObjects = history["objects"]
    first_run = datetime(2026, 3, 2, 6, tzinfo=UTC) + timedelta(days=HOT_DAYS)  # days before Mar 2 go

    # When the archive runs with Mar 2 the first hot day
    result = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=first_run)

    # Then the US and legacy transactions are in Mar 1's and Feb 28's objects, the legacy item is
    # gone, and the chunk stays: its JP transaction's day is not archived yet
    assert result.cutoff == date(2026, 3, 2)
    archived = {
        t.transaction_id
        for m, d in objects.days(seller_id)
        for t in objects.get(seller_id, m, d).transactions.values()  # type: ignore[union-attr]
    }
    assert archived == {"T-US", "T-OLD"}
    (kept,) = _items(aws, seller_id, "FIN#")
    assert "payload" in kept
    assert result.transactions_archived == 1
    # And a reader sees each transaction once (DynamoDB's chunk, the archive)
    _, facts = _readers(objects, first_run)
    read = facts.finance_transactions(seller_id, at - timedelta(days=2), at + timedelta(days=1))
    assert [t.transaction_id for t in read] == ["T-OLD", "T-US", "T-JP"]

    # When the next day's run archives Mar 2
    later = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=first_run + timedelta(days=1))
    # Then the chunk goes, its two transactions counted, and the JP one is in its day's object
    assert _items(aws, seller_id, "FIN#") == []
    assert later.transactions_archived == 2
    jp_day = objects.get(seller_id, JP, date(2026, 3, 2))
    assert jp_day is not None
    assert [t.transaction_id for t in jp_day.transactions.values()] == ["T-JP"]
    _, facts = _readers(objects, first_run + timedelta(days=1))
    assert facts.finance_transactions(seller_id, at - timedelta(days=2), at + timedelta(days=1)) == read


def _expire_order_ids(aws: Any, seller_id: str, at: datetime) -> int:
    """What DynamoDB's TTL does to the seller's ORDERID# items by `at` (moto keeps them): how many went."""
    gone = 0
    for item in _items(aws, seller_id, "ORDERID#"):
        if int(item["expires_at"]["N"]) <= at.timestamp():
            OrderIdRecord(seller_id, item["sk"]["S"]).delete()
            gone += 1
    return gone


def _synced(world: SimWorld) -> tuple[str, list[Order]]:
    """The seller's month of orders, each written an hour after its purchase (as the sync does)."""
    seller_id = world.sellers[0].seller_id
    orders = [to_order(seller_id, doc) for doc in world.orders(seller_id)[::2]]
    for order in orders:
        OrderStore().upsert([order], now=order.created_time + timedelta(hours=1))
    return seller_id, orders


def test_settled_days_are_indexed_once_caught_up_after_missed_runs_and_found_after_their_items_expire(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given a month of orders written as they came: each ORDERID# item to expire 45 days after its purchase
    seller_id, orders = _synced(world)
    assert {
        (int(i["expires_at"]["N"]) - int(o.created_time.timestamp())) // 86_400
        for o in orders
        for i in _items(aws, seller_id, f"ORDERID#{o.order_id}")
    } == {ORDER_ID_DAYS}
    objects: HistoryObjects = history["objects"]
    index = OrderIndex(objects)
    first_day = min(o.local_date for o in orders)
    # When the archive runs the day the month's first days have settled
    at = datetime.combine(first_day + timedelta(days=SETTLED_DAYS + 2), datetime.min.time(), tzinfo=UTC)
    first = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=at + timedelta(hours=3))
    # Then the orders of the days it compacted are in the index (their chunks stay), the others not yet
    indexed_through = first_day + timedelta(days=2)
    assert first.orders_archived == 0
    assert first.index_objects_written > 0
    assert {o.order_id for o in orders if index.locate(seller_id, o.order_id)} == {
        o.order_id for o in orders if o.local_date <= indexed_through
    }
    # And a run ten days later (nine missed) catches up on every day settled since, once each
    later = at + timedelta(days=10, hours=3)
    assert HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=later).index_objects_written > 0
    settled = [o for o in orders if o.local_date <= indexed_through + timedelta(days=10)]
    assert {
        o.order_id: index.locate(seller_id, o.order_id) for o in orders if index.locate(seller_id, o.order_id)
    } == {o.order_id: (o.marketplace_id, o.local_date) for o in settled}
    before = _index_bytes(history, seller_id)
    assert HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=later).index_objects_written == 0
    assert _index_bytes(history, seller_id) == before
    # When their ORDERID# items expire, before their days leave DynamoDB
    expired_at = max(o.created_time for o in settled) + timedelta(days=ORDER_ID_DAYS, hours=1)
    assert _expire_order_ids(aws, seller_id, expired_at) >= len(settled)
    # Then each is still found by its id: the index names its day, whose chunks are still hot
    order_reader, _ = _readers(objects, expired_at)
    assert checkpoint(seller_id)["orders_archived"] == 0  # type: ignore[index]
    for order in settled:
        assert order_reader.get(seller_id, order.order_id) == order
    # And when the days are archived, their entries are already there: the shards are read, not written
    archived_at = max(o.created_time for o in orders) + timedelta(days=HOT_DAYS + 10)
    shards_before = _index_bytes(history, seller_id)
    result = HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=archived_at)
    assert result.orders_archived == len(orders)
    after = _index_bytes(history, seller_id)
    assert all(
        IndexShard.decode(after[k]).entries.items() >= IndexShard.decode(b).entries.items()
        for k, b in shards_before.items()
    )
    assert {o.order_id: index.locate(seller_id, o.order_id) for o in orders} == {
        o.order_id: (o.marketplace_id, o.local_date) for o in orders
    }
    order_reader, _ = _readers(objects, archived_at)
    for order in settled[:5]:
        assert order_reader.get(seller_id, order.order_id) == order


def test_a_version_arriving_after_the_orders_item_expired_is_stored_as_new_and_the_latest_wins(
    aws: Any, world: SimWorld, history: dict[str, Any]
) -> None:
    # Given orders whose day settled (indexed) and whose ORDERID# items then expired
    seller_id, orders = _synced(world)
    objects: HistoryObjects = history["objects"]
    order = orders[0]
    settled_at = datetime.combine(
        order.local_date + timedelta(days=SETTLED_DAYS + 1), datetime.min.time(), tzinfo=UTC
    )
    HistoryArchiver(objects, hot_days=HOT_DAYS).run(seller_id, now=settled_at)
    now = order.created_time + timedelta(days=ORDER_ID_DAYS + 5)
    _expire_order_ids(aws, seller_id, now)
    assert _items(aws, seller_id, f"ORDERID#{order.order_id}") == []
    # When a later version arrives (a return), then, late, an older one the store had already stored
    returned = order.model_copy(update={"status": "Returned", "last_updated_time": now - timedelta(hours=1)})
    store = OrderStore(history=HistoryArchive(objects, hot_days=HOT_DAYS), clock=lambda: now)
    assert store.upsert([returned], now=now) == 1
    assert store.upsert([order], now=now + timedelta(hours=1)) == 0  # the item is back: no new content
    # Then both are in the day's chunks, and every reader sees the latest
    assert store.get(seller_id, order.order_id) == returned
    assert {o.order_id: o for o in store.all_for_seller(seller_id)}[order.order_id] == returned
    # and its new ORDERID# item lives until the day leaves DynamoDB (its day may be indexed already)
    (item,) = _items(aws, seller_id, f"ORDERID#{order.order_id}")
    assert int(item["expires_at"]["N"]) == int(
        (order.created_time + timedelta(days=ORDER_ID_LATE_DAYS)).timestamp()
    )
    # And once that item expires too, a version older than the latest is appended and still loses
    _expire_order_ids(aws, seller_id, order.created_time + timedelta(days=ORDER_ID_LATE_DAYS))
    assert store.upsert([order], now=now + timedelta(days=1)) == 1
    assert store.get(seller_id, order.order_id) == returned
