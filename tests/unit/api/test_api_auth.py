"""The token verifier on its own: what a Cognito ID token must be, and what a caller is made of."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from api_fakes import CLIENT_ID, ISSUER, MEMBER_SUB, Tokens

from sellerflow.api.auth import MAX_LEEWAY_S, StaticKeySource, TokenVerifier, bearer_token
from sellerflow.errors import ConfigurationError, Unauthenticated


@pytest.fixture
def verifier(pool_jwks: dict[str, Any]) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=CLIENT_ID, keys=StaticKeySource(pool_jwks), leeway_s=10)


def test_a_valid_id_token_gives_the_caller(verifier: TokenVerifier, tokens: Tokens) -> None:
    caller = verifier.authenticate(f"Bearer {tokens.id_token()}")
    assert caller.sub == MEMBER_SUB
    assert caller.email == "owner@example.com"
    assert caller.groups == ("sellers",)


def test_a_token_just_past_expiry_is_accepted_within_leeway(verifier: TokenVerifier, tokens: Tokens) -> None:
    now = int(time.time())
    assert verifier.verify(tokens.id_token(exp=now - 5, iat=now - 3600))
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(tokens.id_token(exp=now - 20, iat=now - 3600))


def test_leeway_never_exceeds_30_seconds(pool_jwks: dict[str, Any], tokens: Tokens) -> None:
    lenient = TokenVerifier(issuer=ISSUER, audience=CLIENT_ID, keys=StaticKeySource(pool_jwks), leeway_s=3600)
    now = int(time.time())
    with pytest.raises(Unauthenticated, match="expired"):
        lenient.verify(tokens.id_token(exp=now - MAX_LEEWAY_S - 5, iat=now - 3600))


def test_a_token_issued_in_the_future_is_refused(verifier: TokenVerifier, tokens: Tokens) -> None:
    with pytest.raises(Unauthenticated, match="future"):
        verifier.verify(tokens.id_token(iat=int(time.time()) + 600))


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "sub", "token_use"])
def test_a_token_missing_a_required_claim_is_refused(
    verifier: TokenVerifier, tokens: Tokens, claim: str
) -> None:
    with pytest.raises(Unauthenticated):
        verifier.verify(tokens.sign(tokens.claims(**{claim: None})))


def test_an_hs256_token_using_the_public_key_as_secret_is_refused(
    verifier: TokenVerifier, tokens: Tokens, pool_jwks: dict[str, Any]
) -> None:
    # The classic algorithm-confusion attack: HMAC keyed with the public key.
    token = jwt.encode(
        tokens.claims(),
        "public-key-bytes-used-as-an-hmac-secret",
        algorithm="HS256",
        headers={"kid": "test-key-1"},
    )
    with pytest.raises(Unauthenticated, match="RS256"):
        verifier.verify(token)


def test_an_audience_list_is_not_this_client(verifier: TokenVerifier, tokens: Tokens) -> None:
    with pytest.raises(Unauthenticated, match="audience"):
        verifier.verify(tokens.id_token(aud=[CLIENT_ID, "other"]))


@pytest.mark.parametrize("header", [None, "", "   ", "Bearer", "Bearer   ", "Basic abc", "Token abc"])
def test_only_bearer_headers_carry_a_token(header: str | None) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token(header)


def test_bearer_scheme_is_case_insensitive() -> None:
    assert bearer_token("bearer a.b.c") == "a.b.c"


def test_an_unconfigured_verifier_refuses_to_exist(pool_jwks: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        TokenVerifier(issuer=ISSUER, audience="", keys=StaticKeySource(pool_jwks))
