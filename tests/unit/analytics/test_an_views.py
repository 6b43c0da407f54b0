"""Ranges, KPI totals, restock status and COGS body parsing: pure, no AWS."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sellerflow.analytics.inventory import RestockStatus, restock_status
from sellerflow.analytics.kpis import change_percent, changes, margin_change_points, totals_by_currency
from sellerflow.analytics.model import DayRollup
from sellerflow.analytics.ranges import DayRange, RangeName, resolve
from sellerflow.api.models_analytics import parse_cogs_body, parse_days, parse_range_name
from sellerflow.calendar import local_today
from sellerflow.errors import InvalidInput

US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"


def test_today_yesterday_and_mtd_are_each_marketplaces_own_days() -> None:
    now = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    jp_today, us_today = local_today(JP, now), local_today(US, now)
    assert (jp_today, us_today) == (date(2026, 3, 2), date(2026, 3, 1))
    assert resolve(RangeName.TODAY, jp_today) == DayRange(date(2026, 3, 2), date(2026, 3, 2))
    assert resolve(RangeName.YESTERDAY, us_today) == DayRange(date(2026, 2, 28), date(2026, 2, 28))
    assert resolve(RangeName.MTD, jp_today) == DayRange(date(2026, 3, 1), date(2026, 3, 2))
    assert resolve(RangeName.MTD, us_today) == DayRange(date(2026, 3, 1), date(2026, 3, 1))


def test_last_n_ends_today_and_the_previous_period_has_equal_length() -> None:
    r = resolve(RangeName.LAST90, date(2026, 5, 31))
    assert (r.first, r.last, r.days) == (date(2026, 3, 3), date(2026, 5, 31), 90)
    p = r.previous()
    assert (p.first, p.last, p.days) == (date(2025, 12, 3), date(2026, 3, 2), 90)
    assert resolve(RangeName.MTD, date(2026, 3, 15)).previous() == DayRange(
        date(2026, 2, 14), date(2026, 2, 28)
    )


def test_custom_ranges_are_checked() -> None:
    assert (
        resolve(RangeName.CUSTOM, date(2026, 1, 1), first=date(2026, 1, 5), last=date(2026, 1, 9)).days == 5
    )
    with pytest.raises(InvalidInput, match="'from'"):
        resolve(RangeName.CUSTOM, date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="'from'"):
        resolve(RangeName.CUSTOM, date(2026, 1, 1), first=date(2026, 2, 1), last=date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="'range'"):
        parse_range_name({"range": "fortnight"})
    with pytest.raises(InvalidInput, match="'to'"):
        parse_days({"to": "2026-13-01"})


@pytest.mark.parametrize(
    ("fulfillable", "cover", "status"),
    [
        (0, Decimal("50"), RestockStatus.OUT_OF_STOCK),
        (5, None, RestockStatus.NO_SALES),
        (5, Decimal("36.9"), RestockStatus.RESTOCK_NOW),
        (5, Decimal("37"), RestockStatus.OK),
        (5, Decimal("180"), RestockStatus.OK),
        (5, Decimal("180.1"), RestockStatus.OVERSTOCK),
    ],
)
def test_restock_status_thresholds(fulfillable: int, cover: Decimal | None, status: RestockStatus) -> None:
    assert restock_status(fulfillable, cover) is status


def test_totals_are_per_currency_with_change_and_margin_points() -> None:
    def day(m: str, currency: str, gross: str) -> DayRollup:
        return DayRollup("S", m, date(2026, 1, 1), currency, orders=1, units=1, gross_sales=Decimal(gross))

    totals = totals_by_currency([day(US, "USD", "10.00"), day(DE, "EUR", "7.00"), day(US, "USD", "5.00")])
    assert {c: t.gross_sales for c, t in totals.items()} == {"USD": Decimal("15.00"), "EUR": Decimal("7.00")}
    assert change_percent(Decimal(15), Decimal(10)) == Decimal("50.00")
    assert change_percent(Decimal(15), Decimal(0)) is None
    assert margin_change_points(Decimal("0.3000"), Decimal("0.2500")) == Decimal("5.00")
    assert changes(totals["USD"], totals["EUR"])["orders"] == Decimal("100.00")


def test_cogs_bodies_are_validated_field_by_field() -> None:
    ok = parse_cogs_body(
        "S", "SKU-1", b'{"unit_cost": "4.20", "currency": "USD", "effective_from": "2026-11-01"}',
        currencies=["USD"], today=date(2026, 11, 20),
    )  # fmt: skip
    assert (ok.unit_cost, ok.currency, ok.effective_from) == (Decimal("4.20"), "USD", date(2026, 11, 1))
    for body, field in [
        (b'{"unit_cost": "-1", "currency": "USD", "effective_from": "2026-11-01"}', "unit_cost"),
        (b'{"unit_cost": "abc", "currency": "USD", "effective_from": "2026-11-01"}', "unit_cost"),
        (b'{"unit_cost": "1", "currency": "EUR", "effective_from": "2026-11-01"}', "currency"),
        (b'{"unit_cost": "1", "currency": "USD", "effective_from": "01/11/2026"}', "effective_from"),
        (b'{"unit_cost": "1", "currency": "USD"}', "effective_from"),
        (b"[]", "JSON object"),
    ]:
        with pytest.raises(InvalidInput, match=field):
            parse_cogs_body("S", "SKU-1", body, currencies=["USD"], today=date(2026, 11, 20))


def test_a_cost_import_names_each_bad_row_and_refuses_a_body_that_is_no_import() -> None:
    from sellerflow.api.models_analytics import parse_cogs_import

    rows = [
        {"sku": "A", "unit_cost": "1.5", "currency": "USD", "effective_from": "2026-11-01"},
        {"sku": "B#1", "unit_cost": "1", "currency": "USD", "effective_from": "2026-11-01"},
        {"sku": "C", "unit_cost": "1", "currency": "USD", "effective_from": "2026-11-01", "note": "x"},
        "not a row",
        {"sku": "A", "unit_cost": "2", "currency": "USD", "effective_from": "2026-11-01"},
    ]
    parsed = parse_cogs_import(
        "S", json.dumps({"entries": rows, "dry_run": True}), currencies=["USD"], today=date(2026, 11, 20)
    )
    assert parsed.dry_run
    assert [(e.sku, e.unit_cost) for e in parsed.entries] == [("A", Decimal("1.5"))]
    problems = {p.row: (p.sku, p.message) for p in parsed.problems}
    assert set(problems) == {2, 3, 4, 5}
    assert "'sku'" in problems[2][1]
    assert "note" in problems[3][1]
    assert problems[4] == (None, "row 4 must be a JSON object")
    assert "row 1" in problems[5][1]
    for body, message in [
        ({"entries": []}, "1 to 100"),
        ({"entries": [rows[0]] * 101}, "1 to 100"),
        ({"entries": [rows[0]], "dry_run": "yes"}, "dry_run"),
        ({"rows": [rows[0]]}, "rows"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            parse_cogs_import("S", json.dumps(body), currencies=["USD"], today=date(2026, 11, 20))
