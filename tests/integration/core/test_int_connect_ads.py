"""Granting Amazon Ads access against moto (real stores, KMS-encrypted vault) and the simulator over
HTTP: LWA's /ap/oa page, the code exchange, the profiles listed with the new grant."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from int_core_support import StaticAppCredentials
from pydantic import SecretBytes

from sellerflow.ads.client import AdsClient, RegionalAdsClient
from sellerflow.amazon.ads import ADS_REGIONS, ads_region_of_marketplace
from sellerflow.connect.ads import AdsConnectConfig, AdsConnectService
from sellerflow.connect.models import AdsCallbackIn
from sellerflow.connect.service import ConnectUser
from sellerflow.errors import AdsAccountMismatch, ConnectStateRejected, CredentialsMissing
from sellerflow.spapi.lwa import LwaClient
from sellerflow.store.audit import AuditLog
from sellerflow.store.connections import ConnectionStore, ConnectStateStore
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.sellers import SellerStore
from sellerflow_dev.simulator import SimServer

WEB = "http://127.0.0.1:9"
USER = ConnectUser("sub-owner", "owner@example.test")


class Key:
    def state_key(self) -> SecretBytes:
        return SecretBytes(b"integration-state-key-0123456789abcdef")


@pytest.fixture
def http() -> Any:
    with httpx.Client(timeout=10) as client:
        yield client


def build(sim: SimServer, kms_key_arn: str, http: httpx.Client) -> AdsConnectService:
    app = StaticAppCredentials(sim.world.client_id, sim.world.client_secret)
    vault = CredentialVault(kms_key_arn)
    ads = RegionalAdsClient(
        {
            region: AdsClient(
                endpoint=sim.ads_endpoint(region), client_id=sim.world.client_id,
                lwa=LwaClient(sim.ads_lwa_endpoint(region), app, http), refresh_tokens=vault, http=http,
                region=region,
            )
            for region in ADS_REGIONS
        }
    )  # fmt: skip
    return AdsConnectService(
        config=AdsConnectConfig(
            authorize_urls={region: sim.ads_authorize_url_of(region) for region in ADS_REGIONS}, web_origin=WEB
        ),
        client_id=lambda: sim.world.client_id, keys=Key(), nonces=ConnectStateStore(), lwa=ads,
        profiles=ads, vault=vault, sellers=SellerStore(), grants=ConnectionStore(), audit=AuditLog(),
    )  # fmt: skip


def sign_in_and_allow(http: httpx.Client, authorize_url: str, account: str) -> AdsCallbackIn:
    """The owner's browser: LWA's page, then Allow as `account`; what comes back on the redirect_uri."""
    page = http.get(authorize_url)
    assert page.status_code == 200
    assert 'id="authorize-form"' in page.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    answer = http.post(authorize_url.split("?")[0], data=query | {"seller": account, "decision": "allow"})
    assert answer.status_code == 302
    landing = answer.headers["location"]
    assert landing.startswith(f"{WEB}/connect-ads-callback.html?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(landing).query).items()}
    return AdsCallbackIn(state=params["state"], code=params["code"])


def test_an_owner_grants_amazon_ads_and_the_grant_is_stored_encrypted_dated_and_audited(
    aws: Any, kms_key_arn: str, sim: SimServer, http: httpx.Client
) -> None:
    seller = sim.world.sellers[0]
    SellerStore().put_profile(seller.seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)
    service = build(sim, kms_key_arn, http)
    vault = CredentialVault(kms_key_arn)
    with pytest.raises(CredentialsMissing):
        vault.ads_refresh_token(seller.seller_id)

    # one grant per Amazon Ads region the seller sells in (US: NA, Germany: EU, Japan: FE)
    for region in ("NA", "EU", "FE"):
        started = service.start(USER, seller.seller_id, region)
        assert started.authorize_url.startswith(sim.ads_authorize_url_of(region) + "?")
        callback = sign_in_and_allow(http, started.authorize_url, seller.seller_id)
        out = service.complete(USER, seller.seller_id, callback)

        assert (out.seller_id, out.region) == (seller.seller_id, region)
        assert {p.marketplace_id for p in out.profiles} == {
            m for m in seller.marketplace_ids if ads_region_of_marketplace(m) == region
        }
        stored = vault.ads_refresh_token(seller.seller_id, region).get_secret_value()
        assert stored == seller.ads_refresh_tokens[region]
    assert len(set(seller.ads_refresh_tokens.values())) == 3  # three grants, three tokens
    raw = str(aws.scan(TableName="SellersTable")["Items"])
    assert all(token not in raw for token in seller.ads_refresh_tokens.values())  # encrypted at rest
    assert "CONNECT#" not in raw  # the nonce was consumed
    grant = ConnectionStore().ads_authorization(seller.seller_id)
    assert grant.connected
    assert grant.regions == ("NA", "EU", "FE")
    assert grant.connected_at is not None
    assert [(e.action, e.actor) for e in AuditLog().entries(seller.seller_id)] == [
        ("connection.ads_authorized", USER.sub)
    ] * 3
    # the same state again is a replay
    with pytest.raises(ConnectStateRejected):
        service.complete(USER, seller.seller_id, callback)


def test_a_grant_by_another_amazon_account_is_refused_and_nothing_is_stored(
    aws: Any, kms_key_arn: str, sim: SimServer, http: httpx.Client
) -> None:
    seller, other = sim.world.sellers[0], sim.world.sellers[1]
    SellerStore().put_profile(seller.seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)
    service = build(sim, kms_key_arn, http)

    callback = sign_in_and_allow(http, service.start(USER, seller.seller_id).authorize_url, other.seller_id)
    with pytest.raises(AdsAccountMismatch, match="another account"):
        service.complete(USER, seller.seller_id, callback)

    assert not ConnectionStore().ads_authorization(seller.seller_id).connected
    with pytest.raises(CredentialsMissing):
        CredentialVault(kms_key_arn).ads_refresh_token(seller.seller_id)
