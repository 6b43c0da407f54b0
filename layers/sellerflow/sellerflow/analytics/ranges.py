"""Date ranges of the dashboard, resolved in each marketplace's own calendar (pure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from sellerflow.errors import InvalidInput


class RangeName(enum.StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    MTD = "mtd"
    LAST7 = "last7"
    LAST30 = "last30"
    LAST90 = "last90"
    CUSTOM = "custom"


MAX_RANGE_DAYS = 366
_LAST = {RangeName.LAST7: 7, RangeName.LAST30: 30, RangeName.LAST90: 90}


@dataclass(frozen=True)
class DayRange:
    """[first, last], both included: calendar days of one marketplace."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> DayRange:
        """The period of equal length just before this one."""
        return DayRange(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def resolve(name: RangeName, today: date, *, first: date | None = None, last: date | None = None) -> DayRange:
    """A named range relative to a marketplace's `today` (lastN ends today, today included)."""
    if name is RangeName.TODAY:
        return DayRange(today, today)
    if name is RangeName.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return DayRange(yesterday, yesterday)
    if name is RangeName.MTD:
        return DayRange(today.replace(day=1), today)
    if name in _LAST:
        return DayRange(today - timedelta(days=_LAST[name] - 1), today)
    if first is None or last is None:
        raise InvalidInput("query parameters 'from' and 'to' are required when range=custom")
    return custom(first, last)


def custom(first: date, last: date) -> DayRange:
    if first > last:
        raise InvalidInput(f"query parameter 'from' ({first}) must not be after 'to' ({last})")
    span = DayRange(first, last)
    if span.days > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"query parameters 'from'..'to' span {span.days} days; at most {MAX_RANGE_DAYS} are allowed"
        )
    return span
