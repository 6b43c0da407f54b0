"""Reference rates from the simulator's ECB files into DynamoDB, and the dashboard's home-currency
total over them (moto; the same parser as in AWS, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from an_support import DE, JP, SELLER, US, Tables, order, transaction
from test_an_api_int import NOW, Api, api, recompute  # noqa: F401 - the fixture

from sellerflow.analytics.fx import ECB_DAILY, ECB_HISTORY, refresh_rates
from sellerflow.calendar import local_today
from sellerflow.store.facts import FactStore
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


def _in(home: str, amount: str, currency: str, day: date) -> Decimal:
    """`amount` of `currency` in `home` at the stored rates of `day` (or the latest earlier), unrounded."""
    (rates,) = [d for d in FxRateStore().covering(day, day) if d.day <= day][-1:]
    to, cur = rates.rate(home), rates.rate(currency)
    assert to is not None
    assert cur is not None
    return Decimal(amount) * to / cur


def test_the_sku_table_in_the_home_currency_sorts_every_marketplace_together(api: Api) -> None:  # noqa: F811
    refresh_rates(SimulatorFiles(TODAY), FxRateStore(), TODAY)
    sale = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # US and DE Mar 10, JP 03:00 Mar 11
    FactStore().write(
        [
            order("O-1", sale, qty=2, price="40.00"),
            order("O-D", sale, marketplace=DE, sku="SKU-D", price="30.00"),
            order("O-J", sale, marketplace=JP, sku="SKU-J", price="15000"),
            transaction(
                "T-1", sale, "Shipment", {"ReferralFee": "-6.00", "FBAPerUnitFulfillmentFee": "-3.33"}
            ),
            transaction("T-J", sale, "Shipment", {"ReferralFee": "-1501"}, marketplace=JP, sku="SKU-J"),
        ]
    )
    recompute()
    query = f"/sellers/{SELLER}/analytics/skus?from=2026-03-01&to=2026-03-11&sort=net_profit"
    per_currency = api.call("GET", query).json_body
    assert per_currency["home"] is None
    assert {s["currency"] for s in per_currency["skus"]} == {"USD", "EUR", "JPY"}

    body = api.call("GET", query + "&currency=home").json_body
    assert body["home"]["currency"] == "USD"  # the first marketplace's
    assert body["home"]["rates"]["missing_rates"] == []
    assert body["home"]["rates"]["unconverted"] == []
    assert body["home"]["rates"]["rates_to"] <= str(TODAY)
    skus = [s for s in body["skus"] if s["row_type"] == "sku"]
    assert {s["currency"] for s in body["skus"]} == {"USD"}
    assert {(s["sku"], s["marketplace_id"], s["converted_from"]) for s in skus} == {
        ("SKU-1", US, "USD"),
        ("SKU-D", DE, "EUR"),
        ("SKU-J", JP, "JPY"),
    }
    # one order: sales, shipping 1.00, promotion 0.50 and the fees, each at its day's rate, rounded once
    unit = Decimal("0.01")
    jp = next(s for s in skus if s["sku"] == "SKU-J")
    jp_day = local_today(JP, sale)
    assert jp["gross_sales"]["amount"] == str(
        _in("USD", "15000", "JPY", jp_day).quantize(unit, ROUND_HALF_EVEN)
    )
    assert jp["fees"]["amount"] == str(_in("USD", "1501", "JPY", jp_day).quantize(unit, ROUND_HALF_EVEN))
    for s in skus:  # profit from the rounded amounts, to the cent
        a = {k: Decimal(v["amount"]) for k, v in s.items() if isinstance(v, dict)}
        parts = a["gross_sales"] + a["shipping"] - a["promotions"] - a["refunds"] - a["fees"] - a["cogs"]
        assert a["net_profit"] == parts - a["ad_spend"]
    # sorted by profit across the marketplaces
    profits = [Decimal(s["net_profit"]["amount"]) for s in skus]
    assert profits == sorted(profits, reverse=True)

    # the dashboard's home P&L adds up the same way: Amazon fees are the sum of the rounded fee types
    home = api.call(
        "GET", f"/sellers/{SELLER}/dashboard?range=custom&from=2026-03-10&to=2026-03-11"
    ).json_body
    current = home["home"]["current"]
    by_type = sum((Decimal(v["amount"]) for v in current["amazon_fees_by_type"].values()), Decimal(0))
    assert Decimal(current["amazon_fees"]["amount"]) == by_type
    assert set(current["amazon_fees_by_type"]) == {"ReferralFee", "FBAPerUnitFulfillmentFee"}
    assert home["home"]["current_rates"]["rates_from"] is not None
