"""The reference rates (ECB XML), their storage rules and the home-currency total (analytics.fx)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sellerflow.analytics.fx import (
    ECB_90_DAYS,
    ECB_DAILY,
    ECB_HISTORY,
    RateBook,
    check_home_currency,
    default_home_currency,
    home_totals,
    parse_ecb,
    refresh_rates,
)
from sellerflow.analytics.kpis import Totals
from sellerflow.analytics.model import DayRates, DayRollup
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
