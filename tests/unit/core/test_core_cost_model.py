"""The cost model reads the deployment it prices: memory from template.yaml, states from the workflow."""

from __future__ import annotations

import math

import pytest

from sellerflow_dev.bench.cost import SyncShape, function_memory_gb, month


def test_every_priced_function_exists_in_the_template() -> None:
    memory = function_memory_gb()
    shape = SyncShape(order_pages=1, finance_pages=1, reports=1, ads_reports=1, settlements=1, polls=1)
    assert set(shape.invocations()) <= set(memory)


def test_an_hourly_run_walks_the_seller_sync_path_and_reports_add_their_polls() -> None:
    quiet = SyncShape(order_pages=1, finance_pages=1, reports=0, ads_reports=0, settlements=0, polls=3)
    busy = SyncShape(order_pages=1, finance_pages=1, reports=1, ads_reports=0, settlements=0, polls=3)
    assert quiet.transitions() == 17  # the fixed path (13 states) + 2 order and 2 finance transitions
    assert busy.transitions() - quiet.transitions() == 5 + 3 * 3  # PaceReportRequest first


def test_cost_grows_with_orders_and_every_service_is_priced() -> None:
    small, large = month(100), month(10_000)
    assert 0 < small.total < large.total
    assert all(value >= 0 for value in small.cost.values())
    assert {"Lambda", "Step Functions", "DynamoDB", "KMS", "S3", "CloudWatch Logs"} <= set(small.cost)


def test_items_are_sized_as_dynamodb_bills_them() -> None:
    from sellerflow_dev.bench.cost_count import item_bytes

    item = {
        "pk": {"S": "A1"},
        "n": {"N": "12345"},
        "m": {"M": {"x": {"BOOL": True}}},
        "l": {"L": [{"S": "ab"}]},
    }
    # pk 2+2, n 1+(3+1), m 1+(3+1+1), l 1+(3+1+2)
    assert item_bytes(item) == 4 + 5 + 6 + 7


def test_an_index_entry_is_written_only_when_it_appears_or_a_projected_attribute_changes() -> None:
    from sellerflow_dev.bench.cost_count import IndexShape, TableShape, WriteCount, _Meter

    index = IndexShape(keys=("seller_id", "purchase_sk"), projected=frozenset({"marketplace_id"}))
    meter = _Meter({"t": TableShape(("seller_id", "sk"), (index,))}, WriteCount())
    old = {
        "seller_id": {"S": "A1"},
        "sk": {"S": "O#1"},
        "purchase_sk": {"S": "2026"},
        "marketplace_id": {"S": "M"},
    }
    shipped = {**old, "status": {"S": "SHIPPED"}, "lines": {"S": "x" * 1500}}
    # a new item: the table (1 KB) and its entry; a version that changes only unprojected attributes:
    # the table only (2 KB now); an item without the index key: no entry
    assert meter.write_units("t", old, None) == 2
    assert meter.write_units("t", shipped, old) == 2
    assert meter.write_units("t", {"seller_id": {"S": "A1"}, "sk": {"S": "X"}}, None) == 1
    # with the whole item projected, every change rewrites the entry too
    everything = _Meter({"t": TableShape(("seller_id", "sk"), (IndexShape(index.keys, None),))}, WriteCount())
    assert everything.write_units("t", shipped, old) == 4


def test_the_infrequent_access_class_trades_dearer_requests_for_cheaper_storage() -> None:
    from sellerflow_dev.bench.cost import dynamodb_cost

    assert dynamodb_cost(1e6, 0, 0, "STANDARD_INFREQUENT_ACCESS") > dynamodb_cost(1e6, 0, 0, "STANDARD")
    assert dynamodb_cost(0, 0, 1.0, "STANDARD_INFREQUENT_ACCESS") < dynamodb_cost(0, 0, 1.0, "STANDARD")


def test_the_template_gives_the_seller_data_table_the_class_the_model_prices_lower() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import (
        Assumptions,
        cheaper_table_class,
        month,
        seller_data_table_class,
    )

    assert seller_data_table_class() == cheaper_table_class(1_000)
    chosen = month(1_000).total
    other = {"STANDARD": "STANDARD_INFREQUENT_ACCESS"}.get(seller_data_table_class(), "STANDARD")
    assert chosen < month(1_000, table_class=other).total
    # the choice follows the data: with 18 months kept in DynamoDB, storage would make IA the cheaper
    everything = replace(Assumptions(), history_hot_days=Assumptions().retention_months * 30)
    assert cheaper_table_class(1_000, everything) == "STANDARD_INFREQUENT_ACCESS"


