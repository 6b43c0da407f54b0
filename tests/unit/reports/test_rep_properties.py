"""Property tests: money strings round-trip to Decimal exactly; dates convert to the local day."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sellerflow.marketplaces import MARKETPLACES
from sellerflow.reports.formats import ZONE_NAMES, local_date, money_de, money_jp, money_us, parse_datetime
from sellerflow.reports.stream import TabRows

amounts = st.decimals(
    min_value=Decimal("-9999999.99"),
    max_value=Decimal("9999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def grouped(integer: int, sep: str) -> str:
    return f"{integer:,}".replace(",", sep)


@given(amounts)
def test_us_money_round_trips(value: Decimal) -> None:
    assert money_us(f"{value:.2f}") == value
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    assert money_us(f"{sign}{grouped(int(whole), ',')}.{frac}") == value


@given(amounts, st.booleans())
def test_de_money_round_trips_with_decimal_comma_and_dot_groups(value: Decimal, group: bool) -> None:
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    text = f"{sign}{grouped(int(whole), '.') if group else whole},{frac}"
    assert money_de(text) == value


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_jp_money_is_whole_yen(value: int) -> None:
    assert money_jp(str(value)) == Decimal(value)
    assert money_de(grouped(value, ".")) == Decimal(value) if abs(value) >= 1000 else True


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@given(moments, st.sampled_from(sorted(MARKETPLACES)))
def test_local_date_is_the_wall_clock_day_in_the_marketplace_zone(
    moment: datetime, marketplace_id: str
) -> None:
    marketplace = MARKETPLACES[marketplace_id]
    day = local_date(moment, marketplace)
    wall = moment.astimezone(marketplace.tz)
    assert day == wall.date()
    offset = wall.utcoffset() or timedelta(0)
    assert day == (moment.replace(tzinfo=None) + offset).date()


@given(
    moments,
    st.sampled_from(["UTC", "PST", "PDT", "MEZ", "MESZ", "JST", "BST"]),
    st.sampled_from(["us", "de", "jp"]),
)
def test_flat_file_dates_parse_back_to_the_same_moment(moment: datetime, zone: str, style: str) -> None:
    local = moment.astimezone(ZONE_NAMES[zone])
    fmt = {"us": "%Y-%m-%d %H:%M:%S", "de": "%d.%m.%Y %H:%M:%S", "jp": "%Y/%m/%d %H:%M:%S"}[style]
    assert parse_datetime(f"{local.strftime(fmt)} {zone}", day_first=style != "us") == moment


documents = st.lists(
    st.sampled_from(["a", "b7", " ", "\t", '"', '""', "\n", "\r", "\r\n", "é", "青", ",", "x\ty"]),
    max_size=60,
).map("".join)


@given(documents)
def test_tab_rows_read_exactly_what_csv_reader_reads(text: str) -> None:
    lines = io.StringIO(text, newline="").readlines()
    expected_reader = csv.reader(lines, delimiter="\t", quotechar='"', doublequote=True, strict=False)
    expected = [(row, expected_reader.line_num) for row in expected_reader]
    ours = TabRows(lines)
    assert [(row, ours.line_num) for row in ours] == expected
