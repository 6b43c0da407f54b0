"""`make cost`: dollars per seller-month at 100, 1,000 and 10,000 orders a day.

The operations of a simulated month of one seller are counted from the deployment where the code
says it (each function's MemorySize from template.yaml, the states a seller-sync walks from
statemachines/seller-sync.asl.json and the hourly Express one from seller-sync-hourly.asl.json, which
runs go to which from the routing policy, the fanout's states from statemachines/fanout.asl.json) and
modelled where it does not (durations, DynamoDB units per order, log bytes): `OPERATIONS` says which
is which, docs/cost.md lists every assumption and the prices with their date.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sellerflow_dev.bench.cost_count import KmsCount

ROOT = Path(__file__).resolve().parents[3]
ORDERS_PER_DAY = (100, 1_000, 10_000)
DAYS = 30
GOAL_USD_1K = 0.10  # issue 13: $ per seller-month at 1,000 orders a day

# Public us-east-1 prices as of 2025-06 (docs/cost.md); arm64 Lambda, on-demand DynamoDB.
PRICES = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s_arm64": 0.0000133334,
    "sfn_standard_transition": 0.025 / 1e3,
    "sfn_express_request": 1.00 / 1e6,
    "sfn_express_gb_s": 0.00001667,
    "ddb_wru": 0.625 / 1e6,
    "ddb_rru": 0.125 / 1e6,
    "ddb_gb_month": 0.25,
    "ddb_pitr_gb_month": 0.20,
    # the Standard-Infrequent Access table class: 25 % dearer requests, 60 % cheaper storage
    "ddb_ia_wru": 0.78125 / 1e6,
    "ddb_ia_rru": 0.15625 / 1e6,
    "ddb_ia_gb_month": 0.10,
    "kms_request": 0.03 / 1e4,
    "s3_put": 0.005 / 1e3,
    "s3_get": 0.0004 / 1e3,
    "s3_gb_month": 0.023,
    "sqs_request": 0.40 / 1e6,
    "sns_publish": 0.50 / 1e6,
    "logs_gb_ingested": 0.50,
    "xray_trace": 5.00 / 1e6,
    # provisioned capacity (Standard class): per capacity unit-hour, one unit a second each
    "ddb_wcu_hour": 0.00065,
    "ddb_rcu_hour": 0.00013,
}


@dataclass(frozen=True)
class Assumptions:
    """Modelled inputs (docs/cost.md): what a month of one seller looks like."""

    syncs_per_day: int = 24  # a seller with notifications syncs hourly (push_sync_every_minutes 60)
    versions_per_order: int = 3  # created, shipped, delivered: each is a page row and an upsert
    order_page_size: int = 100
    finance_events_per_order: float = 2.0
    finance_lookback_hours: float = 48.0  # the day's first sync fetches the last 48 hours again
    finance_recent_lookback_minutes: float = 15.0  # the other syncs: this much behind the watermark
    finance_deep_runs_per_day: float = 1.0  # 24 before (every sync asked 48 hours back)
    fact_wru_per_transaction_first: float = 1.0  # its first write
    fact_rru_per_transaction_first: float = 0.0  # the reads before it (its posting hour's items)
    # finance items per transaction: 1 when each had its own; a chunk holds an hour's (counted per
    # scale: `cost_count.count_finance_writes`)
    finance_items_per_transaction: float = 1.0
    # dirty-day markers per finances page: the (marketplace, local day)s a page touches; an hourly
    # page holds about an hour of postings (1-2 days over the marketplaces), a deep page ~3
    markers_per_finance_page: float = 2.0
    fact_wru_per_transaction_again: float = 1.0  # each later fetch in the lookback (0 if skipped unchanged)
    fact_rru_per_transaction_again: float = 0.0
    finance_page_size: int = 100
    reports_per_day: int = 3  # daily SP-API reports (sales & traffic via Data Kiosk or the slot)
    ads_reports_per_day: int = 2
    report_polls: int = 3
    settlements_per_month: float = 2.0
    asins_per_100_orders: float = 30.0  # report rows per day scale with the catalogue
    # The daily report rows of by-ASIN traffic (one report) and the two Ads reports: one item a row
    # before; packed, one item per kind and day (store/report_days.py), counted per scale
    # (`cost_count.count_report_rows`). Listings and inventory rows stay one item each.
    report_days_packed: bool = False
    traffic_day_wru: float = 0.0  # a packed by-ASIN day's write (new or changed) and its read
    traffic_day_rru: float = 0.0
    ads_day_wru: float = 0.0  # an Ads report's packed day of both kinds, written when changed
    ads_day_rru: float = 0.0  # its read before (every day of the window, changed or not)
    report_day_kb: float = 0.0  # the three kinds' packed items of a day, stored for the retention
    report_row_kb: float = 0.0  # a legacy row item (0: its storage not counted, as the model had it)
    # Days of the Ads window each daily Ads report writes again (`AdsPolicy.fresh_days`: counted; 1
    # as the model had it), and of them the days whose figures Amazon restates (late attribution:
    # ~14 days, modelled) that a packed write finds changed
    ads_window_days: float = 1.0
    ads_restated_days: float = 14.0
    wru_per_order_version: float = 3.0  # order item, its index copy (the markers: below)
    # dirty-day markers per orders page: the (marketplace, local day)s a page touches. An hourly page
    # of a busy seller holds the hour's new orders (today, over the marketplaces) and the shipments of
    # the last few days; the simulator seller's pages span weeks (counted: an upper bound, not used)
    markers_per_order_page: float = 3.0
    rru_per_order_version: float = 0.0  # the upsert's read of the stored version (counted)
    # of `wru_per_order_version` x `versions_per_order`: the order's ORDERID# item, written when the order
    # is created and when its content changes (shipped), 1 WRU each (counted)
    order_id_wru_per_order: float = 2.0
    # the least an order keeps in DynamoDB, averaged over the hot days: its compacted chunk share from the
    # first day, its ORDERID# item for ORDER_ID_DAYS, its transactions (counted; `Floor`)
    least_kb_per_order: float = 0.5
    # the rollups re-read the orders of a dirty purchase day each hourly sync of that day
    rollup_reads_per_order: float = 24.0
    rru_per_rollup_order_read: float = 0.08  # an eventually consistent read of the order (counted sizes)
    rru_per_sync_fixed: float = 40.0  # profile, watermark, quota slot, rollup reads of dirty days
    item_kb_per_order: float = 2.5  # order + lines + facts in DynamoDB (the hot days only)
    retention_months: float = 18.0
    # the history archive (store/history.py): DynamoDB keeps the last `history_hot_days` (+1: the job
    # runs daily), S3 the rest of the retention as gzip JSON lines, one object per marketplace-day
    history_hot_days: float = 100.0
    archive_kb_per_order: float = 0.25  # the order and its transactions, compressed (counted: cost_count)
    archive_objects_per_day: float = 1.0  # marketplaces with sales on a day
    archive_rru_per_item: float = 0.3  # the job's reads of a finance item (~0.1-1: a chunk is ~1-4 KB)
    # DynamoDB items holding an order (one before the chunks; counted: a chunk holds many orders'
    # versions), its `by_purchase_date` entries (none since), the archive's read of it
    order_items_per_order: float = 1.0
    order_index_entries_per_order: float = 1.0
    archive_rru_per_order: float = 0.5
    # the archive run's compaction of settled days' order chunks (store.orders.compact_days): the
    # chunks' deletes and the compacted chunk's write, the days' reads (none before the chunks)
    compaction_wru_per_order: float = 0.0
    compaction_rru_per_order: float = 0.0
    archive_seconds_per_item: float = 0.004  # the job's Lambda: a conditional DeleteItem per item
    # an order's entry in the archive's order-id index: 9.2-9.3 bytes compressed in a shard of 11,000-
    # 17,500 Amazon-format ids over 448 days (measured with `IndexShard.encode`; docs/cost.md)
    index_kb_per_order: float = 0.0093
    # KMS, counted per hourly run on the local stack (`cost_count.count_kms_requests`; the defaults are
    # its count of 2026-12-05): the code's own requests (the refresh tokens' decrypts, once per function
    # whose container holds neither the seller's access token nor its cached data key), DynamoDB's
    # table-key decrypts (once per caller and table after 5 minutes unused: the seller's tenant session
    # each run; a function's own role once a fan-out tick, shared by `fanout_sellers`) and Secrets
    # Manager's (each read of the LWA app secret, per container and tick: Powertools caches 5 minutes)
    kms_refresh_decrypts_per_run: float = 4.33  # the day's average: 3 a quiet run, 7 with the reports
    kms_other_code_per_run: float = 0.0
    kms_seller_table_keys_per_run: float = 2.0  # the seller-data and sellers tables
    kms_role_table_keys_per_tick: float = 1.0  # StartSellerSync's sellers table
    kms_secret_reads_per_tick: float = 5.0  # per container of each function calling LWA, together
    # the vault's data key cache (`credentials.REFRESH_TOKEN_KEY_CACHE`, read by `_counted_base`; 0:
    # none, as before it) and how many warm containers each function has, among which a seller's runs
    # land at random (modelled)
    refresh_key_cache_max_age_s: float = 6 * 3600.0
    warm_containers_per_function: float = 10.0
    # Orders shipped with a label bought here (modelled; issue 16). A seller buys the day's labels in
    # one sitting (modelled), one label at a time from the dashboard's queue (rates, then buy: modelled
    # `label_seconds_apart`), its requests served by one warm container of the PII function (modelled);
    # the sitting's API calls decrypt the refresh token and use the table keys (counted). Each label's
    # document is encrypted under the PII key with a data key the container reuses for the seller's
    # next labels within `store.labels.LABEL_KEY_CACHE`'s max messages and max age (read by
    # `counted_kms`): a label that gets a new data key makes a GenerateDataKey (counted: the sitting's
    # first label), a later one within the thresholds none (counted: the second)
    pii_share_of_orders: float = 0.2
    kms_per_label_new_key: float = 1.0
    kms_per_label_key_reused: float = 0.0
    kms_per_label_session: float = 8.0
    label_sessions_per_day: float = 1.0
    label_key_max_messages: int = 100
    label_key_max_age_s: float = 300.0
    label_seconds_apart: float = 20.0
    log_bytes_per_invocation: int = 1_500  # Powertools INFO: start, one summary line, metrics (EMF)
    log_bytes_per_order: int = 0  # nothing per order at INFO
    fanout_sellers: int = 1_000  # the fixed per-tick work is shared by this many sellers
    # sellers per child of the fanout's Map (None: the template's FanoutBatchSize; 1: one a child)
    fanout_batch_size: int | None = None
    # Standard runs that planned reports a day: each is followed by one more Standard run (its plan
    # was not empty), which plans nothing (reports on Standard, before the hourly run carried them)
    report_planning_runs_per_day: float = 1.0
    # Hand-overs of an hourly run to Standard a day besides the deep finances run's (counted from the
    # page budgets): orders pages the usage plan delays, more pages than the budget after an outage, a
    # plan with backfill windows (a new marketplace): about one every ten days for a steady seller
    hand_overs_per_day: float = 0.1
    # Standard runs per hand-over: the handed-over run, and one more, as its plan resumes the reports
    # the hourly runs carried (not empty: `reports_pending`), which the next one finds done
    standard_runs_per_hand_over: float = 2.0
    # the hourly run's reports (sellerflow.sync.carry): a report asked in one run is DONE by the next
    carried_report_checks: float = 1.0
    carry_writes_per_day: float = 6.0  # REPORTCARRY: when planned, asked, checked, ingested (1 KB)
    carry_rru_per_run: float = 2.0  # REPORTCARRY and SYNC#route, strongly consistent, every hourly run
    express_seconds_per_state: float = 0.02  # the Express engine's own time per state, beside the Lambdas
    express_memory_gb: float = 0.0625  # billed in 64 MB steps; a run's state is a few KB


# --- counted from the repository ------------------------------------------------------------------
@cache
def template() -> dict[str, Any]:
    """template.yaml, read once (~0.9 s to parse: `month` reads it several times). Read only."""
    from sellerflow_dev.local.template import load_template

    return load_template(ROOT / "template.yaml")


def template_parameter_default(name: str) -> int:
    """A numeric template parameter's default, e.g. FanoutBatchSize, FanoutMaxConcurrency."""
    return int(template()["Parameters"][name]["Default"])


