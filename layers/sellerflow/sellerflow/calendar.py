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


# --- history: which days may be out of DynamoDB, in the archive (docs/cost.md, store/history.py) ---
# Readers treat a day as possibly archived this many days before the archive job's own cutoff would:
# a reader running after the job (later clock, other time zone) then never skips an archived day.
HISTORY_READ_MARGIN_DAYS = 2


def archive_cutoff(now: datetime, hot_days: int) -> date:
    """The first day the archive job keeps in DynamoDB: the days (each marketplace's local day of an
    order's purchase or a transaction's posting) before it are archived."""
    return now.astimezone(UTC).date() - timedelta(days=hot_days)


def maybe_archived(day: date, now: datetime, hot_days: int) -> bool:
    """Whether a reader must look for `day` in the archive as well as in DynamoDB."""
    return day < archive_cutoff(now, hot_days) + timedelta(days=HISTORY_READ_MARGIN_DAYS)


def never_archived_from(now: datetime, hot_days: int) -> datetime:
    """A UTC instant from which on nothing is archived, whatever the marketplace's time zone (a local
    day starts at most a day after or before its UTC date)."""
    first_hot = archive_cutoff(now, hot_days) + timedelta(days=HISTORY_READ_MARGIN_DAYS + 1)
    return datetime.combine(first_hot, time(0), tzinfo=UTC)
