"""The labels part of the demo (and of the e2e test): one label bought per seller with merchant-fulfilled
orders, through the local API Gateway and the PII function, then a search for the PII marker
everywhere Sellerflow keeps or prints anything.

`verified labels <seller> bought=<n> pii_persisted=<places>`: `bought` counts the labels whose document
came back printing the recipient (the marker is in the label: it really went to the carrier call);
`pii_persisted` counts the places the marker was found afterwards: every table's items, every
bucket's objects (the label bucket holds envelope-encrypted ciphertext, scanned like the rest), the
Step Functions histories, and everything the process printed (Lambda logs and metrics) while the
labels were bought.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers

SHIP_FROM: dict[str, dict[str, str]] = {
    "US": {"name": "Demo Dispatch", "address_line1": "1 Dock St", "city": "Seattle", "state_or_region": "WA",
           "postal_code": "98101", "country_code": "US"},
    "GB": {"name": "Demo Dispatch", "address_line1": "1 Wharf Rd", "city": "London", "state_or_region": "London",
           "postal_code": "N1 7GU", "country_code": "GB"},
    "DE": {"name": "Demo Versand", "address_line1": "Hafenstr. 1", "city": "Hamburg", "state_or_region": "HH",
           "postal_code": "20457", "country_code": "DE"},
}  # fmt: skip


class _Tee(io.TextIOBase):
    """Writes through to the real stream and keeps a copy (what Lambda logs and metrics printed)."""

    def __init__(self, real: TextIO) -> None:
        self.real = real
        self.copy: list[str] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.copy.append(text)
        return self.real.write(text)

    def flush(self) -> None:
        self.real.flush()


@contextmanager
def captured_output() -> Iterator[list[_Tee]]:
    """Everything printed meanwhile: `print` (metrics) through sys.stdout/stderr, and the log lines
    of every logging handler that writes to them (the Lambda logger keeps the stream it was created
    with, so its handlers are pointed at the tees too)."""
    tees = [_Tee(sys.stdout), _Tee(sys.stderr)]
    handlers = [
        (handler, tees[0] if handler.stream is sys.stdout else tees[1])
        for name in [None, *logging.root.manager.loggerDict]
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.stderr)
    ]
    sys.stdout, sys.stderr = tees[0], tees[1]
    for handler, tee in handlers:
        handler.setStream(tee)
    try:
        yield tees
    finally:
        sys.stdout, sys.stderr = tees[0].real, tees[1].real
        for handler, tee in handlers:
            handler.setStream(tee.real)


@dataclass
class LabelRun:
    """What one seller's label flow did over HTTP (the e2e test checks each answer)."""

    seller_id: str
    responses: dict[str, httpx.Response] = field(default_factory=dict)
    bought: int = 0