def function_memory_gb() -> dict[str, float]:
    default = int(template()["Globals"]["Function"].get("MemorySize", 128))
    return {
        name: int(resource["Properties"].get("MemorySize", default)) / 1024
        for name, resource in template()["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


# S3 Bucket Keys: S3 asks KMS for a bucket-level key it reuses for a while, not a data key per object
# ("up to 99 %" fewer requests, the S3 guide; one bucket key serves every seller's objects of its
# lifetime, so a fleet's share per seller is smaller still). Modelled: 1 % of one request per PUT/GET.
BUCKET_KEY_KMS_SHARE = 0.01


@cache
def bucket_key_kms_share(bucket: str = "RawDocumentsBucket") -> float:
    """KMS requests per SSE-KMS object request of `bucket` (the archive's): the Bucket Key share when
    the template enables Bucket Keys on it (a PUT without the header takes the bucket's setting), else 1."""
    props = template()["Resources"][bucket]["Properties"]
    rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    return BUCKET_KEY_KMS_SHARE if all(rule.get("BucketKeyEnabled") is True for rule in rules) else 1.0


def _states(path: str) -> dict[str, Any]:
    machine: dict[str, Any] = json.loads((ROOT / path).read_text())["States"]
    return machine


@cache
def fanout_batch_size() -> int:
    """Sellers one child of the fanout's Map starts (counted: the template's FanoutBatchSize default)."""
    return template_parameter_default("FanoutBatchSize")


def fanout_children_per_start(a: Assumptions) -> float:
    """The fanout Map's children per seller-sync it starts: a tick's due sellers (`fanout_sellers`,
    each due `syncs_per_day` of the 96 ticks a day) in batches, the last one holding the rest."""
    due = a.fanout_sellers * a.syncs_per_day / 96
    size = a.fanout_batch_size or fanout_batch_size()
    return math.ceil(due / size) / due


@dataclass(frozen=True)
class SyncShape:
    """How many times a seller-sync enters each state in one run (its state transitions)."""

    order_pages: int
    finance_pages: int
    reports: int
    ads_reports: int
    settlements: int
    polls: int

    def transitions(self) -> int:
        states = _states("statemachines/seller-sync.asl.json")
        # the path of a successful run, named as in the definition (a KeyError means the workflow changed)
        fixed = [
            "PlanReports", "ReportsMap", "SettlementsMap", "StartFinances", "SyncInventory",
            "PlanAdsReports", "AdsMap", "ComputeRollups", "ReconcileEconomics", "RequestReviews",
            "EvaluateAlerts", "RecordSyncSuccess", "SyncSucceeded",
        ]  # fmt: skip
        for name in fixed:
            assert name in states, name
        report = states["ReportsMap"]["ItemProcessor"]["States"]
        ads = states["AdsMap"]["ItemProcessor"]["States"]
        # request, ready?, (wait, check, ready?) per poll, download+ingest, the outcome Pass
        per_report = 4 + 3 * self.polls
        assert {
            "PaceReportRequest", "RequestReport", "IsReportReady", "WaitForReport", "CheckReport",
            "DownloadAndIngest",
        } <= set(report)  # fmt: skip
        assert {"RequestAdsReport", "IsAdsReportReady", "WaitForAdsReport", "CheckAdsReport"} <= set(ads)
        return (
            len(fixed)
            + 2 * self.order_pages  # SyncOrdersPage, MoreOrderPages
            + 2 * self.finance_pages  # SyncTransactionsPage, MoreTransactionPages
            + per_report * (self.reports + self.ads_reports)
            + self.reports  # PaceReportRequest (its Wait only in a first run's compared history)
            + self.settlements
        )

    def invocations(self) -> dict[str, float]:
        """Lambda invocations per function in one run."""
        return {
            "SyncOrdersFunction": self.order_pages,
            "PlanReportsFunction": 1,
            "RequestReportFunction": self.reports,
            "CheckReportFunction": self.reports * self.polls,
            "IngestReportFunction": self.reports + self.settlements,
            "SyncFinancesFunction": self.finance_pages,
            "SyncInventoryFunction": 1,
            "PlanAdsReportsFunction": 1,
            "RequestAdsReportFunction": self.ads_reports,
            "CheckAdsReportFunction": self.ads_reports * self.polls,
            "IngestAdsReportFunction": self.ads_reports,
            "ComputeRollupsFunction": 1,
            "ReconcileEconomicsFunction": 1,
            "RequestReviewsFunction": 1,
            "EvaluateAlertsFunction": 1,
            "RecordSyncResultFunction": 1,
        }  # (StartSellerSyncFunction: the fanout's, per batch, in `month`)


@dataclass(frozen=True)
class HourlyShape:
    """One run of the hourly Express seller-sync (`seller-sync-hourly.asl.json`): the states it enters
    and the Lambdas it invokes; Express bills the run's duration, not its transitions."""

    order_pages: int
    finance_pages: int

    def states(self) -> int:
        states = _states("statemachines/seller-sync-hourly.asl.json")
        fixed = [
            "StartFinances", "SyncInventory", "AdvanceReports", "ReportsOnStandard", "ComputeRollups",
            "ReconcileEconomics", "RequestReviews", "EvaluateAlerts", "RecordSyncSuccess", "SyncSucceeded",
        ]  # fmt: skip
        per_order_page = ["SyncOrdersPage", "MoreOrderPages"]
        per_finance_page = ["SyncTransactionsPage", "CountTransactionsPage", "MoreTransactionPages"]
        for name in fixed + per_order_page + per_finance_page:
            assert name in states, name
        return (
            len(fixed) + len(per_order_page) * self.order_pages + len(per_finance_page) * self.finance_pages
        )

    def invocations(self) -> dict[str, float]:
        return {
            "SyncOrdersFunction": self.order_pages,
            "SyncFinancesFunction": self.finance_pages,
            "SyncInventoryFunction": 1,
            "AdvanceReportsFunction": 1,  # the carry and the route read; its report work: `carried_reports_s`
            "ComputeRollupsFunction": 1,
            "ReconcileEconomicsFunction": 1,
            "RequestReviewsFunction": 1,
            "EvaluateAlertsFunction": 1,
            "RecordSyncResultFunction": 1,
        }  # (StartSellerSyncFunction: the fanout's, per batch, in `month`)


def carried_reports_s(a: Assumptions, settlements_per_day: float) -> float:
    """The seconds a day the hourly runs' AdvanceReports spends on the day's reports, each step the
    Standard sub-flow's own function called in-process (their modelled durations): the plans, a
    request, `carried_report_checks` checks and a download of each report, the settlements."""
    reports = a.reports_per_day + a.ads_reports_per_day
    plans = 24 / reports_every_hours()
    d = DURATION_S
    return (
        plans * (d["PlanReportsFunction"] + d["PlanAdsReportsFunction"])
        + reports * (d["RequestReportFunction"] + a.carried_report_checks * d["CheckReportFunction"])
        + (reports + settlements_per_day) * d["IngestReportFunction"]
    )


def hourly_page_budgets() -> tuple[int, int]:
    """(orders, finances) pages an hourly run takes before it hands over to Standard (counted from the
    definition's Choice states)."""
    states = _states("statemachines/seller-sync-hourly.asl.json")

    def budget(choice: str, variable: str) -> int:
        for rule in states[choice]["Choices"]:
            for inner in rule.get("And", []):
                if inner["Variable"] == variable:
                    return int(inner["NumericGreaterThanEquals"])
        raise KeyError(f"{choice}: no page budget on {variable}")

    return budget("MoreOrderPages", "$.orders.pages"), budget("MoreTransactionPages", "$.finances.pages")


def reports_every_hours() -> float:
    """How often the reports are planned (counted: the deployed default of SYNC_REPORTS_EVERY_MINUTES,
    `sellerflow.sync.carry.CarryPolicy.plan_every`)."""
    from sellerflow.settings import Settings

    return float(Settings.model_fields["sync_reports_every_minutes"].default) / 60


# Modelled warm durations (s) per invocation; ingest also pays per row (see `month`).
DURATION_S = {
    "SyncOrdersFunction": 0.9,
    "PlanReportsFunction": 0.3,
    "RequestReportFunction": 0.4,
    "CheckReportFunction": 0.2,
    "IngestReportFunction": 1.5,
    "SyncFinancesFunction": 1.0,
    "SyncInventoryFunction": 1.0,
    "PlanAdsReportsFunction": 0.3,
    "RequestAdsReportFunction": 0.4,
    "CheckAdsReportFunction": 0.2,
    "IngestAdsReportFunction": 1.5,
    "AdvanceReportsFunction": 0.1,  # with nothing to do: two reads; the reports: `carried_reports_s`
    "ComputeRollupsFunction": 1.5,
    "ReconcileEconomicsFunction": 0.5,
    "RequestReviewsFunction": 0.5,  # reads; the SP-API calls only when the seller turned requests on
    "EvaluateAlertsFunction": 0.3,
    "RecordSyncResultFunction": 0.2,
    "StartSellerSyncFunction": 0.12,
}
# A fanout batch's StartSellerSync: per seller its two consistent reads, the claim's transaction and
# StartExecution; the rest of DURATION_S's 0.12 s (one seller) is the invocation's own
START_SECONDS_PER_SELLER = 0.1
FANOUT_CHILD_OVERHEAD_S = 0.18  # an Express child's own time beside its Lambda (0.3 s with one seller)
SECONDS_PER_ORDER_VERSION = 0.002  # mapping + DynamoDB batch write, per order row of a page
SECONDS_PER_REPORT_ROW = 0.00002  # ingest_bench: ~170k rows/s, plus writes batched by 25


def seller_data_table_class() -> str:
    """The seller-data table's class in template.yaml (counted: it sets the DynamoDB prices)."""
    properties = template()["Resources"]["SellerDataTable"]["Properties"]
    return str(properties.get("TableClass", "STANDARD"))


TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")


def cheaper_table_class(orders_per_day: int = 1_000, a: Assumptions | None = None) -> str:
    """The seller-data table class this model prices lower for a seller of `orders_per_day` (the
    template's class must be it: a test checks). Standard-IA wins while storage dominates; once the
    history archive keeps only the hot days in DynamoDB, requests do."""
    return min(TABLE_CLASSES, key=lambda c: month(orders_per_day, a, table_class=c).total)


def dynamodb_cost(wru: float, rru: float, stored_gb: float, table_class: str) -> float:
    p = PRICES
    if table_class == "STANDARD_INFREQUENT_ACCESS":
        requests = wru * p["ddb_ia_wru"] + rru * p["ddb_ia_rru"]
        return requests + stored_gb * (p["ddb_ia_gb_month"] + p["ddb_pitr_gb_month"])
    return wru * p["ddb_wru"] + rru * p["ddb_rru"] + stored_gb * (p["ddb_gb_month"] + p["ddb_pitr_gb_month"])


def provisioned_requests_cost(m: Month, busy: float, read_busy: float | None = None) -> float:
    """What the month's DynamoDB request units (the sync's tables, `ddb_wru`/`ddb_rru`; not the daily
    archive job's) would cost on provisioned capacity kept `busy` (0-1) on average (`read_busy`: the
    read capacity's, when it differs): the units are capacity-seconds (a read unit is one strongly
    consistent 4 KB read a second, as the model counts RRU), and the capacity a fleet provisions for
    its bursts is idle the rest of the time. How busy a fleet's table would be is modelled by
    `table_load_model` (`fleet_lines`; docs/cost.md, *What dominates now*)."""
    read_busy = busy if read_busy is None else read_busy
    for share in (busy, read_busy):
        if not 0 < share <= 1:
            raise ValueError(f"busy must be in (0, 1], got {share}")
    p, ops = PRICES, m.operations
    return (ops["ddb_wru"] * p["ddb_wcu_hour"] / busy + ops["ddb_rru"] * p["ddb_rcu_hour"] / read_busy) / 3600


def on_demand_requests_cost(m: Month) -> float:
    """The same request units on demand (Standard class), as `month` prices them."""
    return m.operations["ddb_wru"] * PRICES["ddb_wru"] + m.operations["ddb_rru"] * PRICES["ddb_rru"]


PROVISIONED_BUSY = (0.3, 0.5, 0.7)


def provisioned_line(orders: int, a: Assumptions) -> str:
    m = month(orders, a)
    on_demand = on_demand_requests_cost(m)
    options = ", ".join(
        f"{busy:.0%} busy $ {provisioned_requests_cost(m, busy):.4f} (total $ "
        f"{m.total - on_demand + provisioned_requests_cost(m, busy):.4f})"
        for busy in PROVISIONED_BUSY
    )
    return (
        f"{orders:>6} orders/day: DynamoDB requests {m.operations['ddb_wru']:.0f} WRU + "
        f"{m.operations['ddb_rru']:.0f} RRU a month, on demand $ {on_demand:.4f}; provisioned: {options}"
    )


@dataclass
class Month:
    """Counted operations of one seller-month and what they cost."""

    operations: dict[str, float]
    cost: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.cost.values())


def month(
    orders_per_day: int,
    a: Assumptions | None = None,
    *,
    hourly_express: bool = True,
    table_class: str | None = None,
    express_reports: bool = True,
) -> Month:
    """`hourly_express`: route runs as `sellerflow.sync.routing` does (the hourly runs on the Express
    `seller-sync-hourly`); False prices every run on the Standard `seller-sync`, as before it.
    `express_reports`: the hourly run carries the reports (`sellerflow.sync.carry`); False: a Standard
    run every 6 hours and the one after it bring them, as before the carry.
    `table_class`: the seller-data table's class (default: the template's)."""
    a = a or Assumptions()
    table_class = table_class or seller_data_table_class()
    memory = function_memory_gb()
    syncs = a.syncs_per_day * DAYS
    versions_per_sync = orders_per_day * a.versions_per_order / a.syncs_per_day
    transactions_per_day = orders_per_day * a.finance_events_per_order
    hourly = SyncShape(
        order_pages=max(1, math.ceil(versions_per_sync / a.order_page_size)),
        finance_pages=max(1, math.ceil(
            transactions_per_day * (1440 / a.syncs_per_day + a.finance_recent_lookback_minutes) / 1440
            / a.finance_page_size
        )),
        reports=0, ads_reports=0, settlements=0, polls=a.report_polls,
    )  # fmt: skip
    # the deep runs' extra pages (the 48-hour lookback), on top of an hourly run's
    deep_pages = round(
        a.finance_deep_runs_per_day
        * math.ceil(transactions_per_day * a.finance_lookback_hours / 24 / a.finance_page_size)
    )
    # the day's reports, in one of the Standard runs: what they add to that run
    quiet = SyncShape(0, 0, 0, 0, 0, a.report_polls)
    reports = SyncShape(0, 0, a.reports_per_day, a.ads_reports_per_day, 0, a.report_polls)
    settlement_per_day = a.settlements_per_month / DAYS

    # Which runs go to which machine (sellerflow.sync.routing): the hourly runs on Express, which
    # carries the reports from run to run; Standard only for a hand-over (each followed by one more
    # Standard run). The day's deep finances run stays on the hourly machine when its pages fit the
    # run's budget, else it hands over to Standard. Before the carry: Standard every `reports_every`
    # hours and once more after a run that planned reports.
    _, finances_budget = hourly_page_budgets()
    deep_fits = hourly.finance_pages + deep_pages <= finances_budget
    reports_on_express = hourly_express and express_reports
    hand_over_starts = 0.0  # runs an hourly run's hand-over starts (StartSellerSync, one seller)
    if reports_on_express:
        hand_overs = a.hand_overs_per_day + (0.0 if deep_fits else a.finance_deep_runs_per_day)
        hand_over_starts = DAYS * hand_overs
        standard_per_day = min(float(a.syncs_per_day), hand_overs * a.standard_runs_per_hand_over)
    elif hourly_express:
        standard_per_day = min(
            float(a.syncs_per_day), 24 / reports_every_hours() + a.report_planning_runs_per_day
        )
    else:
        standard_per_day = float(a.syncs_per_day)
    standard_runs = DAYS * standard_per_day
    express_runs = syncs - standard_runs
    deep_on_express = express_runs > 0 and deep_fits
    express = HourlyShape(hourly.order_pages, hourly.finance_pages)

    transitions = (
        standard_runs * hourly.transitions()
        + (
            0
            if reports_on_express
            else DAYS * (reports.transitions() - quiet.transitions() + settlement_per_day)
        )
        + (0 if deep_on_express else DAYS * 2 * deep_pages)  # SyncTransactionsPage, MoreTransactionPages
    )
    # the fanout: ListDueSellers, Choice, Map per tick shared by `fanout_sellers`; per child of the Map
    # (a batch of due sellers) one Express request, its time at 64 MB and, modelled conservatively,
    # one parent transition (AWS bills one per child execution a Distributed Map starts); the batch's
    # StartSellerSync invocation, its time per seller started
    fanout_ticks = 96 * DAYS
    fanout_starts = syncs - hand_over_starts
    children = fanout_starts * fanout_children_per_start(a)
    transitions += fanout_ticks * 4 / a.fanout_sellers + children
    start_overhead_s = DURATION_S["StartSellerSyncFunction"] - START_SECONDS_PER_SELLER
    batches_s = children * start_overhead_s + fanout_starts * START_SECONDS_PER_SELLER
    fanout_child_s = children * FANOUT_CHILD_OVERHEAD_S + batches_s

    invocations: dict[str, float] = {}
    gb_s = 0.0

    def invoke(counts: dict[str, float], times: float) -> float:
        """Add `times` runs of `counts`; return the seconds one run spends in its Lambdas."""
        nonlocal gb_s
        seconds = 0.0
        for function, count in counts.items():
            invocations[function] = invocations.get(function, 0.0) + count * times
            gb_s += count * times * DURATION_S[function] * memory.get(function, 0.25)
            seconds += count * DURATION_S[function]
        return seconds

    rows_per_day = orders_per_day * a.asins_per_100_orders / 100 * (a.reports_per_day + a.ads_reports_per_day)
    report_wru, report_rru, report_kb = report_rows_per_day(orders_per_day, a)
    invoke(hourly.invocations(), standard_runs)
    express_calls = express.invocations()
    if not reports_on_express:
        express_calls.pop("AdvanceReportsFunction")
    express_lambda_s = invoke(express_calls, express_runs)
    # the day's reports: in the hourly runs' AdvanceReports, or added to one Standard run
    carried_s = carried_reports_s(a, settlement_per_day) if reports_on_express else 0.0
    ingesting = "AdvanceReportsFunction" if reports_on_express else "IngestReportFunction"
    gb_s += DAYS * carried_s * memory.get(ingesting, 0.25)
    if not reports_on_express:
        quiet_calls = quiet.invocations()
        invoke({f: n - quiet_calls.get(f, 0) for f, n in reports.invocations().items()}, DAYS)
        invoke({"IngestReportFunction": settlement_per_day}, DAYS)
    invoke({"SyncFinancesFunction": deep_pages}, DAYS)
    invoke({"StartSellerSyncFunction": 1}, hand_over_starts)
    invocations["StartSellerSyncFunction"] += children
    gb_s += batches_s * memory["StartSellerSyncFunction"]
    per_order_version_s = versions_per_sync * SECONDS_PER_ORDER_VERSION
    gb_s += (
        orders_per_day
        * a.versions_per_order
        * DAYS
        * SECONDS_PER_ORDER_VERSION
        * memory["SyncOrdersFunction"]
    )
    gb_s += rows_per_day * DAYS * SECONDS_PER_REPORT_ROW * memory[ingesting]
    lambda_requests = sum(invocations.values()) + fanout_ticks / a.fanout_sellers

    # Express: a request per run, and the run's duration (its Lambdas, in turn, and the engine's own
    # time per state) at 64 MB; the deep finances pages when they ride along
    express_seconds = express_runs * (
        express_lambda_s + per_order_version_s + express.states() * a.express_seconds_per_state
    )
    if deep_on_express:
        express_seconds += (
            DAYS * deep_pages * (DURATION_S["SyncFinancesFunction"] + 3 * a.express_seconds_per_state)
        )
    express_seconds += DAYS * (carried_s + rows_per_day * SECONDS_PER_REPORT_ROW * reports_on_express)
    express_gb_s = express_seconds * a.express_memory_gb
    sync_finance_pages = standard_runs * hourly.finance_pages + express_runs * express.finance_pages
    sync_order_pages = standard_runs * hourly.order_pages + express_runs * express.order_pages

    order_versions = orders_per_day * a.versions_per_order * DAYS
    # seller-data table (orders, facts, report rows) and the sellers table (sync bookkeeping)
    transactions = orders_per_day * DAYS * a.finance_events_per_order
    # fetches of a transaction after its first: the deep runs' lookback, the next sync's overlap
    refetches = (
        a.finance_deep_runs_per_day * a.finance_lookback_hours / 24
        + a.finance_recent_lookback_minutes * a.syncs_per_day / 1440
    )
    data_wru = (
        order_versions * a.wru_per_order_version
        + sync_order_pages * a.markers_per_order_page
        + transactions * (a.fact_wru_per_transaction_first + refetches * a.fact_wru_per_transaction_again)
        + (sync_finance_pages + DAYS * deep_pages) * a.markers_per_finance_page
        + report_wru * DAYS
    )
    data_rru = (
        order_versions * a.rru_per_order_version
        + transactions * (a.fact_rru_per_transaction_first + refetches * a.fact_rru_per_transaction_again)
        + orders_per_day * DAYS * a.rollup_reads_per_order * a.rru_per_rollup_order_read
        + report_rru * DAYS
    )
    bookkeeping_wru, bookkeeping_rru = syncs * 6.0, syncs * a.rru_per_sync_fixed
    if reports_on_express:  # the hourly runs' REPORTCARRY (sellerflow.sync.carry)
        bookkeeping_wru += DAYS * a.carry_writes_per_day
        bookkeeping_rru += express_runs * a.carry_rru_per_run
    wru, rru = data_wru + bookkeeping_wru, data_rru + bookkeeping_rru
    # steady state: the hot days in DynamoDB, the rest of the retention in the archive (S3)
    hot_days = min(a.history_hot_days + 1, DAYS * a.retention_months)
    stored_gb = orders_per_day * hot_days * a.item_kb_per_order / 1e6
    stored_gb += report_kb * DAYS * a.retention_months / 1e6  # report rows: TTL, never archived
    archive = history_archive(orders_per_day, a, hot_days, table_class)
    kms_parts = kms_requests(orders_per_day, a)
    kms = sum(kms_parts.values())
    s3_puts = DAYS * (a.reports_per_day + a.ads_reports_per_day) + fanout_ticks / a.fanout_sellers
    s3_gets = s3_puts + syncs / 100  # the map's ItemReader reads a list per tick, 1/100 of a GET per seller
    log_gb = (lambda_requests * a.log_bytes_per_invocation + order_versions * a.log_bytes_per_order) / 1e9
    sns = DAYS * 1.0  # about one alert evaluation publish a day
    sqs = DAYS * 8.0  # notifications of this seller through the queues (receive, delete)

    operations = {
        "lambda_requests": lambda_requests,
        "lambda_gb_s": gb_s,
        "sfn_transitions": transitions,
        "sfn_standard_runs": standard_runs,
        "sfn_express_runs": express_runs,
        "sfn_express_gb_s": express_gb_s,
        "fanout_children": children,
        "ddb_wru": wru,
        "ddb_rru": rru,
        "ddb_gb": stored_gb,
        "kms_requests": kms,
        "s3_puts": s3_puts,
        "s3_gets": s3_gets,
        "logs_gb": log_gb,
        "sns_publishes": sns,
        "sqs_requests": sqs,
        "xray_traces": syncs,
    }
    p = PRICES
    sfn = (
        transitions * p["sfn_standard_transition"]
        + express_runs * p["sfn_express_request"]
        + express_gb_s * p["sfn_express_gb_s"]
    )
    cost = {
        "Lambda": lambda_requests * p["lambda_request"] + gb_s * p["lambda_gb_s_arm64"],
        "Step Functions": sfn
        + children * p["sfn_express_request"]
        + fanout_child_s * a.express_memory_gb * p["sfn_express_gb_s"],
        "DynamoDB": dynamodb_cost(data_wru, data_rru, stored_gb, table_class)
        + dynamodb_cost(bookkeeping_wru, bookkeeping_rru, 0.0, "STANDARD"),
        "KMS": kms * p["kms_request"],
        "S3": s3_puts * p["s3_put"] + s3_gets * p["s3_get"] + 0.001 * p["s3_gb_month"],
        "SQS + SNS": sqs * p["sqs_request"] + sns * p["sns_publish"],
        "CloudWatch Logs": log_gb * p["logs_gb_ingested"],
        "X-Ray": syncs * p["xray_trace"],
        "History archive": archive.pop("cost"),
    }
    operations.update(archive)
    operations.update(kms_parts)
    return Month(operations=operations, cost=cost)


@dataclass(frozen=True)
class Floor:
    """The least a seller-month costs in this design, however cheap the rest is made (docs/cost.md, *The
    floor of this design*). A seller with no orders still pays its hourly runs (`idle`: `month(0)`). Each
    order pays the writes of its ORDERID# item (`order_ids`), which finds it by id and keeps a delivered
    version from marking its day stale, and what DynamoDB must hold for it over the hot days
    (`hot_bytes`): its compacted chunk share as if compacted from the first day, its ORDERID# item, its
    transactions. Everything else (the chunks' writes, the transactions' writes, the rollups, markers,
    report rows, the archive, each run's work beyond an idle one's) comes on top."""

    idle: float
    order_ids: float
    hot_bytes: float

    @property
    def total(self) -> float:
        return self.idle + self.order_ids + self.hot_bytes


def floor(orders_per_day: int, a: Assumptions) -> Floor:
    table_class = seller_data_table_class()
    order_id_wru = orders_per_day * DAYS * a.order_id_wru_per_order
    hot_days = min(a.history_hot_days + 1, DAYS * a.retention_months)
    least_gb = orders_per_day * hot_days * a.least_kb_per_order / 1e6
    return Floor(
        idle=month(0, a).total,
        order_ids=dynamodb_cost(order_id_wru, 0.0, 0.0, table_class),
        hot_bytes=dynamodb_cost(0.0, 0.0, least_gb, table_class),
    )


def floor_line(orders: int, a: Assumptions, goal: float | None = None) -> str:
    least, total = floor(orders, a), month(orders, a).total
    line = (
        f"{orders:>6} orders/day: the least this design costs $ {least.total:.4f} = an idle seller "
        f"$ {least.idle:.4f} (its hourly runs with no order) + the ORDERID# writes $ {least.order_ids:.4f} "
        f"({a.order_id_wru_per_order:.2f} WRU an order) + the least kept hot $ {least.hot_bytes:.4f} "
        f"({a.least_kb_per_order:.3f} KB an order over the hot days); the rest costs $ {total - least.total:.4f}"
    )
    if goal is not None:
        line += f"; a goal of $ {goal:.2f} would leave it $ {goal - least.total:.4f}"
    return line


def cadence_line(orders: int, a: Assumptions, syncs_per_day: int = 12) -> str:
    """The month and its floor with a run every 24 / `syncs_per_day` hours (orders too): a product
    decision (the data that much older), priced for the owner to take it or not."""
    from dataclasses import replace

    slower = replace(a, syncs_per_day=syncs_per_day)
    least = floor(orders, slower)
    return (
        f"{orders:>6} orders/day with a run every {24 / syncs_per_day:g} hours: $ {month(orders, slower).total:.4f} "
        f"(hourly $ {month(orders, a).total:.4f}); the least $ {least.total:.4f}, an idle seller "
        f"$ {least.idle:.4f} (hourly $ {floor(orders, a).idle:.4f})"
    )


FANOUT_TICKS_PER_DAY = 96  # FanoutSchedule: rate(15 minutes)


def refresh_key_miss_share(a: Assumptions) -> float:
    """The share of the refresh-token decrypts that reach KMS: a function's container holds the seller's
    data key when it served one of the seller's runs within the cache's max age (modelled: each run
    lands on one of `warm_containers_per_function` containers at random; a container outlives the age)."""
    hours_between_runs = 24 / a.syncs_per_day
    earlier_runs = max(0, math.ceil(a.refresh_key_cache_max_age_s / 3600 / hours_between_runs) - 1)
    return float((1 - 1 / a.warm_containers_per_function) ** earlier_runs)


def label_keys_per_sitting(labels: float, a: Assumptions) -> float:
    """The data keys a sitting of `labels` labels gets in its container: a key serves the labels bought
    within its max age from the first (one every `label_seconds_apart`), and max messages at most."""
    if labels <= 0:
        return 0.0
    within_age = (
        math.floor(a.label_key_max_age_s / a.label_seconds_apart) + 1 if a.label_seconds_apart > 0 else labels
    )
    per_key = max(1.0, min(a.label_key_max_messages, within_age))
    return float(math.ceil(labels / per_key))


def kms_requests(orders_per_day: int, a: Assumptions) -> dict[str, float]:
    """A seller-month's KMS requests by cause (docs/cost.md): the code's own in the syncs, DynamoDB's
    table keys, Secrets Manager's reads of the LWA app secret, the labels bought."""
    runs, ticks = a.syncs_per_day * DAYS, FANOUT_TICKS_PER_DAY * DAYS
    labels_per_day = orders_per_day * a.pii_share_of_orders
    sittings = min(a.label_sessions_per_day, labels_per_day)
    per_sitting = labels_per_day / sittings if sittings else 0.0
    new_keys = label_keys_per_sitting(per_sitting, a)
    return {
        "kms_sync_code": runs
        * (a.kms_refresh_decrypts_per_run * refresh_key_miss_share(a) + a.kms_other_code_per_run),
        "kms_table_keys": runs * a.kms_seller_table_keys_per_run
        + ticks * a.kms_role_table_keys_per_tick / a.fanout_sellers,
        "kms_app_secret": ticks
        * a.kms_secret_reads_per_tick
        * a.warm_containers_per_function
        / a.fanout_sellers,
        "kms_labels": DAYS
        * sittings
        * (
            new_keys * a.kms_per_label_new_key
            + (per_sitting - new_keys) * a.kms_per_label_key_reused
            + a.kms_per_label_session
        ),
    }


def history_archive(orders_per_day: int, a: Assumptions, hot_days: float, table: str) -> dict[str, float]:
    """The archive's month: S3 storage of the days past the hot window, and the daily job (one run per
    seller: a Lambda invocation, a LIST, per marketplace-day a GET of the object, a PUT and its
    read-back GET; per item its read and a conditional DeleteItem, an order's also removing its
    `by_purchase_date` entry; the order-id index's manifest and the shards a settled day's orders fall
    into, each a GET and a PUT, read again when the day is archived), and the fan-out's transitions.
    Every PUT is priced a KMS request, times the Bucket Keys' share (`bucket_key_kms_share`)."""
    from sellerflow.store.history_index import MAX_ENTRIES
    from sellerflow.store.orders import SETTLED_DAYS

    p = PRICES
    archived_days = max(0.0, DAYS * a.retention_months - hot_days)
    archive_gb = orders_per_day * archived_days * a.archive_kb_per_order / 1e6
    order_items = orders_per_day * DAYS * a.order_items_per_order
    finance_items = orders_per_day * DAYS * a.finance_events_per_order * a.finance_items_per_transaction
    items = order_items + finance_items
    objects = DAYS * a.archive_objects_per_day
    # the order-id index (store/history_index.py): every order from its day's settlement on (the hot
    # days past SETTLED_DAYS, then the archived ones); its steady shard count (doubled while a shard
    # would hold more than MAX_ENTRIES), the shards a day's orders touch, written when the day settles
    # and read again (already holding them: not written) when it is archived, and the manifest,
    # written both times
    entries = orders_per_day * (archived_days + max(0.0, hot_days - SETTLED_DAYS))
    shards = 1
    while entries / shards > MAX_ENTRIES:
        shards *= 2
    touched = shards * (1 - (1 - 1 / shards) ** orders_per_day) if orders_per_day else 0.0
    index_objects = DAYS * (touched + 2)
    index_gb = entries * a.index_kb_per_order / 1e6
    # a LIST is priced as a PUT
    puts, gets = objects + DAYS + index_objects, 2 * objects + DAYS * (2 * touched + 2)
    # one WRU per item deleted (and its `by_purchase_date` entry, if any) + the checkpoint's writes
    wru = (
        items
        + orders_per_day * DAYS * (a.order_index_entries_per_order + a.compaction_wru_per_order)
        + 2 * DAYS
    )
    rru = (
        orders_per_day * DAYS * (a.archive_rru_per_order + a.compaction_rru_per_order)
        + finance_items * a.archive_rru_per_item
    )
    # 512 MB; a shard's read, decode, merge, encode and write ~0.06 s (20,000 entries: 13 + 8 + 23 ms
    # of CPU, two S3 requests), its second read and merge at the archive about half that
    gb_s = DAYS * (0.3 + items / DAYS * a.archive_seconds_per_item + touched * 0.06 * 1.5) * 0.5
    transitions = DAYS * 2.0  # the fan-out map's item and its task, per seller and day
    cost = (
        (archive_gb + index_gb) * p["s3_gb_month"]
        + puts * p["s3_put"]
        + gets * p["s3_get"]
        + dynamodb_cost(wru, rru, 0.0, table)
        + DAYS * p["lambda_request"]
        + gb_s * p["lambda_gb_s_arm64"]
        + (DAYS + objects + index_objects) * bucket_key_kms_share() * p["kms_request"]
        + transitions * p["sfn_standard_transition"]
    )
    return {
        "archive_gb": archive_gb,
        "archive_puts": puts,
        "archive_gets": gets,
        "archive_wru": wru,
        "archive_rru": rru,
        "index_shards": float(shards),
        "index_objects": index_objects,
        "index_gb": index_gb,
        "cost": cost,
    }


def report_rows_per_day(orders_per_day: int, a: Assumptions) -> tuple[float, float, float]:
    """WRU, RRU and KB stored a day for the daily report rows: listings and inventory one item a row;
    by-ASIN traffic and the two Ads reports one item a row, each Ads row written again every day of
    `ads_window_days`, or packed per kind and day (written when changed, read before)."""
    rows = orders_per_day * a.asins_per_100_orders / 100  # per report and day
    if not rows:  # nothing sold, no catalogue in the reports (the packed days' units are per scale)
        return 0.0, 0.0, 0.0
    itemised = rows * (a.reports_per_day - 1)  # listings, inventory (sales and traffic: by ASIN)
    if not a.report_days_packed:
        wru = itemised + rows * (1 + a.ads_reports_per_day * a.ads_window_days)
        return wru, 0.0, rows * (1 + a.ads_reports_per_day) * a.report_row_kb
    restated = min(a.ads_restated_days, a.ads_window_days)
    wru = itemised + a.traffic_day_wru + restated * a.ads_day_wru
    return wru, a.traffic_day_rru + a.ads_window_days * a.ads_day_rru, a.report_day_kb


ITEM_OVERHEAD_KB = 0.1  # DynamoDB bills 100 bytes of storage per item, per table and per index entry


@cache
def _counted_base() -> Assumptions:
    from dataclasses import replace

    from sellerflow.settings import Settings
    from sellerflow.sync.finances import FinancesPolicy
    from sellerflow_dev.bench.cost_count import count_archive_bytes

    archived = count_archive_bytes()
    policy = FinancesPolicy()
    per_order = Assumptions().finance_events_per_order  # modelled (the simulator posts ~5: docs/cost.md)
    base = replace(
        Assumptions(),
        finance_lookback_hours=policy.lookback.total_seconds() / 3600,
        finance_recent_lookback_minutes=policy.recent_lookback.total_seconds() / 60,
        history_hot_days=float(Settings().history_hot_days),
        archive_kb_per_order=archived.kb_per_order + per_order * archived.kb_per_transaction,
    )
    return counted_kms(base)


@cache
def _kms_count() -> KmsCount:
    from sellerflow_dev.bench.cost_count import count_kms_requests

    return count_kms_requests()


def counted_kms(a: Assumptions) -> Assumptions:
    """`a` with the KMS inputs counted on the local stack (`cost_count.count_kms_requests`, ~4 minutes)
    and the data key caches' thresholds read from the code (the vault's age, the label keys')."""
    from dataclasses import replace

    from sellerflow.store.credentials import REFRESH_TOKEN_KEY_CACHE
    from sellerflow.store.labels import LABEL_KEY_CACHE

    kms = _kms_count()
    secret_reads: dict[str, int] = {}
    for use in kms.runs.values():  # a container's reads in a run (each read once a tick: 5-minute cache)
        for (function, _), reads in use.secret_reads.items():
            secret_reads[function] = max(secret_reads.get(function, 0), reads)
    return replace(
        a,
        kms_refresh_decrypts_per_run=kms.per_run(lambda u: u.code_requests(refresh_tokens=True)),
        kms_other_code_per_run=kms.per_run(lambda u: u.code_requests(refresh_tokens=False)),
        kms_seller_table_keys_per_run=kms.per_run(lambda u: len(u.seller_tables)),
        kms_role_table_keys_per_tick=float(len(kms.role_tables)),
        kms_secret_reads_per_tick=float(sum(secret_reads.values())),
        kms_per_label_new_key=kms.per_first_label,
        kms_per_label_key_reused=kms.per_later_label,
        kms_per_label_session=kms.per_label_session,
        refresh_key_cache_max_age_s=REFRESH_TOKEN_KEY_CACHE.max_age_s,
        label_key_max_messages=LABEL_KEY_CACHE.max_messages,
        label_key_max_age_s=LABEL_KEY_CACHE.max_age_s,
    )


def counted_assumptions(orders_per_day: int = 1_000) -> Assumptions:
    """The defaults with the orders and finances paths counted against moto (`cost_count`), at
    `orders_per_day`: request units per order version (the chunks, the ORDERID items, the compare's
    reads) and per transaction (first write, and each later fetch of the 48-hour lookback), the dirty-
    day markers per orders page, the bytes stored per order (its versions' share of the chunks, its
    ORDERID item) and per transaction, the items the archive deletes, and what a rollup's read of a
    day costs per order (a Query of the day's chunks). Orders and transactions share chunk items, so
    their units and bytes fall as a seller sells more per hour. The lookback comes from the finances
    sync's policy."""
    from dataclasses import replace

    from sellerflow.store.history_archiver import COMPACTED_DAYS
    from sellerflow.store.orders import ORDER_ID_DAYS, SETTLED_DAYS
    from sellerflow.sync.ads import AdsPolicy
    from sellerflow_dev.bench.cost_count import count_finance_writes, count_order_writes, count_report_rows

    base = _counted_base()
    orders = count_order_writes(orders_per_day)
    finances = count_finance_writes(orders_per_day)
    rows = count_report_rows(orders_per_day, base.asins_per_100_orders)
    # what an order keeps in DynamoDB over the hot days: every version's chunks until its day settles,
    # the compacted chunk after; its ORDERID# item for ORDER_ID_DAYS (stored_gb counts hot days)
    hot = base.history_hot_days + 1
    settled = min(float(SETTLED_DAYS), hot)
    # its ORDERID# item, kept ORDER_ID_DAYS, averaged over the hot days
    order_id_share_kb = ORDER_ID_DAYS * orders.order_id_kb / hot
    order_kb = (
        settled * orders.kb_per_order + (hot - settled) * orders.compacted_kb_per_order
    ) / hot + order_id_share_kb
    # the least: as if compacted from the first day
    least_order_kb = orders.compacted_kb_per_order + order_id_share_kb
    transactions_kb = base.finance_events_per_order * finances.kb_per_transaction
    return replace(
        base,
        wru_per_order_version=orders.wru_per_order_version,
        order_id_wru_per_order=orders.order_id_wru_per_order,
        least_kb_per_order=least_order_kb + transactions_kb,
        rru_per_order_version=orders.rru_per_order_version,
        markers_per_order_page=orders.markers_per_page,
        rru_per_rollup_order_read=orders.rollup_rru_per_order,
        order_items_per_order=orders.compacted_items_per_order,
        order_index_entries_per_order=0.0,
        archive_rru_per_order=orders.compacted_kb_per_order / 4,
        compaction_wru_per_order=orders.items_per_order + orders.compacted_kb_per_order,
        # the compaction's reads of its days, and the settled day's read (compacted, eventually
        # consistent) for the order-id index
        compaction_rru_per_order=COMPACTED_DAYS * orders.kb_per_order / 4 + orders.compacted_kb_per_order / 8,
        report_days_packed=True,
        traffic_day_wru=rows.traffic_wru,
        traffic_day_rru=rows.traffic_rru,
        ads_day_wru=rows.ads_wru,
        ads_day_rru=rows.ads_rru_unchanged,  # a day of the window is read stored, changed or not
        report_day_kb=rows.kb_per_day,
        report_row_kb=rows.legacy_kb_per_row,
        ads_window_days=float(AdsPolicy().fresh_days),
        fact_wru_per_transaction_first=finances.wru_first,
        fact_rru_per_transaction_first=finances.rru_first,
        fact_wru_per_transaction_again=finances.wru_again,
        fact_rru_per_transaction_again=finances.rru_again,
        finance_items_per_transaction=finances.items_per_transaction,
        # the transactions' bytes, each item's overhead shared by its transactions
        item_kb_per_order=order_kb + transactions_kb,
    )


def report(lines: list[str] | None = None, a: Assumptions | None = None) -> list[str]:
    """`a`: the assumptions at every scale (default: counted, the finances per scale)."""
    out = lines if lines is not None else []
    at = {orders: a or counted_assumptions(orders) for orders in ORDERS_PER_DAY}
    first = at[ORDERS_PER_DAY[0]]
    out.append(
        f"(counted per scale below; {first.finance_events_per_order:.1f} transactions per order "
        f"({first.finance_lookback_hours:.0f} h back once a day, "
        f"{first.finance_recent_lookback_minutes:.0f} min otherwise); "
        f"{first.history_hot_days:.0f} days in DynamoDB, {first.archive_kb_per_order:.3f} KB per order "
        f"in the S3 archive after)"
    )
    for orders, c in at.items():
        out.append(
            f"{orders:>6} orders/day, per order version: {c.wru_per_order_version:.3f} WRU + "
            f"{c.rru_per_order_version:.3f} RRU, {c.markers_per_order_page:.1f} dirty-day markers a page, "
            f"{c.order_items_per_order:.3f} chunk items per order; a rollup's read "
            f"{c.rru_per_rollup_order_read:.4f} RRU per order"
        )
        out.append(
            f"{orders:>6} orders/day, per transaction: {c.fact_wru_per_transaction_first:.3f} WRU + "
            f"{c.fact_rru_per_transaction_first:.3f} RRU on the first fetch, "
            f"{c.fact_wru_per_transaction_again:.3f} WRU + {c.fact_rru_per_transaction_again:.3f} RRU on "
            f"each later fetch, {c.finance_items_per_transaction:.3f} items; "
            f"{c.item_kb_per_order:.2f} KB stored per order with its index entry and transactions"
        )
    for orders, c in at.items():
        out.append(report_rows_line(orders, c))
    out.extend(kms_lines(at, counted=a is None))
    for orders in ORDERS_PER_DAY:
        a = at[orders]
        m = month(orders, a)
        parts = ", ".join(
            f"{name} {value:.4f}" for name, value in sorted(m.cost.items(), key=lambda kv: -kv[1])
        )
        out.append(f"{orders:>6} orders/day: $ {m.total:.4f} per seller-month  ({parts})")
    for orders in ORDERS_PER_DAY:
        a = at[orders]
        m, before = month(orders, a), month(orders, a, hourly_express=False)
        standard_reports = month(orders, a, express_reports=False)
        out.append(
            f"{orders:>6} orders/day: Step Functions $ {m.cost['Step Functions']:.4f} "
            f"({m.operations['sfn_standard_runs']:.0f} Standard runs, {m.operations['sfn_express_runs']:.0f} "
            f"hourly Express runs of {m.operations['sfn_express_gb_s'] / max(1.0, m.operations['sfn_express_runs']) / a.express_memory_gb:.1f} s); "
            f"reports on Standard: $ {standard_reports.cost['Step Functions']:.4f} "
            f"({standard_reports.operations['sfn_standard_runs']:.0f} Standard runs), total $ {standard_reports.total:.4f}; "
            f"every run on Standard: $ {before.cost['Step Functions']:.4f}, total $ {before.total:.4f}"
        )
    for orders in ORDERS_PER_DAY:
        out.append(fanout_line(orders, at[orders]))
    for orders in ORDERS_PER_DAY:
        out.append(provisioned_line(orders, at[orders]))
    from sellerflow_dev.bench.table_load_model import fleet_lines

    for orders in ORDERS_PER_DAY:  # the what-ifs barely move with the orders: shown at 1,000 a day
        out.extend(fleet_lines(orders, at[orders], what_ifs=orders == 1_000))
    out.extend(fleet_lines(1_000, at[1_000], sellers=10_000))
    for orders in ORDERS_PER_DAY:
        out.append(floor_line(orders, at[orders], GOAL_USD_1K if orders == 1_000 else None))
    for orders in ORDERS_PER_DAY:
        out.append(cadence_line(orders, at[orders]))
    return out


def kms_lines(at: dict[int, Assumptions], *, counted: bool) -> list[str]:
    """What the KMS figure is made of at each scale, and what it would be without the vault's cache."""
    from dataclasses import replace

    out = []
    if counted:
        kms = _kms_count()
        per_kind = ", ".join(f"{kind} {use.code_requests()}" for kind, use in kms.runs.items())
        functions = ", ".join(
            f"{name.removesuffix('Function')} {n}"
            for name, n in sorted(kms.runs["planning"].by_function().items())
        )
        quiet = kms.runs["quiet"]
        out.append(
            f"KMS counted on the local stack: the code's requests an hourly run with no data key cached: "
            f"{per_kind} ({functions} when the reports are planned); {kms.warm_quiet.code_requests()} in a "
            f"quiet run whose containers hold the seller's key; table keys of the seller's session "
            f"{len(quiet.seller_tables)} a run ({len(quiet.connections)} were they kept per function and "
            f"caller), of functions' own roles {len(kms.role_tables)} a tick; a label bought "
            f"{kms.per_first_label:.0f} (a sitting's first: a new data key), {kms.per_later_label:.0f} "
            f"(a later one: its key cached), {kms.per_label_session:.0f} a label session"
        )
    for orders, a in at.items():
        parts = {name.removeprefix("kms_"): n for name, n in kms_requests(orders, a).items()}
        without = month(orders, replace(a, refresh_key_cache_max_age_s=0.0)).cost["KMS"]
        one_key_a_label = replace(
            a, label_key_max_messages=1, kms_per_label_key_reused=a.kms_per_label_new_key
        )
        labels = orders * a.pii_share_of_orders / a.label_sessions_per_day
        out.append(
            f"{orders:>6} orders/day: KMS $ {month(orders, a).cost['KMS']:.4f}, {sum(parts.values()):.0f} "
            f"requests ({', '.join(f'{name} {n:.0f}' for name, n in parts.items())}; "
            f"{refresh_key_miss_share(a):.2f} of the refresh-token decrypts reach KMS; "
            f"{label_keys_per_sitting(labels, a):.0f} label data keys a sitting of {labels:.0f}); without the "
            f"refresh-token key cache $ {without:.4f}, with a data key per label "
            f"$ {month(orders, one_key_a_label).cost['KMS']:.4f}"
        )
    return out


def fanout_line(orders: int, a: Assumptions) -> str:
    """The fanout at a scale: its Map's children (batches) against one seller a child, as before."""
    from dataclasses import replace

    m, one = month(orders, a), month(orders, replace(a, fanout_batch_size=1))
    return (
        f"{orders:>6} orders/day: fanout {a.fanout_batch_size or fanout_batch_size()} sellers a child, "
        f"{m.operations['fanout_children']:.1f} children a seller-month, total $ {m.total:.4f}; "
        f"one seller a child: {one.operations['fanout_children']:.0f} children, total $ {one.total:.4f}"
    )


def report_rows_line(orders: int, a: Assumptions) -> str:
    """The daily report rows at a scale: packed (`a`) against one item a row, as the model had it
    (each Ads row written once, storage not counted) and as the sync writes it (each Ads row again
    every day of the window; stored for the retention)."""
    from dataclasses import replace

    legacy = replace(a, report_days_packed=False)
    as_modelled = replace(legacy, ads_window_days=1.0, report_row_kb=0.0)
    wru, rru, kb = report_rows_per_day(orders, a)
    totals = [month(orders, x).total for x in (as_modelled, legacy, a)]
    return (
        f"{orders:>6} orders/day, report rows a day: {wru:.0f} WRU + {rru:.1f} RRU, {kb:.0f} KB stored "
        f"(by-ASIN traffic {a.traffic_day_wru:.0f} WRU, an Ads day {a.ads_day_wru:.0f} WRU when restated "
        f"and {a.ads_day_rru:.1f} RRU each of {a.ads_window_days:.0f} days); one item a row: "
        f"{report_rows_per_day(orders, legacy)[0]:.0f} WRU, {report_rows_per_day(orders, legacy)[2]:.0f} KB "
        f"(as modelled before: {report_rows_per_day(orders, as_modelled)[0]:.0f} WRU); $ per seller-month "
        f"{totals[0]:.4f} as modelled before, {totals[1]:.4f} one item a row, {totals[2]:.4f} packed"
    )


def main() -> int:
    for line in report():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
