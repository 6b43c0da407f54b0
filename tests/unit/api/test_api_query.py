"""Parsing the orders listing query: dates, ranges, statuses, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.api.models import FulfillmentStatus, parse_instant, parse_orders_query
from sellerflow.errors import InvalidInput

NOW = datetime(2025, 6, 15, 12, 30, tzinfo=UTC)


def q(**params: str) -> dict[str, list[str]]:
    return {k.rstrip("_"): [v] for k, v in params.items()}


def test_defaults_are_the_last_30_days_50_at_a_time() -> None:
    query = parse_orders_query({}, now=NOW)
    assert (query.created_from, query.created_to) == (NOW - timedelta(days=30), NOW)
    assert query.limit == 50
    assert query.statuses == ()
    assert query.next_token is None


def test_only_from_runs_until_now_and_only_to_starts_30_days_before() -> None:
    assert parse_orders_query(q(from_="2025-06-01"), now=NOW).created_to == NOW
    assert parse_orders_query(q(to="2025-06-01"), now=NOW).created_from == datetime(2025, 5, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-06-01", datetime(2025, 6, 1, tzinfo=UTC)),
        ("2025-06-01T10:00:00Z", datetime(2025, 6, 1, 10, tzinfo=UTC)),
        ("2025-06-01T10:00:00", datetime(2025, 6, 1, 10, tzinfo=UTC)),
        ("2025-06-01T12:00:00+02:00", datetime(2025, 6, 1, 10, tzinfo=UTC)),
        ("2025-06-01T12:00:00 02:00", datetime(2025, 6, 1, 10, tzinfo=UTC)),
        ("2025-06-01T10:00:00.250Z", datetime(2025, 6, 1, 10, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_instants_are_dates_or_datetimes_in_utc(raw: str, expected: datetime) -> None:
    assert parse_instant("from", raw) == expected


@pytest.mark.parametrize("raw", ["", "2025-6-1", "20250601", "June 1st", "2025-06-01 10:00", "2025-02-30"])
def test_anything_else_is_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(InvalidInput, match="'to'"):
        parse_instant("to", raw)


def test_a_range_of_exactly_366_days_is_allowed_and_one_second_more_is_not() -> None:
    assert parse_orders_query(q(from_="2024-06-01", to="2025-06-02"), now=NOW)
    with pytest.raises(InvalidInput, match="366"):
        parse_orders_query(q(from_="2024-06-01", to="2025-06-02T00:00:01Z"), now=NOW)


def test_statuses_are_deduplicated_in_order() -> None:
    query = parse_orders_query(q(status="SHIPPED,UNSHIPPED,SHIPPED"), now=NOW)
    assert query.statuses == (FulfillmentStatus.SHIPPED, FulfillmentStatus.UNSHIPPED)


@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.replace(microsecond=0)),
    span_s=st.integers(min_value=1, max_value=366 * 86400),
)
def test_any_valid_range_round_trips(start: datetime, span_s: int) -> None:
    end = start + timedelta(seconds=span_s)
    query = parse_orders_query(q(from_=start.strftime("%Y-%m-%dT%H:%M:%SZ"), to=end.isoformat()), now=NOW)
    assert (query.created_from, query.created_to) == (start, end)


@given(limit=st.integers(min_value=-1000, max_value=1000))
def test_limit_is_accepted_exactly_from_1_to_100(limit: int) -> None:
    if 1 <= limit <= 100:
        assert parse_orders_query(q(limit=str(limit)), now=NOW).limit == limit
    else:
        with pytest.raises(InvalidInput, match="'limit'"):
            parse_orders_query(q(limit=str(limit)), now=NOW)
