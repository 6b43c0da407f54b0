"""A buyer's request for one order (with fakes), the restriction honoured by OrderStore.upsert, and a
revoked seller's refresh token deleted when the sync records the revocation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from priv_fakes import OTHER, SELLER, FakeAudit, FakeDirty, FakePartitions

from sellerflow.domain import Order, SellerStatus, SyncState
from sellerflow.errors import InvalidInput
from sellerflow.privacy.buyer import delete_buyer_order_data
from sellerflow.store import orders as orders_module
from sellerflow.sync.models import RecordSyncResultInput
from sellerflow.sync.results import record_sync_result

ORDER = "111-0000001-0000001"


class _Restrictions:
    def __init__(self, parts: FakePartitions) -> None:
        self.parts = parts
        self.calls: list[tuple[str, str]] = []

    def __call__(self, seller_id: str, order_id: str, *, requested_by: str, reason: str) -> None:
        # The restriction is written before anything is deleted
        assert self.parts.get("seller_data", seller_id, f"ORDER#{order_id}") is not None
        self.calls.append((seller_id, order_id))


def test_a_buyer_request_deletes_the_orders_items_restricts_it_and_marks_its_days_dirty() -> None:
    parts = FakePartitions()
    parts.add("seller_data", SELLER, f"ORDER#{ORDER}", marketplace_id="M1", local_date="2026-03-10")
    parts.add(
        "seller_data",
        SELLER,
        "FIN#2026-03-11#T1",
        order_id=ORDER,
        marketplace_id="M1",
        local_date="2026-03-11",
    )
    parts.add("seller_data", SELLER, "FIN#2026-03-11#T2", order_id="other")
    parts.add("seller_data", SELLER, "SETTLEMENTLINE#S1#0000001", order_id=ORDER)
    parts.add("seller_data", SELLER, "RDAY#2026-03-10#M1")
    parts.add("pii", SELLER, f"ORDER#{ORDER}#shipping")
    parts.add("seller_data", OTHER, f"ORDER#{ORDER}")
    restrictions, dirty, audit = _Restrictions(parts), FakeDirty(), FakeAudit()
    result = delete_buyer_order_data(
        SELLER,
        ORDER,
        requested_by="operator:me",
        store=parts,
        restrict=restrictions,
        dirty=dirty,
        audit=audit,
    )
    assert restrictions.calls == [(SELLER, ORDER)]
    assert (result.orders, result.finance_transactions, result.settlement_lines, result.pii_items) == (
        1,
        1,
        1,
        1,
    )
    assert {i["sk"] for i in parts.items("seller_data", SELLER)} == {
        "FIN#2026-03-11#T2",
        "RDAY#2026-03-10#M1",
    }
    assert parts.count("pii", SELLER) == 0
    assert parts.count("seller_data", OTHER) == 1
    assert dirty.marked == [(SELLER, {("M1", date(2026, 3, 10)), ("M1", date(2026, 3, 11))}, "buyer-request")]
    assert audit.entries[0][2] == "buyer_request.deleted"


class _Chunks:
    """The fact store's finance chunks: (marketplace, day) of each of the order's transactions."""

    def __init__(self, held: dict[str, list[tuple[str, date]]]) -> None:
        self.held = held

    def erase_order_transactions(self, seller_id: str, order_id: str) -> list[tuple[str, date]]:
        return self.held.pop(order_id, [])


def test_a_buyer_request_removes_the_orders_transactions_from_the_finance_chunks() -> None:
    parts = FakePartitions()
    parts.add("seller_data", SELLER, f"ORDER#{ORDER}", marketplace_id="M1", local_date="2026-03-10")
    chunks = _Chunks(
        {ORDER: [("M1", date(2026, 3, 12)), ("M1", date(2026, 4, 2))], "other": [("M1", date(2026, 3, 1))]}
    )
    dirty = FakeDirty()
    result = delete_buyer_order_data(
        SELLER,
        ORDER,
        requested_by="operator:me",
        store=parts,
        restrict=_Restrictions(parts),
        dirty=dirty,
        audit=FakeAudit(),
        transactions=chunks,
    )
    # Its two chunked transactions are counted and their days recomputed; another order's stay
    assert result.finance_transactions == 2
    assert dirty.marked == [
        (
            SELLER,
            {("M1", date(2026, 3, 10)), ("M1", date(2026, 3, 12)), ("M1", date(2026, 4, 2))},
            "buyer-request",
        )
    ]
    assert list(chunks.held) == ["other"]


def test_a_buyer_request_for_a_malformed_id_is_refused() -> None:
    parts = FakePartitions()
    with pytest.raises(InvalidInput):
        delete_buyer_order_data(
            SELLER,
            "bad id!",
            requested_by="x",
            store=parts,
            restrict=_Restrictions(parts),
            dirty=FakeDirty(),
            audit=FakeAudit(),
        )


def _order(seller_id: str, order_id: str) -> Order:
    at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    return Order(
        seller_id=seller_id,
        order_id=order_id,
        marketplace_id="ATVPDKIKX0DER",
        created_time=at,
        last_updated_time=at,
        local_date=date(2026, 3, 10),
        status="Shipped",
    )


def test_upsert_reads_the_restrictions_once_per_seller_and_skips_restricted_orders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    saved: list[str] = []

    def restricted(seller_id: str) -> set[str]:
        asked.append(seller_id)
        return {"R-1"} if seller_id == SELLER else set()

    class _Batch:
        def __enter__(self) -> _Batch:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def save(self, record: Any) -> None:
            saved.extend(
                f"{record.seller_id}/{o.order_id}" for o in orders_module.decode_orders(record.payload)
            )

    monkeypatch.setattr(orders_module, "restricted_order_ids", restricted)
    monkeypatch.setattr(orders_module.OrderChunkRecord, "batch_write", lambda *a, **k: _Batch())
    monkeypatch.setattr(orders_module.OrderStore, "_record_content", lambda self, order, synced_at: None)
    monkeypatch.setattr(orders_module.DirtyDays, "mark_each", lambda *a, **k: 0)
    monkeypatch.setattr(orders_module, "_id_records", lambda orders: {})  # none stored yet
    monkeypatch.setattr(orders_module, "_legacy_versions", lambda orders: {})
    batch = [_order(SELLER, "R-1"), _order(SELLER, "OK-2"), _order(OTHER, "R-1"), _order(SELLER, "OK-3")]
    written = orders_module.OrderStore().upsert(batch)
    assert written == 3
    assert sorted(saved) == sorted([f"{SELLER}/OK-2", f"{OTHER}/R-1", f"{SELLER}/OK-3"])
    assert sorted(asked) == sorted([SELLER, OTHER])


class _Store:
    def __init__(self) -> None:
        self.statuses: list[SellerStatus] = []

    def finish_run(
        self, seller_id: str, *, outcome: str, error: str | None, source: str = "orders"
    ) -> SyncState:
        return SyncState(seller_id=seller_id, last_outcome=outcome)

    def set_status(self, seller_id: str, status: SellerStatus, *, reason: str | None = None) -> None:
        self.statuses.append(status)


class _Vault:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete_refresh_token(self, seller_id: str) -> None:
        self.deleted.append(seller_id)


@pytest.mark.parametrize(("outcome", "deleted"), [("revoked", [SELLER]), ("failed", []), ("succeeded", [])])
def test_only_a_revoked_seller_loses_its_refresh_token(outcome: str, deleted: list[str]) -> None:
    store, vault = _Store(), _Vault()
    request = RecordSyncResultInput(seller_id=SELLER, run_id="R1", outcome=outcome)  # type: ignore[arg-type]
    record_sync_result(request, store=store, credentials=vault)
    assert vault.deleted == deleted
    assert store.statuses == ([SellerStatus.REVOKED] if outcome == "revoked" else [])
