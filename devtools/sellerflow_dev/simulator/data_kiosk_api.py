"""Data Kiosk 2023-11-15 (createQuery, getQuery, getQueries, cancelQuery, getDocument) over the world.

Our reading of Amazon, made hard where unsure:

- The query is GraphQL text (at most 8,000 characters without whitespace), parsed with graphql-core.
  Only `analytics_salesAndTraffic_2024_04_24 { salesAndTrafficByDate / salesAndTrafficByAsin }` is
  served, and `analytics_economics_2024_03_15 { economics }` aggregated by DAY and MSKU
  (`simulator.economics`: consistent with Orders, Finances and Ads; its lines come in no particular
  order, and a SKU-day with only an ad or only a refund is a line too); an unknown dataset, field or argument, a bad date or a foreign marketplace is a 400
  `InvalidInput`, so a query the simulator accepts names fields the official schema declares
  (the conformance test checks the product's query text against the schema itself).
- A query stays IN_QUEUE for a quarter of `data_kiosk_processing_s`, then IN_PROGRESS; then DONE, or
  FATAL (probability `data_kiosk_fatal_rate`, decided from the seed and the query id) with an
  `errorDocumentId` whose document holds `{"errorMessage": ...}`.
- DONE with no data (every day outside the world's history) carries no `dataDocumentId`.
- The document is JSONL, one record per line, the records of each selected list in order: a line
  holds the fields the query selected (a by-ASIN record is told apart by its `parentAsin`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, SelectionSetNode, parse
from graphql.language import ListValueNode, ObjectValueNode, StringValueNode, ValueNode

from sellerflow.marketplaces import marketplace
from sellerflow_dev.simulator.economics import SimEconomics
from sellerflow_dev.simulator.faults import SimConfig
from sellerflow_dev.simulator.ledger import SimAsinTraffic, SimDayTraffic
from sellerflow_dev.simulator.orders_api import ApiError, QueryParams, invalid
from sellerflow_dev.simulator.world import SimWorld

DATA_KIOSK_PATH = "/dataKiosk/2023-11-15"
DK_DOCUMENTS_PATH = "/_sim/datakiosk-documents/"
SALES_AND_TRAFFIC_DATASET = "analytics_salesAndTraffic_2024_04_24"
ECONOMICS_DATASET = "analytics_economics_2024_03_15"
ECONOMICS_AGGREGATION = {"date": "DAY", "productId": "MSKU"}  # the one the simulator serves
MAX_QUERY_CHARS = 8000
MAX_HISTORY = timedelta(days=2 * 366)
DATE_GRANULARITIES = frozenset({"DAY"})  # WEEK and MONTH exist at Amazon; the simulator serves days
ASIN_GRANULARITIES = frozenset({"CHILD"})  # PARENT and SKU exist at Amazon; the simulator serves CHILD


def _digest(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class _ListRequest:
    name: str  # salesAndTrafficByDate | salesAndTrafficByAsin
    start: date
    end: date
    marketplace_ids: tuple[str, ...]
    selection: SelectionSetNode


@dataclass
class SimQuery:
    query_id: str
    seller_id: str
    text: str
    created: datetime
    created_at: float
    processing_s: float
    outcome: str  # DONE | FATAL
    data_document_id: str | None = None
    error_document_id: str | None = None
    cancelled: bool = False

    def status(self, now: float) -> str:
        if self.cancelled:
            return "CANCELLED"
        elapsed = now - self.created_at
        if elapsed >= self.processing_s:
            return self.outcome
        return "IN_QUEUE" if elapsed < self.processing_s / 4 else "IN_PROGRESS"

    def render(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        body: dict[str, Any] = {
            "queryId": self.query_id,
            "query": self.text,
            "createdTime": _iso(self.created),
            "processingStatus": status,
        }
        if status not in {"IN_QUEUE", "CANCELLED"}:
            body["processingStartTime"] = _iso(self.created + timedelta(seconds=self.processing_s / 4))
        if status in {"DONE", "FATAL"}:
            body["processingEndTime"] = _iso(self.created + timedelta(seconds=self.processing_s))
            if status == "DONE" and self.data_document_id:
                body["dataDocumentId"] = self.data_document_id
            if status == "FATAL" and self.error_document_id:
                body["errorDocumentId"] = self.error_document_id
        return body


@dataclass(frozen=True)
class _Url:
    seller_id: str
    content: bytes
    expires_at: float


@dataclass(frozen=True)
class DkDownload:
    status: int
    body: bytes
    content_type: str


@dataclass
class DataKioskService:
    world: SimWorld
    config: Callable[[], SimConfig]
    clock: Callable[[], float] = time.monotonic
    _queries: dict[tuple[str, str], SimQuery] = field(default_factory=dict)
    _documents: dict[tuple[str, str], bytes] = field(default_factory=dict)
    _urls: dict[str, _Url] = field(default_factory=dict)
    _counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- createQuery ------------------------------------------------------------------------------
    def create_query(self, seller_id: str, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        text = body.get("query")
        if not isinstance(text, str) or not text.strip():
            raise invalid("query must be a non-empty GraphQL string.")
        if len("".join(text.split())) > MAX_QUERY_CHARS:
            raise invalid(f"The query is longer than {MAX_QUERY_CHARS} characters without whitespace.")
        if "paginationToken" in body:
            raise invalid("The simulator never paginates a query's results.")
        requests = self._requests(seller_id, text, now)
        config = self.config()
        with self._lock:
            self._counter += 1
            query_id = str(
                910_000_000_000 + self._counter * 7919 + _digest(self.world.seed, self._counter) % 1000
            )
        fatal = (
            _digest(self.world.seed, "dk-fatal", query_id) % 10_000 < config.data_kiosk_fatal_rate * 10_000
        )
        query = SimQuery(
            query_id=query_id,
            seller_id=seller_id,
            text=text,
            created=now,
            created_at=self.clock(),
            processing_s=config.data_kiosk_processing_s,
            outcome="FATAL" if fatal else "DONE",
        )
        if fatal:
            query.error_document_id = f"amzn1.tortuga.4.na.error.{query_id}"
            content = json.dumps({"errorMessage": "The query could not be processed. Please try again."})
            self._store(seller_id, query.error_document_id, content.encode())
        else:
            lines = [line for request in requests for line in self._records(seller_id, request)]
            if lines:
                query.data_document_id = f"amzn1.tortuga.4.na.data.{query_id}"
                self._store(
                    seller_id, query.data_document_id, "".join(f"{line}\n" for line in lines).encode()
                )
        with self._lock:
            self._queries[(seller_id, query_id)] = query
        return {"queryId": query_id}

    def _store(self, seller_id: str, document_id: str, content: bytes) -> None:
        with self._lock:
            self._documents[(seller_id, document_id)] = content

    def _requests(self, seller_id: str, text: str, now: datetime) -> list[_ListRequest]:
        try:
            document = parse(text)
        except GraphQLError as error:
            raise invalid(f"The query is not valid GraphQL: {error.message}") from None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or len(document.definitions) != 1 or operations[0].operation.value != "query":
            raise invalid("The document must hold exactly one query operation (no fragments).")
        roots = _fields(operations[0].selection_set)
        datasets = {SALES_AND_TRAFFIC_DATASET, ECONOMICS_DATASET}
        if len(roots) != 1 or roots[0].name.value not in datasets:
            names = [root.name.value for root in roots]
            raise invalid(f"The simulator serves one dataset per query, of {sorted(datasets)}; got {names}.")
        lists = _fields(roots[0].selection_set)
        if not lists:
            raise invalid(f"{roots[0].name.value} needs a selection.")
        seller = self.world.seller(seller_id)
        if roots[0].name.value == ECONOMICS_DATASET:
            return [self._economics_request(node, seller.marketplace_ids, now) for node in lists]
        return [self._list_request(node, seller.marketplace_ids, now) for node in lists]

    def _economics_request(self, node: FieldNode, participating: list[str], now: datetime) -> _ListRequest:
        if node.name.value != "economics" or node.alias is not None:
            raise invalid(f"Field {node.name.value!r} is not served on {ECONOMICS_DATASET} (only economics).")
        args = {arg.name.value: arg.value for arg in node.arguments or ()}
        required, allowed = {"startDate", "endDate", "marketplaceIds"}, {"aggregateBy"}
        if required - set(args) or set(args) - required - allowed:
            raise invalid(
                f"economics: missing arguments {sorted(required - set(args))}, "
                f"unknown arguments {sorted(set(args) - required - allowed)}."
            )
        aggregation = dict(ECONOMICS_AGGREGATION)
        aggregate = args.get("aggregateBy")
        if aggregate is not None:
            if not isinstance(aggregate, ObjectValueNode):
                raise invalid("economics: aggregateBy must be an EconomicsAggregation object.")
            aggregation |= {f.name.value: str(getattr(f.value, "value", "")) for f in aggregate.fields}
        if aggregation != ECONOMICS_AGGREGATION:
            raise invalid(
                f"economics: aggregateBy {aggregation} is not served (only {ECONOMICS_AGGREGATION})."
            )
        start, end, ids = self._range("economics", args, participating, now)
        if node.selection_set is None:
            raise invalid("economics needs a selection of fields.")
        return _ListRequest("economics", start, end, ids, node.selection_set)

    def _list_request(self, node: FieldNode, participating: list[str], now: datetime) -> _ListRequest:
        name = node.name.value
        if node.alias is not None:
            raise invalid("The simulator does not serve aliased fields.")
        granularities = {
            "salesAndTrafficByDate": DATE_GRANULARITIES,
            "salesAndTrafficByAsin": ASIN_GRANULARITIES,
        }
        if name not in granularities:
            raise invalid(f"Field {name!r} is not served on {SALES_AND_TRAFFIC_DATASET}.")
        args = {arg.name.value: arg.value for arg in node.arguments or ()}
        missing = {"startDate", "endDate", "marketplaceIds", "aggregateBy"} - set(args)
        extra = set(args) - {"startDate", "endDate", "marketplaceIds", "aggregateBy"}
        if missing or extra:
            raise invalid(f"{name}: missing arguments {sorted(missing)}, unknown arguments {sorted(extra)}.")
        aggregate = getattr(args["aggregateBy"], "value", None)
        if aggregate not in granularities[name]:
            raise invalid(
                f"{name}: aggregateBy {aggregate!r} is not served (the simulator serves {sorted(granularities[name])})."
            )
        start, end, ids = self._range(name, args, participating, now)
        if node.selection_set is None:
            raise invalid(f"{name} needs a selection of fields.")
        return _ListRequest(name, start, end, ids, node.selection_set)

    def _range(
        self,
        name: str,
        args: Mapping[str, ValueNode],
        participating: list[str],
        now: datetime,
    ) -> tuple[date, date, tuple[str, ...]]:
        """The checked startDate, endDate and marketplaceIds of a list field."""
        start, end = _date_arg(args["startDate"], "startDate"), _date_arg(args["endDate"], "endDate")
        if start > end:
            raise invalid(f"{name}: startDate is after endDate.")
        if start < (now - MAX_HISTORY).date():
            raise invalid(f"{name}: startDate must be no more than two years ago.")
        ids_node = args["marketplaceIds"]
        if not isinstance(ids_node, ListValueNode) or not all(
            isinstance(v, StringValueNode) for v in ids_node.values
        ):
            raise invalid(f"{name}: marketplaceIds must be a list of strings.")
        ids = tuple(v.value for v in ids_node.values if isinstance(v, StringValueNode))
        foreign = [m for m in ids if m not in participating]
        if not ids or foreign:
            raise invalid(f"{name}: the seller does not participate in marketplaces {foreign or ids}.")
        return start, end, ids

    def _records(self, seller_id: str, request: _ListRequest) -> Iterator[str]:
        if request.name == "economics":
            yield from self._economics_records(seller_id, request)
            return
        for marketplace_id in request.marketplace_ids:
            day = request.start
            while day <= request.end:
                traffic = self.world.traffic(seller_id, marketplace_id, day)
                day += timedelta(days=1)
                if traffic is None:
                    continue
                if request.name == "salesAndTrafficByDate":
                    values = [_by_date(traffic)]
                else:
                    values = [_by_asin(traffic, asin) for asin in traffic.by_asin]
                for value in values:
                    yield json.dumps(_project(value, request.selection, request.name), separators=(",", ":"))

    def _economics_records(self, seller_id: str, request: _ListRequest) -> Iterator[str]:
        for marketplace_id in request.marketplace_ids:
            decimals = marketplace(marketplace_id).currency_decimals
            currency = marketplace(marketplace_id).currency
            rows = self.world.economics(seller_id, marketplace_id, request.start, request.end)
            # Amazon promises no order of the lines: shuffled, deterministically per seed
            rows.sort(key=lambda r: _digest(self.world.seed, "dk-econ", r.marketplace_id, r.sku, r.day))
            for row in rows:
                value = _economics(row, currency, decimals)
                yield json.dumps(_project(value, request.selection, "economics"), separators=(",", ":"))

    # --- getQuery / getQueries / cancelQuery --------------------------------------------------------
    def _query(self, seller_id: str, query_id: str) -> SimQuery:
        with self._lock:
            query = self._queries.get((seller_id, query_id))
        if query is None:
            raise ApiError(404, "NotFound", f"Query {query_id} was not found.")
        return query

    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]:
        return self._query(seller_id, query_id).render(self.clock())

    def get_queries(self, seller_id: str, params: QueryParams) -> dict[str, Any]:
        statuses = set(",".join(params.get("processingStatuses", [])).split(",")) - {""}
        now = self.clock()
        with self._lock:
            mine = [q for (owner, _), q in self._queries.items() if owner == seller_id]
        rendered = [q.render(now) for q in sorted(mine, key=lambda q: q.created_at, reverse=True)]
        return {"queries": [q for q in rendered if not statuses or q["processingStatus"] in statuses][:10]}

    def cancel_query(self, seller_id: str, query_id: str) -> None:
        query = self._query(seller_id, query_id)
        if query.status(self.clock()) != "IN_QUEUE":
            raise invalid(f"Query {query_id} is no longer IN_QUEUE and cannot be cancelled.")
        query.cancelled = True

    # --- getDocument and the pre-signed URL ---------------------------------------------------------
    def get_document(self, seller_id: str, document_id: str, base_url: str) -> dict[str, Any]:
        with self._lock:
            content = self._documents.get((seller_id, document_id))
        if content is None:
            raise ApiError(404, "NotFound", f"Document {document_id} was not found.")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._urls[token] = _Url(seller_id, content, self.clock() + self.config().document_url_ttl_s)
        return {"documentId": document_id, "documentUrl": f"{base_url}{DK_DOCUMENTS_PATH}{token}"}

    def download(self, token: str) -> DkDownload:
        with self._lock:
            url = self._urls.get(token)
        if url is None or self.clock() >= url.expires_at:
            body = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
            return DkDownload(403, body, "application/xml")
        return DkDownload(200, url.content, "application/x-ndjson; charset=UTF-8")


def _fields(selection: SelectionSetNode | None) -> list[FieldNode]:
    if selection is None:
        return []
    nodes = list(selection.selections)
    if not all(isinstance(node, FieldNode) for node in nodes):
        raise invalid("The simulator does not serve fragments.")
    return [node for node in nodes if isinstance(node, FieldNode)]


def _date_arg(node: ValueNode, name: str) -> date:
    if not isinstance(node, StringValueNode):
        raise invalid(f"{name} must be a Date string (YYYY-MM-DD).")
    try:
        return date.fromisoformat(node.value)
    except ValueError:
        raise invalid(f"{name} {node.value!r} is not a Date (YYYY-MM-DD).") from None


def _project(value: Mapping[str, Any], selection: SelectionSetNode, path: str) -> dict[str, Any]:
    """Only the selected fields, as GraphQL answers; an unknown field is the client's error."""
    out: dict[str, Any] = {}
    for node in _fields(selection):
        name = node.name.value
        if name not in value:
            raise invalid(f"Field {path}.{name} is not served by the simulator.")
        inner = value[name]
        if node.selection_set is not None:
            if isinstance(inner, list):  # a list of objects: each projected
                out[name] = [_project(one, node.selection_set, f"{path}.{name}") for one in inner]
                continue
            if not isinstance(inner, Mapping):
                raise invalid(f"Field {path}.{name} has no sub-fields.")
            out[name] = _project(inner, node.selection_set, f"{path}.{name}")
        elif isinstance(inner, Mapping):
            raise invalid(f"Field {path}.{name} needs a selection of sub-fields.")
        else:
            out[name] = inner
    return out


