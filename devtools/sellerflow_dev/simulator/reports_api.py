"""Reports API 2021-06-30 (createReport, getReport, getReports, getReportDocument) over a `SimWorld`.

A created report moves IN_QUEUE -> IN_PROGRESS -> its final status on the service's clock: the
first quarter of `SimConfig.report_processing_s` in the queue, the rest in progress. The final
status is DONE, or CANCELLED when the requested window holds no data (Amazon's "no data"), or
whatever `SimConfig.report_outcomes` forces for the report type. The document is built from the
world when the report is created (a snapshot, as at Amazon).

Settlement reports are never requested (createReport answers 400): one exists per closed 14-day
settlement of each marketplace, created by "Amazon" two hours after the period ends, and
getReports lists them. Since 2026-11-11 the only settlement report is
`GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`; asking for (or listing) the removed flat-file V1 or XML
settlement reports answers 400 InvalidInput, as Amazon does for a removed report type.

getReportDocument hands out a URL on the simulator itself (``/_sim/documents/<token>``), valid for
`SimConfig.document_url_ttl_s` seconds (Amazon: 5 minutes); afterwards it answers 403 with S3's
XML ``AccessDenied`` / ``Request has expired`` body. All Orders, settlement and sales & traffic
documents are gzipped (``compressionAlgorithm: GZIP``); listings and FBA inventory are plain. Flat
files are served as ``text/plain`` with their charset in Java's spelling (``charset=Cp1252``,
``windows-31j``, ``Shift_JIS``, ``UTF-8``; see `documents.content_type`), All Orders without one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerflow.marketplaces import marketplace
from sellerflow_dev.simulator import documents
from sellerflow_dev.simulator.faults import RandomFaults, SimConfig
from sellerflow_dev.simulator.ledger import SimSettlement
from sellerflow_dev.simulator.orders_api import ApiError, QueryParams, invalid
from sellerflow_dev.simulator.world import SimWorld

ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REMOVED_REPORT_TYPES = frozenset(
    {"GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "GET_V2_SETTLEMENT_REPORT_DATA_XML"}
)
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
FBA_INVENTORY = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
SALES_AND_TRAFFIC = "GET_SALES_AND_TRAFFIC_REPORT"
REPORT_TYPES = frozenset({ALL_ORDERS, SETTLEMENT, LISTINGS, FBA_INVENTORY, SALES_AND_TRAFFIC})
GZIPPED = frozenset({ALL_ORDERS, SETTLEMENT, SALES_AND_TRAFFIC})
PROCESSING_STATUSES = frozenset({"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"})
DEFAULT_WINDOW = timedelta(days=30)
RETENTION = timedelta(days=90)
DOCUMENTS_PATH = "/_sim/documents/"
_TOKEN_VERSION = 1


def iso_offset(moment: datetime) -> str:
    """How the Reports API writes times: ``2026-11-01T07:00:00+00:00``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _parse_time(name: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise invalid(f"{name} must be an ISO 8601 date-time string, got {value!r}.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid(f"{name} must be an ISO 8601 date-time, got {value!r}.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _digest(*parts: object) -> int:
    return int(hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest(), 16)


def _document_id(region: str, *parts: object) -> str:
    value = f"{_digest('document', *parts):064x}"
    uuid = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:32]}"
    suffix = "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[int(c, 16) % 36] for c in value[32:46])
    return f"amzn1.spdoc.1.4.{region}.{uuid}.T{suffix}.{_digest('n', *parts) % 9000 + 1000}"


