"""Who is calling: the Cognito ID token in `Authorization: Bearer <token>`, verified on every request.

API Gateway's Cognito authorizer checks the token in AWS too; this is defence in depth (and locally
there is no API Gateway). What is verified, in order:

1. the header is `Bearer <token>` and the token is a JWT whose header names alg RS256;
2. the signature, with the user pool's key named by `kid` (JWKS fetched once and cached);
3. `exp` (small leeway, never more than 30 s), `iat` not in the future, `iss` == the pool's issuer;
4. `token_use` == "id" (an access token is refused) and `aud` == this app client.

Every failure is `Unauthenticated`, whose message says what was wrong without echoing the token.
"""

from __future__ import annotations

from typing import Any, Protocol

import jwt
from pydantic import BaseModel, ConfigDict

from sellerflow.errors import ConfigurationError, Unauthenticated
from sellerflow.members.permissions import ADMIN_GROUP
from sellerflow.principal import Principal
from sellerflow.settings import Settings

MAX_LEEWAY_S = 30
DEFAULT_LEEWAY_S = 10
ALGORITHM = "RS256"
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use"]


class Caller(BaseModel):
    """The verified claims of a request's ID token (the API's own type; see `principal`)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    sub: str
    email: str | None = None
    email_verified: bool = False
    groups: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        """A global admin (the Cognito group `admins`): admin routes, seller data only via break-glass."""
        return ADMIN_GROUP in self.groups

    @property
    def principal(self) -> Principal:
        """The caller as the domain knows it (services never see the token's claims)."""
        return Principal(
            sub=self.sub, email=self.email, email_verified=self.email_verified, is_admin=self.is_admin
        )


class SigningKeySource(Protocol):
    """Finds the public key that signed a token (`jwt.PyJWKClient` is one)."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK: ...


class StaticKeySource:
    """A key source over a JWKS document already in hand (tests, and moto, which serves no HTTP)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        try:
            return self._keys[kid]
        except KeyError:
            raise jwt.PyJWKClientError(f"no key with kid {kid!r}") from None


def jwks_key_source(settings: Settings, *, lifespan_s: int = 3600, timeout_s: int = 5) -> jwt.PyJWKClient:
    """The user pool's JWKS over HTTPS, cached for the life of the Lambda environment."""
    return jwt.PyJWKClient(
        settings.jwks_url, cache_keys=True, cache_jwk_set=True, lifespan=lifespan_s, timeout=timeout_s
    )


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization or not authorization.strip():
        raise Unauthenticated("missing Authorization header (expected 'Bearer <token>')")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <token>'")
    return token.strip()


class TokenVerifier:
    """Verifies Cognito ID tokens of one user pool and app client."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: SigningKeySource,
        leeway_s: int = DEFAULT_LEEWAY_S,
    ) -> None:
        if not issuer or not audience:
            raise ConfigurationError("Cognito issuer and app client id must both be configured")
        self._issuer = issuer
        self._audience = audience
        self._keys = keys
        self._leeway_s = max(0, min(leeway_s, MAX_LEEWAY_S))

    @classmethod
    def from_settings(
        cls, settings: Settings, *, keys: SigningKeySource | None = None, leeway_s: int = DEFAULT_LEEWAY_S
    ) -> TokenVerifier:
        return cls(
            issuer=settings.issuer,
            audience=settings.cognito_app_client_id,
            keys=keys if keys is not None else jwks_key_source(settings),
            leeway_s=leeway_s,
        )

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller of a request, from its Authorization header value."""
        return self.verify(bearer_token(authorization))

    def verify(self, token: str) -> Caller:
        claims = self._verified_claims(token)
        if claims.get("token_use") != "id":
            raise Unauthenticated(f"token_use must be 'id', got {str(claims.get('token_use'))[:20]!r}")
        if claims.get("aud") != self._audience:
            raise Unauthenticated("token audience is not this app client")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated("token has no subject")
        email = claims.get("email")
        groups = claims.get("cognito:groups") or []
        verified = claims.get("email_verified")  # a boolean from Cognito, the string "true" from moto
        return Caller(
            sub=sub,
            email=email if isinstance(email, str) else None,
            email_verified=verified is True or (isinstance(verified, str) and verified.lower() == "true"),
            groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
        )

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("token is not a well-formed JWT") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(f"token algorithm must be {ALGORITHM}")
        try:
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise  # the pool's JWKS is unreachable: our failure (500), not the caller's
        except jwt.PyJWTError:
            raise Unauthenticated("token was not signed by a key of this user pool") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=self._leeway_s,
                # `aud` is checked after `token_use`: access tokens carry `client_id`, not `aud`.
                options={"require": _REQUIRED_CLAIMS, "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token has expired") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature is invalid") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("token issuer is not this user pool") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token was issued in the future") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"token is missing the {exc.claim!r} claim") from None
        except jwt.PyJWTError:
            raise Unauthenticated("token is invalid") from None
        return claims
