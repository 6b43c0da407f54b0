"""OrderStore and SellerStore against DynamoDB tables built from template.yaml (moto)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from int_core_support import raw_items
from pynamodb.exceptions import UpdateError

from sellerflow.analytics.model import LeadTimes, RestockSettings
from sellerflow.domain import Order, Role, SellerStatus, SyncRun
from sellerflow.errors import InvalidInput, OrderNotFound, SellerNotFound
from sellerflow.store.orders import OrderStore
from sellerflow.store.restock import RestockStore
from sellerflow.store.sellers import SellerStore
from sellerflow.sync.mapping import to_order
from sellerflow_dev.simulator import PII_MARKER, SimWorld, find_pii_markers

EVERYTHING = {"BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "PROMOTION"}
DPP_MAX_RETENTION = timedelta(days=548)


def truth_orders(world: SimWorld, seller_id: str) -> list[Order]:
    return [to_order(seller_id, document) for document in world.orders(seller_id)]


def by_id(orders: list[Order]) -> dict[str, Order]:
    return {order.order_id: order for order in orders}


def newest_first(orders: list[Order]) -> list[str]:
    ordered = sorted(orders, key=lambda o: (o.created_time, o.order_id), reverse=True)
    return [o.order_id for o in ordered]


def list_all(store: OrderStore, seller_id: str, **kwargs: Any) -> tuple[list[str], int]:
    """Follow next_token to the end; returns the order ids in listing order and the page count."""
    ids: list[str] = []
    pages = 0
    token: str | None = None
    while True:
        page = store.list(seller_id, next_token=token, **kwargs)
        pages += 1
        ids.extend(order.order_id for order in page.orders)
        token = page.next_token
        if token is None:
            return ids, pages


# --- OrderStore -------------------------------------------------------------------------------------
def test_upserting_the_same_orders_twice_changes_nothing(aws: Any, world: SimWorld) -> None:
    # Given a seller's full order history, stored once
    seller_id = world.sellers[0].seller_id
    orders = truth_orders(world, seller_id)
    store = OrderStore()
    store.upsert(orders)
    first = by_id(list(store.all_for_seller(seller_id)))

    # When the same orders are upserted again
    store.upsert(orders)

    # Then the count and the content are unchanged, and equal to what was written
    assert store.count(seller_id) == len(orders)
    assert by_id(list(store.all_for_seller(seller_id))) == first == by_id(orders)


def test_a_newer_version_of_an_order_overwrites_the_stored_one(aws: Any, world: SimWorld) -> None:
    # Given a stored order
    seller_id = world.sellers[0].seller_id
    original = truth_orders(world, seller_id)[0]
    store = OrderStore()
    store.upsert([original])

    # When a later version (status moved on, one line fewer) is upserted
    newer = original.model_copy(
        update={
            "status": "CANCELLED",
            "last_updated_time": original.last_updated_time + timedelta(hours=3),
            "lines": original.lines[:1],
        }
    )
    store.upsert([newer])

    # Then the store holds exactly the newer version, still once
    assert store.get(seller_id, original.order_id) == newer
    assert store.count(seller_id) == 1


def test_a_version_that_only_moves_its_time_leaves_the_rollups_and_an_older_page_cannot_replace_it(
    aws: Any, world: SimWorld
) -> None:
    # Given a stored order
    seller_id = world.sellers[0].seller_id
    original = truth_orders(world, seller_id)[0]
    store = OrderStore()
    store.upsert([original], now=datetime(2026, 1, 1, tzinfo=UTC))

    def kept(prefix: str) -> list[dict[str, Any]]:
        return [i for i in raw_items(aws, "SellerDataTable") if i["sk"]["S"].startswith(prefix)]

    recorded, markers = kept("ORDERID#"), kept("DIRTY#")

    # When a later version that changes nothing the product stores arrives (the "delivered" update)
    later = original.model_copy(update={"last_updated_time": original.last_updated_time + timedelta(hours=5)})
    written = store.upsert([later], now=datetime(2026, 1, 2, tzinfo=UTC))

    # Then it changed no content: its day's rollups are not marked stale again and the order's
    # ORDERID# item still names the first content; but it is stored (a second chunk of the day)
    assert written == 0
    assert kept("DIRTY#") == markers
    assert kept("ORDERID#") == recorded
    assert len(kept("ORDERS#")) == 2
    assert store.get(seller_id, original.order_id) == later

    # When a late page of an older overlapping run brings a different, intermediate version
    intermediate = original.model_copy(
        update={"status": "CANCELLED", "last_updated_time": original.last_updated_time + timedelta(hours=2)}
    )
    store.upsert([intermediate])

    # Then the later version still wins, in every read, and nothing is in the earlier layout
    assert store.get(seller_id, original.order_id) == later
    assert list(store.all_for_seller(seller_id)) == [later]
    day = original.created_time
    listed = store.list(seller_id, created_from=day - timedelta(days=1), created_to=day + timedelta(days=1))
    assert listed.orders == [later]
    assert not kept("ORDER#")


def test_orders_are_packed_one_chunk_per_marketplace_and_day_and_listing_returns_them_whole(
    aws: Any, world: SimWorld
) -> None:
    # Given a seller's orders, written in one batch
    seller_id = world.sellers[0].seller_id
    orders = truth_orders(world, seller_id)
    store = OrderStore()
    store.upsert(orders)

    # When the table is read raw, and the orders are listed
    items = raw_items(aws, "SellerDataTable")
    indexed = aws.query(
        TableName="SellerDataTable",
        IndexName="by_purchase_date",
        KeyConditionExpression="seller_id = :s",
        ExpressionAttributeValues={":s": {"S": seller_id}},
    )["Items"]
    listed = store.list(
        seller_id,
        created_from=datetime(2000, 1, 1, tzinfo=UTC),
        created_to=datetime(2100, 1, 1, tzinfo=UTC),
        limit=1000,
    ).orders

    # Then there is one chunk per (marketplace, local day), one ORDERID# item per order, nothing in
    # the earlier layout's index, and the listing returns every order whole, newest first
    chunks = [i["sk"]["S"] for i in items if i["sk"]["S"].startswith("ORDERS#")]
    assert sorted(c.rsplit("#", 1)[0] for c in chunks) == sorted(
        {f"ORDERS#{o.local_date.isoformat()}#{o.marketplace_id}" for o in orders}
    )
    assert len([i for i in items if i["sk"]["S"].startswith("ORDERID#")]) == len(orders)
    assert indexed == []
    assert by_id(listed) == by_id(orders)
    assert [o.order_id for o in listed] == newest_first(orders)


def test_listing_is_newest_first_within_the_created_range_across_pages(aws: Any, world: SimWorld) -> None:
    # Given two sellers' histories stored side by side
    store = OrderStore()
    for seller in world.sellers:
        store.upsert(truth_orders(world, seller.seller_id))
    seller_id = world.sellers[0].seller_id
    created_from, created_to = world.now - timedelta(days=20), world.now - timedelta(days=5)
    expected = [o for o in truth_orders(world, seller_id) if created_from <= o.created_time < created_to]

    # When the seller's orders created in the range are listed seven at a time
    ids, pages = list_all(store, seller_id, created_from=created_from, created_to=created_to, limit=7)

    # Then every order of the range comes exactly once, newest first, and nothing else
    assert len(expected) > 14
    assert pages >= 3
    assert ids == newest_first(expected)


def test_listing_filters_by_status_and_still_pages_through_everything(aws: Any, world: SimWorld) -> None:
    # Given a stored history with orders in several statuses
    seller_id = world.sellers[0].seller_id
    orders = truth_orders(world, seller_id)
    OrderStore().upsert(orders)
    created_from, created_to = world.now - timedelta(days=31), world.now + timedelta(days=1)
    wanted = {"UNSHIPPED", "PENDING", "CANCELLED"}
    expected = [o for o in orders if o.status in wanted]

    # When only those statuses are listed, three at a time
    ids, _ = list_all(
        OrderStore(),
        seller_id,
        created_from=created_from,
        created_to=created_to,
        statuses=sorted(wanted),
        limit=3,
    )

    # Then exactly the orders in those statuses come back, newest first
    assert 0 < len(expected) < len(orders)
    assert ids == newest_first(expected)


def test_a_page_token_only_works_for_the_seller_it_was_issued_for(aws: Any, world: SimWorld) -> None:
    # Given a first page of seller A's orders
    store = OrderStore()
    for seller in world.sellers:
        store.upsert(truth_orders(world, seller.seller_id))
    seller_a, seller_b = (seller.seller_id for seller in world.sellers)
    window: dict[str, Any] = {"created_from": world.now - timedelta(days=31), "created_to": world.now}
    page = store.list(seller_a, limit=5, **window)
    assert page.next_token is not None

    # When seller B presents A's token
    # Then the store refuses it instead of reading on from A's position
    with pytest.raises(InvalidInput):
        store.list(seller_b, limit=5, next_token=page.next_token, **window)


def forged_token(seller_id: str, key: object) -> str:
    """A next_token shaped like the store's own (base64 JSON), with a key the caller made up."""
    payload = json.dumps({"s": seller_id, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def test_a_forged_page_token_whose_seller_key_is_not_an_attribute_value_is_invalid_input(
    aws: Any, world: SimWorld
) -> None:
    # Given a seller with stored orders
    seller_id = world.sellers[0].seller_id
    store = OrderStore()
    store.upsert(truth_orders(world, seller_id))

    # When a caller presents a hand-made token whose key holds the seller id as a bare string
    # Then the store rejects it as invalid input (which the API answers with 400)
    with pytest.raises(InvalidInput):
        store.list(
            seller_id,
            created_from=world.now - timedelta(days=31),
            created_to=world.now,
            next_token=forged_token(seller_id, {"seller_id": seller_id}),
        )


@pytest.mark.parametrize(
    "key",
    [
        pytest.param({"seller_id": {"S": "{seller}"}}, id="index-key-attributes-missing"),
        pytest.param(
            {"seller_id": {"S": "{seller}"}, "sk": {"S": "ORDER#1"}, "purchase_sk": {"N": "1"}},
            id="index-key-of-the-wrong-type",
        ),
    ],
)
def test_a_forged_page_token_is_invalid_input(aws: Any, world: SimWorld, key: dict[str, Any]) -> None:
    # Given a seller with stored orders
    seller_id = world.sellers[0].seller_id
    store = OrderStore()
    store.upsert(truth_orders(world, seller_id))
    forged = json.loads(json.dumps(key).replace("{seller}", seller_id))

    # When a caller presents a hand-made token that names the right seller but a malformed key
    # Then the store rejects it as invalid input (which the API answers with 400)
    with pytest.raises(InvalidInput):
        store.list(
            seller_id,
            created_from=world.now - timedelta(days=31),
            created_to=world.now,
            next_token=forged_token(seller_id, forged),
        )


def test_getting_another_sellers_order_is_not_found(aws: Any, world: SimWorld) -> None:
    # Given seller A's orders in the store
    seller_a, seller_b = (seller.seller_id for seller in world.sellers)
    orders = truth_orders(world, seller_a)
    store = OrderStore()
    store.upsert(orders)

    # When seller B asks for one of them by id
    # Then it is not found, exactly as if it did not exist
    with pytest.raises(OrderNotFound):
        store.get(seller_b, orders[0].order_id)
    assert store.get(seller_a, orders[0].order_id) == orders[0]


def test_every_stored_order_expires_within_eighteen_months(aws: Any, world: SimWorld) -> None:
    # Given the store with its default retention, and the table's TTL attribute from the template
    seller_id = world.sellers[0].seller_id
    now = datetime.now(UTC)
    ttl = aws.describe_time_to_live(TableName="SellerDataTable")["TimeToLiveDescription"]

    # When a history is stored
    OrderStore().upsert(truth_orders(world, seller_id), now=now)

    # Then every raw item carries expires_at (epoch seconds) in the future and at most 548 days on
    items = raw_items(aws, "SellerDataTable")
    assert ttl["AttributeName"] == "expires_at"
    assert items
    for item in items:
        expires_at = int(item["expires_at"]["N"])
        assert now.timestamp() < expires_at <= (now + DPP_MAX_RETENTION).timestamp()


def test_no_buyer_pii_reaches_storage_even_from_full_documents(aws: Any, world: SimWorld) -> None:
    # Given every order of both sellers fetched WITH buyer and recipient data
    store = OrderStore()
    documents = {
        seller.seller_id: [
            world.order_document(seller.seller_id, str(doc["orderId"]), EVERYTHING)
            for doc in world.orders(seller.seller_id)
        ]
        for seller in world.sellers
    }
    assert find_pii_markers(json.dumps(documents))  # the canaries really are in the input

    # When they are mapped and stored
    for seller_id, docs in documents.items():
        store.upsert([to_order(seller_id, doc) for doc in docs])

    # Then no attribute of any stored item, nor any order packed in a chunk, contains the canary
    items = raw_items(aws, "SellerDataTable")
    assert len([i for i in items if i["sk"]["S"].startswith("ORDERID#")]) == sum(
        len(docs) for docs in documents.values()
    )
    packed = [
        gzip.decompress(i["payload"]["B"]).decode() for i in items if i["sk"]["S"].startswith("ORDERS#")
    ]
    assert packed
    assert all(packed)
    dumped = json.dumps(
        {"items": [{k: v for k, v in i.items() if k != "payload"} for i in items], "packed": packed}
    )
    assert find_pii_markers(dumped) == []
    assert PII_MARKER not in dumped.lower()


# --- SellerStore ------------------------------------------------------------------------------------
def test_a_seller_profile_round_trips(aws: Any, world: SimWorld) -> None:
    # Given a seller connected with three marketplaces
    seller = world.sellers[0]
    store = SellerStore()

    # When the profile is stored and read back
    stored = store.put_profile(seller.seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)

    # Then it is active with its marketplaces, and an unknown seller is not found
    assert stored == store.get_profile(seller.seller_id)
    assert stored.status is SellerStatus.ACTIVE
    assert store.marketplaces_of(seller.seller_id) == tuple(seller.marketplace_ids)
    with pytest.raises(SellerNotFound):
        store.get_profile("A9NOBODYHERE")


def test_a_seller_leaves_the_active_list_when_its_status_changes(aws: Any, world: SimWorld) -> None:
    # Given two active sellers
    store = SellerStore()
    for seller in world.sellers:
        store.put_profile(seller.seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)
    revoked, other = (seller.seller_id for seller in world.sellers)
    assert sorted(store.active_seller_ids()) == sorted([revoked, other])

    # When one is marked revoked
    store.set_status(revoked, SellerStatus.REVOKED, reason="invalid_grant")

    # Then only the other is due for syncing, and the profile says why; reactivating brings it back
    assert store.active_seller_ids() == [other]
    profile = store.get_profile(revoked)
    assert (profile.status, profile.status_reason) == (SellerStatus.REVOKED, "invalid_grant")
    store.set_status(revoked, SellerStatus.ACTIVE)
    assert sorted(store.active_seller_ids()) == sorted([revoked, other])
    assert store.get_profile(revoked).status_reason is None


def test_setting_the_status_of_an_unknown_seller_fails(aws: Any) -> None:
    # Given no seller at all
    # When a status is set for one
    # Then the conditional update refuses to invent a profile
    with pytest.raises(UpdateError):
        SellerStore().set_status("A9NOBODYHERE", SellerStatus.REVOKED)


def test_memberships_are_found_by_member_across_sellers(aws: Any, world: SimWorld) -> None:
    # Given a user who is owner of one seller and analyst of another, and a second user
    store = SellerStore()
    seller_a, seller_b = (seller.seller_id for seller in world.sellers)
    store.add_member(seller_a, "user-1", Role.OWNER)
    store.add_member(seller_b, "user-1", Role.ANALYST)
    store.add_member(seller_b, "user-2", Role.SUPPORT)

    # When the user's memberships are looked up through the by_member index
    memberships = store.memberships_of("user-1")

    # Then both, with their roles, and nothing of the other user
    assert {(m.seller_id, m.role) for m in memberships} == {(seller_a, Role.OWNER), (seller_b, Role.ANALYST)}
    assert store.membership(seller_a, "user-2") is None
    assert store.membership(seller_b, "user-2") is not None
    assert store.memberships_of("user-3") == []


def test_a_sync_run_commits_pages_and_moves_the_watermark(aws: Any, world: SimWorld) -> None:
    # Given a run that has begun
    store = SellerStore()
    seller_id = world.sellers[0].seller_id
    after, before = world.now - timedelta(days=1), world.now - timedelta(minutes=2)
    store.begin_run(seller_id, SyncRun(run_id="run-1", updated_after=after, updated_before=before))

    # When a middle page is committed (no watermark, the next page's token)
    store.commit_page(seller_id, run_id="run-1", watermark=None, orders=20, next_token="NT-2")
    # Then the run keeps the token and the watermark is still unset
    state = store.sync_state(seller_id)
    assert state.watermark is None
    assert state.run is not None
    assert state.run.next_token == "NT-2"

    # When the last page is committed
    store.commit_page(seller_id, run_id="run-1", watermark=before, orders=7)

    # Then the state holds the running run with its counters, no token, and the run's upper bound
    state = store.sync_state(seller_id)
    assert state.watermark == before
    assert state.run == SyncRun(
        run_id="run-1", updated_after=after, updated_before=before, pages=2, orders=27
    )


def test_a_resumed_run_keeps_the_unfinished_runs_window_counters_and_token(aws: Any, world: SimWorld) -> None:
    store = SellerStore()
    seller_id = world.sellers[0].seller_id
    after, before = world.now - timedelta(days=1), world.now - timedelta(minutes=2)
    store.begin_run(seller_id, SyncRun(run_id="run-1", updated_after=after, updated_before=before))
    store.commit_page(seller_id, run_id="run-1", watermark=None, orders=20, next_token="NT-2")
    unfinished = store.sync_state(seller_id).run
    assert unfinished is not None
    store.begin_run(seller_id, unfinished.model_copy(update={"run_id": "run-2"}))
    assert store.sync_state(seller_id).run == SyncRun(
        run_id="run-2", updated_after=after, updated_before=before, pages=1, orders=20, next_token="NT-2"
    )
    store.finish_run(seller_id, outcome="failed", error="x")
    assert store.sync_state(seller_id).run is None


def test_committing_a_page_of_a_stale_run_fails_the_condition(aws: Any, world: SimWorld) -> None:
    # Given run-2 has replaced run-1
    store = SellerStore()
    seller_id = world.sellers[0].seller_id
    after, before = world.now - timedelta(days=1), world.now - timedelta(minutes=2)
    store.begin_run(seller_id, SyncRun(run_id="run-1", updated_after=after, updated_before=before))
    store.begin_run(seller_id, SyncRun(run_id="run-2", updated_after=after, updated_before=before))

    # When a late page of run-1 is committed
    with pytest.raises(UpdateError) as raised:
        store.commit_page(seller_id, run_id="run-1", watermark=before, orders=5)

    # Then DynamoDB's condition refused it and run-2's state is untouched
    assert raised.value.cause_response_code == "ConditionalCheckFailedException"
    state = store.sync_state(seller_id)
    assert state.watermark is None
    assert state.run is not None
    assert (state.run.run_id, state.run.pages, state.run.orders) == ("run-2", 0, 0)


def test_finishing_runs_counts_consecutive_failures_and_clears_them_on_success(
    aws: Any, world: SimWorld
) -> None:
    # Given a seller whose runs fail twice and then succeed
    store = SellerStore()
    seller_id = world.sellers[0].seller_id
    run = SyncRun(run_id="r", updated_after=world.now - timedelta(days=1), updated_before=world.now)

    # When each run is finished
    store.begin_run(seller_id, run)
    first = store.finish_run(seller_id, outcome="failed", error="SpApiServerError: 503")
    store.begin_run(seller_id, run)
    second = store.finish_run(seller_id, outcome="failed", error="SpApiThrottled: " + "x" * 900)
    store.begin_run(seller_id, run)
    third = store.finish_run(seller_id, outcome="succeeded", error=None)

    # Then failures accumulate (errors kept short), success resets them, and no run stays open
    assert (first.consecutive_failures, first.last_outcome) == (1, "failed")
    assert (second.consecutive_failures, len(second.last_error or "")) == (2, 500)
    assert (third.consecutive_failures, third.last_outcome, third.last_error) == (0, "succeeded", None)
    assert first.run is None
    assert second.run is None
    assert third.run is None
    assert third.last_run_at is not None


def test_restock_settings_tell_saved_from_never_saved(aws: Any) -> None:
    store = RestockStore()
    assert store.saved_restock_settings("S-RESTOCK") is None  # the low-stock alert keeps its own
    assert store.restock_settings("S-RESTOCK") == RestockSettings()  # the inventory's defaults
    saved = RestockSettings(default=LeadTimes(lead_time_days=12, safety_days=3), skus={"A-1": LeadTimes()})
    store.put_restock_settings("S-RESTOCK", saved, now=datetime(2026, 3, 10, tzinfo=UTC))
    assert store.saved_restock_settings("S-RESTOCK") == saved
    assert store.restock_settings("S-RESTOCK") == saved
