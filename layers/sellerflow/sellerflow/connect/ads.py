"""Granting Amazon Ads access for a seller Sellerflow knows: Login with Amazon, authorization code.

The Ads API has no Seller Central consent: an owner signs in with Amazon and allows the
`advertising::campaign_management` scope (a separate LWA grant, its own refresh token).

Amazon Ads is regional: NA, EU and FE each have their own authorize page, LWA token endpoint and API
host, and a grant given in one region reaches only that region's profiles. So a seller selling in the
US and Japan grants twice, once per region (`?region=NA|EU|FE`, by default the region of the seller's
first marketplace); each grant is stored as that region's refresh token.

    start     sign a state for (the signed-in user, purpose `ads`, this seller, the region), store its
              nonce (10 min TTL), and build the region's authorize URL: client_id (the app's LWA
              client), scope, response_type=code, redirect_uri (WEB_ORIGIN +
              "/connect-ads-callback.html"), state.
    complete  verify the state (signature, expiry, user, purpose, seller) -> consume its nonce ->
              exchange the code at the region's LWA endpoint (authorization_code grant, same
              redirect_uri) -> list the Ads profiles on the region's host with the new refresh token ->
              refuse any the host lists for another region -> keep those of this seller
              (`matching_profiles`; none: 409, another Amazon account or no ads in this region) ->
              store the region's ads refresh token envelope-encrypted -> date the grant -> audit.

Who may: the route checks CONNECTION_MANAGE (owners) before either step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

from pydantic import SecretBytes, SecretStr

from sellerflow.amazon.ads import (
    ADS_REGIONS,
    AdsProfile,
    AdsRegion,
    ads_region_or_none,
    ads_regions_of,
    split_by_host,
)
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
    InvalidInput,
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
    def exchange_authorization_code(
        self, region: AdsRegion, code: str, *, redirect_uri: str
    ) -> SecretStr: ...


class GrantedProfiles(Protocol):
    def list_profiles_with(
        self, seller_id: str, region: AdsRegion, refresh_token: SecretStr
    ) -> list[AdsProfile]: ...


class AdsTokenVault(Protocol):
    def store_ads_refresh_token(
        self, seller_id: str, refresh_token: SecretStr, region: AdsRegion
    ) -> None: ...


class SellerProfiles(Protocol):
    def get_profile(self, seller_id: str) -> SellerProfile: ...


class AdsGrants(Protocol):
    def record_ads_authorization(self, seller_id: str, *, connected_at: datetime) -> None: ...


class AuditTrail(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


@dataclass(frozen=True)
class AdsConnectConfig:
    # LWA's authorize page per region: NA https://www.amazon.com/ap/oa, EU
    # https://eu.account.amazon.com/ap/oa, FE https://apac.account.amazon.com/ap/oa
    authorize_urls: Mapping[str, str]
    web_origin: str
    state_ttl: timedelta = timedelta(minutes=10)
    scope: str = ADS_SCOPE

    @property
    def redirect_uri(self) -> str:
        return self.web_origin.rstrip("/") + ADS_CALLBACK_PAGE


def ads_region(value: str | None, marketplace_ids: Sequence[str]) -> AdsRegion:
    """The region asked for (NA, EU or FE), or by default the region of the seller's first marketplace."""
    if value is None:
        regions = ads_regions_of(marketplace_ids[:1]) or ["NA"]
        return regions[0]
    for region in ADS_REGIONS:
        if value.strip().upper() == region:
            return region
    raise InvalidInput(f"region must be one of {', '.join(ADS_REGIONS)}")


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

    def start(self, user: ConnectUser, seller_id: str, region: str | None = None) -> ConnectStartOut:
        config = self._config
        seller = self._sellers.get_profile(seller_id)  # SellerNotFound for a seller without a profile
        asked = ads_region(region, seller.marketplace_ids)
        authorize_url = config.authorize_urls.get(asked, "")
        if not authorize_url or not config.web_origin:
            raise ConfigurationError(
                f"connecting Amazon Ads in {asked} needs its ADS_AUTHORIZE_URL setting and WEB_ORIGIN"
            )
        issued = self._signer().issue(
            user.sub, now=self._clock(), purpose=StatePurpose.ADS, seller_id=seller_id, region=asked
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
        separator = "&" if "?" in authorize_url else "?"
        metrics.add_metric(name="AdsConnectStarted", unit="Count", value=1)
        return ConnectStartOut(
            authorize_url=f"{authorize_url}{separator}{urlencode(params)}",
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
        region = ads_region(claims.region or "NA", [])  # states from before regions were NA's
        profile = self._sellers.get_profile(seller_id)
        try:
            refresh_token = self._lwa.exchange_authorization_code(
                region, callback.code, redirect_uri=self._config.redirect_uri
            )
        except (SpApiAuthorizationRevoked, SpApiBadRequest):
            metrics.add_metric(name="AdsConnectCodeRejected", unit="Count", value=1)
            raise AuthorizationCodeRejected(
                "Amazon refused the authorization code (unknown, used, expired or for another redirect_uri)"
            ) from None
        try:
            granted = self._profiles.list_profiles_with(seller_id, region, refresh_token)
        except AdsAccessDenied:
            raise AuthorizationCodeRejected(
                f"Amazon Ads refused the new authorization in {region} "
                "(no advertising access for this Amazon account there)"
            ) from None
        in_region = [m for m in profile.marketplace_ids if ads_region_or_none(m) == region]
        served, foreign = split_by_host(region, granted)
        if foreign:
            metrics.add_metric(name="AdsProfilesWrongRegion", unit="Count", value=len(foreign))
        matched = matching_profiles(seller_id, in_region, served)
        if not matched:
            metrics.add_metric(name="AdsConnectAccountMismatch", unit="Count", value=1)
            raise AdsAccountMismatch(
                f"the Amazon account you signed in with has no advertising profile of seller {seller_id} "
                f"in {region} (marketplaces {', '.join(in_region) or 'none'}): it is another account, or "
                "the seller does not advertise there. Sign in to Amazon with the account that sells as "
                "this seller and connect Amazon Ads in the region of its marketplaces"
            )
        self._vault.store_ads_refresh_token(seller_id, refresh_token, region)
        connected_at = now.astimezone(UTC).replace(microsecond=0)
        self._grants.record_ads_authorization(seller_id, connected_at=connected_at)
        self._audit.record(
            seller_id,
            user.sub,
            "connection.ads_authorized",
            f"region={region} profiles={','.join(str(p.profile_id) for p in matched)} "
            f"marketplaces={','.join(dict.fromkeys(p.marketplace_id for p in matched))}",
        )
        metrics.add_metric(name="AdsConnected", unit="Count", value=1)
        logger.info(
            "amazon ads connected", extra={"seller_id": seller_id, "region": region, "profiles": len(matched)}
        )
        return AdsConnectOut(
            seller_id=seller_id,
            region=region,
            profiles=[
                AdsProfileOut(
                    profile_id=str(p.profile_id), marketplace_id=p.marketplace_id, country_code=p.country_code
                )
                for p in matched
            ],
        )
