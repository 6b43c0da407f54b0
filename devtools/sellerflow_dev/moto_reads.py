"""Make moto answer DynamoDB reads at the speed of a JSON dump (the local stack only).

moto 5.2 writes every response through a generic, shape-driven serializer that walks each attribute
value of each item against botocore's model: a Query of 180 day rollups costs ~0.3 s of CPU in it,
which the local stack's API then spends on every dashboard (AWS spends nothing of the kind). The
items moto returns are already DynamoDB's wire JSON (`{"S": ...}`, `{"N": ...}`, binary as bytes),
so for the read operations the body is their JSON dump, binary base64-encoded as the serializer
does. Anything else (a datetime, an error) goes the serializer's way. `tests/integration/core/
test_moto_reads.py` checks that clients parse the same answers either way.

Its Query of a table (not an index) also walks too much: it sorts every item of the *table*, keeps
those of the partition, and computes the size of each of the partition's items (twice) before
checking the sort-key condition — a dashboard's Query of 180 days in a partition of two years of
rollups and SKU-days paid for all of them (~40 % of the local stack's CPU on a page load, py-spy,
2026-12-04). `fast_dynamodb_queries` answers such a Query from the partition alone, applies the
key condition first (as DynamoDB reads only the matching range), then moto's own paging, size limit,
projection and filter; the same test compares its answers with moto's for every shape the stores use.
Key attributes are scalars (S, N, B), so they are sorted and compared as Python values rather than
through `DynamoType`'s operators (which re-derive the value for every comparison: a third of a sync's
Query CPU, py-spy, 2026-12-05). An index's Query stays moto's, except that moto first sorts every
item of the table by its primary key and then sorts the matches again by the index's key and the
table's: the first sort decides nothing, and is skipped.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import threading
from decimal import Decimal
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
    """Answer GetItem/BatchGetItem/Query/Scan with a JSON dump, and a table's Query from its
    partition (idempotent; process-wide)."""
    from moto.dynamodb.responses import DynamoResult

    fast_dynamodb_queries()
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


def fast_dynamodb_queries() -> None:
    """A table's Query reads its partition only, key condition first (idempotent; process-wide).
    Index queries, and the legacy `KeyConditions`' filter arguments, stay moto's."""
    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, _MARK, False):
        return

    original_all_items = Table.all_items

    @functools.wraps(original)
    def query(
        self: Any, hash_key: Any, range_comparison: Any, range_objs: Any, *args: Any, **kwargs: Any
    ) -> Any:
        named = dict(zip(_QUERY_ARGS, args, strict=False)) | kwargs
        if named.get("index_name"):
            _INDEX_QUERY.active = True  # its matches are sorted by the index's key and the table's
            try:
                return original(self, hash_key, range_comparison, range_objs, *args, **kwargs)
            finally:
                _INDEX_QUERY.active = False
        if set(named) - _FAST_QUERY_ARGS or hash_key is None:
            return original(self, hash_key, range_comparison, range_objs, *args, **kwargs)
        return _partition_query(self, hash_key, range_comparison, range_objs, **named)

    @functools.wraps(original_all_items)
    def all_items(self: Any) -> Any:
        if not getattr(_INDEX_QUERY, "active", False):
            return original_all_items(self)
        # list() copies a dict's values without letting another thread in (moto's own loop here can
        # meet a concurrent write: "dictionary changed size during iteration")
        partitions = list(self.items.values())
        if self.range_key_attr:
            return [item for stored in partitions for item in list(stored.values())]
        return partitions

    setattr(query, _MARK, True)
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


_INDEX_QUERY = threading.local()  # set while this thread runs moto's Query of an index


def _scalar(value: Any) -> Any:
    """A key attribute's value as Python compares it (what `DynamoType.cast_value` gives a scalar)."""
    return Decimal(value.value) if value.type == "N" else value.value


_QUERY_ARGS = (
    "limit",
    "exclusive_start_key",
    "scan_index_forward",
    "projection_expressions",
    "index_name",
    "consistent_read",
    "filter_expression",
    "hash_key_conditions",
    "range_key_conditions",
)
_FAST_QUERY_ARGS = frozenset(_QUERY_ARGS)  # anything else is a legacy filter argument: moto's path


def _partition_query(
    table: Any,
    hash_key: Any,
    range_comparison: str | None,
    range_objs: list[Any],
    *,
    limit: int,
    exclusive_start_key: dict[str, Any] | None,
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    filter_expression: Any = None,
    range_key_conditions: list[tuple[str, str, list[Any]]] | None = None,
    **_ignored: Any,
) -> tuple[list[Any], int, dict[str, Any] | None]:
    """moto's `Table.query` for a table, over the partition's items that meet the key condition."""
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    stored: Any = table.items.get(hash_key)
    candidates: list[Any]
    if table.range_key_attr:
        candidates = [i for i in list((stored or {}).values()) if isinstance(i, Item)]
    else:
        candidates = [stored] if isinstance(stored, Item) else []
    ordered = _in_key_order(table, candidates, scan_index_forward)
    candidates = _meeting(ordered, range_comparison, range_objs, range_key_conditions)
    hash_attrs, range_attrs = [table.hash_key_attr], [table.range_key_attr]
    results: list[Any] = []
    size = 0
    last_key = None
    skipping = exclusive_start_key is not None
    for item in candidates:
        if skipping:
            if table._item_comes_before_dct(  # noqa: SLF001 - moto's own paging rule
                item, exclusive_start_key, hash_attrs, range_attrs, scan_index_forward
            ):
                continue
            skipping = False
        item_size = item.size()
        if len(results) == limit or size + item_size > RESULT_SIZE_LIMIT:
            last_key = table._get_last_evaluated_key(results[-1], None)  # noqa: SLF001
            break
        results.append(item)
        size += item_size
    else:  # moto pages on when a full page is followed by any item of the partition, matching or not
        if results and len(results) == limit and ordered and ordered[-1] is not results[-1]:
            last_key = table._get_last_evaluated_key(results[-1], None)  # noqa: SLF001
    scanned = len(results)
    results = copy.deepcopy(results)
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [item.project(projection_expressions) for item in results]
    return results, scanned, last_key


def _in_key_order(table: Any, items: list[Any], scan_index_forward: bool) -> list[Any]:
    if table.range_key_attr:
        items.sort(key=lambda item: _scalar(item.range_key))
    if scan_index_forward is False:
        items.reverse()
    return items


def _meeting(
    items: list[Any],
    range_comparison: str | None,
    range_objs: list[Any],
    range_key_conditions: list[tuple[str, str, list[Any]]] | None,
) -> list[Any]:
    """The items whose sort key meets the key condition (all of them without one)."""
    if not range_comparison:
        return items
    from moto.dynamodb.comparisons import get_comparison_func

    name = range_key_conditions[-1][0] if range_key_conditions else None
    comparison = get_comparison_func(range_comparison)
    bounds = [_scalar(obj) for obj in range_objs]

    def meets(item: Any) -> bool:
        key = item.attrs.get(name) if name else item.range_key
        return key is not None and bool(comparison(_scalar(key), *bounds))

    return [item for item in items if meets(item)]
