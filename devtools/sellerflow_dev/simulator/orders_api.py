"""Orders API 2026-01-01 (searchOrders, getOrder) over a `SimWorld`, without any HTTP.

Parameter rules follow the model: exactly one of ``createdAfter``/``lastUpdatedAfter``; the
created and lastUpdated families are exclusive; a ``...Before`` value must be at or after its
``...After`` value and at least two minutes before the request time. Amazon promises no order of
the results, so none is given: the matching orders come shuffled (a hash of the world's seed and
the order id, the same for every page of a query) and are paged with a keyset cursor over that
hash, so an order is never skipped while paging, yet a page says nothing about the times of the
orders still to come. When no ``...Before`` is given the bound is the request time; it is frozen
into the pagination token and echoed in every page.

Pagination tokens are URL-safe base64 of a small JSON cursor bound (by hash) to the seller and to
the query's filters; ``maxResultsPerPage`` and ``includedData`` may change between pages, as the
model allows. Any other change, another seller, or a mangled token is a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow_dev.simulator.order_model import (
    FULFILLED_BY,
    FULFILLMENT_STATUSES,
    INCLUDED_DATA,
    SimOrder,
    iso,
    render_order,
)
from sellerflow_dev.simulator.world import SimWorld

QueryParams = Mapping[str, Sequence[str]]
DEFAULT_PAGE_SIZE = 100
MIN_BEFORE_LAG = timedelta(minutes=2)
_TOKEN_VERSION = 1


class ApiError(Exception):
    """An SP-API error answer: HTTP status plus the model's `ErrorList` body."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, str] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"errors": [error]}


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidInput", message)


@dataclass(frozen=True)
class SearchQuery:
    by: str  # "createdTime" or "lastUpdatedTime": what the after/before bounds filter and sort on
    after: datetime
    before: datetime | None
    fulfillment_statuses: frozenset[str]
    marketplace_ids: frozenset[str]
    fulfilled_by: frozenset[str]
    max_results: int
    included_data: frozenset[str]
    pagination_token: str | None

    def binding(self, seller_id: str) -> str:
        """What a pagination token is only valid for: the seller and every filter."""
        key = json.dumps(
            [
                seller_id,
                self.by,
                iso(self.after),
                iso(self.before) if self.before else None,
                sorted(self.fulfillment_statuses),
                sorted(self.marketplace_ids),
                sorted(self.fulfilled_by),
            ]
        )
        return hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Cursor:
    binding: str
    upper: datetime  # the frozen upper bound of the query
    last_key: tuple[str, str] | None  # (shuffle hash, orderId) of the last order already returned


def encode_token(cursor: Cursor) -> str:
    payload = {"v": _TOKEN_VERSION, "b": cursor.binding, "u": iso(cursor.upper), "k": cursor.last_key}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        if payload["v"] != _TOKEN_VERSION:
            raise ValueError("version")
        key = payload["k"]
        return Cursor(
            binding=str(payload["b"]),
            upper=_parse_time("paginationToken", str(payload["u"])),
            last_key=(str(key[0]), str(key[1])) if key else None,
        )
    except (binascii.Error, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError, ApiError):
        raise invalid("paginationToken is not a valid pagination token.") from None


