"""Login with Amazon: exchanging a seller's refresh token (or an authorization code) for tokens."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from pydantic import SecretStr

from sellerflow.errors import ConfigurationError, SpApiAuthorizationRevoked, SpApiBadRequest, SpApiServerError


@dataclass(frozen=True)
class AppCredentials:
    """The Sellerflow app's LWA client (from Secrets Manager; never an environment variable)."""

    client_id: str
    client_secret: SecretStr


@dataclass(frozen=True)
class AccessToken:
    value: SecretStr
    expires_at: float  # monotonic-clock seconds

    def valid_at(self, now: float, margin_s: float = 60.0) -> bool:
        return now < self.expires_at - margin_s


class AppCredentialSource(Protocol):
    def app_credentials(self) -> AppCredentials: ...


class LwaClient:
    def __init__(
        self,
        endpoint: str,
        app: AppCredentialSource,
        http: httpx.Client,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoint = endpoint
        self._app = app
        self._http = http
        self._now = monotonic

    def access_token(self, refresh_token: SecretStr, *, seller_id: str) -> AccessToken:
        body = self._grant(
            {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()}, seller_id
        )
        return self._token(body)

    def grantless_token(self, scope: str) -> AccessToken:
        """An access token of the app itself (client_credentials grant) for grantless operations,
        e.g. the Notifications API's destinations (scope `sellingpartnerapi::notifications`)."""
        return self._token(self._grant({"grant_type": "client_credentials", "scope": scope}, "(app)"))

    def exchange_authorization_code(self, code: str, *, redirect_uri: str | None = None) -> SecretStr:
        """The website authorization workflow's last step: returns the seller's new refresh token."""
        form = {"grant_type": "authorization_code", "code": code}
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        body = self._grant(form, "(authorization)")
        return SecretStr(str(body["refresh_token"]))

    def _grant(self, form: dict[str, str], seller_id: str) -> dict[str, object]:
        app = self._app.app_credentials()
        form = {**form, "client_id": app.client_id, "client_secret": app.client_secret.get_secret_value()}
        try:
            response = self._http.post(self._endpoint, data=form)
        except httpx.HTTPError as exc:
            raise SpApiServerError(f"LWA unreachable for seller {seller_id}: {type(exc).__name__}") from None
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or ("access_token" not in body and "refresh_token" not in body):
                raise SpApiServerError(
                    "LWA answered 200 without a token document", operation="lwa", status=200
                )
            return body
        error = _lwa_error(response)
        if error == "invalid_grant":
            raise SpApiAuthorizationRevoked(
                f"LWA refused the authorization of seller {seller_id} (invalid_grant)", operation="lwa"
            )
        if error in ("invalid_client", "unauthorized_client"):
            raise ConfigurationError(f"LWA refused the app's client credentials ({error})")
        if response.status_code >= 500:
            raise SpApiServerError(
                f"LWA answered {response.status_code}", operation="lwa", status=response.status_code
            )
        raise SpApiBadRequest(f"LWA answered {response.status_code} ({error})", operation="lwa")

    def _token(self, body: dict[str, object]) -> AccessToken:
        expires_in = float(str(body.get("expires_in", 3600)))
        return AccessToken(value=SecretStr(str(body["access_token"])), expires_at=self._now() + expires_in)


def _lwa_error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", "unknown"))
    except ValueError:
        return "unknown"
