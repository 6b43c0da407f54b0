"""The seller's lead times and safety stock (default and per SKU), one item in the SELLERS table.

RESTOCK    the `RestockSettings` as JSON (validated on read and write), long-lived control data
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from sellerflow.analytics.model import RestockSettings
from sellerflow.store.tables import SellerItem, table

RESTOCK_KEY = "RESTOCK"


@table("sellers")
class RestockSettingsRecord(SellerItem):
    """RESTOCK: the seller's `RestockSettings` as JSON."""

    body = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


class RestockStore:
    def restock_settings(self, seller_id: str) -> RestockSettings:
        return self.saved_restock_settings(seller_id) or RestockSettings()

    def saved_restock_settings(self, seller_id: str) -> RestockSettings | None:
        """The settings the seller saved, None when they never did (the low-stock alert then keeps
        its own thresholds)."""
        try:
            record = RestockSettingsRecord.get(seller_id, RESTOCK_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return RestockSettings.model_validate_json(record.body)

    def put_restock_settings(self, seller_id: str, settings: RestockSettings, *, now: datetime) -> None:
        RestockSettingsRecord(
            seller_id=seller_id, sk=RESTOCK_KEY, body=settings.model_dump_json(), updated_at=now
        ).save()