def test_an_hourly_express_run_walks_its_own_definition_and_hands_over_past_its_budgets() -> None:
    from sellerflow_dev.bench.cost import HourlyShape, hourly_page_budgets

    one = HourlyShape(order_pages=1, finance_pages=1)
    # the fixed path (10 states, AdvanceReports and its hand-over Choice among them) + 2 per orders
    # page + 3 per finances page (the page counter)
    assert one.states() == 15
    assert HourlyShape(order_pages=2, finance_pages=3).states() - one.states() == 2 + 3 * 2
    # the reports are the hourly run's AdvanceReports (sellerflow.sync.carry), not Standard's sub-flows
    assert one.invocations()["AdvanceReportsFunction"] == 1
    assert "PlanReportsFunction" not in one.invocations()
    orders_budget, finances_budget = hourly_page_budgets()
    assert 0 < orders_budget <= finances_budget


def test_routing_quiet_hours_to_express_cuts_step_functions_and_leaves_the_other_services() -> None:
    from sellerflow_dev.bench.cost import reports_every_hours

    routed, standard = month(1_000, express_reports=False), month(1_000, hourly_express=False)
    assert routed.operations["sfn_standard_runs"] == 30 * (24 / reports_every_hours() + 1)
    assert standard.operations["sfn_express_runs"] == 0
    assert routed.cost["Step Functions"] < standard.cost["Step Functions"] / 2
    assert routed.cost["DynamoDB"] == standard.cost["DynamoDB"]
    # an Express run bills its duration: its Lambdas in turn, not its transitions
    assert routed.operations["sfn_transitions"] < standard.operations["sfn_transitions"]


def test_carrying_the_reports_on_express_leaves_standard_the_hand_overs_only() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import Assumptions, carried_reports_s

    a = Assumptions()
    carried, standard_reports = month(1_000), month(1_000, express_reports=False)
    # Standard: the modelled hand-overs, each followed by one more Standard run (its plan resumes the
    # reports the hourly runs carried); the deep finances run fits the hourly budget at 1,000 a day
    assert (
        carried.operations["sfn_standard_runs"] == 30 * a.hand_overs_per_day * a.standard_runs_per_hand_over
    )
    assert carried.cost["Step Functions"] < standard_reports.cost["Step Functions"] / 3
    # the reports' work moved into the hourly runs' duration and AdvanceReports' GB-s, not gone
    assert carried_reports_s(a, a.settlements_per_month / 30) > 0
    assert carried.operations["sfn_express_gb_s"] > standard_reports.operations["sfn_express_gb_s"]
    assert carried.total < standard_reports.total
    # a deep finances lookback past the hourly budget (10,000 orders a day) hands over every day
    busy = month(10_000)
    deep_hand_overs = a.hand_overs_per_day + a.finance_deep_runs_per_day
    assert busy.operations["sfn_standard_runs"] == 30 * deep_hand_overs * a.standard_runs_per_hand_over
    # no hand-over modelled, no Standard run at all
    none = month(1_000, replace(a, hand_overs_per_day=0.0))
    assert none.operations["sfn_standard_runs"] == 0


def test_the_fanout_bills_a_child_and_a_start_invocation_per_batch_and_the_function_per_seller() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import (
        DURATION_S,
        START_SECONDS_PER_SELLER,
        Assumptions,
        fanout_batch_size,
        fanout_children_per_start,
    )

    # 1,000 sellers syncing hourly: 250 due at each 15-minute tick, in 5 batches of the template's 50
    a = Assumptions()
    assert fanout_batch_size() == 50
    assert fanout_children_per_start(a) == 5 / 250
    # a small deployment's tick (15 due): one short batch
    assert fanout_children_per_start(replace(a, fanout_sellers=60)) == 1 / 15
    assert fanout_children_per_start(replace(a, fanout_batch_size=1)) == 1
    one, batched = month(1_000, replace(a, fanout_batch_size=1)), month(1_000, a)
    fewer = one.operations["fanout_children"] - batched.operations["fanout_children"]
    assert batched.operations["fanout_children"] == pytest.approx(one.operations["fanout_children"] / 50)
    # a parent transition, an Express request and a StartSellerSync invocation less per child
    assert one.operations["sfn_transitions"] - batched.operations["sfn_transitions"] == pytest.approx(fewer)
    assert one.operations["lambda_requests"] - batched.operations["lambda_requests"] == pytest.approx(fewer)
    # the batch's function still spends its per-seller time: only each invocation's own time goes
    own_s = DURATION_S["StartSellerSyncFunction"] - START_SECONDS_PER_SELLER
    assert one.operations["lambda_gb_s"] - batched.operations["lambda_gb_s"] == pytest.approx(
        fewer * own_s * 0.25
    )
    assert one.cost["Step Functions"] - batched.cost["Step Functions"] > 0.015  # 702 transitions ~ $0.018
    assert one.cost["DynamoDB"] == batched.cost["DynamoDB"]


