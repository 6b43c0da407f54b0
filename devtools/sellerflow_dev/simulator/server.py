"""The simulator's HTTP face: LWA, the SP-API operations and the `/_sim/` control endpoints.

Operations: Orders 2026-01-01 (searchOrders, getOrder), Reports 2021-06-30 (createReport,
getReports, getReport, getReportDocument), Finances 2024-06-19 (listTransactions), FBA
inventory v1 (getInventorySummaries), Solicitations v1 (review requests:
`sellerflow_dev.simulator.solicitations_api`) and Notifications v1 (destinations, subscriptions; the
notifications themselves are delivered into SQS: `sellerflow_dev.simulator.notifications_api`).

`SimServer.dispatch` turns a `Request` into a `Response` without touching a socket (unit tests
call it directly); `SimServer.start` puts it behind a stdlib `ThreadingHTTPServer` on a daemon
thread.

An API call goes: access token -> usage-plan bucket (429) -> fault injection (500/503, delay)
-> the operation. `stats(seller_id)["calls"]` counts every authenticated call, throttled and
faulted ones included. `x-amzn-RateLimit-Limit` reports the rate actually applied (the plan's
rate times `rate_scale`).

`/_sim/` endpoints need no token but only answer clients on the loopback interface, except
`/_sim/documents/<token>`: the report documents' pre-signed URLs, which answer anyone who holds
one until it expires (as S3 does).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import ValidationError

from sellerflow_dev.simulator.ads_api import (
    ADS_DOCUMENTS_PATH,
    ADS_REGIONS,
    ADS_SCOPE,
    REGION_PREFIXES,
    AdsApiError,
    AdsService,
    regional_path,
    throttled,
)
from sellerflow_dev.simulator.bedrock_api import BedrockStandIn
from sellerflow_dev.simulator.consent import CONSENT_PATH, ConsentPage
from sellerflow_dev.simulator.data_kiosk_api import DK_DOCUMENTS_PATH, DataKioskService
from sellerflow_dev.simulator.faults import FaultInjector, RandomFaults, SimConfig, fault_error
from sellerflow_dev.simulator.finances_api import (
    get_inventory_summaries,
    list_transactions,
    render_transaction,
)
from sellerflow_dev.simulator.fx import PATH_PREFIX as FX_PATH_PREFIX
from sellerflow_dev.simulator.fx import ecb_file
from sellerflow_dev.simulator.lwa import AuthFailure, LwaService
from sellerflow_dev.simulator.lwa_authorize import AUTHORIZE_PATH, AdsAuthorizePage
from sellerflow_dev.simulator.mfn_api import MerchantFulfillmentService
from sellerflow_dev.simulator.notifications_api import (
    APPLICATION,
    NOTIFICATIONS_PREFIX,
    NOTIFICATIONS_SCOPE,
    NotificationService,
)
from sellerflow_dev.simulator.notifications_api import route as notifications_route
from sellerflow_dev.simulator.orders_api import (
    ApiError,
    QueryParams,
    get_order,
    parse_search_query,
    search_orders,
)
from sellerflow_dev.simulator.ratelimit import AppWideLimiter, RateLimiter
from sellerflow_dev.simulator.reports_api import DOCUMENTS_PATH, ReportService
from sellerflow_dev.simulator.sellers_api import marketplace_participations
from sellerflow_dev.simulator.shipping_api import ShippingService
from sellerflow_dev.simulator.solicitations_api import SolicitationService
from sellerflow_dev.simulator.stripe_api import StripeStandIn
from sellerflow_dev.simulator.tokens_api import RestrictedDataTokens
from sellerflow_dev.simulator.twilio_api import TwilioStandIn
from sellerflow_dev.simulator.world import SimWorld

ORDERS_PATH = "/orders/2026-01-01/orders"
REPORTS_PATH = "/reports/2021-06-30"
TRANSACTIONS_PATH = "/finances/2024-06-19/transactions"
INVENTORY_PATH = "/fba/inventory/v1/summaries"
LWA_PATH = "/auth/o2/token"
# (method, path pattern, operation); an "id" group is the resource id of the path.
_API_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"^/orders/2026-01-01/orders$"), "searchOrders"),
    ("GET", re.compile(r"^/orders/2026-01-01/orders/(?P<id>[^/]+)$"), "getOrder"),
    ("POST", re.compile(r"^/reports/2021-06-30/reports$"), "createReport"),
    ("GET", re.compile(r"^/reports/2021-06-30/reports$"), "getReports"),
    ("GET", re.compile(r"^/reports/2021-06-30/reports/(?P<id>[^/]+)$"), "getReport"),
    ("GET", re.compile(r"^/reports/2021-06-30/documents/(?P<id>[^/]+)$"), "getReportDocument"),
    ("GET", re.compile(r"^/finances/2024-06-19/transactions$"), "listTransactions"),
    ("GET", re.compile(r"^/fba/inventory/v1/summaries$"), "getInventorySummaries"),
    ("GET", re.compile(r"^/sellers/v1/marketplaceParticipations$"), "getMarketplaceParticipations"),
    ("POST", re.compile(r"^/tokens/2021-03-01/restrictedDataToken$"), "createRestrictedDataToken"),
    ("POST", re.compile(r"^/orders/v0/orders/(?P<id>[^/]+)/shipmentConfirmation$"), "confirmShipment"),
    ("POST", re.compile(r"^/shipping/v2/shipments/rates$"), "getRates"),
    ("POST", re.compile(r"^/shipping/v2/shipments$"), "purchaseShipment"),
    ("GET", re.compile(r"^/shipping/v2/shipments/(?P<id>[^/]+)/documents$"), "getShipmentDocuments"),
    ("PUT", re.compile(r"^/shipping/v2/shipments/(?P<id>[^/]+)/cancel$"), "cancelShipment"),
    ("GET", re.compile(r"^/shipping/v2/tracking$"), "getTracking"),
    ("POST", re.compile(r"^/mfn/v0/eligibleShippingServices$"), "getEligibleShipmentServices"),
    ("POST", re.compile(r"^/mfn/v0/shipments$"), "createShipment"),
    ("GET", re.compile(r"^/mfn/v0/shipments/(?P<id>[^/]+)$"), "getShipment"),
    ("DELETE", re.compile(r"^/mfn/v0/shipments/(?P<id>[^/]+)$"), "mfn.cancelShipment"),
    ("POST", re.compile(r"^/dataKiosk/2023-11-15/queries$"), "createQuery"),
    ("GET", re.compile(r"^/dataKiosk/2023-11-15/queries$"), "getQueries"),
    ("GET", re.compile(r"^/dataKiosk/2023-11-15/queries/(?P<id>[^/]+)$"), "getQuery"),
    ("DELETE", re.compile(r"^/dataKiosk/2023-11-15/queries/(?P<id>[^/]+)$"), "cancelQuery"),
    ("GET", re.compile(r"^/dataKiosk/2023-11-15/documents/(?P<id>[^/]+)$"), "getDocument"),
    ("GET", re.compile(r"^/solicitations/v1/orders/(?P<id>[^/]+)$"), "getSolicitationActionsForOrder"),
    (
        "POST",
        re.compile(r"^/solicitations/v1/orders/(?P<id>[^/]+)/solicitations/productReviewAndSellerFeedback$"),
        "createProductReviewAndSellerFeedbackSolicitation",
    ),
)
_SHIPPING_OPERATIONS = frozenset(
    {
        "getRates",
        "purchaseShipment",
        "getShipmentDocuments",
        "cancelShipment",
        "getTracking",
        "confirmShipment",
        "getEligibleShipmentServices",
        "createShipment",
        "getShipment",
        "mfn.cancelShipment",
    }
)
# Solicitations v1 answers in HAL (`produces: application/hal+json`).
_SOLICITATIONS_OPERATIONS = frozenset(
    {"getSolicitationActionsForOrder", "createProductReviewAndSellerFeedbackSolicitation"}
)
_HAL_JSON = "application/hal+json"
_DATA_KIOSK_OPERATIONS = frozenset({"createQuery", "getQueries", "getQuery", "cancelQuery", "getDocument"})
# Amazon Ads (another host at Amazon; the same simulator here): (method, path pattern, operation).
_ADS_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"^/v2/profiles$"), "adsListProfiles"),
    ("POST", re.compile(r"^/reporting/reports$"), "adsCreateReport"),
    ("GET", re.compile(r"^/reporting/reports/(?P<id>[^/]+)$"), "adsGetReport"),
)
_QUOTA_EXCEEDED = {
    "errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: QueryParams = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    client_host: str = "127.0.0.1"

    @classmethod
    def from_target(cls, method: str, target: str, **kwargs: Any) -> Request:
        """Build a request from a raw request target such as ``/orders/...?createdAfter=...``."""
        parts = urlsplit(target)
        return cls(method, parts.path, parse_qs(parts.query, keep_blank_values=True), **kwargs)

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            value = json.loads(self.body)
        except ValueError:
            raise ApiError(400, "InvalidInput", "The request body is not valid JSON.") from None
        if not isinstance(value, dict):
            raise ApiError(400, "InvalidInput", "The request body must be a JSON object.")
        return value

    def form(self) -> dict[str, str]:
        if self.headers.get("content-type", "").startswith("application/json"):
            return {key: str(value) for key, value in self.json().items()}
        return {key: values[0] for key, values in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # served as is (documents, S3 errors) instead of the JSON body
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"errors": [{"code": code, "message": message}]})


@dataclass
class _SellerStats:
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    faults: int = 0


class SimServer:
    """A local stand-in for LWA and the SP-API over one `SimWorld`."""

    def __init__(
        self,
        world: SimWorld,
        config: SimConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.world = world
        self.config = config or SimConfig()
        self.host = host
        self.port = port
        self.wall_clock = wall_clock
        self.lwa = LwaService(world, token_ttl_s=self.config.token_ttl_s, clock=clock)
        self.tokens = RestrictedDataTokens(clock=clock)  # Tokens API; RDT rule of getOrder
        self.limiter = RateLimiter(
            rate_scale=self.config.rate_scale, burst_override=self.config.burst_override, clock=clock
        )
        self.faults = FaultInjector(world.seed, self.config)
        self._lwa_faults = RandomFaults(world.seed, "lwa")
        self.reports = ReportService(world, lambda: self.config, clock=clock)
        self.data_kiosk = DataKioskService(world, lambda: self.config, clock=clock)
        self.shipping = ShippingService(world, lambda: self.config, clock=clock)  # labels (Shipping v2)
        self.solicitations = SolicitationService(world)  # review requests (Solicitations v1)
        self.mfn = MerchantFulfillmentService(self.shipping)  # labels (Merchant Fulfillment v0)
        self.app_quotas = AppWideLimiter()  # per application, across sellers (GET_SALES_AND_TRAFFIC_REPORT)
        self.consent = ConsentPage(world, self.lwa.issue_code)  # Seller Central's consent page
        # LWA's /ap/oa (Amazon Ads), one page per region: a grant is given in one region.
        self.ads_authorize_pages = {
            region: AdsAuthorizePage(
                world,
                functools.partial(self.lwa.issue_ads_code, region=region),
                prefix=REGION_PREFIXES[region],
            )
            for region in ADS_REGIONS
        }
        self.ads_authorize = self.ads_authorize_pages["NA"]
        self.ads = AdsService(world.ad_profiles, world.ad_days, lambda: self.config, clock=clock)
        # Amazon Bedrock's Converse API (buyer-message drafts): records every prompt it is sent.
        self.bedrock = BedrockStandIn()
        self.twilio = TwilioStandIn(seed=world.seed)  # WhatsApp messages of the alerts (Twilio's API)
        self.stripe = StripeStandIn(seed=world.seed)  # billing (hosted deployments): Stripe's API
        # Notifications API; delivers into the destination's SQS queue (`start` runs the delivery).
        self.notifications = NotificationService(
            world, self.consent.application_id, clock=clock, wall_clock=wall_clock
        )
        self.notifications.report_source = self.reports.finished_reports
        self._stats: dict[str, _SellerStats] = {}
        self._stats_lock = threading.Lock()
        self._config_lock = threading.Lock()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Bind and serve on a background daemon thread; returns once the port is known."""
        if self._httpd is not None:
            raise RuntimeError("the simulator is already running")
        self._httpd = _HttpServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self.stripe.base_url = self.url  # its hosted Checkout and portal pages
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sellerflow-sim",
            daemon=True,
        )
        self._thread.start()
        self.notifications.start()

    def stop(self) -> None:
        self.notifications.stop()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in {"", "0.0.0.0"} else self.host
        return f"http://{host}:{self.port}"

    @property
    def consent_url(self) -> str:
        """Seller Central's consent page (the website authorization workflow starts here)."""
        return f"{self.url}{CONSENT_PATH}"

    @property
    def application_id(self) -> str:
        return self.consent.application_id

    @property
    def ads_authorize_url(self) -> str:
        """Login with Amazon's authorize page of NA (an owner grants the advertising scope there)."""
        return self.ads_authorize_url_of("NA")

    def ads_authorize_url_of(self, region: str) -> str:
        """The authorize page of an Ads region (www.amazon.com, eu.account.amazon.com, apac...)."""
        return f"{self.url}{REGION_PREFIXES[region]}{AUTHORIZE_PATH}"

    def ads_endpoint(self, region: str) -> str:
        """The Ads API host of a region (advertising-api[-eu|-fe].amazon.com at Amazon)."""
        return f"{self.url}{REGION_PREFIXES[region]}"

    def ads_lwa_endpoint(self, region: str) -> str:
        """The LWA token endpoint of a region (api.amazon.com, api.amazon.co.uk, api.amazon.co.jp)."""
        return f"{self.url}{REGION_PREFIXES[region]}{LWA_PATH}"

    @property
    def lwa_endpoint(self) -> str:
        return f"{self.url}{LWA_PATH}"

    @property
    def api_endpoint(self) -> str:
        return self.url

    def startup_line(self) -> dict[str, Any]:
        """What `sellerflow sim` prints first: where to connect and with which credentials."""
        return {
            "lwa_endpoint": self.lwa_endpoint,
            "api_endpoint": self.api_endpoint,
            "client_id": self.world.client_id,
            "client_secret": self.world.client_secret,
            "application_id": self.application_id,
            "consent_url": self.consent_url,
            "ads_authorize_url": self.ads_authorize_url,
            "sellers": self._seller_lines(),
        }

    def _seller_lines(self) -> list[dict[str, Any]]:
        with self.world.lock:
            return [
                {
                    "seller_id": seller.seller_id,
                    "refresh_token": seller.refresh_token,
                    "ads_refresh_token": seller.ads_refresh_token,
                    "ads_refresh_tokens": dict(seller.ads_refresh_tokens),  # per Ads region
                    "marketplace_ids": list(seller.marketplace_ids),
                }
                for seller in self.world.sellers
            ]

    # --- configuration and stats --------------------------------------------------------------
    def update_config(self, updates: dict[str, Any]) -> SimConfig:
        """Merge `updates` into the config and apply it to every component."""
        with self._config_lock:
            self.config = self.config.merged(updates)
            self.lwa.token_ttl_s = self.config.token_ttl_s
            self.limiter.reconfigure(
                rate_scale=self.config.rate_scale, burst_override=self.config.burst_override
            )
            self.faults.reconfigure(self.config)
            return self.config

    def stats(self, seller_id: str) -> dict[str, Any]:
        with self._stats_lock:
            stats = self._stats.get(seller_id, _SellerStats())
            return {"calls": dict(stats.calls), "throttled": dict(stats.throttled), "faults": stats.faults}

    def _seller_stats(self, seller_id: str) -> _SellerStats:
        return self._stats.setdefault(seller_id, _SellerStats())

    def request_time(self) -> datetime:
        """The time a request is judged at: the simulated clock, or the real one when it is later."""
        return max(self.world.now, self.wall_clock()).replace(microsecond=0)

    # --- dispatch -----------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        region, path = regional_path(request.path)
        if region != "NA":
            return self._regional(replace(request, path=path), region)
        try:
            for handles, handler in self._routes():
                if handles(request.path):
                    return handler(request)
            return _error(404, "NotFound", f"No resource at {request.path}.")
        except ApiError as error:
            return Response(error.status, error.body())

    def _routes(self) -> list[tuple[Callable[[str], bool], Callable[[Request], Response]]]:
        """The NA hosts' resources, first match wins (documents before the APIs whose paths they share)."""
        return [
            (lambda path: path == LWA_PATH, self._lwa),
            (self.twilio.handles, self._twilio),
            (self.bedrock.handles, self._bedrock),
            (self.stripe.handles, self._stripe),
            (lambda path: path == CONSENT_PATH, self._consent),
            (lambda path: path == AUTHORIZE_PATH, self._ads_authorize),
            (lambda path: path.startswith(DOCUMENTS_PATH), self._document),
            (lambda path: path.startswith(ADS_DOCUMENTS_PATH), self._ads_document),
            (lambda path: path.startswith(DK_DOCUMENTS_PATH), self._dk_document),
            (lambda path: any(pattern.match(path) for _, pattern, _ in _ADS_ROUTES), self._ads),
            (lambda path: path == "/_sim" or path.startswith("/_sim/"), self._control),
            (lambda path: path.startswith(FX_PATH_PREFIX), self._ecb_rates),
            (lambda path: path.startswith(NOTIFICATIONS_PREFIX), self._notifications_call),
            (lambda path: any(pattern.match(path) for _, pattern, _ in _API_ROUTES), self._api),
        ]

    def _regional(self, request: Request, region: str) -> Response:
        """A request to the EU or FE hosts: LWA's token endpoint and authorize page, and the Ads API."""
        try:
            if request.path == LWA_PATH:
                return self._lwa(request, region)
            if request.path == AUTHORIZE_PATH:
                return self._ads_authorize(request, region)
            if any(pattern.match(request.path) for _, pattern, _ in _ADS_ROUTES):
                return self._ads(request, region)
            return _error(404, "NotFound", f"No resource at {request.path} on the {region} hosts.")
        except ApiError as error:
            return Response(error.status, error.body())

    def _consent(self, request: Request) -> Response:
        """Seller Central's consent page (HTML for a browser; see `sellerflow_dev.simulator.consent`)."""
        if request.method == "GET":
            page = self.consent.show({name: values[-1] for name, values in request.query.items()})
        elif request.method == "POST":
            page = self.consent.decide(request.form())
        else:
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {CONSENT_PATH}.")
        return Response(page.status, {}, page.headers, raw=page.body, content_type="text/html; charset=utf-8")

    def _ads_authorize(self, request: Request, region: str = "NA") -> Response:
        """Login with Amazon's authorize page (see `sellerflow_dev.simulator.lwa_authorize`)."""
        authorize = self.ads_authorize_pages[region]
        if request.method == "GET":
            page = authorize.show({name: values[-1] for name, values in request.query.items()})
        elif request.method == "POST":
            page = authorize.decide(request.form())
        else:
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {AUTHORIZE_PATH}.")
        return Response(page.status, {}, page.headers, raw=page.body, content_type="text/html; charset=utf-8")

    def _ecb_rates(self, request: Request) -> Response:
        """The ECB's reference rates files, from the recorded table (`sellerflow_dev.simulator.fx`)."""
        body = ecb_file(request.path.removeprefix(FX_PATH_PREFIX), self.world.now.date())
        if request.method != "GET" or body is None:
            return _error(404, "NotFound", f"No resource at {request.path}.")
        return Response(200, {}, raw=body, content_type="text/xml")

    def _twilio(self, request: Request) -> Response:
        reply = self.twilio.dispatch(
            request.method, request.path, request.headers, request.body, _is_loopback(request.client_host)
        )
        return Response(reply.status, reply.body)

    def _bedrock(self, request: Request) -> Response:
        if request.method != "POST":
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}.")
        status, body = self.bedrock.converse(request.path, request.body)
        return Response(status, body)

    def _stripe(self, request: Request) -> Response:
        reply = self.stripe.dispatch(
            request.method, request.path, request.headers, request.body, _is_loopback(request.client_host)
        )
        return Response(reply.status, reply.body)

    def _lwa(self, request: Request, region: str = "NA") -> Response:
        if request.method != "POST":
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {LWA_PATH}.")
        if self._lwa_faults.strikes(self.config.lwa_fault_rate):
            return Response(
                503, {"error": "temporarily_unavailable", "error_description": "LWA is unavailable."}
            )
        result = self.lwa.token(request.form(), region)
        return Response(result.status, result.body)

    def _api(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        response = self._api_call(request)
        response.headers["x-amzn-RequestId"] = request_id
        return response

    def _api_call(self, request: Request) -> Response:
        route = next(
            (
                (operation, match)
                for method, pattern, operation in _API_ROUTES
                if method == request.method and (match := pattern.match(request.path))
            ),
            None,
        )
        if route is None:
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}.")
        operation, match = route
        try:
            token = request.headers.get("x-amz-access-token")
            seller_id = self.tokens.authenticate(self.lwa, request.method, request.path, request.query, token)
        except AuthFailure as failure:
            return Response(403, failure.body())
        with self._stats_lock:
            self._seller_stats(seller_id).calls[operation] += 1
        if not self.limiter.try_acquire(seller_id, operation):
            with self._stats_lock:
                self._seller_stats(seller_id).throttled[operation] += 1
            return Response(429, _QUOTA_EXCEEDED, {"x-amzn-RateLimit-Limit": self._rate_header(operation)})
        if operation == "createReport" and not self._app_quota_admits(request):
            with self._stats_lock:
                self._seller_stats(seller_id).throttled["createReport:app"] += 1
            return Response(429, _QUOTA_EXCEEDED)
        rate_header = {"x-amzn-RateLimit-Limit": self._rate_header(operation)}
        decision = self.faults.decide(operation)
        if decision.delay_s:
            time.sleep(decision.delay_s)
        if decision.status is not None:
            with self._stats_lock:
                self._seller_stats(seller_id).faults += 1
            return Response(decision.status, fault_error(decision.status))
        resource_id = unquote(match["id"]) if "id" in match.groupdict() else ""
        content_type = _HAL_JSON if operation in _SOLICITATIONS_OPERATIONS else "application/json"
        try:
            status, body = self._operation(operation, seller_id, resource_id, request)
        except ApiError as error:
            return Response(error.status, error.body(), rate_header, content_type=content_type)
        return Response(status, body, rate_header, content_type=content_type)

    def _app_quota_admits(self, request: Request) -> bool:
        """Application-wide createReport quotas (Amazon counts them across all of the app's sellers)."""
        if not self.config.app_quotas_enforced:
            return True
        try:
            report_type = str(request.json().get("reportType"))
        except ApiError:
            return True  # the operation itself answers a bad body with its 400
        return self.app_quotas.try_acquire(report_type, self.request_time())

    def _data_kiosk_operation(
        self, operation: str, seller_id: str, resource_id: str, request: Request
    ) -> tuple[int, dict[str, Any]]:
        if operation == "createQuery":
            return 202, self.data_kiosk.create_query(seller_id, request.json(), self.request_time())
        if operation == "getQueries":
            return 200, self.data_kiosk.get_queries(seller_id, request.query)
        if operation == "getQuery":
            return 200, self.data_kiosk.get_query(seller_id, resource_id)
        if operation == "cancelQuery":
            self.data_kiosk.cancel_query(seller_id, resource_id)
            return 204, {}
        return 200, self.data_kiosk.get_document(seller_id, resource_id, self.url)

    def _solicitations_operation(
        self, operation: str, seller_id: str, order_id: str, request: Request
    ) -> tuple[int, dict[str, Any]]:
        now = self.request_time()
        if operation == "getSolicitationActionsForOrder":
            return 200, self.solicitations.actions(seller_id, order_id, request.query, now)
        return 201, self.solicitations.create(seller_id, order_id, request.query, now)

    def _shipping_operation(
        self, operation: str, seller_id: str, resource_id: str, request: Request
    ) -> tuple[int, dict[str, Any]]:
        now = self.request_time()
        if operation == "getRates":
            return 200, self.shipping.get_rates(seller_id, request.json(), now)
        if operation == "purchaseShipment":
            key = request.headers.get("x-amzn-idempotencykey")
            return 200, self.shipping.purchase(seller_id, request.json(), key, now)
        if operation == "getShipmentDocuments":
            return 200, self.shipping.documents(seller_id, resource_id, request.query)
        if operation == "cancelShipment":
            return 200, self.shipping.cancel(seller_id, resource_id)
        if operation == "getTracking":
            return 200, self.shipping.tracking(request.query, now)
        if operation == "getEligibleShipmentServices":
            return 200, self.mfn.eligible_services(seller_id, request.json(), now)
        if operation == "createShipment":
            return 200, self.mfn.create(seller_id, request.json(), now)
        if operation == "getShipment":
            return 200, self.mfn.get(seller_id, resource_id)
        if operation == "mfn.cancelShipment":
            return 200, self.mfn.cancel(seller_id, resource_id)
        self.shipping.confirm_shipment(seller_id, resource_id, request.json(), now)
        return 204, {}

    def _dk_document(self, request: Request) -> Response:
        """A Data Kiosk document's pre-signed URL (the URL itself is the credential)."""
        if request.method != "GET":
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on documents.")
        download = self.data_kiosk.download(request.path[len(DK_DOCUMENTS_PATH) :])
        return Response(download.status, {}, {}, raw=download.body, content_type=download.content_type)

    def _operation(
        self, operation: str, seller_id: str, resource_id: str, request: Request
    ) -> tuple[int, dict[str, Any]]:
        """Run one authorized, admitted call; returns (HTTP status, body) or raises ApiError."""
        families = (
            (_DATA_KIOSK_OPERATIONS, self._data_kiosk_operation),
            (_SHIPPING_OPERATIONS, self._shipping_operation),
            (_SOLICITATIONS_OPERATIONS, self._solicitations_operation),
        )
        for family, handle in families:
            if operation in family:
                return handle(operation, seller_id, resource_id, request)
        now = self.request_time()
        if operation == "createRestrictedDataToken":
            return 200, self.tokens.create(seller_id, request.json())
        if operation == "getOrder":
            return 200, get_order(self.world, seller_id, resource_id, request.query)
        if operation == "searchOrders":
            return 200, search_orders(self.world, seller_id, parse_search_query(request.query, now), now)
        if operation == "createReport":
            return 202, self.reports.create_report(seller_id, request.json(), now)
        if operation == "getReports":
            return 200, self.reports.get_reports(seller_id, request.query, now)
        if operation == "getReport":
            return 200, self.reports.get_report(seller_id, resource_id, now)
        if operation == "getReportDocument":
            return 200, self.reports.get_report_document(seller_id, resource_id, self.url, now)
        if operation == "listTransactions":
            page_size = self.config.transactions_page_size
            return 200, list_transactions(self.world, seller_id, request.query, now, page_size)
        if operation == "getMarketplaceParticipations":
            return 200, marketplace_participations(self.world, seller_id)
        page_size = self.config.inventory_page_size
        return 200, get_inventory_summaries(self.world, seller_id, request.query, page_size)

    def _notifications_call(self, request: Request) -> Response:
        """A Notifications API call: grantless operations take the app's client_credentials token,
        the others the seller's; then the usage plan, faults and the operation."""
        matched = notifications_route(request.method, request.path)
        if matched is None:
            return _error(404, "NotFound", f"No resource at {request.path}.")
        operation, grantless, ids = matched
        token = request.headers.get("x-amz-access-token")
        try:
            caller = (
                self.lwa.authenticate(token, scope=NOTIFICATIONS_SCOPE)
                if grantless
                else self.lwa.authenticate(token)
            )
        except AuthFailure as failure:
            return Response(403, failure.body())
        caller = caller or APPLICATION
        with self._stats_lock:
            self._seller_stats(caller).calls[operation] += 1
        if not self.limiter.try_acquire(caller, operation):
            with self._stats_lock:
                self._seller_stats(caller).throttled[operation] += 1
            return Response(429, _QUOTA_EXCEEDED)
        rate_header = {"x-amzn-RateLimit-Limit": self._rate_header(operation)}
        decision = self.faults.decide(operation)
        if decision.status is not None:
            return Response(decision.status, fault_error(decision.status))
        status, body = self.notifications.call(
            operation, caller, {k: unquote(v) for k, v in ids.items()}, request.json()
        )
        return Response(status, body, rate_header)

    def _document(self, request: Request) -> Response:
        """A report document's pre-signed URL (no SP-API token: the URL itself is the credential)."""
        if request.method != "GET":
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on report documents.")
        download = self.reports.download(request.path[len(DOCUMENTS_PATH) :])
        return Response(
            download.status, {}, dict(download.headers), raw=download.body, content_type=download.content_type
        )

    # --- Amazon Ads -----------------------------------------------------------------------------
    def _ads(self, request: Request, region: str = "NA") -> Response:
        """An Ads API call on a region's host: LWA token with the advertising scope granted in that
        region, the app's client id, the profile scope header (a profile of the region), token buckets
        (429 + Retry-After), faults, then the operation."""
        try:
            return self._ads_call(request, region)
        except AdsApiError as error:
            return Response(error.status, error.body(), dict(error.headers))

    def _ads_call(self, request: Request, region: str) -> Response:
        route = next(
            (
                (operation, match)
                for method, pattern, operation in _ADS_ROUTES
                if method == request.method and (match := pattern.match(request.path))
            ),
            None,
        )
        if route is None:
            raise AdsApiError(405, "405", f"{request.method} is not allowed on {request.path}.")
        operation, match = route
        authorization = request.headers.get("authorization", "")
        token = authorization[7:] if authorization.lower().startswith("bearer ") else None
        try:
            seller_id = self.lwa.authenticate(token, scope=ADS_SCOPE, region=region)
        except AuthFailure as failure:
            raise AdsApiError(401, "UNAUTHORIZED", failure.details) from None
        if request.headers.get("amazon-advertising-api-clientid") != self.world.client_id:
            raise AdsApiError(401, "UNAUTHORIZED", "Amazon-Advertising-API-ClientId is missing or unknown.")
        with self._stats_lock:
            self._seller_stats(seller_id).calls[operation] += 1
        try:
            self.ads.admit(seller_id, operation)
        except AdsApiError:
            with self._stats_lock:
                self._seller_stats(seller_id).throttled[operation] += 1
            raise
        decision = self.faults.decide(operation)
        if decision.delay_s:
            time.sleep(decision.delay_s)
        if decision.status == 429:
            with self._stats_lock:
                self._seller_stats(seller_id).throttled[operation] += 1
            raise throttled(2.0)
        if decision.status is not None:
            with self._stats_lock:
                self._seller_stats(seller_id).faults += 1
            raise AdsApiError(decision.status, str(decision.status), "Injected failure.")
        now = self.request_time()
        if operation == "adsListProfiles":
            return Response(200, {}, raw=json.dumps(self.ads.list_profiles(seller_id, region)).encode())
        profile = self.ads.profile(seller_id, request.headers.get("amazon-advertising-api-scope"), region)
        if operation == "adsCreateReport":
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("application/vnd.createasyncreportrequest.v3+json"):
                raise AdsApiError(415, "415", f"Unsupported content type {content_type[:80]!r}.")
            try:
                body = request.json()
            except ApiError:
                raise AdsApiError(400, "400", "The request body is not a JSON object.") from None
            return Response(200, self.ads.create_report(seller_id, profile, body, now))
        report_id = unquote(match["id"])
        return Response(200, self.ads.get_report(seller_id, profile, report_id, self.url, now))

    def _ads_document(self, request: Request) -> Response:
        """An Ads report's pre-signed URL: no token, the URL is the credential (as S3)."""
        if request.method != "GET":
            return _error(405, "MethodNotAllowed", f"{request.method} is not allowed on report files.")
        download = self.ads.download(request.path[len(ADS_DOCUMENTS_PATH) :])
        return Response(
            download.status, {}, dict(download.headers), raw=download.body, content_type=download.content_type
        )

    def _rate_header(self, operation: str) -> str:
        return f"{self.limiter.plan(operation).rate_per_s * self.limiter.rate_scale:g}"

    # --- /_sim/ control endpoints ---------------------------------------------------------------
    def _control(self, request: Request) -> Response:
        if not _is_loopback(request.client_host):
            return _error(403, "Forbidden", "Simulator control endpoints only answer loopback clients.")
        parts = request.path.strip("/").split("/")[1:]
        route = (request.method, *(parts[:1]), *(["*"] if len(parts) > 1 else []), *parts[2:])
        handler = self._control_routes.get(route)
        if handler is None:
            return _error(404, "NotFound", f"No simulator control endpoint {request.method} {request.path}.")
        return handler(self, request, parts[1] if len(parts) > 1 else "")

    def _seller_or_404(self, seller_id: str) -> None:
        try:
            self.world.seller(seller_id)
        except KeyError:
            raise ApiError(404, "NotFound", f"Unknown seller {seller_id}.") from None

    def _get_config(self, _request: Request, _: str) -> Response:
        return Response(200, self.config.model_dump(mode="json"))

    def _post_config(self, request: Request, _: str) -> Response:
        try:
            config = self.update_config(request.json())
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
            raise ApiError(400, "InvalidInput", f"Invalid simulator config fields: {fields}.") from None
        return Response(200, config.model_dump(mode="json"))

    def _sellers(self, _request: Request, _: str) -> Response:
        return Response(200, {"sellers": self._seller_lines()})

    def _seller_orders(self, _request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        return Response(200, {"orders": self.world.orders(seller_id)})

    def _seller_rollups(self, _request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        rollups = self.world.expected_daily_rollups(seller_id)
        rows = [
            {
                "marketplace_id": marketplace_id,
                "date": day,
                **{name: str(value) for name, value in values.items()},
            }
            for (marketplace_id, day), values in rollups.items()
        ]
        return Response(200, {"rollups": rows})

    def _seller_transactions(self, _request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        rendered = [render_transaction(t, None) for t in self.world.transactions(seller_id)]
        return Response(200, {"transactions": rendered})

    def _seller_solicitations(self, _request: Request, seller_id: str) -> Response:
        """Every review request (Solicitations API) the simulator received for the seller."""
        self._seller_or_404(seller_id)
        sent = self.solicitations.sent(seller_id)
        return Response(
            200, {"solicitations": [{"order_id": o, "at": at.isoformat()} for o, at in sorted(sent.items())]}
        )

    def _revoke(self, _request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        self.world.revoke(seller_id)
        return Response(200, {"seller_id": seller_id, "revoked": True})

    def _stats_endpoint(self, _request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        return Response(200, self.stats(seller_id))

    def _seller_ads(self, request: Request, seller_id: str) -> Response:
        """Ads ground truth per marketplace-day, ?from=&to= (local dates; default the last 95 days)."""
        self._seller_or_404(seller_id)
        today = self.world.now.date()
        try:
            first = date.fromisoformat(
                request.query.get("from", [""])[0] or (today - timedelta(days=95)).isoformat()
            )
            last = date.fromisoformat(request.query.get("to", [""])[0] or today.isoformat())
        except ValueError:
            raise ApiError(400, "InvalidInput", "from and to must be dates (YYYY-MM-DD).") from None
        rows = [
            {"marketplace_id": marketplace_id, "date": day, **{k: str(v) for k, v in values.items()}}
            for (marketplace_id, day), values in self.world.expected_ad_rollups(
                seller_id, first, last
            ).items()
        ]
        return Response(200, {"days": rows})

    def _authorization_code(self, request: Request, _: str) -> Response:
        seller_id = str(request.json().get("seller_id", ""))
        self._seller_or_404(seller_id)
        redirect_uri = request.json().get("redirect_uri")
        code = self.lwa.issue_code(seller_id, str(redirect_uri) if redirect_uri else None)
        return Response(200, {"code": code})

    def _notification_stats(self, _request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        return Response(200, self.notifications.stats(seller_id))

    def _drop_notifications(self, request: Request, seller_id: str) -> Response:
        self._seller_or_404(seller_id)
        count = request.json().get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ApiError(400, "InvalidInput", f"count must be a positive integer, got {count!r}.")
        self.notifications.drop_next(seller_id, count)
        return Response(200, {"seller_id": seller_id, "dropping": count})

    def _advance(self, request: Request, _: str) -> Response:
        minutes = request.json().get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise ApiError(400, "InvalidInput", f"minutes must be a positive integer, got {minutes!r}.")
        return Response(200, self.world.advance(minutes, not_before=self.request_time()))

    # (method, first segment, "*" when a second segment (an id) follows, any further segments)
    _control_routes: ClassVar[dict[tuple[str, ...], Callable[[SimServer, Request, str], Response]]] = {
        ("GET", "config"): _get_config,
        ("POST", "config"): _post_config,
        ("GET", "sellers"): _sellers,
        ("GET", "sellers", "*", "orders"): _seller_orders,
        ("GET", "sellers", "*", "rollups"): _seller_rollups,
        ("GET", "sellers", "*", "transactions"): _seller_transactions,
        ("GET", "sellers", "*", "ads"): _seller_ads,
        ("GET", "sellers", "*", "solicitations"): _seller_solicitations,
        ("POST", "sellers", "*", "revoke"): _revoke,
        ("GET", "stats", "*"): _stats_endpoint,
        ("GET", "notifications", "*"): _notification_stats,
        ("POST", "notifications", "*", "drop"): _drop_notifications,
        ("POST", "authorization-codes"): _authorization_code,
        ("POST", "advance"): _advance,
    }


def _is_loopback(host: str) -> bool:
    return host == "::1" or host.startswith("127.") or host == "localhost"


# --- stdlib HTTP plumbing -----------------------------------------------------------------------
class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], sim: SimServer
    ) -> None:
        self.sim = sim
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hang up on kept-alive clients so a stopped simulator really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.sim.config.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SellerflowSim/1.0"
    timeout = 30
    server: _HttpServer

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request.from_target(
            self.command,
            self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            client_host=str(self.client_address[0]),
        )
        response = self.server.sim.dispatch(request)
        payload = response.encoded()
        self.send_response(response.status)
        self.send_header("content-type", response.content_type)
        self.send_header("content-length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.sim.config.verbose:
            sys.stderr.write(f"sim {self.address_string()} {format % args}\n")
