"""The demo's `verified demo_world` verdict: best-seller velocity from SKU rows, comparisons from the
overview's answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
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


def _dashboard(*previous_orders: int, fees: str = "3.10") -> dict[str, Any]:
    """One currency per count (USD, EUR, ...), each its own marketplace, previous period Nov 1-7."""
    return {
        "marketplaces": [
            {"marketplace_id": m, "currency": c, "previous": {"start": "2026-11-01", "end": "2026-11-07"}}
            for m, c in list(MARKETS.items())[: len(previous_orders)]
        ],
        "totals": [
            {
                "currency": c,
                "previous": {"orders": n, "amazon_fees": {"amount": fees if n else "0", "currency": c}},
            }
            for c, n in zip(MARKETS.values(), previous_orders, strict=False)
        ],
    }


MARKETS = {"ATVPDKIKX0DER": "USD", "A1PA6795UKMFR9": "EUR"}
# The world: orders and fees on Nov 3 in both marketplaces
WORLD = {(m, "2026-11-03"): {"orders": 2, "amazon_fees": Decimal("4.20")} for m in MARKETS}


def test_a_best_seller_of_tens_a_day_and_every_comparison_is_verified() -> None:
    rows = [
        _row("TOP", 400),
        _row("TOP", 200),
        _row("NEXT", 150),
        _row("TAIL", 3),
        _row("#ACCOUNT", 999, RowKind.ACCOUNT),
    ]
    check = world_check("A1SELLER", rows, {"last7": _dashboard(5, 2), "last90": _dashboard(9, 1)}, WORLD)
    assert check.ok
    assert check.top_units_per_day == 20.0  # the account row is no SKU
    assert (check.fast_skus, check.skus_sold) == (1, 3)
    assert check.line() == (
        "verified demo_world A1SELLER top_sku_units_per_day=20.0 skus_10_per_day=1 skus_sold=3 "
        "compared=last7:2/2,last90:2/2 fees_previous90=2/2"
    )


def test_a_comparison_the_world_has_data_for_but_the_overview_lacks_is_a_mismatch() -> None:
    rows = [_row("TOP", 400)]
    # every range is required wherever the world had orders in its previous period
    for name in ("last7", "last30", "last90", "mtd"):
        check = world_check("A1SELLER", rows, {name: _dashboard(4, 0)}, WORLD)
        assert not check.ok
        assert f"missing={name}:EUR" in check.line()
    assert not world_check(
        "A1SELLER", rows, {"last7": {"totals": []}}, WORLD
    ).ok  # the overview did not answer
    # previous-90 orders without their fees (the finances' first run stopped at 90 days)
    no_fees = world_check("A1SELLER", rows, {"last90": _dashboard(4, 3, fees="0")}, WORLD)
    assert not no_fees.ok
    assert "fees_previous90=0/2 missing=last90-fees:USD,last90-fees:EUR" in no_fees.line()
    slow = world_check("A1SELLER", [_row("TOP", 90)], {"last7": _dashboard(4)}, WORLD)
    assert not slow.ok
    assert slow.line().startswith("MISMATCH demo_world A1SELLER top_sku_units_per_day=3.0")


def test_a_marketplace_without_orders_in_the_world_s_previous_period_is_not_required() -> None:
    quiet_eur = {k: v for k, v in WORLD.items() if k[0] == "ATVPDKIKX0DER"}
    check = world_check("A1SELLER", [_row("TOP", 400)], {"last30": _dashboard(4, 0)}, quiet_eur)
    assert check.ok
    assert "compared=last30:1/2" in check.line()
