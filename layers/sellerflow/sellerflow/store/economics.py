"""The mismatches of an economics check (Amazon's per-SKU figures against the rollups), in the
seller-data table, so they stay visible after the check that found them:

    ECON#<first>#<last>#<marketplaceId>    one check's range: how many, and the first 100 as JSON

Kept 30 days (Amazon keeps economics results 30 days too); a later check of the same range
replaces it, so a mismatch fixed by a re-sync disappears with the next check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from sellerflow.store.tables import SellerItem, table

ECON_PREFIX = "ECON#"
KEPT = 100


@table("seller_data")
class EconomicsMismatchesRecord(SellerItem):
    marketplace_id = UnicodeAttribute()
    mismatch_count = NumberAttribute()
    mismatches = UnicodeAttribute()  # JSON list of {field, sku, day, currency, amazon, ours}, at most KEPT
    checked_at = UTCDateTimeAttribute()
    # What the check read: Amazon's rows, our SKU rows, the SKUs of either, Amazon's rows refused.
    amazon_rows = NumberAttribute(null=True)
    our_rows = NumberAttribute(null=True)
    skus = NumberAttribute(null=True)
    rejected = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class EconomicsMismatchStore:
    def __init__(self, *, retention: timedelta = timedelta(days=30)) -> None:
        self._retention = retention

    def put(
        self,
        seller_id: str,
        marketplace_id: str,
        first: date,
        last: date,
        mismatches: Sequence[Mapping[str, str]],
        *,
        read: Mapping[str, int] | None = None,
        now: datetime | None = None,
    ) -> None:
        """`read`: the check's counts (amazon_rows, our_rows, skus, rejected)."""
        counts = dict(read or {})
        at = (now or datetime.now(UTC)).astimezone(UTC)
        EconomicsMismatchesRecord(
            seller_id=seller_id,
            sk=f"{ECON_PREFIX}{first.isoformat()}#{last.isoformat()}#{marketplace_id}",
            marketplace_id=marketplace_id,
            mismatch_count=len(mismatches),
            mismatches=json.dumps(list(mismatches[:KEPT]), separators=(",", ":")),
            checked_at=at,
            amazon_rows=counts.get("amazon_rows"),
            our_rows=counts.get("our_rows"),
            skus=counts.get("skus"),
            rejected=counts.get("rejected"),
            expires_at=int((at + self._retention).timestamp()),
        ).save()

    def last_checked(self, seller_id: str, marketplace_id: str) -> datetime | None:
        """When this marketplace was last checked (any range kept), or None."""
        checked = [
            r.checked_at
            for r in EconomicsMismatchesRecord.query(
                seller_id,
                EconomicsMismatchesRecord.sk.startswith(ECON_PREFIX),
                filter_condition=EconomicsMismatchesRecord.marketplace_id == marketplace_id,
            )
        ]
        return max(checked, default=None)

    def all(self, seller_id: str) -> list[dict[str, Any]]:
        return [
            {
                "marketplace_id": r.marketplace_id,
                "range": r.sk.removeprefix(ECON_PREFIX),
                "count": int(r.mismatch_count),
                "checked_at": r.checked_at,
                "read": {
                    name: int(getattr(r, name) or 0)
                    for name in ("amazon_rows", "our_rows", "skus", "rejected")
                },
                "mismatches": json.loads(r.mismatches),
            }
            for r in EconomicsMismatchesRecord.query(
                seller_id, EconomicsMismatchesRecord.sk.startswith(ECON_PREFIX)
            )
        ]
