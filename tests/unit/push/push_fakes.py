"""In-memory collaborators of the push path, and notifications in Amazon's two spellings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow.amazon.notifications import Destination, NotificationType, Subscription
from sellerflow.domain import Order, ReportState, SellerConnection, SellerStatus
from sellerflow.errors import SpApiBadRequest
from sellerflow.facts import FinanceTransactionFact
from sellerflow.sync.ingest import IngestInput, IngestOutput
from sellerflow.sync.notifications import PushPorts
from sellerflow_dev.simulator import SimWorld

SELLER = "A1PUSHSELLER01"
NOW = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


def order_change(
    order_id: str = "113-1111111-1111111", *, notification_id: str = "n-order-1", seller: str = SELLER
) -> str:
    return json.dumps(
        {
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": "2026-11-22T14:05:09.000Z",
            "Payload": {
                "OrderChangeNotification": {
                    "NotificationLevel": "OrderLevel",
                    "SellerId": seller,
                    "AmazonOrderId": order_id,
                    "OrderChangeType": "OrderStatusChange",
                    "OrderChangeTrigger": {"TimeOfOrderChange": None, "ChangeReason": "status"},
                    "Summary": {
                        "MarketplaceId": "ATVPDKIKX0DER",
                        "OrderStatus": "Shipped",
                        "PurchaseDate": "2026-11-21T18:12:44.000Z",
                        "DestinationPostalCode": "98101 PII-MARKER",
                        "FulfillmentType": "MFN",
                        "OrderType": "StandardOrder",
                        "OrderItems": [],
                    },
                }
            },
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sellerapps.app.test",
                "SubscriptionId": "subscription-1",
                "PublishTime": "2026-11-22T14:05:09.500Z",
                "NotificationId": notification_id,
            },
        }
    )


def report_finished(
    report_id: str,
    status: str = "DONE",
    *,
    notification_id: str = "n-report-1",
    document: str | None = "doc-1",
) -> str:
    finished: dict[str, Any] = {
        "sellerId": SELLER,
        "accountId": f"amzn1.merchant.o.{SELLER}",
        "reportId": report_id,
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
        "processingStatus": status,
    }
    if document:
        finished["reportDocumentId"] = document
    return _camel(
        "REPORT_PROCESSING_FINISHED",
        "2020-09-04",
        {"reportProcessingFinishedNotification": finished},
        notification_id,
    )


def transaction_update(
    posted: datetime,
    order_ids: tuple[str, ...] = ("113-1111111-1111111",),
    *,
    notification_id: str = "n-tx-1",
) -> str:
    update: dict[str, Any] = {
        "SellingPartnerMetadata": {
            "SellingPartnerId": SELLER,
            "MarketplaceId": "ATVPDKIKX0DER",
            "AccountType": "PAYABLE",
        },
        "TransactionType": "Shipment",
        "PostedDate": posted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "TotalAmount": {"CurrencyAmount": 12.5, "CurrencyCode": "USD"},
    }
    if order_ids:
        update["RelatedIdentifiers"] = [
            {"RelatedIdentifierName": "OrderId", "RelatedIdentifierValue": o} for o in order_ids
        ]
    return json.dumps(
        {
            "NotificationVersion": "1.0",
            "NotificationType": "TRANSACTION_UPDATE",
            "PayloadVersion": "1.0",
            "EventTime": "2026-11-22T14:05:09.000Z",
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sellerapps.app.test",
                "SubscriptionId": "subscription-3",
                "PublishTime": "2026-11-22T14:05:09.000Z",
                "NotificationId": notification_id,
            },
            "Payload": {"TransactionUpdateNotification": update},
        }
    )


def query_finished(query_id: str = "q-1", *, notification_id: str = "n-dk-1") -> str:
    payload = {
        "accountId": f"amzn1.merchant.o.{SELLER}",
        "queryId": query_id,
        "query": "query { analytics_salesAndTraffic_2024_04_24 { x } }",
        "processingStatus": "DONE",
        "dataDocumentId": "dk-doc-1",
    }
    return _camel("DATA_KIOSK_QUERY_PROCESSING_FINISHED", "2023-11-15", payload, notification_id)


def _camel(kind: str, version: str, payload: dict[str, Any], notification_id: str) -> str:
    return json.dumps(
        {
            "notificationVersion": version,
            "notificationType": kind,
            "payloadVersion": version,
            "eventTime": "2026-11-22T14:05:09.000Z",
            "payload": payload,
            "notificationMetadata": {
                "applicationId": "amzn1.sellerapps.app.test",
                "subscriptionId": "subscription-2",
                "publishTime": "2026-11-22T14:05:09.000Z",
                "notificationId": notification_id,
            },
        }
    )


def order_document(index: int = 0) -> dict[str, Any]:
    """A real order document (the simulator's rendering of one of its orders)."""
    world = SimWorld.generate(sellers=1, seed=5, now=NOW)
    document: dict[str, Any] = world.orders(world.sellers[0].seller_id)[index]
    return document


@dataclass
class FakeLedger:
    """The store's claim semantics: new, failed, or a stale claim may be claimed; settled ones not."""

    records: dict[tuple[str, str], str] = field(default_factory=dict)

    def claim(
        self, seller_id: str, notification_id: str, notification_type: str, *, now: datetime | None = None
    ) -> bool:
        status = self.records.get((seller_id, notification_id))
        if status not in (None, "failed"):
            return False
        self.records[(seller_id, notification_id)] = "processing"
        return True

    def settle(
        self, seller_id: str, notification_id: str, status: str, outcome: str, *, now: datetime | None = None
    ) -> None:
        self.records[(seller_id, notification_id)] = str(status)

    def statuses(self) -> Counter[str]:
        return Counter(self.records.values())


@dataclass
class FakeAmazon:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_with: Exception | None = None

    def get_order(self, seller_id: str, order_id: str, *, included_data: Any = ()) -> dict[str, Any]:
        self.calls.append(("getOrder", {"order_id": order_id, "included_data": tuple(included_data)}))
        if self.fail_with is not None:
            raise self.fail_with
        if order_id not in self.orders:
            raise SpApiBadRequest(f"getOrder {order_id} 404", operation="getOrder", status=404)
        return self.orders[order_id]

    def list_transactions(self, seller_id: str, **query: Any) -> dict[str, Any]:
        self.calls.append(("listTransactions", query))
        return {"payload": {"transactions": list(self.transactions)}}


@dataclass
class FakeSinks:
    orders: list[Order] = field(default_factory=list)
    facts: list[object] = field(default_factory=list)

    def upsert(self, orders: Any, *, now: datetime | None = None) -> int:
        self.orders.extend(orders)
        return len(orders)

    def write(self, batch: Any) -> None:
        self.facts.extend(batch)


@dataclass
class FakeReports:
    states: list[ReportState] = field(default_factory=list)
    finished_calls: list[dict[str, Any]] = field(default_factory=list)
    ingested: list[IngestInput] = field(default_factory=list)

    def all(self, seller_id: str, prefix: str = "REPORT#") -> list[ReportState]:
        return list(self.states)

    def finished(self, seller_id: str, key: str, **kwargs: Any) -> None:
        self.finished_calls.append({"key": key, **kwargs})

    def ingest(self, request: IngestInput) -> IngestOutput:
        self.ingested.append(request)
        return IngestOutput(key=request.job.key, rows=3, written=3, rejected=0)


@dataclass
class FakeConnections:
    statuses: dict[str, SellerStatus] = field(default_factory=lambda: {SELLER: SellerStatus.ACTIVE})

    def find(self, seller_id: str) -> SellerConnection | None:
        status = self.statuses.get(seller_id)
        return None if status is None else SellerConnection(seller_id=seller_id, status=status)


def to_fact(seller_id: str, transaction: dict[str, Any]) -> FinanceTransactionFact:
    if "bad" in transaction:
        raise KeyError("amount")
    return transaction  # type: ignore[return-value]  # the fake sink keeps whatever it is given


@dataclass
class World:
    amazon: FakeAmazon = field(default_factory=FakeAmazon)
    sinks: FakeSinks = field(default_factory=FakeSinks)
    reports: FakeReports = field(default_factory=FakeReports)
    connections: FakeConnections = field(default_factory=FakeConnections)
    ledger: FakeLedger = field(default_factory=FakeLedger)

    def ports(self) -> PushPorts:
        return PushPorts(
            orders=self.amazon,
            order_sink=self.sinks,
            transactions=self.amazon,
            fact_sink=self.sinks,
            to_fact=to_fact,
            reports=self.reports,
            ingest_report=self.reports.ingest,
            connections=self.connections,
            ledger=self.ledger,
        )


# --- the Notifications API, for the subscriptions -------------------------------------------------
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:sellerflow-test-notifications"


@dataclass
class FakeNotificationsApi:
    destinations_: list[Destination] = field(default_factory=list)
    subscriptions: dict[tuple[str, NotificationType], Subscription] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    conflict_on_create_destination: bool = False
    refuse_delete: bool = False

    def destinations(self) -> list[Destination]:
        self.calls["getDestinations"] += 1
        return list(self.destinations_)

    def create_destination(self, name: str, queue_arn: str) -> Destination:
        self.calls["createDestination"] += 1
        destination = Destination.model_validate(
            {"destinationId": f"dest-{len(self.destinations_) + 1}", "name": name, "queue_arn": queue_arn}
        )
        self.destinations_.append(destination)
        if self.conflict_on_create_destination:
            raise SpApiBadRequest("exists", operation="createDestination", status=409)
        return destination

    def create_subscription(
        self,
        seller_id: str,
        notification_type: NotificationType,
        *,
        destination_id: str,
        payload_version: str,
    ) -> Subscription:
        self.calls["createSubscription"] += 1
        if (seller_id, notification_type) in self.subscriptions:
            raise SpApiBadRequest("exists", operation="createSubscription", status=409)
        subscription = Subscription.model_validate(
            {
                "subscriptionId": f"sub-{seller_id}-{notification_type.value}",
                "destinationId": destination_id,
                "payloadVersion": payload_version,
            }
        )
        self.subscriptions[(seller_id, notification_type)] = subscription
        return subscription

    def get_subscription(self, seller_id: str, notification_type: NotificationType) -> Subscription | None:
        self.calls["getSubscription"] += 1
        return self.subscriptions.get((seller_id, notification_type))

    def delete_subscription(self, notification_type: NotificationType, subscription_id: str) -> bool:
        self.calls["deleteSubscriptionById"] += 1
        if self.refuse_delete:
            raise SpApiBadRequest("nope", operation="deleteSubscriptionById", status=400)
        for key, subscription in list(self.subscriptions.items()):
            if subscription.subscription_id == subscription_id:
                del self.subscriptions[key]
                return True
        return False


@dataclass
class FakeSubscriptionBook:
    stored: dict[str, dict[NotificationType, Subscription]] = field(default_factory=dict)

    def put(self, seller_id: str, notification_type: NotificationType, subscription: Subscription) -> None:
        self.stored.setdefault(seller_id, {})[notification_type] = subscription

    def subscriptions(self, seller_id: str) -> dict[NotificationType, Subscription]:
        return dict(self.stored.get(seller_id, {}))

    def forget(self, seller_id: str, notification_type: NotificationType) -> None:
        self.stored.get(seller_id, {}).pop(notification_type, None)


def posted_minutes_ago(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)
