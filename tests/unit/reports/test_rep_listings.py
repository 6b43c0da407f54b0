"""All Listings flat file → ListingFact: US/DE/JP/UK formats, encodings, bad rows, real sample."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerflow.facts import ListingFact
from sellerflow.reports import MissingColumns, ParseLog, parse_document

REPORT = "GET_MERCHANT_LISTINGS_ALL_DATA"
US, DE, JP, UK = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528", "A1F83G8C2ARO7P"
SAMPLE = Path("/work/shared/spapi/samples/zynk/GET_MERCHANT_LISTINGS_ALL_DATA.sample.tsv")
COLUMNS = [
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
]


def doc(*rows: dict[str, str], eol: str = "\n") -> str:
    return eol.join(["\t".join(COLUMNS), *("\t".join(r.get(c, "") for c in COLUMNS) for r in rows)]) + eol


def listing(**cells: str) -> dict[str, str]:
    base = {
        "item-name": "Blue Mug",
        "seller-sku": "MUG-1",
        "price": "12.50",
        "quantity": "7",
        "open-date": "2026-03-05 14:37:56 PST",
        "asin1": "B000000001",
        "fulfillment-channel": "DEFAULT",
        "status": "Active",
    }
    base.update(cells)
    return base


def parse(data: bytes, marketplace_id: str, log: ParseLog | None = None) -> list[ListingFact]:
    return list(parse_document(REPORT, [data], seller_id="S1", marketplace_id=marketplace_id, log=log))  # type: ignore[arg-type]


def test_us_listing_with_pst_and_pdt_open_dates() -> None:
    winter, summer = parse(
        doc(
            listing(),
            listing(**{"seller-sku": "MUG-2", "open-date": "2026-07-05 14:37:56 PDT", "quantity": ""}),
        ).encode(),
        US,
    )
    assert winter.open_date == datetime(2026, 3, 5, 22, 37, 56, tzinfo=UTC)
    assert summer.open_date == datetime(2026, 7, 5, 21, 37, 56, tzinfo=UTC)
    assert (winter.sku, winter.asin, winter.title, winter.price, winter.currency) == (
        "MUG-1",
        "B000000001",
        "Blue Mug",
        Decimal("12.50"),
        "USD",
    )
    assert winter.quantity == 7
    assert summer.quantity is None
    assert winter.status == "Active"
    assert winter.fulfillment_channel == "DEFAULT"


def test_de_listing_starts_with_a_bom_and_uses_decimal_commas_and_mez_mesz() -> None:
    data = (
        b"\xef\xbb\xbf"
        + doc(
            listing(
                price="1.234,50", **{"open-date": "05.03.2026 14:37:56 MEZ", "item-name": "Tasse blau ä"}
            ),
            listing(price="9,99", **{"seller-sku": "MUG-2", "open-date": "05.07.2026 14:37:56 MESZ"}),
            eol="\r\n",
        ).encode()
    )
    first, second = parse(data, DE)
    assert first.price == Decimal("1234.50")
    assert second.price == Decimal("9.99")
    assert first.currency == "EUR"
    assert first.open_date == datetime(2026, 3, 5, 13, 37, 56, tzinfo=UTC)
    assert second.open_date == datetime(2026, 7, 5, 12, 37, 56, tzinfo=UTC)
    assert first.title == "Tasse blau ä"


def test_jp_listing_is_cp932_with_jst_and_integer_yen() -> None:
    data = doc(
        listing(price="1980", **{"open-date": "2026/03/05 14:37:56 JST", "item-name": "青いマグカップ"})
    ).encode("cp932")
    (fact,) = parse(data, JP)
    assert fact.title == "青いマグカップ"
    assert fact.price == Decimal(1980)
    assert fact.currency == "JPY"
    assert fact.open_date == datetime(2026, 3, 5, 5, 37, 56, tzinfo=UTC)


def test_bad_price_quantity_and_date_reject_rows_with_line_and_column() -> None:
    data = doc(
        listing(price="12.5.0"),
        listing(quantity="lots"),
        listing(**{"open-date": "2026-03-05 14:37:56 XYZ"}),
        listing(**{"seller-sku": ""}),
        listing(**{"seller-sku": "GOOD"}),
    ).encode()
    log = ParseLog()
    facts = parse(data, US, log)
    assert [f.sku for f in facts] == ["GOOD"]
    assert [(e.line, e.column) for e in log.rejected] == [
        (2, "price"),
        (3, "quantity"),
        (4, "open-date"),
        (5, "seller-sku"),
    ]


def test_required_columns() -> None:
    header = [c for c in COLUMNS if c != "asin1"]
    with pytest.raises(MissingColumns, match="asin1"):
        parse(("\t".join(header) + "\n").encode(), US)


def test_real_uk_sample() -> None:
    if not SAMPLE.exists():
        pytest.skip("sample documents not present")
    log = ParseLog()
    facts = parse(SAMPLE.read_bytes(), UK, log)
    assert facts
    assert log.rejected_count == 0
    first = facts[0]
    assert first.sku == "1234567"
    assert first.price == Decimal(20)
    assert first.currency == "GBP"
    assert first.open_date == datetime(2016, 7, 8, 9, 12, 40, tzinfo=UTC)  # 08/07/2016 10:12:40 BST
