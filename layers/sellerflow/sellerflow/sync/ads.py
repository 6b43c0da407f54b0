"""Amazon Ads in seller-sync: which Sponsored Products reports to ask for, and how each goes.

Profiles live on three regional hosts (NA, EU, FE) and a seller's grant is given per region: the
plan lists the profiles of every region the seller sells in, on that region's host, and each job
carries its profile's region so that createReport, getReport and the download's getReport go to the
host that holds the profile. A region the seller has not granted is skipped (the others still sync);
a profile a host lists for another region's country is refused (`AdsProfilesWrongRegion`).

One job per advertising profile (= marketplace) per run, in this order of preference:

1. a report already asked for and still PENDING/PROCESSING: resumed (polled again), never re-requested;
2. the fresh window — the last `fresh_days` local days up to today — once per local day: ads data
   is restated for ~14 days as late conversions are attributed, so recent days are re-read daily;
3. the newest backfill chunk not yet ingested (fixed 31-day chunks back to `backfill_days`; Amazon
   keeps Sponsored Products report data for 95 days).

Each profile has two report kinds, planned independently (at most one job of each per run):
`spCampaigns` (campaign x day: the day's ad spend and ad sales) and `spAdvertisedProduct`
(ad x day with the advertised SKU: which SKU the spend was for; window keys `products-...`).

Step Functions runs RequestAdsReport → Wait ⇄ CheckAdsReport (capped) → DownloadAndIngestAds per job
(`seller-sync.asl.json`, AdsMap); no Lambda sleeps. The hourly Express run calls the same
functions one step per run (`sellerflow.sync.carry`). The bookkeeping is the reports' (`ReportBook`,
keys `ADSREPORT#<profileId>#<window>`). The download URL never leaves the ingesting Lambda.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sellerflow.amazon.ads import (
    AdsProfile,
    AdsRegion,
    AdsReportStatus,
    SpAdvertisedProductRequest,
    SpCampaignsRequest,
    ads_region_of_marketplace,
    ads_regions_of,
    split_by_host,
)
from sellerflow.domain import ReportState
from sellerflow.errors import AdsReportUrlExpired, CredentialsMissing
from sellerflow.facts import AdCampaignDayFact, AdProductDayFact, RowError
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.observability import logger, metrics
from sellerflow.sync.models import SELLER_ID_PATTERN
from sellerflow.sync.reports import ReportBook

ADS_REPORT_TYPE = "spCampaigns"
ADS_PRODUCTS_REPORT_TYPE = "spAdvertisedProduct"
ADS_REPORT_TYPES = (ADS_REPORT_TYPE, ADS_PRODUCTS_REPORT_TYPE)
_WINDOW_PREFIX = {ADS_REPORT_TYPE: "", ADS_PRODUCTS_REPORT_TYPE: "products-"}
ADS_KEY_PREFIX = "ADSREPORT#"
ADS_PENDING = ("PENDING", "PROCESSING")
ADS_DONE = ("INGESTED",)
CHUNK_DAYS = 31


@dataclass(frozen=True)
class AdsPolicy:
    fresh_days: int = 31
    backfill_days: int = 93
    first_poll_s: int = 15
    max_poll_s: int = 300
    max_polls: int = 20
    failed_cooldown: timedelta = timedelta(hours=6)


class _Io(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class AdsJob(_Io):
    """One Ads report as the AdsMap item (Step Functions state: no URL, no token, no PII)."""

    seller_id: str = Field(pattern=SELLER_ID_PATTERN)
    key: str
    profile_id: str = Field(pattern=r"^[0-9]{1,20}$")
    marketplace_id: str
    start: date
    end: date
    report_type: Literal["spCampaigns", "spAdvertisedProduct"] = "spCampaigns"
    region: AdsRegion  # the host that holds the profile (jobs from before regions: their marketplace's)

    @model_validator(mode="before")
    @classmethod
    def _region_of_older_jobs(cls, data: object) -> object:
        if isinstance(data, dict) and "region" not in data and "marketplace_id" in data:
            return {**data, "region": ads_region_of_marketplace(str(data["marketplace_id"]))}
        return data


class AdsProgress(_Io):
    status: Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED", "COOLDOWN", "TIMED_OUT"]
    report_id: str | None = None
    polls: int = 0
    wait_s: int = 0
    reused: bool = False


class AdsPlan(_Io):
    jobs: list[AdsJob]
    connected: bool = True
    regions: list[AdsRegion] = []  # the regions whose grant listed profiles this run


class AdsIngestOutput(_Io):
    key: str
    rows: int
    written: int
    rejected: int


class PlanAdsInput(_Io):
    seller_id: str = Field(pattern=SELLER_ID_PATTERN)


class RequestAdsInput(_Io):
    job: AdsJob


class CheckAdsInput(_Io):
    job: AdsJob
    progress: AdsProgress


class IngestAdsInput(_Io):
    job: AdsJob
    report_id: str


class AdsApi(Protocol):
    """The Ads port; every call names the region whose host it goes to."""

    def list_profiles(self, seller_id: str, region: AdsRegion) -> list[AdsProfile]: ...
    def create_report(
        self, seller_id: str, region: AdsRegion, profile_id: str, request: SpCampaignsRequest
    ) -> tuple[str, bool]: ...
    def get_report(
        self, seller_id: str, region: AdsRegion, profile_id: str, report_id: str
    ) -> AdsReportStatus: ...
    def download(self, url: str, *, chunk_size: int = ...) -> Iterator[bytes]: ...


class AdsSink(Protocol):
    def write(
        self, facts: Sequence[AdCampaignDayFact | AdProductDayFact], *, now: datetime | None = None
    ) -> int: ...


class AdsParser(Protocol):
    def __call__(
        self,
        chunks: Iterable[bytes],
        *,
        seller_id: str,
        marketplace_id: str,
        profile_id: str,
        currency: str,
        errors: list[RowError],
    ) -> Iterator[AdCampaignDayFact] | Iterator[AdProductDayFact]: ...


def ads_key(profile_id: str, window_key: str) -> str:
    return f"{ADS_KEY_PREFIX}{profile_id}#{window_key}"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _candidates(
    seller_id: str, profile: AdsProfile, now: datetime, policy: AdsPolicy, report_type: str
) -> Iterator[AdsJob]:
    market = MARKETPLACES[profile.marketplace_id]
    today = now.astimezone(market.tz).date()
    fresh_start = today - timedelta(days=policy.fresh_days - 1)
    pid = str(profile.profile_id)

    def job(window_key: str, start: date, end: date) -> AdsJob:
        return AdsJob(
            seller_id=seller_id,
            key=ads_key(pid, _WINDOW_PREFIX[report_type] + window_key),
            profile_id=pid,
            marketplace_id=profile.marketplace_id,
            start=start,
            end=end,
            region=profile.region,
            report_type=report_type,  # type: ignore[arg-type]  # one of ADS_REPORT_TYPES
        )

    yield job(f"fresh-{today.isoformat()}", fresh_start, today)
    oldest = today - timedelta(days=policy.backfill_days)
    newest = fresh_start - timedelta(days=1)
    chunk = newest.toordinal() // CHUNK_DAYS
    while True:
        start = max(oldest, date.fromordinal(chunk * CHUNK_DAYS))
        end = min(newest, date.fromordinal(chunk * CHUNK_DAYS + CHUNK_DAYS - 1))
        if end < oldest or start > end:
            return
        yield job(f"backfill-{date.fromordinal(chunk * CHUNK_DAYS).isoformat()}", start, end)
        chunk -= 1


def profiles_of_region(seller_id: str, region: AdsRegion, profiles: Sequence[AdsProfile]) -> list[AdsProfile]:
    """The profiles a region's host listed that belong to that region; any other is refused (counted,
    logged, never asked for on the wrong host)."""
    served, foreign = split_by_host(region, profiles)
    if foreign:
        metrics.add_metric(name="AdsProfilesWrongRegion", unit="Count", value=len(foreign))
        logger.warning(
            "ads profiles refused: listed on another region's host",
            extra={"seller_id": seller_id, "region": region, "refused": len(foreign)},
        )
    return served


def regional_profiles(
    seller_id: str, marketplace_ids: Iterable[str], api: AdsApi
) -> tuple[list[AdsProfile], list[AdsRegion]]:
    """The profiles of every region the seller sells in and has granted, each from its own host, and
    the regions that answered. No grant in any region: `CredentialsMissing`."""
    profiles: list[AdsProfile] = []
    granted: list[AdsRegion] = []
    for region in ads_regions_of(marketplace_ids):
        try:
            listed = api.list_profiles(seller_id, region)
        except CredentialsMissing:
            metrics.add_metric(name="AdsRegionNotConnected", unit="Count", value=1)
            continue
        granted.append(region)
        profiles.extend(profiles_of_region(seller_id, region, listed))
    if not granted:
        raise CredentialsMissing(f"seller {seller_id} granted Amazon Ads access in none of its regions")
    return profiles, granted


def plan_ads_reports(
    seller_id: str,
    marketplace_ids: Iterable[str],
    *,
    api: AdsApi,
    book: ReportBook,
    now: datetime,
    policy: AdsPolicy,
) -> AdsPlan:
    """At most one report of each kind per advertising profile of the seller's marketplaces this run."""
    wanted = set(marketplace_ids)
    try:
        profiles, regions = regional_profiles(seller_id, wanted, api)
    except CredentialsMissing:
        metrics.add_metric(name="AdsNotConnected", unit="Count", value=1)
        return AdsPlan(jobs=[], connected=False)
    states = {s.key: s for s in book.all(seller_id, prefix=ADS_KEY_PREFIX)}
    jobs: list[AdsJob] = []
    for profile in profiles:
        if profile.marketplace_id not in MARKETPLACES or profile.marketplace_id not in wanted:
            continue
        if profile.account_info.type.lower() != "seller":
            continue
        for report_type in ADS_REPORT_TYPES:
            job = _next_job(seller_id, profile, states, report_type, now=now, policy=policy)
            if job is not None:
                jobs.append(job)
    metrics.add_metric(name="AdsReportsPlanned", unit="Count", value=len(jobs))
    return AdsPlan(jobs=jobs, regions=regions)


