"""Daily reference FX rates and a seller's home-currency total (pure).

The rates are the European Central Bank's euro foreign exchange reference rates: one set per TARGET
business day (none on weekends and holidays), each "1 EUR = x CUR". A day's figures in a currency are
converted to the home currency with that day's rates, through the euro:

    amount in home = amount × (home per EUR) ÷ (currency per EUR)

A day without rates (a weekend, a holiday, today before the ECB publishes) uses the latest earlier
rates, and the answer says so (`HomeTotals.substituted`), with the first and last day of the rates
used (`rate_days`). A currency the ECB does not publish (or a day before the first stored rates) cannot
be converted: that day's figures are never taken at a rate of 1 or dropped as 0; they are left out of
the home figures and reported in their own currency (`HomeTotals.unconverted`: the currency, its days
without a rate, and their totals; in the SKU table, rows of their own currency).

One converter (`Converter.factor`) serves the home total and P&L (`home_totals`) and the SKU table
(`home_sku_rows`).

Rounding — convert the leaves, sum them: each day's amounts are converted at full precision
(Decimal, 28 significant digits) and summed over the period per leaf line (product sales, shipping,
promotions, refunds, each Amazon fee type, ad spend, COGS; in the SKU table each row's sales, shipping,
promotions, refunds, fees, COGS and ad spend); each leaf is rounded once, half to even, to the home
currency's minor unit (cents; whole yen). Every line above a leaf is the sum of the rounded leaves
beneath it: Amazon fees = Σ fee types, payout and net profit (of the P&L and of each SKU row) from the
rounded parts — so the home P&L adds up to the cent, as the per-currency one does. The SKU table's
home total (the sum of its rounded rows) may differ from the home P&L by a few cents: its leaves are
rows, not the period's lines.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Protocol

from sellerflow.analytics.kpis import SkuTotals, Totals, sku_totals, totals_by_currency
from sellerflow.analytics.model import DayRates, DayRollup, SkuRollup
from sellerflow.errors import InvalidInput
from sellerflow.marketplaces import MARKETPLACES

SOURCE = "ECB euro foreign exchange reference rates"
ECB_DAILY = "eurofxref-daily.xml"  # the last business day
ECB_90_DAYS = "eurofxref-hist-90d.xml"  # the last 90 calendar days
ECB_HISTORY = "eurofxref-hist.xml"  # every business day since 1999
# The currencies the ECB publishes reference rates for (and the euro): the home currencies offered.
ECB_CURRENCIES = frozenset(
    [
        "EUR",
        "USD",
        "JPY",
        "CZK",
        "DKK",
        "GBP",
        "HUF",
        "PLN",
        "RON",
        "SEK",
        "CHF",
        "ISK",
        "NOK",
        "TRY",
        "AUD",
        "BRL",
        "CAD",
        "CNY",
        "HKD",
        "IDR",
        "ILS",
        "INR",
        "KRW",
        "MXN",
        "MYR",
        "NZD",
        "PHP",
        "SGD",
        "THB",
        "ZAR",
    ]
)
# Currencies with no minor unit in the figures we show (ISO 4217 exponent 0).
WHOLE_UNITS = frozenset({"JPY", "KRW", "HUF", "ISK", "CLP"})
RATES_KEPT_DAYS = 800  # as far back as a seller's data is kept (548 days), with room to spare
_MONEY_FIELDS = (
    "gross_sales",
    "shipping",
    "promotions",
    "refunds",
    "amazon_fees",
    "ad_spend",
    "ad_sales",
    "cogs",
)
# The SKU table's amounts (its counts are not converted).
SKU_MONEY = ("gross_sales", "shipping", "promotions", "refunds", "fees", "cogs", "ad_spend")
_XREF = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


class FxRateReader(Protocol):
    """The stored rates (`sellerflow.store.fx`)."""

    def covering(self, first: date, last: date) -> list[DayRates]:
        """The days first..last that have rates, and the latest one on or before `first` (one read)."""
        ...


class RatesSource(Protocol):
    """Where reference rates come from: the ECB's files (`sellerflow.ecb`)."""

    def fetch(self, name: str) -> bytes: ...


class FxRateWriter(Protocol):
    def latest_on_or_before(self, day: date) -> DayRates | None: ...

    def put_all(self, days: Sequence[DayRates]) -> int: ...


