"""GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 → SettlementSummary + SettlementLineFact.

Since 2026-11-11 this is Amazon's only settlement report (the `..._FLAT_FILE` and XML ones were
removed). Its layout has `amount-type, amount-description, amount`; the older layout
(`price-type, price-amount, item-related-fee-type, ...`) fails with MissingColumns naming the
columns it lacks. The first data row is the settlement summary (total-amount filled); every later
row is one line.

Settlement reports ignore `marketplaceIds`, so the number and date format is read from the document:
the summary row's `currency` (and its `marketplace-name` when filled, which must agree) picks it.
USD/CAD `2026-11-01 07:00:00 UTC` and `1,234.56`; EUR `01.11.2026 07:00:00 UTC` and `1.234,56`;
GBP `01.11.2026 07:00:00 UTC` and `1,234.56`; JPY `2026/11/01 07:00:00 UTC` and integer yen. A
document that names no known currency or marketplace raises FormatUndecidable; an amount not written
in the decided notation rejects its row. ISO 8601 with an offset is accepted everywhere;
`posted-date` may be a day alone (midnight UTC); `posted-date-time`, when filled, wins over it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from sellerflow.facts import SettlementLineFact, SettlementSummary
from sellerflow.marketplaces import MARKETPLACES
from sellerflow.reports.errors import FormatUndecidable
from sellerflow.reports.formats import CachedDates, marketplace_for_channel, parse_datetime, strict_money
from sellerflow.reports.stream import Table, safe_reason

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
# Removed by Amazon on 2026-11-11: never listed or ingested any more.
REMOVED_REPORT_TYPES = ("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "GET_V2_SETTLEMENT_REPORT_DATA_XML")
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


@dataclass(frozen=True)
class SettlementFormat:
    """How one settlement document writes numbers and dates."""

    currency: str
    decimal_comma: bool
    day_first: bool


# Amazon writes a settlement in the notation of its currency's marketplaces.
CURRENCY_FORMATS: dict[str, SettlementFormat] = {
    "USD": SettlementFormat("USD", decimal_comma=False, day_first=False),
    "CAD": SettlementFormat("CAD", decimal_comma=False, day_first=False),
    "EUR": SettlementFormat("EUR", decimal_comma=True, day_first=True),
    "GBP": SettlementFormat("GBP", decimal_comma=False, day_first=True),
    "JPY": SettlementFormat("JPY", decimal_comma=False, day_first=True),
}


def decide_format(
    currency: str, marketplace_name: str, *, line: int | None = None
) -> tuple[SettlementFormat, str | None]:
    """The format (and, when the document says it, the marketplace) of a settlement, from its summary
    row's currency and marketplace-name; FormatUndecidable when they name nothing known or disagree."""
    named = marketplace_for_channel(marketplace_name) if marketplace_name else None
    code = currency.strip().upper()
    if named is not None and code and code != named.currency:
        raise FormatUndecidable(
            REPORT_TYPE, f"the summary's currency {code} is not {named.name}'s {named.currency}", line=line
        )
    code = code or (named.currency if named else "")
    known = CURRENCY_FORMATS.get(code)
    if known is None:
        what = f"currency {code}" if code.isalpha() and len(code) == 3 else "no known currency"
        raise FormatUndecidable(
            REPORT_TYPE,
            f"the summary row names {what} and no known marketplace: its number format cannot be decided",
            line=line,
        )
    if named is not None:
        return known, named.marketplace_id
    only = [m.marketplace_id for m in MARKETPLACES.values() if m.currency == code]
    return known, only[0] if len(only) == 1 else None


@dataclass
class _Reader:
    table: Table
    ix: dict[str, int]
    width: int

    def cell(self, row: list[str], name: str) -> str:
        position = self.ix.get(name, self.width)
        return row[position].strip() if position < self.width else ""


def parse_settlement(
    table: Table, *, seller_id: str, marketplace_hint: str | None = None
) -> Iterator[SettlementSummary | SettlementLineFact]:
    """`marketplace_hint` (the report listing's marketplace) only names the summary's marketplace when
    the document itself cannot (a EUR settlement) and its currency agrees; it never decides a format."""
    if table.empty:
        return
    reader = _Reader(table, table.columns(REQUIRED, OPTIONAL), table.width)
    rows = iter(table)
    first = next(rows, None)
    if first is None:
        return
    fmt, marketplace_id = decide_format(
        reader.cell(first, "currency"), reader.cell(first, "marketplace-name"), line=table.line
    )
    if marketplace_id is None and hint_agrees(marketplace_hint, fmt.currency):
        marketplace_id = marketplace_hint
    money = strict_money(decimal_comma=fmt.decimal_comma)
    when = CachedDates(partial(parse_datetime, day_first=fmt.day_first))
    summary = _summary(reader, first, seller_id, marketplace_id, fmt.currency, money, when)
    if summary is not None:
        yield summary
    data_row = 1
    for row in rows:
        data_row += 1
        fact = _line(reader, row, data_row, seller_id, fmt.currency, money, when)
        if fact is not None:
            yield fact


def hint_agrees(marketplace_id: str | None, currency: str) -> bool:
    market = MARKETPLACES.get(marketplace_id or "")
    return market is not None and market.currency == currency


def _summary(
    reader: _Reader,
    row: list[str],
    seller_id: str,
    marketplace_id: str | None,
    currency: str,
    money: Callable[[str], Decimal],
    when: Callable[[str], datetime],
) -> SettlementSummary | None:
    column = "settlement-id"
    try:
        settlement_id = reader.cell(row, column)
        if not settlement_id:
            raise ValueError("is empty")
        column = "settlement-start-date"
        start = when(reader.cell(row, column))
        column = "settlement-end-date"
        end = when(reader.cell(row, column))
        column = "deposit-date"
        deposit_text = reader.cell(row, column)
        deposit = when(deposit_text) if deposit_text else None
        column = "total-amount"
        total = money(reader.cell(row, column))
    except ValueError as exc:
        reader.table.reject(column, safe_reason(exc))
        return None
    return SettlementSummary(
        seller_id=seller_id,
        settlement_id=settlement_id,
        marketplace_id=marketplace_id,
        start=start,
        end=end,
        deposit_date=deposit,
        total=total,
        currency=currency,
    )


def _line(
    reader: _Reader,
    row: list[str],
    data_row: int,
    seller_id: str,
    currency: str,
    money: Callable[[str], Decimal],
    when: Callable[[str], datetime],
) -> SettlementLineFact | None:
    cell = reader.cell
    column = "settlement-id"
    try:
        settlement_id = cell(row, column)
        if not settlement_id:
            raise ValueError("is empty")
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
        reader.table.reject(
            column, safe_reason(exc, "is not a whole number" if column.startswith("quantity") else None)
        )
        return None
    return SettlementLineFact(
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
