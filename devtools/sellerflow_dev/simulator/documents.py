"""Report documents in Amazon's own formats, written as streams of bytes.

Every writer is a generator yielding encoded chunks, so a document of any size is produced in
bounded memory. Flat files are tab-separated with CRLF line endings and the header first; a value
holding a tab or a line break, or starting with a double quote, is quoted (``"..."``, inner quotes
doubled); a double quote inside any other value stays as it is (``12" Edition``).

Per marketplace (see `FlatFileLocale`):

| | dates (settlement) | listing open-date | decimals | encoding (Content-Type charset) |
|---|---|---|---|---|
| US, CA | ``2026-11-01 07:00:00 UTC`` | ``2026-03-05 14:37:56 PST`` | ``12.34`` | UTF-8 (``UTF-8``) |
| DE, FR | ``01.11.2026 07:00:00 UTC`` | ``05.03.2026 14:37:56 MEZ`` | ``12,34`` (settlement) | cp1252 (``Cp1252``) |
| GB | ``01.11.2026 07:00:00 UTC`` | ``05/03/2026 14:37:56 GMT`` | ``12.34`` | UTF-8, listings with a BOM |
| JP | ``2026/11/01 07:00:00 UTC`` | ``2026/03/05 14:37:56 JST`` | integer yen | cp932 (``windows-31j``, ``Shift_JIS``) |

All Orders dates are ISO 8601 with an offset (``2026-11-01T10:15:30+00:00``) everywhere; All Orders
documents are served without a charset (the client's marketplace default applies: UTF-8, JP cp932).
EU listings spell ``fulfilment-channel``; JP listings carry Japanese headers (出品者SKU, 価格, ...).
Listings carry an item-description in the marketplace's own script: ``Größe … €`` (cp1252 bytes) in
DE/FR, ``①``/``～`` in JP (characters only cp932 has: a Shift_JIS reader fails on them).
`all_orders_document` writes synthetic All Orders rows fast, for benchmarks.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerflow.marketplaces import Marketplace, marketplace
from sellerflow_dev.simulator.catalog import quantize
from sellerflow_dev.simulator.ledger import (
    SimDayTraffic,
    SimInventory,
    SimListing,
    SimSettlement,
    title_in,
)
from sellerflow_dev.simulator.order_model import SimOrder

ALL_ORDERS_HEADER: tuple[str, ...] = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name",
    "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price",
    "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount",
    "ship-city", "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
)  # fmt: skip
SETTLEMENT_HEADER: tuple[str, ...] = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
    "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
    "marketplace-name", "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date",
    "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
    "quantity-purchased", "promotion-id",
)  # fmt: skip
LISTINGS_HEADER: tuple[str, ...] = (
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date",
    "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee", "item-note",
    "item-condition", "zshop-category1", "zshop-browse-path", "zshop-storefront-feature", "asin1", "asin2",
    "asin3", "will-ship-internationally", "expedited-shipping", "zshop-boldface", "product-id",
    "bid-for-featured-placement", "add-delete", "pending-quantity", "fulfillment-channel",
    "merchant-shipping-group", "status",
)  # fmt: skip
INVENTORY_HEADER: tuple[str, ...] = (
    "sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
    "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity", "afn-fulfillable-quantity",
    "afn-unsellable-quantity", "afn-reserved-quantity", "afn-total-quantity", "per-unit-volume",
    "afn-inbound-working-quantity", "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity",
    "afn-researching-quantity", "afn-reserved-future-supply", "afn-future-supply-buyable",
)  # fmt: skip

_CHUNK_LINES = 2000
_ORDER_STATUS = {
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Cancelled",
}
_ITEM_STATUS = {
    "PENDING": "Unshipped",
    "UNSHIPPED": "Unshipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Cancelled",
}
_SERVICE_LEVEL = {"STANDARD": "Standard", "EXPEDITED": "Expedited", "NEXT_DAY": "NextDay"}
_GERMAN_ZONES = {"CET": "MEZ", "CEST": "MESZ"}


# --- formats per marketplace ------------------------------------------------------------------------
@dataclass(frozen=True)
class FlatFileLocale:
    market: Marketplace
    settlement_date_format: str
    listing_date_format: str
    decimal_comma: bool
    encoding: str
    listings_bom: bool
    charset: str  # the Java charset name the download's Content-Type gives
    description: str = ""  # the listings' item-description, in characters of the encoding

    @property
    def orders_encoding(self) -> str:
        """All Orders documents name no charset: they are in the marketplace default (UTF-8, JP cp932)."""
        return "cp932" if self.encoding == "cp932" else "utf-8"

    def settlement_time(self, moment: datetime) -> str:
        return moment.astimezone(UTC).strftime(self.settlement_date_format) + " UTC"

    def settlement_date(self, moment: datetime) -> str:
        return moment.astimezone(UTC).strftime(self.settlement_date_format.split(" ")[0])

    def listing_time(self, moment: datetime) -> str:
        local = moment.astimezone(self.market.tz)
        zone = local.tzname() or "UTC"
        if self.market.country_code == "DE":
            zone = _GERMAN_ZONES.get(zone, zone)
        return f"{local.strftime(self.listing_date_format)} {zone}"

    def amount(self, value: Decimal, *, comma: bool | None = None) -> str:
        text = f"{quantize(value, self.market.currency_decimals):f}"
        use_comma = self.decimal_comma if comma is None else comma
        return text.replace(".", ",") if use_comma else text


def locale_for(marketplace_id: str) -> FlatFileLocale:
    market = marketplace(marketplace_id)
    country = market.country_code
    if country == "JP":
        return FlatFileLocale(
            market, "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", False, "cp932", False, "windows-31j",
            "① 正規品～安心の1年保証",
        )  # fmt: skip
    if country in {"DE", "FR"}:
        return FlatFileLocale(
            market, "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S", True, "cp1252", False, "Cp1252",
            "Größe: Standard – Preis inkl. MwSt. in €",
        )  # fmt: skip
    if country == "GB":
        return FlatFileLocale(market, "%d.%m.%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", False, "utf-8", True, "UTF-8")
    return FlatFileLocale(market, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", False, "utf-8", False, "UTF-8")


# Report types whose download names no charset (the client's marketplace default applies).
_NO_CHARSET = frozenset({"GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"})


def content_type(report_type: str, marketplace_id: str) -> str:
    """The Content-Type a flat-file document is served with: its charset in Java's spelling
    (`text/plain;charset=Cp1252`); JP settlements say `Shift_JIS` (the bytes are still cp932)."""
    if report_type in _NO_CHARSET:
        return "text/plain"
    charset = locale_for(marketplace_id).charset
    if charset == "windows-31j" and "SETTLEMENT" in report_type:
        charset = "Shift_JIS"
    return f"text/plain;charset={charset}"


EU_COUNTRIES = frozenset({"DE", "FR", "GB"})
# The Japanese headers of Amazon Japan's listings report (出品詳細レポート); other columns stay English.
JP_LISTINGS_HEADERS: dict[str, str] = {
    "item-name": "商品名",
    "listing-id": "出品ID",
    "seller-sku": "出品者SKU",
    "price": "価格",
    "quantity": "数量",
    "open-date": "出品日",
    "product-id-type": "商品IDタイプ",
    "item-note": "コンディション説明",
    "item-condition": "コンディション",
    "asin1": "ASIN 1",
    "will-ship-internationally": "国外へ配送可",
    "expedited-shipping": "迅速な配送",
    "product-id": "商品ID",
    "fulfillment-channel": "フルフィルメント・チャンネル",
    "status": "ステータス",
}


def listings_header(marketplace_id: str) -> tuple[str, ...]:
    """The listings header as the marketplace writes it: British spelling in the EU, Japanese in JP."""
    country = marketplace(marketplace_id).country_code
    if country == "JP":
        return tuple(JP_LISTINGS_HEADERS.get(name, name) for name in LISTINGS_HEADER)
    if country in EU_COUNTRIES:
        return tuple("fulfilment-channel" if n == "fulfillment-channel" else n for n in LISTINGS_HEADER)
    return LISTINGS_HEADER


# --- flat-file plumbing ------------------------------------------------------------------------------
def tsv_field(value: str) -> str:
    """A value as a flat-file field: quoted (inner quotes doubled) when it holds a tab or a line break
    or starts with a double quote; a double quote inside any other value is written as it is
    (`Mug 12" tall`), as Amazon does."""
    if "\t" in value or "\n" in value or "\r" in value or value.startswith('"'):
        return '"' + value.replace('"', '""') + '"'
    return value


def tsv_line(fields: Iterable[str]) -> str:
    return "\t".join(tsv_field(field) for field in fields) + "\r\n"


def encode_lines(lines: Iterable[str], encoding: str = "utf-8", *, bom: bool = False) -> Iterator[bytes]:
    """Encode lines in chunks of a few thousand (a UTF-8 BOM first when asked)."""
    if bom:
        yield b"\xef\xbb\xbf"
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= _CHUNK_LINES:
            yield "".join(batch).encode(encoding, errors="replace")
            batch = []
    if batch:
        yield "".join(batch).encode(encoding, errors="replace")


def gzip_stream(chunks: Iterable[bytes], *, level: int = 6) -> Iterator[bytes]:
    """Gzip a stream of chunks, deterministically (no file name, mtime 0)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=level, mtime=0) as compressor:
        for chunk in chunks:
            compressor.write(chunk)
            if buffer.tell():
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _iso_offset(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


# --- All Orders ---------------------------------------------------------------------------------------
def all_orders_rows(orders: Iterable[SimOrder]) -> Iterator[list[str]]:
    """One row per order item, an order's rows together, in the order given (by purchase date)."""
    for order in orders:
        market = order.market
        locale = locale_for(order.marketplace_id)
        address = order.recipient["deliveryAddress"]
        cancelled = order.status == "CANCELLED"
        for item in order.items:

            def amount(value: Decimal, cancelled: bool = cancelled, locale: FlatFileLocale = locale) -> str:
                return "" if cancelled else locale.amount(value, comma=False)

            yield [
                order.order_id,
                "",
                _iso_offset(order.created),
                _iso_offset(order.last_updated),
                _ORDER_STATUS[order.status],
                "Amazon" if order.fulfilled_by == "AMAZON" else "Merchant",
                market.name,
                "",
                "",
                _SERVICE_LEVEL.get(order.service_level, "Standard"),
                title_in(item.product, market),
                item.product.sku,
                item.product.asin,
                _ITEM_STATUS[order.status],
                "0" if cancelled else str(item.quantity),
                "" if cancelled else market.currency,
                amount(item.unit_price * item.quantity),
                amount(Decimal(0)),
                amount(item.shipping),
                amount(Decimal(0)),
                amount(Decimal(0)),
                amount(Decimal(0)),
                amount(-item.discount),
                amount(Decimal(0)),
                str(address.get("city", "")),
                str(address.get("stateOrRegion", "")),
                str(address.get("postalCode", "")),
                str(address.get("countryCode", "")),
                item.promotion_id or "",
                "false",
                "",
                "",
            ]


def all_orders_report(orders: Sequence[SimOrder], marketplace_id: str) -> Iterator[bytes]:
    """`GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL` for `orders` (uncompressed bytes)."""
    lines = (tsv_line(row) for row in _with_header(ALL_ORDERS_HEADER, all_orders_rows(orders)))
    return encode_lines(lines, locale_for(marketplace_id).orders_encoding)


def _with_header(header: Sequence[str], rows: Iterable[list[str]]) -> Iterator[Sequence[str]]:
    yield header
    yield from rows


# --- settlement --------------------------------------------------------------------------------------
def settlement_rows(settlement: SimSettlement) -> Iterator[list[str]]:
    locale = locale_for(settlement.marketplace_id)
    market = locale.market
    yield [
        settlement.settlement_id,
        locale.settlement_time(settlement.start),
        locale.settlement_time(settlement.end),
        locale.settlement_time(settlement.deposit_date),
        locale.amount(settlement.total),
        settlement.currency,
    ] + [""] * (len(SETTLEMENT_HEADER) - 6)
    for line in settlement.lines:
        yield [
            settlement.settlement_id,
            "",
            "",
            "",
            "",
            "",
            line.transaction_type,
            line.order_id or "",
            line.order_id or "",
            line.adjustment_id or "",
            line.shipment_id or "",
            market.name,
            line.amount_type,
            line.amount_description,
            locale.amount(line.amount),
            line.fulfillment_id or "",
            locale.settlement_date(line.posted),
            locale.settlement_time(line.posted),
            line.order_item_code or "",
            "",
            line.merchant_adjustment_item_id or "",
            line.sku or "",
            "" if line.quantity is None else str(line.quantity),
            line.promotion_id or "",
        ]


def settlement_report(settlement: SimSettlement) -> Iterator[bytes]:
    """`GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2` of one settlement (uncompressed bytes)."""
    lines = (tsv_line(row) for row in _with_header(SETTLEMENT_HEADER, settlement_rows(settlement)))
    return encode_lines(lines, locale_for(settlement.marketplace_id).encoding)


# --- listings ---------------------------------------------------------------------------------------
def listings_rows(listings: Iterable[SimListing]) -> Iterator[list[str]]:
    for listing in listings:
        locale = locale_for(listing.marketplace_id)
        yield [
            listing.report_title,
            locale.description,
            listing.listing_id,
            listing.sku,
            locale.amount(listing.price, comma=False),
            "" if listing.quantity is None else str(listing.quantity),
            locale.listing_time(listing.open_date),
            "",
            "y",
            "1",
            "",
            "",
            "11",
            "",
            "",
            "",
            listing.asin,
            "",
            "",
            "",
            "",
            "",
            listing.asin,
            "",
            "",
            "0",
            listing.fulfillment_channel,
            "" if listing.afn else "Migrated Template",
            listing.status,
        ]


def listings_report(listings: Sequence[SimListing], marketplace_id: str) -> Iterator[bytes]:
    """`GET_MERCHANT_LISTINGS_ALL_DATA` of one marketplace (DE/FR: cp1252; GB: UTF-8 BOM; JP: cp932)."""
    locale = locale_for(marketplace_id)
    header = listings_header(marketplace_id)
    lines = (tsv_line(row) for row in _with_header(header, listings_rows(listings)))
    return encode_lines(lines, locale.encoding, bom=locale.listings_bom)


# --- FBA inventory ------------------------------------------------------------------------------------
def inventory_rows(inventory: Iterable[SimInventory]) -> Iterator[list[str]]:
    for row in inventory:
        locale = locale_for(row.marketplace_id)
        volume = Decimal(5 + sum(map(ord, row.sku)) % 90) / 100
        yield [
            row.sku,
            row.fnsku,
            row.asin,
            row.title,
            "New",
            locale.amount(row.price, comma=False),
            "No",
            "",
            "Yes",
            str(row.warehouse),
            str(row.fulfillable),
            str(row.unfulfillable),
            str(row.reserved),
            str(row.total),
            f"{volume:.2f}",
            str(row.inbound_working),
            str(row.inbound_shipped),
            str(row.inbound_receiving),
            "0",
            "0",
            "0",
        ]


def inventory_report(inventory: Sequence[SimInventory], marketplace_id: str) -> Iterator[bytes]:
    """`GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA` of one marketplace."""
    lines = (tsv_line(row) for row in _with_header(INVENTORY_HEADER, inventory_rows(inventory)))
    return encode_lines(lines, locale_for(marketplace_id).encoding)


# --- sales and traffic ----------------------------------------------------------------------------
def _number(value: Decimal, decimals: int = 2) -> float | int:
    if decimals == 0:
        return int(quantize(value, 0))
    return float(quantize(value, decimals))


def _ratio(numerator: float, denominator: float, cap: float | None = 100.0) -> float:
    if not denominator:
        return 0.0
    value = round(100.0 * numerator / denominator, 2)
    return min(value, cap) if cap is not None else value


def sales_and_traffic_document(
    days: Sequence[SimDayTraffic], marketplace_id: str, start: date, end: date, offers: int
) -> dict[str, Any]:
    """`GET_SALES_AND_TRAFFIC_REPORT` (dateGranularity DAY, asinGranularity CHILD) as a JSON value."""
    market = marketplace(marketplace_id)
    decimals = market.currency_decimals

    def money(value: Decimal) -> dict[str, Any]:
        return {"amount": _number(value, decimals), "currencyCode": market.currency}

    def divide(value: Decimal, by: int) -> Decimal:
        return value / by if by else Decimal(0)

    by_date = []
    for day in days:
        units, items, sales = day.units_ordered, day.total_order_items, day.ordered_product_sales
        sessions, views = day.sessions, day.page_views
        by_date.append(
            {
                "date": day.day.isoformat(),
                "salesByDate": {
                    "orderedProductSales": money(sales),
                    "unitsOrdered": units,
                    "totalOrderItems": items,
                    "averageSalesPerOrderItem": money(divide(sales, items)),
                    "averageUnitsPerOrderItem": round(units / items, 2) if items else 0.0,
                    "averageSellingPrice": money(divide(sales, units)),
                    "unitsRefunded": day.units_refunded,
                    "refundRate": _ratio(day.units_refunded, units),
                    "claimsGranted": 0,
                    "claimsAmount": money(Decimal(0)),
                    "shippedProductSales": money(day.shipped_product_sales),
                    "unitsShipped": day.units_shipped,
                    "ordersShipped": day.orders_shipped,
                },
                "trafficByDate": {
                    "browserPageViews": day.browser_page_views,
                    "mobileAppPageViews": views - day.browser_page_views,
                    "pageViews": views,
                    "browserSessions": day.browser_sessions,
                    "mobileAppSessions": sessions - day.browser_sessions,
                    "sessions": sessions,
                    "buyBoxPercentage": float(day.buy_box_percentage),
                    "orderItemSessionPercentage": _ratio(items, sessions),
                    "unitSessionPercentage": _ratio(units, sessions, cap=None),
                    "averageOfferCount": offers,
                    "averageParentItems": offers,
                    "feedbackReceived": (day.day.toordinal() % 7 == 0) + 0,
                    "negativeFeedbackReceived": 0,
                    "receivedNegativeFeedbackRate": 0.0,
                },
            }
        )
    totals: dict[str, dict[str, Any]] = {}
    for day in days:
        for asin in day.by_asin:
            entry = totals.setdefault(
                asin.child_asin,
                {"asin": asin, "units": 0, "items": 0, "sales": Decimal(0), "sessions": 0, "browser_sessions": 0,
                 "views": 0, "browser_views": 0, "buy_box_views": Decimal(0)},
            )  # fmt: skip
            entry["units"] += asin.units_ordered
            entry["items"] += asin.total_order_items
            entry["sales"] += asin.ordered_product_sales
            entry["sessions"] += asin.sessions
            entry["browser_sessions"] += asin.browser_sessions
            entry["views"] += asin.page_views
            entry["browser_views"] += asin.browser_page_views
            entry["buy_box_views"] += asin.buy_box_percentage * asin.page_views
    all_sessions = sum(entry["sessions"] for entry in totals.values())
    all_browser_sessions = sum(entry["browser_sessions"] for entry in totals.values())
    all_views = sum(entry["views"] for entry in totals.values())
    all_browser_views = sum(entry["browser_views"] for entry in totals.values())
    by_asin = []
    for entry in totals.values():
        asin = entry["asin"]
        mobile_sessions = entry["sessions"] - entry["browser_sessions"]
        mobile_views = entry["views"] - entry["browser_views"]
        by_asin.append(
            {
                "parentAsin": asin.parent_asin,
                "childAsin": asin.child_asin,
                "salesByAsin": {
                    "unitsOrdered": entry["units"],
                    "orderedProductSales": money(entry["sales"]),
                    "totalOrderItems": entry["items"],
                },
                "trafficByAsin": {
                    "browserSessions": entry["browser_sessions"],
                    "mobileAppSessions": mobile_sessions,
                    "sessions": entry["sessions"],
                    "browserSessionPercentage": _ratio(entry["browser_sessions"], all_browser_sessions),
                    "mobileAppSessionPercentage": _ratio(
                        mobile_sessions, all_sessions - all_browser_sessions
                    ),
                    "sessionPercentage": _ratio(entry["sessions"], all_sessions),
                    "browserPageViews": entry["browser_views"],
                    "mobileAppPageViews": mobile_views,
                    "pageViews": entry["views"],
                    "browserPageViewsPercentage": _ratio(entry["browser_views"], all_browser_views),
                    "mobileAppPageViewsPercentage": _ratio(mobile_views, all_views - all_browser_views),
                    "pageViewsPercentage": _ratio(entry["views"], all_views),
                    "buyBoxPercentage": float(
                        (divide(entry["buy_box_views"], entry["views"])).quantize(Decimal("0.01"))
                    ),
                    "unitSessionPercentage": _ratio(entry["units"], entry["sessions"], cap=None),
                },
            }
        )
    return {
        "reportSpecification": {
            "reportType": "GET_SALES_AND_TRAFFIC_REPORT",
            "reportOptions": {"dateGranularity": "DAY", "asinGranularity": "CHILD"},
            "dataStartTime": start.isoformat(),
            "dataEndTime": end.isoformat(),
            "marketplaceIds": [marketplace_id],
        },
        "salesAndTrafficByDate": by_date,
        "salesAndTrafficByAsin": by_asin,
    }


def json_document(value: Any) -> Iterator[bytes]:
    yield json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


# --- the benchmark's synthetic All Orders -------------------------------------------------------------
_BENCH_CITIES = (
    ("Seattle", "WA", "98101"),
    ("Austin", "TX", "73301"),
    ("Portland", "OR", "97201"),
    ("Denver", "CO", "80202"),
)
_BENCH_ROWS_PER_CHUNK = 5000


def all_orders_document(rows: int, seed: int, marketplace_id: str = "ATVPDKIKX0DER") -> Iterator[bytes]:
    """`rows` synthetic All Orders item rows (plus the header), uncompressed, for benchmarks.

    Valid per the header: one to three rows per order, orders by purchase date (one every ~20 s
    from 2026-01-01), buyer address fields carrying the PII canary. Deterministic per `seed`.
    """
    market = marketplace(marketplace_id)
    locale = locale_for(marketplace_id)
    rng = random.Random(f"bench-all-orders:{seed}")
    decimals = market.currency_decimals
    products = []
    for index in range(200):
        price = Decimal(rng.randint(5, 90)) + (Decimal("0.99") if decimals else Decimal(0))
        if not decimals:
            price = Decimal(rng.randint(3, 90) * 100 - 20)
        products.append(
            (
                f"Bench Product {index:03d}, Size {index % 7}\tBN-{index:05d}\tB0{rng.getrandbits(40):010X}",
                price,
            )
        )
    prices = {p: [locale.amount(p * q, comma=False) for q in range(1, 4)] for _, p in products}
    zero = locale.amount(Decimal(0), comma=False)
    zeros = "\t".join([zero] * 7)  # item-tax .. ship-promotion-discount, shipping-price included
    cities = [
        f"{city} PII-CANARY-{tag:04x}\t{state} PII-CANARY-{tag:04x}\t{postal} PII-CANARY-{tag:04x}"
        for tag in range(64)
        for city, state, postal in _BENCH_CITIES
    ]
    country = market.country_code
    currency = market.currency
    channel = market.name
    start = datetime(2026, 1, 1, tzinfo=UTC)
    days: dict[int, str] = {}
    clock = [f"{h:02d}:{m:02d}:{sec:02d}+00:00" for h in range(24) for m in range(60) for sec in range(60)]

    def stamp(seconds: int) -> str:
        day, second = divmod(seconds, 86400)
        text = days.get(day)
        if text is None:
            text = days[day] = (start + timedelta(days=day)).strftime("%Y-%m-%dT")
        return text + clock[second]

    header = "\t".join(ALL_ORDERS_HEADER) + "\r\n"
    encoding = locale.orders_encoding
    yield header.encode(encoding)
    written = 0
    order_number = 0
    seconds = 0
    batch: list[str] = []
    getrandbits = rng.getrandbits
    while written < rows:
        order_number += 1
        bits = getrandbits(48)
        seconds += 1 + (bits & 31)
        purchase = stamp(seconds)
        updated = stamp(seconds + 6 * 3600)
        order_id = f"{111 + ((bits >> 30) & 3)}-{order_number:07d}-{(bits >> 5) % 10_000_000:07d}"
        shipped = (bits >> 8) & 15 != 0
        status = "Shipped\tAmazon" if shipped else "Pending\tAmazon"
        if bits & 64:
            status = status.replace("Amazon", "Merchant")
        item_status = "Shipped" if shipped else "Unshipped"
        address = cities[(bits >> 12) % len(cities)]
        items = 1 + ((bits >> 20) & 3) % 3
        prefix = f"{order_id}\t\t{purchase}\t{updated}\t{status}\t{channel}\t\t\tStandard\t"
        for position in range(min(items, rows - written)):
            choice = (bits >> (24 + 8 * position)) & 0xFF
            product, price = products[choice % 200]
            quantity = 1 + (choice & 7 == 0)
            batch.append(
                f"{prefix}{product}\t{item_status}\t{quantity}\t{currency}\t{prices[price][quantity - 1]}\t"
                f"{zeros}\t{address}\t{country}\t\tfalse\t\t\r\n"
            )
            written += 1
        if len(batch) >= _BENCH_ROWS_PER_CHUNK:
            yield "".join(batch).encode(encoding)
            batch = []
    if batch:
        yield "".join(batch).encode(encoding)
