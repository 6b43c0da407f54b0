"""Amazon Ads API (Sponsored Products) as the simulator serves it: profiles and v3 reporting.

Ground truth: per seller x marketplace one advertising profile and 2-4 campaigns with daily
impressions, clicks and cost. Attributed sales (7d/14d) and purchases are a share of that
marketplace-day's ordered sales and orders of the world (`SimWorld.expected_daily_rollups`),
rounded down per campaign, so their sum never exceeds the day's total sales.

Three regional hosts, as at Amazon: NA (advertising-api.amazon.com), EU (advertising-api-eu) and
FE (advertising-api-fe). The simulator serves them on one port under a path prefix per region
(`REGION_PREFIXES`: NA at the root, EU under /eu, FE under /fe; LWA's token endpoint and authorize
page likewise), so each region is its own base URL. A host lists only its region's profiles, answers
a profile of another region 401 (as an advertiser the token cannot reach), and accepts only access
tokens of a grant given in its region (LWA of another region: 401).

Endpoints (`SimServer` routes them here after checking the LWA token's advertising scope and region):

    GET  /v2/profiles                      one profile per marketplace of the seller in the host's region
    POST /reporting/reports                createReport (v3: spCampaigns, or spAdvertisedProduct: the
                                           campaigns' spend per ad and advertised SKU); a duplicate
                                           of a pending report -> 425
    GET  /reporting/reports/{reportId}     PENDING | PROCESSING | COMPLETED (url, urlExpiresAt) | FAILED
    GET  /_sim/ads-reports/<token>         the report's pre-signed URL: a gzipped JSON array of rows

Reports stay PENDING for the first quarter of their processing time, then PROCESSING, then
COMPLETED. `SimConfig.ads_hold_pending` keeps every report created while it is set PENDING until it
is cleared (the client's polling cap and resume); `ads_report_outcome` can force FAILED.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from sellerflow.facts import split_exactly
from sellerflow.marketplaces import marketplace
from sellerflow_dev.simulator.faults import SimConfig
from sellerflow_dev.simulator.ratelimit import TokenBucket

ADS_SCOPE = "advertising::campaign_management"
PROFILES_PATH = "/v2/profiles"
REPORTS_PATH = "/reporting/reports"
ADS_DOCUMENTS_PATH = "/_sim/ads-reports/"
CREATE_CONTENT_TYPE = "application/vnd.createasyncreportrequest.v3+json"
REPORT_TYPE = "spCampaigns"
PRODUCTS_REPORT_TYPE = "spAdvertisedProduct"
AD_PRODUCT = "SPONSORED_PRODUCTS"
KNOWN_COLUMNS = frozenset(
    {
        "date",
        "campaignId",
        "campaignName",
        "campaignStatus",
        "impressions",
        "clicks",
        "cost",
        "purchases7d",
        "purchases14d",
        "sales7d",
        "sales14d",
        "unitsSoldClicks14d",
    }
)
PRODUCT_COLUMNS = frozenset(
    {
        "date",
        "campaignId",
        "campaignName",
        "adGroupId",
        "adId",
        "advertisedSku",
        "advertisedAsin",
        "impressions",
        "clicks",
        "cost",
        "purchases14d",
        "sales14d",
    }
)
# report type -> (its groupBy, the columns it knows)
REPORT_TYPES: dict[str, tuple[list[str], frozenset[str]]] = {
    REPORT_TYPE: (["campaign"], KNOWN_COLUMNS),
    PRODUCTS_REPORT_TYPE: (["advertiser"], PRODUCT_COLUMNS),
}
MAX_DAYS_PER_REPORT = 31
RETENTION_DAYS = 95  # Amazon keeps Sponsored Products report data this long
# (rate per second, burst) per operation; the Ads API publishes none, but throttles with 429 + Retry-After.
ADS_PLANS: dict[str, tuple[float, int]] = {
    "adsListProfiles": (1.0, 5),
    "adsCreateReport": (0.1, 6),
    "adsGetReport": (2.0, 20),
}
ADS_REGIONS = ("NA", "EU", "FE")
REGION_PREFIXES = {"NA": "", "EU": "/eu", "FE": "/fe"}
# The Ads API's country codes (the United Kingdom is "UK") and the host that serves each.
_ADS_COUNTRY = {"GB": "UK"}
_REGION_OF_COUNTRY = {
    **dict.fromkeys(("US", "CA", "MX", "BR"), "NA"),
    **dict.fromkeys(
        ("UK", "DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE", "TR", "AE", "SA", "EG", "IN"), "EU"
    ),
    **dict.fromkeys(("JP", "AU", "SG"), "FE"),
}
_CAMPAIGN_KINDS = ("Auto", "Exact", "Broad", "Phrase", "Brand Defense", "Competitor")
_CPC = {"USD": (0.35, 1.6), "CAD": (0.4, 1.7), "EUR": (0.3, 1.4), "GBP": (0.3, 1.3), "JPY": (40, 180)}


class AdsApiError(Exception):
    """An Ads API error: v3 bodies are ``{"code", "detail"}``."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail}


