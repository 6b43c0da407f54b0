"""Granting Amazon Ads access: the purpose- and seller-bound state, the profile/marketplace rule, and
the service's start and complete with in-memory collaborators."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretBytes, SecretStr

from sellerflow.amazon.ads import AdsProfile, AdsRegion
from sellerflow.connect.ads import AdsConnectConfig, AdsConnectService, matching_profiles
from sellerflow.connect.models import AdsCallbackIn
from sellerflow.connect.service import ConnectUser
from sellerflow.connect.state import StatePurpose, StateSigner
from sellerflow.domain import SellerProfile, SellerStatus
from sellerflow.errors import (
    AdsAccessDenied,
    AdsAccountMismatch,
    AuthorizationCodeRejected,
    ConfigurationError,
    ConnectStateRejected,
    InvalidInput,
    SellerNotFound,
    SpApiAuthorizationRevoked,
)

SELLER, OTHER = "A1ADSSELLER01", "A2ADSOTHER002"
US, CA, DE, JP = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9", "A1VC38T7YXB528"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALICE, BOB = ConnectUser("sub-alice"), ConnectUser("sub-bob")
KEY = SecretBytes(b"k" * 40)
REDIRECT = "https://app.example.test/connect-ads-callback.html"
AUTHORIZE = {
    "NA": "https://www.amazon.example.test/ap/oa",
    "EU": "https://eu.account.amazon.example.test/ap/oa",
    "FE": "https://apac.account.amazon.example.test/ap/oa",
}


def profile(marketplace_id: str, account_id: str = SELLER, kind: str = "seller", pid: int = 1) -> AdsProfile:
    return AdsProfile.model_validate(
        {
            "profileId": pid,
            "countryCode": {US: "US", CA: "CA", DE: "DE", JP: "JP"}[marketplace_id],
            "currencyCode": "USD",
            "timezone": "America/Los_Angeles",
            "accountInfo": {"marketplaceStringId": marketplace_id, "id": account_id, "type": kind},
        }
    )


# --- the state: purpose and seller binding ------------------------------------------------------
def test_an_spapi_state_is_refused_by_the_ads_flow_and_an_ads_state_by_the_spapi_flow() -> None:
    signer = StateSigner(KEY)
    spapi = signer.issue(ALICE.sub, now=NOW)
    ads = signer.issue(ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)

    with pytest.raises(
        ConnectStateRejected, match="connecting a selling account, not for connecting Amazon Ads"
    ):
        signer.verify(spapi.value, ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)
    with pytest.raises(ConnectStateRejected, match="connecting Amazon Ads, not for connecting a selling"):
        signer.verify(ads.value, ALICE.sub, now=NOW)
    claims = signer.verify(ads.value, ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)
    assert claims.purpose is StatePurpose.ADS
    assert signer.verify(spapi.value, ALICE.sub, now=NOW).purpose is StatePurpose.SPAPI


def test_an_ads_state_is_bound_to_its_seller_and_names_it_only_as_an_hmac() -> None:
    signer = StateSigner(KEY)
    ads = signer.issue(ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)

    with pytest.raises(ConnectStateRejected, match="another seller"):
        signer.verify(ads.value, ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=OTHER)
    with pytest.raises(ConnectStateRejected, match="another user"):
        signer.verify(ads.value, BOB.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)
    payload = ads.value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert SELLER not in decoded
    assert ALICE.sub not in decoded


def test_the_purpose_cannot_be_edited_without_breaking_the_signature() -> None:
    signer = StateSigner(KEY)
    spapi = signer.issue(ALICE.sub, now=NOW)
    payload, signature = spapi.value.split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    document["p"] = "ads"
    forged = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()
    with pytest.raises(ConnectStateRejected, match="signature"):
        signer.verify(f"{forged}.{signature}", ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)


def test_a_state_without_a_purpose_counts_as_spapi_and_an_ads_state_needs_a_seller() -> None:
    signer = StateSigner(KEY)
    iat = int(NOW.timestamp())
    document = {"v": 1, "n": "nonce-1", "u": signer.user_binding(ALICE.sub), "iat": iat, "exp": iat + 600}
    payload = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()
    legacy = f"{payload}.{signer._sign(payload)}"
    assert signer.verify(legacy, ALICE.sub, now=NOW).purpose is StatePurpose.SPAPI
    with pytest.raises(ConnectStateRejected):
        signer.verify(legacy, ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)
    with pytest.raises(ValueError):
        signer.issue(ALICE.sub, now=NOW, purpose=StatePurpose.ADS)
    with pytest.raises(ValueError):
        signer.issue(ALICE.sub, now=NOW, seller_id=SELLER)


# --- which profiles are the seller's ----------------------------------------------------------
def test_a_profile_is_the_sellers_when_its_marketplace_is_and_its_seller_account_is_this_seller() -> None:
    mine_us, mine_de = profile(US, pid=1), profile(DE, pid=2)
    assert matching_profiles(SELLER, [US, CA], [mine_us, mine_de]) == [mine_us]
    # another seller's account in the same marketplace is not this seller's
    assert matching_profiles(SELLER, [US], [profile(US, OTHER)]) == []
    # an account outside the seller's marketplaces is not either
    assert matching_profiles(SELLER, [CA], [mine_us]) == []
    # a non-seller account (a vendor) counts by marketplace alone
    vendor = profile(US, "ENTITY1VENDOR", kind="vendor")
    assert matching_profiles(SELLER, [US], [vendor]) == [vendor]
    assert matching_profiles(SELLER, [US], []) == []


# --- the service ------------------------------------------------------------------------------
class Fakes:
    def __init__(self) -> None:
        self.now = NOW
        self.nonces: dict[str, tuple[str, datetime]] = {}
        # code -> (refresh token, the Amazon account, the region whose authorize page issued it)
        self.codes = {
            "CODE1": ("Atzr|ads-one", SELLER, "NA"),
            "CODE2": ("Atzr|ads-two", OTHER, "NA"),
            "CODEJP": ("Atzr|ads-jp", SELLER, "FE"),
        }
        # what each region's host lists for an account (a host lists only its region's profiles)
        self.profiles_of = {
            (SELLER, "NA"): [profile(US, pid=11)],
            (SELLER, "EU"): [profile(DE, pid=12)],
            (SELLER, "FE"): [profile(JP, pid=13)],
            (OTHER, "NA"): [profile(US, OTHER, pid=21)],
        }
        self.marketplaces: tuple[str, ...] = (US, CA)
        self.issued: dict[str, str] = {}  # refresh token -> the Amazon account that granted it
        self.stored: dict[str, str] = {}
        self.stored_in: dict[tuple[str, str], str] = {}
        self.exchanged_in: list[str] = []
        self.listed_in: list[str] = []
        self.connected: dict[str, datetime] = {}
        self.audit: list[tuple[str, str, str]] = []
        self.redirects: list[str | None] = []
        self.ads_denied = False

    def state_key(self) -> SecretBytes:
        return KEY

    def put_nonce(self, nonce: str, *, user_binding: str, expires_at: datetime) -> None:
        self.nonces[nonce] = (user_binding, expires_at)

    def consume_nonce(self, nonce: str, *, user_binding: str, now: datetime) -> bool:
        found = self.nonces.get(nonce)
        if found is None or found[0] != user_binding or now >= found[1]:
            return False
        del self.nonces[nonce]
        return True

    def exchange_authorization_code(self, region: AdsRegion, code: str, *, redirect_uri: str) -> SecretStr:
        self.redirects.append(redirect_uri)
        self.exchanged_in.append(region)
        if code not in self.codes or self.codes[code][2] != region:  # LWA: a code of another region
            raise SpApiAuthorizationRevoked("invalid_grant")
        token, account, _ = self.codes.pop(code)
        self.issued[token] = account
        return SecretStr(token)

    def list_profiles_with(
        self, seller_id: str, region: AdsRegion, refresh_token: SecretStr
    ) -> list[AdsProfile]:
        if self.ads_denied:
            raise AdsAccessDenied("no advertising access", operation="listProfiles", status=401)
        self.listed_in.append(region)
        return self.profiles_of.get((self.issued[refresh_token.get_secret_value()], region), [])

    def store_ads_refresh_token(self, seller_id: str, refresh_token: SecretStr, region: AdsRegion) -> None:
        self.stored[seller_id] = refresh_token.get_secret_value()
        self.stored_in[(seller_id, region)] = refresh_token.get_secret_value()

    def get_profile(self, seller_id: str) -> SellerProfile:
        if seller_id != SELLER:
            raise SellerNotFound(f"seller {seller_id} not found")
        return SellerProfile(
            seller_id=SELLER, name="Northwind", status=SellerStatus.ACTIVE, marketplace_ids=self.marketplaces
        )

    def record_ads_authorization(self, seller_id: str, *, connected_at: datetime) -> None:
        self.connected[seller_id] = connected_at

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object:
        self.audit.append((seller_id, actor_sub, action))
        return None


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def service(f: Fakes) -> AdsConnectService:
    config = AdsConnectConfig(authorize_urls=AUTHORIZE, web_origin="https://app.example.test/")
    return AdsConnectService(
        config=config, client_id=lambda: "amzn1.application-oa2-client.test", keys=f, nonces=f, lwa=f,
        profiles=f, vault=f, sellers=f, grants=f, audit=f, clock=lambda: f.now,
    )  # fmt: skip


def start(f: Fakes, user: ConnectUser = ALICE, region: str | None = None) -> dict[str, str]:
    started = service(f).start(user, SELLER, region)
    assert started.expires_at == NOW + timedelta(minutes=10)
    return {k: v[0] for k, v in parse_qs(urlsplit(started.authorize_url).query).items()}


def test_start_sends_the_owner_to_lwa_with_the_advertising_scope_and_a_bound_state(fakes: Fakes) -> None:
    query = start(fakes)
    assert query == {
        "client_id": "amzn1.application-oa2-client.test",
        "scope": "advertising::campaign_management",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": query["state"],
    }
    assert len(fakes.nonces) == 1
    StateSigner(KEY).verify(query["state"], ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)


def test_complete_stores_the_grant_dates_and_audits_it_and_answers_the_sellers_profiles(fakes: Fakes) -> None:
    state = start(fakes)["state"]

    out = service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=state, code="CODE1"))

    assert out.model_dump() == {
        "seller_id": SELLER,
        "region": "NA",
        "profiles": [{"profile_id": "11", "marketplace_id": US, "country_code": "US"}],
    }
    assert fakes.redirects == [REDIRECT]
    assert fakes.stored == {SELLER: "Atzr|ads-one"}
    assert fakes.connected == {SELLER: NOW}
    assert fakes.audit == [(SELLER, ALICE.sub, "connection.ads_authorized")]
    # the same state again is a replay
    with pytest.raises(ConnectStateRejected, match="already used"):
        service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=state, code="CODE1"))


def test_a_grant_of_another_amazon_account_is_a_409_and_stores_nothing(fakes: Fakes) -> None:
    state = start(fakes)["state"]
    with pytest.raises(AdsAccountMismatch, match="another account"):
        service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=state, code="CODE2"))
    assert fakes.stored == {}
    assert fakes.connected == {}
    assert fakes.audit == []


def test_an_spapi_state_another_users_or_an_expired_one_is_refused_before_the_code_is_used(
    fakes: Fakes,
) -> None:
    spapi = StateSigner(KEY).issue(ALICE.sub, now=NOW)
    fakes.put_nonce(
        spapi.claims.nonce, user_binding=spapi.claims.user_binding, expires_at=spapi.claims.expires_at
    )
    with pytest.raises(ConnectStateRejected, match="selling account"):
        service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=spapi.value, code="CODE1"))
    state = start(fakes)["state"]
    with pytest.raises(ConnectStateRejected, match="another user"):
        service(fakes).complete(BOB, SELLER, AdsCallbackIn(state=state, code="CODE1"))
    fakes.now = NOW + timedelta(minutes=10)
    with pytest.raises(ConnectStateRejected, match="expired"):
        service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=state, code="CODE1"))
    assert fakes.redirects == []
    assert fakes.stored == {}


def test_a_refused_code_or_a_grant_without_advertising_access_is_a_400(fakes: Fakes) -> None:
    with pytest.raises(AuthorizationCodeRejected, match="authorization code"):
        service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=start(fakes)["state"], code="UNKNOWN"))
    fakes.ads_denied = True
    with pytest.raises(AuthorizationCodeRejected, match="Amazon Ads refused"):
        service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=start(fakes)["state"], code="CODE1"))
    assert fakes.stored == {}


def test_start_needs_its_settings_and_a_known_seller(fakes: Fakes) -> None:
    with pytest.raises(SellerNotFound):
        service(fakes).start(ALICE, OTHER)
    unset: Any = AdsConnectService(
        config=AdsConnectConfig(authorize_urls={}, web_origin=""), client_id=lambda: "x", keys=fakes,
        nonces=fakes, lwa=fakes, profiles=fakes, vault=fakes, sellers=fakes, grants=fakes, audit=fakes,
    )  # fmt: skip
    with pytest.raises(ConfigurationError, match="ADS_AUTHORIZE_URL"):
        unset.start(ALICE, SELLER)


# --- regions: a grant is given per Amazon Ads region ------------------------------------------------
def test_a_us_and_japan_seller_grants_each_region_on_its_own_page_and_each_grant_is_stored_for_it(
    fakes: Fakes,
) -> None:
    fakes.marketplaces = (US, JP)
    # the default region is the first marketplace's; Japan's grant starts on the Far East page
    assert service(fakes).start(ALICE, SELLER).authorize_url.startswith(AUTHORIZE["NA"] + "?")
    started = service(fakes).start(ALICE, SELLER, "fe")
    assert started.authorize_url.startswith(AUTHORIZE["FE"] + "?")
    state = {k: v[0] for k, v in parse_qs(urlsplit(started.authorize_url).query).items()}["state"]
    claims = StateSigner(KEY).verify(state, ALICE.sub, now=NOW, purpose=StatePurpose.ADS, seller_id=SELLER)
    assert claims.region == "FE"

    out = service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=state, code="CODEJP"))

    assert (out.region, [p.marketplace_id for p in out.profiles]) == ("FE", [JP])
    assert (fakes.exchanged_in, fakes.listed_in) == (["FE"], ["FE"])  # the code and profiles: FE's hosts
    assert fakes.stored_in == {(SELLER, "FE"): "Atzr|ads-jp"}
    na_state = start(fakes, region="NA")["state"]
    service(fakes).complete(ALICE, SELLER, AdsCallbackIn(state=na_state, code="CODE1"))
    assert fakes.stored_in == {(SELLER, "FE"): "Atzr|ads-jp", (SELLER, "NA"): "Atzr|ads-one"}


def test_a_code_is_exchanged_in_its_states_region_and_a_foreign_profile_listed_by_a_host_is_refused(
    fakes: Fakes,
) -> None:
    fakes.marketplaces = (US, JP)
    # a Japan code posted with a state of the NA page: LWA NA refuses it, nothing is stored
    with pytest.raises(AuthorizationCodeRejected):
        service(fakes).complete(
            ALICE, SELLER, AdsCallbackIn(state=start(fakes, region="NA")["state"], code="CODEJP")
        )
    assert fakes.stored_in == {}
    # a host that lists another region's profile: that profile is never taken as the region's
    fakes.profiles_of[(SELLER, "NA")] = [profile(JP, pid=13)]
    with pytest.raises(AdsAccountMismatch, match="in NA"):
        service(fakes).complete(
            ALICE, SELLER, AdsCallbackIn(state=start(fakes, region="NA")["state"], code="CODE1")
        )
    assert fakes.stored_in == {}
    with pytest.raises(InvalidInput, match="region must be one of NA, EU, FE"):
        service(fakes).start(ALICE, SELLER, "ASIA")