@dataclass
class SimReport:
    report_id: str
    seller_id: str
    report_type: str
    marketplace_ids: list[str]
    data_start: datetime
    data_end: datetime
    created: datetime  # request time of createReport (the simulated or the wall clock)
    created_at: float  # the service clock at creation
    processing_s: float
    outcome: str  # the final status: DONE, CANCELLED or FATAL
    document_id: str | None = None

    def status(self, now: float) -> str:
        elapsed = now - self.created_at
        if elapsed >= self.processing_s:
            return self.outcome
        return "IN_QUEUE" if elapsed < self.processing_s / 4 else "IN_PROGRESS"

    def render(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        report: dict[str, Any] = {
            "reportId": self.report_id,
            "reportType": self.report_type,
            "dataStartTime": iso_offset(self.data_start),
            "dataEndTime": iso_offset(self.data_end),
            "marketplaceIds": list(self.marketplace_ids),
            "createdTime": iso_offset(self.created),
            "processingStatus": status,
        }
        if status != "IN_QUEUE":
            report["processingStartTime"] = iso_offset(
                self.created + timedelta(seconds=self.processing_s / 4)
            )
        if status in {"DONE", "CANCELLED", "FATAL"}:
            report["processingEndTime"] = iso_offset(self.created + timedelta(seconds=self.processing_s))
            if status == "DONE" and self.document_id is not None:
                report["reportDocumentId"] = self.document_id
        return report


@dataclass(frozen=True)
class SimDocument:
    document_id: str
    seller_id: str
    report_type: str
    content: bytes  # exactly what the URL serves (gzipped when `compressed`)
    compressed: bool
    content_type: str = "application/octet-stream"  # what the URL answers with (flat files: a charset)


@dataclass(frozen=True)
class _IssuedUrl:
    document: SimDocument
    issued_at: float
    expires_at: float
    issued: datetime


@dataclass(frozen=True)
class Download:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _materialize(report_type: str, chunks: Iterator[bytes]) -> tuple[bytes, bool]:
    if report_type in GZIPPED:
        return b"".join(documents.gzip_stream(chunks)), True
    return b"".join(chunks), False


class ReportService:
    """The reports and documents of every seller of one simulator."""

    def __init__(
        self,
        world: SimWorld,
        config: Callable[[], SimConfig],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self._config = config
        self.clock = clock
        self._reports: dict[str, SimReport] = {}
        self._documents: dict[str, SimDocument] = {}
        self._urls: dict[str, _IssuedUrl] = {}
        self._expired_once: set[str] = set()  # document ids whose first URL was issued expired
        self._transfer_faults = RandomFaults(world.seed, "documents")
        self._counter = 0
        self._lock = threading.Lock()

    # --- createReport ---------------------------------------------------------------------------
    def create_report(self, seller_id: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        """createReport: a `CreateReportResponse` (the caller answers 202)."""
        report_type = _requested_report_type(body)
        marketplace_ids = body.get("marketplaceIds")
        if (
            not isinstance(marketplace_ids, list)
            or not 1 <= len(marketplace_ids) <= 25
            or not all(isinstance(m, str) for m in marketplace_ids)
        ):
            raise invalid("marketplaceIds must be a list of 1 to 25 marketplace ids.")
        seller = self.world.seller(seller_id)
        foreign = [m for m in marketplace_ids if m not in seller.marketplace_ids]
        if foreign:
            raise invalid(f"The seller does not participate in marketplaces {foreign}.")
        options = body.get("reportOptions") or {}
        if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
            raise invalid("reportOptions must be an object of string values.")
        end = min(_parse_time("dataEndTime", body["dataEndTime"]), now) if "dataEndTime" in body else now
        start = (
            _parse_time("dataStartTime", body["dataStartTime"])
            if "dataStartTime" in body
            else end - DEFAULT_WINDOW
        )
        if start > end:
            raise invalid("dataStartTime must be before dataEndTime.")
        if report_type == SALES_AND_TRAFFIC:
            _check_sales_and_traffic(marketplace_ids, options)
        config = self._config()
        with self._lock:
            self._counter += 1
            report_id = str(
                380_000_000_000 + self._counter * 1009 + _digest(self.world.seed, self._counter) % 1000
            )
        forced = config.report_outcomes.get(report_type)
        report = SimReport(
            report_id=report_id,
            seller_id=seller_id,
            report_type=report_type,
            marketplace_ids=list(marketplace_ids),
            data_start=start,
            data_end=end,
            created=now,
            created_at=self.clock(),
            processing_s=config.report_processing_s,
            outcome=forced or "DONE",
        )
        if report.outcome == "DONE":
            content = self._build(report, options)
            if content is None:
                report.outcome = "CANCELLED"
            else:
                region = marketplace(marketplace_ids[0]).region
                document_id = _document_id(region, self.world.seed, seller_id, report_id)
                data, compressed = content
                served_as = _served_as(report_type, marketplace_ids[0])
                with self._lock:
                    self._documents[document_id] = SimDocument(
                        document_id, seller_id, report_type, data, compressed, served_as
                    )
                report.document_id = document_id
        with self._lock:
            self._reports[report_id] = report
        return {"reportId": report_id}

    def _build(self, report: SimReport, options: dict[str, str]) -> tuple[bytes, bool] | None:
        """The document's bytes, or None when the window holds no data (the report is CANCELLED)."""
        world, seller_id = self.world, report.seller_id
        first = report.marketplace_ids[0]
        if report.report_type == ALL_ORDERS:
            wanted = set(report.marketplace_ids)
            orders = [
                order
                for order in world.all_order_states(seller_id)
                if order.marketplace_id in wanted and report.data_start <= order.created <= report.data_end
            ]
            if not orders:
                return None
            return _materialize(ALL_ORDERS, documents.all_orders_report(orders, first))
        if report.report_type == LISTINGS:
            listings = [listing for listing in world.listings(seller_id) if listing.marketplace_id == first]
            if not listings:
                return None
            return _materialize(LISTINGS, documents.listings_report(listings, first))
        if report.report_type == FBA_INVENTORY:
            inventory = [row for row in world.inventory(seller_id) if row.marketplace_id == first]
            if not inventory:
                return None
            return _materialize(FBA_INVENTORY, documents.inventory_report(inventory, first))
        # sales and traffic: the marketplace's local days from start to end, inclusive
        tz = marketplace(first).tz
        start, end = report.data_start.astimezone(tz).date(), report.data_end.astimezone(tz).date()
        days = []
        day = start
        while day <= end:
            traffic = world.traffic(seller_id, first, day)
            if traffic is not None:
                days.append(traffic)
            day += timedelta(days=1)
        if not days:
            return None
        offers = sum(
            1
            for listing in world.listings(seller_id)
            if listing.marketplace_id == first and listing.status == "Active"
        )
        value = documents.sales_and_traffic_document(days, first, start, end, offers)
        value["reportSpecification"]["reportOptions"] = {
            "dateGranularity": "DAY",
            "asinGranularity": options.get("asinGranularity", "CHILD"),
        }
        _apply_asin_granularity(value, options.get("asinGranularity", "CHILD"), days)
        return _materialize(SALES_AND_TRAFFIC, documents.json_document(value))

    # --- settlement reports -----------------------------------------------------------------------
    def _settlement_reports(
        self, seller_id: str, now: datetime
    ) -> dict[str, tuple[SimReport, SimSettlement]]:
        reports: dict[str, tuple[SimReport, SimSettlement]] = {}
        for settlement in self.world.settlements(seller_id):
            created = settlement.report_created
            if created > now:
                continue
            region = marketplace(settlement.marketplace_id).region
            report = SimReport(
                report_id=str(
                    200_000_000_000 + _digest("settlement-report", settlement.settlement_id) % 10**11
                ),
                seller_id=seller_id,
                report_type=SETTLEMENT,
                marketplace_ids=[settlement.marketplace_id],
                data_start=settlement.start,
                data_end=settlement.end,
                created=created,
                created_at=float("-inf"),
                processing_s=0.0,
                outcome="DONE",
                document_id=_document_id(region, self.world.seed, seller_id, settlement.settlement_id),
            )
            reports[report.report_id] = (report, settlement)
        return reports

    def _settlement_document(self, seller_id: str, document_id: str, now: datetime) -> SimDocument | None:
        for report, settlement in self._settlement_reports(seller_id, now).values():
            if report.document_id == document_id:
                data, compressed = _materialize(SETTLEMENT, documents.settlement_report(settlement))
                served_as = _served_as(SETTLEMENT, settlement.marketplace_id)
                return SimDocument(document_id, seller_id, SETTLEMENT, data, compressed, served_as)
        return None

    # --- getReport / getReports ------------------------------------------------------------------
    def finished_reports(self) -> list[SimReport]:
        """Every requested report that reached its final status (REPORT_PROCESSING_FINISHED)."""
        now = self.clock()
        with self._lock:
            return [r for r in self._reports.values() if r.status(now) in {"DONE", "CANCELLED", "FATAL"}]

    def get_report(self, seller_id: str, report_id: str, now: datetime) -> dict[str, Any]:
        with self._lock:
            report = self._reports.get(report_id)
        if report is not None and report.seller_id == seller_id:
            return report.render(self.clock())
        settlement = self._settlement_reports(seller_id, now).get(report_id)
        if settlement is not None:
            return settlement[0].render(self.clock())
        raise ApiError(404, "NotFound", f"Report {report_id} was not found.")

    def get_reports(self, seller_id: str, params: QueryParams, now: datetime) -> dict[str, Any]:
        """getReports: newest first, keyset-paged; a nextToken carries every filter and must come alone."""
        token = _single(params, "nextToken")
        if token is not None:
            if set(params) - {"nextToken"}:
                raise invalid("nextToken must be the only parameter when it is provided.")
            filters, last_key = _decode_token(token, seller_id)
        else:
            filters = _parse_filters(params, now)
            last_key = None
        clock = self.clock()
        candidates = [report for report, _ in self._settlement_reports(seller_id, now).values()]
        with self._lock:
            candidates += [r for r in self._reports.values() if r.seller_id == seller_id]
        since = datetime.fromisoformat(filters["since"])
        until = datetime.fromisoformat(filters["until"])
        statuses = set(filters["statuses"])
        markets = set(filters["marketplaces"])
        matching = [
            report
            for report in candidates
            if report.report_type in filters["types"]
            and since <= report.created <= until
            and (not statuses or report.status(clock) in statuses)
            and (not markets or markets & set(report.marketplace_ids))
        ]
        matching.sort(key=_newest_first)
        if last_key is not None:
            matching = [report for report in matching if _newest_first(report) > last_key]
        page = matching[: filters["size"]]
        response: dict[str, Any] = {"reports": [report.render(clock) for report in page]}
        if len(matching) > len(page):
            response["nextToken"] = _encode_token(seller_id, filters, _newest_first(page[-1]))
        return response

    # --- documents ---------------------------------------------------------------------------------
    def get_report_document(
        self, seller_id: str, document_id: str, base_url: str, now: datetime
    ) -> dict[str, Any]:
        with self._lock:
            document = self._documents.get(document_id)
        if document is not None and document.seller_id != seller_id:
            document = None
        if document is None:
            document = self._settlement_document(seller_id, document_id, now)
        if document is None:
            raise ApiError(404, "NotFound", f"Report document {document_id} was not found.")
        token = secrets.token_urlsafe(24)
        issued_at = self.clock()
        ttl = self._config().document_url_ttl_s
        with self._lock:
            if self._config().expire_first_document_urls and document_id not in self._expired_once:
                self._expired_once.add(document_id)
                ttl = 0.0  # already expired when the client first uses it
            self._urls[token] = _IssuedUrl(document, issued_at, issued_at + ttl, datetime.now(UTC))
        body: dict[str, Any] = {"reportDocumentId": document_id, "url": f"{base_url}{DOCUMENTS_PATH}{token}"}
        if document.compressed:
            body["compressionAlgorithm"] = "GZIP"
        return body

    def download(self, token: str) -> Download:
        """What the pre-signed URL serves: the document, or S3's 403 once it has expired."""
        with self._lock:
            issued = self._urls.get(token)
        if issued is None:
            return _s3_error("AccessDenied", "Access Denied")
        if self.clock() >= issued.expires_at:
            ttl = int(issued.expires_at - issued.issued_at)
            expires = issued.issued + timedelta(seconds=issued.expires_at - issued.issued_at)
            return _s3_error(
                "AccessDenied",
                "Request has expired",
                f"<X-Amz-Expires>{ttl}</X-Amz-Expires>"
                f"<Expires>{expires.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expires>"
                f"<ServerTime>{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</ServerTime>",
            )
        content = issued.document.content
        if self._config().truncate_documents:
            content = content[: max(1, len(content) // 2)]
        content = self._transfer_faults.damaged(content, self._config().document_fault_rate)
        return Download(200, content, issued.document.content_type)


def _served_as(report_type: str, marketplace_id: str) -> str:
    if report_type == SALES_AND_TRAFFIC:
        return "application/json"
    return documents.content_type(report_type, marketplace_id)


def _apply_asin_granularity(value: dict[str, Any], granularity: str, days: list[Any]) -> None:
    if granularity == "CHILD":
        return
    skus = {asin.child_asin: asin.sku for day in days for asin in day.by_asin}
    for entry in value["salesAndTrafficByAsin"]:
        if granularity == "SKU":
            entry["sku"] = skus.get(entry["childAsin"], "")
        else:
            entry.pop("childAsin", None)


def _s3_error(code: str, message: str, extra: str = "") -> Download:
    request_id = secrets.token_hex(8).upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>{extra}"
        f"<RequestId>{request_id}</RequestId><HostId>{secrets.token_urlsafe(32)}</HostId></Error>"
    )
    return Download(403, body.encode(), "application/xml")


def _newest_first(report: SimReport) -> tuple[float, str]:
    return (-report.created.timestamp(), report.report_id)


def _single(params: QueryParams, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise invalid(f"{name} may only be given once.")
    return values[0]


def _list(params: QueryParams, name: str) -> list[str]:
    return [part.strip() for value in params.get(name, ()) for part in value.split(",") if part.strip()]


def _parse_filters(params: QueryParams, now: datetime) -> dict[str, Any]:
    types = _list(params, "reportTypes")
    if not types:
        raise invalid("Either reportTypes or nextToken must be provided.")
    if len(types) > 10:
        raise invalid(f"reportTypes accepts at most 10 values, got {len(types)}.")
    removed = sorted(set(types) & REMOVED_REPORT_TYPES)
    if removed:
        raise invalid(_removed(removed[0]))
    statuses = _list(params, "processingStatuses")
    unknown = sorted(set(statuses) - PROCESSING_STATUSES)
    if unknown:
        raise invalid(f"processingStatuses contains invalid values {unknown}.")
    markets = _list(params, "marketplaceIds")
    if len(markets) > 10:
        raise invalid(f"marketplaceIds accepts at most 10 values, got {len(markets)}.")
    raw_size = _single(params, "pageSize")
    try:
        size = 10 if raw_size is None else int(raw_size)
    except ValueError:
        raise invalid(f"pageSize must be an integer between 1 and 100, got {raw_size!r}.") from None
    if not 1 <= size <= 100:
        raise invalid(f"pageSize must be between 1 and 100, got {size}.")
    since_raw, until_raw = _single(params, "createdSince"), _single(params, "createdUntil")
    since = _parse_time("createdSince", since_raw) if since_raw is not None else now - RETENTION
    until = _parse_time("createdUntil", until_raw) if until_raw is not None else now
    return {
        "types": sorted(set(types)),
        "statuses": sorted(set(statuses)),
        "marketplaces": sorted(set(markets)),
        "size": size,
        "since": since.isoformat(),
        "until": until.isoformat(),
    }


def _encode_token(seller_id: str, filters: dict[str, Any], last_key: tuple[float, str]) -> str:
    payload = {
        "v": _TOKEN_VERSION,
        "s": hashlib.sha256(seller_id.encode()).hexdigest()[:16],
        "f": filters,
        "k": last_key,
    }
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str, seller_id: str) -> tuple[dict[str, Any], tuple[float, str]]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if payload["v"] != _TOKEN_VERSION:
            raise ValueError("version")
        if payload["s"] != hashlib.sha256(seller_id.encode()).hexdigest()[:16]:
            raise ValueError("seller")
        key = payload["k"]
        return dict(payload["f"]), (float(key[0]), str(key[1]))
    except (binascii.Error, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
        raise invalid("nextToken is not a valid token for this seller.") from None


def _requested_report_type(body: dict[str, Any]) -> str:
    report_type = body.get("reportType")
    if not isinstance(report_type, str) or not report_type:
        raise invalid("reportType is required.")
    if report_type in REMOVED_REPORT_TYPES:
        raise invalid(_removed(report_type))
    if report_type == SETTLEMENT:
        raise invalid(
            f"Report type {SETTLEMENT} cannot be requested: settlement reports are created by Amazon "
            "on the settlement schedule; list them with getReports."
        )
    if report_type not in REPORT_TYPES:
        raise invalid(f"Invalid reportType {report_type}; the simulator serves {sorted(REPORT_TYPES)}.")
    return report_type


def _removed(report_type: str) -> str:
    return f"Report type {report_type} is no longer supported; use {SETTLEMENT} for settlement data."


def _check_sales_and_traffic(marketplace_ids: list[str], options: dict[str, str]) -> None:
    if len(marketplace_ids) != 1:
        raise invalid(f"{SALES_AND_TRAFFIC} takes exactly one marketplace id per report.")
    if options.get("dateGranularity", "DAY") != "DAY":
        raise invalid("The simulator only serves dateGranularity DAY.")
    if options.get("asinGranularity", "CHILD") not in {"PARENT", "CHILD", "SKU"}:
        raise invalid("asinGranularity must be PARENT, CHILD or SKU.")
