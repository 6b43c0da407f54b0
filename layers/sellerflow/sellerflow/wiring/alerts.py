"""The alerts' collaborators: the deployment's stores, the SNS topic and the Twilio WhatsApp adapter."""

from __future__ import annotations

from datetime import datetime, timedelta

from sellerflow.alerts.rules import AuthorizationInput
from sellerflow.alerts.service import StoreInputs
from sellerflow.connect.status import ConnectionStatus, connection_status
from sellerflow.domain import SellerProfile, SellerStatus
from sellerflow.notifications.sns import AlertTopic
from sellerflow.notifications.whatsapp import (
    SecretsManagerTwilioCredentials,
    TwilioWhatsApp,
    parse_content_sids,
)
from sellerflow.settings import Settings
from sellerflow.store.alerts import AlertStore
from sellerflow.store.connections import ConnectionStore
from sellerflow.wiring import connection_store, fact_store, per_settings, seller_store
from sellerflow.wiring.analytics import rollup_store


class ConnectionAuthorization:
    """The authorization as `sellerflow.connect` tells it (revoked, lapsed, expiring), falling back on
    the profile's status where no connection is recorded."""

    def __init__(self, connections: ConnectionStore) -> None:
        self._connections = connections

    def authorization(self, profile: SellerProfile, now: datetime, warning_days: int) -> AuthorizationInput:
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
    return AlertStore(retention=timedelta(days=s.alert_retention_days))


@per_settings
def alert_topic(s: Settings) -> AlertTopic:
    return AlertTopic(s.alerts_topic_arn)


def store_inputs() -> StoreInputs:
    return StoreInputs(
        sellers=seller_store(),
        rules=alert_store(),
        rollups=rollup_store(),
        inventory=fact_store(),
        authorizations=ConnectionAuthorization(connection_store()),
    )


@per_settings
def whatsapp(s: Settings) -> TwilioWhatsApp:
    return TwilioWhatsApp(
        SecretsManagerTwilioCredentials(s.twilio_secret_name),
        parse_content_sids(s.twilio_content_sids),
        base_url=s.twilio_api_base_url,
        timeout_s=s.twilio_timeout_s,
        webhook_base_url=s.twilio_webhook_base_url,
    )
