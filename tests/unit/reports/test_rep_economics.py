"""Data Kiosk economics JSONL → EconomicsSkuDay, and its reconciliation with the SKU rollups
(a difference beyond a cent is a Mismatch, a rounding difference below it is not)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sellerflow.analytics.model import RowKind, SkuRollup
from sellerflow.reports.data_kiosk_economics import EconomicsSkuDay, parse_economics_jsonl
from sellerflow.reports.stream import ParseLog
from sellerflow.sync.economics import Mismatch, reconcile

DAY = date(2026, 11, 30)
US = "ATVPDKIKX0DER"


def _money(amount: float) -> dict[str, Any]:
    return {"amount": amount, "currencyCode": "USD"}


def _line(sku: str = "SKU-1", **overrides: Any) -> str:
    record: dict[str, Any] = {
        "startDate": DAY.isoformat(),
        "endDate": DAY.isoformat(),
        "marketplaceId": US,
        "msku": sku,
        "childAsin": "B000000001",
        "sales": {"orderedProductSales": _money(50.0), "netProductSales": _money(50.0), "unitsOrdered": 2},
        "fees": [
            {"feeTypeName": "ReferralFee", "charges": [{"aggregatedDetail": {"totalAmount": _money(7.5)}}]},
            {
                "feeTypeName": "FBAFulfillmentFee",
                "charges": [{"aggregatedDetail": {"totalAmount": _money(3.3)}}],
            },
        ],
        "ads": [{"adTypeName": "SPONSORED_PRODUCTS", "charge": {"totalAmount": _money(4.1)}}],
        "netProceeds": {"total": _money(35.1)},
    }
    record.update(overrides)
    return json.dumps(record)


def _parse(*lines: str) -> tuple[list[EconomicsSkuDay], ParseLog]:
    log = ParseLog()
    rows = list(parse_economics_jsonl(lines, seller_id="A1", marketplace_id=US, log=log))
    return rows, log


def test_a_line_becomes_a_sku_day_in_exact_decimals() -> None:
    rows, log = _parse(_line())
    assert log.rejected_count == 0
    assert rows == [
        EconomicsSkuDay(
            seller_id="A1",
            marketplace_id=US,
            day=DAY,
            sku="SKU-1",
            asin="B000000001",
            currency="USD",
            ordered_product_sales=Decimal("50.0"),
            fees=Decimal("10.8"),
            ad_spend=Decimal("4.1"),
            net_proceeds=Decimal("35.1"),
        )
    ]


def test_bad_lines_are_recorded_and_the_good_ones_kept() -> None:
    week = _line(endDate="2026-12-06")
    no_sku = _line(msku=None)
    euro_fee = _line(
        fees=[
            {
                "feeTypeName": "ReferralFee",
                "charges": [{"aggregatedDetail": {"totalAmount": {"amount": 1, "currencyCode": "EUR"}}}],
            }
        ]
    )
    rows, log = _parse("{not json", week, no_sku, euro_fee, "", _line("SKU-2", ads=None))
    assert [r.sku for r in rows] == ["SKU-2"]
    assert rows[0].ad_spend == 0
    assert [(e.line, e.column) for e in log.rejected] == [
        (1, "$"),
        (2, "endDate"),
        (3, "msku"),
        (4, "fees[0].charges[0].aggregatedDetail.totalAmount.currencyCode"),
    ]


def _amazon(sku: str, fees: str, ads: str, net: str, day: date = DAY) -> EconomicsSkuDay:
    return EconomicsSkuDay(
        "A1", US, day, sku, None, "USD", Decimal(0), Decimal(fees), Decimal(ads), Decimal(net)
    )


def _ours(
    sku: str, fees: str, ads: str, sales: str, cogs: str = "0", kind: RowKind = RowKind.SKU
) -> SkuRollup:
    return SkuRollup(
        "A1",
        US,
        DAY,
        sku,
        "USD",
        gross_sales=Decimal(sales),
        fees=Decimal(fees),
        ad_spend=Decimal(ads),
        cogs=Decimal(cogs),
        kind=kind,
    )


def test_agreeing_figures_and_a_half_cent_rounding_difference_are_no_mismatch() -> None:
    amazon = [_amazon("SKU-1", "10.80", "4.10", "35.10"), _amazon("SKU-2", "1.005", "0", "8.995")]
    # net proceeds are compared before Sellerflow's COGS (Amazon knows no cost here)
    ours = [_ours("SKU-1", "10.80", "4.10", "50.00", cogs="12.00"), _ours("SKU-2", "1.00", "0", "10.00")]
    assert reconcile(amazon, ours) == []


def test_a_two_cent_difference_is_reported_never_adjusted() -> None:
    amazon = [_amazon("SKU-1", "10.82", "4.10", "35.08")]
    ours = [_ours("SKU-1", "10.80", "4.10", "50.00")]
    found = reconcile(amazon, ours)
    assert found == [
        Mismatch("fees", US, "SKU-1", DAY, "USD", Decimal("10.82"), Decimal("10.80")),
        Mismatch("net_proceeds", US, "SKU-1", DAY, "USD", Decimal("35.08"), Decimal("35.10")),
    ]
    assert ours[0].fees == Decimal("10.80")
    assert found[0].difference == Decimal("0.02")


def test_a_sku_day_in_only_one_source_is_compared_with_zero() -> None:
    amazon = [_amazon("ONLY-AMAZON", "0", "2.00", "-2.00")]
    ours = [
        _ours("ONLY-OURS", "1.00", "0", "1.00"),
        _ours("ZERO", "0", "0", "0"),
        _ours("SubscriptionFee", "39.99", "0", "0", kind=RowKind.ACCOUNT),
    ]
    assert [(m.sku, m.field, m.amazon, m.ours) for m in reconcile(amazon, ours)] == [
        ("ONLY-AMAZON", "ad_spend", Decimal("2.00"), Decimal(0)),
        ("ONLY-AMAZON", "net_proceeds", Decimal("-2.00"), Decimal(0)),
        ("ONLY-OURS", "fees", Decimal(0), Decimal("1.00")),
    ]
