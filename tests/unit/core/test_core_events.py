"""parse_event: typed Lambda input, with errors that name fields and never echo values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sellerflow.errors import InvalidInput
from sellerflow.events import parse_event
from sellerflow.sync.models import ListDueSellersInput, OrdersPageInput, RecordSyncResultInput

SECRET = "Atzr|SECRET123"


def test_a_valid_event_becomes_its_model() -> None:
    parsed = parse_event(
        OrdersPageInput, {"seller_id": "A1SELLER0001", "run_id": "R1", "pagination_token": "NT"}
    )
    assert parsed == OrdersPageInput(seller_id="A1SELLER0001", run_id="R1", pagination_token="NT")


def test_extra_keys_are_ignored_where_the_model_allows_them() -> None:
    parsed = parse_event(
        ListDueSellersInput, {"tick_time": "2026-03-01T13:44:00Z", "detail-type": "Scheduled"}
    )
    assert parsed.tick_time == datetime(2026, 3, 1, 13, 44, tzinfo=UTC)


def test_the_error_names_every_bad_field_and_the_model() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_event(OrdersPageInput, {"seller_id": "bad id", "unexpected": 1})
    message = str(raised.value)
    assert message.startswith("OrdersPageInput event is invalid:")
    assert "seller_id:" in message
    assert "run_id: Field required" in message
    assert "unexpected: Extra inputs are not permitted" in message


def test_a_token_in_the_event_is_never_echoed() -> None:
    # Given an event carrying a refresh token in a field that fails validation and in an extra field
    event = {
        "seller_id": SECRET,
        "run_id": "R1",
        "pagination_token": {"token": SECRET},
        "refresh_token": SECRET,
    }
    # When it is parsed
    with pytest.raises(InvalidInput) as raised:
        parse_event(OrdersPageInput, event)
    # Then the fields are named but the token appears nowhere
    message = str(raised.value)
    assert "seller_id" in message
    assert "pagination_token" in message
    assert "refresh_token" in message
    assert SECRET not in message
    assert "SECRET123" not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_a_literal_mismatch_does_not_echo_the_value() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_event(RecordSyncResultInput, {"seller_id": "A1SELLER0001", "run_id": "R", "outcome": SECRET})
    assert "outcome" in str(raised.value)
    assert SECRET not in str(raised.value)


@pytest.mark.parametrize("event", [SECRET, None, [SECRET], 42])
def test_an_event_that_is_not_an_object_is_named_as_the_event(event: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_event(OrdersPageInput, event)
    assert "(event)" in str(raised.value)
    assert "SECRET123" not in str(raised.value)
