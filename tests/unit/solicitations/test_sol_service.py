"""One review-request run (`ReviewRequester`) against in-memory fakes: once per order, across crashes,
throttling and Amazon's refusals; counts for the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sellerflow.domain import Order
from sellerflow.errors import SpApiBadRequest, SpApiServerError, SpApiThrottled
from sellerflow.solicitations.model import (
    STALE_CLAIM,
    Outcome,
    ReviewRequest,
    ReviewRequestSettings,
    RunMarker,
    SkipReason,
)
from sellerflow.solicitations.service import ReviewRequester, counts, offered

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SELLER = "A1SELLER0001"
OFFER = {
    "_links": {"self": {"href": "x"}, "actions": [{"href": "y", "name": "productReviewAndSellerFeedback"}]}
}
NO_OFFER: dict[str, Any] = {"_links": {"self": {"href": "x"}, "actions": []}, "_embedded": {"actions": []}}


def order(n: int, *, age_days: float = 20, status: str = "SHIPPED") -> Order:
    created = NOW - timedelta(days=age_days)
    return Order(
        seller_id=SELLER, order_id=f"111-0000000-{n:07d}", marketplace_id="ATVPDKIKX0DER",
        created_time=created, last_updated_time=created, local_date=created.date(), status=status,
        deliver_by=created + timedelta(days=5),
    )  # fmt: skip


class FakeStore:
    def __init__(self, settings: ReviewRequestSettings) -> None:
        self._settings = settings
        self.items: dict[str, ReviewRequest] = {}
        self.marker: RunMarker | None = None

    def settings(self, seller_id: str) -> ReviewRequestSettings:
        return self._settings

    def put_settings(self, seller_id: str, settings: ReviewRequestSettings) -> None:
        self._settings = settings

    def requests(self, seller_id: str) -> list[ReviewRequest]:
        return list(self.items.values())

    def claim(self, request: ReviewRequest, previous: ReviewRequest | None) -> bool:
        if self.items.get(request.order_id) != previous:
            return False
        self.items[request.order_id] = request
        return True

    def save(self, request: ReviewRequest) -> None:
        self.items[request.order_id] = request

    def last_run(self, seller_id: str) -> RunMarker | None:
        return self.marker

    def record_run(self, marker: RunMarker) -> None:
        self.marker = marker


class FakeAmazon:
    def __init__(self, *, offer: bool = True, fail: Exception | None = None) -> None:
        self.offer = offer
        self.fail = fail
        self.created: list[str] = []
        self.asked: list[str] = []

    def get_solicitation_actions(
        self, seller_id: str, order_id: str, *, marketplace_id: str
    ) -> dict[str, Any]:
        self.asked.append(order_id)
        if self.fail is not None:
            raise self.fail
        return OFFER if self.offer and order_id not in self.created else NO_OFFER

    def create_review_solicitation(self, seller_id: str, order_id: str, *, marketplace_id: str) -> None:
        assert order_id not in self.created, "asked twice"
        self.created.append(order_id)


class Orders:
    def __init__(self, orders: list[Order], refunded: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.orders = orders
        self.refunded = set(refunded)

    def orders_purchased_since(self, seller_id: str, since: datetime) -> list[Order]:
        return [o for o in self.orders if o.created_time >= since]

    def refunded_order_ids(self, seller_id: str, since: datetime) -> set[str]:
        return self.refunded


ON = ReviewRequestSettings(enabled=True, delay_days=7)


def requester(store: FakeStore, amazon: FakeAmazon, source: Orders, max_asks: int = 25) -> ReviewRequester:
    return ReviewRequester(api=amazon, store=store, orders=source, refunds=source, max_asks=max_asks)


def test_eligible_orders_are_asked_once_even_over_many_runs() -> None:
    store, amazon = FakeStore(ON), FakeAmazon()
    source = Orders(
        [order(1), order(2), order(3, age_days=8), order(4, status="CANCELLED"), order(5)],
        {order(5).order_id},
    )
    first = requester(store, amazon, source).run(SELLER, NOW)
    assert (first.requested, first.skipped, first.waiting) == (2, 2, 1)
    again = requester(store, amazon, source).run(SELLER, NOW + timedelta(days=1))
    assert again.requested == 0
    assert amazon.created == [order(1).order_id, order(2).order_id]
    found = counts(store.requests(SELLER))
    assert (found.requested, found.skipped, found.pending) == (2, {"cancelled": 1, "refunded": 1}, 0)


def test_nothing_is_read_or_asked_while_the_seller_has_not_turned_requests_on() -> None:
    store, amazon = FakeStore(ReviewRequestSettings()), FakeAmazon()
    assert requester(store, amazon, Orders([order(1)])).run(SELLER, NOW).requested == 0
    assert amazon.asked == []
    assert store.items == {}


def test_a_run_asks_at_most_its_batch_and_the_next_run_goes_on() -> None:
    store, amazon = FakeStore(ON), FakeAmazon()
    source = Orders([order(n) for n in range(7)])
    assert requester(store, amazon, source, max_asks=3).run(SELLER, NOW).requested == 3
    assert requester(store, amazon, source, max_asks=3).run(SELLER, NOW).requested == 3
    assert len(set(amazon.created)) == 6


def test_a_crashed_runs_claim_is_left_alone_until_stale_then_amazon_decides() -> None:
    store, amazon = FakeStore(ON), FakeAmazon()
    o = order(1)
    # a run claimed the order, sent the create, and died before recording it
    store.items[o.order_id] = ReviewRequest(
        SELLER, o.order_id, o.marketplace_id, Outcome.PENDING, NOW, attempts=1
    )
    amazon.created.append(o.order_id)
    assert requester(store, amazon, Orders([o])).run(SELLER, NOW + timedelta(minutes=1)).requested == 0
    assert amazon.asked == []  # the claim is fresh: another run may be asking right now
    store.marker = None  # the next day's run (the cadence is tested on its own)
    later = NOW + STALE_CLAIM + timedelta(minutes=1)
    requester(store, amazon, Orders([o])).run(SELLER, later)
    assert amazon.created == [o.order_id]  # not offered any more: never asked twice
    assert store.items[o.order_id].outcome is Outcome.FAILED  # retried until the window closes


def test_not_offered_is_retried_until_the_window_closes_then_skipped() -> None:
    store, amazon = FakeStore(ON), FakeAmazon(offer=False)
    o = order(1, age_days=20)
    requester(store, amazon, Orders([o])).run(SELLER, NOW)
    first = store.items[o.order_id]
    assert first.outcome is Outcome.FAILED
    assert first.retry_after is not None
    near_end = o.deliver_by + timedelta(days=29, hours=20)  # type: ignore[operator]
    requester(store, amazon, Orders([o])).run(SELLER, near_end)
    last = store.items[o.order_id]
    assert (last.outcome, last.reason) == (Outcome.SKIPPED, SkipReason.NOT_OFFERED)


def test_throttling_stops_the_run_and_the_order_is_retried_later() -> None:
    store, amazon = FakeStore(ON), FakeAmazon(fail=SpApiThrottled("slow down", retry_after_s=5))
    result = requester(store, amazon, Orders([order(1), order(2)])).run(SELLER, NOW)
    assert result.throttled
    assert result.failed == 1
    assert len(amazon.asked) == 1
    amazon.fail = None
    assert (
        requester(store, amazon, Orders([order(1), order(2)]))
        .run(SELLER, NOW + timedelta(minutes=2))
        .requested
        == 2
    )


@pytest.mark.parametrize(
    ("error", "outcome"),
    [(SpApiBadRequest("no", status=400), Outcome.SKIPPED), (SpApiServerError("down"), Outcome.FAILED)],
)
def test_amazons_refusal_is_final_and_its_failure_is_retried(error: Exception, outcome: Outcome) -> None:
    store, amazon = FakeStore(ON), FakeAmazon(fail=error)
    requester(store, amazon, Orders([order(1)])).run(SELLER, NOW)
    assert store.items[order(1).order_id].outcome is outcome


def test_a_run_that_finished_its_work_waits_a_day_and_one_that_left_work_does_not() -> None:
    store, amazon = FakeStore(ON), FakeAmazon()
    source = Orders([order(n) for n in range(3)])
    assert requester(store, amazon, source, max_asks=2).run(SELLER, NOW).requested == 2
    assert store.marker is not None
    assert store.marker.left_work
    assert requester(store, amazon, source, max_asks=2).run(SELLER, NOW + timedelta(minutes=5)).requested == 1
    source.orders.append(order(9))
    assert requester(store, amazon, source).run(SELLER, NOW + timedelta(hours=19)).requested == 0
    assert amazon.asked == [order(n).order_id for n in range(3)]  # not even read before the day is over
    assert requester(store, amazon, source).run(SELLER, NOW + timedelta(hours=21)).requested == 1


def test_the_offer_is_read_from_the_hal_links() -> None:
    assert offered(OFFER)
    assert not offered(NO_OFFER)
    assert not offered({})
