"""Data Kiosk `analytics_salesAndTraffic_2024_04_24` (JSONL) → TrafficByDateFact / TrafficByAsinFact.

The same facts as GET_SALES_AND_TRAFFIC_REPORT (`reports.traffic`), so the dashboard cannot tell
the source apart; the report record says which one was used. The document is read line by line
(one JSON record per line, never the whole document): a line with `parentAsin` is a by-ASIN record,
any other a by-date record. A by-ASIN record covers its own startDate..endDate; only a one-day
record becomes a daily ASIN fact (the sync asks one day per query). A bad line is a RowError whose
`line` is its 1-based line number; a line that is not JSON is one too (the rest is kept).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from sellerflow.facts import RowError, TrafficByAsinFact, TrafficByDateFact
from sellerflow.reports.stream import ParseLog
from sellerflow.reports.traffic import Bad, amount, day_of, obj, whole

DATASET = "analytics_salesAndTraffic_2024_04_24"
REPORT_TYPE = DATASET  # the parser-table name of a Data Kiosk sales-and-traffic document
T = TypeVar("T")


def parse_sales_and_traffic_jsonl(
    lines: Iterable[str], *, seller_id: str, marketplace_id: str, log: ParseLog
) -> Iterator[TrafficByDateFact | TrafficByAsinFact]:
    return parse_jsonl(
        lines,
        REPORT_TYPE,
        log,
        lambda record: _fact(record, seller_id=seller_id, marketplace_id=marketplace_id),
    )


def parse_jsonl(
    lines: Iterable[str], dataset: str, log: ParseLog, to_row: Callable[[Mapping[str, Any]], T]
) -> Iterator[T]:
    """A Data Kiosk JSONL document, one record per line: `to_row` of each JSON object; a line that is
    not JSON or that `to_row` refuses (`Bad`) is a RowError of its line number, the rest is kept."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        log.rows += 1
        try:
            record = json.loads(line, parse_float=Decimal)
            if not isinstance(record, dict):
                raise Bad("$", "is not a JSON object")
            yield to_row(record)
        except json.JSONDecodeError as exc:
            log.reject(RowError(dataset, number, "$", f"is not valid JSON ({exc.msg})"))
        except Bad as bad:
            log.reject(RowError(dataset, number, bad.path, str(bad)))


def _fact(
    record: Mapping[str, Any], *, seller_id: str, marketplace_id: str
) -> TrafficByDateFact | TrafficByAsinFact:
    start = day_of(record.get("startDate"), "startDate")
    end = day_of(record.get("endDate"), "endDate")
    if start != end:
        raise Bad("endDate", "covers more than one day (daily facts need one-day records)")
    market = record.get("marketplaceId")
    if market is not None and not isinstance(market, str):
        raise Bad("marketplaceId", "is not a marketplace id")
    market = market or marketplace_id
    sales, traffic = obj(record, "$", "sales"), obj(record, "$", "traffic")
    sales_total, currency = amount(sales, "sales", "orderedProductSales")
    common: dict[str, Any] = {
        "seller_id": seller_id,
        "marketplace_id": market,
        "day": start,
        "sessions": whole(traffic, "traffic", "sessions"),
        "page_views": whole(traffic, "traffic", "pageViews"),
        "buy_box_percentage": _percentage(traffic),
        "units_ordered": whole(sales, "sales", "unitsOrdered"),
        "ordered_product_sales": sales_total,
        "currency": currency,
    }
    if "parentAsin" not in record:
        return TrafficByDateFact(**common)
    parent, child = record.get("parentAsin"), record.get("childAsin")
    asin = child or parent
    if not isinstance(asin, str) or not asin:
        raise Bad("childAsin", "is missing")
    sku = record.get("sku")
    return TrafficByAsinFact(
        **common,
        parent_asin=parent if isinstance(parent, str) and parent else None,
        child_asin=asin,
        sku=sku if isinstance(sku, str) and sku else None,
    )


def _percentage(traffic: Mapping[str, Any]) -> Decimal:
    value = traffic.get("buyBoxPercentage")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise Bad("traffic.buyBoxPercentage", "is not a number")
    return Decimal(value)
