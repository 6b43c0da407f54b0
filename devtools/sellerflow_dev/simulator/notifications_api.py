"""Notifications API v1 (destinations, subscriptions) and the delivery of notifications into SQS.

The API, as the model says (`notifications-api-model/notifications.json`):

    getDestinations, createDestination, getDestination, deleteDestination  grantless
    getSubscriptionById, deleteSubscriptionById                           grantless
    getSubscription, createSubscription                                   the seller's token

Grantless calls need an LWA access token of the client_credentials grant with the
`sellingpartnerapi::notifications` scope; a seller's token is refused there, and the other way round.
createDestination answers 409 when a destination already points at that queue, createSubscription
409 when the seller already has a subscription of that type (the harder reading of "conflict").

Delivery: a world change (an order placed or moved on, a transaction posted), a report reaching a
final status, or a Data Kiosk query finishing publishes one notification per subscribed seller with
Amazon's payload (the shapes of `schemas/notifications/*.json`). Published notifications wait in an
outbox and a daemon thread (`start`) sends what is due to the destination's SQS queue (boto3, the
queue named by the destination's ARN, at AWS_ENDPOINT_URL: moto locally). Faults are seeded: a
notification may be dropped, sent twice, or held back (late); what is due together is sent in a
shuffled order. `drop_next(seller, n)` drops exactly the seller's next n notifications (a test's lost
notification).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sellerflow_dev.simulator.ledger import SimTransaction
from sellerflow_dev.simulator.order_model import SimOrder
from sellerflow_dev.simulator.orders_api import ApiError
from sellerflow_dev.simulator.world import SimWorld

NOTIFICATIONS_PREFIX = "/notifications/v1/"
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
APPLICATION = "APPLICATION"  # the caller of grantless operations (stats, rate limits)
# The payload version each notification type is delivered in (what createSubscription must ask for).
PAYLOAD_VERSIONS = {
    "ORDER_CHANGE": "1.0",
    "REPORT_PROCESSING_FINISHED": "2020-09-04",
    "TRANSACTION_UPDATE": "1.0",
    "DATA_KIOSK_QUERY_PROCESSING_FINISHED": "2023-11-15",
}
_SQS_ARN = re.compile(r"^arn:aws:sqs:(?P<region>\S+?):(?P<account>\S+?):(?P<name>\S+)$")
# (method, path pattern, operation, grantless)
ROUTES: tuple[tuple[str, re.Pattern[str], str, bool], ...] = (
    ("GET", re.compile(r"^/notifications/v1/destinations$"), "getDestinations", True),
    ("POST", re.compile(r"^/notifications/v1/destinations$"), "createDestination", True),
    ("GET", re.compile(r"^/notifications/v1/destinations/(?P<id>[^/]+)$"), "getDestination", True),
    ("DELETE", re.compile(r"^/notifications/v1/destinations/(?P<id>[^/]+)$"), "deleteDestination", True),
    ("GET", re.compile(r"^/notifications/v1/subscriptions/(?P<type>[A-Z_]+)$"), "getSubscription", False),
    ("POST", re.compile(r"^/notifications/v1/subscriptions/(?P<type>[A-Z_]+)$"), "createSubscription", False),
    (
        "GET",
        re.compile(r"^/notifications/v1/subscriptions/(?P<type>[A-Z_]+)/(?P<id>[^/]+)$"),
        "getSubscriptionById",
        True,
    ),
    (
        "DELETE",
        re.compile(r"^/notifications/v1/subscriptions/(?P<type>[A-Z_]+)/(?P<id>[^/]+)$"),
        "deleteSubscriptionById",
        True,
    ),
)
# Amazon's v0 order statuses (the ORDER_CHANGE summary speaks the old Orders API's names).
_V0_STATUS = {
    "PENDING": "Pending",
    "PENDING_AVAILABILITY": "PendingAvailability",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}


def route(method: str, path: str) -> tuple[str, bool, dict[str, str]] | None:
    """(operation, grantless, path ids) of a Notifications API request; None when none matches."""
    for route_method, pattern, operation, grantless in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return operation, grantless, match.groupdict()
    return None


@dataclass(frozen=True)
class DeliveryFaults:
    """Seeded delivery faults (probabilities per notification; `late_s` the hold-back range)."""

    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    late_rate: float = 0.0
    late_s: tuple[float, float] = (0.5, 3.0)


@dataclass
class SimDestination:
    destination_id: str
    name: str
    arn: str

    def render(self) -> dict[str, Any]:
        return {
            "destinationId": self.destination_id,
            "name": self.name,
            "resource": {"sqs": {"arn": self.arn}},
        }


@dataclass
class SimSubscription:
    subscription_id: str
    seller_id: str
    notification_type: str
    destination_id: str
    payload_version: str

    def render(self) -> dict[str, Any]:
        return {
            "subscriptionId": self.subscription_id,
            "payloadVersion": self.payload_version,
            "destinationId": self.destination_id,
        }


@dataclass(order=True)
class _Pending:
    due_at: float
    order_key: float
    seller_id: str = field(compare=False)
    arn: str = field(compare=False)
    body: str = field(compare=False)
    attempts: int = field(default=0, compare=False)


@dataclass
class _SellerCounts:
    published: int = 0  # notifications Amazon decided to send (one per event and subscription)
    delivered: int = 0  # messages that reached the queue (duplicates count twice)
    dropped: int = 0
    duplicated: int = 0
    late: int = 0
    undeliverable: int = 0
    by_type: Counter[str] = field(default_factory=Counter)


Sender = Callable[[str, str], None]  # (queue ARN, message body)


class NotificationService:
    """The Notifications API's state (destinations, subscriptions) and the delivery outbox."""

    def __init__(
        self,
        world: SimWorld,
        application_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sender: Sender | None = None,
        faults: DeliveryFaults | None = None,
    ) -> None:
        self.world = world
        self.application_id = application_id
        self.clock = clock
        self.wall_clock = wall_clock
        self.faults = faults or DeliveryFaults()
        self._sender = sender or SqsSender()
        self._rng = random.Random(f"{world.seed}:notifications")
        self._destinations: dict[str, SimDestination] = {}
        self._subscriptions: dict[str, SimSubscription] = {}
        self._outbox: list[_Pending] = []
        self._counts: dict[str, _SellerCounts] = {}
        self._drop_next: Counter[str] = Counter()
        self._announced_reports: set[str] = set()
        self._seen_transactions: dict[str, set[str]] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.report_source: Callable[[], list[Any]] | None = None  # the Reports API's finished reports
        world.on_advance(self.world_advanced)

    # --- the API --------------------------------------------------------------------------------
    def call(
        self, operation: str, caller: str, ids: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """One authorized, admitted call; `caller` is the seller (or APPLICATION for grantless ones)."""
        with self._lock:
            handler = _OPERATIONS[operation]
            return handler(self, caller, ids, body)

    def _get_destinations(
        self, _caller: str, _ids: dict[str, str], _body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        return 200, {"payload": [d.render() for d in self._destinations.values()]}

    def _create_destination(
        self, _caller: str, _ids: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        name = body.get("name")
        spec = body.get("resourceSpecification")
        if not isinstance(name, str) or not name or not isinstance(spec, dict):
            raise ApiError(400, "InvalidInput", "name and resourceSpecification are required.")
        if set(spec) - {"sqs", "eventBridge"} or len(spec) != 1:
            raise ApiError(
                400, "InvalidInput", "resourceSpecification takes exactly one of sqs or eventBridge."
            )
        sqs = spec.get("sqs")
        if not isinstance(sqs, dict):
            raise ApiError(400, "InvalidInput", "Only SQS destinations are simulated.")
        arn = sqs.get("arn")
        if not isinstance(arn, str) or len(arn) > 1000 or not _SQS_ARN.match(arn):
            raise ApiError(400, "InvalidInput", "resourceSpecification.sqs.arn is not an SQS queue ARN.")
        if any(d.arn == arn for d in self._destinations.values()):
            raise ApiError(409, "Conflict", "A destination for this resource already exists.")
        destination = SimDestination(str(uuid.UUID(int=self._rng.getrandbits(128))), name, arn)
        self._destinations[destination.destination_id] = destination
        return 200, {"payload": destination.render()}

    def _get_destination(
        self, _caller: str, ids: dict[str, str], _body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        return 200, {"payload": self._destination(ids["id"]).render()}

    def _delete_destination(
        self, _caller: str, ids: dict[str, str], _body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        destination = self._destination(ids["id"])
        if any(s.destination_id == destination.destination_id for s in self._subscriptions.values()):
            raise ApiError(409, "Conflict", "The destination still has subscriptions; delete them first.")
        del self._destinations[destination.destination_id]
        return 200, {}

    def _get_subscription(
        self, caller: str, ids: dict[str, str], _body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        kind = _known_type(ids["type"])
        found = self._subscription_of(caller, kind)
        if found is None:
            raise ApiError(404, "NotFound", f"The seller has no {kind} subscription.")
        return 200, {"payload": found.render()}

    def _create_subscription(
        self, caller: str, ids: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        kind = _known_type(ids["type"])
        version = body.get("payloadVersion")
        destination_id = body.get("destinationId")
        if not isinstance(version, str) or not isinstance(destination_id, str):
            raise ApiError(400, "InvalidInput", "payloadVersion and destinationId are required.")
        if version != PAYLOAD_VERSIONS[kind]:
            raise ApiError(400, "InvalidInput", f"payloadVersion {version[:20]!r} is not offered for {kind}.")
        if set(body) - {"payloadVersion", "destinationId", "processingDirective"}:
            raise ApiError(400, "InvalidInput", "Unknown fields in the request body.")
        self._destination(destination_id)
        if self._subscription_of(caller, kind) is not None:
            raise ApiError(409, "Conflict", f"A {kind} subscription already exists for this selling partner.")
        subscription = SimSubscription(
            f"subscription-{uuid.UUID(int=self._rng.getrandbits(128))}", caller, kind, destination_id, version
        )
        self._subscriptions[subscription.subscription_id] = subscription
        if kind == "TRANSACTION_UPDATE":
            self.transactions_posted(caller)  # from now on: what posts later is announced
        return 200, {"payload": subscription.render()}

    def _get_subscription_by_id(
        self, _caller: str, ids: dict[str, str], _body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        return 200, {"payload": self._subscription(ids["type"], ids["id"]).render()}

    def _delete_subscription_by_id(
        self, _caller: str, ids: dict[str, str], _body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        subscription = self._subscription(ids["type"], ids["id"])
        del self._subscriptions[subscription.subscription_id]
        return 200, {}

    def _destination(self, destination_id: str) -> SimDestination:
        found = self._destinations.get(destination_id)
        if found is None:
            raise ApiError(404, "NotFound", f"Destination {destination_id[:60]} was not found.")
        return found

    def _subscription(self, kind: str, subscription_id: str) -> SimSubscription:
        found = self._subscriptions.get(subscription_id)
        if found is None or found.notification_type != _known_type(kind):
            raise ApiError(404, "NotFound", f"Subscription {subscription_id[:80]} was not found.")
        return found

    def _subscription_of(self, seller_id: str, kind: str) -> SimSubscription | None:
        return next(
            (
                s
                for s in self._subscriptions.values()
                if s.seller_id == seller_id and s.notification_type == kind
            ),
            None,
        )

    def subscriptions(self, seller_id: str) -> list[SimSubscription]:
        with self._lock:
            return [s for s in self._subscriptions.values() if s.seller_id == seller_id]

    # --- events -----------------------------------------------------------------------------------
    def world_advanced(self, changes: dict[str, Any]) -> None:
        """The world moved on: ORDER_CHANGE for each order placed or moved, TRANSACTION_UPDATE for
        each transaction that posted meanwhile."""
        for key in ("created", "updated"):
            for seller_id, order_ids in (changes.get(key) or {}).items():
                for order_id in order_ids:
                    self.order_changed(seller_id, order_id)
        for seller in self.world.sellers:
            self.transactions_posted(seller.seller_id)

    def order_changed(self, seller_id: str, order_id: str, change_type: str = "OrderStatusChange") -> None:
        order = next((o for o in self.world.order_states(seller_id) if o.order_id == order_id), None)
        if order is None:
            return
        self.publish(seller_id, "ORDER_CHANGE", _order_change(order, change_type))

    def transactions_posted(self, seller_id: str) -> int:
        """TRANSACTION_UPDATE for every transaction of the seller not announced yet (the first call
        only remembers what already exists: those posted before anyone could subscribe)."""
        posted = self.world.transactions(seller_id)
        with self._lock:
            seen = self._seen_transactions.get(seller_id)
            self._seen_transactions[seller_id] = {t.transaction_id for t in posted}
        if seen is None:
            return 0
        fresh = [t for t in posted if t.transaction_id not in seen]
        for transaction in fresh:
            self.publish(seller_id, "TRANSACTION_UPDATE", _transaction_update(transaction))
        return len(fresh)

    def reports_finished(self) -> int:
        """REPORT_PROCESSING_FINISHED for every requested report that reached a final status."""
        if self.report_source is None:
            return 0
        announced = 0
        with self._lock:
            for report in self.report_source():
                if report.report_id in self._announced_reports:
                    continue
                self._announced_reports.add(report.report_id)
                self.publish(
                    report.seller_id, "REPORT_PROCESSING_FINISHED", _report_finished(report, self.clock())
                )
                announced += 1
        return announced

    def data_kiosk_query_finished(
        self, seller_id: str, query_id: str, query: str, status: str, document_id: str | None = None
    ) -> None:
        """For the Data Kiosk simulation: a query of the seller reached DONE, CANCELLED or FATAL."""
        payload: dict[str, Any] = {
            "accountId": f"amzn1.merchant.o.{seller_id}",
            "queryId": query_id,
            "query": query,
            "processingStatus": status,
        }
        if document_id is not None:
            payload["dataDocumentId" if status == "DONE" else "errorDocumentId"] = document_id
        self.publish(seller_id, "DATA_KIOSK_QUERY_PROCESSING_FINISHED", payload)

    # --- publishing and delivery -------------------------------------------------------------------
    def publish(self, seller_id: str, kind: str, payload: dict[str, Any]) -> str | None:
        """One notification to the seller's subscription of `kind` (none: nothing is sent)."""
        with self._lock:
            subscription = self._subscription_of(seller_id, kind)
            destination = self._destinations.get(subscription.destination_id) if subscription else None
            if subscription is None or destination is None:
                return None
            counts = self._counts.setdefault(seller_id, _SellerCounts())
            counts.published += 1
            counts.by_type[kind] += 1
            notification_id = str(uuid.UUID(int=self._rng.getrandbits(128)))
            body = json.dumps(self._envelope(kind, subscription, notification_id, payload))
            if self._drop_next[seller_id] > 0 or self._rng.random() < self.faults.drop_rate:
                self._drop_next[seller_id] = max(0, self._drop_next[seller_id] - 1)
                counts.dropped += 1
                return notification_id
            copies = 2 if self._rng.random() < self.faults.duplicate_rate else 1
            counts.duplicated += copies - 1
            for _ in range(copies):
                delay = 0.0
                if self._rng.random() < self.faults.late_rate:
                    delay = self._rng.uniform(*self.faults.late_s)
                    counts.late += 1
                self._outbox.append(
                    _Pending(self.clock() + delay, self._rng.random(), seller_id, destination.arn, body)
                )
            return notification_id

    def _envelope(
        self, kind: str, subscription: SimSubscription, notification_id: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        now = _iso_ms(self.wall_clock())
        metadata = {
            "applicationId": self.application_id,
            "subscriptionId": subscription.subscription_id,
            "publishTime": now,
            "notificationId": notification_id,
        }
        version = subscription.payload_version
        if kind in ("ORDER_CHANGE", "TRANSACTION_UPDATE"):  # Amazon spells these two in PascalCase
            return {
                "NotificationVersion": "1.0",
                "NotificationType": kind,
                "PayloadVersion": version,
                "EventTime": now,
                "Payload": payload,
                "NotificationMetadata": {k[:1].upper() + k[1:]: v for k, v in metadata.items()},
            }
        return {
            "notificationVersion": version,
            "notificationType": kind,
            "payloadVersion": version,
            "eventTime": now,
            "payload": payload,
            "notificationMetadata": metadata,
        }

    def drop_next(self, seller_id: str, count: int = 1) -> None:
        with self._lock:
            self._drop_next[seller_id] += count

    def flush(self, *, everything: bool = False) -> int:
        """Send what is due (`everything`: the late ones too), due ones in a shuffled order."""
        self.reports_finished()
        with self._lock:
            now = self.clock()
            due = [p for p in self._outbox if everything or p.due_at <= now]
            self._outbox = [p for p in self._outbox if p not in due]
        due.sort(key=lambda p: p.order_key)  # a seeded shuffle: what is due together arrives in any order
        sent = 0
        for pending in due:
            try:
                self._sender(pending.arn, pending.body)
            except Exception:  # the queue is unreachable: Amazon retries for a while, then gives up
                pending.attempts += 1
                with self._lock:
                    if pending.attempts < 5:
                        pending.due_at = now + 0.5 * pending.attempts
                        self._outbox.append(pending)
                    else:
                        self._counts[pending.seller_id].undeliverable += 1
                continue
            sent += 1
            with self._lock:
                self._counts[pending.seller_id].delivered += 1
        return sent

    def pending(self) -> int:
        with self._lock:
            return len(self._outbox)

    def stats(self, seller_id: str) -> dict[str, Any]:
        with self._lock:
            counts = self._counts.get(seller_id, _SellerCounts())
            return {
                "subscriptions": len([s for s in self._subscriptions.values() if s.seller_id == seller_id]),
                "published": counts.published,
                "delivered": counts.delivered,
                "dropped": counts.dropped,
                "duplicated": counts.duplicated,
                "late": counts.late,
                "undeliverable": counts.undeliverable,
                "by_type": dict(counts.by_type),
            }

    # --- the delivery thread ------------------------------------------------------------------------
    def start(self, period_s: float = 0.1) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(period_s):
                self.flush()

        self._thread = threading.Thread(target=loop, name="sellerflow-sim-notifications", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


_OPERATIONS: dict[
    str, Callable[[NotificationService, str, dict[str, str], dict[str, Any]], tuple[int, dict[str, Any]]]
] = {
    "getDestinations": NotificationService._get_destinations,  # noqa: SLF001
    "createDestination": NotificationService._create_destination,  # noqa: SLF001
    "getDestination": NotificationService._get_destination,  # noqa: SLF001
    "deleteDestination": NotificationService._delete_destination,  # noqa: SLF001
    "getSubscription": NotificationService._get_subscription,  # noqa: SLF001
    "createSubscription": NotificationService._create_subscription,  # noqa: SLF001
    "getSubscriptionById": NotificationService._get_subscription_by_id,  # noqa: SLF001
    "deleteSubscriptionById": NotificationService._delete_subscription_by_id,  # noqa: SLF001
}


class SqsSender:
    """Sends to the queue an SQS ARN names, at AWS_ENDPOINT_URL when set (moto locally)."""

    def __init__(self) -> None:
        self._urls: dict[str, str] = {}
        self._clients: dict[str, Any] = {}

    def __call__(self, arn: str, body: str) -> None:
        import boto3

        match = _SQS_ARN.match(arn)
        if match is None:
            raise ValueError(f"not an SQS queue ARN: {arn[:80]}")
        region = match["region"]
        client = self._clients.get(region)
        if client is None:
            client = self._clients[region] = boto3.client("sqs", region_name=region)
        url = self._urls.get(arn)
        if url is None:
            url = self._urls[arn] = client.get_queue_url(
                QueueName=match["name"], QueueOwnerAWSAccountId=match["account"]
            )["QueueUrl"]
        client.send_message(QueueUrl=url, MessageBody=body)


def _known_type(kind: str) -> str:
    if kind not in PAYLOAD_VERSIONS:
        raise ApiError(
            400, "InvalidInput", f"notificationType {kind[:60]} is not supported by this simulator."
        )
    return kind


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _order_change(order: SimOrder, change_type: str) -> dict[str, Any]:
    status = _V0_STATUS.get(order.status, "Pending")
    shipped = status == "Shipped"
    address = (order.recipient or {}).get("deliveryAddress") or {}
    return {
        "OrderChangeNotification": {
            "NotificationLevel": "OrderLevel",
            "SellerId": order.seller_id,
            "AmazonOrderId": order.order_id,
            "OrderChangeType": change_type,
            "OrderChangeTrigger": {
                "TimeOfOrderChange": _iso_ms(order.last_updated),
                "ChangeReason": "Order status changed",
            },
            "Summary": {
                "MarketplaceId": order.marketplace_id,
                "OrderStatus": status,
                "PurchaseDate": _iso_ms(order.created),
                # Buyer data in Amazon's payload: Sellerflow must drop it at the boundary.
                "DestinationPostalCode": str(address.get("postalCode", "")),
                "FulfillmentType": "AFN" if order.fulfilled_by == "AMAZON" else "MFN",
                "OrderType": "StandardOrder",
                "NumberOfItemsShipped": sum(i.quantity for i in order.items) if shipped else 0,
                "NumberOfItemsUnshipped": 0 if shipped else sum(i.quantity for i in order.items),
                "OrderItems": [
                    {
                        "OrderItemId": item.order_item_id,
                        "SellerSKU": item.product.sku,
                        "SupplySourceId": str(
                            uuid.uuid5(uuid.NAMESPACE_OID, f"{order.seller_id}:{order.marketplace_id}")
                        ),
                        "OrderItemStatus": "Shipped" if shipped else "Unshipped",  # the only two item states
                        "Quantity": item.quantity,
                        "QuantityShipped": item.quantity if shipped else 0,
                    }
                    for item in order.items
                ],
            },
        }
    }


def _transaction_update(transaction: SimTransaction) -> dict[str, Any]:
    update: dict[str, Any] = {
        "SellingPartnerMetadata": {
            "SellingPartnerId": transaction.seller_id,
            "MarketplaceId": transaction.marketplace_id,
            "AccountType": "PAYABLE",
        },
        "TransactionType": transaction.transaction_type,
        "PostedDate": _iso_ms(transaction.posted),
        "TotalAmount": {
            "CurrencyAmount": float(sum((a.amount for a in transaction.leaves()), start=0)),
            "CurrencyCode": transaction.currency,
        },
    }
    if transaction.order_id:
        update["RelatedIdentifiers"] = [
            {"RelatedIdentifierName": "OrderId", "RelatedIdentifierValue": transaction.order_id}
        ]
    return {"TransactionUpdateNotification": update}


def _report_finished(report: Any, now: float) -> dict[str, Any]:
    finished: dict[str, Any] = {
        "sellerId": report.seller_id,
        "accountId": f"amzn1.merchant.o.{report.seller_id}",
        "reportId": report.report_id,
        "reportType": report.report_type,
        "processingStatus": report.status(now),
    }
    if report.document_id is not None and finished["processingStatus"] == "DONE":
        finished["reportDocumentId"] = report.document_id
    return {"reportProcessingFinishedNotification": finished}
