"""Report files in Amazon's real layout (tests/fixtures/amazon_reports), read through the real parsers:
settlement V2 formats decided by the document, Java charsets, and Amazon's sloppiness (trailing
empty cells, other header spellings, literal quotes, BOMs, CRLF)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerflow.facts import ListingFact, SettlementLineFact, SettlementSummary
from sellerflow.reports import (
    CountingSink,
    FormatUndecidable,
    IngestResult,
    UnsupportedReport,
    codec_for_charset,
    encoding_from_content_type,
    ingest_document,
)

FILES = Path(__file__).parents[2] / "fixtures" / "amazon_reports"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
US, DE, GB, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A1VC38T7YXB528"


def ingest(
    report_type: str, data: bytes, marketplace_id: str | None, content_type: str | None = None
) -> tuple[list[object], IngestResult]:
    sink = CountingSink(keep=True)
    result = ingest_document(
        report_type,
        [data[:7], data[7:]],  # a chunk border inside the header (and inside a BOM) must not matter
        seller_id="S1",
        marketplace_id=marketplace_id,
        compression=None,
        content_type=content_type,
        sink=sink,
    )
    return sink.items, result


def fixture(name: str) -> bytes:
    return (FILES / name).read_bytes()


# --- charsets: Java names → codecs ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("charset", "codec"),
    [
        ("Cp1252", "cp1252"),
        ("windows-1252", "cp1252"),
        ("UTF-8", "utf-8"),
        ("UTF8", "utf-8"),
        ("Shift_JIS", "cp932"),
        ("SJIS", "cp932"),
        ("windows-31j", "cp932"),
        ("MS932", "cp932"),
        ("ISO-8859-1", "cp1252"),
        ("x-UTF-16LE-BOM", "utf-16-le"),
        ("UnicodeLittle", "utf-16-le"),
        ("UTF-16", "utf-16"),
        ("EUC-JP", "euc_jp"),
        ("GBK", "gb18030"),
        ("Cp1250", "cp1250"),
        ("x-no-such-charset", None),
    ],
)
def test_java_charset_names_map_to_the_codec_that_reads_amazons_bytes(
    charset: str, codec: str | None
) -> None:
    assert codec_for_charset(charset) == codec
    assert encoding_from_content_type(f"text/plain;charset={charset}") == codec
    assert encoding_from_content_type(f'text/plain; Charset="{charset}"') == codec


def test_no_charset_in_the_content_type_leaves_the_marketplace_default() -> None:
    assert encoding_from_content_type("text/plain") is None
    assert encoding_from_content_type("application/octet-stream") is None
    assert encoding_from_content_type(None) is None


# --- settlements V2 ---------------------------------------------------------------------------------
def test_eu_settlement_format_comes_from_its_currency_not_the_listed_marketplace() -> None:
    # Listed without a marketplace (settlements ignore marketplaceIds); served as Cp1252.
    items, result = ingest(
        SETTLEMENT, fixture("settlement_v2_de_cp1252.txt"), None, "text/plain;charset=Cp1252"
    )
    summary, *lines = items
    assert isinstance(summary, SettlementSummary)
    assert (summary.total, summary.currency) == (Decimal("1234.56"), "EUR")
    assert summary.end == datetime(2026, 11, 3, 14, 22, 5, tzinfo=UTC)
    assert summary.marketplace_id is None  # EUR alone does not say DE or FR, and nothing was guessed
    assert all(isinstance(line, SettlementLineFact) for line in lines)
    amounts = [line.amount for line in lines if isinstance(line, SettlementLineFact)]
    assert amounts == [Decimal("1299.00"), Decimal("-194.85"), Decimal("-39.59"), Decimal("170.00")]
    assert sum(amounts) == summary.total
    fee = lines[2]
    assert isinstance(fee, SettlementLineFact)
    assert fee.amount_description == "Lagergebühr für Übermengen (€)"
    assert (result.rejected_count, result.undecodable, result.encoding) == (0, 0, "cp1252")


def test_a_listed_marketplace_names_an_eu_settlement_only_when_its_currency_agrees() -> None:
    (summary, *_), _ = ingest(
        SETTLEMENT, fixture("settlement_v2_de_cp1252.txt"), DE, "text/plain;charset=Cp1252"
    )
    assert isinstance(summary, SettlementSummary)
    assert summary.marketplace_id == DE
    (summary, *_), _ = ingest(
        SETTLEMENT, fixture("settlement_v2_de_cp1252.txt"), US, "text/plain;charset=Cp1252"
    )
    assert isinstance(summary, SettlementSummary)
    assert summary.marketplace_id is None


def test_us_settlement_with_thousands_commas_and_lf_lines() -> None:
    (summary, first, second), result = ingest(SETTLEMENT, fixture("settlement_v2_us.tsv"), DE, None)
    assert isinstance(summary, SettlementSummary)
    assert (summary.total, summary.currency, summary.marketplace_id) == (Decimal("1021.40"), "USD", US)
    assert isinstance(first, SettlementLineFact)
    assert isinstance(second, SettlementLineFact)
    assert (first.amount, second.amount) == (Decimal("1199.00"), Decimal("-177.60"))
    assert first.posted_at == datetime(2026, 10, 21, 8, 15, 42, tzinfo=UTC)
    assert result.rejected_count == 0


def test_jp_settlement_served_as_shift_jis_reads_cp932_only_characters() -> None:
    data = fixture("settlement_v2_jp_cp932.txt")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")  # what a literal Shift_JIS reader would do with ①
    (summary, first, _), result = ingest(SETTLEMENT, data, None, "text/plain;charset=Shift_JIS")
    assert isinstance(summary, SettlementSummary)
    assert (summary.total, summary.currency, summary.marketplace_id) == (Decimal(12340), "JPY", JP)
    assert isinstance(first, SettlementLineFact)
    assert first.sku == "タンブラー①～"
    assert (result.undecodable, result.encoding) == (0, "cp932")


def test_a_settlement_without_a_known_currency_or_marketplace_is_a_typed_error() -> None:
    with pytest.raises(FormatUndecidable) as raised:
        ingest(SETTLEMENT, fixture("settlement_v2_no_currency.tsv"), DE, None)
    assert raised.value.line == 2
    assert "1.234" not in str(raised.value)


def test_a_summary_whose_currency_and_marketplace_disagree_is_a_typed_error() -> None:
    text = fixture("settlement_v2_us.tsv").decode()
    header, summary, rest = text.split("\n", 2)
    cells = summary.split("\t")
    cells[header.split("\t").index("marketplace-name")] = "Amazon.de"
    with pytest.raises(FormatUndecidable, match="USD"):
        ingest(SETTLEMENT, "\n".join([header, "\t".join(cells), rest]).encode(), None)


def test_an_amount_in_the_other_notation_is_rejected_never_misread() -> None:
    # `1,299.00` in a EUR document would read as 1.29900 with a naive decimal-comma parser.
    data = fixture("settlement_v2_de_cp1252.txt").replace(b"1.299,00", b"1,299.00")
    items, result = ingest(SETTLEMENT, data, None, "text/plain;charset=Cp1252")
    amounts = [item.amount for item in items if isinstance(item, SettlementLineFact)]
    assert Decimal("1.299") not in amounts
    assert len(amounts) == 3
    (error,) = result.rejected
    assert (error.line, error.column) == (3, "amount")


def test_the_removed_settlement_report_types_have_no_parser() -> None:
    for removed in ("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "GET_V2_SETTLEMENT_REPORT_DATA_XML"):
        with pytest.raises(UnsupportedReport, match="removed"):
            ingest(removed, fixture("settlement_v2_us.tsv"), US)


# --- encodings: what was not decodable is flagged, not thinned --------------------------------------
def test_a_cp1252_document_read_as_utf8_flags_its_undecodable_rows() -> None:
    items, result = ingest(
        SETTLEMENT, fixture("settlement_v2_de_cp1252.txt"), None, "text/plain;charset=UTF-8"
    )
    assert result.undecodable == 1  # the row with ü and € (0xFC, 0x80) is not UTF-8
    assert result.rejected_count == 1
    assert "not valid in utf-8" in result.rejected[0].reason
    assert len(items) == 4


def test_with_no_charset_the_marketplace_default_applies() -> None:
    items, result = ingest(LISTINGS, fixture("listings_jp_localized_cp932.txt"), JP, None)
    assert (result.encoding, result.undecodable, len(items)) == ("cp932", 0, 2)


# --- listings: header spellings, literal quotes, BOMs, CRLF, trailing cells --------------------------
def test_uk_listings_with_fulfilment_spelling_bom_crlf_and_a_literal_quote() -> None:
    items, result = ingest(
        LISTINGS, fixture("listings_uk_fulfilment_bom.txt"), GB, "text/plain;charset=UTF-8"
    )
    pan, towel = items
    assert isinstance(pan, ListingFact)
    assert isinstance(towel, ListingFact)
    assert pan.title == 'Cast Iron Pan 12" Pre-Seasoned'
    assert (pan.price, pan.quantity, pan.fulfillment_channel) == (Decimal("1049.99"), None, "AMAZON_EU")
    assert pan.open_date == datetime(2016, 7, 8, 9, 12, 40, tzinfo=UTC)
    assert (towel.sku, towel.fulfillment_channel, towel.quantity) == ("TOWEL-2", "DEFAULT", 14)
    assert result.rejected_count == 0


def test_de_listings_in_cp1252() -> None:
    (mug,), result = ingest(LISTINGS, fixture("listings_de_cp1252.txt"), DE, "text/plain;charset=Cp1252")
    assert isinstance(mug, ListingFact)
    assert mug.title == "Kaffeebecher Größe L – Grün"
    assert mug.fulfillment_channel == "DEFAULT"
    assert (result.encoding, result.rejected_count) == ("cp1252", 0)


def test_jp_listings_with_japanese_headers_served_as_windows_31j() -> None:
    (tumbler, board), result = ingest(
        LISTINGS, fixture("listings_jp_localized_cp932.txt"), JP, "text/plain;charset=windows-31j"
    )
    assert isinstance(tumbler, ListingFact)
    assert isinstance(board, ListingFact)
    assert (tumbler.sku, tumbler.asin, tumbler.title) == (
        "TUMBLER-500",
        "B0JPTUMB01",
        "真空断熱 タンブラー ① 500ml～",
    )
    assert (tumbler.price, tumbler.currency, tumbler.quantity) == (Decimal(1980), "JPY", 25)
    assert (board.price, board.quantity, board.status) == (Decimal(2480), None, "Inactive")
    assert board.fulfillment_channel == "AMAZON_JP"
    assert result.rejected_count == 0


def test_utf16_listings_keep_empty_extra_cells_and_reject_extra_data() -> None:
    (mug,), result = ingest(
        LISTINGS, fixture("listings_us_utf16le_bom.txt"), US, "text/plain;charset=x-UTF-16LE-BOM"
    )
    assert isinstance(mug, ListingFact)
    assert mug.sku == "MUG-1"
    (error,) = result.rejected
    assert error.line == 3
    assert "cells" in error.reason
    assert result.encoding == "utf-16-le"
