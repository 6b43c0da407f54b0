"""The composition root: builds the collaborators each handler needs from the settings, once per
container. Tests build their own collaborators and never come here."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import httpx

from sellerflow.ads.client import AdsClient
from sellerflow.settings import Settings, get_settings
from sellerflow.spapi.client import AccessTokenCache, SpApiClient
from sellerflow.spapi.lwa import LwaClient
from sellerflow.spapi.pacing import Pacer
from sellerflow.store.app_secrets import SecretsManagerAppCredentials
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.facts import FactStore
from sellerflow.store.orders import OrderStore
from sellerflow.store.reports import ReportStore
from sellerflow.store.sellers import SellerStore
from sellerflow.store.tables import bind_tables
from sellerflow.sync.ads import AdsPolicy
from sellerflow.sync.orders import OrdersSyncPolicy
from sellerflow.sync.reports import ReportPolicy

# Shared by every invocation of a warm container: tokens and pacing outlive one call.
_TOKEN_CACHE = AccessTokenCache()
_PACER = Pacer()
_ADS_TOKEN_CACHE = AccessTokenCache()  # ads access tokens carry another scope: never mixed with SP-API's


@lru_cache(maxsize=1)
def settings() -> Settings:
    current = get_settings()
    bind_tables(current)
    return current


@lru_cache(maxsize=1)
def spapi_client() -> SpApiClient:
    s = settings()
    http = httpx.Client(timeout=s.spapi_timeout_s)
    lwa = LwaClient(s.lwa_endpoint, SecretsManagerAppCredentials(s.lwa_app_secret_name), http)
    return SpApiClient(
        endpoint=s.spapi_endpoint,
        lwa=lwa,
        refresh_tokens=credential_vault(),
        http=http,
        token_cache=_TOKEN_CACHE,
        pacer=_PACER,
        max_attempts=s.spapi_max_attempts,
        max_inline_wait_s=s.spapi_max_inline_wait_s,
    )


@lru_cache(maxsize=1)
def ads_client() -> AdsClient:
    s = settings()
    http = httpx.Client(timeout=s.ads_timeout_s)
    app = SecretsManagerAppCredentials(s.lwa_app_secret_name)
    lwa = LwaClient(s.lwa_endpoint, app, http)
    return AdsClient(
        endpoint=s.ads_endpoint,
        client_id=(lambda: s.ads_client_id) if s.ads_client_id else (lambda: app.app_credentials().client_id),
        lwa=lwa,
        refresh_tokens=credential_vault(),
        http=http,
        token_cache=_ADS_TOKEN_CACHE,
        max_attempts=s.ads_max_attempts,
        max_inline_wait_s=s.ads_max_inline_wait_s,
    )


def ads_policy() -> AdsPolicy:
    s = settings()
    return AdsPolicy(
        fresh_days=s.ads_fresh_days,
        backfill_days=s.ads_backfill_days,
        first_poll_s=s.ads_first_poll_s,
        max_polls=s.ads_max_polls,
    )


@lru_cache(maxsize=1)
def credential_vault() -> CredentialVault:
    return CredentialVault(settings().data_key_id)


@lru_cache(maxsize=1)
def order_store() -> OrderStore:
    return OrderStore(retention=timedelta(days=settings().data_retention_days))


@lru_cache(maxsize=1)
def seller_store() -> SellerStore:
    settings()
    return SellerStore()


@lru_cache(maxsize=1)
def report_store() -> ReportStore:
    settings()
    return ReportStore()


@lru_cache(maxsize=1)
def fact_store() -> FactStore:
    settings()
    return FactStore()


def report_policy() -> ReportPolicy:
    s = settings()
    return ReportPolicy(
        first_poll_s=s.report_first_poll_s,
        max_polls=s.report_max_polls,
        backfill_windows_per_run=s.report_backfill_windows_per_run,
    )


def orders_sync_policy() -> OrdersSyncPolicy:
    s = settings()
    return OrdersSyncPolicy(
        lookback=timedelta(minutes=s.orders_lookback_minutes),
        initial_history=timedelta(days=s.orders_initial_days),
        page_size=s.orders_page_size,
    )


def reset() -> None:
    """Forget every built collaborator (the local runtime rebinds after changing the environment)."""
    global _TOKEN_CACHE, _PACER, _ADS_TOKEN_CACHE
    _TOKEN_CACHE = AccessTokenCache()
    _PACER = Pacer()
    _ADS_TOKEN_CACHE = AccessTokenCache()
    for factory in (
        settings,
        spapi_client,
        ads_client,
        credential_vault,
        order_store,
        seller_store,
        report_store,
        fact_store,
    ):
        factory.cache_clear()
