"""Streaming parsers of v3 `spCampaigns` and `spAdvertisedProduct` report files: gzipped JSON
arrays of row objects.

The file is gunzipped and decoded chunk by chunk and each array element is decoded on its own
(`json.JSONDecoder.raw_decode`), so memory holds one chunk and one row, not the document. Numbers
become Decimal straight from their text (money is never a float). A malformed row becomes a
`RowError` (element index, field, reason — never the value) and is skipped; a broken file (bad gzip,
truncated array, not an array) raises `DocumentCorrupt` after the rows before the damage.
"""

from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sellerflow.facts import AdCampaignDayFact, AdProductDayFact, RowError
from sellerflow.reports.errors import DocumentCorrupt

REPORT_TYPE = "spCampaigns"
PRODUCTS_REPORT_TYPE = "spAdvertisedProduct"
_DECODER = json.JSONDecoder(parse_float=Decimal)
_WS = " \t\r\n"


def iter_json_array(chunks: Iterable[bytes], *, gzipped: bool = True) -> Iterator[Any]:
    """Yield each element of a (gzipped) JSON array as it arrives."""
    text = _IncrementalText(gzipped=gzipped)
    array = _ArrayScanner()
    for chunk in chunks:
        array.append(text.decode(chunk))
        yield from array.elements(exhausted=False)
    array.append(text.decode(b"", final=True))
    yield from array.elements(exhausted=True)
    if not array.finished:
        raise DocumentCorrupt(REPORT_TYPE, "the array is not closed (truncated file)")


class _IncrementalText:
    """Bytes to text, chunk by chunk: gunzip (when gzipped), then UTF-8."""

    def __init__(self, *, gzipped: bool) -> None:
        self._inflate = zlib.decompressobj(wbits=31) if gzipped else None
        self._utf8 = codecs.getincrementaldecoder("utf-8")()

    def decode(self, data: bytes, *, final: bool = False) -> str:
        try:
            raw = self._inflate.decompress(data) if self._inflate is not None else data
            if final and self._inflate is not None:
                raw += self._inflate.flush()
                if not self._inflate.eof:
                    raise DocumentCorrupt(REPORT_TYPE, "the gzip stream ends early")
            return self._utf8.decode(raw, final=final)
        except (zlib.error, UnicodeDecodeError) as exc:
            raise DocumentCorrupt(REPORT_TYPE, f"unreadable file ({type(exc).__name__})") from None


class _ArrayScanner:
    """Where the reading of one JSON array stands: the text not consumed yet, and whether the array
    has opened and closed."""

    def __init__(self) -> None:
        self.buffer = ""
        self.pos = 0
        self.started = False
        self.finished = False

    def append(self, text: str) -> None:
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0

    def elements(self, *, exhausted: bool) -> Iterator[Any]:
        """The whole elements the text holds now; one cut at the text's end waits for more text, unless
        the text is `exhausted`."""
        while self._skip_whitespace():
            if self._consume_punctuation():
                continue
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if exhausted:
                    raise DocumentCorrupt(REPORT_TYPE, "the array ends inside a row") from None
                return  # the element continues in the next chunk
            if end >= len(self.buffer) and not exhausted and not isinstance(value, (dict, list, str)):
                return  # a bare number at the chunk's edge may continue
            yield value
            self.pos = end

    def _skip_whitespace(self) -> bool:
        """Move past whitespace; False when the text is used up."""
        while self.pos < len(self.buffer) and self.buffer[self.pos] in _WS:
            self.pos += 1
        return self.pos < len(self.buffer)

    def _consume_punctuation(self) -> bool:
        """Consume the array's `[`, `,` or `]` at the current position (True), or leave an element."""
        char = self.buffer[self.pos]
        if not self.started:
            if char != "[":
                raise DocumentCorrupt(REPORT_TYPE, "the file is not a JSON array")
            self.started = True
        elif self.finished:
            raise DocumentCorrupt(REPORT_TYPE, "data after the end of the array")
        elif char == "]":
            self.finished = True
        elif char != ",":
            return False
        self.pos += 1
        return True


