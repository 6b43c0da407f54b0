"""Comparing what Sellerflow stored with what the simulator holds (the demo's and e2e's proof)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerflow.analytics.model import DayRollup, RowKind, SkuRollup
from sellerflow.domain import Order, ReportState
from sellerflow.facts import SettlementLineFact, SettlementSummary, TrafficByDateFact
from sellerflow.sync.economics import EconomicsCheck, mismatch_lines
from sellerflow.sync.mapping import to_order
from sellerflow.sync.reports import ALL_ORDERS, SALES_AND_TRAFFIC, recorded_source
from sellerflow_dev.simulator.ledger import SimSettlement


@dataclass(frozen=True)
class Verification:
    seller_id: str
    stored: int
    source: int
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    different: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.stored == self.source and not (self.missing or self.unexpected or self.different)


def verify_orders(
    seller_id: str,
    stored: list[Order],
    ground_truth: list[dict[str, Any]],
    history: Sequence[dict[str, Any]] = (),
    backfilled: Sequence[ReportState] = (),
) -> Verification:
    """Stored orders against the simulator: every searchOrders order equal field by field, plus
    exactly the history orders of the All Orders windows that were ingested (the report backfill)."""
    expected = {o.order_id: o for o in (to_order(seller_id, doc) for doc in ground_truth)}
    expected_history = backfilled_order_ids(history, backfilled)
    actual = {o.order_id: o for o in stored}
    current = {k: v for k, v in actual.items() if k in expected}
    from_history = actual.keys() - expected.keys()
    return Verification(
        seller_id=seller_id,
        stored=len(actual),
        source=len(expected) + len(expected_history),
        missing=tuple(sorted((expected.keys() - current.keys()) | (expected_history - from_history))),
        unexpected=tuple(sorted(from_history - expected_history)),
        different=tuple(sorted(k for k in current if expected[k] != current[k])),
    )


def backfilled_order_ids(history: Sequence[dict[str, Any]], backfilled: Sequence[ReportState]) -> set[str]:
    """History orders purchased inside an ingested All Orders window of their marketplace."""
    windows = [
        (state.marketplace_id, state.window_start, state.window_end)
        for state in backfilled
        if state.report_type == ALL_ORDERS
        and state.status == "INGESTED"
        and state.window_start
        and state.window_end
    ]
    found: set[str] = set()
    for doc in history:
        created = datetime.fromisoformat(str(doc["createdTime"]).replace("Z", "+00:00"))
        marketplace = doc["salesChannel"].get("marketplaceId")
        if any(m == marketplace and start <= created <= end for m, start, end in windows):
            found.add(str(doc["orderId"]))
    return found


_REGION_ORDER = ("NA", "EU", "FE")


@dataclass(frozen=True)
class AdsRegionsVerification:
    """A seller's stored Sponsored Products campaign days against the simulator, per Ads region."""

    seller_id: str
    regions: tuple[str, ...]  # the regions whose campaign days were stored
    source_regions: tuple[str, ...]  # the regions of the seller's advertising profiles
    profiles: int
    source_profiles: int
    campaigns: int
    source_campaigns: int
    campaign_days: int
    source_campaign_days: int
    different: int  # campaign days missing, unexpected or with other figures

    @property
    def ok(self) -> bool:
        return (
            self.regions == self.source_regions
            and self.profiles == self.source_profiles
            and self.campaigns == self.source_campaigns
            and self.campaign_days == self.source_campaign_days
            and not self.different
        )


def verify_ads_regions(
    seller_id: str,
    stored: Sequence[Any],
    profile_regions: dict[str, str],
    truth: Sequence[Any],
) -> AdsRegionsVerification:
    """Stored `AdCampaignDayFact`s against the simulator's `AdDay`s of the same window;
    `profile_regions` maps each of the seller's simulated profiles' marketplace to its Ads region."""

    def figures(row: Any) -> tuple[Any, ...]:
        return (row.impressions, row.clicks, row.cost, row.sales_7d, row.sales_14d)

    got = {(f.marketplace_id, f.day, f.campaign_id): figures(f) for f in stored}
    want = {(t.marketplace_id, t.day, t.campaign_id): figures(t) for t in truth}
    stored_regions = {profile_regions.get(f.marketplace_id, "?") for f in stored}
    return AdsRegionsVerification(
        seller_id=seller_id,
        regions=tuple(r for r in (*_REGION_ORDER, "?") if r in stored_regions),
        source_regions=tuple(r for r in _REGION_ORDER if r in set(profile_regions.values())),
        profiles=len({f.profile_id for f in stored}),
        source_profiles=len(profile_regions),
        campaigns=len({(f.marketplace_id, f.campaign_id) for f in stored}),
        source_campaigns=len({(t.marketplace_id, t.campaign_id) for t in truth}),
        campaign_days=len(got),
        source_campaign_days=len(want),
        different=len(got.keys() ^ want.keys())
        + sum(1 for k in got.keys() & want.keys() if got[k] != want[k]),
    )


