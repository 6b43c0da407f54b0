"""The report document writers: Amazon's headers, line endings, encodings and number formats."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sellerflow_dev.simulator import SimWorld, find_pii_markers
from sellerflow_dev.simulator.documents import (
    ALL_ORDERS_HEADER,
    INVENTORY_HEADER,
    LISTINGS_HEADER,
    SETTLEMENT_HEADER,
    all_orders_document,
    all_orders_report,
    gzip_stream,
    inventory_report,
    listings_header,
    listings_report,
    locale_for,
    settlement_report,
    tsv_line,
)

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"


@pytest.fixture(scope="module")
def world() -> SimWorld:
    return SimWorld.generate(sellers=1, seed=21, now=NOW)


@pytest.fixture(scope="module")
def seller_id(world: SimWorld) -> str:
    return world.sellers[0].seller_id  # sells on US, DE and JP


def rows(data: bytes, encoding: str = "utf-8") -> list[list[str]]:
    text = data.decode(encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"'))


def assert_crlf_only(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")


def test_a_field_with_a_tab_or_a_leading_quote_is_quoted_an_inner_quote_stays_literal() -> None:
    line = tsv_line(["plain", 'Mug 12" tall', "Mat\tBlue", "two\nlines", '"Best" mug'])
    assert line == 'plain\tMug 12" tall\t"Mat\tBlue"\t"two\nlines"\t"""Best"" mug"\r\n'
    assert rows(line.encode()) == [["plain", 'Mug 12" tall', "Mat\tBlue", "two\nlines", '"Best" mug']]


def test_all_orders_has_the_canonical_header_one_row_per_item_and_pii_markers(
    world: SimWorld, seller_id: str
) -> None:
    orders = [o for o in world.all_order_states(seller_id) if o.marketplace_id == US]
    data = b"".join(all_orders_report(orders, US))
    assert_crlf_only(data)
    parsed = rows(data)
    assert tuple(parsed[0]) == ALL_ORDERS_HEADER
    body = [dict(zip(parsed[0], row, strict=True)) for row in parsed[1:]]
    assert len(body) == sum(len(o.items) for o in orders)
    # rows of an order are adjacent and ordered by purchase date
    seen: list[str] = []
    for row in body:
        if not seen or seen[-1] != row["amazon-order-id"]:
            assert row["amazon-order-id"] not in seen
            seen.append(row["amazon-order-id"])
    assert [r["purchase-date"] for r in body] == sorted(r["purchase-date"] for r in body)
    assert body[0]["purchase-date"].endswith("+00:00")
    datetime.fromisoformat(body[0]["purchase-date"])
    assert {r["order-status"] for r in body} <= {"Pending", "Shipped", "Cancelled", "Unshipped"}
    assert {r["fulfillment-channel"] for r in body} == {"Amazon", "Merchant"}
    for row in body:
        for column in ("ship-city", "ship-state", "ship-postal-code"):
            assert find_pii_markers(row[column]), column
        assert not find_pii_markers(row["product-name"] + row["sku"] + row["ship-country"])
    shipped = next(r for r in body if r["order-status"] == "Shipped")
    order = next(o for o in orders if o.order_id == shipped["amazon-order-id"])
    item = next(i for i in order.items if i.product.sku == shipped["sku"])
    assert Decimal(shipped["item-price"]) == item.unit_price * item.quantity
    assert int(shipped["quantity"]) == item.quantity


