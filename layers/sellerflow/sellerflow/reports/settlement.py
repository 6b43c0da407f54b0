"""GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE(_V2) → SettlementSummary + SettlementLineFact.

The layout read is the one with `amount-type, amount-description, amount` (Amazon's flat file V2).
The older layout (`price-type, price-amount, item-related-fee-type, ...`) fails with MissingColumns
naming the columns it lacks. The first data row is the settlement summary (total-amount filled);
every later row is one line. Formats follow the marketplace the document is for: US `2026-11-01
07:00:00 UTC` and `12.34`; DE `01.11.2026 07:00:00 UTC` and `1.234,56`; JP `2026/11/01 07:00:00 UTC`
and integer yen; ISO 8601 with an offset is accepted everywhere; `posted-date` may be a day alone
(midnight UTC); `posted-date-time`, when filled, wins over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial

from sellerflow.facts import SettlementLineFact, SettlementSummary
from sellerflow.marketplaces import marketplace
from sellerflow.reports.formats import DAY_FIRST, CachedDates, money_parser, parse_datetime
from sellerflow.reports.stream import Table, safe_reason

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
REPORT_TYPE_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REQUIRED = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "total-amount",
    "currency",
    "transaction-type",
    "amount-type",
    "amount-description",
    "amount",
    "posted-date",
)
OPTIONAL = (
    "deposit-date",
    "order-id",
    "sku",
    "quantity-purchased",
    "marketplace-name",
    "posted-date-time",
)


def parse_settlement(
    table: Table, *, seller_id: str, marketplace_id: str
) -> Iterator[SettlementSummary | SettlementLineFact]:
    if table.empty:
        return
    ix = table.columns(REQUIRED, OPTIONAL)
    width = len(table.header or [])

    def cell(row: list[str], name: str) -> str:
        position = ix.get(name, width)
        return row[position].strip() if position < width else ""

    mp = marketplace(marketplace_id)
    money = money_parser(marketplace_id)
    when = CachedDates(partial(parse_datetime, day_first=marketplace_id in DAY_FIRST))
    currency = mp.currency
    data_row = 0
    summary_seen = False
    for row in table:
        data_row += 1
        column = "settlement-id"
        try:
            settlement_id = cell(row, column)
            if not settlement_id:
                raise ValueError("is empty")
            if not summary_seen:
                summary_seen = True
                column = "settlement-start-date"
                start = when(cell(row, column))
                column = "settlement-end-date"
                end = when(cell(row, column))
                column = "deposit-date"
                deposit_text = cell(row, column)
                deposit = when(deposit_text) if deposit_text else None
                column = "total-amount"
                total = money(cell(row, column))
                currency = cell(row, "currency") or mp.currency
                yield SettlementSummary(
                    seller_id=seller_id,
                    settlement_id=settlement_id,
                    marketplace_id=marketplace_id,
                    start=start,
                    end=end,
                    deposit_date=deposit,
                    total=total,
                    currency=currency,
                )
                continue
            column = "amount"
            text = cell(row, column)
            if not text:
                raise ValueError("is empty")
            amount = money(text)
            column = "posted-date-time"
            posted_text = cell(row, column)
            if not posted_text:
                column = "posted-date"
                posted_text = cell(row, column)
            posted: datetime | None = when(posted_text) if posted_text else None
            column = "quantity-purchased"
            quantity_text = cell(row, column)
            quantity = int(quantity_text) if quantity_text else None
        except ValueError as exc:
            table.reject(
                column, safe_reason(exc, "is not a whole number" if column.startswith("quantity") else None)
            )
            continue
        yield SettlementLineFact(
            seller_id=seller_id,
            settlement_id=settlement_id,
            line=data_row,
            transaction_type=cell(row, "transaction-type") or None,
            order_id=cell(row, "order-id") or None,
            sku=cell(row, "sku") or None,
            amount_type=cell(row, "amount-type") or None,
            amount_description=cell(row, "amount-description") or None,
            amount=amount,
            currency=cell(row, "currency") or currency,
            posted_at=posted,
            marketplace_name=cell(row, "marketplace-name") or None,
            quantity=quantity,
        )
