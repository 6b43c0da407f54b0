"""GET_SALES_AND_TRAFFIC_REPORT (JSON) → TrafficByDateFact / TrafficByAsinFact.

The document is one JSON object (schema: sellerSalesAndTrafficReport.json). It is small per
request (a day or a few), so it is read whole: the decompressed text is joined and `json.loads`
parses it, numbers as Decimal (never float). Structure is checked by hand, item by item: a bad
item is a RowError whose `line` is the item's 1-based position in its array and whose `column` is
the JSON path; a document that is not such an object is DocumentCorrupt.

By-ASIN items carry no date: their day is the report's `dataStartTime` (request one day per
document to get daily ASIN facts). The marketplace is the specification's only marketplace id,
else the one the document was requested for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sellerflow.facts import RowError, TrafficByAsinFact, TrafficByDateFact
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.reports.errors import DocumentCorrupt
from sellerflow.reports.stream import ParseLog

REPORT_TYPE = "GET_SALES_AND_TRAFFIC_REPORT"


class Bad(ValueError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path


def _get(node: Mapping[str, Any], path: str, key: str) -> Any:
    if key not in node or node[key] is None:
        raise Bad(f"{path}.{key}", "is missing")
    return node[key]


def obj(node: Mapping[str, Any], path: str, key: str) -> Mapping[str, Any]:
    value = _get(node, path, key)
    if not isinstance(value, dict):
        raise Bad(f"{path}.{key}", "is not an object")
    return value


def whole(node: Mapping[str, Any], path: str, key: str) -> int:
    value = _get(node, path, key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value) or value < 0:
        raise Bad(f"{path}.{key}", "is not a whole non-negative number")
    return int(value)


def _dec(node: Mapping[str, Any], path: str, key: str) -> Decimal:
    value = _get(node, path, key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise Bad(f"{path}.{key}", "is not a number")
    return Decimal(value)


def amount(node: Mapping[str, Any], path: str, key: str) -> tuple[Decimal, str]:
    money = obj(node, path, key)
    currency = _get(money, f"{path}.{key}", "currencyCode")
    if not isinstance(currency, str) or len(currency) != 3:
        raise Bad(f"{path}.{key}.currencyCode", "is not a currency code")
    return _dec(money, f"{path}.{key}", "amount"), currency


def day_of(text: Any, path: str) -> date:
    if not isinstance(text, str):
        raise Bad(path, "is not a date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Bad(path, "is not a date") from None


def load_document(text_lines: Iterable[str], report_type: str = REPORT_TYPE) -> dict[str, Any]:
    """Parse the (decoded) document as JSON, numbers as Decimal."""
    text = "".join(text_lines)
    if not text.strip():
        return {}
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise DocumentCorrupt(report_type, f"not valid JSON ({exc.msg})", line=exc.lineno) from None
    if not isinstance(document, dict):
        raise DocumentCorrupt(report_type, "the document is not a JSON object")
    return document


def parse_sales_and_traffic(
    document: Mapping[str, Any], *, seller_id: str, marketplace_id: str, log: ParseLog
) -> Iterator[TrafficByDateFact | TrafficByAsinFact]:
    if not document:
        return
    spec = document.get("reportSpecification") or {}
    if not isinstance(spec, dict):
        raise DocumentCorrupt(REPORT_TYPE, "reportSpecification is not an object")
    ids = spec.get("marketplaceIds") or []
    if isinstance(ids, list) and len(ids) == 1 and ids[0] in MARKETPLACES:
        marketplace_id = ids[0]
    default_currency = MARKETPLACES[marketplace_id].currency if marketplace_id in MARKETPLACES else "USD"
    by_date = document.get("salesAndTrafficByDate") or []
    by_asin = document.get("salesAndTrafficByAsin") or []
    if not isinstance(by_date, list) or not isinstance(by_asin, list):
        raise DocumentCorrupt(REPORT_TYPE, "salesAndTrafficByDate/ByAsin are not arrays")

    for position, item in enumerate(by_date, start=1):
        log.rows += 1
        try:
            fact = _by_date_fact(
                item,
                f"salesAndTrafficByDate[{position - 1}]",
                seller_id=seller_id,
                marketplace_id=marketplace_id,
                default_currency=default_currency,
            )
        except Bad as bad:
            log.reject(RowError(REPORT_TYPE, position, bad.path, str(bad)))
            continue
        yield fact

    start_day = _data_start_day(spec) if by_asin else None
    for position, item in enumerate(by_asin, start=1):
        log.rows += 1
        try:
            fact_asin = _by_asin_fact(
                item,
                f"salesAndTrafficByAsin[{position - 1}]",
                seller_id=seller_id,
                marketplace_id=marketplace_id,
                start_day=start_day,
            )
        except Bad as bad:
            log.reject(RowError(REPORT_TYPE, position, bad.path, str(bad)))
            continue
        yield fact_asin


def _by_date_fact(
    item: Any, path: str, *, seller_id: str, marketplace_id: str, default_currency: str
) -> TrafficByDateFact:
    if not isinstance(item, dict):
        raise Bad(path, "is not an object")
    day = day_of(item.get("date"), f"{path}.date")
    sales = obj(item, path, "salesByDate")
    traffic = obj(item, path, "trafficByDate")
    sales_path, traffic_path = f"{path}.salesByDate", f"{path}.trafficByDate"
    sales_total, currency = amount(sales, sales_path, "orderedProductSales")
    return TrafficByDateFact(
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        day=day,
        sessions=whole(traffic, traffic_path, "sessions"),
        page_views=whole(traffic, traffic_path, "pageViews"),
        buy_box_percentage=_dec(traffic, traffic_path, "buyBoxPercentage"),
        units_ordered=whole(sales, sales_path, "unitsOrdered"),
        ordered_product_sales=sales_total,
        currency=currency or default_currency,
    )


def _data_start_day(spec: Mapping[str, Any]) -> date | None:
    """The report's first day: the day of by-ASIN items that name none (None when unreadable)."""
    try:
        return day_of(spec.get("dataStartTime"), "reportSpecification.dataStartTime")
    except Bad:
        return None


def _by_asin_fact(
    item: Any, path: str, *, seller_id: str, marketplace_id: str, start_day: date | None
) -> TrafficByAsinFact:
    if not isinstance(item, dict):
        raise Bad(path, "is not an object")
    if item.get("date"):
        day = day_of(item["date"], f"{path}.date")
    elif start_day is not None:
        day = start_day
    else:
        raise Bad("reportSpecification.dataStartTime", "is missing (by-ASIN items need a day)")
    child = item.get("childAsin") or item.get("parentAsin")
    if not isinstance(child, str) or not child:
        raise Bad(f"{path}.childAsin", "is missing")
    sales = obj(item, path, "salesByAsin")
    traffic = obj(item, path, "trafficByAsin")
    sales_path, traffic_path = f"{path}.salesByAsin", f"{path}.trafficByAsin"
    sales_total, currency = amount(sales, sales_path, "orderedProductSales")
    return TrafficByAsinFact(
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        day=day,
        parent_asin=item.get("parentAsin") or None,
        child_asin=child,
        sku=item.get("sku") or None,
        sessions=whole(traffic, traffic_path, "sessions"),
        page_views=whole(traffic, traffic_path, "pageViews"),
        buy_box_percentage=_dec(traffic, traffic_path, "buyBoxPercentage"),
        units_ordered=whole(sales, sales_path, "unitsOrdered"),
        ordered_product_sales=sales_total,
        currency=currency,
    )
