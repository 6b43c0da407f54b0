"""Make moto answer DynamoDB reads at the speed of a JSON dump (the local stack only).

moto 5.2 writes every response through a generic, shape-driven serializer that walks each attribute
value of each item against botocore's model: a Query of 180 day rollups costs ~0.3 s of CPU in it,
which the local stack's API then spends on every dashboard (AWS spends nothing of the kind). The
items moto returns are already DynamoDB's wire JSON (`{"S": ...}`, `{"N": ...}`, binary as bytes),
so for the read operations the body is their JSON dump, binary base64-encoded as the serializer
does. Anything else (a datetime, an error) goes the serializer's way. `tests/integration/core/
test_moto_reads.py` checks that clients parse the same answers either way.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})
_MARK = "_sellerflow_fast_reads"
_CONTENT_TYPE = "application/x-amz-json-1.0"  # DynamoDB's JSON protocol version


class _NotPlainJson(TypeError):
    """A value the wire JSON has no plain form for: the serializer handles it."""


def _encoded(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise _NotPlainJson(type(value).__name__)


def fast_dynamodb_reads() -> None:
    """Answer GetItem/BatchGetItem/Query/Scan with a JSON dump (idempotent; process-wide)."""
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        if str(context.operation_model.name) in _READS and isinstance(self.result, dict):
            try:
                body = json.dumps(self.result, default=_encoded)
            except _NotPlainJson:
                return original(self, context)
            return 200, {"Content-Type": _CONTENT_TYPE}, body
        return original(self, context)

    setattr(execute_result, _MARK, True)
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
