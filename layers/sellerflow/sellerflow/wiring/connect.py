"""The connect flows' collaborators (SP-API and Ads authorization), built once per settings."""

from __future__ import annotations

from datetime import timedelta

from sellerflow import wiring
from sellerflow.connect.ads import AdsConnectConfig, AdsConnectService
from sellerflow.connect.service import ConnectConfig, ConnectService
from sellerflow.settings import Settings
from sellerflow.store.connections import ConnectStateStore, SecretsManagerStateKey
from sellerflow.wiring.notifications import push_subscriptions


def connect_config(settings: Settings) -> ConnectConfig:
    return ConnectConfig(
        application_id=settings.spapi_application_id,
        consent_url=settings.spapi_consent_url,
        web_origin=settings.web_origin,
        draft_app=settings.spapi_app_draft,
        state_ttl=timedelta(seconds=settings.connect_state_ttl_s),
        valid_days=settings.authorization_valid_days,
        warning_days=settings.authorization_warning_days,
        sync_every_minutes=settings.seller_sync_every_minutes,
        push_sync_every_minutes=settings.push_sync_every_minutes
        if settings.notifications_queue_arn
        else None,
        window_minutes=settings.sync_window_minutes,
    )


def ads_connect_config(settings: Settings) -> AdsConnectConfig:
    return AdsConnectConfig(
        authorize_urls=settings.ads_authorize_urls(),
        web_origin=settings.web_origin,
        state_ttl=timedelta(seconds=settings.connect_state_ttl_s),
    )


@wiring.per_settings
def connect_service(settings: Settings) -> ConnectService:
    client = wiring.spapi_client()
    connections = wiring.connection_store()
    return ConnectService(
        config=connect_config(settings),
        keys=SecretsManagerStateKey(settings.connect_state_secret_name),
        nonces=ConnectStateStore(),
        lwa=client.lwa,
        vault=wiring.credential_vault(),
        participations=client,
        connections=connections,
        members=wiring.seller_store(),
        starter=wiring.seller_sync_starter(),
        audit=wiring.audit_log(),
        ads=connections,
        push=push_subscriptions(),
    )


@wiring.per_settings
def ads_connect_service(settings: Settings) -> AdsConnectService:
    app = wiring.lwa_app_credentials()
    return AdsConnectService(
        config=ads_connect_config(settings),
        # The LWA client that exchanges the code and refreshes the ads tokens is the app's own; each
        # region's code is exchanged at that region's LWA endpoint, its profiles listed on its host.
        client_id=lambda: app.app_credentials().client_id,
        keys=SecretsManagerStateKey(settings.connect_state_secret_name),
        nonces=ConnectStateStore(),
        lwa=wiring.ads_client(),
        profiles=wiring.ads_client(),
        vault=wiring.credential_vault(),
        sellers=wiring.seller_store(),
        grants=wiring.connection_store(),
        audit=wiring.audit_log(),
    )
