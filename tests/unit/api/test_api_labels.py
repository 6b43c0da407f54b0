"""The label routes (PII app) over a real `LabelService` on in-memory fakes: the label reaches the
browser uncached, the recipient appears nowhere else (queue, rates, audit, logs), and each typed
error answers with its own code and a message that says what to do."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from api_fakes import SELLER_A
from label_fakes import CANARY, FakeShippingApi
from test_api_openapi import ORDER_ID, OWNER, Api, api  # noqa: F401 - the `api` fixture

from sellerflow.errors import SpApiServerError

LABEL = f"/sellers/{SELLER_A}/orders/{ORDER_ID}/label"
BUY = {"request_token": "rt-1", "rate_id": "r-1"}


def _call(client: Api, method: str, url: str, body: Any = None) -> Any:
    route = url.replace(SELLER_A, "{sellerId}").replace(ORDER_ID, "{orderId}").split("?")[0]
    route = route.replace("/labels/profiles/OTHER-SKU", "/labels/profiles/{sku}")
    return client.call(method, url, route, sub=OWNER, body=body)


def test_queue_rates_buy_reprint_track_void_keep_the_recipient_out_of_everything_but_the_label(
    api: Api,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    queue = _call(api, "GET", f"/sellers/{SELLER_A}/labels/queue")
    assert queue.status_code == 200
    (entry,) = queue.json_body["orders"]
    assert entry["late"] is True
    assert entry["package"]["weight_g"] == 1200  # two mugs of 600 g
    rates = _call(api, "POST", f"{LABEL}/rates")
    assert rates.status_code == 200
    assert rates.headers["Cache-Control"] == "no-store"
    assert [r["price"] for r in rates.json_body["rates"]] == ["9.1", "18.4"]  # cheapest first
    bought = _call(api, "POST", LABEL, BUY)
    assert bought.status_code == 200
    assert bought.headers["Cache-Control"] == "no-store"
    assert bought.json_body["shipment"]["tracking_id"] == "1Z0001"
    assert bought.json_body["shipment"]["confirmed_by"] == "sellerflow"
    assert CANARY.encode() in base64.b64decode(bought.json_body["content_base64"])
    assert _call(api, "POST", LABEL, BUY).json_body["shipment"]["tracking_id"] == "1Z0001"  # idempotent
    reprint = _call(api, "GET", LABEL)
    assert reprint.status_code == 200
    assert reprint.json_body["content_base64"] == bought.json_body["content_base64"]
    assert _call(api, "GET", f"{LABEL}/tracking").json_body["tracking_status"] == "InTransit"
    assert (
        _call(api, "GET", f"/sellers/{SELLER_A}/labels/queue").json_body["orders"][0]["shipment"]["status"]
        == "PURCHASED"
    )
    voided = _call(api, "DELETE", LABEL)
    assert voided.status_code == 200
    assert voided.json_body["status"] == "VOIDED"
    # The recipient is only ever in the label document itself
    for response in (queue, rates, reprint, voided):
        assert "PII-CANARY" not in response.body.decode()
    assert "PII-CANARY" not in caplog.text
    assert "PII-CANARY" not in bought.body.decode()  # (base64 in the body; the name is not readable)


def test_each_failure_answers_its_own_code(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    # Missing package dimensions
    profile = f"/sellers/{SELLER_A}/labels/profiles/OTHER-SKU"
    assert (
        _call(
            api, "PUT", profile, {"length_cm": "0", "width_cm": "1", "height_cm": "1", "weight_g": 1}
        ).status_code
        == 400
    )
    # Buying without rates shown: rate_expired, nothing bought
    expired = _call(api, "POST", LABEL, BUY)
    assert expired.status_code == 409
    assert expired.json_body["error"] == "rate_expired"
    # Reprint or void with no label: 404
    assert _call(api, "GET", LABEL).status_code == 404
    assert _call(api, "DELETE", LABEL).status_code == 404
    # Charged, no answer: purchase_incomplete, and the retry returns one label with the same key
    assert _call(api, "POST", f"{LABEL}/rates").status_code == 200
    calls = {"n": 0}
    keys: list[str] = []
    original = FakeShippingApi.purchase_shipment

    def flaky(self: FakeShippingApi, seller_id: str, request: Any, *, idempotency_key: str) -> Any:
        calls["n"] += 1
        keys.append(idempotency_key)
        if calls["n"] == 1:
            raise SpApiServerError("purchaseShipment answered HTTP 500", operation="purchaseShipment")
        return original(self, seller_id, request, idempotency_key=idempotency_key)

    monkeypatch.setattr(FakeShippingApi, "purchase_shipment", flaky)
    incomplete = _call(api, "POST", LABEL, BUY)
    assert incomplete.status_code == 502
    assert incomplete.json_body["error"] == "purchase_incomplete"
    assert _call(api, "POST", LABEL, BUY).status_code == 200
    assert calls["n"] == 2
    assert keys[0] == keys[1]  # the same client reference: Amazon returns the label it charged for


def test_a_failed_confirmation_is_retried_by_buying_again_without_a_second_purchase(
    api: Api,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _call(api, "POST", f"{LABEL}/rates").status_code == 200
    original = FakeShippingApi.confirm_shipment
    bought: list[str] = []
    purchase = FakeShippingApi.purchase_shipment

    def counted(self: FakeShippingApi, seller_id: str, request: Any, *, idempotency_key: str) -> Any:
        bought.append(idempotency_key)
        return purchase(self, seller_id, request, idempotency_key=idempotency_key)

    monkeypatch.setattr(FakeShippingApi, "purchase_shipment", counted)
    monkeypatch.setattr(FakeShippingApi, "confirm_shipment", _refuse_confirmation)
    assert _call(api, "POST", LABEL, BUY).status_code == 502
    monkeypatch.setattr(FakeShippingApi, "confirm_shipment", original)
    again = _call(api, "POST", LABEL, BUY)
    assert again.status_code == 200
    assert again.json_body["shipment"]["confirmed_by"] == "sellerflow"
    assert again.json_body["shipment"]["status"] == "PURCHASED"
    assert len(bought) == 1


def _refuse_confirmation(self: FakeShippingApi, seller_id: str, order_id: str, request: Any) -> None:
    raise SpApiServerError("confirmShipment answered HTTP 503", operation="confirmShipment")
