"""Marketplace calendar days: which local day an instant falls on, and the UTC span of a local day.

Pure functions (no I/O). A marketplace's "day" is its own calendar day in its own time zone, so an
order at 2026-03-01T16:30Z is 2026-03-02 in Japan and 2026-03-01 in the US and Germany.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sellerflow.marketplaces import MARKETPLACES

ISO_Z = "%Y-%m-%dT%H:%M:%SZ"


def zone_of(marketplace_id: str) -> ZoneInfo:
    known = MARKETPLACES.get(marketplace_id)
    return known.tz if known is not None else ZoneInfo("UTC")


def local_day(marketplace_id: str, instant: datetime) -> date:
    """The marketplace's calendar day of an aware instant (UTC for an unknown marketplace)."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(zone_of(marketplace_id)).date()


def local_today(marketplace_id: str, now: datetime) -> date:
    return local_day(marketplace_id, now)


def utc_span(marketplace_id: str, day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the marketplace's local day (23 or 25 hours on a DST change)."""
    zone = zone_of(marketplace_id)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def iso_z(instant: datetime) -> str:
    """Second-precision UTC ISO text: the sortable form used in sort keys."""
    return instant.astimezone(UTC).strftime(ISO_Z)


def days_between(first: date, last: date) -> Iterator[date]:
    """Every day of [first, last], both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