def _money(amount: Decimal, currency: str, decimals: int) -> dict[str, Any]:
    return {"amount": float(round(amount, decimals)), "currencyCode": currency}


def _ratio(part: int | Decimal, whole: int | Decimal) -> float:
    return round(float(part) / float(whole) * 100, 2) if whole else 0.0


def _by_date(day: SimDayTraffic) -> dict[str, Any]:
    decimals = marketplace(day.marketplace_id).currency_decimals
    units, items, sales = day.units_ordered, day.total_order_items, day.ordered_product_sales
    return {
        "startDate": day.day.isoformat(),
        "endDate": day.day.isoformat(),
        "marketplaceId": day.marketplace_id,
        "sales": {
            "orderedProductSales": _money(sales, day.currency, decimals),
            "unitsOrdered": units,
            "totalOrderItems": items,
            "unitsRefunded": day.units_refunded,
            "refundRate": _ratio(day.units_refunded, units),
            "unitsShipped": day.units_shipped,
            "ordersShipped": day.orders_shipped,
            "shippedProductSales": _money(day.shipped_product_sales, day.currency, decimals),
        },
        "traffic": {
            "sessions": day.sessions,
            "browserSessions": day.browser_sessions,
            "mobileAppSessions": day.sessions - day.browser_sessions,
            "pageViews": day.page_views,
            "browserPageViews": day.browser_page_views,
            "mobileAppPageViews": day.page_views - day.browser_page_views,
            "buyBoxPercentage": float(day.buy_box_percentage),
            "unitSessionPercentage": _ratio(units, day.sessions),
        },
    }