@dataclass(frozen=True)
class SettlementVerification:
    seller_id: str
    stored: int  # settlements stored
    source: int  # settlements Amazon lists (the simulator's, inside the listing window)
    lines: int  # settlement lines stored
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    different: tuple[str, ...]  # summary or any line differs (amount, type, order, SKU, ...)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.different)


def verify_settlements(
    seller_id: str,
    stored: Sequence[SettlementSummary],
    stored_lines: Mapping[str, Sequence[SettlementLineFact]],
    ground_truth: Sequence[SimSettlement],
    listed_since: datetime,
) -> SettlementVerification:
    """Stored settlements against the simulator's: every settlement whose report was created since
    `listed_since` must be stored, and every stored one (older ones too) must equal the simulator's,
    summary and lines, amount by amount."""
    truth = {s.settlement_id: s for s in ground_truth}
    actual = {s.settlement_id: s for s in stored}
    expected = {sid for sid, s in truth.items() if s.report_created >= listed_since}
    different = [
        sid
        for sid, summary in actual.items()
        if sid in truth and not _same_settlement(summary, stored_lines.get(sid, ()), truth[sid])
    ]
    return SettlementVerification(
        seller_id=seller_id,
        stored=len(actual),
        source=len(expected),
        lines=sum(len(lines) for lines in stored_lines.values()),
        missing=tuple(sorted(expected - actual.keys())),
        unexpected=tuple(sorted(actual.keys() - truth.keys())),
        different=tuple(sorted(different)),
    )


def _same_settlement(
    summary: SettlementSummary, lines: Sequence[SettlementLineFact], truth: SimSettlement
) -> bool:
    second = timedelta(seconds=1)
    if (summary.total, summary.currency, summary.marketplace_id) != (
        truth.total,
        truth.currency,
        truth.marketplace_id,
    ):
        return False
    if abs(summary.start - truth.start) >= second or abs(summary.end - truth.end) >= second:
        return False
    if len(lines) != len(truth.lines):
        return False
    return all(
        (line.amount, line.amount_type, line.amount_description, line.order_id, line.sku, line.quantity)
        == (want.amount, want.amount_type, want.amount_description, want.order_id, want.sku, want.quantity)
        and line.posted_at is not None
        and abs(line.posted_at - want.posted) < second
        for line, want in zip(sorted(lines, key=lambda x: x.line), truth.lines, strict=True)
    )


@dataclass(frozen=True)
class PushVerification:
    """Push for one seller: what Sellerflow stored against what the simulator sent."""

    seller_id: str
    subscriptions: int  # stored by Sellerflow
    subscribed_at_amazon: int  # the simulator's subscriptions of the seller
    published: int  # notifications the simulator decided to send
    delivered: int  # messages that reached the queue (duplicates count twice)
    dropped: int
    settled: dict[str, int]  # Sellerflow's idempotency records by outcome (applied, ignored, ...)
    expected_types: int = 4

    @property
    def unique_delivered(self) -> int:
        return self.published - self.dropped

    @property
    def ok(self) -> bool:
        handled = sum(v for k, v in self.settled.items() if k in ("applied", "ignored"))
        return (
            self.subscriptions == self.subscribed_at_amazon == self.expected_types
            and handled == self.unique_delivered == sum(self.settled.values())
        )

    def line(self) -> str:
        verdict = "verified" if self.ok else "MISMATCH"
        outcomes = " ".join(f"{k}={v}" for k, v in sorted(self.settled.items()) if k != "applied")
        return (
            f"{verdict} notifications {self.seller_id} subscriptions={self.subscriptions} "
            f"delivered={self.delivered} applied={self.settled.get('applied', 0)} "
            f"unique={self.unique_delivered} dropped={self.dropped} {outcomes}"
        ).rstrip()


def verify_notifications(
    seller_id: str, *, stored_subscriptions: int, sim_stats: dict[str, Any], settled: dict[str, int]
) -> PushVerification:
    return PushVerification(
        seller_id=seller_id,
        subscriptions=stored_subscriptions,
        subscribed_at_amazon=int(sim_stats["subscriptions"]),
        published=int(sim_stats["published"]),
        delivered=int(sim_stats["delivered"]),
        dropped=int(sim_stats["dropped"]),
        settled=dict(settled),
    )


# The amounts a day rollup and its SKU-table rows share (`SkuRollup.fees` is the day's `amazon_fees`).
SKU_SUMMED = {
    "units": "units",
    "gross_sales": "gross_sales",
    "shipping": "shipping",
    "promotions": "promotions",
    "refunds": "refunds",
    "fees": "amazon_fees",
    "ad_spend": "ad_spend",
    "cogs": "cogs",
    "net_profit": "net_profit",
}


@dataclass(frozen=True)
class SkuProfitCheck:
    """The stored SKU table of a seller against its stored daily series, summed per currency."""

    seller_id: str
    skus: int  # distinct (SKU, marketplace) rows, the rows of money naming no SKU aside
    currencies: tuple[str, ...]
    mismatches: tuple[str, ...]  # "<currency> <amount> sku=<sum> daily=<sum>"

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def line(self) -> str:
        verdict = "verified" if self.ok else "MISMATCH"
        text = (
            f"{verdict} sku_profit {self.seller_id} skus={self.skus} sum_matches={str(self.ok).lower()} "
            f"currencies={','.join(self.currencies) or '-'}"
        )
        return text if self.ok else f"{text} {'; '.join(self.mismatches[:5])}"


