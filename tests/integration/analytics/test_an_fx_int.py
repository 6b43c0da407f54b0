"""Reference rates from the simulator's ECB files into DynamoDB, and the dashboard's home-currency
total over them (moto; the same parser as in AWS, no network)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from an_support import DE, JP, SELLER, US, Tables
from test_an_api_int import NOW, Api, api  # noqa: F401 - the fixture

from sellerflow.analytics.fx import ECB_DAILY, ECB_HISTORY, refresh_rates
from sellerflow.calendar import local_today
from sellerflow.store.fx import FxRateStore
from sellerflow_dev.bench import dashboard_world as bench
from sellerflow_dev.simulator.fx import ecb_file

TODAY = NOW.date()


class SimulatorFiles:
    """The simulator's ECB files as of `today` (what `SimServer` serves at /stats/eurofxref/)."""

    def __init__(self, today: date) -> None:
        self.today, self.asked = today, []  # type: ignore[var-annotated]

    def fetch(self, name: str) -> bytes:
        self.asked.append(name)
        body = ecb_file(name, self.today)
        assert body is not None
        return body


def test_a_first_fetch_stores_the_history_one_item_per_business_day_then_the_daily_file(
    tables: Tables,
) -> None:
    store = FxRateStore()
    source = SimulatorFiles(TODAY)
    first = refresh_rates(source, store, TODAY)
    assert source.asked == [ECB_DAILY, ECB_HISTORY]
    stored = store.between(TODAY - timedelta(days=800), TODAY)
    assert len(stored) == first.stored > 450  # ~23 months of weekdays
    assert all(d.day.weekday() < 5 for d in stored)
    again = refresh_rates(SimulatorFiles(TODAY), store, TODAY)
    assert (again.fetched, again.stored) == (ECB_DAILY, 1)
    # a Sunday's book holds Friday's rates
    sunday = next(TODAY - timedelta(days=n) for n in range(7) if (TODAY - timedelta(days=n)).weekday() == 6)
    covering = store.covering(sunday, sunday)
    assert [d.day for d in covering] == [sunday - timedelta(days=2)]


def _expected_home(
    home: str, rates: FxRateStore, first_by_mkt: dict[str, date], last_by_mkt: dict[str, date]
) -> Decimal:
    """What the seeded gross sales (312.45 a day in every marketplace) make in `home`, day by day."""
    book = {d.day: d for d in rates.between(date(2020, 1, 1), TODAY + timedelta(days=2))}
    total = Decimal(0)
    for m, currency in ((US, "USD"), (DE, "EUR"), (JP, "JPY")):
        day = first_by_mkt[m]
        while day <= last_by_mkt[m]:
            on = max(d for d in book if d <= day)
            to = book[on].rate(home)
            cur = book[on].rate(currency)
            assert to is not None
            assert cur is not None
            total += Decimal("312.45") * to / cur
            day += timedelta(days=1)
    unit = Decimal(1) if home == "JPY" else Decimal("0.01")
    return total.quantize(unit, rounding=ROUND_HALF_EVEN)


def test_the_dashboard_totals_every_currency_in_the_home_currency_an_owner_chooses(api: Api) -> None:  # noqa: F811
    refresh_rates(SimulatorFiles(TODAY), FxRateStore(), TODAY)
    bench.seed_day_rollups(SELLER, 60, NOW)
    body = api.call("GET", f"/sellers/{SELLER}/dashboard?range=last30").json_body
    home = body["home"]
    # the seller's first marketplace is US: the default home currency is USD
    assert home["currency"] == "USD"
    assert home["source"].startswith("ECB")
    assert home["current_rates"]["converted"] == ["EUR", "JPY", "USD"]
    assert home["current_rates"]["missing_rates"] == []
    windows = {w["marketplace_id"]: w for w in body["marketplaces"]}
    first = {m: date.fromisoformat(w["current"]["start"]) for m, w in windows.items()}
    last = {m: date.fromisoformat(w["current"]["end"]) for m, w in windows.items()}
    assert home["current"]["gross_sales"]["amount"] == str(_expected_home("USD", FxRateStore(), first, last))
    # weekends (and today, when the rates are not yet out) are said to use an earlier day's rates
    substituted = {s["day"]: s["rate_day"] for s in home["current_rates"]["substituted"]}
    assert substituted
    assert all(date.fromisoformat(d).weekday() >= 5 or d >= str(TODAY) for d in substituted)
    # the parts add up: payout and net profit are derived from the rounded lines
    c = {k: Decimal(v["amount"]) for k, v in home["current"].items() if isinstance(v, dict) and "amount" in v}
    payout = c["gross_sales"] + c["shipping"] - c["promotions"] - c["refunds"] - c["amazon_fees"]
    assert c["estimated_payout"] == payout
    assert c["net_profit"] == payout - c["cogs"] - c["ad_spend"]
    # the per-currency figures are still there, unchanged
    assert [t["currency"] for t in body["totals"]] == ["EUR", "JPY", "USD"]

    # an owner makes it yen: whole yen, from the same rates
    assert (
        api.call("PUT", f"/sellers/{SELLER}/settings/currency", body={"home_currency": "JPY"}).status_code
        == 200
    )
    yen = api.call("GET", f"/sellers/{SELLER}/dashboard?range=last30").json_body["home"]
    assert yen["currency"] == "JPY"
    assert yen["current"]["gross_sales"]["amount"] == str(_expected_home("JPY", FxRateStore(), first, last))
    assert local_today(JP, NOW) >= local_today(DE, NOW)
