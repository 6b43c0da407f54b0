"""The economics flow on fakes: query polled to DONE, document parsed, mismatches counted in the
`EconomicsMismatches` metric; a FATAL query compares nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sellerflow.analytics.model import SkuRollup
from sellerflow.sync import economics
from sellerflow.sync.economics import EconomicsQueryFailed, check_economics

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