def test_the_history_archive_moves_storage_past_the_hot_days_from_dynamodb_to_s3() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import Assumptions

    kept = replace(Assumptions(), history_hot_days=Assumptions().retention_months * 30)
    archived = month(1_000)
    everything = month(1_000, kept)
    # DynamoDB holds the hot days only; the archive holds the rest, smaller and cheaper per GB
    assert archived.operations["ddb_gb"] < everything.operations["ddb_gb"] / 4
    assert archived.operations["archive_gb"] > 0
    assert everything.operations["archive_gb"] == 0
    assert archived.cost["DynamoDB"] + archived.cost["History archive"] < everything.cost["DynamoDB"]
    # the job deletes each archived item once (an order, its `by_purchase_date` entry, its
    # transactions), and keeps nothing per order in DynamoDB: the order-id index is in S3
    a = Assumptions()
    assert archived.operations["archive_wru"] >= 1_000 * 30 * (2 + a.finance_events_per_order)
    assert "locator_gb" not in archived.operations
    assert 0 < archived.operations["index_gb"] < archived.operations["archive_gb"] / 10


def test_the_order_index_writes_a_few_shards_a_day_each_read_kept_under_200_kb() -> None:
    from sellerflow.store.history_index import MAX_ENTRIES
    from sellerflow.store.orders import SETTLED_DAYS
    from sellerflow_dev.bench.cost import Assumptions

    a = Assumptions()
    # the index holds an order from its day's settlement on: the hot days past it, then the archived
    indexed_days = 30 * a.retention_months - SETTLED_DAYS
    for orders_per_day in (100, 1_000, 10_000):
        operations = month(orders_per_day).operations
        shards = operations["index_shards"]
        # a get reads one shard of at most MAX_ENTRIES entries (~190 KB), and no shard count is
        # larger than that needs
        assert (
            orders_per_day * indexed_days / shards
            <= MAX_ENTRIES
            < orders_per_day * indexed_days / (shards / 2)
        )
        assert MAX_ENTRIES * a.index_kb_per_order <= 200
        # the job writes at most every shard (at a day's settlement) and the manifest twice a day
        # (then, and at its archiving), never one object per order
        assert 30 <= operations["index_objects"] <= 30 * (shards + 2)
        assert operations["index_objects"] < orders_per_day * 30 / 3


def test_finance_chunks_cut_the_archive_deletes_and_the_first_reads_count() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import Assumptions

    one_each = Assumptions()
    chunked = replace(one_each, finance_items_per_transaction=0.02, fact_rru_per_transaction_first=0.1)
    # the archive deletes a chunk per ~50 transactions instead of an item each
    saved = month(1_000, one_each).operations["archive_wru"] - month(1_000, chunked).operations["archive_wru"]
    assert saved == pytest.approx(1_000 * 30 * one_each.finance_events_per_order * (1 - 0.02))
    # the hour's reads before a first write are billed
    extra = month(1_000, chunked).operations["ddb_rru"] - month(1_000, one_each).operations["ddb_rru"]
    assert extra == pytest.approx(1_000 * 30 * one_each.finance_events_per_order * 0.1)


