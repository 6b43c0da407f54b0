"""The connect flow's `state`: signed, bound to one user, short-lived; tampering is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretBytes

from sellerflow.connect.state import StateSigner
from sellerflow.errors import ConnectStateRejected

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = SecretBytes(b"k" * 48)


def signer() -> StateSigner:
    return StateSigner(KEY)


def test_a_state_verifies_for_the_user_it_was_issued_to() -> None:
    issued = signer().issue("user-a", now=NOW)
    claims = signer().verify(issued.value, "user-a", now=NOW + timedelta(minutes=9, seconds=59))
    assert claims.nonce == issued.claims.nonce
    assert claims.expires_at == NOW + timedelta(minutes=10)
    assert "user-a" not in issued.value  # the user is bound by an HMAC, not named


def test_a_state_expires_after_ten_minutes() -> None:
    issued = signer().issue("user-a", now=NOW)
    with pytest.raises(ConnectStateRejected, match="expired"):
        signer().verify(issued.value, "user-a", now=NOW + timedelta(minutes=10))


def test_another_users_state_is_refused() -> None:
    issued = signer().issue("user-a", now=NOW)
    with pytest.raises(ConnectStateRejected, match="another user"):
        signer().verify(issued.value, "user-b", now=NOW)


@pytest.mark.parametrize("position", [0, 5, 20, -3, -1])
def test_a_tampered_state_is_refused(position: int) -> None:
    value = signer().issue("user-a", now=NOW).value
    flipped = "A" if value[position] != "A" else "B"
    tampered = value[:position] + flipped + value[position + 1 :] if position != -1 else value[:-1] + flipped
    with pytest.raises(ConnectStateRejected):
        signer().verify(tampered, "user-a", now=NOW)


def test_a_state_signed_with_another_key_is_refused() -> None:
    other = StateSigner(SecretBytes(b"x" * 48)).issue("user-a", now=NOW).value
    with pytest.raises(ConnectStateRejected, match="signature"):
        signer().verify(other, "user-a", now=NOW)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 600, "Zm9v.YmFy"])
def test_garbage_is_refused_without_echoing_it(garbage: str) -> None:
    with pytest.raises(ConnectStateRejected) as raised:
        signer().verify(garbage, "user-a", now=NOW)
    assert garbage not in str(raised.value) or not garbage


def test_lifetimes_over_ten_minutes_and_short_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        StateSigner(KEY, ttl=timedelta(minutes=11))
    with pytest.raises(ValueError):
        StateSigner(SecretBytes(b"short"))
