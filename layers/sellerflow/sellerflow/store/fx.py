"""Daily reference FX rates, in the SELLERS table under one application-wide partition.

    FX#ECB / FXRATE#<YYYY-MM-DD>   one day's rates: {"USD": "1.0812", …} (units per euro)

Control data shared by every seller (no seller's data): long-lived (`sweeper.LONG_LIVED`), a few
hundred small items a year, written by the scheduled rates fetcher and read by the analytics API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from sellerflow.analytics.model import DayRates
from sellerflow.store.tables import SellerItem, table

FX_PARTITION = "FX#ECB"
FX_RATE_PREFIX = "FXRATE#"
CACHE_SECONDS = 900.0
CACHE_ENTRIES = 64  # distinct periods asked of one container
_CACHE: dict[tuple[date, date], tuple[float, list[DayRates]]] = {}


def forget_cached_rates() -> None:
    """Drop the container's cached rates (after storing new ones; tests)."""
    _CACHE.clear()


@table("sellers")
class FxRateRecord(SellerItem):
    """FX#ECB / FXRATE#<day>."""

    tenant_scoped = False  # application-wide reference data, the same for every seller

    rates = UnicodeAttribute()  # JSON: currency -> rate per euro, as the ECB wrote it
    fetched_at = UTCDateTimeAttribute(null=True)


def _key(day: date) -> str:
    return f"{FX_RATE_PREFIX}{day.isoformat()}"


def _day_rates(r: FxRateRecord) -> DayRates:
    return DayRates(
        day=date.fromisoformat(r.sk.removeprefix(FX_RATE_PREFIX)),
        per_euro={k: Decimal(v) for k, v in json.loads(r.rates).items()},
    )


class FxRateStore:
    """`sellerflow.analytics.fx.FxRateReader` and `FxRateWriter` on DynamoDB."""

    def put_all(self, days: Sequence[DayRates]) -> int:
        now = datetime.now(UTC)
        with FxRateRecord.batch_write() as batch:
            for d in days:
                body = json.dumps({k: str(v) for k, v in sorted(d.per_euro.items())})
                batch.save(FxRateRecord(seller_id=FX_PARTITION, sk=_key(d.day), rates=body, fetched_at=now))
        forget_cached_rates()
        return len(days)

    def between(self, first: date, last: date) -> list[DayRates]:
        cond = FxRateRecord.sk.between(_key(first), _key(last))
        return [_day_rates(r) for r in FxRateRecord.query(FX_PARTITION, cond)]

    def covering(self, first: date, last: date) -> list[DayRates]:
        """One Query, newest first, that stops at the first day on or before `first` (a period of up
        to 2 × 366 days is ~500 small items: one page). The rates change once a day, so a container
        keeps the answer `CACHE_SECONDS` (the dashboard's reads stay those of the seller's data)."""
        now = time.monotonic()
        cached = _CACHE.get((first, last))
        if cached is not None and cached[0] > now:
            return cached[1]
        cond = FxRateRecord.sk.between(FX_RATE_PREFIX, _key(last))
        found: list[DayRates] = []
        for r in FxRateRecord.query(FX_PARTITION, cond, scan_index_forward=False):
            found.append(_day_rates(r))
            if found[-1].day <= first:
                break
        found.reverse()
        if len(_CACHE) >= CACHE_ENTRIES:
            _CACHE.clear()
        _CACHE[(first, last)] = (now + CACHE_SECONDS, found)
        return found

    def latest_on_or_before(self, day: date) -> DayRates | None:
        cond = FxRateRecord.sk.between(FX_RATE_PREFIX, _key(day))
        for r in FxRateRecord.query(FX_PARTITION, cond, scan_index_forward=False, limit=1):
            return _day_rates(r)
        return None
