"""Push notifications' collaborators: the subscriptions (connect, disconnect, erase) and the ports
the notifications function applies each notification with."""

from __future__ import annotations

from datetime import timedelta

from sellerflow import wiring
from sellerflow.reports import finance_fact_from_transaction
from sellerflow.reports.ingest import ingest_document
from sellerflow.settings import Settings
from sellerflow.store.notifications import NotificationLedger, SubscriptionStore
from sellerflow.sync.ingest import IngestInput, IngestOutput, ingest_report_document
from sellerflow.sync.notifications import PushPorts
from sellerflow.sync.subscriptions import PushConfig, PushSubscriptions


@wiring.per_settings
def push_subscriptions(settings: Settings) -> PushSubscriptions:
    from sellerflow.spapi.notifications import NotificationsClient  # and httpx, on first use

    return PushSubscriptions(
        api=NotificationsClient(wiring.spapi_client()),
        book=SubscriptionStore(),
        config=PushConfig(queue_arn=settings.notifications_queue_arn),
    )


@wiring.per_settings
def notification_ledger(settings: Settings) -> NotificationLedger:
    return NotificationLedger(retention=timedelta(days=settings.notification_retention_days))


@wiring.per_settings
def push_ports(_: Settings) -> PushPorts:
    client = wiring.spapi_client()
    reports = wiring.report_store()
    facts = wiring.fact_store()

    def ingest_report(request: IngestInput) -> IngestOutput:
        return ingest_report_document(
            request,
            api=client,
            book=reports,
            ingest=ingest_document,
            sink=facts,
            kiosk=wiring.data_kiosk_client(),
        )

    return PushPorts(
        orders=client,
        order_sink=wiring.order_store(),
        transactions=client,
        fact_sink=facts,
        to_fact=finance_fact_from_transaction,
        reports=reports,
        ingest_report=ingest_report,
        connections=wiring.connection_store(),
        ledger=notification_ledger(),
    )
