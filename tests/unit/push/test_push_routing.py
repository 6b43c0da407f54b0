"""Each notification type turned into its targeted work; idempotency on the notification id;
what is retried (raised) and what is recorded and acknowledged."""

from __future__ import annotations

import pytest
from push_fakes import (
    NOW,
    SELLER,
    World,
    order_change,
    order_document,
    posted_minutes_ago,
    query_finished,
    report_finished,
    transaction_update,
)

from sellerflow.amazon.notifications import InvalidNotification, parse_notification
from sellerflow.domain import ReportState, SellerStatus
from sellerflow.errors import SpApiServerError, SpApiThrottled
from sellerflow.sync.notifications import NotificationNotReady, Outcome, handle_message
from sellerflow.sync.orders import INCLUDED_DATA


def _world_with_order() -> tuple[World, str]:
    world = World()
    document = order_document()
    world.amazon.orders[document["orderId"]] = document
    return world, document["orderId"]


# --- parsing ----------------------------------------------------------------------------------------
def test_both_spellings_parse_into_one_notification_and_buyer_data_is_dropped() -> None:
    order = parse_notification(order_change("113-2222222-2222222"))
    report = parse_notification(report_finished("R1"))
    assert (order.seller_id, order.notification_id, order.notification_type.value) == (
        SELLER,
        "n-order-1",
        "ORDER_CHANGE",
    )
    assert order.detail.model_dump() == {
        "order_id": "113-2222222-2222222",
        "marketplace_id": "ATVPDKIKX0DER",
        "order_status": "Shipped",
        "change_type": "OrderStatusChange",
    }
    assert "PII-MARKER" not in order.model_dump_json()
    assert (report.seller_id, report.detail.model_dump()["report_id"]) == (SELLER, "R1")


def test_a_transaction_update_names_its_orders_and_a_query_its_seller_by_merchant_account() -> None:
    update = parse_notification(transaction_update(posted_minutes_ago(10), ("A", "B")))
    query = parse_notification(query_finished("Q9"))
    assert update.detail.model_dump()["order_ids"] == ("A", "B")
    assert query.seller_id == SELLER
    assert query.detail.model_dump()["query_id"] == "Q9"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"NotificationType": "ANY_OFFER_CHANGED"}', "not one Sellerflow subscribes to"),
        (order_change().replace('"NotificationId": "n-order-1"', '"NotificationId": ""'), "notificationId"),
        (
            report_finished("R1").replace('"sellerId": "A1PUSHSELLER01", ', "").replace("merchant.o.", "vg."),
            "not a seller",
        ),
    ],
)
def test_a_message_that_is_no_notification_of_ours_is_a_typed_error_naming_why(
    body: str, reason: str
) -> None:
    with pytest.raises(InvalidNotification, match=reason):
        parse_notification(body)


def test_a_malformed_message_is_recorded_as_rejected_and_never_retried() -> None:
    world = World()
    handled = handle_message("{}", world.ports(), now=NOW)
    assert handled.outcome is Outcome.REJECTED
    assert world.ledger.records == {}


# --- ORDER_CHANGE -------------------------------------------------------------------------------------
def test_an_order_change_fetches_amazons_current_order_and_stores_it_as_the_sync_does() -> None:
    world, order_id = _world_with_order()
    handled = handle_message(order_change(order_id), world.ports(), now=NOW)
    assert handled.outcome is Outcome.APPLIED
    assert world.amazon.calls == [("getOrder", {"order_id": order_id, "included_data": INCLUDED_DATA})]
    assert [o.order_id for o in world.sinks.orders] == [order_id]
    assert world.ledger.records == {(SELLER, "n-order-1"): "applied"}


def test_a_duplicate_notification_is_acknowledged_without_doing_the_work_again() -> None:
    world, order_id = _world_with_order()
    first = handle_message(order_change(order_id), world.ports(), now=NOW)
    again = handle_message(order_change(order_id), world.ports(), now=NOW)
    assert (first.outcome, again.outcome) == (Outcome.APPLIED, Outcome.DUPLICATE)
    assert len(world.amazon.calls) == 1


def test_notifications_out_of_order_each_read_the_current_order() -> None:
    world, order_id = _world_with_order()
    handle_message(order_change(order_id, notification_id="later"), world.ports(), now=NOW)
    handle_message(order_change(order_id, notification_id="earlier"), world.ports(), now=NOW)
    assert len(world.sinks.orders) == 2
    assert world.sinks.orders[0] == world.sinks.orders[1]


@pytest.mark.parametrize("error", [SpApiThrottled("slow down", retry_after_s=2), SpApiServerError("503")])
def test_a_transient_failure_raises_for_redelivery_and_the_redelivery_may_claim_it_again(
    error: Exception,
) -> None:
    world, order_id = _world_with_order()
    world.amazon.fail_with = error
    with pytest.raises(type(error)):
        handle_message(order_change(order_id), world.ports(), now=NOW)
    assert world.ledger.records == {(SELLER, "n-order-1"): "failed"}
    world.amazon.fail_with = None
    assert handle_message(order_change(order_id), world.ports(), now=NOW).outcome is Outcome.APPLIED


def test_an_order_amazon_refuses_is_recorded_as_rejected_not_retried() -> None:
    world = World()
    handled = handle_message(order_change("999-0000000-0000000"), world.ports(), now=NOW)
    assert handled.outcome is Outcome.REJECTED
    assert world.ledger.records == {(SELLER, "n-order-1"): "rejected"}


