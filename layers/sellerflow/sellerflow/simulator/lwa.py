"""Login with Amazon: the token endpoint and the access tokens it hands out.

Access tokens live in memory and expire after `token_ttl_s` seconds of the service's clock (an
injectable callable, monotonic seconds by default). Errors use LWA's OAuth shape
(``{"error", "error_description"}``); API-side token failures use the SP-API error shape.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sellerflow.simulator.world import SimSeller, SimWorld

Clock = Callable[[], float]


@dataclass(frozen=True)
class LwaResult:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class _Grant:
    seller_id: str
    expires_at: float


class AuthFailure(Exception):
    """An API call's access token was missing, unknown, expired or revoked."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details

    def body(self) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": self.details,
                }
            ]
        }


def _oauth_error(status: int, error: str, description: str) -> LwaResult:
    return LwaResult(status, {"error": error, "error_description": description})


class LwaService:
    def __init__(self, world: SimWorld, *, token_ttl_s: int = 3600, clock: Clock = time.monotonic) -> None:
        self.world = world
        self.token_ttl_s = token_ttl_s
        self.clock = clock
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def token(self, form: dict[str, str]) -> LwaResult:
        """Answer `POST /auth/o2/token` for a decoded form body."""
        grant_type = form.get("grant_type", "")
        if grant_type not in {"refresh_token", "authorization_code"}:
            return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
        if (
            form.get("client_id") != self.world.client_id
            or form.get("client_secret") != self.world.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Client authentication failed.")
        if grant_type == "refresh_token":
            if not form.get("refresh_token"):
                return _oauth_error(
                    400, "invalid_request", "The request is missing the parameter refresh_token."
                )
            seller = self.world.seller_for_refresh_token(form["refresh_token"])
            if seller is None:
                return _oauth_error(
                    400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
                )
            return LwaResult(200, self._issue(seller))
        if not form.get("code"):
            return _oauth_error(400, "invalid_request", "The request is missing the parameter code.")
        seller = self.world.redeem_authorization_code(form["code"])
        if seller is None:
            return _oauth_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
        return LwaResult(200, self._issue(seller))

    def _issue(self, seller: SimSeller) -> dict[str, Any]:
        token = "Atza|" + secrets.token_urlsafe(96)
        with self._lock:
            self._grants[token] = _Grant(seller.seller_id, self.clock() + self.token_ttl_s)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_ttl_s,
            "refresh_token": seller.refresh_token,
        }

    def authenticate(self, access_token: str | None) -> str:
        """The seller id an `x-amz-access-token` stands for; raises AuthFailure otherwise."""
        if not access_token:
            raise AuthFailure("The access token is missing from the request.")
        with self._lock:
            grant = self._grants.get(access_token)
        if grant is None:
            raise AuthFailure("The access token you provided is revoked, malformed or invalid.")
        if self.clock() >= grant.expires_at:
            raise AuthFailure("The access token you provided has expired.")
        if self.world.seller(grant.seller_id).revoked:
            raise AuthFailure("The access token you provided is revoked, malformed or invalid.")
        return grant.seller_id
