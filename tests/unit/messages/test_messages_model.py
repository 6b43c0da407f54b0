"""Thread ids, message keys, the inbound address and the expiry rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerflow.messages import intents
from sellerflow.messages.model import (
    MessageContent,
    expires_for,
    inbound_local_part,
    message_key,
    parse_inbound_local_part,
    thread_id_for,
)

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def test_thread_id_is_stable_opaque_and_case_insensitive_in_the_relay() -> None:
    a = thread_id_for("A1SELLER", "Abc@marketplace.amazon.com", "111-1111111-1111111")
    assert a == thread_id_for("A1SELLER", "abc@marketplace.amazon.com ", "111-1111111-1111111")
    assert a != thread_id_for("A1SELLER", "abc@marketplace.amazon.com", None)
    assert a != thread_id_for("A2SELLER", "abc@marketplace.amazon.com", "111-1111111-1111111")
    assert "abc" not in a
    assert len(a) == 24


def test_message_key_is_idempotent_per_message_id() -> None:
    assert message_key(NOW, "<x@y>", "a") == message_key(NOW, "<x@y>", "b")
    assert message_key(NOW, None, "a") != message_key(NOW, None, "b")
    assert message_key(NOW, None, "a").startswith("20261204T120000Z-")


def test_inbound_local_part_round_trips_and_rejects_garbage() -> None:
    for seller in ("A1SELLER", "A3bcDEF0123xyz"):
        local = inbound_local_part(seller, "0a1b2c3d4e5f")
        assert len(local) <= 64
        assert seller not in local
        assert parse_inbound_local_part(local.upper()) == (seller, "0a1b2c3d4e5f")
    assert parse_inbound_local_part("postmaster") is None
    assert parse_inbound_local_part("s!!-0a1b2c3d") is None


def test_expiry_30_days_after_delivery_or_close_never_less_than_3_days() -> None:
    assert expires_for(now=NOW) == NOW + timedelta(days=30)
    assert expires_for(now=NOW, delivered_at=NOW - timedelta(days=10)) == NOW + timedelta(days=20)
    assert expires_for(now=NOW, delivered_at=NOW - timedelta(days=90)) == NOW + timedelta(days=3)
    assert expires_for(now=NOW, closed_at=NOW) == NOW + timedelta(days=30)


def test_message_content_repr_hides_everything() -> None:
    content = MessageContent(relay_address="r@marketplace.amazon.com", subject="s", body="Jane Doe")
    assert "Jane" not in repr(content)
    assert "r@" not in str(content)


def test_intents() -> None:
    assert intents.classify("Where is my order? It has not arrived") == intents.WHERE_IS_MY_ORDER
    assert intents.classify("The mug arrived broken") == intents.DAMAGED
    assert intents.classify("Please cancel my order") == intents.CANCELLATION
    assert intents.classify("Können Sie mir eine Rechnung schicken?") == intents.INVOICE
    assert intents.classify("I want to return this for a refund") == intents.RETURN
    assert intents.classify("商品が届いていません") == intents.WHERE_IS_MY_ORDER
    assert intents.classify("Hello there") == intents.OTHER