def test_kms_is_priced_per_run_table_key_and_label_not_per_invocation() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import Assumptions, kms_requests, refresh_key_miss_share

    a = Assumptions()
    # the runs' requests do not grow with the orders (pages are invocations, not decrypts); the labels do
    small, large = kms_requests(100, a), kms_requests(10_000, a)
    assert small["kms_sync_code"] == large["kms_sync_code"] > 0
    assert small["kms_table_keys"] == large["kms_table_keys"] > 0
    assert small["kms_labels"] < large["kms_labels"]
    # a sitting's 200 labels at 1,000 orders/day: a data key per 16 (5 minutes at one each 20 s), each a
    # GenerateDataKey, and the session's requests
    per_month = 30 * (math.ceil(200 / 16) * a.kms_per_label_new_key + a.kms_per_label_session)
    assert month(1_000).operations["kms_labels"] == pytest.approx(per_month)
    # no label bought, no label session
    assert kms_requests(1_000, replace(a, pii_share_of_orders=0.0))["kms_labels"] == 0
    # without the vault's cache every refresh-token decrypt reaches KMS; with 6 hours, those of a
    # container that served one of the seller's 5 earlier hourly runs do not (1 in 10 containers each)
    assert refresh_key_miss_share(replace(a, refresh_key_cache_max_age_s=0.0)) == 1.0
    assert refresh_key_miss_share(replace(a, refresh_key_cache_max_age_s=3600.0)) == 1.0
    assert refresh_key_miss_share(a) == pytest.approx(0.9**5)
    uncached = month(1_000, replace(a, refresh_key_cache_max_age_s=0.0))
    assert month(1_000).cost["KMS"] < uncached.cost["KMS"]
    # the functions' own roles and the app secret are shared by the fan-out's sellers
    shared = kms_requests(1_000, replace(a, fanout_sellers=10_000))
    assert shared["kms_app_secret"] == kms_requests(1_000, a)["kms_app_secret"] / 10


def test_the_models_refresh_key_cache_age_is_the_vaults() -> None:
    from sellerflow.store.credentials import REFRESH_TOKEN_KEY_CACHE
    from sellerflow_dev.bench.cost import Assumptions

    # a decrypt an hour after the last would never find a younger cache's entry
    assert Assumptions().refresh_key_cache_max_age_s == REFRESH_TOKEN_KEY_CACHE.max_age_s > 3600


def test_the_archives_kms_requests_take_the_bucket_keys_share_only_when_the_template_enables_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sellerflow_dev.bench import cost

    assert cost.bucket_key_kms_share() == cost.BUCKET_KEY_KMS_SHARE  # the template enables Bucket Keys
    with_keys = cost.history_archive(1_000, cost.Assumptions(), 101, "STANDARD")
    monkeypatch.setattr(cost, "bucket_key_kms_share", lambda bucket="RawDocumentsBucket": 1.0)
    without = cost.history_archive(1_000, cost.Assumptions(), 101, "STANDARD")
    requests = 30 + 30 * cost.Assumptions().archive_objects_per_day + with_keys["index_objects"]
    saved = (1 - cost.BUCKET_KEY_KMS_SHARE) * requests * cost.PRICES["kms_request"]
    assert without["cost"] - with_keys["cost"] == pytest.approx(saved)


def test_a_sittings_labels_share_a_data_key_within_max_messages_and_max_age() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import Assumptions, kms_requests, label_keys_per_sitting

    a = Assumptions()
    # one label each 20 s: a key serves the labels of its 5 minutes (16), max messages (100) never reached
    assert label_keys_per_sitting(200, a) == math.ceil(200 / 16)
    assert label_keys_per_sitting(16, a) == 1
    assert label_keys_per_sitting(17, a) == 2
    # bought back to back (one a second), max messages ends each key: ceil(labels / 100)
    fast = replace(a, label_seconds_apart=1.0)
    assert label_keys_per_sitting(200, fast) == 2
    assert label_keys_per_sitting(201, fast) == 3
    assert label_keys_per_sitting(0, a) == 0
    # a data key per label (as before the cache): every label a GenerateDataKey
    one_each = replace(a, label_key_max_messages=1, kms_per_label_key_reused=1.0)
    assert kms_requests(1_000, one_each)["kms_labels"] == pytest.approx(30 * (200 + a.kms_per_label_session))
    # the labels reusing a key cost what the count says a later label costs
    counted_later = replace(a, kms_per_label_key_reused=0.5)
    extra = kms_requests(1_000, counted_later)["kms_labels"] - kms_requests(1_000, a)["kms_labels"]
    assert extra == pytest.approx(30 * (200 - 13) * 0.5)


def test_the_models_label_key_thresholds_are_the_vaults() -> None:
    from sellerflow.store.labels import LABEL_KEY_CACHE
    from sellerflow_dev.bench.cost import Assumptions

    a = Assumptions()
    assert (a.label_key_max_messages, a.label_key_max_age_s) == (
        LABEL_KEY_CACHE.max_messages,
        LABEL_KEY_CACHE.max_age_s,
    )


