"""Daily reference FX rates, in the SELLERS table under one application-wide partition.

    FX#ECB / FXRATE#<YYYY-MM-DD>   one day's rates: {"USD": "1.0812", …} (units per euro)

Control data shared by every seller (no seller's data): long-lived (`sweeper.LONG_LIVED`), a few
hundred small items a year, written by the scheduled rates fetcher and read by the analytics API.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from sellerflow.analytics.model import DayRates
from sellerflow.store.tables import SellerItem, table

FX_PARTITION = "FX#ECB"
FX_RATE_PREFIX = "FXRATE#"


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
        return len(days)

    def between(self, first: date, last: date) -> list[DayRates]:
        cond = FxRateRecord.sk.between(_key(first), _key(last))
        return [_day_rates(r) for r in FxRateRecord.query(FX_PARTITION, cond)]

    def latest_on_or_before(self, day: date) -> DayRates | None:
        cond = FxRateRecord.sk.between(FX_RATE_PREFIX, _key(day))
        for r in FxRateRecord.query(FX_PARTITION, cond, scan_index_forward=False, limit=1):
            return _day_rates(r)
        return None