def verify_sku_profit(seller_id: str, days: Sequence[DayRollup], skus: Sequence[SkuRollup]) -> SkuProfitCheck:
    """Σ of the SKU table's rows (account and unattributed-ads rows included) equals Σ of the daily
    series in every amount of `SKU_SUMMED`, per currency, to the cent."""
    sku_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    day_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in skus:
        for sku_name, day_name in SKU_SUMMED.items():
            sku_sums[(row.currency, day_name)] += Decimal(getattr(row, sku_name))
    for day in days:
        for day_name in SKU_SUMMED.values():
            day_sums[(day.currency, day_name)] += Decimal(getattr(day, day_name))
    mismatches = tuple(
        f"{currency} {name} sku={sku_sums[(currency, name)]} daily={day_sums[(currency, name)]}"
        for currency, name in sorted(sku_sums.keys() | day_sums.keys())
        if sku_sums[(currency, name)] != day_sums[(currency, name)]
    )
    return SkuProfitCheck(
        seller_id=seller_id,
        skus=len({(r.sku, r.marketplace_id) for r in skus if r.kind is RowKind.SKU}),
        currencies=tuple(sorted({d.currency for d in days} | {r.currency for r in skus})),
        mismatches=mismatches,
    )


@dataclass(frozen=True)
class TrafficVerification:
    """A seller's stored sales-and-traffic days against the simulator, and where they came from."""

    seller_id: str
    sources: tuple[str, ...]  # "report", "data_kiosk" (the recorded source of each day's request)
    days: int  # days the sync ingested
    matching: int  # of those, days whose stored by-date facts equal the simulator's
    missing: tuple[str, ...]  # "<marketplace> <day>" asked for but not stored, or stored wrong

    @property
    def ok(self) -> bool:
        return self.days > 0 and self.matching == self.days and not self.missing


def verify_sales_traffic(
    seller_id: str,
    states: Sequence[ReportState],
    stored: Sequence[TrafficByDateFact],
    truth: Callable[[str, date], Any],
) -> TrafficVerification:
    """Each sales-and-traffic day the sync ingested (from the report or Data Kiosk) against
    `truth(marketplace_id, day)` (the simulator's SimDayTraffic): sessions, page views, units, sales."""
    facts = {(f.marketplace_id, f.day): f for f in stored}
    days = [s for s in states if s.key.startswith(f"REPORT#{SALES_AND_TRAFFIC}#") and s.status == "INGESTED"]
    missing: list[str] = []
    for state in days:
        marketplace_id, window = state.key.split("#")[2:4]
        day = date.fromisoformat(window.removeprefix("day-"))
        fact, expected = facts.get((marketplace_id, day)), truth(marketplace_id, day)
        same = (
            fact is not None
            and expected is not None
            and (fact.sessions, fact.page_views, fact.units_ordered, fact.ordered_product_sales)
            == (
                expected.sessions,
                expected.page_views,
                expected.units_ordered,
                expected.ordered_product_sales,
            )
        )
        if not same:
            missing.append(f"{marketplace_id} {day}")
    return TrafficVerification(
        seller_id=seller_id,
        sources=tuple(sorted({recorded_source(state) for state in days})),
        days=len(days),
        matching=len(days) - len(missing),
        missing=tuple(missing),
    )


@dataclass(frozen=True)
class EconomicsVerification:
    """Amazon's economics (through the product's Data Kiosk flow) against the stored SKU rollups."""

    seller_id: str
    skus: int
    days: int
    amazon_rows: int
    truth_rows: int  # the simulator's own count of SKU-days, to prove the document was read whole
    rejected: int
    mismatches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.rejected and self.amazon_rows == self.truth_rows > 0

    def line(self) -> str:
        verdict = "verified" if self.ok else "MISMATCH"
        text = (
            f"{verdict} economics {self.seller_id} skus={self.skus} days={self.days} "
            f"mismatches={len(self.mismatches)} rows={self.amazon_rows}/{self.truth_rows} rejected={self.rejected}"
        )
        return text if not self.mismatches else f"{text} {'; '.join(self.mismatches[:3])}"


def verify_economics(
    seller_id: str, checks: Sequence[EconomicsCheck], truth_rows: int
) -> EconomicsVerification:
    mismatches = [line for check in checks for line in mismatch_lines(check.mismatches)]
    days = {
        (c.marketplace_id, c.first + timedelta(days=n))
        for c in checks
        for n in range((c.last - c.first).days + 1)
    }
    return EconomicsVerification(
        seller_id=seller_id,
        skus=sum(c.skus for c in checks),
        days=len(days),
        amazon_rows=sum(c.amazon_rows for c in checks),
        truth_rows=truth_rows,
        rejected=sum(c.rejected for c in checks),
        mismatches=tuple(mismatches),
    )