def parse_sp_campaigns(
    chunks: Iterable[bytes],
    *,
    seller_id: str,
    marketplace_id: str,
    profile_id: str,
    currency: str,
    errors: list[RowError],
) -> Iterator[AdCampaignDayFact]:
    """Facts of every good row; bad rows are appended to `errors` (line = the row's 1-based index)."""
    for index, row in enumerate(iter_json_array(chunks), start=1):
        fact = _fact(row, index, seller_id, marketplace_id, profile_id, currency, errors)
        if fact is not None:
            yield fact


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _fact(
    row: Any,
    index: int,
    seller_id: str,
    marketplace_id: str,
    profile_id: str,
    currency: str,
    errors: list[RowError],
) -> AdCampaignDayFact | None:
    try:
        if not isinstance(row, dict):
            raise _Bad("", "the row is not an object")
        return AdCampaignDayFact(
            seller_id=seller_id,
            marketplace_id=marketplace_id,
            profile_id=profile_id,
            campaign_id=_id(row, "campaignId"),
            campaign_name=_text(row, "campaignName"),
            day=_date(row, "date"),
            currency=currency,
            impressions=_count(row, "impressions"),
            clicks=_count(row, "clicks"),
            cost=_money(row, "cost"),
            purchases_7d=_count(row, "purchases7d"),
            purchases_14d=_count(row, "purchases14d"),
            sales_7d=_money(row, "sales7d"),
            sales_14d=_money(row, "sales14d"),
        )
    except _Bad as bad:
        errors.append(RowError(REPORT_TYPE, index, bad.column or None, bad.reason))
        return None


def parse_sp_advertised_products(
    chunks: Iterable[bytes],
    *,
    seller_id: str,
    marketplace_id: str,
    profile_id: str,
    currency: str,
    errors: list[RowError],
) -> Iterator[AdProductDayFact]:
    """Facts of every good advertised-product row; bad rows are appended to `errors`."""
    for index, row in enumerate(iter_json_array(chunks), start=1):
        try:
            if not isinstance(row, dict):
                raise _Bad("", "the row is not an object")
            yield AdProductDayFact(
                seller_id=seller_id,
                marketplace_id=marketplace_id,
                profile_id=profile_id,
                campaign_id=_id(row, "campaignId"),
                ad_group_id=_id(row, "adGroupId"),
                ad_id=_id(row, "adId"),
                day=_date(row, "date"),
                currency=currency,
                sku=_optional_text(row, "advertisedSku"),
                asin=_optional_text(row, "advertisedAsin"),
                impressions=_count(row, "impressions"),
                clicks=_count(row, "clicks"),
                cost=_money(row, "cost"),
                sales_14d=_money(row, "sales14d"),
            )
        except _Bad as bad:
            errors.append(RowError(PRODUCTS_REPORT_TYPE, index, bad.column or None, bad.reason))


def _optional_text(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Bad(name, "not a string")
    return value


def _get(row: dict[str, Any], name: str) -> Any:
    if name not in row or row[name] is None:
        raise _Bad(name, "missing")
    return row[name]


def _id(row: dict[str, Any], name: str) -> str:
    value = _get(row, name)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise _Bad(name, "not a numeric id")
    return str(value)


def _text(row: dict[str, Any], name: str) -> str:
    value = _get(row, name)
    if not isinstance(value, str):
        raise _Bad(name, "not a string")
    return value


def _date(row: dict[str, Any], name: str) -> date:
    value = _get(row, name)
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _Bad(name, "not a date (YYYY-MM-DD)") from None


def _count(row: dict[str, Any], name: str) -> int:
    value = _get(row, name)
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or value < 0 or value != int(value):
        raise _Bad(name, "not a non-negative whole number")
    return int(value)


def _money(row: dict[str, Any], name: str) -> Decimal:
    value = _get(row, name)
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise _Bad(name, "not a number")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _Bad(name, "not a number") from None
    if not amount.is_finite() or amount < 0:
        raise _Bad(name, "not a non-negative amount")
    return amount
