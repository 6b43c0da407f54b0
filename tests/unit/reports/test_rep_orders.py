"""All Orders flat file → Order: grouping, formats, bad rows, PII, encodings, streaming."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sellerflow.domain import Order, OrderLine
from sellerflow.reports import (
    CountingSink,
    DocumentCorrupt,
    MissingColumns,
    ParseLog,
    ingest_document,
    parse_document,
)
from sellerflow.reports.orders import construct

REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
HEADER = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
]


def row(**cells: str) -> dict[str, str]:
    base = {
        "amazon-order-id": "111-0000001-0000001",
        "purchase-date": "2026-11-01T07:30:00+00:00",
        "last-updated-date": "2026-11-02T10:00:00+00:00",
        "order-status": "Shipped",
        "fulfillment-channel": "Amazon",
        "sales-channel": "Amazon.com",
        "ship-service-level": "Standard",
        "product-name": "Blue Mug",
        "sku": "MUG-1",
        "asin": "B000000001",
        "item-status": "Shipped",
        "quantity": "2",
        "currency": "USD",
        "item-price": "25.00",
        "shipping-price": "4.99",
        "item-promotion-discount": "-1.00",
        "ship-city": "Seattle",
        "ship-state": "WA",
        "ship-postal-code": "98101",
        "ship-country": "US",
        "promotion-ids": "PROMO-A, PROMO-B",
    }
    base.update(cells)
    return base


def tsv(rows: list[dict[str, str]], header: list[str] = HEADER, eol: str = "\n") -> str:
    lines = ["\t".join(header)] + ["\t".join(r.get(c, "") for c in header) for r in rows]
    return eol.join(lines) + eol


def parse(
    text: str | bytes, marketplace_id: str = US, log: ParseLog | None = None, **kw: object
) -> list[Order]:
    data = text.encode() if isinstance(text, str) else text
    return list(
        parse_document(REPORT, [data], seller_id="S1", marketplace_id=marketplace_id, log=log, **kw)  # type: ignore[arg-type]
    )


def test_adjacent_rows_of_an_order_become_one_order_with_its_lines() -> None:
    text = tsv(
        [
            row(),
            row(sku="MUG-2", asin="B000000002", quantity="1", **{"item-price": "9.50"}),
            row(**{"amazon-order-id": "111-0000002-0000002"}),
        ]
    )
    orders = parse(text)
    assert [o.order_id for o in orders] == ["111-0000001-0000001", "111-0000002-0000002"]
    first = orders[0]
    assert first.seller_id == "S1"
    assert first.marketplace_id == US
    assert first.created_time == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert first.created_time.tzinfo is UTC
    assert first.local_date == date(2026, 11, 1)  # 00:30 in Los Angeles
    assert first.status == "SHIPPED"
    assert first.fulfilled_by == "AMAZON"
    assert first.currency == "USD"
    assert [line.seller_sku for line in first.lines] == ["MUG-1", "MUG-2"]
    line = first.lines[0]
    assert line.item_price == Decimal("25.00")
    assert line.unit_price == Decimal("12.5")
    assert line.shipping_price == Decimal("4.99")
    assert line.promotion_discount == Decimal("1.00")
    assert line.quantity_ordered == 2
    assert line.quantity_shipped == 2
    assert line.promotion_ids == ("PROMO-A", "PROMO-B")
    assert all(isinstance(v, Decimal) for v in (line.item_price, line.unit_price, line.shipping_price))


def test_local_date_is_the_marketplace_day() -> None:
    text = tsv(
        [
            row(
                **{
                    "sales-channel": "Amazon.co.jp",
                    "purchase-date": "2026-11-01T16:00:00+00:00",
                    "currency": "JPY",
                    "item-price": "3000",
                    "quantity": "3",
                }
            )
        ]
    )
    (order,) = parse(text)
    assert order.marketplace_id == JP
    assert order.local_date == date(2026, 11, 2)
    assert order.lines[0].unit_price == Decimal("1000")


def test_purchase_date_with_an_offset_is_converted_to_utc() -> None:
    (order,) = parse(tsv([row(**{"purchase-date": "2026-11-01T01:30:00-08:00"})]))
    assert order.created_time == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert order.local_date == date(2026, 11, 1)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Pending", "PENDING"),
        ("Unshipped", "UNSHIPPED"),
        ("Shipped", "SHIPPED"),
        ("Cancelled", "CANCELLED"),
        ("PartiallyShipped", "PARTIALLY_SHIPPED"),
    ],
)
def test_order_status_is_mapped(status: str, expected: str) -> None:
    (order,) = parse(tsv([row(**{"order-status": status, "fulfillment-channel": "Merchant"})]))
    assert order.status == expected
    assert order.fulfilled_by == "MERCHANT"


def test_pending_order_without_prices_and_cancelled_with_zero_quantity() -> None:
    text = tsv(
        [
            row(
                **{
                    "order-status": "Pending",
                    "item-price": "",
                    "shipping-price": "",
                    "currency": "",
                    "item-promotion-discount": "",
                }
            ),
            row(
                **{
                    "amazon-order-id": "111-9",
                    "order-status": "Cancelled",
                    "quantity": "0",
                    "item-price": "0.00",
                }
            ),
        ]
    )
    pending, cancelled = parse(text)
    assert pending.currency == "USD"
    assert pending.lines[0].item_price is None
    assert pending.lines[0].unit_price is None
    assert cancelled.lines[0].quantity_ordered == 0
    assert cancelled.lines[0].unit_price is None


def test_unit_price_of_an_inexact_division_is_rounded_to_two_more_places_than_the_currency() -> None:
    (order,) = parse(tsv([row(quantity="3", **{"item-price": "10.00"})]))
    assert order.lines[0].unit_price == Decimal("3.3333")


def test_no_object_holds_ship_city_state_or_postal_code() -> None:
    canary = "pii-canary"
    text = tsv(
        [
            row(**{"ship-city": canary, "ship-state": canary, "ship-postal-code": canary}),
            row(sku="X", **{"ship-city": f"{canary}-2", "ship-state": canary, "ship-postal-code": canary}),
        ]
    )
    orders = parse(text)
    assert orders
    for order in orders:
        assert canary not in repr(order)
        assert canary not in order.model_dump_json()


def test_columns_are_found_by_name_in_any_order_with_unknown_extra_columns() -> None:
    reordered = [*list(reversed(HEADER)), "some-new-column"]
    rows = [row(**{"some-new-column": "whatever"}), row(sku="MUG-2")]
    assert parse(tsv(rows, reordered)) == parse(tsv(rows))


def test_crlf_and_lf_documents_read_the_same() -> None:
    rows = [row(), row(sku="MUG-2")]
    assert parse(tsv(rows, eol="\r\n")) == parse(tsv(rows, eol="\n"))


def test_a_quoted_cell_may_hold_tabs_newlines_and_doubled_quotes() -> None:
    text = tsv(
        [row(**{"product-name": '"Mug\twith ""tab""\nand newline"'}), row(**{"amazon-order-id": "111-2"})]
    )
    log = ParseLog()
    orders = parse(text, log=log)
    assert orders[0].lines[0].title == 'Mug\twith "tab"\nand newline'
    assert len(orders) == 2
    assert log.rows == 2
    assert log.rejected_count == 0


def test_utf8_bom_is_stripped_before_the_header() -> None:
    (order,) = parse(b"\xef\xbb\xbf" + tsv([row()]).encode())
    assert order.order_id == "111-0000001-0000001"


def test_missing_required_column_names_report_line_1_and_the_column() -> None:
    header = [c for c in HEADER if c not in ("purchase-date", "sku")]
    with pytest.raises(MissingColumns) as raised:
        parse(tsv([row()], header))
    message = str(raised.value)
    assert REPORT in message
    assert "line 1" in message
    assert "purchase-date" in message
    assert "sku" in message
    assert raised.value.columns == ("purchase-date", "sku")
    assert raised.value.line == 1


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"item-price": "12,3x"}, "item-price"),
        ({"shipping-price": "NaN"}, "shipping-price"),
        ({"quantity": "two"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"purchase-date": "01/11/2026 10:00"}, "purchase-date"),
        ({"purchase-date": "2026-11-01T10:00:00"}, "purchase-date"),  # no offset
        ({"sales-channel": "Non-Amazon"}, "sales-channel"),
    ],
)
def test_a_bad_cell_rejects_its_row_with_line_and_column_and_keeps_the_rest(
    cells: dict[str, str], column: str
) -> None:
    secret = next(iter(cells.values()))
    text = tsv([row(), row(**{"amazon-order-id": "111-BAD", **cells}), row(**{"amazon-order-id": "111-3"})])
    log = ParseLog()
    orders = parse(text, log=log)
    assert [o.order_id for o in orders] == ["111-0000001-0000001", "111-3"]
    (error,) = log.rejected
    assert (error.report_type, error.line, error.column) == (REPORT, 3, column)
    assert secret not in error.reason
    assert log.rows == 3


def test_a_bad_line_of_a_multi_item_order_drops_only_that_line() -> None:
    text = tsv([row(), row(sku="MUG-2", quantity="x"), row(sku="MUG-3")])
    log = ParseLog()
    (order,) = parse(text, log=log)
    assert [line.seller_sku for line in order.lines] == ["MUG-1", "MUG-3"]
    assert log.rejected[0].line == 3


def test_row_error_line_counts_physical_lines_of_multi_line_cells() -> None:
    text = tsv(
        [row(**{"product-name": '"two\nlines"'}), row(**{"amazon-order-id": "111-2", "quantity": "?"})]
    )
    log = ParseLog()
    parse(text, log=log)
    assert log.rejected[0].line == 4  # header 1, first row 2-3, bad row 4


def test_empty_document_and_header_only_document_have_no_orders() -> None:
    log = ParseLog()
    assert parse(b"", log=log) == []
    assert log.rows == 0
    assert parse(tsv([]), log=log) == []
    assert log.rows == 0


def test_rows_longer_than_the_header_are_rejected_shorter_ones_padded() -> None:
    long_row = tsv([row()]).splitlines()[1] + "\textra"
    text = tsv([row(**{"amazon-order-id": "111-1"})]) + long_row + "\n"
    short = "\t".join(row(**{"amazon-order-id": "111-3"}).get(c, "") for c in HEADER[:20]) + "\n"
    log = ParseLog()
    orders = parse(text + short, log=log)
    assert [o.order_id for o in orders] == ["111-1", "111-3"]
    assert log.rejected[0].line == 3
    assert log.rejected[0].column is None


def test_cp932_bytes_read_as_utf8_reject_the_row_naming_line_and_column() -> None:
    text = tsv(
        [
            row(),
            row(**{"amazon-order-id": "111-2", "product-name": "青いマグカップ"}),
            row(sku="Z", **{"amazon-order-id": "111-3"}),
        ]
    )
    log = ParseLog()
    orders = parse(text.encode("cp932"), log=log, encoding="utf-8")
    assert [o.order_id for o in orders] == ["111-0000001-0000001", "111-3"]
    (error,) = log.rejected
    assert error.line == 3
    assert error.column == "product-name"
    assert "utf-8" in error.reason


def test_a_jp_document_is_cp932_by_default() -> None:
    text = tsv(
        [
            row(
                **{
                    "sales-channel": "Amazon.co.jp",
                    "currency": "JPY",
                    "item-price": "1980",
                    "quantity": "1",
                    "product-name": "青いマグカップ",
                }
            )
        ]
    )
    (order,) = parse(text.encode("cp932"), marketplace_id=JP)
    assert order.lines[0].title == "青いマグカップ"
    assert order.lines[0].item_price == Decimal(1980)


def test_fast_construction_equals_validated_models() -> None:
    (order,) = parse(tsv([row(), row(sku="MUG-2")]))
    assert Order.model_validate(order.model_dump()) == order
    assert OrderLine.model_validate(order.lines[0].model_dump()) == order.lines[0]
    copy = order.model_copy(update={"status": "X"})
    assert copy.status == "X"
    assert order.status == "SHIPPED"
    built = construct(OrderLine, OrderLine(order_item_id="1", quantity_ordered=1).model_dump())
    assert built == OrderLine(order_item_id="1", quantity_ordered=1)


def test_parser_is_lazy_it_yields_before_reading_the_whole_input() -> None:
    head = tsv([row(**{"amazon-order-id": f"111-{n}"}) for n in range(3)]).encode()
    filler = tsv([row(**{"amazon-order-id": f"222-{n}"}) for n in range(5000)]).split("\n", 1)[1].encode()

    def chunks() -> Iterator[bytes]:
        yield head
        yield filler
        raise AssertionError("read past the point the first order needed")

    orders = parse_document(REPORT, chunks(), seller_id="S1", marketplace_id=US)
    first = next(iter(orders))
    assert isinstance(first, Order)
    assert first.order_id == "111-0"


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def test_ingest_writes_orders_in_batches_of_25() -> None:
    text = tsv([row(**{"amazon-order-id": f"111-{n}"}) for n in range(60)])
    sink = CountingSink(keep=True)
    result = ingest_document(
        REPORT, [gz(text.encode())], seller_id="S1", marketplace_id=US, compression="GZIP", sink=sink
    )
    assert (result.rows, result.written, result.rejected_count, sink.batches) == (60, 60, 0, 3)
    assert all(isinstance(o, Order) for o in sink.items)


def test_truncated_gzip_raises_document_corrupt_after_the_good_orders_were_written() -> None:
    text = tsv(
        [
            row(**{"amazon-order-id": f"111-{n}", "product-name": f"Mug {n * 7919 % 10007}"})
            for n in range(3000)
        ]
    )
    data = gz(text.encode())
    truncated = data[: len(data) * 2 // 3]
    sink = CountingSink(keep=True)
    with pytest.raises(DocumentCorrupt) as raised:
        ingest_document(
            REPORT,
            [truncated[i : i + 4096] for i in range(0, len(truncated), 4096)],
            seller_id="S1",
            marketplace_id=US,
            compression="GZIP",
            sink=sink,
        )
    assert REPORT in str(raised.value)
    assert "truncated" in str(raised.value)
    assert sink.written > 100
    assert raised.value.written == sink.written
    ids = [o.order_id for o in sink.items]  # type: ignore[attr-defined]
    assert ids == [f"111-{n}" for n in range(len(ids))]  # in order, none partial
    assert len(ids) < 3000


def test_purchase_date_in_basic_iso_format_and_with_z() -> None:
    basic, zulu = parse(
        tsv(
            [
                row(**{"purchase-date": "20261101T073000+00:00"}),
                row(**{"amazon-order-id": "111-2", "purchase-date": "2026-11-01T07:30:00Z"}),
            ]
        )
    )
    assert basic.created_time == zulu.created_time == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert basic.local_date == zulu.local_date == date(2026, 11, 1)
