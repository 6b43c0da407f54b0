"""The `state` of the website authorization workflow: signed, short-lived, bound to one user.

A state is `<payload>.<signature>`, both base64url without padding. The payload is compact JSON:

    {"v": 1, "n": <nonce>, "u": <user binding>, "iat": <epoch s>, "exp": <epoch s>,
     "p": <purpose>, "s": <seller binding, ads only>, "r": <Amazon Ads region, ads only>}

- signed: HMAC-SHA256 over the payload with the key from Secrets Manager (compared in constant time);
- bound to the signed-in user: `u` is an HMAC of the user's `sub` under the same key, so the state
  names no user in clear and another user's callback does not verify;
- short-lived: `exp` is at most 10 minutes after `iat`;
- purpose-bound: `p` says which flow the state is for, `spapi` (connecting a selling account) or
  `ads` (granting Amazon Ads access to a seller Sellerflow knows); a state of one flow is refused by
  the other. An ads state is also bound to its seller: `s` is an HMAC of the seller id, so a state
  started for one seller cannot complete another's grant, and names (signed) the Ads region whose
  authorize page was asked, so the code is exchanged and checked in that region. (States issued before purposes existed
  carry no `p` and count as `spapi`; they live at most 10 minutes anyway.)
- single-use: the nonce `n` is stored with a TTL when the state is issued and consumed by a
  conditional delete when the callback arrives (`sellerflow.store.connections`); that part is the
  service's, this module is pure.

Every failure is `ConnectStateRejected`, whose message says what was wrong, never the state itself.
"""

from __future__ import annotations

import base64
import binascii
import enum
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


class StatePurpose(enum.StrEnum):
    SPAPI = "spapi"  # the SP-API website authorization workflow (GET /connect/amazon)
    ADS = "ads"  # Login with Amazon for the Ads API (GET /sellers/{sellerId}/connect/amazon-ads)


_PURPOSE_TEXT = {
    StatePurpose.SPAPI: "connecting a selling account",
    StatePurpose.ADS: "connecting Amazon Ads",
}


@dataclass(frozen=True)
class StateClaims:
    nonce: str
    user_binding: str
    issued_at: datetime
    expires_at: datetime
    purpose: StatePurpose = StatePurpose.SPAPI
    seller_binding: str | None = None
    region: str | None = None  # ads only: the Amazon Ads region (NA, EU, FE) the grant is asked in


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

    def seller_binding(self, seller_id: str) -> str:
        mac = hmac.new(self._key.get_secret_value(), b"connect-seller:" + seller_id.encode(), hashlib.sha256)
        return _b64(mac.digest()[:12])

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key.get_secret_value(), b"connect-state:" + payload.encode(), hashlib.sha256)
        return _b64(mac.digest())

    def issue(
        self,
        user_sub: str,
        *,
        now: datetime,
        nonce: str | None = None,
        purpose: StatePurpose = StatePurpose.SPAPI,
        seller_id: str | None = None,
        region: str | None = None,
    ) -> IssuedState:
        """`seller_id` (required for, and only for, `StatePurpose.ADS`) binds the state to that seller."""
        if (purpose is StatePurpose.ADS) != (seller_id is not None):
            raise ValueError("an ads state is bound to one seller; an spapi state to none")
        issued = now.astimezone(UTC).replace(microsecond=0)
        claims = StateClaims(
            nonce=nonce or secrets.token_urlsafe(18),
            user_binding=self.user_binding(user_sub),
            issued_at=issued,
            expires_at=issued + self.ttl,
            purpose=purpose,
            seller_binding=None if seller_id is None else self.seller_binding(seller_id),
            region=region,
        )
        document: dict[str, str | int] = {
            "v": VERSION,
            "n": claims.nonce,
            "u": claims.user_binding,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "p": purpose.value,
        }
        if claims.seller_binding is not None:
            document["s"] = claims.seller_binding
        if region is not None:
            document["r"] = region
        payload = _b64(json.dumps(document, separators=(",", ":"), sort_keys=True).encode())
        return IssuedState(value=f"{payload}.{self._sign(payload)}", claims=claims)

    def verify(
        self,
        state: str,
        user_sub: str,
        *,
        now: datetime,
        purpose: StatePurpose = StatePurpose.SPAPI,
        seller_id: str | None = None,
    ) -> StateClaims:
        """The claims of a state this signer issued for `user_sub` and `purpose` (and, for ads, for
        `seller_id`) that has not expired at `now`."""
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
                purpose=StatePurpose(document.get("p", StatePurpose.SPAPI.value)),
                seller_binding=None if document.get("s") is None else str(document["s"]),
                region=None if document.get("r") is None else str(document["r"]),
            )
            version = document["v"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConnectStateRejected("the state is not well formed") from None
        if version != VERSION:
            raise ConnectStateRejected(f"the state has an unknown version {str(version)[:8]!r}")
        if claims.purpose is not purpose:
            raise ConnectStateRejected(
                f"the state was issued for {_PURPOSE_TEXT[claims.purpose]}, not for {_PURPOSE_TEXT[purpose]}"
            )
        if not hmac.compare_digest(claims.user_binding, self.user_binding(user_sub)):
            raise ConnectStateRejected("the state was issued to another user")
        expected_seller = None if seller_id is None else self.seller_binding(seller_id)
        if (claims.seller_binding is None) != (expected_seller is None) or (
            claims.seller_binding is not None
            and expected_seller is not None
            and not hmac.compare_digest(claims.seller_binding, expected_seller)
        ):
            raise ConnectStateRejected("the state was issued for another seller")
        if claims.expires_at - claims.issued_at > MAX_TTL:
            raise ConnectStateRejected("the state claims a lifetime longer than 10 minutes")
        if claims.issued_at > now + timedelta(seconds=_CLOCK_SKEW_S):
            raise ConnectStateRejected("the state was issued in the future")
        if now >= claims.expires_at:
            raise ConnectStateRejected("the state has expired (it lives 10 minutes); connect again")
        return claims
