"""Orders packed per (marketplace, local day) and write (store/orders.py) on moto: the earlier layout
still read, the report's version against the API's, idempotent pages, a buyer's deletion, the export."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from int_core_support import raw_items

from sellerflow.domain import Order
from sellerflow.errors import OrderNotFound
from sellerflow.store import orders as orders_module
from sellerflow.store.orders import ORDERS, OrderStore, order_export_rows
from sellerflow.sync.mapping import to_order
from sellerflow_dev.simulator import SimWorld


def _orders(world: SimWorld) -> tuple[str, list[Order]]:
    seller_id = world.sellers[0].seller_id
    return seller_id, [to_order(seller_id, document) for document in world.orders(seller_id)]


def _keys(aws: Any, prefix: str) -> list[str]:
    return sorted(i["sk"]["S"] for i in raw_items(aws, "SellerDataTable") if i["sk"]["S"].startswith(prefix))


def _everything(store: OrderStore, seller_id: str) -> list[Order]:
    return store.list(
        seller_id,
        created_from=datetime.now(UTC) - timedelta(days=500),
        created_to=datetime.now(UTC) + timedelta(days=1),
        limit=10_000,
    ).orders


def test_orders_of_the_earlier_layout_are_read_and_a_newer_version_wins_over_them(
    aws: Any, world: SimWorld
) -> None:
    # Given orders stored by the earlier layout, one `ORDER#<id>` item each
    seller_id, orders = _orders(world)
    old_at = datetime.now(UTC) - timedelta(days=1)
    for order in orders:
        ORDERS.to_record(
            order, synced_at=old_at, expires_at=int((old_at + timedelta(days=500)).timestamp())
        ).save()
    store = OrderStore()

    # Then every read finds them
    assert store.get(seller_id, orders[0].order_id) == orders[0]
    assert {o.order_id for o in store.all_for_seller(seller_id)} == {o.order_id for o in orders}
    assert {o.order_id for o in _everything(store, seller_id)} == {o.order_id for o in orders}

    # When the same versions arrive again, then one that only moves its time, then one with new content
    assert store.upsert(orders) == 0
    assert _keys(aws, "ORDERS#") == []  # nothing new to append
    first, second = orders[0], orders[1]
    moved = first.model_copy(update={"last_updated_time": first.last_updated_time + timedelta(hours=1)})
    changed = second.model_copy(
        update={"status": "Shipped", "last_updated_time": second.last_updated_time + timedelta(hours=1)}
    )
    written = store.upsert([moved, changed])

    # Then only the new content counts as a change, and every read returns the newest version once
    assert written == 1
    assert store.get(seller_id, first.order_id) == moved
    assert store.get(seller_id, second.order_id) == changed
    listed = {o.order_id: o for o in _everything(store, seller_id)}
    assert len(listed) == len(orders)
    assert listed[first.order_id] == moved
    assert listed[second.order_id] == changed
    assert sorted(o.order_id for o in store.all_for_seller(seller_id)) == sorted(o.order_id for o in orders)


def test_at_the_same_time_the_apis_version_wins_over_the_reports_whichever_came_first(
    aws: Any, world: SimWorld
) -> None:
    seller_id, orders = _orders(world)
    api_first, report_first = orders[0], orders[1]
    store = OrderStore()

    # Given one order stored from the API and another from the All Orders report
    store.upsert([api_first])
    store.upsert([report_first.model_copy(update={"fulfilled_by": None})], only_if_newer=True)

    # When the report brings the first at the same time, and the API the second
    store.upsert([api_first.model_copy(update={"fulfilled_by": None})], only_if_newer=True)
    store.upsert([report_first])

    # Then both read as the API's version
    assert store.get(seller_id, api_first.order_id) == api_first
    assert store.get(seller_id, report_first.order_id) == report_first


def test_a_page_written_twice_writes_the_same_chunks_and_a_big_day_is_split(
    aws: Any, world: SimWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller_id, orders = _orders(world)
    monkeypatch.setattr(orders_module, "CHUNK_ORDERS", 2)  # the split, without 250 orders a day
    store = OrderStore()
    day = orders[0].local_date
    same_day = [o for o in orders if (o.marketplace_id, o.local_date) == (orders[0].marketplace_id, day)]
    page = [
        o.model_copy(update={"order_id": f"{o.order_id[:-1]}{n}"}) for o in same_day[:1] for n in range(5)
    ]

    # When a page of five orders of one day is written, then written again (a retried invocation)
    store.upsert(page)
    first = _keys(aws, "ORDERS#")
    store.upsert(page)

    # Then it was split into chunks of at most two, the retry wrote the same keys, and all read back
    assert len(first) == 3
    assert _keys(aws, "ORDERS#") == first
    assert sorted(o.order_id for o in store.all_for_seller(seller_id)) == sorted(o.order_id for o in page)


def test_a_buyers_deletion_removes_the_order_from_its_chunks_and_keeps_the_others(
    aws: Any, world: SimWorld
) -> None:
    # Given a day's orders in one chunk, and a later version of one of them in another
    seller_id, orders = _orders(world)
    victim = orders[0]
    store = OrderStore()
    store.upsert(orders)
    store.upsert(
        [
            victim.model_copy(
                update={
                    "status": "Shipped",
                    "last_updated_time": victim.last_updated_time + timedelta(hours=2),
                }
            )
        ]
    )

    # When the buyer's order is erased
    days = store.erase_order(seller_id, victim.order_id)

    # Then no chunk holds it, its ORDERID# item is gone, the others are untouched, its day is named
    assert days == [(victim.marketplace_id, victim.local_date)]
    with pytest.raises(OrderNotFound):
        store.get(seller_id, victim.order_id)
    assert f"ORDERID#{victim.order_id}" not in _keys(aws, "ORDERID#")
    assert sorted(o.order_id for o in store.all_for_seller(seller_id)) == sorted(
        o.order_id for o in orders if o.order_id != victim.order_id
    )
    assert store.erase_order(seller_id, victim.order_id) == []  # again: nothing left to do


def test_the_export_reads_a_days_chunks_as_one_row_per_order_in_its_newest_version(
    aws: Any, world: SimWorld
) -> None:
    seller_id, orders = _orders(world)
    store = OrderStore()
    store.upsert(orders)
    newer = orders[0].model_copy(
        update={"status": "Shipped", "last_updated_time": orders[0].last_updated_time + timedelta(hours=2)}
    )
    store.upsert([newer])
    plain = [
        {k: (v.get("S") or v.get("N") or v.get("B")) for k, v in item.items()}
        for item in raw_items(aws, "SellerDataTable")
        if item["seller_id"]["S"] == seller_id
    ]
    plain.sort(key=lambda i: str(i["sk"]))

    rows = [r for r in order_export_rows(plain) if str(r["sk"]).startswith("ORDER#")]

    assert sorted(r["sk"] for r in rows) == sorted(f"ORDER#{o.order_id}" for o in orders)
    (row,) = [r for r in rows if r["sk"] == f"ORDER#{newer.order_id}"]
    assert row["status"] == "Shipped"
    assert row["seller_id"] == seller_id
    assert not [r for r in order_export_rows(plain) if str(r["sk"]).startswith("ORDERS#")]


def test_a_settled_days_chunks_are_compacted_to_its_newest_versions_and_reads_do_not_change(
    aws: Any, world: SimWorld
) -> None:
    # Given a day's orders written created, then shipped, then delivered (three chunks of the day)
    seller_id, orders = _orders(world)
    # (a day of several orders: a later version of one of them is then not the day's compaction by
    # itself; the world is drawn from today, and some days hold a single order)
    per_day = Counter((o.marketplace_id, o.local_date) for o in orders)
    first = next(o for o in orders if per_day[(o.marketplace_id, o.local_date)] > 1)
    day_orders = [
        o for o in orders if (o.marketplace_id, o.local_date) == (first.marketplace_id, first.local_date)
    ]
    store = OrderStore()
    store.upsert(orders)
    shipped = [
        o.model_copy(
            update={"status": "Shipped", "last_updated_time": o.last_updated_time + timedelta(days=1)}
        )
        for o in day_orders
    ]
    store.upsert(shipped)
    delivered = [
        o.model_copy(update={"last_updated_time": o.last_updated_time + timedelta(days=3)}) for o in shipped
    ]
    store.upsert(delivered)
    day_prefix = f"ORDERS#{first.local_date.isoformat()}#{first.marketplace_id}#"
    before_keys = [k for k in _keys(aws, "ORDERS#") if k.startswith(day_prefix)]
    other_days = [k for k in _keys(aws, "ORDERS#") if not k.startswith(day_prefix)]
    before = sorted(store.all_for_seller(seller_id), key=lambda o: o.order_id)

    # When the days are compacted
    removed, written = orders_module.compact_days(seller_id, first.local_date, first.local_date)

    # Then the day holds one chunk of its newest versions, other days are untouched, reads are the same
    after_keys = [k for k in _keys(aws, "ORDERS#") if k.startswith(day_prefix)]
    assert len(before_keys) == 3
    # (the delivered chunk holds every order of the day in its newest version: it is its own compaction)
    assert (removed, written) == (2, 1)
    assert len(after_keys) == 1
    assert [k for k in _keys(aws, "ORDERS#") if not k.startswith(day_prefix)] == other_days
    assert sorted(store.all_for_seller(seller_id), key=lambda o: o.order_id) == before
    assert {o.order_id: o for o in before if o.order_id in {d.order_id for d in delivered}} == {
        o.order_id: o for o in delivered
    }

    # And a later version still appends and wins, before and after the day is compacted again
    returned = delivered[0].model_copy(
        update={
            "status": "Returned",
            "last_updated_time": delivered[0].last_updated_time + timedelta(days=20),
        }
    )
    store.upsert([returned])
    assert store.get(seller_id, returned.order_id) == returned
    assert orders_module.compact_days(seller_id, first.local_date, first.local_date) == (2, 1)
    assert store.get(seller_id, returned.order_id) == returned
    assert orders_module.compact_days(seller_id, first.local_date, first.local_date) == (0, 0)
