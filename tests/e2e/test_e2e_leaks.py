"""No leaks: the simulator's marked buyer PII and every token never appear anywhere they must not.

The simulator marks every buyer PII value with `pii-canary`. After a full sync, API reads of every
route, an export, a label-address fetch and a shipping label's whole life (queue, rates, purchase,
reprint, tracking, void: the recipient is read from Amazon for the rates and printed in the label
document, the one output allowed to carry it), this scans every log line and metric printed, every
item of the non-PII tables, every S3 object (inside zips too), every Step Functions execution's
history, every SNS topic's published messages and every API response — for the marker and for
the sellers' refresh tokens, access tokens and the app's client secret.
"""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from alerts_e2e_support import set_alerts, twilio_messages, wait_until_queue_empty
from e2e_helpers import api_get

from sellerflow_dev.local.demo_labels import LabelClient, buy_one_label
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers

TOKEN_SHAPES = ("Atzr|", "Atza|")


def _scan(name: str, text: str, secrets: list[str]) -> list[str]:
    found = [f"{name}: PII marker" for _ in find_pii_markers(text)][:1]
    found += [f"{name}: token" for shape in TOKEN_SHAPES if shape in text][:1]
    found += [f"{name}: secret" for secret in secrets if secret in text][:1]
    return found


def _table_items(stack: LocalStack, table: str) -> str:
    client = stack.session.client("dynamodb")
    items: list[Any] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    return json.dumps(items, default=str)


def _s3_objects(stack: LocalStack) -> dict[str, str]:
    s3 = stack.session.client("s3")
    texts: dict[str, str] = {}
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read()
                if obj["Key"].endswith(".zip"):
                    with zipfile.ZipFile(io.BytesIO(body)) as archive:
                        body = b"".join(archive.read(n) for n in archive.namelist())
                texts[f"s3://{bucket['Name']}/{obj['Key']}"] = body.decode("utf-8", "replace")
    return texts


def _histories(stack: LocalStack) -> str:
    assert stack.resources is not None
    sfn = stack.session.client("stepfunctions")
    events: list[Any] = []
    for arn in stack.resources.state_machines.values():
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            events += sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)[
                "events"
            ]
            events.append(sfn.describe_execution(executionArn=execution["executionArn"]))
    return json.dumps(events, default=str)


def _sns_messages(stack: LocalStack) -> str:
    from moto.sns.models import sns_backends

    backend = sns_backends["123456789012"]["us-east-1"]
    return json.dumps([t.sent_notifications for t in backend.topics.values()], default=str)


def _label_life(stack: LocalStack, index: int) -> tuple[dict[str, str], list[bytes]]:
    """Queue → rates → purchase → reprint → tracking → void for seller `index`: the answers to scan
    (the label document's bytes taken out of them) and the label documents themselves."""
    run = buy_one_label(stack, index)
    sid = run.seller_id
    assert run.bought == 1, {name: (r.status_code, r.text[:200]) for name, r in run.responses.items()}
    order_id = run.responses["queue"].json()["orders"][0]["order_id"]
    client = LabelClient(stack, stack.id_token(f"owner{index}@sellerflow.local"))
    label = f"/sellers/{sid}/orders/{order_id}/label"
    run.responses["reprint"] = client.call("GET", label)
    run.responses["tracking"] = client.call("GET", f"{label}/tracking")
    if index == 1:  # the other sellers keep theirs: the label bucket's ciphertext is scanned too
        run.responses["void"] = client.call("DELETE", label)
    answers: dict[str, str] = {}
    documents: list[bytes] = []
    for name, response in run.responses.items():
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        if "content_base64" in body:
            documents.append(base64.b64decode(body.pop("content_base64")))
        answers[f"label {name} {sid}"] = json.dumps(body)
    return answers, documents


