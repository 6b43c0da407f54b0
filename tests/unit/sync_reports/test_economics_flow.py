"""The economics flow on fakes: query polled to DONE, document parsed, mismatches counted in the
`EconomicsMismatches` metric; a FATAL query compares nothing; the seller-sync step checks only the
marketplaces due and goes on past a failed query."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerflow.analytics.model import SkuRollup
from sellerflow.sync import economics
from sellerflow.sync.economics import (
    EconomicsQueryFailed,
    EconomicsSchedule,
    check_economics,
    reconcile_due_economics,
)

DAY = date(2026, 11, 30)
US = "ATVPDKIKX0DER"


class Chunks:
    content_type: str | None = "application/x-ndjson"

    def __init__(self, body: bytes) -> None:
        self._parts = iter([body])

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._parts)


class FakeKiosk:
    def __init__(self, statuses: list[str], lines: list[dict[str, Any]]) -> None:
        self.statuses = statuses
        self.body = "".join(json.dumps(line) + "\n" for line in lines).encode()

    def create_economics_query(self, seller_id: str, marketplace_id: str, start: date, end: date) -> str:
        return "Q1"

    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]:
        status = self.statuses.pop(0)
        return (
            {"processingStatus": status, "dataDocumentId": "D1"}
            if status == "DONE"
            else {"processingStatus": status}
        )

    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        return {"documentId": document_id, "documentUrl": "https://example.invalid/d"}

    def download(self, url: str, *, chunk_size: int = 1 << 16) -> Chunks:
        return Chunks(self.body)


class FakeRollups:
    def __init__(self, rows: list[SkuRollup]) -> None:
        self.rows = rows

    def skus(
        self, seller_id: str, first: date, last: date, *, marketplace_id: str | None = None
    ) -> list[SkuRollup]:
        return self.rows


def _usd(amount: str) -> dict[str, Any]:
    return {"amount": float(amount), "currencyCode": "USD"}


LINE = {
    "startDate": DAY.isoformat(),
    "endDate": DAY.isoformat(),
    "marketplaceId": US,
    "msku": "SKU-1",
    "sales": {"orderedProductSales": _usd("20.00")},
    "fees": [
        {"feeTypeName": "ReferralFee", "charges": [{"aggregatedDetail": {"totalAmount": _usd("3.02")}}]}
    ],
    "ads": [],
    "netProceeds": {"total": _usd("16.98")},
}


def test_a_mismatch_is_returned_and_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[tuple[str, float]] = []
    monkeypatch.setattr(
        economics.metrics, "add_metric", lambda name, unit, value: counted.append((name, value))
    )
    ours = SkuRollup("A1", US, DAY, "SKU-1", "USD", gross_sales=Decimal("20.00"), fees=Decimal("3.00"))
    check = check_economics(
        FakeKiosk(["IN_QUEUE", "IN_PROGRESS", "DONE"], [LINE]),
        FakeRollups([ours]),
        seller_id="A1",
        marketplace_id=US,
        first=DAY,
        last=DAY,
        sleep=lambda _: None,
    )
    assert [(m.field, m.amazon, m.ours) for m in check.mismatches] == [
        ("fees", Decimal("3.02"), Decimal("3.00")),
        ("net_proceeds", Decimal("16.98"), Decimal("17.00")),
    ]
    assert (check.amazon_rows, check.our_rows, check.skus) == (1, 1, 1)
    assert counted == [("EconomicsMismatches", 2)]


def test_a_fatal_query_compares_nothing() -> None:
    with pytest.raises(EconomicsQueryFailed):
        check_economics(
            FakeKiosk(["IN_QUEUE", "FATAL"], []),
            FakeRollups([]),
            seller_id="A1",
            marketplace_id=US,
            first=DAY,
            last=DAY,
            sleep=lambda _: None,
        )


class FakeBook:
    def __init__(self, checked: dict[str, datetime] | None = None) -> None:
        self.checked = dict(checked or {})
        self.kept: list[tuple[str, date, date, int, dict[str, int]]] = []

    def last_checked(self, seller_id: str, marketplace_id: str) -> datetime | None:
        return self.checked.get(marketplace_id)

    def put(
        self,
        seller_id: str,
        marketplace_id: str,
        first: date,
        last: date,
        mismatches: Sequence[Mapping[str, str]],
        *,
        read: Mapping[str, int] | None = None,
    ) -> None:
        self.kept.append((marketplace_id, first, last, len(mismatches), dict(read or {})))


NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
JP = "A1VC38T7YXB528"
SCHEDULE = EconomicsSchedule(every=timedelta(hours=24), days=7, wait_s=60, settle=timedelta(0))


def _reconcile(kiosk: Any, book: FakeBook, schedule: EconomicsSchedule = SCHEDULE) -> Any:
    return reconcile_due_economics(
        "A1", [US, JP], kiosk=kiosk, rollups=FakeRollups([]), book=book, schedule=schedule, now=NOW,
        local_date=lambda marketplace_id, now: date(2026, 12, 1), sleep=lambda _: None,
    )  # fmt: skip


def test_the_sync_step_checks_the_marketplaces_due_over_the_last_complete_days() -> None:
    # Given Japan checked an hour ago and the US never
    book = FakeBook({JP: NOW - timedelta(hours=1)})
    out = _reconcile(FakeKiosk(["DONE"], [LINE]), book)
    # Then only the US is checked, over the seven days before the marketplace's today, and kept
    assert (out.checked, out.skipped, out.unfinished, out.mismatches) == (1, 1, 0, 2)
    [(marketplace, first, last, count, read)] = book.kept
    assert (marketplace, first, last, count) == (US, date(2026, 11, 24), date(2026, 11, 30), 2)
    assert read == {"amazon_rows": 1, "our_rows": 0, "skus": 1, "rejected": 0}


def test_a_query_that_fails_is_counted_unfinished_and_the_other_marketplaces_go_on() -> None:
    book = FakeBook()
    out = _reconcile(FakeKiosk(["FATAL", "DONE"], []), book)
    assert (out.checked, out.unfinished) == (1, 1)
    assert [kept[0] for kept in book.kept] == [JP]


def test_reconciliation_can_be_turned_off() -> None:
    off = EconomicsSchedule(every=timedelta(0), days=7, wait_s=60, settle=timedelta(0))
    book = FakeBook()
    assert _reconcile(FakeKiosk([], []), book, off).skipped == 2
    assert book.kept == []


def test_only_days_that_ended_the_settle_time_ago_are_checked() -> None:
    # Given 00:30 in Los Angeles (the day before just ended) and a day of settle time
    book, asked = FakeBook(), []
    settled = EconomicsSchedule(every=timedelta(hours=24), days=7, wait_s=60, settle=timedelta(hours=24))

    def local_date(marketplace_id: str, moment: datetime) -> date:
        asked.append(moment)
        return (moment - timedelta(hours=8)).date()

    reconcile_due_economics(
        "A1", [US], kiosk=FakeKiosk(["DONE"], [LINE]), rollups=FakeRollups([]), book=book,
        schedule=settled, now=datetime(2026, 12, 1, 8, 30, tzinfo=UTC), local_date=local_date,
        sleep=lambda _: None,
    )  # fmt: skip
    # Then the day that ended half an hour ago is left for Amazon's next refresh
    assert asked == [datetime(2026, 11, 30, 8, 30, tzinfo=UTC)]
    assert [(first, last) for _, first, last, _, _ in book.kept] == [(date(2026, 11, 23), date(2026, 11, 29))]
