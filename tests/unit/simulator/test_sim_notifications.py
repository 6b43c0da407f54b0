"""The simulator's Notifications API (grantless vs seller tokens, 409s, validation) and its delivery
(who gets what, seeded drops, duplicates, late and shuffled deliveries), without sockets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.notifications_api import DeliveryFaults
from sellerflow_dev.simulator.server import Request, Response

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
QUEUE = "arn:aws:sqs:us-east-1:123456789012:sellerflow-test-notifications"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, arn: str, body: str) -> None:
        self.sent.append((arn, json.loads(body)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> SimServer:
    world = SimWorld.generate(sellers=2, seed=9, now=NOW)
    sim = SimServer(world, SimConfig(rate_scale=1000), clock=clock, wall_clock=lambda: NOW)
    sim.notifications._sender = Outbox()
    return sim


def _outbox(server: SimServer) -> Outbox:
    sender: Outbox = server.notifications._sender
    return sender


def _token(server: SimServer, **form: str) -> str:
    world = server.world
    body = urlencode({"client_id": world.client_id, "client_secret": world.client_secret, **form}).encode()
    response = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=body))
    assert response.status == 200, response.body
    return str(response.body["access_token"])


def grantless(server: SimServer) -> str:
    return _token(server, grant_type="client_credentials", scope="sellingpartnerapi::notifications")


def seller_token(server: SimServer, index: int = 0) -> str:
    return _token(server, grant_type="refresh_token", refresh_token=server.world.sellers[index].refresh_token)


def call(
    server: SimServer, method: str, path: str, token: str, body: dict[str, Any] | None = None
) -> Response:
    return server.dispatch(
        Request.from_target(
            method,
            f"/notifications/v1/{path}",
            headers={"x-amz-access-token": token, "content-type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
        )
    )


def destination(server: SimServer) -> str:
    created = call(
        server,
        "POST",
        "destinations",
        grantless(server),
        {"name": "sf", "resourceSpecification": {"sqs": {"arn": QUEUE}}},
    )
    assert created.status == 200, created.body
    return str(created.body["payload"]["destinationId"])


def subscribe(server: SimServer, kind: str, version: str, index: int = 0) -> Response:
    body = {"payloadVersion": version, "destinationId": destination_id(server)}
    return call(server, "POST", f"subscriptions/{kind}", seller_token(server, index), body)


def destination_id(server: SimServer) -> str:
    listed = call(server, "GET", "destinations", grantless(server)).body["payload"]
    return str(listed[0]["destinationId"]) if listed else destination(server)


def test_client_credentials_need_a_grantless_scope(server: SimServer) -> None:
    world = server.world
    form = {
        "grant_type": "client_credentials",
        "scope": "sellingpartnerapi",
        "client_id": world.client_id,
        "client_secret": world.client_secret,
    }
    response = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=urlencode(form).encode()))
    assert (response.status, response.body["error"]) == (400, "invalid_scope")


def test_destinations_take_the_apps_own_token_and_not_a_sellers(server: SimServer) -> None:
    assert call(server, "GET", "destinations", seller_token(server)).status == 403
    assert call(server, "GET", "destinations", grantless(server)).body == {"payload": []}
    destination(server)
    again = call(
        server,
        "POST",
        "destinations",
        grantless(server),
        {"name": "sf2", "resourceSpecification": {"sqs": {"arn": QUEUE}}},
    )
    assert again.status == 409
    listed = call(server, "GET", "destinations", grantless(server)).body["payload"]
    assert [d["resource"]["sqs"]["arn"] for d in listed] == [QUEUE]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "sf"},
        {"name": "sf", "resourceSpecification": {"sqs": {"arn": "not-an-arn"}}},
        {
            "name": "sf",
            "resourceSpecification": {
                "sqs": {"arn": QUEUE},
                "eventBridge": {"region": "x", "accountId": "1"},
            },
        },
    ],
)
def test_an_invalid_destination_is_refused(server: SimServer, body: dict[str, Any]) -> None:
    assert call(server, "POST", "destinations", grantless(server), body).status == 400


def test_subscriptions_are_the_sellers_own_and_conflict_when_repeated(server: SimServer) -> None:
    assert (
        call(
            server,
            "POST",
            "subscriptions/ORDER_CHANGE",
            grantless(server),
            {"payloadVersion": "1.0", "destinationId": "x"},
        ).status
        == 403
    )
    assert subscribe(server, "ORDER_CHANGE", "2.0").status == 400
    created = subscribe(server, "ORDER_CHANGE", "1.0")
    assert created.status == 200
    assert subscribe(server, "ORDER_CHANGE", "1.0").status == 409
    got = call(server, "GET", "subscriptions/ORDER_CHANGE", seller_token(server))
    assert got.body["payload"] == created.body["payload"]
    assert call(server, "GET", "subscriptions/ORDER_CHANGE", seller_token(server, 1)).status == 404
    sub_id = created.body["payload"]["subscriptionId"]
    assert call(server, "DELETE", f"subscriptions/ORDER_CHANGE/{sub_id}", seller_token(server)).status == 403
    assert call(server, "DELETE", f"subscriptions/ORDER_CHANGE/{sub_id}", grantless(server)).status == 200
    assert call(server, "DELETE", f"subscriptions/ORDER_CHANGE/{sub_id}", grantless(server)).status == 404


def test_a_subscription_to_an_unknown_destination_is_not_found(server: SimServer) -> None:
    body = {"payloadVersion": "1.0", "destinationId": "nope"}
    assert call(server, "POST", "subscriptions/ORDER_CHANGE", seller_token(server), body).status == 404


def test_orders_that_move_on_are_announced_to_the_subscribed_seller_only(server: SimServer) -> None:
    subscribe(server, "ORDER_CHANGE", "1.0", index=0)
    changes = server.world.advance(30)
    server.notifications.flush(everything=True)
    first, second = (s.seller_id for s in server.world.sellers)
    expected = set(changes["created"][first]) | set(changes["updated"][first])
    sent = _outbox(server).sent
    got = {body["Payload"]["OrderChangeNotification"]["AmazonOrderId"] for _, body in sent}
    assert got == expected
    assert {arn for arn, _ in sent} == {QUEUE}
    assert {body["Payload"]["OrderChangeNotification"]["SellerId"] for _, body in sent} == {first}
    assert server.notifications.stats(second)["published"] == 0


def test_transactions_posted_after_subscribing_are_announced_with_their_order(server: SimServer) -> None:
    subscribe(server, "TRANSACTION_UPDATE", "1.0")
    server.world.advance(60 * 24 * 3)  # shipments post their money
    server.notifications.flush(everything=True)
    updates = [body["Payload"]["TransactionUpdateNotification"] for _, body in _outbox(server).sent]
    assert updates
    assert all(
        u["SellingPartnerMetadata"]["SellingPartnerId"] == server.world.sellers[0].seller_id for u in updates
    )


def test_faults_are_seeded_drops_duplicates_and_late_deliveries(server: SimServer, clock: FakeClock) -> None:
    subscribe(server, "ORDER_CHANGE", "1.0")
    seller = server.world.sellers[0].seller_id
    server.notifications.faults = DeliveryFaults(duplicate_rate=1.0, late_rate=1.0, late_s=(5.0, 5.0))
    server.notifications.drop_next(seller, 1)
    server.world.advance(30)
    stats = server.notifications.stats(seller)
    assert server.notifications.flush() == 0  # everything is late
    clock.now += 6
    delivered = server.notifications.flush()
    assert delivered == 2 * (stats["published"] - 1)
    bodies = [json.dumps(b, sort_keys=True) for _, b in _outbox(server).sent]
    assert len(set(bodies)) == len(bodies) // 2  # each one twice, same notification id
    assert server.notifications.stats(seller)["dropped"] == 1


def test_a_finished_report_is_announced_once(server: SimServer, clock: FakeClock) -> None:
    subscribe(server, "REPORT_PROCESSING_FINISHED", "2020-09-04")
    token = seller_token(server)
    body = {
        "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
        "marketplaceIds": [server.world.sellers[0].marketplace_ids[0]],
    }
    created = server.dispatch(
        Request.from_target(
            "POST",
            "/reports/2021-06-30/reports",
            headers={"x-amz-access-token": token},
            body=json.dumps(body).encode(),
        )
    )
    assert created.status == 202
    server.notifications.flush()
    assert _outbox(server).sent == []
    clock.now += 60
    server.notifications.flush()
    server.notifications.flush()
    ((_, note),) = _outbox(server).sent
    finished = note["payload"]["reportProcessingFinishedNotification"]
    assert (finished["reportId"], finished["processingStatus"]) == (created.body["reportId"], "DONE")
    assert finished["reportDocumentId"]