def ads_country(marketplace_id: str) -> str:
    code = marketplace(marketplace_id).country_code
    return _ADS_COUNTRY.get(code, code)


def region_of(marketplace_id: str) -> str:
    """The Ads region whose host serves the marketplace's profiles."""
    return _REGION_OF_COUNTRY[ads_country(marketplace_id)]


def regional_path(path: str) -> tuple[str, str]:
    """(region, path on that region's host) of a request path: /eu/v2/profiles -> ("EU", "/v2/profiles")."""
    for region, prefix in REGION_PREFIXES.items():
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return region, path[len(prefix) :] or "/"
    return "NA", path


@dataclass(frozen=True)
class AdProfile:
    profile_id: int
    seller_id: str
    marketplace_id: str
    name: str

    def render(self) -> dict[str, Any]:
        market = marketplace(self.marketplace_id)
        return {
            "profileId": self.profile_id,
            "countryCode": ads_country(self.marketplace_id),
            "currencyCode": market.currency,
            "dailyBudget": 999999999,
            "timezone": market.tz.key,
            "accountInfo": {
                "marketplaceStringId": self.marketplace_id,
                "id": self.seller_id,
                "type": "seller",
                "name": self.name,
                "validPaymentMethod": True,
            },
        }


@dataclass(frozen=True)
class AdCampaign:
    campaign_id: str
    name: str
    marketplace_id: str


@dataclass(frozen=True)
class AdDay:
    """Ground truth of one campaign on one marketplace-local day (money in the marketplace's currency)."""

    campaign_id: str
    campaign_name: str
    marketplace_id: str
    day: date
    impressions: int
    clicks: int
    cost: Decimal
    purchases_7d: int
    purchases_14d: int
    sales_7d: Decimal
    sales_14d: Decimal

    def row(self, columns: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "date": self.day.isoformat(),
            "campaignId": int(self.campaign_id),
            "campaignName": self.campaign_name,
            "campaignStatus": "ENABLED",
            "impressions": self.impressions,
            "clicks": self.clicks,
            "cost": self.cost,
            "purchases7d": self.purchases_7d,
            "purchases14d": self.purchases_14d,
            "sales7d": self.sales_7d,
            "sales14d": self.sales_14d,
            "unitsSoldClicks14d": self.purchases_14d,
        }
        return {name: values[name] for name in columns}

    def product_rows(self, columns: list[str]) -> list[dict[str, Any]]:
        """The day's spAdvertisedProduct rows: the campaign's spend over its ads, to the cent (they
        sum to the campaign's row). The ad of the SKU its name advertises comes first; on some days
        a second ad names only its ASIN (no advertisedSku: its spend is attributable to no SKU)."""
        rng = _rng("ads-products", self.campaign_id, self.day.isoformat())
        named = self.campaign_name.rsplit(" - ", 1)[-1]
        ads: list[tuple[str | None, str]] = [(None if named == "catalogue" else named, _asin_of(named))]
        if rng.random() < 0.3:
            ads.append((None, _asin_of(f"{self.campaign_id}-asin-only")))
        weights = [Decimal(rng.randint(1, 9)) for _ in ads]
        places = marketplace(self.marketplace_id).currency_decimals
        costs = split_exactly(self.cost, weights, places)
        sales = split_exactly(self.sales_14d, weights, places)
        rows = []
        for index, ((sku, asin), cost, sales_14d) in enumerate(zip(ads, costs, sales, strict=True)):
            values: dict[str, Any] = {
                "date": self.day.isoformat(),
                "campaignId": int(self.campaign_id),
                "campaignName": self.campaign_name,
                "adGroupId": int(self.campaign_id) + 1,
                "adId": int(self.campaign_id) * 10 + index,
                "advertisedSku": sku,
                "advertisedAsin": asin,
                "impressions": self.impressions if index == 0 else 0,
                "clicks": self.clicks if index == 0 else 0,
                "cost": cost,
                "purchases14d": self.purchases_14d if index == 0 else 0,
                "sales14d": sales_14d,
            }
            rows.append({name: values[name] for name in columns})
        return rows