# --- the ECB's XML ------------------------------------------------------------------------------
def parse_ecb(xml: bytes) -> list[DayRates]:
    """Every day of an ECB eurofxref file (daily, 90 days or whole history), oldest first.

    <gesmes:Envelope …><Cube><Cube time="2026-12-04"><Cube currency="USD" rate="1.0812"/>…
    A file that is not such XML, or a day or rate that does not parse, raises InvalidInput (nothing
    of the file is taken: a half-read file would silently leave holes).
    """
    try:
        root = ET.fromstring(xml)  # noqa: S314 - the ECB's file; no DTD or entity is expanded by etree
    except ET.ParseError as exc:
        raise InvalidInput(f"the reference rates are not XML: {exc}") from None
    days: list[DayRates] = []
    for cube in root.iter(f"{_XREF}Cube"):
        when = cube.get("time")
        if when is None:
            continue
        try:
            day = date.fromisoformat(when)
            rates = {c.attrib["currency"]: Decimal(c.attrib["rate"]) for c in cube if c.get("currency")}
        except (ValueError, KeyError, InvalidOperation) as exc:
            raise InvalidInput(f"the reference rates of {when[:10]!r} do not parse: {exc}") from None
        if any(r <= 0 for r in rates.values()):
            raise InvalidInput(f"the reference rates of {day} hold a rate that is not positive")
        days.append(DayRates(day=day, per_euro=rates))
    if not days:
        raise InvalidInput("the reference rates file holds no day of rates")
    return sorted(days, key=lambda d: d.day)


@dataclass(frozen=True)
class FetchOutcome:
    fetched: str
    days_in_file: int
    stored: int
    latest: date


def refresh_rates(source: RatesSource, store: FxRateWriter, today: date) -> FetchOutcome:
    """Store the ECB's latest rates; when the stored ones stop more than 4 days before the file's
    day (a first run, a missed week), the 90-day file, or the whole history when even that would
    leave a hole (only its last `RATES_KEPT_DAYS` days are stored). Storing a day again is harmless
    (same values)."""
    name = ECB_DAILY
    days = parse_ecb(source.fetch(name))
    newest = days[-1].day
    known = store.latest_on_or_before(today)
    if known is None or (newest - known.day).days > 4:
        name = ECB_90_DAYS if known is not None and (newest - known.day).days < 85 else ECB_HISTORY
        days = parse_ecb(source.fetch(name))
    kept = [d for d in days if (newest - d.day).days <= RATES_KEPT_DAYS]
    stored = store.put_all(kept)
    return FetchOutcome(fetched=name, days_in_file=len(days), stored=stored, latest=days[-1].day)


# --- conversion ---------------------------------------------------------------------------------
@dataclass
class RateBook:
    """The rates of a span of days, and the latest before it, to look each day's up."""

    days: list[DayRates]

    def __post_init__(self) -> None:
        self.days = sorted(self.days, key=lambda d: d.day)
        self._keys = [d.day for d in self.days]

    @classmethod
    def read(cls, reader: FxRateReader, first: date, last: date) -> RateBook:
        return cls(reader.covering(first, last))

    def on(self, day: date) -> DayRates | None:
        """The rates of `day`, or the latest earlier ones; None before the first."""
        at = bisect_right(self._keys, day)
        return self.days[at - 1] if at else None


def minor_unit(currency: str) -> Decimal:
    return Decimal(1) if currency in WHOLE_UNITS else Decimal("0.01")


@dataclass(frozen=True)
class Substitution:
    day: date
    rate_day: date


@dataclass(frozen=True)
class Unconverted:
    """A currency's figures left out of the home figures: the days without a rate, and what they hold
    (in the currency itself, never converted at 1 or dropped as 0)."""

    currency: str
    days: list[date]
    totals: Totals


@dataclass
class HomeTotals:
    """A period's figures of every currency in one (home) currency."""

    currency: str
    totals: Totals
    converted: list[str] = field(default_factory=list)  # the currencies in the total
    missing: list[str] = field(default_factory=list)  # currencies left out (no rate on a day of theirs)
    substituted: list[Substitution] = field(default_factory=list)
    unconverted: list[Unconverted] = field(default_factory=list)  # what `missing` left out, by currency
    rate_days: tuple[date, date] | None = None  # the first and last day of the rates used


