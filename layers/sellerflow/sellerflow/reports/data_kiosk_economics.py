"""Data Kiosk `analytics_economics_2024_03_15` (JSONL, one MSKU × marketplace-local day per line) →
`EconomicsSkuDay`.

Read line by line, never the whole document. Money is Decimal (the JSON floats are parsed as
Decimal, so 12.34 stays 12.34). `fees` is the sum of every fee type's charges' totalAmount, `ad_spend`
the sum of the ad charges' totalAmount, both as costs (positive); `net_proceeds` is Amazon's
`netProceeds.total`. A line covering more than one day, naming no MSKU, or mixing currencies is a
RowError (its 1-based line number); the other lines are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sellerflow.reports.data_kiosk import parse_jsonl
from sellerflow.reports.stream import ParseLog
from sellerflow.reports.traffic import Bad, amount, day_of, obj

DATASET = "analytics_economics_2024_03_15"
ZERO = Decimal(0)


@dataclass(frozen=True)
class EconomicsSkuDay:
    """What Amazon's economics dataset says of one MSKU on one marketplace-local day."""

    seller_id: str
    marketplace_id: str
    day: date
    sku: str
    asin: str | None
    currency: str
    ordered_product_sales: Decimal
    fees: Decimal
    ad_spend: Decimal
    net_proceeds: Decimal


def parse_economics_jsonl(
    lines: Iterable[str], *, seller_id: str, marketplace_id: str, log: ParseLog
) -> Iterator[EconomicsSkuDay]:
    return parse_jsonl(
        lines, DATASET, log, lambda record: _row(record, seller_id=seller_id, marketplace_id=marketplace_id)
    )


def _row(record: Mapping[str, Any], *, seller_id: str, marketplace_id: str) -> EconomicsSkuDay:
    start = day_of(record.get("startDate"), "startDate")
    if day_of(record.get("endDate"), "endDate") != start:
        raise Bad("endDate", "covers more than one day (the query asks for DAY)")
    sku = record.get("msku")
    if not isinstance(sku, str) or not sku:
        raise Bad("msku", "is missing")
    market = record.get("marketplaceId") or marketplace_id
    if not isinstance(market, str):
        raise Bad("marketplaceId", "is not a marketplace id")
    sales, currency = amount(obj(record, "$", "sales"), "sales", "orderedProductSales")
    fees = _charges(record.get("fees"), "fees", currency, _fee_amounts)
    ads = _charges(record.get("ads"), "ads", currency, _ad_amounts)
    net, net_currency = amount(obj(record, "$", "netProceeds"), "netProceeds", "total")
    if net_currency != currency:
        raise Bad("netProceeds.total.currencyCode", f"is {net_currency}, the sales are in {currency}")
    asin = record.get("childAsin")
    return EconomicsSkuDay(
        seller_id=seller_id,
        marketplace_id=market,
        day=start,
        sku=sku,
        asin=asin if isinstance(asin, str) and asin else None,
        currency=currency,
        ordered_product_sales=sales,
        fees=fees,
        ad_spend=ads,
        net_proceeds=net,
    )


def _charges(
    entries: Any,
    path: str,
    currency: str,
    amounts_of: Callable[[Mapping[str, Any], str], Iterator[tuple[Decimal, str, str]]],
) -> Decimal:
    if entries is None:
        return ZERO
    if not isinstance(entries, list):
        raise Bad(path, "is not a list")
    total = ZERO
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise Bad(f"{path}[{index}]", "is not an object")
        for value, code, where in amounts_of(entry, f"{path}[{index}]"):
            if code != currency:
                raise Bad(f"{where}.currencyCode", f"is {code}, the sales are in {currency}")
            total += value
    return total


def _fee_amounts(entry: Mapping[str, Any], path: str) -> Iterator[tuple[Decimal, str, str]]:
    charges = entry.get("charges") or []
    if not isinstance(charges, list):
        raise Bad(f"{path}.charges", "is not a list")
    for index, charge in enumerate(charges):
        where = f"{path}.charges[{index}].aggregatedDetail"
        if not isinstance(charge, dict):
            raise Bad(f"{path}.charges[{index}]", "is not an object")
        value, code = amount(
            obj(charge, f"{path}.charges[{index}]", "aggregatedDetail"), where, "totalAmount"
        )
        yield value, code, f"{where}.totalAmount"


def _ad_amounts(entry: Mapping[str, Any], path: str) -> Iterator[tuple[Decimal, str, str]]:
    charge = entry.get("charge")
    if charge is None:
        return
    if not isinstance(charge, dict):
        raise Bad(f"{path}.charge", "is not an object")
    value, code = amount(charge, f"{path}.charge", "totalAmount")
    yield value, code, f"{path}.charge.totalAmount"