def test_no_buyer_pii_or_secret_leaves_where_it_may_not(
    local_stack: Callable[..., LocalStack], capfd: pytest.CaptureFixture[str]
) -> None:
    # Given metrics and debug logs printed as in AWS, and two synced sellers
    stack = local_stack(
        sellers=2, extra_env={"POWERTOOLS_METRICS_DISABLED": "false", "POWERTOOLS_LOG_LEVEL": "DEBUG"}
    )
    # (every alert rule on, no quiet hours, one WhatsApp number each: the messages are scanned too)
    for index in range(1, len(stack.world.sellers) + 1):
        set_alerts(stack, index, [f"+1555000200{index}"])
    assert {r.status for r in stack.run_sync()} == {"SUCCEEDED"}
    wait_until_queue_empty(stack)
    secrets = [stack.world.client_secret, stack.simulator.twilio.auth_token] + [
        s.refresh_token for s in stack.world.sellers
    ]
    responses: dict[str, str] = {}
    label_responses: list[str] = []
    # When the owners read every route, export their data and fetch one label address
    for index, seller in enumerate(stack.world.sellers, start=1):
        sid = seller.seller_id
        token = stack.id_token(f"owner{index}@sellerflow.local")
        orders = stack.world.orders(sid)
        routes = [
            "/sellers",
            f"/sellers/{sid}/orders",
            f"/sellers/{sid}/dashboard",
            f"/sellers/{sid}/analytics/daily",
            f"/sellers/{sid}/analytics/skus",
            f"/sellers/{sid}/inventory",
            f"/sellers/{sid}/settlements",
            f"/sellers/{sid}/transactions",
            f"/sellers/{sid}/cogs",
            f"/sellers/{sid}/audit",
        ] + [f"/sellers/{sid}/orders/{o['orderId']}" for o in orders[:20]]
        for route in routes:
            response = api_get(stack, route, token)
            assert response.status_code == 200, (route, response.text)
            responses[route] = response.text
        fbm = next(o for o in orders if o["fulfillment"]["fulfilledBy"] == "MERCHANT" and o["fulfillment"]["fulfillmentStatus"] != "CANCELLED")  # fmt: skip
        label = api_get(
            stack, f"/sellers/{sid}/orders/{fbm['orderId']}/shipping-address", token, purpose="shipping_label"
        )
        assert label.status_code == 200, label.text
        label_responses.append(label.text)
        assert stack.gateway is not None
        created = httpx.post(
            f"{stack.gateway.url}/sellers/{sid}/exports",
            headers={"authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert created.status_code == 202, created.text
        export_path = f"/sellers/{sid}/exports/{created.json()['export_id']}"
        for _ in range(300):
            status = api_get(stack, export_path, token)
            if status.json()["status"] != "running":
                break
            time.sleep(0.2)
        assert status.json()["status"] == "ready", status.text
        responses[export_path] = status.text
    # ...and buy, reprint, track and void one shipping label each
    label_documents: list[bytes] = []
    for index in range(1, len(stack.world.sellers) + 1):
        answers, documents = _label_life(stack, index)
        responses |= answers
        label_documents += documents
    # Then the label address and the label documents are the places the marked PII went (their
    # purpose), and nowhere else:
    assert all(find_pii_markers(text) for text in label_responses)
    assert len(label_documents) == 2 * len(stack.world.sellers)  # bought, then reprinted
    assert all(find_pii_markers(document.decode("latin-1")) for document in label_documents)
    printed = capfd.readouterr()
    assert '"_aws"' in printed.out  # metrics were printed (EMF), so they are part of the scan
    leaks: list[str] = []
    leaks += _scan("stdout (logs, metrics)", printed.out, secrets)
    leaks += _scan("stderr", printed.err, secrets)
    assert stack.resources is not None
    # every table but the PII table (its rows are the PII key's ciphertext, and labels write none)
    tables = [lid for lid in stack.resources.physical if lid.endswith("Table") and lid != "BuyerPiiTable"]
    assert {"SellerDataTable", "SellersTable", "AuditTable"} <= set(tables)
    for logical_id in tables:
        leaks += _scan(logical_id, _table_items(stack, stack.resources.physical[logical_id]), secrets)
    for name, text in _s3_objects(stack).items():
        leaks += _scan(name, text, secrets)
    leaks += _scan("Step Functions histories", _histories(stack), secrets)
    leaks += _scan("SNS messages", _sns_messages(stack), secrets)
    whatsapp = twilio_messages(stack)
    assert whatsapp  # the scan of alerts is not vacuous
    assert "alert_id" in _sns_messages(stack)
    leaks += _scan("WhatsApp messages (Twilio stand-in)", json.dumps(whatsapp), secrets)
    for route, text in responses.items():
        leaks += _scan(route if route.startswith("label ") else f"GET {route}", text, secrets)
    assert leaks == []
