"""The simulator against the official SP-API models: response schemas and usage plans.

The reference lives outside the repository (``../shared/spapi`` next to the repo root, or the
directory named by ``SPAPI_MODELS_DIR``); without it these tests are skipped. Swagger 2.0
definitions are used as JSON Schema, with one tightening: objects may not carry fields the model
does not define, so the simulator cannot drift into inventing fields.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from sellerflow.spapi.usage_plans import USAGE_PLANS
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

ORDERS_MODEL = Path("orders-api-model") / "orders_2026-01-01.json"
SEARCH = "/orders/2026-01-01/orders"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"
# Operations whose name exists in several API versions: the version Sellerflow uses.
OPERATION_VERSIONS = {
    "searchOrders": ("orders", "2026-01-01"),
    "getOrder": ("orders", "2026-01-01"),
    "cancelShipment": ("shipping", "v2"),
    "getTracking": ("shipping", "v2"),
    "getRates": ("shipping", "v2"),
    "purchaseShipment": ("shipping", "v2"),
    "getShipmentDocuments": ("shipping", "v2"),
    "getShipment": ("merchant-fulfillment", "v0"),
    "createShipment": ("merchant-fulfillment", "v0"),
    "mfn.cancelShipment": ("merchant-fulfillment", "v0"),
}


def _spapi_dir() -> Path | None:
    candidates = []
    if os.environ.get("SPAPI_MODELS_DIR"):
        configured = Path(os.environ["SPAPI_MODELS_DIR"])
        candidates += [configured, configured.parent]
    candidates.append(Path(__file__).resolve().parents[3] / ".." / "shared" / "spapi")
    for candidate in candidates:
        if (candidate / "models" / ORDERS_MODEL).is_file():
            return candidate
    return None


def _models_dir() -> Path:
    root = _spapi_dir()
    if root is None:
        pytest.skip("the official SP-API models are not available (set SPAPI_MODELS_DIR)")
    return root / "models"


@cache
def _orders_definitions() -> dict[str, Any]:
    model = json.loads((_models_dir() / ORDERS_MODEL).read_text())
    return {name: _strict(schema) for name, schema in model["definitions"].items()}


def _strict(schema: Any) -> Any:
    """A Swagger schema object as JSON Schema, closed to fields the model does not define."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-") and k != "example"}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    return converted


def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date-time", raises=ValueError)(_check_date_time)


def assert_conforms(instance: Any, definition: str) -> None:
    definitions = copy.deepcopy(_orders_definitions())
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    validator = jsonschema.Draft4Validator(schema, format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    _models_dir()
    server = SimServer(SimWorld.generate(sellers=3, seed=5), SimConfig(rate_scale=1000))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(sim: SimServer) -> Iterator[httpx.Client]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": sim.world.sellers[0].refresh_token,
        "client_id": sim.world.client_id,
        "client_secret": sim.world.client_secret,
    }
    token = httpx.post(sim.lwa_endpoint, data=form).json()["access_token"]
    with httpx.Client(base_url=sim.api_endpoint, headers={"x-amz-access-token": token}) as http:
        yield http


def test_the_schema_check_catches_a_broken_order() -> None:
    # Guard: the converted schema really rejects a non-conforming document
    with pytest.raises(AssertionError, match="orderItems"):
        assert_conforms({"orderId": "1", "createdTime": "2026-01-01T00:00:00Z"}, "Order")
    with pytest.raises(AssertionError, match="inventedField"):
        assert_conforms({"errors": [{"code": "X", "message": "m", "inventedField": 1}]}, "ErrorList")


@pytest.mark.parametrize("included", [None, "PROCEEDS,FULFILLMENT,PROMOTION,EXPENSE", ALL_DATA])
def test_search_orders_pages_conform(client: httpx.Client, included: str | None) -> None:
    params: dict[str, Any] = {"createdAfter": "2020-01-01T00:00:00Z", "maxResultsPerPage": 60}
    if included:
        params["includedData"] = included
    first = client.get(SEARCH, params=params)
    assert first.status_code == 200
    assert "pagination" in first.json()
    assert_conforms(first.json(), "SearchOrdersResponse")
    last = client.get(SEARCH, params=params | {"paginationToken": first.json()["pagination"]["nextToken"]})
    assert_conforms(last.json(), "SearchOrdersResponse")