def _next_job(
    seller_id: str,
    profile: AdsProfile,
    states: dict[str, ReportState],
    report_type: str,
    *,
    now: datetime,
    policy: AdsPolicy,
) -> AdsJob | None:
    """A pending report of this kind (resumed), else its first window not yet ingested or cooling down."""
    prefix = ads_key(str(profile.profile_id), "")
    pending = [
        s
        for s in states.values()
        if s.key.startswith(prefix)
        and (s.report_type or ADS_REPORT_TYPE) == report_type
        and s.status in ADS_PENDING
        and s.report_id
        and s.window_start
    ]
    if pending:
        state = min(pending, key=lambda s: s.requested_at or now)
        assert state.window_start is not None
        assert state.window_end is not None
        return AdsJob(
            seller_id=seller_id,
            key=state.key,
            profile_id=str(profile.profile_id),
            marketplace_id=profile.marketplace_id,
            start=state.window_start.date(),
            end=state.window_end.date(),
            region=profile.region,
            report_type=report_type,  # type: ignore[arg-type]  # one of ADS_REPORT_TYPES
        )
    for job in _candidates(seller_id, profile, now, policy, report_type):
        known = states.get(job.key)
        if known is not None and known.status in ADS_DONE:
            continue
        if known is not None and known.cooldown_until and known.cooldown_until > now:
            continue
        return job
    return None


