"""Cell formats of Amazon's flat files: money by marketplace, dates with zone names, sales channels.

Every parser raises ValueError with a reason that never contains the cell (it may be buyer data).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from sellerflow.marketplaces import MARKETPLACES, Marketplace

# Amazon's sales-channel / marketplace-name values → marketplace id.
SALES_CHANNELS: dict[str, str] = {
    "amazon.com": "ATVPDKIKX0DER",
    "amazon.ca": "A2EUQ1WTGCTBG2",
    "amazon.de": "A1PA6795UKMFR9",
    "amazon.co.uk": "A1F83G8C2ARO7P",
    "amazon.fr": "A13V1IB3VIYZZH",
    "amazon.co.jp": "A1VC38T7YXB528",
}

DE_STYLE = frozenset({"A1PA6795UKMFR9", "A13V1IB3VIYZZH"})  # decimal comma, day.month.year
JP_STYLE = frozenset({"A1VC38T7YXB528"})  # integer yen, year/month/day
DAY_FIRST = frozenset({"A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1F83G8C2ARO7P", "A1VC38T7YXB528"})

# Zone names Amazon prints after a time; each names one fixed offset (PST is always UTC-8).
ZONE_NAMES: dict[str, timezone] = {
    name: timezone(timedelta(hours=hours))
    for name, hours in {
        "UTC": 0,
        "GMT": 0,
        "Z": 0,
        "WET": 0,
        "BST": 1,
        "WEST": 1,
        "CET": 1,
        "MEZ": 1,
        "CEST": 2,
        "MESZ": 2,
        "PST": -8,
        "PDT": -7,
        "MST": -7,
        "MDT": -6,
        "CST": -6,
        "CDT": -5,
        "EST": -5,
        "EDT": -4,
        "JST": 9,
    }.items()
}
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_DE_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_CACHE_LIMIT = 4096


def marketplace_for_channel(name: str) -> Marketplace | None:
    """The marketplace of a sales-channel / marketplace-name cell (`Amazon.de`), or None."""
    marketplace_id = SALES_CHANNELS.get(name.strip().lower())
    return MARKETPLACES[marketplace_id] if marketplace_id else None


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("is not a finite amount")
    return value


def money_us(text: str) -> Decimal:
    """`12.34`, `-1,234.56`, `1234` → Decimal (thousands commas dropped)."""
    if "," in text:
        text = text.replace(",", "")
    try:
        return _finite(Decimal(text))
    except InvalidOperation:
        raise ValueError("is not an amount") from None


def money_de(text: str) -> Decimal:
    """`12,34`, `1.234,56`, `-3,22` → Decimal; `1.234` (dots only, in groups of three) is 1234."""
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _DE_THOUSANDS.match(text.strip()):
        text = text.replace(".", "")
    try:
        return _finite(Decimal(text))
    except InvalidOperation:
        raise ValueError("is not an amount") from None


_POINT_AMOUNT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_COMMA_AMOUNT = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


def strict_money(*, decimal_comma: bool) -> Callable[[str], Decimal]:
    """A money parser that accepts only its own notation: with `decimal_comma`, `1.234,56`, `-3,75`,
    `1234`; without, `1,234.56`, `-3.75`. `1,234.56` in a decimal-comma document (or `12,5` in a
    decimal-point one) is refused, never read as another number."""
    shape, parse = (_COMMA_AMOUNT, money_de) if decimal_comma else (_POINT_AMOUNT, money_us)

    def money(text: str) -> Decimal:
        if not shape.match(text.strip()):
            raise ValueError("is not an amount in the document's number format")
        return parse(text.strip())

    return money


def money_jp(text: str) -> Decimal:
    """Integer yen (`1234`, `1,234`); a decimal point is accepted as written."""
    return money_us(text)


def money_parser(marketplace_id: str | None) -> Callable[[str], Decimal]:
    """The money format of a marketplace's flat files."""
    if marketplace_id in DE_STYLE:
        return money_de
    if marketplace_id in JP_STYLE:
        return money_jp
    return money_us


def _zone(name: str) -> timezone:
    zone = ZONE_NAMES.get(name.upper())
    if zone is not None:
        return zone
    match = _OFFSET.match(name)
    if match is None:
        raise ValueError("has an unknown time zone name")
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _ymd(text: str, day_first: bool) -> tuple[int, int, int]:
    if len(text) != 10:
        raise ValueError("is not a date")
    if text[4] in "-/" and text[7] == text[4]:  # 2026-11-01, 2026/11/01
        return int(text[0:4]), int(text[5:7]), int(text[8:10])
    if text[2] in "./" and text[5] == text[2]:  # 01.11.2026; 01/11/2026 (day first) or 11/01/2026 (US)
        first, second, year = int(text[0:2]), int(text[3:5]), int(text[6:10])
        if text[2] == "." or day_first:
            return year, second, first
        return year, first, second
    raise ValueError("is not a date")


def parse_datetime(text: str, *, day_first: bool = False) -> datetime:
    """An aware UTC datetime from Amazon's flat-file forms.

    `2026-11-01 07:00:00 UTC`, `01.11.2026 07:00:00 MEZ`, `2026/03/05 14:37:56 JST`,
    `2026-03-05 14:37:56 PST`, ISO 8601 with an offset (`2015-12-02T03:27:08+00:00`), and a date
    alone (midnight UTC). A time without a zone is refused: it would be guessed.
    """
    text = text.strip()
    try:
        if text[10:11] == "T":
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                raise ValueError("has no time zone")
            return value.astimezone(UTC)
        parts = text.split(" ")
        year, month, day = _ymd(parts[0], day_first)
        if len(parts) == 1:
            return datetime(year, month, day, tzinfo=UTC)
        if len(parts) != 3:
            raise ValueError("is not a date and time with a zone")
        clock = parts[1]
        hour, minute, second = int(clock[0:2]), int(clock[3:5]), int(clock[6:8]) if len(clock) >= 8 else 0
        if clock[2] != ":" or len(clock) not in (5, 8):
            raise ValueError("is not a time")
        return datetime(year, month, day, hour, minute, second, tzinfo=_zone(parts[2])).astimezone(UTC)
    except IndexError:
        raise ValueError("is not a date and time") from None
    except ValueError as exc:
        if str(exc).startswith(("is ", "has ")):
            raise
        raise ValueError("is not a valid date and time") from None


def parse_iso_datetime(text: str) -> datetime:
    """ISO 8601 with an offset (`2026-11-01T07:00:00+00:00`, `...Z`) → aware UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise ValueError("has no UTC offset")
    return value.astimezone(UTC)


class CachedDates:
    """Memoises a date parser by the cell's text (report cells repeat a lot); bounded memory."""

    def __init__(self, parse: Callable[[str], datetime]) -> None:
        self._parse = parse
        self._cache: dict[str, datetime] = {}

    def __call__(self, text: str) -> datetime:
        value = self._cache.get(text)
        if value is None:
            value = self._parse(text)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[text] = value
        return value


def local_date(moment: datetime, marketplace: Marketplace) -> date:
    """The marketplace's own calendar day of an aware moment."""
    return moment.astimezone(marketplace.tz).date()