def _asin_of(text: str) -> str:
    return "B0" + f"{random.Random(text).randrange(36**8):08X}"[:8]


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(part) for part in parts))


def profile_for(seed: int, seller_id: str, seller_name: str, marketplace_id: str) -> AdProfile:
    rng = _rng(seed, "ads-profile", seller_id, marketplace_id)
    return AdProfile(rng.randint(10**14, 10**15 - 1), seller_id, marketplace_id, seller_name)


def campaigns_for(seed: int, seller_id: str, marketplace_id: str, skus: list[str]) -> list[AdCampaign]:
    rng = _rng(seed, "ads-campaigns", seller_id, marketplace_id)
    kinds = rng.sample(_CAMPAIGN_KINDS, k=rng.randint(2, 4))
    return [
        AdCampaign(
            campaign_id=str(rng.randint(10**14, 10**15 - 1)),
            name=f"SP - {kind} - {rng.choice(skus) if skus else 'catalogue'}",
            marketplace_id=marketplace_id,
        )
        for kind in kinds
    ]


def ad_days(
    seed: int,
    seller_id: str,
    campaigns: list[AdCampaign],
    day: date,
    *,
    total_sales: Decimal,
    orders: int,
) -> list[AdDay]:
    """The campaigns' figures of one day; Σ sales14d ≤ total_sales and Σ purchases14d ≤ orders."""
    if not campaigns:
        return []
    market = marketplace(campaigns[0].marketplace_id)
    places = Decimal(1).scaleb(-market.currency_decimals)
    rng = _rng(seed, "ads-day", seller_id, market.marketplace_id, day.isoformat())
    share = Decimal(str(round(rng.uniform(0.15, 0.55), 4)))
    attributed = (total_sales * share).quantize(places, rounding=ROUND_DOWN)
    attributed_orders = int(orders * share)
    weights = [rng.uniform(0.2, 1.0) for _ in campaigns]
    total_weight = sum(weights)
    low, high = _CPC.get(market.currency, (0.3, 1.5))
    rows: list[AdDay] = []
    for campaign, weight in zip(campaigns, weights, strict=True):
        part = Decimal(str(round(weight / total_weight, 6)))
        sales_14d = (attributed * part).quantize(places, rounding=ROUND_DOWN)
        sales_7d = (sales_14d * Decimal(str(round(rng.uniform(0.7, 1.0), 4)))).quantize(
            places, rounding=ROUND_DOWN
        )
        purchases_14d = int(attributed_orders * weight / total_weight)
        purchases_7d = min(purchases_14d, int(purchases_14d * rng.uniform(0.7, 1.0) + 0.5))
        # Spend follows what the campaign sells at a believable ACOS (15-35 %), plus at most a click
        # that never converts, so a seller's ACOS reads 15-35 % and TACOS a few to ~15 %.
        cpc = Decimal(str(round(rng.uniform(low, high), 2)))
        target = sales_14d * Decimal(str(round(rng.uniform(0.15, 0.33), 4)))
        clicks = int(target / cpc) + rng.randint(0, 1)
        impressions = max(clicks, int(clicks / rng.uniform(0.002, 0.02))) if clicks else rng.randint(40, 400)
        cost = (cpc * clicks).quantize(places, rounding=ROUND_HALF_UP)
        rows.append(
            AdDay(
                campaign_id=campaign.campaign_id,
                campaign_name=campaign.name,
                marketplace_id=campaign.marketplace_id,
                day=day,
                impressions=impressions,
                clicks=clicks,
                cost=cost,
                purchases_7d=purchases_7d,
                purchases_14d=purchases_14d,
                sales_7d=sales_7d,
                sales_14d=sales_14d,
            )
        )
    return rows


# --- the service ------------------------------------------------------------------------------------
@dataclass
class AdsReport:
    report_id: str
    seller_id: str
    profile_id: int
    name: str
    start: date
    end: date
    configuration: dict[str, Any]
    created: datetime
    created_at: float  # service clock
    processing_s: float
    outcome: str  # COMPLETED | FAILED
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)
    held: bool = False

    def status(self, now: float, hold: bool) -> str:
        if self.held and hold:
            return "PENDING"
        elapsed = now - self.created_at
        if elapsed >= self.processing_s:
            return self.outcome
        return "PENDING" if elapsed < self.processing_s / 4 else "PROCESSING"


