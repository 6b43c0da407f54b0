"""`verified order_chunks <seller> …`: the first demo seller's orders as the sync stored them (chunk
items, a (marketplace, local day)'s orders of one write each), the newest page fetched again
unchanged (as an overlapping run returns it) changing no content and marking no day stale (a version
that only moved its time is appended again: at most a chunk per day of the page), and the reads (by
id, a listing) returning the versions stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sellerflow_dev.local.stack import LocalStack


def verify_order_chunks(stack: LocalStack, say: Callable[[str], None]) -> bool:
    from sellerflow import wiring
    from sellerflow.store.facts_control import DirtyDays
    from sellerflow.store.orders import CHUNK_PREFIX, OrderChunkRecord

    seller = stack.world.sellers[0].seller_id
    orders = wiring.order_store()

    def chunk_keys() -> list[str]:
        return [
            r.sk
            for r in OrderChunkRecord.query(
                seller, OrderChunkRecord.sk.startswith(CHUNK_PREFIX), attributes_to_get=["sk"]
            )
        ]

    items = chunk_keys()
    marked = len(DirtyDays().pending(seller))
    stored = sorted(orders.all_for_seller(seller), key=lambda o: (o.last_updated_time, o.order_id))
    changed = orders.upsert(stored[-100:]) if stored else 0  # the newest page, as a later fetch returns it
    after = chunk_keys()
    days = {(o.marketplace_id, o.local_date) for o in stored[-100:]}
    marked_after = len(DirtyDays().pending(seller))
    newest = max(stored, key=lambda o: o.created_time) if stored else None
    listed = (
        orders.list(
            seller,
            created_from=newest.created_time - timedelta(days=7),
            created_to=newest.created_time + timedelta(seconds=1),
            limit=1000,
        ).orders
        if newest is not None
        else []
    )
    expected = sorted(
        (
            o
            for o in stored
            if newest is not None and o.created_time >= newest.created_time - timedelta(days=7)
        ),
        key=lambda o: (o.created_time, o.order_id),
        reverse=True,
    )
    by_id = orders.get(seller, newest.order_id) if newest is not None else None
    ok = (
        bool(stored)
        and bool(items)
        and set(items) <= set(after)
        and len(after) - len(items) <= len(days)
        and changed == 0
        and marked_after == marked
        and listed == expected
        and by_id == newest
    )
    say(
        f"{'verified' if ok else 'MISMATCH'} order_chunks {seller} orders={len(stored)} chunks={len(items)} "
        f"refetched={min(100, len(stored))} changed={changed} chunks_added={len(after) - len(items)} "
        f"days_marked={marked_after - marked} "
        f"listed={len(listed)} read={'equal' if listed == expected and by_id == newest else 'different'}"
    )
    return ok
