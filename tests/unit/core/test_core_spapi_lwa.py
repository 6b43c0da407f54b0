"""LwaClient: token exchanges and how each LWA refusal is typed."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from sellerflow.errors import ConfigurationError, SpApiAuthorizationRevoked, SpApiBadRequest, SpApiServerError
from sellerflow.spapi.lwa import AccessToken, AppCredentials, LwaClient

LWA = "https://lwa.test/auth/o2/token"
REFRESH = SecretStr("Atzr|REFRESH-SECRET")
CLIENT_SECRET = "amzn1.oa2-cs.v1.TOPSECRET"


class StaticApp:
    def __init__(self) -> None:
        self.calls = 0

    def app_credentials(self) -> AppCredentials:
        self.calls += 1
        return AppCredentials(client_id="app-client", client_secret=SecretStr(CLIENT_SECRET))


def lwa_answering(
    respond: Callable[[httpx.Request], httpx.Response], *, now: float = 500.0
) -> tuple[LwaClient, list[dict[str, list[str]]]]:
    seen: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == LWA
        assert request.method == "POST"
        seen.append(parse_qs(request.content.decode()))
        return respond(request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return LwaClient(LWA, StaticApp(), http, monotonic=lambda: now), seen


def _clean(exc: BaseException) -> None:
    for secret in (REFRESH.get_secret_value(), CLIENT_SECRET, "Atzr|", "code-XYZ"):
        assert secret not in str(exc)


def test_a_refresh_token_becomes_an_access_token_that_expires_as_lwa_says() -> None:
    # Given LWA grants a token for 120 s at monotonic time 500
    lwa, seen = lwa_answering(
        lambda r: httpx.Response(200, json={"access_token": "Atza|A1", "expires_in": 120}), now=500.0
    )
    # When the seller's refresh token is exchanged
    token = lwa.access_token(REFRESH, seller_id="A1SELLER0001")
    # Then the token is secret, and valid until 60 s before its expiry
    assert isinstance(token.value, SecretStr)
    assert token.value.get_secret_value() == "Atza|A1"
    assert "Atza|A1" not in repr(token)
    assert token.expires_at == 620.0
    assert token.valid_at(559.0)
    assert not token.valid_at(560.0)
    assert seen == [
        {
            "grant_type": ["refresh_token"],
            "refresh_token": [REFRESH.get_secret_value()],
            "client_id": ["app-client"],
            "client_secret": [CLIENT_SECRET],
        }
    ]


def test_a_missing_expires_in_means_an_hour() -> None:
    lwa, _ = lwa_answering(lambda r: httpx.Response(200, json={"access_token": "Atza|A1"}), now=0.0)
    assert lwa.access_token(REFRESH, seller_id="S").expires_at == 3600.0


def test_access_token_validity_honours_a_custom_margin() -> None:
    token = AccessToken(value=SecretStr("x"), expires_at=100.0)
    assert token.valid_at(89.0, margin_s=10.0)
    assert not token.valid_at(90.0, margin_s=10.0)


def test_an_authorization_code_is_exchanged_for_the_sellers_refresh_token() -> None:
    lwa, seen = lwa_answering(
        lambda r: httpx.Response(
            200, json={"access_token": "Atza|A", "refresh_token": "Atzr|NEW", "expires_in": 3600}
        )
    )
    refresh = lwa.exchange_authorization_code("code-XYZ", redirect_uri="https://app.test/callback")
    assert isinstance(refresh, SecretStr)
    assert refresh.get_secret_value() == "Atzr|NEW"
    assert "Atzr|NEW" not in str(refresh)
    assert seen[0]["grant_type"] == ["authorization_code"]
    assert seen[0]["code"] == ["code-XYZ"]
    assert seen[0]["redirect_uri"] == ["https://app.test/callback"]


def test_an_authorization_code_without_redirect_uri_sends_none() -> None:
    lwa, seen = lwa_answering(lambda r: httpx.Response(200, json={"refresh_token": "Atzr|NEW"}))
    lwa.exchange_authorization_code("code-XYZ")
    assert "redirect_uri" not in seen[0]


def test_invalid_grant_means_the_seller_revoked_the_authorization() -> None:
    lwa, _ = lwa_answering(
        lambda r: httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"})
    )
    with pytest.raises(SpApiAuthorizationRevoked) as raised:
        lwa.access_token(REFRESH, seller_id="A1SELLER0001")
    assert "A1SELLER0001" in str(raised.value)
    assert "invalid_grant" in str(raised.value)
    assert raised.value.operation == "lwa"
    _clean(raised.value)


@pytest.mark.parametrize("error", ["invalid_client", "unauthorized_client"])
def test_a_refused_app_credential_is_a_configuration_error(error: str) -> None:
    lwa, _ = lwa_answering(lambda r: httpx.Response(401, json={"error": error}))
    with pytest.raises(ConfigurationError) as raised:
        lwa.access_token(REFRESH, seller_id="A1SELLER0001")
    assert error in str(raised.value)
    _clean(raised.value)


@pytest.mark.parametrize("status", [500, 503])
def test_an_lwa_outage_is_a_server_error(status: int) -> None:
    lwa, _ = lwa_answering(lambda r: httpx.Response(status, text="oops"))
    with pytest.raises(SpApiServerError) as raised:
        lwa.access_token(REFRESH, seller_id="S")
    assert raised.value.status == status
    assert raised.value.operation == "lwa"
    _clean(raised.value)


def test_an_unreachable_lwa_is_a_server_error_naming_the_failure() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    lwa, _ = lwa_answering(boom)
    with pytest.raises(SpApiServerError) as raised:
        lwa.access_token(REFRESH, seller_id="A1SELLER0001")
    assert "ConnectTimeout" in str(raised.value)
    assert "A1SELLER0001" in str(raised.value)
    _clean(raised.value)


def test_another_4xx_is_a_bad_request_naming_the_lwa_error() -> None:
    lwa, _ = lwa_answering(lambda r: httpx.Response(400, json={"error": "invalid_request"}))
    with pytest.raises(SpApiBadRequest, match="invalid_request"):
        lwa.exchange_authorization_code("code-XYZ")


def test_a_4xx_without_json_is_a_bad_request_with_unknown_error() -> None:
    lwa, _ = lwa_answering(lambda r: httpx.Response(400, text="<html/>"))
    with pytest.raises(SpApiBadRequest, match="unknown"):
        lwa.access_token(REFRESH, seller_id="S")


def test_app_credentials_are_read_for_every_exchange() -> None:
    app = StaticApp()
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"access_token": "t"}))
    )
    lwa = LwaClient(LWA, app, http, monotonic=lambda: 0.0)
    lwa.access_token(REFRESH, seller_id="S")
    lwa.access_token(REFRESH, seller_id="S")
    assert app.calls == 2


def test_a_200_that_is_not_json_is_a_server_error() -> None:
    lwa, _ = lwa_answering(lambda r: httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(SpApiServerError):
        lwa.access_token(REFRESH, seller_id="S")
