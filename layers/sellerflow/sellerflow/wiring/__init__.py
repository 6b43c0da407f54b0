"""The composition root: builds the collaborators each handler needs from the settings, once per
container. Tables are bound here (`settings()`) and nowhere else. Tests build their own collaborators
and never come here.

This module builds the sync's adapters (SP-API and Ads clients, stores, policies); one module per
area builds the rest: `alerts`, `analytics`, `connect`, `privacy` (and `api`, the HTTP API's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, TypeVar

from sellerflow.settings import Settings, get_settings
from sellerflow.store.tables import bind_tables

# Adapters are imported where they are built, not here: a handler's cold start then loads only the
# clients it uses (boto3, httpx, the encryption SDK and the Ads models cost hundreds of ms together).
if TYPE_CHECKING:
    from sellerflow.ads.client import RegionalAdsClient
    from sellerflow.billing.service import TickSyncGate
    from sellerflow.labels.tracking import TrackingRefresh
    from sellerflow.spapi.client import SpApiClient
    from sellerflow.spapi.data_kiosk import DataKioskClient
    from sellerflow.store.app_secrets import SecretsManagerAppCredentials
    from sellerflow.store.audit import AuditLog
    from sellerflow.store.connections import ConnectionStore
    from sellerflow.store.credentials import CredentialVault
    from sellerflow.store.facts import FactStore
    from sellerflow.store.fanout import DueListObjects
    from sellerflow.store.history import HistoryArchive
    from sellerflow.store.history_archiver import ArchiveResult
    from sellerflow.store.orders import OrderStore
    from sellerflow.store.reports import ReportStore
    from sellerflow.store.sellers import SellerStore
    from sellerflow.store.sweeper import ExpirySweeper
    from sellerflow.store.workflows import StepFunctionsStarter
    from sellerflow.sync.ads import AdsPolicy
    from sellerflow.sync.carry import CarryPolicy
    from sellerflow.sync.finances import FinancesPolicy
    from sellerflow.sync.orders import OrdersSyncPolicy
    from sellerflow.sync.quota import QuotaBudget
    from sellerflow.sync.reports import PlanCaps, ReportPolicy


class _WarmState:
    """Shared by every invocation of a warm container: tokens and pacing outlive one call. Built on
    first use; Ads access tokens carry another scope (never mixed with SP-API's), one region each."""

    def __init__(self) -> None:
        from sellerflow.amazon.ads import ADS_REGIONS
        from sellerflow.spapi.client import AccessTokenCache
        from sellerflow.spapi.pacing import Pacer

        self.token_cache = AccessTokenCache()
        self.pacer = Pacer()
        self.ads_token_caches = {region: AccessTokenCache() for region in ADS_REGIONS}


@lru_cache(maxsize=1)
def _warm() -> _WarmState:
    return _WarmState()


T = TypeVar("T")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, with the deployment's tables bound to them (once per container)."""
    current = get_settings()
    bind_tables(current)
    return current


def bound_settings(current: Settings | None = None) -> Settings:
    """Binds the tables to `current` (the process's settings by default) on every call: callers that
    take settings from outside (the API's tests, the CLIs) rebind to theirs."""
    current = current or get_settings()
    bind_tables(current)
    return current


def per_settings(build: Callable[[Settings], T]) -> Callable[[], T]:
    """Builds once per settings object: after `reset()` (a new environment) the next call builds anew."""
    built: list[tuple[Settings, T]] = []

    @wraps(build)
    def current() -> T:
        live = settings()
        if not built or built[0][0] is not live:
            built[:] = [(live, build(live))]
        return built[0][1]

    return current


@per_settings
def lwa_app_credentials(s: Settings) -> SecretsManagerAppCredentials:
    """The app's LWA client credentials, one cached source per container: the SP-API and Ads clients
    (and the connect flows) share its reads of the secret, each a KMS decrypt by Secrets Manager."""
    from sellerflow.store.app_secrets import SecretsManagerAppCredentials

    return SecretsManagerAppCredentials(s.lwa_app_secret_name)


@per_settings
def spapi_client(s: Settings) -> SpApiClient:
    import httpx

    from sellerflow.observability import trace_httpx
    from sellerflow.spapi.client import SpApiClient
    from sellerflow.spapi.lwa import LwaClient

    trace_httpx()
    http = httpx.Client(timeout=s.spapi_timeout_s)
    lwa = LwaClient(s.lwa_endpoint, lwa_app_credentials(), http)
    return SpApiClient(
        endpoint=s.spapi_endpoint,
        lwa=lwa,
        refresh_tokens=credential_vault(),
        http=http,
        token_cache=_warm().token_cache,
        pacer=_warm().pacer,
        max_attempts=s.spapi_max_attempts,
        max_inline_wait_s=s.spapi_max_inline_wait_s,
    )


@per_settings
def data_kiosk_client(_: Settings) -> DataKioskClient:
    """Data Kiosk on the SP-API port (its credentials, pacing and errors)."""
    from sellerflow.spapi.data_kiosk import DataKioskClient

    return DataKioskClient(spapi_client())


@per_settings
def traffic_budget(_: Settings) -> QuotaBudget:
    """The app-wide GET_SALES_AND_TRAFFIC_REPORT budget, shared by every seller's sync."""
    from sellerflow.store.quota import QuotaStore
    from sellerflow.sync.quota import SALES_AND_TRAFFIC_QUOTA, QuotaBudget

    return QuotaBudget(SALES_AND_TRAFFIC_QUOTA, QuotaStore())


@per_settings
def ads_client(s: Settings) -> RegionalAdsClient:
    """One Ads client per region (its host, its LWA token endpoint, the seller's grant of that region)."""
    import httpx

    from sellerflow.ads.client import AdsClient, RegionalAdsClient
    from sellerflow.amazon.ads import ADS_REGIONS
    from sellerflow.observability import trace_httpx
    from sellerflow.spapi.lwa import LwaClient

    trace_httpx()
    http = httpx.Client(timeout=s.ads_timeout_s)
    app = lwa_app_credentials()
    hosts = s.ads_hosts()
    return RegionalAdsClient(
        {
            region: AdsClient(
                endpoint=hosts[region][0],
                client_id=(lambda: s.ads_client_id)
                if s.ads_client_id
                else (lambda: app.app_credentials().client_id),
                lwa=LwaClient(hosts[region][1], app, http),
                refresh_tokens=credential_vault(),
                http=http,
                token_cache=_warm().ads_token_caches[region],
                max_attempts=s.ads_max_attempts,
                max_inline_wait_s=s.ads_max_inline_wait_s,
                region=region,
            )
            for region in ADS_REGIONS
        }
    )


def ads_policy() -> AdsPolicy:
    from sellerflow.sync.ads import AdsPolicy

    s = settings()
    return AdsPolicy(
        fresh_days=s.ads_fresh_days,
        backfill_days=s.ads_backfill_days,
        first_poll_s=s.ads_first_poll_s,
        max_polls=s.ads_max_polls,
    )


@per_settings
def credential_vault(s: Settings) -> CredentialVault:
    from sellerflow.store.credentials import CredentialVault

    return CredentialVault(s.data_key_id)


@per_settings
def order_store(s: Settings) -> OrderStore:
    from sellerflow.store.orders import OrderStore

    return OrderStore(retention=timedelta(days=s.data_retention_days), history=history_archive())


def history_archive(s: Settings | None = None) -> HistoryArchive:
    """The archive the readers of orders and transactions past the hot window also read (S3 is
    called only by such a read). Binds no table: `s` is settings the caller has bound."""
    from sellerflow.store.history import HistoryArchive, HistoryObjects

    s = s or settings()
    objects = HistoryObjects(s.raw_bucket, kms_key_id=s.data_key_id, prefix=s.history_prefix)
    return HistoryArchive(objects, hot_days=s.history_hot_days)


@per_settings
def seller_store(_: Settings) -> SellerStore:
    from sellerflow.store.sellers import SellerStore

    return SellerStore()


@per_settings
def report_store(_: Settings) -> ReportStore:
    from sellerflow.store.reports import ReportStore

    return ReportStore()


@per_settings
def fact_store(s: Settings) -> FactStore:
    """The one fact store (ingest, finances, inventory, rollups, alerts): facts and the orders it reads
    expire after the deployment's retention."""
    from sellerflow.store.facts import FactStore

    return FactStore(
        retention=timedelta(days=s.data_retention_days), orders=order_store(), history=history_archive()
    )


def connection_store() -> ConnectionStore:
    from sellerflow.store.connections import ConnectionStore

    settings()
    return ConnectionStore()


def audit_log() -> AuditLog:
    from sellerflow.store.audit import AuditLog

    settings()
    return AuditLog()


def due_list_objects() -> DueListObjects:
    from sellerflow.store.fanout import DueListObjects

    return DueListObjects(settings().fanout_bucket)


def seller_sync_starter() -> StepFunctionsStarter:
    from sellerflow.store.workflows import StepFunctionsStarter

    return StepFunctionsStarter(settings().seller_sync_state_machine_arn)


def carry_policy() -> CarryPolicy:
    """The hourly run's reports (sellerflow.sync.carry): planned as often as Standard planned them."""
    from sellerflow.sync.carry import CarryPolicy

    return CarryPolicy(plan_every=timedelta(minutes=settings().sync_reports_every_minutes))


def seller_sync_hourly_starter() -> StepFunctionsStarter | None:
    """The hourly Express seller-sync (None where the deployment has none: every start is Standard)."""
    from sellerflow.store.workflows import StepFunctionsStarter

    arn = settings().seller_sync_hourly_state_machine_arn
    return StepFunctionsStarter(arn) if arn else None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def sweeper(clock: Callable[[], datetime] = _utcnow) -> ExpirySweeper:
    """The deployment's expiry sweeper (boto3 at the settings' endpoint; moto locally)."""
    import boto3

    from sellerflow.store.audit import AuditLog
    from sellerflow.store.sweeper import ExpirySweeper

    s = bound_settings(settings())  # rebinds: a caller in this process may have bound other settings
    dynamodb = boto3.client("dynamodb", region_name=s.aws_region, endpoint_url=s.aws_endpoint_url)
    return ExpirySweeper(
        dynamodb=dynamodb,
        tables={
            "pii": s.pii_table,
            "seller_data": s.seller_data_table,
            "sellers": s.sellers_table,
            "audit": s.audit_table,
        },
        audit=AuditLog(clock=clock),
        max_items_per_partition=s.sweep_max_items_per_partition,
        clock=clock,
    )


def report_policy() -> ReportPolicy:
    from sellerflow.sync.reports import ReportPolicy

    s = settings()
    return ReportPolicy(
        first_poll_s=s.report_first_poll_s,
        max_polls=s.report_max_polls,
        backfill_windows_per_run=s.report_backfill_windows_per_run,
        comparison_history=timedelta(days=s.report_comparison_history_days),
    )


def finances_policy() -> FinancesPolicy:
    """The finances sync's: its first run covers the reports' compared history too (fees, refunds)."""
    from sellerflow.sync.finances import FinancesPolicy

    return FinancesPolicy.covering(timedelta(days=settings().report_comparison_history_days))


def orders_sync_policy() -> OrdersSyncPolicy:
    from sellerflow.sync.orders import OrdersSyncPolicy

    s = settings()
    return OrdersSyncPolicy(
        lookback=timedelta(minutes=s.orders_lookback_minutes),
        initial_history=timedelta(days=s.orders_initial_days),
        page_size=s.orders_page_size,
    )


def sync_plan_caps(seller_id: str) -> PlanCaps | None:
    """What the seller's plan lets this sync cover (None: billing is off, the sync covers everything)."""
    if not settings().billing_enabled:
        return None
    from sellerflow.sync.reports import PlanCaps
    from sellerflow.wiring.billing import billing_service

    limits = billing_service().limits_of(seller_id).limits
    return PlanCaps(marketplaces=limits.marketplaces, history_days=limits.history_days)


def tracking_refresh() -> TrackingRefresh:
    """The seller sync's refresh of labels in transit (getTracking; only `LABEL#` records written)."""
    from sellerflow.labels.tracking import TrackingRefresh
    from sellerflow.store.labels import LabelDataStore

    return TrackingRefresh(shipping=spapi_client(), shipments=LabelDataStore())


def billing_sync_gate() -> TickSyncGate | None:
    """The fanout's billing check for this tick (None: billing is off, every seller syncs as before)."""
    if not settings().billing_enabled:
        return None
    from sellerflow.wiring.billing import billing_service

    return billing_service().tick_gate()


def reset() -> None:
    """Forget every built collaborator (the local runtime rebinds after changing the environment)."""
    _warm.cache_clear()
    # Every other collaborator is built per settings object (`per_settings`): new settings, new ones.
    settings.cache_clear()


def archive_history(seller_id: str, *, time_left_ms: Callable[[], int] | None = None) -> ArchiveResult:
    """One seller's archive run with the deployment's bucket, key and hot window."""
    from sellerflow.store.history import HistoryObjects
    from sellerflow.store.history_archiver import HistoryArchiver

    s = settings()
    objects = HistoryObjects(s.raw_bucket, kms_key_id=s.data_key_id, prefix=s.history_prefix)
    return HistoryArchiver(objects, hot_days=s.history_hot_days).run(seller_id, time_left_ms=time_left_ms)
