"""Push against the simulator over real HTTP, with real stores and a real SQS queue (moto):
subscribing (grantless destination once per app, the seller's subscriptions), Amazon's notifications
delivered into the queue (validated against the official schemas when they are present), applied by
the real handlers, duplicates acknowledged, and unsubscribing at disconnect.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import httpx
import jsonschema
import pytest
from int_core_support import REGION, Port

from sellerflow.amazon.notifications import NotificationType
from sellerflow.reports import finance_fact_from_transaction
from sellerflow.reports.ingest import ingest_document
from sellerflow.spapi.notifications import NotificationsClient
from sellerflow.store.connections import ConnectionStore
from sellerflow.store.facts import FactStore
from sellerflow.store.notifications import NotificationLedger, SubscriptionStore
from sellerflow.store.orders import OrderStore
from sellerflow.store.reports import ReportStore
from sellerflow.sync.ingest import IngestInput, IngestOutput, ingest_report_document
from sellerflow.sync.mapping import to_order
from sellerflow.sync.notifications import NotificationNotReady, Outcome, PushPorts, handle_message
from sellerflow.sync.subscriptions import PushConfig, PushSubscriptions
from sellerflow_dev.simulator import SimServer, SimWorld
from sellerflow_dev.simulator.notifications_api import DeliveryFaults

SCHEMAS = {
    "ORDER_CHANGE": "OrderChangeNotification.json",
    "REPORT_PROCESSING_FINISHED": "ReportProcessingFinishedNotification.json",
    "TRANSACTION_UPDATE": "TransactionUpdateNotification.json",
    "DATA_KIOSK_QUERY_PROCESSING_FINISHED": "DataKioskQueryProcessingFinishedNotification.json",
}


def _spapi_dir() -> Path | None:
    candidates = [Path(os.environ["SPAPI_MODELS_DIR"])] if os.environ.get("SPAPI_MODELS_DIR") else []
    candidates.append(Path(__file__).resolve().parents[3] / ".." / "shared" / "spapi")
    for candidate in candidates:
        for root in (candidate, candidate.parent):
            if (root / "schemas" / "notifications").is_dir():
                return root
    return None


@cache
def _schema(kind: str) -> dict[str, Any] | None:
    root = _spapi_dir()
    if root is None:
        return None
    schema: dict[str, Any] = json.loads((root / "schemas" / "notifications" / SCHEMAS[kind]).read_text())
    return schema


@cache
def _model_definitions() -> dict[str, Any]:
    root = _spapi_dir()
    if root is None:
        pytest.skip("the official SP-API models are not available (set SPAPI_MODELS_DIR)")
    model = json.loads((root / "models" / "notifications-api-model" / "notifications.json").read_text())
    definitions: dict[str, Any] = model["definitions"]
    return definitions


def _conforms(definition: str, body: dict[str, Any]) -> None:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": _model_definitions()}
    jsonschema.validate(body, schema)


@pytest.fixture
def queue(aws: Any) -> tuple[str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="sellerflow-test-notifications")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _connect(world: SimWorld) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for seller in world.sellers:
        ConnectionStore().record_authorization(
            seller.seller_id,
            name=seller.name,
            marketplace_ids=list(seller.marketplace_ids),
            authorized_at=now,
            expires_at=now + timedelta(days=365),
            sync_every_minutes=15,
        )


def _ports(port: Port) -> PushPorts:
    orders = OrderStore()
    facts = FactStore(orders=orders)
    reports = ReportStore()

    def ingest(request: IngestInput) -> IngestOutput:
        return ingest_report_document(
            request, api=port.client, book=reports, ingest=ingest_document, sink=facts
        )

    return PushPorts(
        orders=port.client,
        order_sink=orders,
        transactions=port.client,
        fact_sink=facts,
        to_fact=finance_fact_from_transaction,
        reports=reports,
        ingest_report=ingest,
        connections=ConnectionStore(),
        ledger=NotificationLedger(),
    )


def _drain(url: str) -> list[str]:
    sqs = boto3.client("sqs", region_name=REGION)
    bodies: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_sellers_are_subscribed_once_per_app_and_amazons_notifications_are_applied(
    sim: SimServer, make_port: Any, world: SimWorld, queue: tuple[str, str]
) -> None:
    url, arn = queue
    port = make_port(sim)
    push = PushSubscriptions(
        api=NotificationsClient(port.client), book=SubscriptionStore(), config=PushConfig(queue_arn=arn)
    )
    _connect(world)
    first, second = (s.seller_id for s in world.sellers)

    # Subscribing: one grantless destination for the app, four subscriptions per seller, idempotent
    assert push.subscribe(first).created == 4
    assert push.subscribe(second).created == 4
    assert push.subscribe(first).created == 0
    assert sim.stats("APPLICATION")["calls"] == {"getDestinations": 1, "createDestination": 1}
    assert {k.value for k in SubscriptionStore().subscriptions(first)} == {t.value for t in NotificationType}
    assert sim.notifications.stats(first)["subscriptions"] == 4

    # Amazon moves on (some notifications twice, some late, all shuffled) and delivers into SQS
    sim.notifications.faults = DeliveryFaults(duplicate_rate=0.4, late_rate=0.3, late_s=(0.0, 0.1))
    changes = world.advance(2)
    sim.notifications.flush(everything=True)
    bodies = _drain(url)
    assert len(bodies) == sum(sim.notifications.stats(s.seller_id)["delivered"] for s in world.sellers)

    # Each notification is Amazon's shape; each is applied once, its duplicates acknowledged
    outcomes: Counter[str] = Counter()
    ports = _ports(port)
    for body in bodies:
        kind = json.loads(body).get("NotificationType") or json.loads(body).get("notificationType")
        schema = _schema(kind)
        if schema is not None:
            jsonschema.validate(json.loads(body), schema)
        try:
            outcomes[handle_message(body, ports).outcome.value] += 1
        except NotificationNotReady:
            outcomes["not_ready"] += 1
    duplicated = sum(sim.notifications.stats(s.seller_id)["duplicated"] for s in world.sellers)
    assert outcomes[Outcome.DUPLICATE.value] == duplicated
    assert outcomes["not_ready"] == 0
    assert outcomes[Outcome.REJECTED.value] == 0
    for seller_id in (first, second):
        truth = {d["orderId"]: d for d in world.orders(seller_id)}
        stored = {o.order_id: o for o in OrderStore().all_for_seller(seller_id)}
        for order_id in changes["created"][seller_id] + changes["updated"][seller_id]:
            assert stored[order_id] == to_order(seller_id, truth[order_id])
        settled = NotificationLedger().statuses(seller_id)
        published = sim.notifications.stats(seller_id)["published"]
        assert settled == {"applied": published}

    # Disconnecting: the seller's subscriptions are deleted at Amazon (grantless), nothing more arrives
    assert push.unsubscribe(first) == 4
    assert sim.notifications.stats(first)["subscriptions"] == 0
    assert SubscriptionStore().subscriptions(first) == {}
    before = sim.notifications.stats(first)["published"]
    world.advance(2)
    sim.notifications.flush(everything=True)
    assert sim.notifications.stats(first)["published"] == before


def test_the_simulators_answers_follow_the_notifications_model(
    sim: SimServer, make_port: Any, queue: tuple[str, str]
) -> None:
    _, arn = queue
    client = make_port(sim).client
    grantless = NotificationsClient(client)
    seller_id = sim.world.sellers[0].seller_id
    token = grantless._app_token()  # the raw answers are under test here
    headers = {"x-amz-access-token": token.get_secret_value()}
    base = f"{sim.api_endpoint}/notifications/v1"
    created = httpx.post(
        f"{base}/destinations",
        headers=headers,
        json={"name": "sf", "resourceSpecification": {"sqs": {"arn": arn}}},
    )
    _conforms("CreateDestinationResponse", created.json())
    conflict = httpx.post(
        f"{base}/destinations",
        headers=headers,
        json={"name": "sf", "resourceSpecification": {"sqs": {"arn": arn}}},
    )
    assert conflict.status_code == 409
    _conforms("CreateDestinationResponse", conflict.json())
    _conforms("GetDestinationsResponse", httpx.get(f"{base}/destinations", headers=headers).json())
    subscription = grantless.create_subscription(
        seller_id,
        NotificationType.ORDER_CHANGE,
        destination_id=created.json()["payload"]["destinationId"],
        payload_version="1.0",
    )
    got = httpx.get(f"{base}/subscriptions/ORDER_CHANGE/{subscription.subscription_id}", headers=headers)
    _conforms("GetSubscriptionByIdResponse", got.json())
    deleted = httpx.delete(
        f"{base}/subscriptions/ORDER_CHANGE/{subscription.subscription_id}", headers=headers
    )
    _conforms("DeleteSubscriptionByIdResponse", deleted.json())
    missing = httpx.delete(
        f"{base}/subscriptions/ORDER_CHANGE/{subscription.subscription_id}", headers=headers
    )
    assert missing.status_code == 404
    _conforms("DeleteSubscriptionByIdResponse", missing.json())
