"""Push notifications' collaborators: the subscriptions (connect, disconnect, erase) and the ports
the notifications function applies each notification with.

Each builder imports what it builds: the subscriptions' users (connect, the erase workflow's first
step) do not import the notifications function's report ingestion and order mapping.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sellerflow import wiring
from sellerflow.settings import Settings

if TYPE_CHECKING:
    from sellerflow.store.notifications import NotificationLedger
    from sellerflow.sync.ingest import IngestInput, IngestOutput
    from sellerflow.sync.notifications import PushPorts
    from sellerflow.sync.subscriptions import PushSubscriptions


@wiring.per_settings
def push_subscriptions(settings: Settings) -> PushSubscriptions:
    from sellerflow.spapi.notifications import NotificationsClient  # and httpx, on first use
    from sellerflow.store.notifications import SubscriptionStore
    from sellerflow.sync.subscriptions import PushConfig, PushSubscriptions

    return PushSubscriptions(
        api=NotificationsClient(wiring.spapi_client()),
        book=SubscriptionStore(),
        config=PushConfig(queue_arn=settings.notifications_queue_arn),
    )


@wiring.per_settings
def notification_ledger(settings: Settings) -> NotificationLedger:
    from sellerflow.store.notifications import NotificationLedger

    return NotificationLedger(retention=timedelta(days=settings.notification_retention_days))


@wiring.per_settings
def push_ports(_: Settings) -> PushPorts:
    from sellerflow.reports.finances import finance_fact_from_transaction
    from sellerflow.sync.notifications import PushPorts

    client = wiring.spapi_client()
    reports = wiring.report_store()
    facts = wiring.fact_store()

    def ingest_report(request: IngestInput) -> IngestOutput:
        # The report parsers, imported by the first report notification (most are orders' and finances').
        from sellerflow.reports.ingest import ingest_document
        from sellerflow.sync.ingest import ingest_report_document

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