def test_get_order_conforms_for_every_order_state(sim: SimServer, client: httpx.Client) -> None:
    # One order per (status, fulfilled by) combination the world holds
    samples: dict[tuple[str, str], str] = {}
    for seller in sim.world.sellers:
        for order in sim.world.orders(seller.seller_id):
            if seller is sim.world.sellers[0]:
                key = (order["fulfillment"]["fulfillmentStatus"], order["fulfillment"]["fulfilledBy"])
                samples.setdefault(key, order["orderId"])
            assert_conforms(order, "Order")
    # (which states exist depends on the hour the world is made: recent orders are still pending)
    assert {"SHIPPED", "CANCELLED"} <= {status for status, _ in samples}
    assert {"AMAZON", "MERCHANT"} <= {fulfilled_by for _, fulfilled_by in samples}
    # BUYER/RECIPIENT need a restricted data token (Tokens API), one for every order of the seller
    elements = ["buyerInfo", "shippingAddress"]
    resource = {"method": "GET", "path": f"{SEARCH}/{{orderId}}", "dataElements": elements}
    rdt = client.post("/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [resource]})
    headers = {"x-amz-access-token": rdt.json()["restrictedDataToken"]}
    for order_id in samples.values():
        response = client.get(f"{SEARCH}/{order_id}", params={"includedData": ALL_DATA}, headers=headers)
        assert response.status_code == 200
        assert_conforms(response.json(), "GetOrderResponse")


def test_error_bodies_conform(sim: SimServer, client: httpx.Client) -> None:
    bad_request = client.get(SEARCH, params={"createdAfter": "not a date"})
    not_found = client.get(f"{SEARCH}/000-0000000-0000000")
    unauthorized = httpx.get(sim.api_endpoint + SEARCH, headers={"x-amz-access-token": "Atza|nope"})
    httpx.post(f"{sim.url}/_sim/config", json={"fail_calls": [["getOrder", 1, 503]]}).raise_for_status()
    unavailable = client.get(f"{SEARCH}/000-0000000-0000000")
    responses = {400: bad_request, 404: not_found, 403: unauthorized, 503: unavailable}
    for status, response in responses.items():
        assert response.status_code == status
        assert_conforms(response.json(), "ErrorList")


def _rate_limit_rows() -> list[dict[str, str]]:
    with (_models_dir().parent / "rate-limits.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _plans_in_model_descriptions(operation: str) -> set[tuple[str, str, float, int]]:
    """The `| rate | burst |` row of the operation's description, in whichever model defines it."""
    found = set()
    for path in _models_dir().glob("*/*.json"):
        for methods in json.loads(path.read_text()).get("paths", {}).values():
            for op in methods.values():
                if isinstance(op, dict) and op.get("operationId") == operation:
                    row = re.search(r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|", op.get("description", ""))
                    if row:
                        found.add((path.parent.name, "", float(row[1]), int(row[2])))
    return found


def test_usage_plans_match_the_official_rate_limits() -> None:
    _models_dir()
    rows = _rate_limit_rows()
    for operation, plan in USAGE_PLANS.items():
        matching = {
            (row["api"], row["version"], float(row["rate_per_s"]), int(row["burst"]))
            for row in rows
            if row["operation"] == operation.removeprefix("mfn.")
        }
        if operation in OPERATION_VERSIONS:
            matching = {m for m in matching if m[:2] == OPERATION_VERSIONS[operation]}
        if not matching:  # an API the table leaves out (Solicitations): the model's own usage-plan table
            matching = _plans_in_model_descriptions(operation)
        assert len(matching) == 1, f"{operation}: expected one official plan, found {sorted(matching)}"
        (_, _, rate, burst) = matching.pop()
        assert (plan.rate_per_s, plan.burst) == (rate, burst), operation


def test_the_orders_model_documents_the_plans_the_simulator_enforces() -> None:
    model = json.loads((_models_dir() / ORDERS_MODEL).read_text())
    operations = {
        op["operationId"]: op["description"]
        for path in model["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for operation in ("searchOrders", "getOrder"):
        plan = USAGE_PLANS[operation]
        assert f"| {plan.header_value} | {plan.burst} |" in operations[operation]
