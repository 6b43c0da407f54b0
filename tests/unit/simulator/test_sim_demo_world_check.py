"""The demo's `verified demo_world` verdict: best-seller velocity from SKU rows, comparisons from the
overview's answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from sellerflow.analytics.model import RowKind, SkuRollup
from sellerflow_dev.local.demo_world import world_check

DAY = date(2026, 11, 20)


def _row(sku: str, units: int, kind: RowKind = RowKind.SKU) -> SkuRollup:
    return SkuRollup(
        seller_id="A1SELLER",
        marketplace_id="ATVPDKIKX0DER",
        day=DAY,
        sku=sku,
        currency="USD",
        units=units,
        kind=kind,
    )


def _dashboard(*previous_orders: int) -> dict[str, Any]:
    return {"totals": [{"previous": {"orders": n}} for n in previous_orders]}


def test_a_best_seller_of_tens_a_day_and_every_comparison_is_verified() -> None:
    rows = [
        _row("TOP", 400),
        _row("TOP", 200),
        _row("NEXT", 150),
        _row("TAIL", 3),
        _row("#ACCOUNT", 999, RowKind.ACCOUNT),
    ]
    check = world_check("A1SELLER", rows, {"last7": _dashboard(5, 2), "last90": _dashboard(9, 1)})
    assert check.ok
    assert check.top_units_per_day == 20.0  # the account row is no SKU
    assert (check.fast_skus, check.skus_sold) == (1, 3)
    assert check.line() == (
        "verified demo_world A1SELLER top_sku_units_per_day=20.0 skus_10_per_day=1 skus_sold=3 "
        "compared=last7:2/2,last90:2/2"
    )


def test_a_currency_without_previous_data_or_a_slow_best_seller_is_a_mismatch() -> None:
    rows = [_row("TOP", 400)]
    assert not world_check("A1SELLER", rows, {"last7": _dashboard(4, 0)}).ok
    assert not world_check("A1SELLER", rows, {"last7": {"totals": []}}).ok  # the overview did not answer
    # the ranges whose previous days are backfilled history are shown, not required
    assert world_check("A1SELLER", rows, {"last7": _dashboard(4), "last90": _dashboard(0)}).ok
    slow = world_check("A1SELLER", [_row("TOP", 90)], {"last7": _dashboard(4)})
    assert not slow.ok
    assert slow.line().startswith("MISMATCH demo_world A1SELLER top_sku_units_per_day=3.0")
