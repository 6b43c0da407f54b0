"""The apply-notifications function: one SQS batch, a partial-batch response (Powertools)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from push_fakes import NOW, World, order_change, order_document, posted_minutes_ago, transaction_update

ROOT = Path(__file__).resolve().parents[3]


def _handler_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "apply_notifications_app", ROOT / "functions/apply_notifications/app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["apply_notifications_app"] = module
    spec.loader.exec_module(module)
    return module


class _Context:
    function_name = "sellerflow-test-apply-notifications"
    memory_limit_in_mb = 512
    invoked_function_arn = (
        "arn:aws:lambda:us-east-1:123456789012:function:sellerflow-test-apply-notifications"
    )
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def _record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sellerflow-test-notifications",
        "awsRegion": "us-east-1",
    }


def test_only_the_record_a_redelivery_may_cure_is_reported_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _handler_module()
    world = World()
    document = order_document()
    world.amazon.orders[document["orderId"]] = document
    monkeypatch.setattr(app, "push_ports", world.ports)
    # transactions posted a minute ago are not listable yet: that record alone goes back to the queue
    monkeypatch.setattr("sellerflow.sync.notifications.datetime", _FrozenDatetime)
    event = {
        "Records": [
            _record("ok", order_change(document["orderId"])),
            _record("duplicate", order_change(document["orderId"])),
            _record("too-early", transaction_update(posted_minutes_ago(1))),
            _record("malformed", json.dumps({"hello": "world"})),
        ]
    }
    response = app.lambda_handler(event, _Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": "too-early"}]}
    assert len(world.sinks.orders) == 1
    assert world.ledger.statuses() == {"applied": 1, "failed": 1}


class _FrozenDatetime:
    """`datetime.now` of the notifications module, frozen at the fakes' NOW."""

    @staticmethod
    def now(tz: Any = None) -> Any:
        return NOW
