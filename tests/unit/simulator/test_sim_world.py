"""The simulated world: deterministic, realistic, and money that adds up."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sellerflow.marketplaces import MARKETPLACES
from sellerflow_dev.simulator import SimWorld

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
ALLOWED_MARKETPLACES = {US, DE, JP, "A1F83G8C2ARO7P", "A2EUQ1WTGCTBG2"}


@pytest.fixture(scope="module")
def world() -> SimWorld:
    return SimWorld.generate(sellers=3, seed=7, now=NOW)


def _parse(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_the_same_seed_gives_the_same_world(world: SimWorld) -> None:
    # Given a second world generated from the same inputs
    again = SimWorld.generate(sellers=3, seed=7, now=NOW)
    # Then sellers, credentials and every order document are identical
    assert [vars(s) for s in again.sellers] == [vars(s) for s in world.sellers]
    assert (again.client_id, again.client_secret) == (world.client_id, world.client_secret)
    for seller in world.sellers:
        assert again.orders(seller.seller_id) == world.orders(seller.seller_id)


def test_a_different_seed_gives_a_different_world(world: SimWorld) -> None:
    other = SimWorld.generate(sellers=3, seed=8, now=NOW)
    assert [s.seller_id for s in other.sellers] != [s.seller_id for s in world.sellers]
    assert other.client_secret != world.client_secret
    assert other.orders(other.sellers[0].seller_id) != world.orders(world.sellers[0].seller_id)


def test_sellers_look_like_amazon_sellers(world: SimWorld) -> None:
    assert len({s.seller_id for s in world.sellers}) == 3
    for seller in world.sellers:
        assert re.fullmatch(r"A[0-9A-Z]{12,13}", seller.seller_id)
        assert seller.refresh_token.startswith("Atzr|")
        assert 1 <= len(seller.marketplace_ids) <= 3
        assert set(seller.marketplace_ids) <= ALLOWED_MARKETPLACES
        assert set(seller.marketplace_ids) & {US, DE, JP}
        assert not seller.revoked
    assert world.sellers[0].marketplace_ids == [US, DE, JP]
    assert re.fullmatch(r"amzn1\.application-oa2-client\.[0-9a-f]{32}", world.client_id)


def test_now_defaults_to_the_current_minute() -> None:
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    generated = SimWorld.generate(sellers=1, seed=1)
    assert generated.now.second == 0
    assert generated.now.microsecond == 0
    assert before <= generated.now <= before + timedelta(minutes=1)


def test_each_seller_has_a_month_of_orders_with_a_realistic_mix(world: SimWorld) -> None:
    for seller in world.sellers:
        orders = world.orders(seller.seller_id)
        # Given ~60-150 orders in the last 30 days
        assert 60 <= len(orders) <= 160
        statuses = Counter(o["fulfillment"]["fulfillmentStatus"] for o in orders)
        fulfilled_by = Counter(o["fulfillment"]["fulfilledBy"] for o in orders)
        # Then most are shipped, some are still open, and both FBA and FBM are present
        assert statuses["SHIPPED"] > len(orders) / 2
        assert statuses["PENDING"] + statuses["UNSHIPPED"] >= 1
        assert set(statuses) <= {"PENDING", "UNSHIPPED", "SHIPPED", "CANCELLED"}
        assert fulfilled_by["AMAZON"] > 0
        assert fulfilled_by["MERCHANT"] > 0
        for order in orders:
            created, updated = _parse(order["createdTime"]), _parse(order["lastUpdatedTime"])
            assert NOW - timedelta(days=30) <= created <= updated <= NOW
            assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", order["orderId"])
            assert order["salesChannel"]["marketplaceId"] in seller.marketplace_ids
            assert (
                order["salesChannel"]["marketplaceName"]
                == MARKETPLACES[order["salesChannel"]["marketplaceId"]].name
            )
            assert 1 <= len(order["orderItems"]) <= 4


def test_order_ids_are_unique_across_the_world(world: SimWorld) -> None:
    ids = [o["orderId"] for s in world.sellers for o in world.orders(s.seller_id)]
    assert len(ids) == len(set(ids))


def test_items_come_from_the_seller_catalogue(world: SimWorld) -> None:
    seller = world.sellers[0]
    skus = {item.sku: item for item in seller.catalogue}
    orders = world.orders(seller.seller_id)
    quantities = Counter(i["quantityOrdered"] for o in orders for i in o["orderItems"])
    assert max(quantities) > 1  # some multi-quantity lines
    for order in orders:
        for item in order["orderItems"]:
            product = item["product"]
            assert product["sellerSku"] in skus
            assert product["asin"] == skus[product["sellerSku"]].asin
            assert re.fullmatch(r"B0[0-9A-Z]{8}", product["asin"])


def test_amounts_use_the_marketplace_currency_and_decimals(world: SimWorld) -> None:
    for seller in world.sellers:
        for order in world.orders(seller.seller_id):
            market = MARKETPLACES[order["salesChannel"]["marketplaceId"]]
            pattern = r"-?\d+" if market.currency_decimals == 0 else r"-?\d+\.\d{2}"
            amounts = [order["proceeds"]["grandTotal"]] + [
                i["product"]["price"]["unitPrice"] for i in order["orderItems"]
            ]
            for money in amounts:
                assert money["currencyCode"] == market.currency
                assert re.fullmatch(pattern, money["amount"]), money


def test_grand_total_is_the_exact_sum_of_item_proceeds(world: SimWorld) -> None:
    for seller in world.sellers:
        for order in world.orders(seller.seller_id):
            items = order["orderItems"]
            item_total = sum((Decimal(i["proceeds"]["proceedsTotal"]["amount"]) for i in items), Decimal(0))
            assert Decimal(order["proceeds"]["grandTotal"]["amount"]) == item_total
            breakdown_total = sum(Decimal(b["subtotal"]["amount"]) for b in order["proceeds"]["breakdowns"])
            assert breakdown_total == item_total
            for item in items:
                parts = sum(Decimal(b["subtotal"]["amount"]) for b in item["proceeds"]["breakdowns"])
                assert parts == Decimal(item["proceeds"]["proceedsTotal"]["amount"])


def test_item_proceeds_are_price_times_quantity_plus_shipping_minus_discount(world: SimWorld) -> None:
    seen = Counter[str]()
    for seller in world.sellers:
        for order in world.orders(seller.seller_id):
            if order["fulfillment"]["fulfillmentStatus"] == "CANCELLED":
                continue
            for item in order["orderItems"]:
                rows = {b["type"]: Decimal(b["subtotal"]["amount"]) for b in item["proceeds"]["breakdowns"]}
                seen.update(rows.keys())
                unit = Decimal(item["product"]["price"]["unitPrice"]["amount"])
                assert rows["ITEM"] == unit * item["quantityOrdered"]
                assert rows.get("DISCOUNT", Decimal(0)) <= 0
                # A discount always names its promotion
                assert ("DISCOUNT" in rows) == ("promotion" in item)
    assert seen["SHIPPING"] > 0
    assert seen["DISCOUNT"] > 0


def test_advance_moves_the_clock_and_changes_orders_deterministically() -> None:
    # Given two identical worlds
    first = SimWorld.generate(sellers=2, seed=3, now=NOW)
    second = SimWorld.generate(sellers=2, seed=3, now=NOW)
    seller_id = first.sellers[0].seller_id
    before = {o["orderId"]: o for o in first.orders(seller_id)}
    # When both advance an hour
    changes = first.advance(60)
    assert second.advance(60) == changes
    # Then the clock moved and each seller has new and updated orders, placed inside the hour
    assert first.now == NOW + timedelta(hours=1)
    assert changes["created"][seller_id]
    assert changes["updated"][seller_id]
    after = {o["orderId"]: o for o in first.orders(seller_id)}
    assert first.orders(seller_id) == second.orders(seller_id)
    for order_id in changes["created"][seller_id]:
        assert order_id not in before
        assert after[order_id]["fulfillment"]["fulfillmentStatus"] == "PENDING"
        assert NOW < _parse(after[order_id]["createdTime"]) <= first.now
    progressions = {("PENDING", "UNSHIPPED"), ("UNSHIPPED", "SHIPPED")}
    for order_id in changes["updated"][seller_id]:
        old, new = before[order_id], after[order_id]
        transition = (old["fulfillment"]["fulfillmentStatus"], new["fulfillment"]["fulfillmentStatus"])
        assert transition in progressions
        assert NOW < _parse(new["lastUpdatedTime"]) <= first.now
    untouched = set(before) - set(changes["updated"][seller_id])
    assert all(after[i] == before[i] for i in untouched)


def test_advance_needs_a_positive_number_of_minutes(world: SimWorld) -> None:
    with pytest.raises(ValueError, match="minutes"):
        world.advance(0)


def test_a_placed_merchant_order_waits_unshipped_and_is_served() -> None:
    first, again = (SimWorld.generate(sellers=1, seed=7, now=NOW) for _ in range(2))
    seller_id = first.sellers[0].seller_id
    at = NOW - timedelta(minutes=5)
    placed = first.place_merchant_order(seller_id, at)
    assert again.place_merchant_order(seller_id, at) == placed  # deterministic for the seed
    [order] = [o for o in first.order_states(seller_id) if o.order_id == placed]
    assert (order.fulfilled_by, order.status, order.created) == ("MERCHANT", "UNSHIPPED", at)
    assert placed in {o["orderId"] for o in first.orders(seller_id)}
    assert first.place_merchant_order(seller_id, at) != placed  # a second is another order


def test_order_document_projects_the_requested_datasets(world: SimWorld) -> None:
    seller_id = world.sellers[0].seller_id
    order_id = world.orders(seller_id)[0]["orderId"]
    # Without includedData: the required core plus the product and its price
    core = world.order_document(seller_id, order_id, set())
    assert set(core) <= {
        "orderId",
        "createdTime",
        "lastUpdatedTime",
        "programs",
        "salesChannel",
        "orderItems",
    }
    assert set(core["orderItems"][0]) == {"orderItemId", "quantityOrdered", "product"}
    assert "unitPrice" in core["orderItems"][0]["product"]["price"]
    # What the sync asks for: money and fulfilment, never the buyer
    synced = world.order_document(seller_id, order_id, {"PROCEEDS", "FULFILLMENT", "PROMOTION", "EXPENSE"})
    assert {"proceeds", "fulfillment"} <= set(synced)
    assert "buyer" not in synced
    assert "recipient" not in synced
    assert {"buyer", "recipient"} <= set(world.order_document(seller_id, order_id, {"BUYER", "RECIPIENT"}))


def test_an_order_of_another_seller_is_not_found(world: SimWorld) -> None:
    other_order = world.orders(world.sellers[1].seller_id)[0]["orderId"]
    with pytest.raises(KeyError):
        world.order_document(world.sellers[0].seller_id, other_order, set())


def test_authorization_codes_are_single_use_and_revocation_is_undone_by_new_consent() -> None:
    world = SimWorld.generate(sellers=1, seed=2, now=NOW)
    seller = world.sellers[0]
    old_token = seller.refresh_token
    # Given a seller who revoked the app
    world.revoke(seller.seller_id)
    assert world.seller_for_refresh_token(old_token) is None
    # When they consent again and the code is redeemed
    code = world.mint_authorization_code(seller.seller_id)
    assert world.redeem_authorization_code(code) is seller
    # Then the code is used up, and a new refresh token works while the old one stays dead
    assert world.redeem_authorization_code(code) is None
    assert seller.refresh_token != old_token
    assert world.seller_for_refresh_token(seller.refresh_token) is seller
    assert world.seller_for_refresh_token(old_token) is None


def test_advance_never_places_changes_before_the_given_time() -> None:
    # Given a world whose clock lags behind the time a client was last answered at
    world = SimWorld.generate(sellers=1, seed=3, now=NOW)
    answered_at = NOW + timedelta(minutes=30)
    # When it advances ten minutes
    changes = world.advance(10, not_before=answered_at)
    # Then every change happens after that time, and the clock ends ten minutes later
    assert world.now == answered_at + timedelta(minutes=10)
    seller_id = world.sellers[0].seller_id
    changed = set(changes["created"][seller_id]) | set(changes["updated"][seller_id])
    for order in world.orders(seller_id):
        assert (_parse(order["lastUpdatedTime"]) > answered_at) == (order["orderId"] in changed)
