"""Connection status thresholds and the seller's schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sellerflow.connect import ConnectionStatus, connection_status
from sellerflow.domain import ScheduledSeller, SellerConnection, SellerStatus
from sellerflow.sync.fanout import list_due_sellers
from sellerflow.sync.schedule import cadence_minutes, is_due

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def conn(status: SellerStatus = SellerStatus.ACTIVE, expires_in: timedelta | None = None) -> SellerConnection:
    expires = None if expires_in is None else NOW + expires_in
    return SellerConnection(
        seller_id="A1SELLER0001",
        status=status,
        authorized_at=None if expires is None else expires - timedelta(days=365),
        authorization_expires_at=expires,
    )


@pytest.mark.parametrize(
    ("expires_in", "expected", "days"),
    [
        (timedelta(days=200), ConnectionStatus.ACTIVE, 200),
        (timedelta(days=30, seconds=1), ConnectionStatus.ACTIVE, 31),
        (timedelta(days=30), ConnectionStatus.EXPIRING, 30),
        (timedelta(days=10), ConnectionStatus.EXPIRING, 10),
        (timedelta(seconds=1), ConnectionStatus.EXPIRING, 1),
        (timedelta(0), ConnectionStatus.LAPSED, 0),
        (timedelta(days=-3), ConnectionStatus.LAPSED, 0),
    ],
)
def test_status_follows_the_days_left(expires_in: timedelta, expected: ConnectionStatus, days: int) -> None:
    state = connection_status(conn(expires_in=expires_in), now=NOW)
    assert (state.status, state.days_left) == (expected, days)
    assert state.needs_attention == (expected is not ConnectionStatus.ACTIVE)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (SellerStatus.REVOKED, ConnectionStatus.REVOKED),
        (SellerStatus.DISCONNECTED, ConnectionStatus.DISCONNECTED),
        (SellerStatus.ERASING, ConnectionStatus.DISCONNECTED),
        (SellerStatus.LAPSED, ConnectionStatus.LAPSED),
    ],
)
def test_the_sellers_own_status_wins_over_the_dates(status: SellerStatus, expected: ConnectionStatus) -> None:
    assert connection_status(conn(status, timedelta(days=200)), now=NOW).status is expected


def test_an_undated_connection_is_active() -> None:
    state = connection_status(conn(), now=NOW)
    assert (state.status, state.days_left, state.expires_at) == (ConnectionStatus.ACTIVE, None, None)


def test_a_cadence_is_a_whole_number_of_windows() -> None:
    assert cadence_minutes(None, 15) == 15
    assert cadence_minutes(5, 15) == 15
    assert cadence_minutes(70, 15) == 60


def test_a_seller_with_an_hourly_cadence_is_due_once_an_hour() -> None:
    seller = ScheduledSeller(seller_id="A1SELLER0001", sync_every_minutes=60)
    ticks = [NOW + timedelta(minutes=15 * i) for i in range(8)]
    assert sum(is_due(seller, tick, 15) for tick in ticks) == 2
    assert all(is_due(ScheduledSeller(seller_id="B"), tick, 15) for tick in ticks)


class Sellers:
    def __init__(self, sellers: list[ScheduledSeller]) -> None:
        self.sellers = sellers
        self.lapsed: list[str] = []

    def scheduled_sellers(self) -> list[ScheduledSeller]:
        return self.sellers

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool:
        assert reason
        self.lapsed.append(seller_id)
        return True


def test_the_fanout_skips_and_marks_lapsed_sellers_and_syncs_expiring_ones() -> None:
    sellers = Sellers(
        [
            ScheduledSeller(seller_id="A1LAPSED0001", authorization_expires_at=NOW - timedelta(seconds=1)),
            ScheduledSeller(seller_id="A2EXPIRING01", authorization_expires_at=NOW + timedelta(days=10)),
            ScheduledSeller(seller_id="A3UNDATED001"),
        ]
    )
    due = list_due_sellers(NOW, sellers=sellers, window_minutes=15)
    assert [s.seller_id for s in due.sellers] == ["A2EXPIRING01", "A3UNDATED001"]
    assert sellers.lapsed == ["A1LAPSED0001"]
