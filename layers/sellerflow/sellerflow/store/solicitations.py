"""Review requests: the seller's setting and one outcome item per order asked or skipped.

    sellers table       REVIEWSETTINGS            on/off and the delay after delivery (long-lived, seller input)
    seller-data table   REVIEWREQ#<orderId>       the order's outcome (pending, requested, skipped, failed),
                                                  expires `OUTCOME_RETENTION` after its last change
                        REVIEWRUN                 when the last run finished, whether it left work (30 days)

An outcome holds an order id, its marketplace, the outcome and times: no buyer data. It outlives the
window in which Amazon could be asked again (30 days after delivery) by far, so expiring it never
lets an order be asked twice: a run looks only at orders purchased within `rules.LOOKBACK`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from sellerflow.domain import Order
from sellerflow.solicitations.model import ReviewRequest, ReviewRequestSettings, RunMarker
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, condition_failed, table

if TYPE_CHECKING:
    from sellerflow.store.facts import FactStore

SETTINGS_KEY = "REVIEWSETTINGS"
REQUEST_PREFIX = "REVIEWREQ#"
RUN_KEY = "REVIEWRUN"
OUTCOME_RETENTION = timedelta(days=90)
RUN_RETENTION = timedelta(days=30)


@table("sellers")
class ReviewSettingsRecord(SellerItem):
    """REVIEWSETTINGS: the seller's `ReviewRequestSettings` as JSON."""

    body = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


@table("seller_data")
class ReviewRequestRecord(SellerItem):
    """REVIEWREQ#<orderId>: one order's review request (the other attributes: `REVIEW_REQUESTS`)."""

    updated_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


@table("seller_data")
class ReviewRunRecord(SellerItem):
    """REVIEWRUN: the seller's last review-request run (the other attributes: `RUN_MARKERS`)."""

    expires_at = NumberAttribute()  # epoch seconds; DynamoDB TTL


def request_key(order_id: str) -> str:
    return f"{REQUEST_PREFIX}{order_id}"


REVIEW_REQUESTS = RecordMapping(
    ReviewRequest, ReviewRequestRecord, sort_key=lambda r: request_key(r.order_id)
)
RUN_MARKERS = RecordMapping(RunMarker, ReviewRunRecord, sort_key=lambda _: RUN_KEY)


class ReviewRequestStore:
    def __init__(self, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock

    def settings(self, seller_id: str) -> ReviewRequestSettings:
        try:
            record = ReviewSettingsRecord.get(seller_id, SETTINGS_KEY)
        except DoesNotExist:
            return ReviewRequestSettings()
        return ReviewRequestSettings.model_validate_json(record.body)

    def put_settings(self, seller_id: str, settings: ReviewRequestSettings) -> None:
        ReviewSettingsRecord(
            seller_id=seller_id, sk=SETTINGS_KEY, body=settings.model_dump_json(), updated_at=self._clock()
        ).save()

    def requests(self, seller_id: str) -> list[ReviewRequest]:
        return [
            REVIEW_REQUESTS.to_domain(record)
            for record in ReviewRequestRecord.query(
                seller_id, ReviewRequestRecord.sk.startswith(REQUEST_PREFIX)
            )
        ]

    def claim(self, request: ReviewRequest, previous: ReviewRequest | None) -> bool:
        """Write `request` only if the stored item is still `previous` (None: no item): False if not."""
        condition = (
            ReviewRequestRecord.sk.does_not_exist()
            if previous is None
            else ReviewRequestRecord.updated_at == previous.updated_at
        )
        try:
            self._record(request).save(condition=condition)
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def save(self, request: ReviewRequest) -> None:
        self._record(request).save()

    def last_run(self, seller_id: str) -> RunMarker | None:
        try:
            return RUN_MARKERS.to_domain(ReviewRunRecord.get(seller_id, RUN_KEY))
        except DoesNotExist:
            return None

    def record_run(self, marker: RunMarker) -> None:
        expires_at = int((marker.finished_at + RUN_RETENTION).timestamp())
        RUN_MARKERS.to_record(marker, expires_at=expires_at).save()

    def _record(self, request: ReviewRequest) -> ReviewRequestRecord:
        expires_at = int((request.updated_at + OUTCOME_RETENTION).timestamp())
        return REVIEW_REQUESTS.to_record(request, expires_at=expires_at)


class StoredOrdersAndRefunds:
    """The orders and refunds a review-request run reads, from Sellerflow's own tables.

    `facts` builds the fact store when a run first reads orders or refunds: a run for a seller who
    did not turn review requests on (most runs) reads neither, and its cold start does not load the
    fact store."""

    def __init__(self, facts: Callable[[], FactStore], marketplaces: Callable[[str], Sequence[str]]) -> None:
        self._facts = facts
        self._marketplaces = marketplaces

    def orders_purchased_since(self, seller_id: str, since: datetime) -> Iterable[Order]:
        now = datetime.now(UTC) + timedelta(days=1)
        for marketplace_id in self._marketplaces(seller_id):
            yield from self._facts().orders_purchased(seller_id, marketplace_id, since, now)

    def refunded_order_ids(self, seller_id: str, since: datetime) -> set[str]:
        refunds = self._facts().finance_transactions(
            seller_id, since, datetime.now(UTC) + timedelta(days=1), transaction_type="Refund"
        )
        return {t.order_id for t in refunds if t.order_id}