@pytest.mark.parametrize(
    "status", [None, SellerStatus.DISCONNECTED, SellerStatus.ERASING, SellerStatus.REVOKED]
)
def test_a_notification_for_a_seller_not_connected_is_ignored_and_leaves_no_record(
    status: SellerStatus | None,
) -> None:
    world, order_id = _world_with_order()
    world.connections.statuses = {} if status is None else {SELLER: status}
    assert handle_message(order_change(order_id), world.ports(), now=NOW).outcome is Outcome.IGNORED
    assert world.amazon.calls == []
    assert world.ledger.records == {}


# --- REPORT_PROCESSING_FINISHED -----------------------------------------------------------------------
def _requested(status: str = "IN_PROGRESS") -> ReportState:
    return ReportState(
        key="REPORT#GET_MERCHANT_LISTINGS_ALL_DATA#ATVPDKIKX0DER#daily-2026-11-22",
        report_type="GET_MERCHANT_LISTINGS_ALL_DATA",
        marketplace_id="ATVPDKIKX0DER",
        report_id="R1",
        status=status,
    )


def test_a_finished_report_sellerflow_requested_is_ingested_now() -> None:
    world = World()
    world.reports.states = [_requested()]
    handled = handle_message(report_finished("R1"), world.ports(), now=NOW)
    assert handled.outcome is Outcome.APPLIED
    assert world.reports.finished_calls == [
        {"key": _requested().key, "status": "DONE", "document_id": "doc-1"}
    ]
    (ingested,) = world.reports.ingested
    assert (ingested.kind, ingested.document_id, ingested.job.report_type) == (
        "report",
        "doc-1",
        "GET_MERCHANT_LISTINGS_ALL_DATA",
    )


@pytest.mark.parametrize("state", [[], [_requested("INGESTED")]])
def test_a_report_not_requested_or_already_ingested_is_left_to_the_poll(state: list[ReportState]) -> None:
    world = World()
    world.reports.states = state
    assert handle_message(report_finished("R1"), world.ports(), now=NOW).outcome is Outcome.IGNORED
    assert world.reports.ingested == []


def test_a_cancelled_report_is_recorded_as_such_and_a_fatal_one_cools_down() -> None:
    world = World()
    world.reports.states = [_requested()]
    handle_message(report_finished("R1", "CANCELLED", document=None), world.ports(), now=NOW)
    handle_message(
        report_finished("R1", "FATAL", notification_id="n2", document=None), world.ports(), now=NOW
    )
    assert [c["status"] for c in world.reports.finished_calls] == ["CANCELLED", "FATAL"]
    assert world.reports.finished_calls[1]["cooldown_until"] > NOW
    assert world.reports.ingested == []


# --- TRANSACTION_UPDATE ---------------------------------------------------------------------------------
def test_a_transaction_update_pulls_the_transactions_of_its_order_and_skips_a_malformed_one() -> None:
    world = World()
    world.amazon.transactions = [{"id": 1}, {"bad": True}, {"id": 2}]
    handled = handle_message(transaction_update(posted_minutes_ago(10)), world.ports(), now=NOW)
    assert handled.outcome is Outcome.APPLIED
    assert handled.detail.startswith("transactions=2")
    assert world.amazon.calls == [
        ("listTransactions", {"related_order_id": "113-1111111-1111111", "next_token": None})
    ]
    assert world.sinks.facts == [{"id": 1}, {"id": 2}]


def test_a_transaction_update_without_an_order_pulls_its_posting_minute() -> None:
    world = World()
    posted = posted_minutes_ago(10)
    handle_message(transaction_update(posted, ()), world.ports(), now=NOW)
    ((_, query),) = world.amazon.calls
    assert query["posted_after"] < posted < query["posted_before"]
    assert query["marketplace_id"] == "ATVPDKIKX0DER"


def test_a_transaction_posted_under_two_minutes_ago_is_retried_later() -> None:
    world = World()
    with pytest.raises(NotificationNotReady):
        handle_message(transaction_update(posted_minutes_ago(1)), world.ports(), now=NOW)
    assert world.ledger.records == {(SELLER, "n-tx-1"): "failed"}
    assert world.amazon.calls == []


# --- DATA_KIOSK_QUERY_PROCESSING_FINISHED -----------------------------------------------------------------
def _queried(status: str = "IN_QUEUE") -> ReportState:
    """A sales-and-traffic day the app-wide budget sent to Data Kiosk (the dataset is the recorded type)."""
    return ReportState(
        key="REPORT#GET_SALES_AND_TRAFFIC_REPORT#ATVPDKIKX0DER#day-2026-11-22",
        report_type="analytics_salesAndTraffic_2024_04_24",
        marketplace_id="ATVPDKIKX0DER",
        report_id="Q7",
        status=status,
    )


def test_a_finished_query_sellerflow_created_is_ingested_now_from_data_kiosk() -> None:
    world = World()
    world.reports.states = [_queried()]
    handled = handle_message(query_finished("Q7"), world.ports(), now=NOW)
    assert handled.outcome is Outcome.APPLIED
    assert world.reports.finished_calls == [
        {"key": _queried().key, "status": "DONE", "document_id": "dk-doc-1"}
    ]
    (ingested,) = world.reports.ingested
    assert (ingested.document_id, ingested.job.report_type, ingested.job.source) == (
        "dk-doc-1",
        "GET_SALES_AND_TRAFFIC_REPORT",
        "data_kiosk",
    )


@pytest.mark.parametrize("state", [[], [_queried("INGESTED")]])
def test_a_query_not_created_or_already_ingested_is_left_alone(state: list[ReportState]) -> None:
    world = World()
    world.reports.states = state
    handled = handle_message(query_finished("Q7"), world.ports(), now=NOW)
    assert handled.outcome is Outcome.IGNORED
    assert world.reports.ingested == []
    assert world.ledger.records == {(SELLER, "n-dk-1"): "ignored"}
