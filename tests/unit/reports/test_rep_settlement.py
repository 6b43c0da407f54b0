"""Settlement flat file (V2 layout) → SettlementSummary + SettlementLineFact, US/DE/JP formats."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerflow.facts import SettlementLineFact, SettlementSummary
from sellerflow.reports import MissingColumns, ParseLog, parse_document

REPORT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
SAMPLES = Path("/work/shared/spapi/samples")
HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\t"
    "transaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\t"
    "amount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\t"
    "merchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id"
)
COLUMNS = HEADER.split("\t")


def line(**cells: str) -> str:
    return "\t".join(cells.get(c.replace("-", "_"), "") for c in COLUMNS)


def document(date_fmt: str, amounts: tuple[str, str, str], posted: str, currency: str, market: str) -> str:
    start, end, deposit = (date_fmt.format(d=d) for d in ("01", "15", "17"))
    rows = [
        HEADER,
        line(
            settlement_id="1234",
            settlement_start_date=start,
            settlement_end_date=end,
            deposit_date=deposit,
            total_amount=amounts[0],
            currency=currency,
        ),
        line(
            settlement_id="1234",
            transaction_type="Order",
            order_id="111-1",
            marketplace_name=market,
            amount_type="ItemPrice",
            amount_description="Principal",
            amount=amounts[1],
            posted_date=posted,
            sku="SKU-1",
            quantity_purchased="2",
        ),
        line(
            settlement_id="1234",
            transaction_type="Order",
            order_id="111-1",
            marketplace_name=market,
            amount_type="ItemFees",
            amount_description="Commission",
            amount=amounts[2],
            posted_date=posted,
            sku="SKU-1",
        ),
    ]
    return "\n".join(rows) + "\n"


def parse(text: str | bytes, marketplace_id: str, log: ParseLog | None = None) -> list[object]:
    data = text.encode() if isinstance(text, str) else text
    return list(parse_document(REPORT, [data], seller_id="S1", marketplace_id=marketplace_id, log=log))


@pytest.mark.parametrize(
    ("market_id", "date_fmt", "amounts", "posted", "currency", "market", "expected"),
    [
        (
            US,
            "2026-11-{d} 07:00:00 UTC",
            ("1234.56", "25.00", "-3.75"),
            "2026-11-03",
            "USD",
            "Amazon.com",
            (Decimal("1234.56"), Decimal("25.00"), Decimal("-3.75")),
        ),
        (
            DE,
            "{d}.11.2026 07:00:00 UTC",
            ("1.234,56", "25,00", "-3,75"),
            "03.11.2026",
            "EUR",
            "Amazon.de",
            (Decimal("1234.56"), Decimal("25.00"), Decimal("-3.75")),
        ),
        (
            JP,
            "2026/11/{d} 07:00:00 UTC",
            ("123456", "2500", "-375"),
            "2026/11/03",
            "JPY",
            "Amazon.co.jp",
            (Decimal(123456), Decimal(2500), Decimal(-375)),
        ),
    ],
)
def test_summary_and_lines_in_each_marketplace_format(
    market_id: str,
    date_fmt: str,
    amounts: tuple[str, str, str],
    posted: str,
    currency: str,
    market: str,
    expected: tuple[Decimal, Decimal, Decimal],
) -> None:
    summary, first, second = parse(document(date_fmt, amounts, posted, currency, market), market_id)
    assert isinstance(summary, SettlementSummary)
    assert isinstance(first, SettlementLineFact)
    assert isinstance(second, SettlementLineFact)
    assert summary.start == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert summary.end == datetime(2026, 11, 15, 7, tzinfo=UTC)
    assert summary.deposit_date == datetime(2026, 11, 17, 7, tzinfo=UTC)
    assert (summary.total, summary.currency, summary.marketplace_id) == (expected[0], currency, market_id)
    assert (first.amount, second.amount) == expected[1:]
    assert first.currency == currency
    assert first.line == 2
    assert second.line == 3
    assert first.posted_at == datetime(2026, 11, 3, tzinfo=UTC)
    assert (first.transaction_type, first.order_id, first.sku, first.quantity) == (
        "Order",
        "111-1",
        "SKU-1",
        2,
    )
    assert (first.amount_type, first.amount_description, first.marketplace_name) == (
        "ItemPrice",
        "Principal",
        market,
    )


def test_posted_date_time_is_preferred_over_the_day() -> None:
    text = (
        HEADER
        + "\n"
        + line(
            settlement_id="1",
            settlement_start_date="2026-11-01 07:00:00 UTC",
            settlement_end_date="2026-11-15 07:00:00 UTC",
            total_amount="1.00",
            currency="USD",
        )
        + "\n"
        + line(
            settlement_id="1",
            amount="1.00",
            posted_date="2026-11-03",
            posted_date_time="2026-11-03 18:04:05 UTC",
        )
        + "\n"
    )
    _, fact = parse(text, US)
    assert isinstance(fact, SettlementLineFact)
    assert fact.posted_at == datetime(2026, 11, 3, 18, 4, 5, tzinfo=UTC)


def test_a_bad_amount_rejects_only_its_row() -> None:
    text = document(
        "2026-11-{d} 07:00:00 UTC", ("10.00", "1O.00", "-3.75"), "2026-11-03", "USD", "Amazon.com"
    )
    log = ParseLog()
    facts = parse(text, US, log)
    assert len(facts) == 2
    (error,) = log.rejected
    assert (error.line, error.column) == (3, "amount")
    assert "1O" not in error.reason


def test_a_bad_date_in_de_format_rejects_the_row() -> None:
    text = document("{d}.13.2026 07:00:00 UTC", ("10,00", "1,00", "-3,75"), "03.11.2026", "EUR", "Amazon.de")
    log = ParseLog()
    facts = parse(text, DE, log)
    assert all(isinstance(f, SettlementLineFact) for f in facts)
    assert len(facts) == 2
    assert (log.rejected[0].line, log.rejected[0].column) == (2, "settlement-start-date")


def test_empty_and_header_only_documents() -> None:
    assert parse(b"", US) == []
    assert parse(HEADER + "\n", US) == []


@pytest.mark.parametrize(
    "path",
    [
        "mws-rs/GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE.sample.tsv",
        "airbyte/unit_tests/resource/http/response/GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE.csv",
    ],
)
def test_real_samples_in_the_older_price_type_layout_are_refused_by_name(path: str) -> None:
    sample = SAMPLES / path
    if not sample.exists():
        pytest.skip("sample documents not present")
    with pytest.raises(MissingColumns) as raised:
        parse(sample.read_bytes(), US)
    assert set(raised.value.columns) == {"amount-type", "amount-description", "amount"}
