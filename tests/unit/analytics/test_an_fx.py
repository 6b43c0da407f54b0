"""The reference rates (ECB XML), their storage rules and the home-currency total (analytics.fx)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from sellerflow.analytics.fx import (
    ECB_90_DAYS,
    ECB_DAILY,
    ECB_HISTORY,
    Converter,
    RateBook,
    check_home_currency,
    default_home_currency,
    home_sku_rows,
    home_totals,
    parse_ecb,
    refresh_rates,
)
from sellerflow.analytics.kpis import Totals
from sellerflow.analytics.model import DayRates, DayRollup, RowKind, SkuRollup
from sellerflow.errors import InvalidInput

SAMPLE = (Path(__file__).parents[2] / "fixtures" / "ecb" / "eurofxref-daily.xml").read_bytes()
FRI, SAT, SUN, MON = date(2025, 10, 3), date(2025, 10, 4), date(2025, 10, 5), date(2025, 10, 6)


def _rates(day: date, **per_euro: str) -> DayRates:
    return DayRates(day=day, per_euro={k: Decimal(v) for k, v in per_euro.items()})


def _day(day: date, currency: str, marketplace: str = "ATVPDKIKX0DER", **money: str) -> DayRollup:
    amounts = {k: Decimal(v) for k, v in money.items()}
    return DayRollup(
        seller_id="S", marketplace_id=marketplace, day=day, currency=currency, orders=1, units=2, **amounts
    )


def test_the_ecb_daily_file_parses_into_one_day_of_rates_per_euro() -> None:
    (day,) = parse_ecb(SAMPLE)
    assert day.day == FRI
    assert len(day.per_euro) == 30
    assert day.per_euro["USD"] == Decimal("1.1717")
    assert day.per_euro["JPY"] == Decimal("172.68")
    assert day.per_euro["GBP"] == Decimal("0.87160")  # exact text, never a float
    assert day.rate("EUR") == Decimal(1)
    assert day.rate("XXX") is None


@pytest.mark.parametrize(
    ("xml", "problem"),
    [
        (b"not xml", "not XML"),
        (b"<a/>", "no day"),
        (SAMPLE.replace(b"rate='1.1717'", b"rate='abc'"), "do not parse"),
        (SAMPLE.replace(b"time='2025-10-03'", b"time='2025-13-03'"), "do not parse"),
        (SAMPLE.replace(b"rate='1.1717'", b"rate='0'"), "not positive"),
    ],
)
def test_a_bad_file_is_refused_whole_with_the_reason(xml: bytes, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_ecb(xml)


class FakeSource:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.asked = files, []  # type: ignore[var-annotated]

    def fetch(self, name: str) -> bytes:
        self.asked.append(name)
        return self.files[name]


class FakeStore:
    def __init__(self, days: Sequence[DayRates] = ()) -> None:
        self.days = {d.day: d for d in days}

    def latest_on_or_before(self, day: date) -> DayRates | None:
        earlier = [d for d in self.days if d <= day]
        return self.days[max(earlier)] if earlier else None

    def between(self, first: date, last: date) -> list[DayRates]:
        return [self.days[d] for d in sorted(self.days) if first <= d <= last]

    def covering(self, first: date, last: date) -> list[DayRates]:
        before = self.latest_on_or_before(first)
        return ([before] if before and before.day < first else []) + self.between(first, last)

    def put_all(self, days: Sequence[DayRates]) -> int:
        self.days.update({d.day: d for d in days})
        return len(days)


def _history(days: int, last: date) -> bytes:
    cubes = "".join(
        f"<Cube time='{last - timedelta(days=n)}'><Cube currency='USD' rate='1.1'/></Cube>"
        for n in range(days)
    )
    ns = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
    return f"<Envelope xmlns='{ns}'><Cube>{cubes}</Cube></Envelope>".encode()


def test_the_daily_file_is_stored_when_the_store_is_up_to_date() -> None:
    source, store = FakeSource({ECB_DAILY: SAMPLE}), FakeStore([_rates(FRI - timedelta(days=1), USD="1.17")])
    outcome = refresh_rates(source, store, MON)
    assert (source.asked, outcome.stored, outcome.latest) == ([ECB_DAILY], 1, FRI)
    assert store.between(FRI, FRI)[0].per_euro["USD"] == Decimal("1.1717")


def test_a_gap_fetches_the_90_days_and_a_first_run_the_history_of_the_kept_days_only() -> None:
    # a missed fortnight: the 90-day file fills it
    source = FakeSource({ECB_DAILY: SAMPLE, ECB_90_DAYS: _history(90, FRI), ECB_HISTORY: _history(3000, FRI)})
    store = FakeStore([_rates(FRI - timedelta(days=14), USD="1.17")])
    assert refresh_rates(source, store, MON).fetched == ECB_90_DAYS
    assert len(store.between(FRI - timedelta(days=14), FRI)) == 15
    # nothing stored yet: the whole history, of which only the last 800 days are kept
    source, store = FakeSource(source.files), FakeStore()
    outcome = refresh_rates(source, store, MON)
    assert source.asked == [ECB_DAILY, ECB_HISTORY]
    assert outcome.stored == 801
    assert min(store.days) == FRI - timedelta(days=800)


def test_each_day_is_converted_at_its_rate_and_a_weekend_at_fridays_said_so() -> None:
    book = RateBook([_rates(FRI, USD="1.2000", GBP="0.80000"), _rates(MON, USD="1.1000", GBP="0.85000")])
    rollups = [
        _day(FRI, "USD", gross_sales="120.00", amazon_fees="12.00"),  # → 100.00 EUR, fees 10.00
        _day(SAT, "USD", gross_sales="60.00"),  # Friday's rate → 50.00
        _day(MON, "GBP", "A1F83G8C2ARO7P", gross_sales="85.00", cogs="17.00"),  # → 100.00, cogs 20.00
        _day(MON, "EUR", "A1PA6795UKMFR9", gross_sales="10.00"),  # already home
    ]
    home = home_totals(rollups, "EUR", book)
    t = home.totals
    assert (t.currency, t.gross_sales, t.amazon_fees, t.cogs) == (
        "EUR",
        Decimal("260.00"),
        Decimal("10.00"),
        Decimal("20.00"),
    )
    assert t.net_profit == Decimal("230.00")
    assert (t.orders, t.units) == (4, 8)
    assert [(s.day, s.rate_day) for s in home.substituted] == [(SAT, FRI)]
    assert (home.converted, home.missing) == (["EUR", "GBP", "USD"], [])


def test_cross_rates_go_through_the_euro_and_only_the_periods_sums_are_rounded() -> None:
    # 1 EUR = 1.1 USD = 0.85 GBP: 1 USD = 0.85/1.1 GBP = 0.772727… GBP
    book = RateBook([_rates(FRI, USD="1.1", GBP="0.85")])
    three = [_day(FRI, "USD", gross_sales="0.01") for _ in range(3)]
    home = home_totals(three, "GBP", book)
    # each 0.01 USD is 0.0077… GBP: rounded one by one they would make 0.03, summed first 0.02
    assert home.totals.gross_sales == Decimal("0.02")
    # yen have no minor unit
    yen = home_totals(
        [_day(FRI, "USD", gross_sales="10.00")], "JPY", RateBook([_rates(FRI, USD="1.1", JPY="172.68")])
    )
    assert yen.totals.gross_sales == Decimal("1570")


def test_a_currency_without_a_rate_is_left_out_and_named() -> None:
    book = RateBook([_rates(MON, USD="1.1")])
    home = home_totals([_day(FRI, "USD", gross_sales="5"), _day(MON, "CAD", gross_sales="5")], "EUR", book)
    assert home.totals == Totals(currency="EUR")  # Friday is before the first rates; no CAD rate at all
    assert home.missing == ["CAD", "USD"]
    assert home.rate_days is None  # no rate was used


def test_the_days_without_a_rate_are_reported_with_their_amounts_in_their_own_currency() -> None:
    book = RateBook([_rates(MON, USD="1.25")])
    rollups = [
        _day(FRI, "USD", gross_sales="7.00", refunds="1.00"),  # before the first rates: not converted
        _day(MON, "USD", gross_sales="12.50"),  # → 10.00 EUR
        _day(MON, "CAD", gross_sales="3.00"),  # no CAD rate
        _day(MON, "EUR", gross_sales="1.00"),
    ]
    home = home_totals(rollups, "EUR", book)
    assert home.totals.gross_sales == Decimal("11.00")  # never 7 USD taken at 1, nor at 0 silently
    assert home.converted == ["EUR", "USD"]
    left = {u.currency: u for u in home.unconverted}
    assert (left["USD"].days, left["USD"].totals.gross_sales, left["USD"].totals.net_profit) == (
        [FRI],
        Decimal("7.00"),
        Decimal("6.00"),
    )
    assert (left["CAD"].days, left["CAD"].totals.currency, left["CAD"].totals.gross_sales) == (
        [MON],
        "CAD",
        Decimal("3.00"),
    )
    assert home.rate_days == (MON, MON)


def _fees(**amounts: str) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in amounts.items()}


def test_each_fee_type_is_rounded_once_and_amazon_fees_is_their_sum_to_the_cent() -> None:
    # 3 fee types of 0.01 USD are 0.0077… GBP each: rounded one by one 0.01 each, so Amazon fees are
    # 0.03 (their sum), not the 0.02 that rounding the total alone would give
    book = RateBook([_rates(FRI, USD="1.1", GBP="0.85")])
    fees = _fees(ReferralFee="0.01", FBAPerUnitFulfillmentFee="0.01", Subscription="0.01")
    day = replace(_day(FRI, "USD", gross_sales="1.00"), fees_by_type=fees, amazon_fees=Decimal("0.03"))
    t = home_totals([day], "GBP", book).totals
    assert t.fees_by_type == _fees(ReferralFee="0.01", FBAPerUnitFulfillmentFee="0.01", Subscription="0.01")
    assert t.amazon_fees == Decimal("0.03")
    assert t.estimated_payout == t.gross_sales - t.amazon_fees == Decimal("0.74")


def test_every_line_of_the_home_p_and_l_is_the_sum_of_its_rounded_leaves() -> None:
    rng = random.Random(14)
    days = [FRI + timedelta(days=n) for n in range(10)]
    book = RateBook(
        [_rates(d, USD=f"1.{rng.randint(1000, 2000)}", JPY=f"1{rng.randint(50, 80)}.{rng.randint(10, 99)}")
         for d in days if d.weekday() < 5]
    )  # fmt: skip
    money = lambda: Decimal(rng.randint(0, 99999)) / 100  # noqa: E731
    rollups = []
    for d in days:
        for currency, mkt in (("USD", "ATVPDKIKX0DER"), ("EUR", "A1PA6795UKMFR9"), ("JPY", "A1VC38T7YXB528")):
            fees = {t: money() for t in ("ReferralFee", "FBAPerUnitFulfillmentFee", "StorageFee")}
            rollups.append(
                replace(
                    _day(d, currency, mkt), gross_sales=money(), shipping=money(), promotions=money(),
                    refunds=money(), ad_spend=money(), cogs=money(), fees_by_type=fees,
                    amazon_fees=sum(fees.values(), Decimal(0)),
                )
            )  # fmt: skip
    for home in ("EUR", "USD", "JPY"):
        t = home_totals(rollups, home, book).totals
        unit = Decimal(1) if home == "JPY" else Decimal("0.01")
        # each leaf: the day-by-day conversion at full precision, rounded once
        convert = Converter(home, book)
        for name in ("gross_sales", "shipping", "promotions", "refunds", "ad_spend", "cogs"):
            exact = sum(
                (getattr(r, name) * (convert.factor(r.currency, r.day) or 0) for r in rollups), Decimal(0)
            )
            assert getattr(t, name) == exact.quantize(unit, rounding=ROUND_HALF_EVEN), (home, name)
        # each line above: the sum of the rounded leaves, to the cent
        assert all(v == v.quantize(unit) for v in t.fees_by_type.values())
        assert t.amazon_fees == sum(t.fees_by_type.values(), Decimal(0))
        assert t.estimated_payout == t.gross_sales + t.shipping - t.promotions - t.refunds - t.amazon_fees
        assert t.net_profit == t.estimated_payout - t.cogs - t.ad_spend


def _sku(day: date, sku: str, currency: str, marketplace: str, **money: str) -> SkuRollup:
    amounts = {k: Decimal(v) for k, v in money.items()}
    return SkuRollup(
        seller_id="S", marketplace_id=marketplace, day=day, sku=sku, currency=currency, units=1, **amounts
    )


def test_sku_rows_are_converted_day_by_day_and_sort_together_in_the_home_currency() -> None:
    book = RateBook([_rates(FRI, USD="1.2000"), _rates(MON, USD="1.1000")])
    rows = [
        _sku(FRI, "MUG", "USD", "ATVPDKIKX0DER", gross_sales="120.00", fees="12.00"),  # → 100.00, 10.00
        _sku(MON, "MUG", "USD", "ATVPDKIKX0DER", gross_sales="110.00", fees="0.01"),  # → 100.00, 0.009…
        _sku(MON, "MUG", "EUR", "A1PA6795UKMFR9", gross_sales="150.00", cogs="20.00"),
        _sku(SUN, "CAP", "USD", "ATVPDKIKX0DER", gross_sales="24.00"),  # Friday's rate → 20.00
    ]
    out = home_sku_rows(rows, "EUR", book)
    by = {(t.sku, t.marketplace_id): t for t in out.converted}
    us = by[("MUG", "ATVPDKIKX0DER")]
    assert (us.currency, us.gross_sales, us.fees, us.units) == ("EUR", Decimal("200.00"), Decimal("10.01"), 2)
    assert us.net_profit == Decimal("189.99")  # from the rounded amounts
    assert by[("MUG", "A1PA6795UKMFR9")].net_profit == Decimal("130.00")
    assert by[("CAP", "ATVPDKIKX0DER")].gross_sales == Decimal("20.00")
    assert [(s.day, s.rate_day) for s in out.rates.substituted] == [(SUN, FRI)]
    assert out.rates.rate_days == (FRI, MON)
    assert out.unconverted == []


def test_a_sku_rows_days_without_a_rate_stay_in_a_row_of_their_own_currency() -> None:
    book = RateBook([_rates(MON, USD="1.25")])
    rows = [
        _sku(FRI, "MUG", "USD", "ATVPDKIKX0DER", gross_sales="5.00"),  # before the first rates
        _sku(MON, "MUG", "USD", "ATVPDKIKX0DER", gross_sales="12.50"),
        replace(_sku(MON, "Subscription", "USD", "ATVPDKIKX0DER", fees="1.25"), kind=RowKind.ACCOUNT),
    ]
    out = home_sku_rows(rows, "EUR", book)
    assert sorted((t.sku, t.currency, t.gross_sales, t.fees) for t in out.converted) == [
        ("MUG", "EUR", Decimal("10.00"), Decimal("0.00")),
        ("Subscription", "EUR", Decimal("0.00"), Decimal("1.00")),
    ]
    assert [(t.sku, t.currency, t.gross_sales) for t in out.unconverted] == [("MUG", "USD", Decimal("5.00"))]
    assert [(u.currency, u.days) for u in out.rates.unconverted] == [("USD", [FRI])]


def test_the_book_reads_the_latest_rates_before_a_span_that_starts_without_any() -> None:
    store = FakeStore([_rates(FRI, USD="1.2"), _rates(MON + timedelta(days=1), USD="1.1")])
    book = RateBook.read(store, SAT, MON + timedelta(days=1))
    on_sunday = book.on(SUN)
    assert on_sunday is not None
    assert on_sunday.day == FRI
    assert book.on(FRI - timedelta(days=1)) is None


def test_the_home_currency_defaults_to_the_main_marketplaces_and_is_one_the_ecb_publishes() -> None:
    assert default_home_currency(["A1PA6795UKMFR9", "ATVPDKIKX0DER"]) == "EUR"
    assert default_home_currency(["A1VC38T7YXB528"]) == "JPY"
    assert default_home_currency([]) == "USD"
    assert check_home_currency("GBP", ["EUR", "GBP"]) == "GBP"
    with pytest.raises(InvalidInput, match="home_currency must be one of EUR, GBP"):
        check_home_currency("gbp", ["EUR", "GBP"])
