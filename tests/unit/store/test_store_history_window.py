"""The history archive's window and object rules: which days leave DynamoDB, which days a reader
looks up in the archive, and the object's key and encoding (no I/O)."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sellerflow.calendar import archive_cutoff, local_day, maybe_archived, never_archived_from
from sellerflow.domain import Order
from sellerflow.facts import FinanceTransactionFact
from sellerflow.store.history import HistoryDay, history_key, parse_history_key

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
HOT = 100


def test_days_before_the_cutoff_are_archived_and_the_dashboards_last_90_never_is() -> None:
    cutoff = archive_cutoff(NOW, HOT)
    assert cutoff == date(2026, 8, 27)
    # the dashboard's Last 90 and the recomputes of its days stay in DynamoDB
    assert cutoff < NOW.date() - timedelta(days=90)


def test_a_reader_looks_in_the_archive_for_every_day_the_job_may_have_archived() -> None:
    job_cutoff = archive_cutoff(NOW, HOT)
    for later in (timedelta(0), timedelta(hours=5), timedelta(days=1)):
        assert maybe_archived(job_cutoff - timedelta(days=1), NOW + later, HOT)
    # and not for the hot days: no S3 request for the dashboard's days
    assert not maybe_archived(NOW.date() - timedelta(days=90), NOW, HOT)


def test_nothing_purchased_after_the_boundary_is_archived_in_any_time_zone() -> None:
    boundary = never_archived_from(NOW, HOT)
    for marketplace_id in ("ATVPDKIKX0DER", "A1VC38T7YXB528", "A39IBJ37TRP1C6", "A1PA6795UKMFR9"):
        assert local_day(marketplace_id, boundary) >= archive_cutoff(NOW, HOT)


def test_the_key_names_seller_marketplace_and_day_and_parses_back() -> None:
    key = history_key("history/", "A1SELLER", "ATVPDKIKX0DER", date(2026, 3, 9))
    assert key == "history/A1SELLER/ATVPDKIKX0DER/2026-03-09.jsonl.gz"
    assert parse_history_key("history/", key) == ("A1SELLER", "ATVPDKIKX0DER", date(2026, 3, 9))
    assert parse_history_key("history/", "history/A1SELLER/x.json") is None
    assert parse_history_key("history/", "exports/A1SELLER/ATVPDKIKX0DER/2026-03-09.jsonl.gz") is None


def test_a_day_encodes_to_the_same_bytes_and_decodes_to_the_same_records() -> None:
    created = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    order = Order(
        seller_id="A1SELLER",
        order_id="111-1",
        marketplace_id="ATVPDKIKX0DER",
        created_time=created,
        last_updated_time=created,
        local_date=date(2026, 3, 9),
        status="Shipped",
        currency="USD",
        order_total=Decimal("12.34"),
    )
    fact = FinanceTransactionFact(
        seller_id="A1SELLER",
        transaction_id="T1",
        transaction_type="Shipment",
        posted_at=created,
        marketplace_id="ATVPDKIKX0DER",
        local_date=date(2026, 3, 9),
        order_id="111-1",
        sku="SKU",
        quantity=1,
        total=Decimal("10.01"),
        currency="USD",
        amounts=(("ProductCharges", Decimal("12.34")),),
        sku_amounts=(("SKU", "ProductCharges", Decimal("12.34")),),
    )
    day = HistoryDay("A1SELLER", "ATVPDKIKX0DER", date(2026, 3, 9), {"111-1": order}, {"FIN#x": fact})
    body = day.encode()
    assert body == day.encode()  # a rerun writes the same object
    assert gzip.decompress(body).count(b"\n") == 2
    back = HistoryDay.decode("A1SELLER", "ATVPDKIKX0DER", date(2026, 3, 9), body)
    assert back.orders == {"111-1": order}
    assert list(back.transactions.values()) == [fact]
