"""The monthly usage report's rules: one meter event per metered account with a Stripe customer (a
count and the customer id), each account on its own (one failure never stops the others, and the run
then fails so that its schedule retries it), and the months it names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from billing_model_fakes import Accounts, NoNotices
from pydantic import ValidationError

from sellerflow.billing.model import BillingAccount, PlanState
from sellerflow.billing.plans import bundled_catalog
from sellerflow.billing.service import BillingService, UsagePeriod
from sellerflow.billing.views import UsageRequest
from sellerflow.errors import InvalidInput, UsageReportIncomplete

CATALOG = bundled_catalog()
NOW = datetime(2027, 1, 1, 3, tzinfo=UTC)


class Meter:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def meter_event(self, **event: Any) -> None:
        self.events.append(event)


def _paying(seller_id: str, plan_id: str, customer: str | None) -> BillingAccount:
    account = BillingAccount.trial(seller_id, CATALOG.get(plan_id), NOW)
    return replace(account, status=PlanState.ACTIVE, customer_id=customer)


def _service(meter: Meter) -> BillingService:
    accounts = Accounts(
        _paying("A1GROWTH", "growth", "cus_1"),
        _paying("A2SCALE", "scale", "cus_2"),
        _paying("A3STARTER", "starter", "cus_3"),  # no meter on Starter
        _paying("A4NOCUSTOMER", "growth", None),  # never subscribed: nothing to bill
    )
    return BillingService(accounts=accounts, provider=lambda: meter, notices=NoNotices(), catalog=CATALOG)


def test_each_metered_customer_gets_one_event_with_a_count_and_its_id() -> None:
    meter = Meter()
    run = _service(meter).report_period(UsagePeriod.before(NOW), lambda seller, first, last: len(seller))
    assert (run.period, run.reported, run.skipped, run.orders) == ("2026-12", 2, 2, 8 + 7)
    assert meter.events == [
        {
            "event_name": "sellerflow_orders_synced",
            "customer_id": "cus_1",
            "value": 8,
            "identifier": "cus_1-2026-12",
        },
        {
            "event_name": "sellerflow_orders_synced",
            "customer_id": "cus_2",
            "value": 7,
            "identifier": "cus_2-2026-12",
        },
    ]


def test_one_accounts_failure_never_stops_the_others_and_the_run_fails_for_a_retry() -> None:
    meter = Meter()

    def count(seller_id: str, first: date, last: date) -> int:
        if seller_id == "A1GROWTH":
            raise TimeoutError("rollups unavailable")
        return 5

    with pytest.raises(UsageReportIncomplete, match="1 account"):
        _service(meter).report_period(UsagePeriod.named("2026-02"), count)
    assert [e["identifier"] for e in meter.events] == ["cus_2-2026-02"]


def test_a_period_is_a_calendar_month_and_anything_else_is_refused() -> None:
    assert UsagePeriod.named("2028-02") == UsagePeriod("2028-02", date(2028, 2, 1), date(2028, 2, 29))
    assert UsagePeriod.before(datetime(2027, 3, 1, tzinfo=UTC)).last == date(2027, 2, 28)
    with pytest.raises(InvalidInput):
        UsagePeriod.named("last month")
    assert UsageRequest.model_validate({}).period is None
    with pytest.raises(ValidationError):
        UsageRequest.model_validate({"period": "2026-13"})
