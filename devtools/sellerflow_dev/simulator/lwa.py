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

from sellerflow_dev.simulator.world import SimSeller, SimWorld

Clock = Callable[[], float]


@dataclass(frozen=True)
class LwaResult:
    status: int
    body: dict[str, Any]


SPAPI_SCOPE = "sellingpartnerapi"  # what a seller's SP-API authorization grants
# Grantless operations: the app's own token (client_credentials grant), e.g. notifications' destinations.
GRANTLESS_SCOPES = frozenset(
    {"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"}
)
ADS_SCOPE = "advertising::campaign_management"  # what a seller's separate Amazon Ads grant gives


@dataclass(frozen=True)
class _Grant:
    seller_id: str
    expires_at: float
    scope: str = SPAPI_SCOPE
    region: str = "NA"  # advertising grants: the Ads region they were given in


@dataclass(frozen=True)
class _Code:
    redirect_uri: str | None
    expires_at: float
    scope: str = SPAPI_SCOPE
    seller_id: str = ""  # set for advertising codes (SP-API codes are minted on the world)
    region: str = "NA"  # advertising codes: the region whose authorize page issued them


AUTHORIZATION_CODE_TTL_S = 300  # Amazon: an spapi_oauth_code expires five minutes after consent


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
        self._codes: dict[str, _Code] = {}
        self.code_ttl_s = AUTHORIZATION_CODE_TTL_S
        self._lock = threading.Lock()

    def token(self, form: dict[str, str], region: str = "NA") -> LwaResult:
        """Answer `POST /auth/o2/token` of a region's LWA endpoint for a decoded form body. SP-API grants
        refresh anywhere; an advertising grant only at the endpoint of the region it was given in."""
        grant_type = form.get("grant_type", "")
        if grant_type not in {"refresh_token", "authorization_code", "client_credentials"}:
            return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
        if (
            form.get("client_id") != self.world.client_id
            or form.get("client_secret") != self.world.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Client authentication failed.")
        if grant_type == "client_credentials":
            return self._grantless(form.get("scope", ""))
        if grant_type == "refresh_token":
            return self._refresh(form, region)
        if not form.get("code"):
            return _oauth_error(400, "invalid_request", "The request is missing the parameter code.")
        code = form["code"]
        with self._lock:
            issued = self._codes.pop(code, None)
        if issued is not None and issued.scope == ADS_SCOPE:
            return self._redeem_ads_code(issued, form, region)
        # Any exchange uses the code up, whether it succeeds or not (single use, as at Amazon). Codes
        # minted on the world directly (tests) carry no lifetime or redirect_uri of their own.
        seller = self.world.redeem_authorization_code(code)
        if seller is None:
            return _oauth_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
        if issued is not None and self.clock() >= issued.expires_at:
            return _oauth_error(400, "invalid_grant", "The authorization code has expired.")
        if issued is not None and issued.redirect_uri not in (None, form.get("redirect_uri")):
            return _oauth_error(
                400, "invalid_grant", "The redirect_uri does not match the one of the authorization request."
            )
        return LwaResult(200, self._issue(seller))

    def _refresh(self, form: dict[str, str], region: str) -> LwaResult:
        if not form.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "The request is missing the parameter refresh_token.")
        seller = self.world.seller_for_refresh_token(form["refresh_token"])
        ads_grant = None if seller else self.world.seller_for_ads_refresh_token(form["refresh_token"])
        if ads_grant is not None:
            ads_seller, granted_in = ads_grant
            if granted_in != region:
                return _oauth_error(
                    400, "invalid_grant", f"The refresh_token was issued in {granted_in}, not {region}."
                )
            return LwaResult(200, self._issue(ads_seller, scope=ADS_SCOPE, region=region))
        if seller is None:
            return _oauth_error(
                400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
            )
        return LwaResult(200, self._issue(seller))

    def _grantless(self, scope: str) -> LwaResult:
        """An access token of the application itself, for grantless operations of one scope."""
        if scope not in GRANTLESS_SCOPES:
            return _oauth_error(400, "invalid_scope", f"The scope {scope[:60]!r} is not a grantless scope.")
        token = "Atza|" + secrets.token_urlsafe(96)
        with self._lock:
            self._grants[token] = _Grant("", self.clock() + self.token_ttl_s, scope)
        return LwaResult(200, {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl_s})

    def _redeem_ads_code(self, issued: _Code, form: dict[str, str], region: str) -> LwaResult:
        """An advertising-scope code (Login with Amazon's /ap/oa of a region): its grant is the
        seller's ads refresh token of that region. Used up by any exchange; the redirect_uri must be
        the authorize request's and the token endpoint the same region's."""
        if issued.region != region:
            return _oauth_error(
                400, "invalid_grant", f"The authorization code was issued in {issued.region}, not {region}."
            )
        if self.clock() >= issued.expires_at:
            return _oauth_error(400, "invalid_grant", "The authorization code has expired.")
        if issued.redirect_uri != form.get("redirect_uri"):
            return _oauth_error(
                400, "invalid_grant", "The redirect_uri does not match the one of the authorization request."
            )
        with self.world.lock:
            seller = self.world.seller(issued.seller_id)
            if seller.revoked:
                return _oauth_error(400, "invalid_grant", "The authorization was revoked.")
            if not seller.ads_refresh_tokens.get(region):
                seller.ads_refresh_tokens[region] = "Atzr|" + secrets.token_urlsafe(96)
        return LwaResult(200, self._issue(seller, scope=ADS_SCOPE, region=region))

    def issue_ads_code(self, seller_id: str, redirect_uri: str, region: str = "NA") -> str:
        """A single-use code of the advertising scope for the seller (what a region's /ap/oa redirects
        with), valid `code_ttl_s` seconds, only exchangeable with the same redirect_uri at the same
        region's token endpoint."""
        self.world.seller(seller_id)
        code = "ANads" + secrets.token_urlsafe(15)
        with self._lock:
            self._codes[code] = _Code(
                redirect_uri, self.clock() + self.code_ttl_s, ADS_SCOPE, seller_id, region
            )
        return code

    def issue_code(self, seller_id: str, redirect_uri: str | None = None) -> str:
        """A single-use authorization code for the seller's consent, valid `code_ttl_s` seconds and,
        when `redirect_uri` is given, only exchangeable with that same redirect_uri."""
        code = self.world.mint_authorization_code(seller_id)
        with self._lock:
            self._codes[code] = _Code(redirect_uri, self.clock() + self.code_ttl_s)
        return code

    def _issue(self, seller: SimSeller, *, scope: str = SPAPI_SCOPE, region: str = "NA") -> dict[str, Any]:
        token = "Atza|" + secrets.token_urlsafe(96)
        with self._lock:
            self._grants[token] = _Grant(seller.seller_id, self.clock() + self.token_ttl_s, scope, region)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_ttl_s,
            "refresh_token": seller.ads_refresh_tokens.get(region, "")
            if scope == ADS_SCOPE
            else seller.refresh_token,
        }

    def authenticate(
        self, access_token: str | None, *, scope: str = SPAPI_SCOPE, region: str | None = None
    ) -> str:
        """The seller id an access token stands for, if it carries `scope` (and, for an Ads host, was
        granted in that host's `region`); raises AuthFailure otherwise."""
        if not access_token:
            raise AuthFailure("The access token is missing from the request.")
        with self._lock:
            grant = self._grants.get(access_token)
        if grant is None:
            raise AuthFailure("The access token you provided is revoked, malformed or invalid.")
        if self.clock() >= grant.expires_at:
            raise AuthFailure("The access token you provided has expired.")
        if grant.scope != scope:
            raise AuthFailure(f"The access token does not grant the {scope} scope.")
        if not grant.seller_id:  # the application's own (grantless) token
            return ""
        if region is not None and grant.region != region:
            raise AuthFailure(f"The access token was granted in {grant.region}; this host serves {region}.")
        if self.world.seller(grant.seller_id).revoked:
            raise AuthFailure("The access token you provided is revoked, malformed or invalid.")
        return grant.seller_id
