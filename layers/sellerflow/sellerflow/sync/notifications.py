"""Push: one notification from Amazon's queue turned into the targeted work it calls for.

    ORDER_CHANGE                          getOrder for that order, stored as the orders sync stores it
    REPORT_PROCESSING_FINISHED            a report Sellerflow requested is ingested now (not at the next poll)
    TRANSACTION_UPDATE                    listTransactions of that order (or that posting minute), stored
    DATA_KIOSK_QUERY_PROCESSING_FINISHED  a Data Kiosk query Sellerflow created is ingested now, likewise

Idempotent on the notification id: the ledger's conditional claim lets one worker handle it, once;
a duplicate (Amazon and SQS both deliver at least once) finds it claimed and is acknowledged. Order
does not matter: every handler reads Amazon's current state rather than trusting the payload, and the
order store never goes back to an older version. A transient failure (throttled, Amazon down, a
transaction not yet listable) settles the claim as failed and raises, so SQS redelivers the message;
what retrying cannot fix (a malformed message, a refusal) is recorded and acknowledged. The scheduled
polling stays: it repairs whatever a lost or dead-lettered notification missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from sellerflow.amazon.notifications import (
    InvalidNotification,
    Notification,
    OrderChange,
    QueryFinished,
    ReportFinished,
    TransactionUpdate,
    parse_notification,
)
from sellerflow.domain import Order, ReportState, SellerConnection, SellerStatus
from sellerflow.errors import (
    InvalidInput,
    SellerflowError,
    SpApiAccessDenied,
    SpApiAuthorizationRevoked,
    SpApiBadRequest,
)
from sellerflow.facts import FinanceTransactionFact
from sellerflow.observability import logger, metrics
from sellerflow.sync.ingest import IngestInput, IngestOutput
from sellerflow.sync.mapping import to_order
from sellerflow.sync.orders import AMAZON_SETTLE_DELAY, INCLUDED_DATA
from sellerflow.sync.reports import PENDING, SALES_AND_TRAFFIC, ReportJob, recorded_source
from sellerflow.tenancy import acting_for


class NotificationNotReady(SellerflowError):
    """What the notification announces is not readable at Amazon yet (e.g. a transaction posted less
    than two minutes ago); the message goes back to the queue and is tried again."""


class Outcome(StrEnum):
    APPLIED = "applied"  # the targeted work was done
    IGNORED = "ignored"  # nothing to do: not a seller of ours, a report we did not ask for, ...
    REJECTED = "rejected"  # Amazon refused for good; recorded, not retried
    DUPLICATE = "duplicate"  # handled (or being handled) already: acknowledged, not redone
    FAILED = "failed"  # transient: raised, so SQS delivers it again


class Handled(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    notification_id: str
    notification_type: str
    seller_id: str
    outcome: Outcome
    detail: str = ""


# --- ports -------------------------------------------------------------------------------------
class OrderApi(Protocol):
    def get_order(
        self, seller_id: str, order_id: str, *, included_data: Sequence[str] = ()
    ) -> dict[str, Any]: ...


class OrderSink(Protocol):
    def upsert(self, orders: Sequence[Order], *, now: datetime | None = None) -> int: ...


class TransactionApi(Protocol):
    def list_transactions(
        self,
        seller_id: str,
        *,
        posted_after: datetime | None = None,
        posted_before: datetime | None = None,
        marketplace_id: str | None = None,
        next_token: str | None = None,
        related_order_id: str | None = None,
    ) -> dict[str, Any]: ...


class FactSink(Protocol):
    def write(self, batch: Sequence[object]) -> None: ...


class RequestedReports(Protocol):
    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]: ...
    def finished(
        self,
        seller_id: str,
        key: str,
        *,
        status: str,
        document_id: str | None = None,
        cooldown_until: datetime | None = None,
    ) -> None: ...


class Connections(Protocol):
    def find(self, seller_id: str) -> SellerConnection | None: ...


class NotificationLedger(Protocol):
    def claim(
        self, seller_id: str, notification_id: str, notification_type: str, *, now: datetime | None = None
    ) -> bool: ...
    def settle(
        self, seller_id: str, notification_id: str, status: str, outcome: str, *, now: datetime | None = None
    ) -> None: ...


@dataclass(frozen=True)
class PushPorts:
    """Everything the notification handlers reach: Amazon, the stores, and the other ingest paths."""

    orders: OrderApi
    order_sink: OrderSink
    transactions: TransactionApi
    fact_sink: FactSink
    to_fact: Callable[[str, dict[str, Any]], FinanceTransactionFact]
    reports: RequestedReports
    ingest_report: Callable[[IngestInput], IngestOutput]
    connections: Connections
    ledger: NotificationLedger
    fatal_cooldown: timedelta = timedelta(hours=24)


# The transient errors a redelivery can cure are every other SellerflowError (throttling, 5xx, expired
# URLs, NotificationNotReady); these ones it cannot.
_FOR_GOOD = (SpApiBadRequest, SpApiAccessDenied, InvalidInput)


def handle_message(body: str | bytes, ports: PushPorts, *, now: datetime | None = None) -> Handled:
    """One SQS message: parse, claim, route, settle. Raises only what a redelivery may cure."""
    at = now or datetime.now(UTC)
    try:
        notification = parse_notification(body)
    except InvalidNotification as exc:
        # Nothing to claim it under (no trustworthy id or seller): counted and logged, never retried.
        metrics.add_metric(name="NotificationsRejected", unit="Count", value=1)
        logger.warning("notification rejected", extra={"reason": str(exc)})
        return Handled(
            notification_id="-",
            notification_type="-",
            seller_id="-",
            outcome=Outcome.REJECTED,
            detail=str(exc),
        )
    # Its reads and writes reach only the notification's seller's partitions (tenant-scoped credentials).
    with acting_for(notification.seller_id):
        handled = _handle(notification, ports, at)
    metrics.add_metric(name=f"Notifications{handled.outcome.value.capitalize()}", unit="Count", value=1)
    # The usual outcomes are counted (metrics); the unusual ones are also logged.
    log = logger.debug if handled.outcome in (Outcome.APPLIED, Outcome.DUPLICATE) else logger.info
    log(
        "notification handled",
        extra={
            "seller_id": handled.seller_id,
            "notification_type": handled.notification_type,
            "outcome": handled.outcome.value,
            "detail": handled.detail,
        },
    )
    return handled


def _handle(notification: Notification, ports: PushPorts, now: datetime) -> Handled:
    def result(outcome: Outcome, detail: str) -> Handled:
        return Handled(
            notification_id=notification.notification_id,
            notification_type=notification.notification_type.value,
            seller_id=notification.seller_id,
            outcome=outcome,
            detail=detail,
        )

    connection = ports.connections.find(notification.seller_id)
    if connection is None or connection.status is not SellerStatus.ACTIVE:
        # Not recorded under the seller: an unknown or disconnected seller gets no new items from us.
        return result(Outcome.IGNORED, "the seller is not connected")
    seller_id = notification.seller_id
    kind = notification.notification_type.value
    if not ports.ledger.claim(seller_id, notification.notification_id, kind, now=now):
        return result(Outcome.DUPLICATE, "already handled")
    try:
        outcome, detail = _route(notification, ports, now)
    except _FOR_GOOD as exc:
        ports.ledger.settle(
            seller_id, notification.notification_id, Outcome.REJECTED, type(exc).__name__, now=now
        )
        return result(Outcome.REJECTED, type(exc).__name__)
    except SpApiAuthorizationRevoked:
        ports.ledger.settle(
            seller_id, notification.notification_id, Outcome.IGNORED, "authorization revoked", now=now
        )
        return result(Outcome.IGNORED, "authorization revoked")
    except SellerflowError as exc:
        ports.ledger.settle(
            seller_id, notification.notification_id, Outcome.FAILED, type(exc).__name__, now=now
        )
        raise
    ports.ledger.settle(seller_id, notification.notification_id, outcome, detail, now=now)
    return result(outcome, detail)


def _route(notification: Notification, ports: PushPorts, now: datetime) -> tuple[Outcome, str]:
    detail = notification.detail
    seller_id = notification.seller_id
    if isinstance(detail, OrderChange):
        return refresh_order(seller_id, detail, ports, now)
    if isinstance(detail, ReportFinished):
        return ingest_finished_report(seller_id, detail, ports, now)
    if isinstance(detail, TransactionUpdate):
        return pull_transactions(seller_id, detail, ports, now)
    return ingest_finished_query(seller_id, detail, ports, now)


# --- the handlers ------------------------------------------------------------------------------
def refresh_order(
    seller_id: str, change: OrderChange, ports: PushPorts, now: datetime
) -> tuple[Outcome, str]:
    """Amazon's current order (never the notification's summary), stored as the orders sync stores it."""
    document = ports.orders.get_order(seller_id, change.order_id, included_data=INCLUDED_DATA)
    order = to_order(seller_id, document)
    ports.order_sink.upsert([order], now=now)
    return Outcome.APPLIED, f"order {change.order_id} {order.status}"


def ingest_finished_report(
    seller_id: str, finished: ReportFinished, ports: PushPorts, now: datetime
) -> tuple[Outcome, str]:
    """Ingest a report Sellerflow requested as soon as Amazon says it is done; anything else is the
    poll's (settlements are listed, not requested, and reports of other apps are none of ours)."""
    return _ingest_finished(
        seller_id, f"report {finished.report_id}", finished.report_id, finished.processing_status,
        finished.document_id, ports, now,
    )  # fmt: skip


