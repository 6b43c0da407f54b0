"""Make moto's DynamoDB apply each write whole, as DynamoDB does.

DynamoDB serializes the writes to an item: a conditional update reads and writes in one step, so
of twelve racing claims exactly one passes its condition. moto's backend reads the item, checks the
condition and then writes, without a lock, so two threads can both pass. The code relies on the
real behaviour (quota slots, report claims, idempotency records); the local stack and the tests
install this so that moto keeps the same promise."""

from __future__ import annotations

import functools
import threading
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_LOCK = threading.RLock()
_MARK = "_sellerflow_serialized"


def serialize_dynamodb_writes() -> None:
    """Wrap moto's DynamoDB write methods in one lock (idempotent; process-wide)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)
        if getattr(original, _MARK, False):
            continue
        setattr(DynamoDBBackend, name, _serialized(original))


def _serialized(method: Any) -> Any:
    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(write, _MARK, True)
    return write
