"""The `state` of the website authorization workflow: signed, short-lived, bound to one user.

A state is `<payload>.<signature>`, both base64url without padding. The payload is compact JSON:

    {"v": 1, "n": <nonce>, "u": <user binding>, "iat": <epoch s>, "exp": <epoch s>}

- signed: HMAC-SHA256 over the payload with the key from Secrets Manager (compared in constant time);
- bound to the signed-in user: `u` is an HMAC of the user's `sub` under the same key, so the state
  names no user in clear and another user's callback does not verify;
- short-lived: `exp` is at most 10 minutes after `iat`;
- single-use: the nonce `n` is stored with a TTL when the state is issued and consumed by a
  conditional delete when the callback arrives (`sellerflow.store.connections`); that part is the
  service's, this module is pure.

Every failure is `ConnectStateRejected`, whose message says what was wrong, never the state itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import SecretBytes

from sellerflow.errors import ConnectStateRejected

VERSION = 1
MAX_TTL = timedelta(minutes=10)
MAX_STATE_CHARS = 512
_CLOCK_SKEW_S = 30


@dataclass(frozen=True)
class StateClaims:
    nonce: str
    user_binding: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class IssuedState:
    value: str
    claims: StateClaims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ConnectStateRejected("the state is not well formed") from None


class StateSigner:
    def __init__(self, key: SecretBytes, *, ttl: timedelta = MAX_TTL) -> None:
        if len(key.get_secret_value()) < 32:
            raise ValueError("the state key must be at least 32 bytes")
        if not timedelta(0) < ttl <= MAX_TTL:
            raise ValueError(f"a state lives at most {MAX_TTL}, not {ttl}")
        self._key = key
        self.ttl = ttl

    def user_binding(self, user_sub: str) -> str:
        mac = hmac.new(self._key.get_secret_value(), b"connect-user:" + user_sub.encode(), hashlib.sha256)
        return _b64(mac.digest()[:18])

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key.get_secret_value(), b"connect-state:" + payload.encode(), hashlib.sha256)
        return _b64(mac.digest())

    def issue(self, user_sub: str, *, now: datetime, nonce: str | None = None) -> IssuedState:
        issued = now.astimezone(UTC).replace(microsecond=0)
        claims = StateClaims(
            nonce=nonce or secrets.token_urlsafe(18),
            user_binding=self.user_binding(user_sub),
            issued_at=issued,
            expires_at=issued + self.ttl,
        )
        document = {
            "v": VERSION,
            "n": claims.nonce,
            "u": claims.user_binding,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        payload = _b64(json.dumps(document, separators=(",", ":"), sort_keys=True).encode())
        return IssuedState(value=f"{payload}.{self._sign(payload)}", claims=claims)

    def verify(self, state: str, user_sub: str, *, now: datetime) -> StateClaims:
        """The claims of a state this signer issued for `user_sub` that has not expired at `now`."""
        if not state or len(state) > MAX_STATE_CHARS or state.count(".") != 1:
            raise ConnectStateRejected("the state is not well formed")
        payload, signature = state.split(".")
        if not hmac.compare_digest(self._sign(payload), signature):
            raise ConnectStateRejected("the state's signature does not verify")
        try:
            document = json.loads(_unb64(payload))
            claims = StateClaims(
                nonce=str(document["n"]),
                user_binding=str(document["u"]),
                issued_at=datetime.fromtimestamp(int(document["iat"]), UTC),
                expires_at=datetime.fromtimestamp(int(document["exp"]), UTC),
            )
            version = document["v"]
        except (ValueError, KeyError, TypeError):
            raise ConnectStateRejected("the state is not well formed") from None
        if version != VERSION:
            raise ConnectStateRejected(f"the state has an unknown version {str(version)[:8]!r}")
        if not hmac.compare_digest(claims.user_binding, self.user_binding(user_sub)):
            raise ConnectStateRejected("the state was issued to another user")
        if claims.expires_at - claims.issued_at > MAX_TTL:
            raise ConnectStateRejected("the state claims a lifetime longer than 10 minutes")
        if claims.issued_at > now + timedelta(seconds=_CLOCK_SKEW_S):
            raise ConnectStateRejected("the state was issued in the future")
        if now >= claims.expires_at:
            raise ConnectStateRejected("the state has expired (it lives 10 minutes); connect again")
        return claims