def ingest_finished_query(
    seller_id: str, finished: QueryFinished, ports: PushPorts, now: datetime
) -> tuple[Outcome, str]:
    """A Data Kiosk query Sellerflow created (sales and traffic past the app-wide report budget),
    ingested as soon as Amazon says it is done; a DONE query without a data document had no data."""
    return _ingest_finished(
        seller_id, f"query {finished.query_id}", finished.query_id, finished.processing_status,
        finished.document_id, ports, now,
    )  # fmt: skip


def _ingest_finished(
    seller_id: str,
    what: str,
    request_id: str,
    processing_status: str,
    document_id: str | None,
    ports: PushPorts,
    now: datetime,
) -> tuple[Outcome, str]:
    state = next((s for s in ports.reports.all(seller_id) if s.report_id == request_id), None)
    if state is None or not state.marketplace_id:
        return Outcome.IGNORED, f"{what} was not requested by Sellerflow"
    if state.status not in (*PENDING, "DONE", "TIMED_OUT"):
        return Outcome.IGNORED, f"{what} is {state.status} already"
    if processing_status == "CANCELLED" or (processing_status == "DONE" and not document_id):
        ports.reports.finished(seller_id, state.key, status="CANCELLED")
        return Outcome.APPLIED, f"{what} cancelled (no data)"
    if processing_status != "DONE" or not document_id:
        ports.reports.finished(
            seller_id, state.key, status="FATAL", cooldown_until=now + ports.fatal_cooldown
        )
        return Outcome.APPLIED, f"{what} {processing_status}"
    ports.reports.finished(seller_id, state.key, status="DONE", document_id=document_id)
    from_kiosk = recorded_source(state) == "data_kiosk"
    job = ReportJob(
        seller_id=seller_id,
        key=state.key,
        report_type=SALES_AND_TRAFFIC if from_kiosk else state.report_type,
        marketplace_id=state.marketplace_id,
        data_start=state.window_start,
        data_end=state.window_end,
        source="data_kiosk" if from_kiosk else "report",
    )
    ingested = ports.ingest_report(IngestInput(kind="report", job=job, document_id=document_id))
    return Outcome.APPLIED, f"{what} ingested rows={ingested.rows} rejected={ingested.rejected}"