def next_wait_s(polls: int, policy: AdsPolicy) -> int:
    return int(min(policy.max_poll_s, policy.first_poll_s * 2**polls))


def request_ads_report(
    job: AdsJob, *, api: AdsApi, book: ReportBook, now: datetime, policy: AdsPolicy
) -> AdsProgress:
    """Ask for the report unless it is known: a pending one is resumed, a completed one (not yet
    ingested) goes straight to ingestion, a failed one cools down. A 425 duplicate reuses the id."""
    state = book.get(job.seller_id, job.key)
    if state is not None and state.report_id:
        if state.status in ADS_PENDING:
            return AdsProgress(
                status="PENDING", report_id=state.report_id, wait_s=policy.first_poll_s, reused=True
            )
        if state.status == "COMPLETED":
            return AdsProgress(status="COMPLETED", report_id=state.report_id, reused=True)
        if state.status == "FAILED" and state.cooldown_until and state.cooldown_until > now:
            return AdsProgress(status="COOLDOWN", report_id=state.report_id)
    kind = SpAdvertisedProductRequest if job.report_type == ADS_PRODUCTS_REPORT_TYPE else SpCampaignsRequest
    request = kind(
        name=f"sellerflow {job.report_type} {job.marketplace_id} {job.start.isoformat()}..{job.end.isoformat()}",
        start=job.start,
        end=job.end,
    )
    report_id, duplicate = api.create_report(job.seller_id, job.region, job.profile_id, request)
    book.requested(
        job.seller_id,
        job.key,
        report_type=job.report_type,
        marketplace_id=job.marketplace_id,
        window=(_midnight(job.start), _midnight(job.end)),
        report_id=report_id,
        status="PENDING",
    )
    metrics.add_metric(name="AdsReportsRequested", unit="Count", value=0 if duplicate else 1)
    return AdsProgress(status="PENDING", report_id=report_id, wait_s=policy.first_poll_s, reused=duplicate)