@dataclass
class Converter:
    """The one conversion of a day's amounts into the home currency: the factor of (currency, day),
    and a record of what it did (currencies converted, days without a rate, rates' days used)."""

    home: str
    book: RateBook
    converted: set[str] = field(default_factory=set)
    missing_days: dict[str, set[date]] = field(default_factory=dict)
    substituted: dict[date, date] = field(default_factory=dict)
    used: set[date] = field(default_factory=set)

    def factor(self, currency: str, day: date) -> Decimal | None:
        """Home units per unit of `currency` on `day` (1 for the home currency), or None: no rate."""
        if currency == self.home:
            self.converted.add(currency)
            return Decimal(1)
        rates = self.book.on(day)
        cur = rates.rate(currency) if rates else None
        to = rates.rate(self.home) if rates else None
        if rates is None or cur is None or to is None:
            self.missing_days.setdefault(currency, set()).add(day)
            return None
        if rates.day != day:
            self.substituted[day] = rates.day
        self.used.add(rates.day)
        self.converted.add(currency)
        return to / cur

    def report(self, totals: Totals, left_out: Iterable[DayRollup] = ()) -> HomeTotals:
        kept = totals_by_currency(left_out)
        return HomeTotals(
            currency=self.home,
            totals=totals,
            converted=sorted(self.converted),
            missing=sorted(self.missing_days),
            substituted=[Substitution(d, used) for d, used in sorted(self.substituted.items())],
            unconverted=[
                Unconverted(c, sorted(days), kept.get(c, Totals(currency=c)))
                for c, days in sorted(self.missing_days.items())
            ],
            rate_days=(min(self.used), max(self.used)) if self.used else None,
        )


def _scaled(r: DayRollup, factor: Decimal, home: str) -> DayRollup:
    moneys = {name: getattr(r, name) * factor for name in _MONEY_FIELDS}
    fees = {kind: amount * factor for kind, amount in r.fees_by_type.items()}
    return replace(r, currency=home, fees_by_type=fees, **moneys)


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def _rounded(t: Totals) -> Totals:
    """The leaves rounded once each; Amazon fees the sum of its rounded types (and of any rest the
    types do not name), so each line above adds up to the cent."""
    named = sum(t.fees_by_type.values(), Decimal(0))
    rest = t.amazon_fees - named
    for name in _MONEY_FIELDS:
        setattr(t, name, _round(getattr(t, name), t.currency))
    t.fees_by_type = {k: _round(v, t.currency) for k, v in t.fees_by_type.items()}
    t.amazon_fees = sum(t.fees_by_type.values(), Decimal(0)) + _round(rest, t.currency)
    return t


def home_totals(rollups: Iterable[DayRollup], home: str, book: RateBook) -> HomeTotals:
    """Every rollup converted with its day's rates (or the latest earlier), summed, then rounded; the
    rollups of a day without a rate are kept out and reported (`HomeTotals.unconverted`)."""
    convert = Converter(home, book)
    totals = Totals(currency=home)
    left_out: list[DayRollup] = []
    for r in rollups:
        factor = convert.factor(r.currency, r.day)
        if factor is None:
            left_out.append(r)
        else:
            totals.add(r if r.currency == home else _scaled(r, factor, home))
    return convert.report(_rounded(totals), left_out)


# --- the SKU table in the home currency ----------------------------------------------------------
@dataclass
class HomeSkuRows:
    """The SKU table's rows in the home currency (`converted`, each row's leaves rounded once) and
    the parts of rows on days without a rate, in their own currency (`unconverted`)."""

    rates: HomeTotals  # the report of the conversion (its `totals` are not used)
    converted: list[SkuTotals]
    unconverted: list[SkuTotals]


def _round_row(t: SkuTotals) -> SkuTotals:
    for name in SKU_MONEY:
        setattr(t, name, _round(getattr(t, name), t.currency))
    return t


def home_sku_rows(rows: Iterable[SkuRollup], home: str, book: RateBook) -> HomeSkuRows:
    """Each day's SKU rows converted at that day's rates (the same `Converter` as the home total),
    summed per row and marketplace, each amount rounded once; profit then follows from the rounded
    amounts. A row's days without a rate stay in a row of their own currency."""
    convert = Converter(home, book)
    converted: list[SkuRollup] = []
    left_out: list[SkuRollup] = []
    for r in rows:
        factor = convert.factor(r.currency, r.day)
        if factor is None:
            left_out.append(r)
        elif r.currency == home:
            converted.append(r)
        else:
            moneys = {name: getattr(r, name) * factor for name in SKU_MONEY}
            converted.append(replace(r, currency=home, **moneys))
    return HomeSkuRows(
        rates=convert.report(Totals(currency=home)),
        converted=[_round_row(t) for t in sku_totals(converted)],
        unconverted=sku_totals(left_out),
    )


def default_home_currency(marketplace_ids: Sequence[str]) -> str:
    """The currency of the seller's main (first) marketplace; USD for a seller without one."""
    for m in marketplace_ids:
        if m in MARKETPLACES:
            return MARKETPLACES[m].currency
    return "USD"


def check_home_currency(currency: object, supported: Iterable[str]) -> str:
    """A currency the home total can be given in: one of the marketplaces' currencies or one the
    ECB publishes."""
    known = sorted(set(supported))
    if not isinstance(currency, str) or currency not in known:
        raise InvalidInput(f"home_currency must be one of {', '.join(known)}, got {str(currency)[:8]!r}")
    return currency
