"""The alerts' composition root: the deployment's stores, topic and Twilio port (built once)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sellerflow.alerts.rules import AuthorizationInput
from sellerflow.alerts.service import StoreInputs
from sellerflow.alerts.whatsapp import SecretsManagerTwilioCredentials, TwilioWhatsApp, parse_content_sids
from sellerflow.domain import SellerProfile, SellerStatus
from sellerflow.settings import Settings
from sellerflow.store.alerts import AlertStore
from sellerflow.store.alerts_topic import AlertTopic
from sellerflow.wiring import seller_store, settings


class ConnectionAuthorization:
    """The authorization as `sellerflow.connect` tells it (revoked, lapsed, expiring), falling back on
    the profile's status where no connection is recorded."""

    def authorization(self, profile: SellerProfile, now: datetime, warning_days: int) -> AuthorizationInput:
        revoked = AuthorizationInput(revoked=profile.status is SellerStatus.REVOKED)
        try:
            from sellerflow.connect.status import ConnectionStatus, connection_status
            from sellerflow.store.connections import ConnectionStore
        except ImportError:  # pragma: no cover - the connect package is part of the layer
            return revoked
        connection = ConnectionStore().find(profile.seller_id)
        if connection is None:
            return revoked
        state = connection_status(connection, now=now, warning_days=warning_days)
        return AuthorizationInput(
            revoked=state.status is ConnectionStatus.REVOKED,
            lapsed=state.status is ConnectionStatus.LAPSED,
            expires_at=state.expires_at if state.status is ConnectionStatus.EXPIRING else None,
        )


# Keyed on the settings: a new environment (the local runtime's next stack) builds new collaborators.
def alert_store() -> AlertStore:
    return _alert_store(settings())


@lru_cache(maxsize=1)
def _alert_store(s: Settings) -> AlertStore:
    return AlertStore(retention=timedelta(days=s.alert_retention_days))


def alert_topic() -> AlertTopic:
    return _alert_topic(settings())


@lru_cache(maxsize=1)
def _alert_topic(s: Settings) -> AlertTopic:
    return AlertTopic(s.alerts_topic_arn)


def store_inputs() -> StoreInputs:
    from sellerflow.analytics.wiring import fact_store, rollup_store

    return StoreInputs(
        sellers=seller_store(),
        rules=alert_store(),
        rollups=rollup_store(),
        inventory=fact_store(),
        authorizations=ConnectionAuthorization(),
    )


def whatsapp() -> TwilioWhatsApp:
    return _whatsapp(settings())


@lru_cache(maxsize=1)
def _whatsapp(s: Settings) -> TwilioWhatsApp:
    return TwilioWhatsApp(
        SecretsManagerTwilioCredentials(s.twilio_secret_name),
        parse_content_sids(s.twilio_content_sids),
        base_url=s.twilio_api_base_url,
        timeout_s=s.twilio_timeout_s,
    )


def reset() -> None:
    for factory in (_alert_store, _alert_topic, _whatsapp):
        factory.cache_clear()