def test_jp_all_orders_are_shift_jis_with_japanese_titles(world: SimWorld, seller_id: str) -> None:
    orders = [o for o in world.all_order_states(seller_id) if o.marketplace_id == JP][:20]
    data = b"".join(all_orders_report(orders, JP))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = rows(data, "cp932")
    names = [row[ALL_ORDERS_HEADER.index("product-name")] for row in parsed[1:]]
    assert all(any("\u30a0" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)
    assert all(row[ALL_ORDERS_HEADER.index("item-price")].isdigit() for row in parsed[1:] if row[16])


def test_settlement_first_row_is_the_summary_and_lines_add_up_to_it(world: SimWorld, seller_id: str) -> None:
    # the first US settlement with sales (an early, quiet fortnight may hold only the subscription fee)
    settlement = next(
        s
        for s in world.settlements(seller_id)
        if s.marketplace_id == US and any(line.transaction_type == "Order" for line in s.lines)
    )
    data = b"".join(settlement_report(settlement))
    assert_crlf_only(data)
    parsed = rows(data)
    assert tuple(parsed[0]) == SETTLEMENT_HEADER
    summary, lines = parsed[1], parsed[2:]
    assert summary[:6] == [
        settlement.settlement_id,
        settlement.start.strftime("%Y-%m-%d %H:%M:%S UTC"),
        settlement.end.strftime("%Y-%m-%d %H:%M:%S UTC"),
        settlement.deposit_date.strftime("%Y-%m-%d %H:%M:%S UTC"),
        f"{settlement.total:.2f}",
        "USD",
    ]
    assert all(value == "" for value in summary[6:])
    amount = SETTLEMENT_HEADER.index("amount")
    assert sum(Decimal(line[amount]) for line in lines) == Decimal(summary[4])
    posted = lines[0][SETTLEMENT_HEADER.index("posted-date")]
    assert lines[0][SETTLEMENT_HEADER.index("posted-date-time")].startswith(posted + " ")
    kinds = {(line[12], line[13]) for line in lines}
    assert ("ItemPrice", "Principal") in kinds
    assert ("ItemFees", "Commission") in kinds


def test_de_settlement_uses_dotted_dates_and_a_decimal_comma(world: SimWorld, seller_id: str) -> None:
    settlement = next(s for s in world.settlements(seller_id) if s.marketplace_id == DE and len(s.lines) > 3)
    parsed = rows(b"".join(settlement_report(settlement)))
    summary = parsed[1]
    assert summary[1] == settlement.start.strftime("%d.%m.%Y %H:%M:%S UTC")
    assert "," in summary[4]
    assert "." not in summary[4]
    amounts = [line[SETTLEMENT_HEADER.index("amount")] for line in parsed[2:]]
    assert all("," in a and "." not in a for a in amounts)
    assert sum(Decimal(a.replace(",", ".")) for a in amounts) == settlement.total
    assert parsed[2][SETTLEMENT_HEADER.index("posted-date")].count(".") == 2


def test_jp_settlement_has_slashed_dates_and_whole_yen(world: SimWorld, seller_id: str) -> None:
    settlement = next(s for s in world.settlements(seller_id) if s.marketplace_id == JP)
    parsed = rows(b"".join(settlement_report(settlement)), "cp932")
    assert parsed[1][1] == settlement.start.strftime("%Y/%m/%d %H:%M:%S UTC")
    assert parsed[1][4].lstrip("-").isdigit()
    assert all(line[14].lstrip("-").isdigit() for line in parsed[2:])


def test_listings_per_marketplace_dates_bom_and_encodings(world: SimWorld, seller_id: str) -> None:
    by_market = {m: [x for x in world.listings(seller_id) if x.marketplace_id == m] for m in (US, DE, JP)}
    us = b"".join(listings_report(by_market[US], US))
    de = b"".join(listings_report(by_market[DE], DE))
    jp = b"".join(listings_report(by_market[JP], JP))
    for data in (us, de, jp):
        assert_crlf_only(data)
    assert not us.startswith(b"\xef\xbb\xbf")
    assert not de.startswith(b"\xef\xbb\xbf")
    us_rows = rows(us)
    assert tuple(us_rows[0]) == LISTINGS_HEADER
    de_rows = rows(de, "cp1252")
    assert tuple(de_rows[0]) == listings_header(DE)
    assert "fulfilment-channel" in de_rows[0]
    assert "Größe" in de_rows[1][1]
    assert "€" in de_rows[1][1]
    jp_rows = rows(jp, "cp932")
    assert tuple(jp_rows[0]) == listings_header(JP)
    assert "出品者SKU" in jp_rows[0]
    with pytest.raises(UnicodeDecodeError):
        jp.decode("shift_jis")  # ① exists only in cp932 (Amazon's "Shift_JIS")
    assert "①" in jp_rows[1][1]
    assert "～" in jp_rows[1][1]
    open_date = LISTINGS_HEADER.index("open-date")
    assert all(r[open_date].endswith((" PST", " PDT")) and r[open_date][4] == "-" for r in us_rows[1:])
    assert all(r[open_date].endswith((" MEZ", " MESZ")) and r[open_date][2] == "." for r in de_rows[1:])
    assert all(r[open_date].endswith(" JST") and r[open_date][4] == "/" for r in jp_rows[1:])
    assert any("\u30a0" <= ch <= "\u30ff" for ch in jp_rows[1][0])
    # titles with a tab or quotes survive the quoting; every row has every column
    for parsed, listings in ((us_rows, by_market[US]), (jp_rows, by_market[JP])):
        assert all(len(row) == len(LISTINGS_HEADER) for row in parsed)
        assert [row[0] for row in parsed[1:]] == [listing.report_title for listing in listings]
    titles = [x.report_title for m in by_market.values() for x in m]
    assert any("\t" in t for t in titles)
    assert any('"' in t for t in titles)
    assert b'12" Edition' in us + de + jp


def test_fba_inventory_header_and_quantities(world: SimWorld, seller_id: str) -> None:
    inventory = [row for row in world.inventory(seller_id) if row.marketplace_id == US]
    parsed = rows(b"".join(inventory_report(inventory, US)))
    assert tuple(parsed[0]) == INVENTORY_HEADER
    first = dict(zip(INVENTORY_HEADER, parsed[1], strict=True))
    row = inventory[0]
    assert first["sku"] == row.sku
    assert int(first["afn-fulfillable-quantity"]) == row.fulfillable
    assert int(first["afn-total-quantity"]) == row.total
    assert int(first["afn-inbound-shipped-quantity"]) == row.inbound_shipped


def test_decimal_formats_per_marketplace() -> None:
    assert locale_for(US).amount(Decimal("-1234.5")) == "-1234.50"
    assert locale_for(DE).amount(Decimal("-1234.5")) == "-1234,50"
    assert locale_for(JP).amount(Decimal("1980")) == "1980"


def test_gzip_is_deterministic_and_round_trips() -> None:
    chunks = [b"a\tb\r\n" * 1000, b"c\td\r\n"]
    first = b"".join(gzip_stream(iter(chunks)))
    assert first == b"".join(gzip_stream(iter(chunks)))
    assert gzip.decompress(first) == b"".join(chunks)


def test_the_benchmark_generator_writes_valid_rows_deterministically() -> None:
    data = b"".join(all_orders_document(2500, seed=3))
    assert data == b"".join(all_orders_document(2500, seed=3))
    assert data != b"".join(all_orders_document(2500, seed=4))
    assert_crlf_only(data)
    parsed = rows(data)
    assert tuple(parsed[0]) == ALL_ORDERS_HEADER
    assert len(parsed) == 2501
    assert all(len(row) == len(ALL_ORDERS_HEADER) for row in parsed)
    body = [dict(zip(ALL_ORDERS_HEADER, row, strict=True)) for row in parsed[1:]]
    assert [r["purchase-date"] for r in body] == sorted(r["purchase-date"] for r in body)
    assert all(find_pii_markers(r["ship-city"]) for r in body)
    assert all(Decimal(r["item-price"]) > 0 and int(r["quantity"]) >= 1 for r in body)
    jp = b"".join(all_orders_document(10, seed=3, marketplace_id=JP))
    assert rows(jp, "cp932")[1][ALL_ORDERS_HEADER.index("currency")] == "JPY"