# --- parameter parsing ------------------------------------------------------------------------------
def _parse_time(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid(f"{name} must be an ISO 8601 date-time, got {value!r}.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _single(params: QueryParams, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise invalid(f"{name} may only be given once.")
    return values[0]


def _list(params: QueryParams, name: str, allowed: frozenset[str] | None = None) -> frozenset[str]:
    """A list parameter, comma-separated or repeated; values outside `allowed` are rejected."""
    values = [part.strip() for value in params.get(name, ()) for part in value.split(",") if part.strip()]
    if allowed is not None:
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise invalid(f"{name} contains invalid values {unknown}; allowed: {sorted(allowed)}.")
    return frozenset(values)


def _page_size(params: QueryParams) -> int:
    raw = _single(params, "maxResultsPerPage")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise invalid(f"maxResultsPerPage must be an integer between 1 and 100, got {raw!r}.") from None
    if not 1 <= size <= 100:
        raise invalid(f"maxResultsPerPage must be between 1 and 100, got {size}.")
    return size


def parse_included_data(params: QueryParams) -> frozenset[str]:
    return _list(params, "includedData", INCLUDED_DATA)


def parse_search_query(params: QueryParams, now: datetime) -> SearchQuery:
    """Validate searchOrders' query parameters against the model's rules at request time `now`."""
    created_after = _single(params, "createdAfter")
    created_before = _single(params, "createdBefore")
    updated_after = _single(params, "lastUpdatedAfter")
    updated_before = _single(params, "lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise invalid("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after is not None and updated_before is not None:
        raise invalid("lastUpdatedBefore may not be provided together with createdAfter.")
    if updated_after is not None and created_before is not None:
        raise invalid("createdBefore may not be provided together with lastUpdatedAfter.")
    if created_after is not None:
        by, after_name, before_name = "createdTime", "createdAfter", "createdBefore"
        after_raw, before_raw = created_after, created_before
    else:
        by, after_name, before_name = "lastUpdatedTime", "lastUpdatedAfter", "lastUpdatedBefore"
        after_raw, before_raw = str(updated_after), updated_before
    after = _parse_time(after_name, after_raw)
    before = _parse_time(before_name, before_raw) if before_raw is not None else None
    if after > now:
        raise invalid(f"{after_name} must not be in the future, got {after_raw!r}.")
    if before is not None and before < after:
        raise invalid(f"{before_name} must be equal to or after {after_name}, got {before_raw!r}.")
    if before is not None and before > now - MIN_BEFORE_LAG:
        raise invalid(
            f"{before_name} must be at least two minutes before the time of the request, got {before_raw!r}."
        )
    marketplace_ids = _list(params, "marketplaceIds")
    if len(marketplace_ids) > 50:
        raise invalid(f"marketplaceIds accepts at most 50 values, got {len(marketplace_ids)}.")
    return SearchQuery(
        by=by,
        after=after,
        before=before,
        fulfillment_statuses=_list(params, "fulfillmentStatuses", FULFILLMENT_STATUSES),
        marketplace_ids=marketplace_ids,
        fulfilled_by=_list(params, "fulfilledBy", FULFILLED_BY),
        max_results=_page_size(params),
        included_data=parse_included_data(params),
        pagination_token=_single(params, "paginationToken"),
    )


# --- the operations ---------------------------------------------------------------------------------
def _shuffle_key(order: SimOrder, seed: int) -> tuple[str, str]:
    """Where an order falls in every result set of this world: unrelated to its times."""
    return hashlib.sha256(f"{seed}:{order.order_id}".encode()).hexdigest()[:16], order.order_id


def _matches(order: SimOrder, query: SearchQuery, upper: datetime) -> bool:
    moment = order.created if query.by == "createdTime" else order.last_updated
    return (
        query.after <= moment <= upper
        and (not query.fulfillment_statuses or order.status in query.fulfillment_statuses)
        and (not query.marketplace_ids or order.marketplace_id in query.marketplace_ids)
        and (not query.fulfilled_by or order.fulfilled_by in query.fulfilled_by)
    )


def search_orders(world: SimWorld, seller_id: str, query: SearchQuery, now: datetime) -> dict[str, Any]:
    """One page of searchOrders for the seller (a `SearchOrdersResponse`)."""
    binding = query.binding(seller_id)
    if query.pagination_token is not None:
        cursor = decode_token(query.pagination_token)
        if cursor.binding != binding:
            raise invalid(
                "paginationToken does not belong to this seller and query; repeat the original filters."
            )
    else:
        cursor = Cursor(binding=binding, upper=query.before or now, last_key=None)
    with world.lock:
        candidates = sorted(
            (order for order in world.order_states(seller_id) if _matches(order, query, cursor.upper)),
            key=lambda order: _shuffle_key(order, world.seed),
        )
        if cursor.last_key is not None:
            last_key = cursor.last_key
            candidates = [order for order in candidates if _shuffle_key(order, world.seed) > last_key]
        page = candidates[: query.max_results]
        response: dict[str, Any] = {"orders": [render_order(order, query.included_data) for order in page]}
    if len(candidates) > len(page):
        next_cursor = Cursor(binding=binding, upper=cursor.upper, last_key=_shuffle_key(page[-1], world.seed))
        response["pagination"] = {"nextToken": encode_token(next_cursor)}
    echo = "createdBefore" if query.by == "createdTime" else "lastUpdatedBefore"
    response[echo] = iso(cursor.upper)
    return response


def get_order(world: SimWorld, seller_id: str, order_id: str, params: QueryParams) -> dict[str, Any]:
    """getOrder for the seller (a `GetOrderResponse`); 404 when the order is not theirs."""
    included = parse_included_data(params)
    try:
        return {"order": world.order_document(seller_id, order_id, included)}
    except KeyError:
        raise ApiError(404, "NotFound", f"Order {order_id} was not found.") from None