def test_provisioned_capacity_prices_the_same_units_per_capacity_second_divided_by_how_busy() -> None:
    from sellerflow_dev.bench.cost import (
        PRICES,
        Assumptions,
        on_demand_requests_cost,
        provisioned_requests_cost,
    )

    m = month(1_000, Assumptions())
    wru, rru = m.operations["ddb_wru"], m.operations["ddb_rru"]
    full = (wru * PRICES["ddb_wcu_hour"] + rru * PRICES["ddb_rcu_hour"]) / 3600
    assert provisioned_requests_cost(m, 1.0) == pytest.approx(full)
    assert provisioned_requests_cost(m, 0.5) == pytest.approx(2 * full)
    # fully busy, provisioned is ~3.5x cheaper than on demand; the break-even is near 29 % busy
    assert on_demand_requests_cost(m) / full == pytest.approx(3.5, rel=0.05)
    assert provisioned_requests_cost(m, 0.28) > on_demand_requests_cost(m) > provisioned_requests_cost(m, 0.3)
    # writes and reads each at their own share (a fleet's, measured by the table-load model)
    split = (wru * PRICES["ddb_wcu_hour"] / 0.4 + rru * PRICES["ddb_rcu_hour"] / 0.25) / 3600
    assert provisioned_requests_cost(m, 0.4, read_busy=0.25) == pytest.approx(split)
    with pytest.raises(ValueError, match="busy"):
        provisioned_requests_cost(m, 0.0)
    with pytest.raises(ValueError, match="busy"):
        provisioned_requests_cost(m, 0.5, read_busy=1.5)


def test_the_floor_is_an_idle_sellers_month_plus_what_each_order_cannot_avoid() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import PRICES, Assumptions, floor

    a = Assumptions()
    least = floor(1_000, a)
    assert least.idle == pytest.approx(month(0, a).total)
    assert 0 < least.idle < month(100, a).total
    # two ORDERID# writes an order, 30,000 orders; 0.5 KB an order over 101 hot days with PITR
    assert least.order_ids == pytest.approx(30_000 * 2 * PRICES["ddb_wru"])
    hot_gb = 1_000 * 101 * 0.5 / 1e6
    assert least.hot_bytes == pytest.approx(hot_gb * (PRICES["ddb_gb_month"] + PRICES["ddb_pitr_gb_month"]))
    assert least.total < month(1_000, a).total
    # an order's parts scale with its counted inputs; the idle seller does not
    dearer = floor(1_000, replace(a, order_id_wru_per_order=4.0, least_kb_per_order=1.0))
    assert (dearer.order_ids, dearer.hot_bytes) == pytest.approx((2 * least.order_ids, 2 * least.hot_bytes))
    assert dearer.idle == pytest.approx(least.idle)
    assert floor(0, a).total == pytest.approx(least.idle)
    # the packed report days' units are counted per scale: a seller with no orders has no rows
    packed = replace(a, report_days_packed=True, traffic_day_wru=9.0, ads_day_wru=25.0, report_day_kb=33.0)
    assert floor(1_000, packed).idle == pytest.approx(least.idle)


def test_writes_are_counted_per_kind_of_item_by_the_sort_keys_first_segment() -> None:
    from sellerflow_dev.bench.cost_count import TableShape, WriteCount, _Meter

    count = WriteCount()
    meter = _Meter({"t": TableShape(("seller_id", "sk"))}, count)

    def put(sk: str, size: int) -> dict[str, object]:
        return {"PutRequest": {"Item": {"seller_id": {"S": "A1"}, "sk": {"S": sk}, "p": {"S": "x" * size}}}}

    meter.puts(
        "BatchWriteItem",
        {
            "RequestItems": {
                "t": [put("ORDERID#1", 10), put("ORDERID#2", 10), put("ORDERS#2026-12-01#M#h", 1500)]
            }
        },
    )
    meter.puts("PutItem", {"TableName": "t", "Item": put("DIRTY#M#2026-12-01", 10)["PutRequest"]["Item"]})
    assert count.wru_by_kind == {"ORDERID": 2.0, "ORDERS": 2.0, "DIRTY": 1.0}
    assert count.marker_wru == 1.0
    assert count.wru == 5.0


def test_a_run_every_two_hours_halves_what_an_idle_seller_pays_per_run_not_the_archive() -> None:
    from dataclasses import replace

    from sellerflow_dev.bench.cost import Assumptions, cadence_line

    a = Assumptions()
    hourly, slower = month(0, a), month(0, replace(a, syncs_per_day=12))
    assert slower.cost["X-Ray"] == pytest.approx(hourly.cost["X-Ray"] / 2)  # a trace per run
    assert slower.cost["History archive"] == pytest.approx(hourly.cost["History archive"])  # daily
    assert slower.total < hourly.total
    assert f"$ {slower.total:.4f}" in cadence_line(0, a)
