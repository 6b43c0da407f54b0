"""GET_MERCHANT_LISTINGS_ALL_DATA → ListingFact.

Required columns: seller-sku, asin1, price, quantity, status (what a listing item is made of; an
empty price or quantity cell is allowed, e.g. FBA listings leave quantity blank). Optional:
item-name, open-date, fulfillment-channel. Each column is also found under its other spellings
(`ALIASES`: `fulfilment-channel` in EU files, Japanese headers such as 出品者SKU in JP files). The price has no currency column: it is the
marketplace's. open-date: US `2026-03-05 14:37:56 PST|PDT`, DE `05.03.2026 14:37:56 MEZ|MESZ`,
JP `2026/03/05 14:37:56 JST`, UK `08/07/2016 10:12:40 BST` (day first outside the US/CA).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from sellerflow.facts import ListingFact
from sellerflow.marketplaces import marketplace
from sellerflow.reports.formats import DAY_FIRST, CachedDates, money_parser, parse_datetime
from sellerflow.reports.stream import Table, safe_reason

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
REQUIRED = ("seller-sku", "asin1", "price", "quantity", "status")
OPTIONAL = ("item-name", "open-date", "fulfillment-channel")
# Other spellings Amazon writes: British in EU files, Japanese headers in JP files (出品詳細レポート).
ALIASES: dict[str, tuple[str, ...]] = {
    "seller-sku": ("出品者SKU",),
    "asin1": ("ASIN 1", "ASIN1"),
    "price": ("価格",),
    "quantity": ("数量",),
    "status": ("ステータス",),
    "item-name": ("商品名",),
    "open-date": ("出品日",),
    "fulfillment-channel": ("fulfilment-channel", "フルフィルメント・チャンネル"),
}


def parse_listings(table: Table, *, seller_id: str, marketplace_id: str) -> Iterator[ListingFact]:
    if table.empty:
        return
    ix = table.columns(REQUIRED, OPTIONAL, ALIASES)
    width = len(table.header or [])
    i_sku, i_asin, i_price, i_qty, i_status = (ix[name] for name in REQUIRED)
    i_name, i_open, i_fc = (ix.get(name, width) for name in OPTIONAL)
    currency = marketplace(marketplace_id).currency
    money = money_parser(marketplace_id)
    when = CachedDates(partial(parse_datetime, day_first=marketplace_id in DAY_FIRST))
    for row in table:
        row.append("")  # the cell of absent optional columns
        column = "seller-sku"
        try:
            sku = row[i_sku].strip()
            if not sku:
                raise ValueError("is empty")
            column = "price"
            text = row[i_price].strip()
            price = money(text) if text else None
            column = "quantity"
            text = row[i_qty].strip()
            quantity = int(text) if text else None
            if quantity is not None and quantity < 0:
                raise ValueError("is negative")
            column = "open-date"
            text = row[i_open].strip()
            open_date = when(text) if text else None
        except ValueError as exc:
            table.reject(column, safe_reason(exc, "is not a whole number" if column == "quantity" else None))
            continue
        yield ListingFact(
            seller_id=seller_id,
            marketplace_id=marketplace_id,
            sku=sku,
            asin=row[i_asin].strip() or None,
            title=row[i_name].strip() or None,
            price=price,
            currency=currency,
            quantity=quantity,
            status=row[i_status].strip() or None,
            fulfillment_channel=row[i_fc].strip() or None,
            open_date=open_date,
        )
