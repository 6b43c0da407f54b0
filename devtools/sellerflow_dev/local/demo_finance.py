"""`verified finance_chunks <seller> …`: the first demo seller's finance transactions as the sync
stored them (chunk items, an hour's transactions each), the newest page fetched again unchanged
through the fact store (as the day's deep run does) adding no item, and a read returning each
transaction once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sellerflow_dev.local.stack import LocalStack


def verify_finance_chunks(stack: LocalStack, say: Callable[[str], None]) -> bool:
    from sellerflow import wiring
    from sellerflow.store.facts import finance_items, latest

    seller = stack.world.sellers[0].seller_id
    facts = wiring.fact_store()
    items = list(finance_items(seller, consistent=True))
    stored = sorted((f for _, f in latest(items).values()), key=lambda f: (f.posted_at, f.transaction_id))
    if stored:
        facts.write(stored[-100:])  # the newest page, as a later fetch returns it
    after = list(finance_items(seller, consistent=True))
    read = (
        facts.finance_transactions(seller, stored[0].posted_at, stored[-1].posted_at + timedelta(seconds=1))
        if stored
        else []
    )
    chunks = sum(i.chunk for i in items)
    ok = (
        bool(stored)
        and chunks > 0
        and after == items
        and [t.transaction_id for t in read] == [t.transaction_id for t in stored]
    )
    say(
        f"{'verified' if ok else 'MISMATCH'} finance_chunks {seller} transactions={len(stored)} "
        f"items={len(items)} chunks={chunks} refetched={min(100, len(stored))} "
        f"items_added={len(after) - len(items)} read={'equal' if read == stored else 'different'}"
    )
    return ok
