"""The simulator's Solicitations answers against the official model, closed to undefined fields:
the HAL answer of getSolicitationActionsForOrder (offered and not), the create's 201 and its errors,
404 and 429. Runs the simulator in process; skipped when the reference models are absent."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

import jsonschema
from test_sim_conformance import _FORMATS, _models_dir, _strict

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.server import Request
from sellerflow_dev.simulator.solicitations_api import delivered_at

MODEL = "solicitations-api-model/solicitations.json"
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


@cache
def _definitions() -> dict[str, Any]:
    document = json.loads((_models_dir() / MODEL).read_text())
    return {name: _strict(schema) for name, schema in document["definitions"].items()}


def conforms(instance: Any, definition: str) -> None:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": copy.deepcopy(_definitions())}
    validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_every_answer_conforms_to_the_model() -> None:
    _models_dir()
    server = SimServer(SimWorld.generate(sellers=1, seed=5, now=NOW), SimConfig(), wall_clock=lambda: NOW)
    world = server.world
    form = {"grant_type": "refresh_token", "refresh_token": world.sellers[0].refresh_token,
            "client_id": world.client_id, "client_secret": world.client_secret}  # fmt: skip
    token = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=urlencode(form).encode())).body

    def call(method: str, target: str) -> tuple[int, Any]:
        headers = {"x-amz-access-token": str(token["access_token"])}
        response = server.dispatch(Request.from_target(method, target, headers=headers))
        return response.status, response.body

    seller = world.sellers[0].seller_id
    order = next(
        o for o in world.all_order_states(seller)
        if (d := delivered_at(o)) and timedelta(days=6) <= NOW - d <= timedelta(days=29)
        and not any(t.order_id == o.order_id and t.transaction_type == "Refund" for t in world.transactions(seller))
    )  # fmt: skip
    base = f"/solicitations/v1/orders/{order.order_id}"
    query = f"?marketplaceIds={order.marketplace_id}"
    create = f"{base}/solicitations/productReviewAndSellerFeedback{query}"

    offered = call("GET", base + query)
    assert offered[0] == 200
    conforms(offered[1], "GetSolicitationActionsForOrderResponse")
    created = call("POST", create)
    assert created[0] == 201
    conforms(created[1], "CreateProductReviewAndSellerFeedbackSolicitationResponse")
    not_offered = call("GET", base + query)
    assert not_offered[1]["_links"]["actions"] == []
    conforms(not_offered[1], "GetSolicitationActionsForOrderResponse")
    twice = call("POST", create)
    assert twice[0] == 400
    conforms(twice[1], "CreateProductReviewAndSellerFeedbackSolicitationResponse")
    missing = call("GET", f"/solicitations/v1/orders/000-0000000-0000000{query}")
    assert missing[0] == 404
    conforms(missing[1], "GetSolicitationActionsForOrderResponse")
    throttled = [call("GET", base + query) for _ in range(6)][-1]
    assert throttled[0] == 429
    conforms(throttled[1], "GetSolicitationActionsForOrderResponse")
