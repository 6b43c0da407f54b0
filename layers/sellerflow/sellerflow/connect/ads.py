"""Granting Amazon Ads access for a seller Sellerflow knows: Login with Amazon, authorization code.

The Ads API has no Seller Central consent: an owner signs in with Amazon and allows the
`advertising::campaign_management` scope (a separate LWA grant, its own refresh token).

    start     sign a state for (the signed-in user, purpose `ads`, this seller), store its nonce
              (10 min TTL), and build LWA's authorize URL: client_id (the app's LWA client), scope,
              response_type=code, redirect_uri (WEB_ORIGIN + "/connect-ads-callback.html"), state.
    complete  verify the state (signature, expiry, user, purpose, seller) -> consume its nonce ->
              exchange the code (authorization_code grant, same redirect_uri) -> list the Ads
              profiles with the new refresh token -> keep those of this seller (`matching_profiles`;
              none: 409, another Amazon account) -> store the ads refresh token envelope-encrypted ->
              date the grant on the seller's profile -> audit.

Who may: the route checks CONNECTION_MANAGE (owners) before either step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

from pydantic import SecretBytes, SecretStr

from sellerflow.amazon.ads import AdsProfile
from sellerflow.connect.models import AdsCallbackIn, AdsConnectOut, AdsProfileOut, ConnectStartOut
from sellerflow.connect.service import ConnectUser
from sellerflow.connect.state import StatePurpose, StateSigner
from sellerflow.domain import SellerProfile
from sellerflow.errors import (
    AdsAccessDenied,
    AdsAccountMismatch,
    AuthorizationCodeRejected,
    ConfigurationError,
    ConnectStateRejected,
    SpApiAuthorizationRevoked,
    SpApiBadRequest,
)
from sellerflow.observability import logger, metrics

ADS_CALLBACK_PAGE = "/connect-ads-callback.html"
ADS_SCOPE = "advertising::campaign_management"


class StateKeySource(Protocol):
    def state_key(self) -> SecretBytes: ...


class NonceStore(Protocol):
    def put_nonce(self, nonce: str, *, user_binding: str, expires_at: datetime) -> None: ...

    def consume_nonce(self, nonce: str, *, user_binding: str, now: datetime) -> bool: ...


class CodeExchanger(Protocol):
    def exchange_authorization_code(self, code: str, *, redirect_uri: str | None = None) -> SecretStr: ...


class GrantedProfiles(Protocol):
    def list_profiles_with(self, seller_id: str, refresh_token: SecretStr) -> list[AdsProfile]: ...


class AdsTokenVault(Protocol):
    def store_ads_refresh_token(self, seller_id: str, refresh_token: SecretStr) -> None: ...


class SellerProfiles(Protocol):
    def get_profile(self, seller_id: str) -> SellerProfile: ...


class AdsGrants(Protocol):
    def record_ads_authorization(self, seller_id: str, *, connected_at: datetime) -> None: ...


class AuditTrail(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


@dataclass(frozen=True)
class AdsConnectConfig:
    authorize_url: str  # LWA's authorize page of the region: https://www.amazon.com/ap/oa, ...
    web_origin: str
    state_ttl: timedelta = timedelta(minutes=10)
    scope: str = ADS_SCOPE

    @property
    def redirect_uri(self) -> str:
        return self.web_origin.rstrip("/") + ADS_CALLBACK_PAGE


def matching_profiles(
    seller_id: str, marketplace_ids: Iterable[str], profiles: Sequence[AdsProfile]
) -> list[AdsProfile]:
    """The advertising profiles of `profiles` that are this seller's.

    A profile is the seller's when its marketplace is one of the seller's marketplaces and, when it
    is a seller account (`accountInfo.type == "seller"`, whose `id` is the selling partner id), it
    is this seller's account. No such profile: the Amazon user granted access to another account.
    """
    marketplaces = set(marketplace_ids)
    return [
        p
        for p in profiles
        if p.marketplace_id in marketplaces
        and not (p.account_info.type == "seller" and p.account_info.id != seller_id)
    ]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AdsConnectService:
    def __init__(
        self,
        *,
        config: AdsConnectConfig,
        client_id: Callable[[], str],
        keys: StateKeySource,
        nonces: NonceStore,
        lwa: CodeExchanger,
        profiles: GrantedProfiles,
        vault: AdsTokenVault,
        sellers: SellerProfiles,
        grants: AdsGrants,
        audit: AuditTrail,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._config = config
        self._client_id = client_id
        self._keys = keys
        self._nonces = nonces
        self._lwa = lwa
        self._profiles = profiles
        self._vault = vault
        self._sellers = sellers
        self._grants = grants
        self._audit = audit
        self._clock = clock

    def _signer(self) -> StateSigner:
        return StateSigner(self._keys.state_key(), ttl=self._config.state_ttl)

    def start(self, user: ConnectUser, seller_id: str) -> ConnectStartOut:
        config = self._config
        if not config.authorize_url or not config.web_origin:
            raise ConfigurationError("connecting Amazon Ads needs ADS_AUTHORIZE_URL and WEB_ORIGIN")
        self._sellers.get_profile(seller_id)  # SellerNotFound for a seller without a profile
        issued = self._signer().issue(
            user.sub, now=self._clock(), purpose=StatePurpose.ADS, seller_id=seller_id
        )
        self._nonces.put_nonce(
            issued.claims.nonce, user_binding=issued.claims.user_binding, expires_at=issued.claims.expires_at
        )
        params = {
            "client_id": self._client_id(),
            "scope": config.scope,
            "response_type": "code",
            "redirect_uri": config.redirect_uri,
            "state": issued.value,
        }
        separator = "&" if "?" in config.authorize_url else "?"
        metrics.add_metric(name="AdsConnectStarted", unit="Count", value=1)
        return ConnectStartOut(
            authorize_url=f"{config.authorize_url}{separator}{urlencode(params)}",
            expires_at=issued.claims.expires_at,
        )

    def complete(self, user: ConnectUser, seller_id: str, callback: AdsCallbackIn) -> AdsConnectOut:
        now = self._clock()
        claims = self._signer().verify(
            callback.state, user.sub, now=now, purpose=StatePurpose.ADS, seller_id=seller_id
        )
        if not self._nonces.consume_nonce(claims.nonce, user_binding=claims.user_binding, now=now):
            metrics.add_metric(name="ConnectStateReplayed", unit="Count", value=1)
            raise ConnectStateRejected(
                "the state was already used (or has expired); connect Amazon Ads again"
            )
        profile = self._sellers.get_profile(seller_id)
        try:
            refresh_token = self._lwa.exchange_authorization_code(
                callback.code, redirect_uri=self._config.redirect_uri
            )
        except (SpApiAuthorizationRevoked, SpApiBadRequest):
            metrics.add_metric(name="AdsConnectCodeRejected", unit="Count", value=1)
            raise AuthorizationCodeRejected(
                "Amazon refused the authorization code (unknown, used, expired or for another redirect_uri)"
            ) from None
        try:
            granted = self._profiles.list_profiles_with(seller_id, refresh_token)
        except AdsAccessDenied:
            raise AuthorizationCodeRejected(
                "Amazon Ads refused the new authorization (no advertising access for this Amazon account)"
            ) from None
        matched = matching_profiles(seller_id, profile.marketplace_ids, granted)
        if not matched:
            metrics.add_metric(name="AdsConnectAccountMismatch", unit="Count", value=1)
            raise AdsAccountMismatch(
                f"the Amazon account you signed in with has no advertising profile of seller {seller_id} "
                f"(marketplaces {', '.join(profile.marketplace_ids) or 'none'}): it is another account. "
                "Sign in to Amazon with the account that sells as this seller and connect Amazon Ads again"
            )
        self._vault.store_ads_refresh_token(seller_id, refresh_token)
        connected_at = now.astimezone(UTC).replace(microsecond=0)
        self._grants.record_ads_authorization(seller_id, connected_at=connected_at)
        self._audit.record(
            seller_id,
            user.sub,
            "connection.ads_authorized",
            f"profiles={','.join(str(p.profile_id) for p in matched)} "
            f"marketplaces={','.join(dict.fromkeys(p.marketplace_id for p in matched))}",
        )
        metrics.add_metric(name="AdsConnected", unit="Count", value=1)
        logger.info("amazon ads connected", extra={"seller_id": seller_id, "profiles": len(matched)})
        return AdsConnectOut(
            seller_id=seller_id,
            profiles=[
                AdsProfileOut(
                    profile_id=str(p.profile_id), marketplace_id=p.marketplace_id, country_code=p.country_code
                )
                for p in matched
            ],
        )
