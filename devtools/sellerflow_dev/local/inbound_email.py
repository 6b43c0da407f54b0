"""`sellerflow local inbound-email --seller <id> <file.eml>`: a buyer mail into the local stack
exactly as SES receiving would deliver it — the raw MIME into the inbound bucket under
`inbound/<messageId>`, then the receive function invoked with an SES receipt event naming the
seller's inbound address as the envelope recipient. Works against a running `sellerflow local up`
(AWS_ENDPOINT_URL = its moto server, which dispatches the function in the stack's process) and
in-process from the demo and the tests (a session of the stack's moto).
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sellerflow.messages.model import inbound_local_part

FUNCTION_SUFFIX = "-receive-buyer-email"


def _receive_function(session: Any) -> dict[str, Any]:
    lambdas = session.client("lambda")
    for page in lambdas.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if function["FunctionName"].endswith(FUNCTION_SUFFIX):
                return dict(function)
    raise RuntimeError("no receive-buyer-email function: is the local stack running (AWS_ENDPOINT_URL)?")


def inbound_address(session: Any, environment: dict[str, str], seller_id: str) -> str:
    """The seller's inbound address (its token created on first use, as the API does)."""
    dynamodb = session.client("dynamodb")
    table = environment["SELLERS_TABLE"]
    found = dynamodb.get_item(
        TableName=table, Key={"seller_id": {"S": seller_id}, "sk": {"S": "MSGINBOUND"}}, ConsistentRead=True
    ).get("Item")
    if found:
        token = found["token"]["S"]
    else:
        token = secrets.token_hex(6)
        dynamodb.put_item(
            TableName=table,
            Item={
                "seller_id": {"S": seller_id},
                "sk": {"S": "MSGINBOUND"},
                "token": {"S": token},
                "created_at": {"S": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")},
            },
        )
    domain = environment.get("MESSAGES_INBOUND_DOMAIN") or "inbound.sellerflow.local"
    return f"{inbound_local_part(seller_id, token)}@{domain}"


def ses_event(message_id: str, recipient: str, function_arn: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    verdict = {"status": "PASS"}
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {"timestamp": now, "messageId": message_id, "destination": [recipient]},
                    "receipt": {
                        "timestamp": now,
                        "recipients": [recipient],
                        "spamVerdict": verdict,
                        "virusVerdict": verdict,
                        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
                    },
                },
            }
        ]
    }


def deliver(session: Any, seller_id: str, raw: bytes) -> dict[str, Any]:
    """Deliver one mail as SES would; the receive function's answer (per record: thread or rejection)."""
    function = _receive_function(session)
    environment = dict((function.get("Environment") or {}).get("Variables") or {})
    recipient = inbound_address(session, environment, seller_id)
    message_id = uuid.uuid4().hex
    session.client("s3").put_object(
        Bucket=environment["INBOUND_MAIL_BUCKET"], Key=f"inbound/{message_id}", Body=raw
    )
    answer = session.client("lambda").invoke(
        FunctionName=function["FunctionName"],
        Payload=json.dumps(ses_event(message_id, recipient, function["FunctionArn"])).encode(),
    )
    payload = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        raise RuntimeError(f"receive-buyer-email failed: {payload.get('errorType')}")
    return dict(payload)


def run(seller_id: str, path: Path) -> int:
    import boto3

    result = deliver(boto3.session.Session(), seller_id, path.read_bytes())
    for outcome in result.get("results", []):
        if outcome.get("rejected"):
            print(f"rejected reason={outcome['rejected']}", flush=True)
        else:
            print(f"accepted thread={outcome['thread_id']} duplicate={outcome['duplicate']}", flush=True)
    return 0
