"""The alerts' collaborators: the deployment's stores, the SNS topic and the Twilio WhatsApp adapter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sellerflow.settings import Settings
from sellerflow.wiring import connection_store, fact_store, per_settings, seller_store

# Each builder imports its store or adapter when first called: a handler that sends WhatsApp messages
# does not import the alert rules' stores, nor the evaluator the SNS or Twilio adapters.
if TYPE_CHECKING:
    from sellerflow.alerts.rules import AuthorizationInput
    from sellerflow.alerts.service import StoreInputs
    from sellerflow.domain import SellerProfile
    from sellerflow.members.model import CompletedReview, Member
    from sellerflow.notifications.sns import AccessReviewReminders, AlertTopic
    from sellerflow.notifications.whatsapp import TwilioWhatsApp
    from sellerflow.store.alerts import AlertStore
    from sellerflow.store.connections import ConnectionStore


class ConnectionAuthorization:
    """The authorization as `sellerflow.connect` tells it (revoked, lapsed, expiring), falling back on
    the profile's status where no connection is recorded."""

    def __init__(self, connections: ConnectionStore) -> None:
        self._connections = connections

    def authorization(self, profile: SellerProfile, now: datetime, warning_days: int) -> AuthorizationInput:
        from sellerflow.alerts.rules import AuthorizationInput
        from sellerflow.connect.status import ConnectionStatus, connection_status
        from sellerflow.domain import SellerStatus

        connection = self._connections.find(profile.seller_id)
        if connection is None:
            return AuthorizationInput(revoked=profile.status is SellerStatus.REVOKED)
        state = connection_status(connection, now=now, warning_days=warning_days)
        return AuthorizationInput(
            revoked=state.status is ConnectionStatus.REVOKED,
            lapsed=state.status is ConnectionStatus.LAPSED,
            expires_at=state.expires_at if state.status is ConnectionStatus.EXPIRING else None,
        )


@per_settings
def alert_store(s: Settings) -> AlertStore:
    from sellerflow.store.alerts import AlertStore

    return AlertStore(retention=timedelta(days=s.alert_retention_days))


@per_settings
def alert_topic(s: Settings) -> AlertTopic:
    from sellerflow.notifications.sns import AlertTopic

    return AlertTopic(s.alerts_topic_arn)


def store_inputs() -> StoreInputs:
    from sellerflow.alerts.service import StoreInputs
    from sellerflow.store.messages import ThreadStore
    from sellerflow.store.restock import RestockStore
    from sellerflow.wiring.analytics import rollup_store

    return StoreInputs(
        sellers=seller_store(),
        rules=alert_store(),
        rollups=rollup_store(),
        inventory=fact_store(),
        authorizations=ConnectionAuthorization(connection_store()),
        threads=ThreadStore(),  # buyer-message threads nearing 24 hours unanswered (due times only)
        restock=RestockStore(),  # the inventory's lead times and safety days, once the seller saves them
    )


@per_settings
def whatsapp(s: Settings) -> TwilioWhatsApp:
    from sellerflow.notifications.whatsapp import (
        SecretsManagerTwilioCredentials,
        TwilioWhatsApp,
        parse_content_sids,
    )

    return TwilioWhatsApp(
        SecretsManagerTwilioCredentials(s.twilio_secret_name),
        parse_content_sids(s.twilio_content_sids),
        base_url=s.twilio_api_base_url,
        timeout_s=s.twilio_timeout_s,
        webhook_base_url=s.twilio_webhook_base_url,
    )


class _ReviewReminderStore:
    """Every seller's members (the admins' overview scan) and each one's last completed review."""

    def __init__(self) -> None:
        from sellerflow.store.access_review import AccessReviewStore
        from sellerflow.store.members import TeamStore

        self._team = TeamStore()
        self._reviews = AccessReviewStore(self._team)

    def sellers_overview(self) -> list[tuple[SellerProfile, list[Member]]]:
        return self._team.sellers_overview()

    def last_review(self, seller_id: str) -> CompletedReview | None:
        return self._reviews.last_review(seller_id)


@per_settings
def access_review_store(_: Settings) -> _ReviewReminderStore:
    return _ReviewReminderStore()


@per_settings
def access_review_reminders(s: Settings) -> AccessReviewReminders:
    from sellerflow.notifications.sns import AccessReviewReminders, AlertTopic

    return AccessReviewReminders(AlertTopic(s.alerts_topic_arn))