def pull_transactions(
    seller_id: str, update: TransactionUpdate, ports: PushPorts, now: datetime
) -> tuple[Outcome, str]:
    """The transactions of the order the update names (or of its posting minute), stored as the
    finances sync stores them. Amazon lists a transaction only two minutes after it posted."""
    if update.posted_at > now - AMAZON_SETTLE_DELAY:
        raise NotificationNotReady(
            f"a {update.transaction_type or 'transaction'} posted under two minutes ago"
        )
    stored = 0
    for page in _transaction_pages(seller_id, update, ports.transactions):
        facts = []
        for transaction in page:
            try:
                facts.append(ports.to_fact(seller_id, transaction))
            except (ValueError, KeyError, TypeError) as exc:  # one malformed transaction: recorded, skipped
                logger.warning(
                    "transaction rejected", extra={"seller_id": seller_id, "reason": type(exc).__name__}
                )
        for offset in range(0, len(facts), 25):
            ports.fact_sink.write(facts[offset : offset + 25])
        stored += len(facts)
    about = (
        f"order {','.join(update.order_ids)}"
        if update.order_ids
        else f"posted {update.posted_at:%Y-%m-%dT%H:%M}"
    )
    return Outcome.APPLIED, f"transactions={stored} {about}"


def _transaction_pages(
    seller_id: str, update: TransactionUpdate, api: TransactionApi
) -> Iterator[list[dict[str, Any]]]:
    queries: list[dict[str, Any]] = [{"related_order_id": order_id} for order_id in update.order_ids] or [
        {
            "posted_after": update.posted_at - timedelta(minutes=1),
            "posted_before": update.posted_at + timedelta(seconds=1),
            "marketplace_id": update.marketplace_id,
        }
    ]
    for query in queries:
        token: str | None = None
        while True:
            body = api.list_transactions(seller_id, next_token=token, **query)
            payload = body.get("payload") or {}
            yield list(payload.get("transactions") or [])
            token = payload.get("nextToken")
            if not token:
                break
