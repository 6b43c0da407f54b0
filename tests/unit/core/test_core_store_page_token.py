"""Order-listing page tokens: opaque, round-tripping, and only for the seller they were issued to."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.errors import InvalidInput
from sellerflow.store.orders import decode_page_token, encode_page_token

A = "A1SELLER0001"
B = "B2SELLER0002"


def _key(seller_id: str, order_id: str = "111-1") -> dict[str, dict[str, str]]:
    return {
        "seller_id": {"S": seller_id},
        "sk": {"S": f"ORDER#{order_id}"},
        "purchase_sk": {"S": f"2026-03-01T12:00:00Z#{order_id}"},
    }


def _forge(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_a_token_round_trips_for_its_seller() -> None:
    token = encode_page_token(_key(A), A)
    assert decode_page_token(token, A) == _key(A)


@given(order_id=st.text(min_size=1, max_size=40))
def test_any_last_key_round_trips_and_the_token_is_url_safe(order_id: str) -> None:
    token = encode_page_token(_key(A, order_id), A)
    assert decode_page_token(token, A) == _key(A, order_id)
    assert "=" not in token
    assert "+" not in token
    assert "/" not in token


def test_a_token_for_seller_a_is_refused_for_seller_b() -> None:
    # Given a token issued while listing seller A's orders
    token = encode_page_token(_key(A), A)
    # When seller B's listing presents it
    with pytest.raises(InvalidInput, match="different listing"):
        decode_page_token(token, B)


def test_a_token_whose_key_points_at_another_seller_is_refused() -> None:
    # A token claiming seller B but carrying seller A's key (hand-edited) is refused too
    with pytest.raises(InvalidInput, match="different listing"):
        decode_page_token(_forge({"s": B, "k": _key(A)}), B)


@pytest.mark.parametrize(
    "token",
    [
        "not a token!!",
        "",
        "AAAA",
        _forge([1, 2]),
        _forge({"s": A}),
        _forge({"k": {}}),
        _forge("just a string"),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    ],
)
def test_garbage_is_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        decode_page_token(token, A)


def test_a_key_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput):
        decode_page_token(_forge({"s": A, "k": ["seller_id"]}), A)


def test_a_key_with_a_non_map_seller_id_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        decode_page_token(_forge({"s": A, "k": {"seller_id": A}}), A)
