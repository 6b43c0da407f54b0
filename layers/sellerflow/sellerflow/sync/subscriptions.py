"""Push subscriptions: the app's one SQS destination, and each seller's subscriptions to it.

    subscribe(seller)    at connect (and reconnect): the destination is found or created once per
                         application (createDestination is grantless; an existing one with our queue's
                         ARN is reused), then one subscription per notification type; one that already
                         exists at Amazon (409) is read back and kept. Safe to repeat.
    unsubscribe(seller)  at disconnect and erasure: every stored subscription is deleted at Amazon
                         (deleteSubscriptionById, grantless, so it works after the seller's token is
                         gone) and forgotten here.

Subscribing never decides whether a seller is connected: polling is the safety net, so a seller whose
subscriptions failed is still synced, only later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.amazon.notifications import PAYLOAD_VERSIONS, Destination, NotificationType, Subscription
from sellerflow.errors import ConfigurationError, SpApiBadRequest, SpApiError
from sellerflow.observability import logger, metrics

CONFLICT = 409


class NotificationsApi(Protocol):
    def destinations(self) -> list[Destination]: ...
    def create_destination(self, name: str, queue_arn: str) -> Destination: ...
    def create_subscription(
        self,
        seller_id: str,
        notification_type: NotificationType,
        *,
        destination_id: str,
        payload_version: str,
    ) -> Subscription: ...
    def get_subscription(
        self, seller_id: str, notification_type: NotificationType
    ) -> Subscription | None: ...
    def delete_subscription(self, notification_type: NotificationType, subscription_id: str) -> bool: ...


class SubscriptionBook(Protocol):
    def put(
        self, seller_id: str, notification_type: NotificationType, subscription: Subscription
    ) -> None: ...
    def subscriptions(self, seller_id: str) -> dict[NotificationType, Subscription]: ...
    def forget(self, seller_id: str, notification_type: NotificationType) -> None: ...


@dataclass(frozen=True)
class PushConfig:
    queue_arn: str  # the notifications queue (template: NotificationsQueue); blank: push is off
    destination_name: str = "sellerflow"
    types: tuple[NotificationType, ...] = tuple(NotificationType)


class SubscribeResult(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    seller_id: str
    destination_id: str | None
    created: int = 0
    kept: int = 0  # already subscribed (stored here, or found at Amazon)


class PushSubscriptions:
    def __init__(self, *, api: NotificationsApi, book: SubscriptionBook, config: PushConfig) -> None:
        self._api = api
        self._book = book
        self._config = config
        self._destination_id: str | None = None  # once per application (and per warm container)

    @property
    def enabled(self) -> bool:
        return bool(self._config.queue_arn)

    def destination_id(self) -> str:
        if self._destination_id is None:
            self._destination_id = self._find_or_create_destination()
        return self._destination_id

    def _find_or_create_destination(self) -> str:
        if not self.enabled:
            raise ConfigurationError("push notifications need NOTIFICATIONS_QUEUE_ARN")
        existing = self._ours(self._api.destinations())
        if existing is not None:
            return existing.destination_id
        try:
            created = self._api.create_destination(self._config.destination_name, self._config.queue_arn)
        except SpApiBadRequest as exc:
            if exc.status != CONFLICT:
                raise
            found = self._ours(self._api.destinations())  # created meanwhile by another container
            if found is None:
                raise
            return found.destination_id
        metrics.add_metric(name="PushDestinationsCreated", unit="Count", value=1)
        return created.destination_id

    def _ours(self, destinations: Sequence[Destination]) -> Destination | None:
        return next((d for d in destinations if d.queue_arn == self._config.queue_arn), None)

    def subscribe(self, seller_id: str) -> SubscribeResult:
        if not self.enabled:
            return SubscribeResult(seller_id=seller_id, destination_id=None)
        destination_id = self.destination_id()
        stored = self._book.subscriptions(seller_id)
        created = kept = 0
        for kind in self._config.types:
            known = stored.get(kind)
            if known is not None and known.destination_id == destination_id:
                kept += 1
                continue
            subscription, fresh = self._subscribe_one(seller_id, kind, destination_id)
            self._book.put(seller_id, kind, subscription)
            created, kept = created + fresh, kept + (not fresh)
        metrics.add_metric(name="PushSubscriptionsCreated", unit="Count", value=created)
        logger.info(
            "seller subscribed",
            extra={"seller_id": seller_id, "subscriptions_created": created, "subscriptions_kept": kept},
        )
        return SubscribeResult(seller_id=seller_id, destination_id=destination_id, created=created, kept=kept)

    def _subscribe_one(
        self, seller_id: str, kind: NotificationType, destination_id: str
    ) -> tuple[Subscription, bool]:
        try:
            return (
                self._api.create_subscription(
                    seller_id, kind, destination_id=destination_id, payload_version=PAYLOAD_VERSIONS[kind]
                ),
                True,
            )
        except SpApiBadRequest as exc:
            if exc.status != CONFLICT:
                raise
        existing = self._api.get_subscription(seller_id, kind)
        if existing is None:
            raise SpApiBadRequest(
                f"createSubscription {kind.value} conflicted for seller {seller_id}, but none exists",
                operation="createSubscription",
                status=CONFLICT,
            )
        return existing, False

    def unsubscribe(self, seller_id: str) -> int:
        """Delete the seller's subscriptions at Amazon; returns how many Amazon still had."""
        deleted = 0
        for kind, subscription in self._book.subscriptions(seller_id).items():
            try:
                deleted += self._api.delete_subscription(kind, subscription.subscription_id)
            except SpApiError as exc:
                # Amazon stops delivering to a seller who deauthorized us anyway; keep going, say so.
                logger.warning(
                    "subscription not deleted",
                    extra={
                        "seller_id": seller_id,
                        "notification_type": kind.value,
                        "error": type(exc).__name__,
                    },
                )
                metrics.add_metric(name="PushUnsubscribeFailed", unit="Count", value=1)
                continue
            self._book.forget(seller_id, kind)
        logger.info("seller unsubscribed", extra={"seller_id": seller_id, "deleted": deleted})
        return deleted
