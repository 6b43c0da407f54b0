"""Finance chunks without I/O: the key of an hour's chunk, its payload (the archive's codec, the same
bytes for the same transactions), which version of a transaction a read keeps, and a chunk as the
export's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sellerflow.facts import FinanceTransactionFact
from sellerflow.store.facts import (
    StoredFinance,
    by_hour,
    finance_chunk_key,
    finance_export_rows,
    finance_hour,
    finance_key,
    latest,
)
from sellerflow.store.history import decode_transactions, encode_transactions

POSTED = datetime(2026, 3, 9, 15, 42, 7, tzinfo=UTC)


def _fact(transaction_id: str, fee: str = "-2.00", at: datetime = POSTED) -> FinanceTransactionFact:
    return FinanceTransactionFact(
        seller_id="A1SELLER",
        transaction_id=transaction_id,
        transaction_type="Shipment",
        posted_at=at,
        marketplace_id="ATVPDKIKX0DER",
        local_date=date(2026, 3, 9),
        order_id="111-1",
        sku="SKU",
        quantity=1,
        total=Decimal("10.01"),
        currency="USD",
        amounts=(("ProductCharges", Decimal("12.01")), ("ReferralFee", Decimal(fee))),
        sku_amounts=(("SKU", "ProductCharges", Decimal("12.01")),),
    )


def _item(sk: str, written: int, *facts: FinanceTransactionFact, chunk: bool = True) -> StoredFinance:
    return StoredFinance(sk, POSTED + timedelta(hours=written), 0, chunk, facts)


def test_a_chunk_is_keyed_by_its_hour_and_content_and_its_payload_round_trips() -> None:
    facts = [_fact("T1"), _fact("T2")]
    payload = encode_transactions(facts)
    assert payload == encode_transactions(facts)  # a retried page puts the same item
    assert decode_transactions(payload) == facts
    key = finance_chunk_key(finance_hour(POSTED), payload)
    assert key.startswith("FIN#2026-03-09T15#")
    assert key != finance_chunk_key("2026-03-09T15", encode_transactions(facts[:1]))
    # inside its hour beside the legacy items (`FIN#<iso>#<id>`), before the next hour's
    assert f"FIN#{finance_hour(POSTED)}" < key < "FIN#2026-03-09T15~" < "FIN#2026-03-09T16"
    assert f"FIN#{finance_hour(POSTED)}" < finance_key(POSTED, "T1") < "FIN#2026-03-09T15~"


def test_a_read_keeps_the_version_written_last_and_a_chunks_over_a_legacy_items() -> None:
    old, new = _fact("T1", "-2.00"), _fact("T1", "-1.50")
    legacy_key = finance_key(POSTED, "T2")
    items = [
        _item("FIN#2026-03-09T15#b", 2, new),
        _item("FIN#2026-03-09T15#a", 1, old, _fact("T2", "-9.00")),
        _item(legacy_key, 5, _fact("T2", "-3.00"), chunk=False),  # written later, but legacy
    ]
    kept = {k: f for k, (_, f) in latest(items).items()}
    assert kept == {finance_key(POSTED, "T1"): new, legacy_key: _fact("T2", "-9.00")}


def test_items_group_by_their_hour_in_key_order() -> None:
    later = POSTED + timedelta(hours=1)
    items = [
        _item("FIN#2026-03-09T15#a", 0, _fact("T1")),
        _item(finance_key(POSTED, "T0"), 0, _fact("T0"), chunk=False),
        _item("FIN#2026-03-09T16#c", 0, _fact("T3", at=later)),
    ]
    assert [[i.sk for i in hour] for hour in by_hour(items)] == [[items[0].sk, items[1].sk], [items[2].sk]]


def test_a_chunk_exports_as_one_row_per_transaction_like_a_legacy_item() -> None:
    payload = encode_transactions([_fact("T1"), _fact("T2")])
    other = {"seller_id": "A1SELLER", "sk": "LISTING#M#SKU", "price": "1.00"}
    chunk = {"seller_id": "A1SELLER", "sk": "FIN#2026-03-09T15#abc", "payload": payload, "expires_at": 9}
    rows = list(finance_export_rows([other, chunk]))
    assert rows[0] == other
    assert [r["sk"] for r in rows[1:]] == [finance_key(POSTED, "T1"), finance_key(POSTED, "T2")]
    assert rows[1]["amounts"] == [
        {"type": "ProductCharges", "amount": "12.01"},
        {"type": "ReferralFee", "amount": "-2.00"},
    ]
    assert rows[1]["posted_at"] == "2026-03-09T15:42:07Z"
    assert rows[1]["expires_at"] == 9
    assert all("payload" not in r for r in rows)