def check_ads_report(
    job: AdsJob,
    progress: AdsProgress,
    *,
    api: AdsApi,
    book: ReportBook,
    now: datetime,
    policy: AdsPolicy,
) -> AdsProgress:
    """One poll; at the cap the report stays PENDING in the book and the next run resumes it."""
    assert progress.report_id is not None
    report = api.get_report(job.seller_id, job.region, job.profile_id, progress.report_id)
    polls = progress.polls + 1
    if report.status == "COMPLETED":
        book.finished(job.seller_id, job.key, status="COMPLETED")
        return AdsProgress(status="COMPLETED", report_id=progress.report_id, polls=polls)
    if report.status == "FAILED":
        book.finished(job.seller_id, job.key, status="FAILED", cooldown_until=now + policy.failed_cooldown)
        metrics.add_metric(name="AdsReportsFailed", unit="Count", value=1)
        logger.warning(
            "ads report FAILED", extra={"seller_id": job.seller_id, "marketplace_id": job.marketplace_id}
        )
        return AdsProgress(status="FAILED", report_id=progress.report_id, polls=polls)
    if polls >= policy.max_polls:
        logger.info(
            "ads report still pending",
            extra={"seller_id": job.seller_id, "marketplace_id": job.marketplace_id},
        )
        return AdsProgress(status="TIMED_OUT", report_id=progress.report_id, polls=polls)
    return AdsProgress(
        status=report.status, report_id=progress.report_id, polls=polls, wait_s=next_wait_s(polls, policy)
    )


def ingest_ads_report(
    request: IngestAdsInput,
    *,
    api: AdsApi,
    book: ReportBook,
    parse: AdsParser,
    sink: AdsSink,
    parse_products: AdsParser | None = None,
) -> AdsIngestOutput:
    """Fetch the report's URL (here, never in workflow state), stream-parse it (`parse` for
    spCampaigns, `parse_products` for spAdvertisedProduct), and store the report in one write at its
    end: a write replaces each day it has rows of (`store.report_days`), so a day's rows go together,
    and a download cut short stores nothing."""
    job = request.job
    if job.report_type == ADS_PRODUCTS_REPORT_TYPE:
        if parse_products is None:
            raise ValueError("an spAdvertisedProduct report needs its parser")
        parse = parse_products
    currency = MARKETPLACES[job.marketplace_id].currency
    for attempt in (1, 2):
        report = api.get_report(job.seller_id, job.region, job.profile_id, request.report_id)
        if report.status != "COMPLETED" or not report.url:
            raise AdsReportUrlExpired(
                f"ads report of {job.marketplace_id} has no download URL ({report.status})"
            )
        errors: list[RowError] = []
        rows = written = 0
        facts: list[AdCampaignDayFact | AdProductDayFact] = []
        try:
            for fact in parse(
                api.download(report.url),
                seller_id=job.seller_id,
                marketplace_id=job.marketplace_id,
                profile_id=job.profile_id,
                currency=currency,
                errors=errors,
            ):
                rows += 1
                facts.append(fact)
            if facts:
                written = sink.write(facts)
        except AdsReportUrlExpired:
            if attempt == 2:
                raise
            continue
        rejected = len(errors)
        book.ingested(
            job.seller_id,
            job.key,
            rows=rows + rejected,
            rejected=rejected,
            errors=[f"{e.report_type} line {e.line} column {e.column}: {e.reason}" for e in errors],
            report_type=job.report_type,
        )
        metrics.add_metric(name="AdsRowsIngested", unit="Count", value=rows)
        if rejected:
            metrics.add_metric(name="AdsRowsRejected", unit="Count", value=rejected)
        return AdsIngestOutput(key=job.key, rows=rows + rejected, written=written, rejected=rejected)
    raise AssertionError("unreachable")
