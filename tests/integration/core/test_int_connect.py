"""The connect callback against moto (real stores, KMS-encrypted vault) and the simulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from int_core_support import Port
from pydantic import SecretBytes

from sellerflow.connect import ConnectionStatus
from sellerflow.connect.models import ConnectCallbackIn
from sellerflow.connect.service import ConnectConfig, ConnectService, ConnectUser
from sellerflow.domain import Role, SellerStatus
from sellerflow.errors import ConnectStateRejected, SellerAlreadyConnected, SellerIdentityMismatch
from sellerflow.store.audit import AuditLog
from sellerflow.store.connections import ConnectionStore, ConnectStateStore
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.sellers import SellerStore
from sellerflow.sync.fanout import list_due_sellers
from sellerflow_dev.simulator import SimServer

WEB = "http://127.0.0.1:9"
USER = ConnectUser("sub-owner", "owner@example.test")


class Key:
    def state_key(self) -> SecretBytes:
        return SecretBytes(b"integration-state-key-0123456789abcdef")


class Starter:
    def __init__(self) -> None:
        self.names: list[str] = []

    def start(self, *, name: str, payload: str) -> bool:
        if name in self.names:
            return False
        self.names.append(name)
        return True


def build(sim: SimServer, port: Port, kms_key_arn: str, starter: Starter) -> ConnectService:
    config = ConnectConfig(application_id=sim.application_id, consent_url=sim.consent_url, web_origin=WEB)
    return ConnectService(
        config=config, keys=Key(), nonces=ConnectStateStore(), lwa=port.client.lwa,
        vault=CredentialVault(kms_key_arn), participations=port.client, connections=ConnectionStore(),
        members=SellerStore(), starter=starter, audit=AuditLog(),
    )  # fmt: skip


def consent(authorize_url: str, seller_id: str) -> ConnectCallbackIn:
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    base = authorize_url.split("?")[0]
    answer = httpx.post(base, data=query | {"seller": seller_id, "decision": "authorize"})
    assert answer.status_code == 302
    params = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    return ConnectCallbackIn.model_validate(params)


def test_a_connection_is_stored_encrypted_owned_dated_and_synced(
    aws: Any, kms_key_arn: str, sim: SimServer, make_port: Any
) -> None:
    starter = Starter()
    service = build(sim, make_port(sim, refresh_tokens=CredentialVault(kms_key_arn)), kms_key_arn, starter)
    seller = sim.world.sellers[1]
    callback = consent(service.start(USER).authorize_url, seller.seller_id)

    result = service.complete(USER, callback)

    assert result.seller_id == seller.seller_id
    assert result.marketplace_ids == seller.marketplace_ids
    assert result.name == seller.name
    assert result.status is ConnectionStatus.ACTIVE
    assert (
        CredentialVault(kms_key_arn).refresh_token(seller.seller_id).get_secret_value()
        == seller.refresh_token
    )
    raw = str(aws.scan(TableName="SellersTable")["Items"])
    assert seller.refresh_token not in raw  # envelope-encrypted at rest
    assert "CONNECT#" not in raw  # the nonce was consumed
    membership = SellerStore().membership(seller.seller_id, USER.sub)
    assert membership is not None
    assert membership.role is Role.OWNER
    assert starter.names == [result.sync_execution.execution_name]
    view = service.connection(seller.seller_id)
    assert view.status is ConnectionStatus.ACTIVE
    assert view.days_left == 365
    # a replay of the same state is refused
    with pytest.raises(ConnectStateRejected):
        service.complete(USER, callback)


def test_the_fanout_marks_a_lapsed_seller_and_a_reconnect_brings_it_back(
    aws: Any, kms_key_arn: str, sim: SimServer, make_port: Any
) -> None:
    service = build(sim, make_port(sim, refresh_tokens=CredentialVault(kms_key_arn)), kms_key_arn, Starter())
    seller = sim.world.sellers[0]
    service.complete(USER, consent(service.start(USER).authorize_url, seller.seller_id))
    store = ConnectionStore()
    year_later = datetime.now(UTC) + timedelta(days=366)

    due = list_due_sellers(year_later, sellers=store, window_minutes=15)

    assert seller.seller_id not in [s.seller_id for s in due.sellers]
    assert store.connection(seller.seller_id).status is SellerStatus.LAPSED
    assert seller.seller_id not in [s.seller_id for s in store.scheduled_sellers()]
    # reconnecting re-activates and extends
    again = service.complete(USER, consent(service.start(USER).authorize_url, seller.seller_id))
    assert again.reconnected
    assert again.status is ConnectionStatus.ACTIVE
    assert store.connection(seller.seller_id).status is SellerStatus.ACTIVE


def test_an_edited_seller_id_cannot_claim_a_connected_seller(
    aws: Any, kms_key_arn: str, sim: SimServer, make_port: Any
) -> None:
    # Given the first simulated seller connected by its owner
    service = build(sim, make_port(sim, refresh_tokens=CredentialVault(kms_key_arn)), kms_key_arn, Starter())
    real, other = sim.world.sellers[0], sim.world.sellers[1]
    service.complete(USER, consent(service.start(USER).authorize_url, real.seller_id))
    squatter = ConnectUser("sub-squatter")

    # When another user consents as the other Amazon account and edits the callback's id to the first
    edited = consent(service.start(squatter).authorize_url, other.seller_id).model_copy(
        update={"selling_partner_id": real.seller_id}
    )
    with pytest.raises(SellerAlreadyConnected):
        service.complete(squatter, edited)
    # And the owner does the same (another account of theirs, or the wrong one signed in)
    swapped = consent(service.start(USER).authorize_url, other.seller_id).model_copy(
        update={"selling_partner_id": real.seller_id}
    )
    with pytest.raises(SellerIdentityMismatch):
        service.complete(USER, swapped)

    # Then the seller keeps its token, profile and team, and both attempts are in its audit chain
    vault = CredentialVault(kms_key_arn)
    assert vault.refresh_token(real.seller_id).get_secret_value() == real.refresh_token
    (profile,) = SellerStore().profiles([real.seller_id])
    assert (profile.name, list(profile.marketplace_ids)) == (real.name, real.marketplace_ids)
    assert SellerStore().membership(real.seller_id, squatter.sub) is None
    actions = [e.action for e in AuditLog().entries(real.seller_id)]
    assert actions[:2] == ["connection.identity_mismatch", "connection.claim_refused"]
    assert AuditLog().verify(real.seller_id).ok
    # And the real account still reconnects
    assert service.complete(USER, consent(service.start(USER).authorize_url, real.seller_id)).reconnected


def test_the_proof_reads_the_consenting_account_whatever_id_is_claimed(
    aws: Any, kms_key_arn: str, sim: SimServer, make_port: Any
) -> None:
    # Given a consent by the second simulated account whose redirect was edited to the first's id
    port = make_port(sim, refresh_tokens=CredentialVault(kms_key_arn))
    real, consenting = sim.world.sellers[0], sim.world.sellers[1]
    config = ConnectConfig(application_id=sim.application_id, consent_url=sim.consent_url, web_origin=WEB)
    edited = consent(build(sim, port, kms_key_arn, Starter()).start(USER).authorize_url, consenting.seller_id)
    edited = edited.model_copy(update={"selling_partner_id": real.seller_id})
    token = port.client.lwa.exchange_authorization_code(
        edited.spapi_oauth_code, redirect_uri=config.redirect_uri
    )

    # When the token's participations are read for the claimed id
    shown = port.client.participations_proven_by(token, claimed_seller_id=real.seller_id)

    # Then Amazon (the simulator) answers for the account behind the token, not for the claim
    assert {p.store_name for p in shown} == {consenting.name}
    assert [p.marketplace.id for p in shown] == consenting.marketplace_ids
