"""Word lists and price rules the world generator draws from (no buyer data here: see `buyers`)."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sellerflow.marketplaces import Marketplace

_UPPER_ALNUM = string.ascii_uppercase + string.digits

_NAME_FIRST = ("Northwind", "Blue Heron", "Granite", "Maple Leaf", "Copperline", "Silver Birch", "Harbor")
_NAME_SECOND = ("Outfitters", "Goods", "Home & Garden", "Trading", "Supply", "Essentials", "Works")
_NAME_SUFFIX = ("LLC", "GmbH", "Ltd", "Co.", "Inc.", "K.K.")

_ADJECTIVES = (
    "Insulated",
    "Foldable",
    "Bamboo",
    "Stainless",
    "Ergonomic",
    "Waterproof",
    "Organic",
    "Compact",
)
_NOUNS = (
    "Water Bottle",
    "Yoga Mat",
    "Cutting Board",
    "Desk Lamp",
    "Backpack",
    "Coffee Grinder",
    "Phone Stand",
    "Tea Towel Set",
    "Garden Hose",
    "Travel Mug",
    "Storage Box",
    "Bike Light",
)
_VARIANTS = ("Black", "Sage Green", "Navy", "Sand", "Graphite", "500 ml", "Large", "2-Pack")

# Rough exchange rates from a USD list price (only used to make prices look local).
_FX: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "CAD": Decimal("1.36"),
    "EUR": Decimal("0.93"),
    "GBP": Decimal("0.79"),
    "JPY": Decimal("150"),
}
# What an FBM order charges for shipping, per marketplace currency.
FBM_SHIPPING: dict[str, Decimal] = {
    "USD": Decimal("4.99"),
    "CAD": Decimal("6.99"),
    "EUR": Decimal("3.99"),
    "GBP": Decimal("2.99"),
    "JPY": Decimal("500"),
}


@dataclass(frozen=True)
class CatalogItem:
    """One product a seller lists: SKU, ASIN, title and a USD list price."""

    sku: str
    asin: str
    title: str
    list_price_usd: Decimal

    def price_in(self, market: Marketplace) -> Decimal:
        """The unit price in the marketplace's currency, ending like a shelf price (x.99 / x980)."""
        converted = self.list_price_usd * _FX[market.currency]
        if market.currency_decimals == 0:
            return max(Decimal(180), (converted / 100).to_integral_value() * 100 - 20)
        return max(Decimal("0.99"), converted.to_integral_value() - Decimal("0.01"))


def quantize(amount: Decimal, decimals: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def money(amount: Decimal, market: Marketplace) -> dict[str, str]:
    """A model `Money`: decimal string with the currency's decimals ("19.99", "1980")."""
    return {"amount": f"{quantize(amount, market.currency_decimals):f}", "currencyCode": market.currency}


def random_alnum(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_UPPER_ALNUM) for _ in range(length))


def seller_name(rng: random.Random) -> str:
    return f"{rng.choice(_NAME_FIRST)} {rng.choice(_NAME_SECOND)} {rng.choice(_NAME_SUFFIX)}"


def seller_catalogue(rng: random.Random, size: int) -> list[CatalogItem]:
    """`size` distinct products with a SKU prefix shared by the seller."""
    prefix = random_alnum(rng, 2)
    items: list[CatalogItem] = []
    titles: set[str] = set()
    while len(items) < size:
        title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}, {rng.choice(_VARIANTS)}"
        if title in titles:
            continue
        titles.add(title)
        sku = f"{prefix}-{title.split(',')[0].split()[-1][:4].upper()}-{len(items) + 1:03d}"
        asin = "B0" + random_alnum(rng, 8)
        price = Decimal(rng.randint(6, 89)) + Decimal("0.99")
        items.append(CatalogItem(sku=sku, asin=asin, title=title, list_price_usd=price))
    return items


# Japanese renderings of the title words, for the JP marketplace's own documents.
_JAPANESE: dict[str, str] = {
    "Insulated": "真空断熱",
    "Foldable": "折りたたみ式",
    "Bamboo": "竹製",
    "Stainless": "ステンレス",
    "Ergonomic": "人間工学",
    "Waterproof": "防水",
    "Organic": "オーガニック",
    "Compact": "コンパクト",
    "Water Bottle": "ウォーターボトル",
    "Yoga Mat": "ヨガマット",
    "Cutting Board": "まな板",
    "Desk Lamp": "デスクライト",
    "Backpack": "リュックサック",
    "Coffee Grinder": "コーヒーミル",
    "Phone Stand": "スマホスタンド",
    "Tea Towel Set": "ふきんセット",
    "Garden Hose": "ガーデンホース",
    "Travel Mug": "トラベルマグ",
    "Storage Box": "収納ボックス",
    "Bike Light": "自転車ライト",
    "Black": "ブラック",
    "Sage Green": "セージグリーン",
    "Navy": "ネイビー",
    "Sand": "サンド",
    "Graphite": "グラファイト",
    "500 ml": "500ml",
    "Large": "大サイズ",
    "2-Pack": "2個セット",
}


def japanese_title(title: str) -> str:
    """The product's title as the JP marketplace shows it ("真空断熱 ウォーターボトル (ブラック)")."""
    head, _, variant = title.partition(", ")
    adjective, _, noun = head.partition(" ")
    parts = [_JAPANESE.get(adjective, adjective), _JAPANESE.get(noun, noun)]
    return " ".join(parts) + (f" ({_JAPANESE.get(variant, variant)})" if variant else "")
