"""Subscribing at connect, once per app for the destination; unsubscribing at disconnect and erasure."""

from __future__ import annotations

import pytest
from push_fakes import QUEUE_ARN, SELLER, FakeNotificationsApi, FakeSubscriptionBook

from sellerflow.amazon.notifications import PAYLOAD_VERSIONS, Destination, NotificationType
from sellerflow.errors import ConfigurationError
from sellerflow.privacy.erase import ErasurePolicy, stop_syncing
from sellerflow.privacy.models import StopSyncingInput
from sellerflow.sync.subscriptions import PushConfig, PushSubscriptions


def _push(
    api: FakeNotificationsApi, book: FakeSubscriptionBook | None = None, queue: str = QUEUE_ARN
) -> PushSubscriptions:
    return PushSubscriptions(api=api, book=book or FakeSubscriptionBook(), config=PushConfig(queue_arn=queue))


def test_a_seller_is_subscribed_to_the_four_types_at_their_payload_versions() -> None:
    api, book = FakeNotificationsApi(), FakeSubscriptionBook()
    result = _push(api, book).subscribe(SELLER)
    assert (result.created, result.kept, result.destination_id) == (4, 0, "dest-1")
    assert {k: s.payload_version for (_, k), s in api.subscriptions.items()} == PAYLOAD_VERSIONS
    assert set(book.subscriptions(SELLER)) == set(NotificationType)


def test_the_destination_is_created_once_per_application_and_an_existing_one_is_reused() -> None:
    api = FakeNotificationsApi()
    push = _push(api)
    push.subscribe(SELLER)
    push.subscribe("A2OTHERSELLER2")
    assert (api.calls["createDestination"], api.calls["getDestinations"]) == (1, 1)
    # a new container (another Lambda) finds the app's destination by its queue ARN
    again = FakeNotificationsApi(destinations_=list(api.destinations_))
    _push(again).subscribe(SELLER)
    assert again.calls["createDestination"] == 0


def test_a_destination_created_meanwhile_by_another_container_is_found_after_the_conflict() -> None:
    api = FakeNotificationsApi(conflict_on_create_destination=True)
    assert _push(api).destination_id() == "dest-1"
    assert api.calls["getDestinations"] == 2


def test_another_apps_destination_on_another_queue_is_not_ours() -> None:
    other = Destination.model_validate(
        {"destinationId": "theirs", "name": "x", "queue_arn": "arn:aws:sqs:us-east-1:1:other"}
    )
    api = FakeNotificationsApi(destinations_=[other])
    assert _push(api).destination_id() == "dest-2"


def test_subscribing_again_is_a_no_op_and_a_subscription_amazon_already_has_is_read_back() -> None:
    api, book = FakeNotificationsApi(), FakeSubscriptionBook()
    push = _push(api, book)
    push.subscribe(SELLER)
    assert push.subscribe(SELLER).created == 0
    # our record lost (e.g. a failed write): Amazon answers 409 and the existing one is kept
    book.forget(SELLER, NotificationType.ORDER_CHANGE)
    result = push.subscribe(SELLER)
    assert (result.created, result.kept) == (0, 4)
    assert api.calls["getSubscription"] == 1
    assert NotificationType.ORDER_CHANGE in book.subscriptions(SELLER)


def test_without_a_queue_push_is_off() -> None:
    push = _push(FakeNotificationsApi(), queue="")
    assert push.subscribe(SELLER).destination_id is None
    with pytest.raises(ConfigurationError):
        push.destination_id()


def test_unsubscribing_deletes_at_amazon_and_forgets_and_carries_on_past_a_refusal() -> None:
    api, book = FakeNotificationsApi(), FakeSubscriptionBook()
    push = _push(api, book)
    push.subscribe(SELLER)
    assert push.unsubscribe(SELLER) == 4
    assert api.subscriptions == {}
    assert book.subscriptions(SELLER) == {}
    push.subscribe(SELLER)
    api.refuse_delete = True
    assert push.unsubscribe(SELLER) == 0
    assert len(book.subscriptions(SELLER)) == 4  # kept: the next disconnect tries again


class _Sellers:
    def stop(self, seller_id: str, status: object, *, reason: str) -> bool:
        return True


class _Controls:
    def delete_schedule(self, name: str) -> bool:
        return False

    def stop_running_syncs(self, seller_id: str) -> int:
        return 0


class _Audit:
    def __init__(self) -> None:
        self.actions: list[str] = []

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object:
        self.actions.append(action)
        return None


@pytest.mark.parametrize("erase", [True, False])
def test_disconnecting_or_erasing_a_seller_deletes_its_subscriptions_first(erase: bool) -> None:
    api = FakeNotificationsApi()
    push = _push(api)
    push.subscribe(SELLER)
    request = StopSyncingInput(
        step="stop_syncing", seller_id=SELLER, requested_by="sub-owner", reason="", erase_data=erase
    )
    out = stop_syncing(
        request, sellers=_Sellers(), controls=_Controls(), audit=_Audit(), policy=ErasurePolicy(), push=push
    )
    assert out.subscriptions_deleted == 4
    assert api.subscriptions == {}
