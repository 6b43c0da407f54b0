"""Review requests end to end below the workflow: the real SpApiClient against the simulator over
HTTP, the outcome store and the stored orders and refunds in moto's DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from int_core_support import Port

from sellerflow.reports.finances import finance_fact_from_transaction
from sellerflow.solicitations.model import (
    RUN_EVERY,
    Outcome,
    ReviewRequest,
    ReviewRequestSettings,
    RunMarker,
)
from sellerflow.solicitations.service import ReviewRequester, counts
from sellerflow.store.facts import FactStore
from sellerflow.store.orders import OrderStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.solicitations import ReviewRequestStore, StoredOrdersAndRefunds
from sellerflow.sync.mapping import to_order
from sellerflow_dev.simulator import SimServer, SimWorld
from sellerflow_dev.simulator.finances_api import render_transaction


def _stored_world(world: SimWorld, seller_id: str) -> StoredOrdersAndRefunds:
    seller = world.seller(seller_id)
    SellerStore().put_profile(seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)
    facts = FactStore(orders=OrderStore())
    OrderStore().upsert([to_order(seller_id, doc) for doc in world.orders(seller_id)])
    facts.write(
        [
            finance_fact_from_transaction(seller_id, render_transaction(t, None))
            for t in world.transactions(seller_id)
        ]
    )
    return StoredOrdersAndRefunds(lambda: facts, SellerStore().marketplaces_of)


def test_a_run_asks_amazon_once_per_eligible_order_and_records_what_amazon_received(
    aws: Any, world: SimWorld, sim: SimServer, make_port: Any
) -> None:
    seller_id = world.sellers[0].seller_id
    source = _stored_world(world, seller_id)
    store = ReviewRequestStore()
    store.put_settings(seller_id, ReviewRequestSettings(enabled=True, delay_days=7))
    port: Port = make_port(sim)
    requester = ReviewRequester(api=port.client, store=store, orders=source, refunds=source, max_asks=200)
    now = sim.request_time()

    first = requester.run(seller_id, now)
    marker = store.last_run(seller_id)
    assert marker is not None
    assert not marker.left_work
    store.record_run(RunMarker(seller_id, now - RUN_EVERY, left_work=False))  # as if a day had passed
    second = requester.run(seller_id, now + timedelta(minutes=1))

    received = sim.solicitations.sent(seller_id)
    stored = {r.order_id: r for r in store.requests(seller_id)}
    requested = {o for o, r in stored.items() if r.outcome is Outcome.REQUESTED}
    assert first.requested > 0
    assert second.requested == 0
    assert requested == set(received)  # Sellerflow's record is Amazon's, and nothing was asked twice
    refunds = {t.order_id for t in world.transactions(seller_id) if t.transaction_type == "Refund"}
    assert not requested & refunds
    assert {o for o, r in stored.items() if r.reason and r.reason.value == "refunded"} <= refunds
    found = counts(stored.values())
    assert found.requested == len(received)
    assert found.pending == sum(1 for r in stored.values() if r.outcome in {Outcome.PENDING, Outcome.FAILED})
    # the outcome items expire (TTL) and carry only order ids and outcomes
    raw = aws.scan(TableName="SellerDataTable", FilterExpression="begins_with(sk, :p)",
                   ExpressionAttributeValues={":p": {"S": "REVIEWREQ#"}})["Items"]  # fmt: skip
    assert raw
    assert all("expires_at" in item for item in raw)
    assert set().union(*(item.keys() for item in raw)) <= {
        "seller_id", "sk", "order_id", "marketplace_id", "outcome", "updated_at", "expires_at", "reason",
        "attempts", "retry_after", "requested_at",
    }  # fmt: skip


def test_the_claim_is_conditional_so_two_runs_never_both_ask(aws: Any) -> None:
    store = ReviewRequestStore()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    claim = ReviewRequest("A1SELLER0001", "111-1", "ATVPDKIKX0DER", Outcome.PENDING, now, attempts=1)
    assert store.claim(claim, None)
    assert not store.claim(claim, None)  # the other run read "absent" too: refused
    later = ReviewRequest("A1SELLER0001", "111-1", "ATVPDKIKX0DER", Outcome.PENDING, now + timedelta(hours=1))
    assert not store.claim(
        later,
        ReviewRequest("A1SELLER0001", "111-1", "ATVPDKIKX0DER", Outcome.FAILED, now - timedelta(hours=1)),
    )
    assert store.claim(later, claim)  # taking over exactly the item read
    assert store.requests("A1SELLER0001") == [later]
    assert store.settings("A1SELLER0001") == ReviewRequestSettings()  # off until an owner turns it on