def _by_asin(day: SimDayTraffic, asin: SimAsinTraffic) -> dict[str, Any]:
    decimals = marketplace(day.marketplace_id).currency_decimals
    return {
        "startDate": day.day.isoformat(),
        "endDate": day.day.isoformat(),
        "marketplaceId": day.marketplace_id,
        "parentAsin": asin.parent_asin,
        "childAsin": asin.child_asin,
        "sku": asin.sku,
        "sales": {
            "orderedProductSales": _money(asin.ordered_product_sales, day.currency, decimals),
            "unitsOrdered": asin.units_ordered,
            "totalOrderItems": asin.total_order_items,
        },
        "traffic": {
            "sessions": asin.sessions,
            "browserSessions": asin.browser_sessions,
            "mobileAppSessions": asin.sessions - asin.browser_sessions,
            "pageViews": asin.page_views,
            "browserPageViews": asin.browser_page_views,
            "mobileAppPageViews": asin.page_views - asin.browser_page_views,
            "buyBoxPercentage": float(asin.buy_box_percentage),
            "unitSessionPercentage": _ratio(asin.units_ordered, asin.sessions),
        },
    }


def _economics(row: SimEconomics, currency: str, decimals: int) -> dict[str, Any]:
    day = row.day.isoformat()
    return {
        "startDate": day,
        "endDate": day,
        "marketplaceId": row.marketplace_id,
        "msku": row.sku,
        "childAsin": row.asin,
        "parentAsin": row.asin,
        "sales": {
            "orderedProductSales": _money(row.sales, currency, decimals),
            "netProductSales": _money(row.sales - row.refunds, currency, decimals),
            "unitsOrdered": row.units,
        },
        "fees": [
            {
                "feeTypeName": kind,
                "charges": [{"aggregatedDetail": {"totalAmount": _money(amount, currency, decimals)}}],
            }
            for kind, amount in sorted(row.fees_by_type.items())
        ],
        "ads": [
            {
                "adTypeName": "SPONSORED_PRODUCTS",
                "charge": {"totalAmount": _money(row.ads, currency, decimals)},
            }
        ]
        if row.ads
        else [],
        "netProceeds": {"total": _money(row.net_proceeds, currency, decimals)},
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