class LabelClient:
    """The label routes of one owner, over the local gateway."""

    def __init__(self, stack: LocalStack, token: str) -> None:
        assert stack.gateway is not None
        self._base = stack.gateway.url
        self._headers = {"authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(method, f"{self._base}{path}", headers=self._headers, json=body, timeout=60)


def buy_one_label(stack: LocalStack, index: int) -> LabelRun:
    """Queue → package profiles and settings → rates → purchase, for seller `index` (1-based): the first
    order of the queue without a label bought."""
    seller = stack.world.sellers[index - 1]
    sid = seller.seller_id
    client = LabelClient(stack, stack.id_token(f"owner{index}@sellerflow.local"))
    run = LabelRun(sid)
    queue = run.responses["queue"] = client.call("GET", f"/sellers/{sid}/labels/queue")
    waiting = [
        e for e in (queue.json()["orders"] if queue.status_code == 200 else [])
        if (e.get("shipment") or {}).get("status") != "PURCHASED"
    ]  # fmt: skip
    if not waiting:
        return run
    entry = waiting[0]
    for line in entry["lines"]:
        if line["sku"] and not line["has_profile"]:
            profile = {"length_cm": "25", "width_cm": "18", "height_cm": "8", "weight_g": 450}
            run.responses[f"profile {line['sku']}"] = client.call(
                "PUT", f"/sellers/{sid}/labels/profiles/{line['sku']}", profile
            )
    country = entry["marketplace_id"] and country_of(entry["marketplace_id"])
    settings = {
        "ship_from": SHIP_FROM.get(country, SHIP_FROM["US"]) | {"country_code": country},
        "reprint_days": 7,
    }
    run.responses["settings"] = client.call("PUT", f"/sellers/{sid}/labels/settings", settings)
    order = entry["order_id"]
    rates = run.responses["rates"] = client.call("POST", f"/sellers/{sid}/orders/{order}/label/rates")
    if rates.status_code != 200 or not rates.json()["rates"]:
        return run
    chosen = rates.json()["rates"][0]
    purchase = {"request_token": rates.json()["request_token"], "rate_id": chosen["rate_id"]}
    bought = run.responses["purchase"] = client.call("POST", f"/sellers/{sid}/orders/{order}/label", purchase)
    if bought.status_code == 200:
        label = base64.b64decode(bought.json()["content_base64"]).decode("latin-1")
        run.bought += 1 if find_pii_markers(label) else 0
    run.responses["order"] = client.call("GET", f"/sellers/{sid}/orders/{order}")
    return run


def country_of(marketplace_id: str) -> str:
    from sellerflow.marketplaces import marketplace

    return marketplace(marketplace_id).country_code


def _tables_with_markers(stack: LocalStack) -> list[str]:
    assert stack.resources is not None
    dynamodb = stack.session.client("dynamodb")
    tables = [(lid, name) for lid, name in stack.resources.physical.items() if lid.endswith("Table")]
    found = []
    for logical_id, name in tables:
        items = [i for p in dynamodb.get_paginator("scan").paginate(TableName=name) for i in p["Items"]]
        if find_pii_markers(json.dumps(items, default=str)):
            found.append(f"table {logical_id}")
    return found


def _objects_with_markers(stack: LocalStack) -> list[str]:
    s3 = stack.session.client("s3")
    found = []
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read()
                if find_pii_markers(body.decode("latin-1")):
                    found.append(f"s3://{bucket['Name']}/{obj['Key']}")
    return found


def _histories_with_markers(stack: LocalStack) -> list[str]:
    assert stack.resources is not None
    sfn = stack.session.client("stepfunctions")
    found = []
    for arn in stack.resources.state_machines.values():
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
            if find_pii_markers(json.dumps(history["events"], default=str)):
                found.append(f"history {execution['executionArn']}")
    return found


def marker_places(stack: LocalStack, printed: str) -> list[str]:
    """Every place the PII marker is found: tables, buckets, Step Functions histories, printed output."""
    places = _tables_with_markers(stack) + _objects_with_markers(stack) + _histories_with_markers(stack)
    return places + (["logs and metrics (stdout/stderr)"] if find_pii_markers(printed) else [])


def verify_labels(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """`verified labels <seller> bought=<n> pii_persisted=<places>` per seller with FBM orders."""
    runs: list[LabelRun] = []
    with captured_output() as tees:
        for index in range(1, len(stack.world.sellers) + 1):
            runs.append(buy_one_label(stack, index))
    printed = "".join(tees[0].copy + tees[1].copy)
    places = marker_places(stack, printed)
    ok = True
    for run in runs:
        queue = run.responses["queue"]
        if queue.status_code != 200:
            ok = False
            say(f"MISMATCH labels {run.seller_id} queue={queue.status_code}")
            continue
        if "rates" not in run.responses:
            continue  # no merchant-fulfilled order waiting
        seller_ok = run.bought == 1 and not places
        ok = ok and seller_ok
        detail = (
            ""
            if seller_ok
            else " "
            + "; ".join(f"{name}={response.status_code}" for name, response in run.responses.items())
            + (f" found_in={places[:3]}" if places else "")
        )
        say(f"{'verified' if seller_ok else 'MISMATCH'} labels {run.seller_id} bought={run.bought} "
            f"pii_persisted={len(places)}{detail}")  # fmt: skip
    return ok
