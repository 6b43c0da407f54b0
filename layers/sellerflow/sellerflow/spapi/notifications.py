"""The Notifications API v1 port: Sellerflow's destination (once per application) and each seller's
subscriptions.

Two kinds of token: the destination operations, getSubscriptionById and deleteSubscriptionById are
grantless (an access token of the app itself, LWA client_credentials with the notifications scope);
createSubscription and getSubscription act for one seller (the seller's own access token). Both go
through the SP-API port's one request path (retries, 429s, typed errors); grantless calls are paced
under the app's own name.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from sellerflow.amazon.notifications import Destination, NotificationType, Subscription
from sellerflow.errors import SpApiAccessDenied, SpApiBadRequest, SpApiServerError
from sellerflow.spapi.client import SpApiClient
from sellerflow.spapi.lwa import AccessToken

NOTIFICATIONS_PATH = "/notifications/v1"
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
APP_CALLER = "APPLICATION"  # the name grantless calls are paced and counted under


class NotificationsClient:
    def __init__(self, spapi: SpApiClient, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._spapi = spapi
        self._now = monotonic
        self._grantless: AccessToken | None = None

    # --- destinations (grantless) -----------------------------------------------------------------
    def destinations(self) -> list[Destination]:
        body = self._grantless_call("getDestinations", "GET", f"{NOTIFICATIONS_PATH}/destinations")
        return [Destination.of(entry) for entry in _payload(body, "getDestinations", list)]

    def create_destination(self, name: str, queue_arn: str) -> Destination:
        """createDestination; Amazon answers 409 (SpApiBadRequest, status 409) when one exists."""
        spec = {"name": name, "resourceSpecification": {"sqs": {"arn": queue_arn}}}
        body = self._grantless_call(
            "createDestination", "POST", f"{NOTIFICATIONS_PATH}/destinations", json_body=spec
        )
        return Destination.of(_payload(body, "createDestination", dict))

    # --- subscriptions ----------------------------------------------------------------------------
    def create_subscription(
        self,
        seller_id: str,
        notification_type: NotificationType,
        *,
        destination_id: str,
        payload_version: str,
    ) -> Subscription:
        """createSubscription for the seller; 409 (SpApiBadRequest, status 409) when it exists."""
        body = self._spapi.call(
            seller_id,
            "createSubscription",
            "POST",
            f"{NOTIFICATIONS_PATH}/subscriptions/{notification_type.value}",
            json_body={"payloadVersion": payload_version, "destinationId": destination_id},
        )
        return Subscription.model_validate(_payload(body, "createSubscription", dict))

    def get_subscription(self, seller_id: str, notification_type: NotificationType) -> Subscription | None:
        try:
            body = self._spapi.call(
                seller_id,
                "getSubscription",
                "GET",
                f"{NOTIFICATIONS_PATH}/subscriptions/{notification_type.value}",
            )
        except SpApiBadRequest as exc:
            if exc.status == 404:
                return None
            raise
        return Subscription.model_validate(_payload(body, "getSubscription", dict))

    def delete_subscription(self, notification_type: NotificationType, subscription_id: str) -> bool:
        """deleteSubscriptionById (grantless); False when Amazon no longer knows the subscription."""
        try:
            self._grantless_call(
                "deleteSubscriptionById",
                "DELETE",
                f"{NOTIFICATIONS_PATH}/subscriptions/{notification_type.value}/{subscription_id}",
            )
        except SpApiBadRequest as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # --- the grantless token ----------------------------------------------------------------------
    def _grantless_call(
        self, operation: str, method: str, path: str, *, json_body: Any = None
    ) -> dict[str, Any]:
        try:
            return self._spapi.call(
                APP_CALLER, operation, method, path, json_body=json_body, access_token=self._app_token()
            )
        except SpApiAccessDenied:
            # The cached grantless token may have expired: one fresh token, one more try.
            self._grantless = None
            return self._spapi.call(
                APP_CALLER, operation, method, path, json_body=json_body, access_token=self._app_token()
            )

    def _app_token(self) -> SecretStr:
        token = self._grantless
        if token is None or not token.valid_at(self._now()):
            token = self._spapi.lwa.grantless_token(NOTIFICATIONS_SCOPE)
            self._grantless = token
        return token.value


def _payload(body: dict[str, Any], operation: str, kind: type) -> Any:
    payload = body.get("payload")
    if not isinstance(payload, kind):
        raise SpApiServerError(f"{operation} answered without a payload {kind.__name__}", operation=operation)
    return payload