@dataclass(frozen=True)
class AdsDownload:
    status: int
    body: bytes
    headers: dict[str, str]
    content_type: str


GroundTruth = Callable[[str, str, date, date], list[AdDay]]


class AdsService:
    """Profiles and v3 reports of every seller; `truth(seller, marketplace, first, last)` gives rows."""

    def __init__(
        self,
        profiles: Callable[[str], list[AdProfile]],
        truth: GroundTruth,
        config: Callable[[], SimConfig],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._profiles = profiles
        self._truth = truth
        self._config = config
        self.clock = clock
        self._reports: dict[str, AdsReport] = {}
        self._urls: dict[str, tuple[str, float]] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()
        self.created: dict[str, int] = {}  # seller -> reports created (425 duplicates excluded)

    # --- throttling -----------------------------------------------------------------------------
    def admit(self, seller_id: str, operation: str) -> None:
        """Take a token of the seller's bucket for `operation`, or raise 429 with Retry-After."""
        config = self._config()
        rate, burst = ADS_PLANS[operation]
        with self._lock:
            bucket = self._buckets.get((seller_id, operation))
            if bucket is None or bucket.rate_per_s != rate * config.rate_scale:
                bucket = TokenBucket(rate * config.rate_scale, config.burst_override or burst, self.clock)
                self._buckets[(seller_id, operation)] = bucket
            if bucket.try_take():
                return
            wait = bucket.seconds_until_token()
        raise throttled(wait)

    # --- operations -----------------------------------------------------------------------------
    def list_profiles(self, seller_id: str, region: str = "NA") -> list[dict[str, Any]]:
        """The seller's profiles this region's host serves (another region's are not listed here)."""
        return [p.render() for p in self._profiles(seller_id) if region_of(p.marketplace_id) == region]

    def profile(self, seller_id: str, scope: str | None, region: str = "NA") -> AdProfile:
        """The profile named by Amazon-Advertising-API-Scope; it must be one of the token's seller and
        live on this region's host (a profile of another region answers 401, as at Amazon)."""
        if not scope:
            raise AdsApiError(400, "400", "Amazon-Advertising-API-Scope header is missing.")
        for profile in self._profiles(seller_id):
            if str(profile.profile_id) == scope.strip() and region_of(profile.marketplace_id) == region:
                return profile
        raise AdsApiError(401, "UNAUTHORIZED", "Not authorized to access this advertiser.")

    def create_report(
        self, seller_id: str, profile: AdProfile, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        start, end, configuration = _validate(body, profile, now)
        key = json.dumps(
            [profile.profile_id, start.isoformat(), end.isoformat(), configuration], sort_keys=True
        )
        config = self._config()
        with self._lock:
            for report in self._reports.values():
                same = json.dumps(
                    [
                        report.profile_id,
                        report.start.isoformat(),
                        report.end.isoformat(),
                        report.configuration,
                    ],
                    sort_keys=True,
                )
                if same == key and report.status(self.clock(), config.ads_hold_pending) in {
                    "PENDING",
                    "PROCESSING",
                }:
                    raise AdsApiError(425, "425", f"The Request is a duplicate of : {report.report_id}")
        processing = (
            config.ads_report_processing_s
            if config.ads_report_processing_s is not None
            else config.report_processing_s
        )
        columns = list(configuration["columns"])
        truth = self._truth(seller_id, profile.marketplace_id, start, end)
        if configuration["reportTypeId"] == PRODUCTS_REPORT_TYPE:
            rows = [row for day in truth for row in day.product_rows(columns)]
        else:
            rows = [day.row(columns) for day in truth]
        report = AdsReport(
            report_id=str(uuid.uuid4()),
            seller_id=seller_id,
            profile_id=profile.profile_id,
            name=str(body.get("name") or "SP campaigns"),
            start=start,
            end=end,
            configuration=configuration,
            created=now,
            created_at=self.clock(),
            processing_s=processing,
            outcome=config.ads_report_outcome or "COMPLETED",
            rows=rows,
            held=config.ads_hold_pending,
        )
        with self._lock:
            self._reports[report.report_id] = report
            self.created[seller_id] = self.created.get(seller_id, 0) + 1
        return self._render(report, "", now)

    def get_report(
        self, seller_id: str, profile: AdProfile, report_id: str, base_url: str, now: datetime
    ) -> dict[str, Any]:
        with self._lock:
            report = self._reports.get(report_id)
        if report is None or report.seller_id != seller_id or report.profile_id != profile.profile_id:
            raise AdsApiError(404, "404", f"Report {report_id} was not found.")
        return self._render(report, base_url, now)

    def _render(self, report: AdsReport, base_url: str, now: datetime) -> dict[str, Any]:
        config = self._config()
        status = report.status(self.clock(), config.ads_hold_pending)
        body: dict[str, Any] = {
            "reportId": report.report_id,
            "name": report.name,
            "status": status,
            "startDate": report.start.isoformat(),
            "endDate": report.end.isoformat(),
            "configuration": report.configuration,
            "createdAt": _iso(report.created),
            "updatedAt": _iso(now),
            "generatedAt": None,
            "fileSize": None,
            "url": None,
            "urlExpiresAt": None,
            "failureReason": None,
        }
        if status == "FAILED":
            body["failureReason"] = "Report generation failed."
        if status == "COMPLETED" and base_url:
            token = secrets.token_urlsafe(24)
            ttl = config.ads_url_ttl_s
            with self._lock:
                self._urls[token] = (report.report_id, self.clock() + ttl)
            body["generatedAt"] = _iso(report.created)
            body["fileSize"] = len(_document(report))
            body["url"] = f"{base_url}{ADS_DOCUMENTS_PATH}{token}"
            body["urlExpiresAt"] = _iso(now + timedelta(seconds=ttl))
        return body

    def download(self, token: str) -> AdsDownload:
        with self._lock:
            issued = self._urls.get(token)
            report = self._reports.get(issued[0]) if issued else None
        if issued is None or report is None:
            return _s3_denied("Access Denied")
        if self.clock() >= issued[1]:
            return _s3_denied("Request has expired")
        data = _document(report)
        if self._config().truncate_documents:
            data = data[: len(data) // 2]
        return AdsDownload(200, data, {}, "application/octet-stream")

    def created_count(self, seller_id: str) -> int:
        with self._lock:
            return self.created.get(seller_id, 0)


def throttled(wait_s: float) -> AdsApiError:
    retry_after = max(1, math.ceil(wait_s)) if math.isfinite(wait_s) else 60
    return AdsApiError(429, "429", "Too Many Requests", {"Retry-After": str(retry_after)})


def _document(report: AdsReport) -> bytes:
    text = json.dumps(report.rows, default=_json_number, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def _json_number(value: object) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _s3_denied(message: str) -> AdsDownload:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>{message}</Message></Error>'
    return AdsDownload(403, body.encode(), {}, "application/xml")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _validate(body: dict[str, Any], profile: AdProfile, now: datetime) -> tuple[date, date, dict[str, Any]]:
    try:
        start = date.fromisoformat(str(body["startDate"]))
        end = date.fromisoformat(str(body["endDate"]))
    except (KeyError, ValueError):
        raise AdsApiError(400, "400", "startDate and endDate must be dates (YYYY-MM-DD).") from None
    configuration = body.get("configuration")
    if not isinstance(configuration, dict):
        raise AdsApiError(400, "400", "configuration is required.")
    report_type = configuration.get("reportTypeId")
    if configuration.get("adProduct") != AD_PRODUCT or report_type not in REPORT_TYPES:
        raise AdsApiError(
            400, "400", "Only SPONSORED_PRODUCTS spCampaigns and spAdvertisedProduct reports are simulated."
        )
    group_by, known = REPORT_TYPES[report_type]
    if configuration.get("groupBy") != group_by:
        raise AdsApiError(400, "400", f"groupBy must be {json.dumps(group_by)} for {report_type}.")
    if configuration.get("timeUnit") != "DAILY" or configuration.get("format") != "GZIP_JSON":
        raise AdsApiError(400, "400", "timeUnit must be DAILY and format GZIP_JSON.")
    columns = configuration.get("columns")
    if not isinstance(columns, list) or not columns or any(c not in known for c in columns):
        raise AdsApiError(400, "400", f"columns must be a non-empty list of {sorted(known)}.")
    today = now.astimezone(marketplace(profile.marketplace_id).tz).date()
    if end < start or (end - start).days + 1 > MAX_DAYS_PER_REPORT:
        raise AdsApiError(400, "400", f"The date range must be 1 to {MAX_DAYS_PER_REPORT} days.")
    if start < today - timedelta(days=RETENTION_DAYS) or end > today:
        raise AdsApiError(400, "400", f"Dates must lie within the last {RETENTION_DAYS} days.")
    return start, end, configuration
