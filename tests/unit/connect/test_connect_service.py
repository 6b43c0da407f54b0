"""The callback's rules, with in-memory collaborators: single use, user binding, reconnects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretBytes, SecretStr

from sellerflow.amazon.spapi import MarketplaceParticipation
from sellerflow.connect import ConnectionStatus
from sellerflow.connect.models import ConnectCallbackIn
from sellerflow.connect.service import ConnectConfig, ConnectService, ConnectUser
from sellerflow.domain import Membership, Role, SellerConnection, SellerProfile, SellerStatus, SyncState
from sellerflow.errors import (
    AuthorizationCodeRejected,
    ConnectStateRejected,
    Forbidden,
    SellerAlreadyConnected,
    SellerIdentityMismatch,
    SpApiAuthorizationRevoked,
)

SELLER = "A1NEWSELLER01"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALICE, BOB = ConnectUser("sub-alice", "alice@example.test"), ConnectUser("sub-bob")


class Fakes:
    def __init__(self) -> None:
        self.now = NOW
        self.nonces: dict[str, tuple[str, datetime]] = {}
        self.codes = {
            "CODE1": "Atzr|one",
            "CODE2": "Atzr|two",
            "CODE3": "Atzr|three",
            "MALLORY": "Atzr|mallory",  # a consent by another Amazon account (store Southwind)
        }
        self.tokens: dict[str, str] = {}
        self.stored: dict[str, SellerConnection] = {}
        self.named: dict[str, SellerProfile] = {}
        self.read_with: list[tuple[str, str]] = []  # (refresh token, claimed id) of each proof
        self.members: dict[tuple[str, str], Role] = {}
        self.started: list[str] = []
        self.audit: list[str] = []

    # keys / nonces
    def state_key(self) -> SecretBytes:
        return SecretBytes(b"k" * 40)

    def put_nonce(self, nonce: str, *, user_binding: str, expires_at: datetime) -> None:
        self.nonces[nonce] = (user_binding, expires_at)

    def consume_nonce(self, nonce: str, *, user_binding: str, now: datetime) -> bool:
        found = self.nonces.get(nonce)
        if found is None or found[0] != user_binding or now >= found[1]:
            return False
        del self.nonces[nonce]
        return True

    # LWA / vault / participations
    def exchange_authorization_code(self, code: str, *, redirect_uri: str | None = None) -> SecretStr:
        assert redirect_uri == "https://app.example.test/connect-callback.html"
        if code not in self.codes:
            raise SpApiAuthorizationRevoked("invalid_grant")
        return SecretStr(self.codes.pop(code))

    def store_refresh_token(self, seller_id: str, refresh_token: SecretStr) -> None:
        self.tokens[seller_id] = refresh_token.get_secret_value()

    def participations_proven_by(
        self, refresh_token: SecretStr, *, claimed_seller_id: str
    ) -> list[MarketplaceParticipation]:
        # Like Amazon: what the token shows depends on the account behind it, never on the claim.
        token = refresh_token.get_secret_value()
        self.read_with.append((token, claimed_seller_id))
        entry = {
            "marketplace": {"id": "ATVPDKIKX0DER", "name": "Amazon.com"},
            "storeName": "Southwind" if token == "Atzr|mallory" else "Northwind",
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
        }
        left = {**entry, "marketplace": {"id": "A1PA6795UKMFR9"}, "participation": {"isParticipating": False}}
        return [MarketplaceParticipation.model_validate(e) for e in (entry, left)]

    # connections / members
    def find(self, seller_id: str) -> SellerConnection | None:
        return self.stored.get(seller_id)

    def connection(self, seller_id: str) -> SellerConnection:
        return self.stored[seller_id]

    def record_authorization(self, seller_id: str, **kw: object) -> SellerProfile:
        self.stored[seller_id] = SellerConnection(
            seller_id=seller_id,
            status=SellerStatus.ACTIVE,
            authorized_at=kw["authorized_at"],  # type: ignore[arg-type]
            authorization_expires_at=kw["expires_at"],  # type: ignore[arg-type]
            sync_every_minutes=kw["sync_every_minutes"],  # type: ignore[arg-type]
        )
        self.named[seller_id] = SellerProfile(
            seller_id=seller_id,
            name=str(kw["name"]),
            status=SellerStatus.ACTIVE,
            marketplace_ids=tuple(kw["marketplace_ids"]),  # type: ignore[arg-type]
        )
        return self.named[seller_id]

    def profiles(self, seller_ids: object) -> list[SellerProfile]:
        return [self.named[s] for s in seller_ids if s in self.named]  # type: ignore[attr-defined]

    def membership(self, seller_id: str, user_sub: str) -> Membership | None:
        role = self.members.get((seller_id, user_sub))
        return None if role is None else Membership(seller_id=seller_id, user_sub=user_sub, role=role)

    def add_member(
        self, seller_id: str, user_sub: str, role: Role, *, email: str | None = None
    ) -> Membership:
        self.members[(seller_id, user_sub)] = role
        return Membership(seller_id=seller_id, user_sub=user_sub, role=role)

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState:
        return SyncState(seller_id=seller_id)

    # workflows / audit
    def start(self, *, name: str, payload: str) -> bool:
        if name in self.started:
            return False
        self.started.append(name)
        return True

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object:
        self.audit.append(action)
        return None


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def service(f: Fakes, push: object = None) -> ConnectService:
    config = ConnectConfig(
        application_id="amzn1.sp.solution.test",
        consent_url="https://sellercentral.example.test/apps/authorize/consent",
        web_origin="https://app.example.test",
        draft_app=True,
        push_sync_every_minutes=60,
    )
    return ConnectService(
        config=config, keys=f, nonces=f, lwa=f, vault=f, participations=f, connections=f,
        members=f, starter=f, audit=f, clock=lambda: f.now, push=push,  # type: ignore[arg-type]
    )  # fmt: skip


def state_for(f: Fakes, user: ConnectUser) -> str:
    url = service(f).start(user).authorize_url
    query = parse_qs(urlsplit(url).query)
    assert query["redirect_uri"] == ["https://app.example.test/connect-callback.html"]
    assert query["version"] == ["beta"]
    assert query["application_id"] == ["amzn1.sp.solution.test"]
    return query["state"][0]


def callback(state: str, code: str = "CODE1", seller: str = SELLER) -> ConnectCallbackIn:
    return ConnectCallbackIn(state=state, selling_partner_id=seller, spapi_oauth_code=code)


def test_a_first_connection_creates_the_owner_the_dated_profile_and_the_first_sync(fakes: Fakes) -> None:
    result = service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    assert result.seller_id == SELLER
    assert (result.name, result.marketplace_ids) == ("Northwind", ["ATVPDKIKX0DER"])
    assert result.status is ConnectionStatus.ACTIVE
    assert not result.reconnected
    assert result.expires_at - result.authorized_at == timedelta(days=365)
    assert fakes.tokens[SELLER] == "Atzr|one"
    assert fakes.members[(SELLER, ALICE.sub)] is Role.OWNER
    assert result.sync_execution.execution_name == f"{SELLER}-20260301T1200"
    assert result.sync_execution.status == "started"
    assert fakes.audit == ["connection.authorized"]
    assert fakes.stored[SELLER].sync_every_minutes == 15


def test_a_state_is_single_use(fakes: Fakes) -> None:
    state = state_for(fakes, ALICE)
    service(fakes).complete(ALICE, callback(state))
    with pytest.raises(ConnectStateRejected, match="already used"):
        service(fakes).complete(ALICE, callback(state, code="CODE2"))
    assert fakes.tokens[SELLER] == "Atzr|one"


def test_another_users_state_is_refused_and_stays_usable_by_its_owner(fakes: Fakes) -> None:
    state = state_for(fakes, ALICE)
    with pytest.raises(ConnectStateRejected, match="another user"):
        service(fakes).complete(BOB, callback(state))
    assert service(fakes).complete(ALICE, callback(state)).seller_id == SELLER


def test_an_expired_state_is_refused(fakes: Fakes) -> None:
    state = state_for(fakes, ALICE)
    fakes.now = NOW + timedelta(minutes=10)
    with pytest.raises(ConnectStateRejected, match="expired"):
        service(fakes).complete(ALICE, callback(state))
    assert SELLER not in fakes.tokens


def test_a_refused_code_stores_nothing(fakes: Fakes) -> None:
    with pytest.raises(AuthorizationCodeRejected):
        service(fakes).complete(ALICE, callback(state_for(fakes, ALICE), code="NOPE"))
    assert fakes.tokens == {}
    assert fakes.stored == {}


def test_an_owner_reconnects_a_revoked_seller_with_a_fresh_token_and_a_new_year(fakes: Fakes) -> None:
    service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    fakes.stored[SELLER] = fakes.stored[SELLER].model_copy(update={"status": SellerStatus.REVOKED})
    fakes.now = NOW + timedelta(days=300)
    result = service(fakes).complete(ALICE, callback(state_for(fakes, ALICE), code="CODE2"))
    assert result.reconnected
    assert result.status is ConnectionStatus.ACTIVE
    assert fakes.tokens[SELLER] == "Atzr|two"
    assert result.expires_at == fakes.now + timedelta(days=365)
    assert fakes.audit[-1] == "connection.reauthorized"


def test_a_connected_seller_is_never_handed_to_another_team(fakes: Fakes) -> None:
    service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    with pytest.raises(SellerAlreadyConnected):
        service(fakes).complete(BOB, callback(state_for(fakes, BOB), code="CODE2"))
    assert fakes.tokens[SELLER] == "Atzr|one"
    assert (SELLER, BOB.sub) not in fakes.members
    # the claim is refused before the code is exchanged, and the seller's owners see it
    assert "CODE2" in fakes.codes
    assert fakes.audit == ["connection.authorized", "connection.claim_refused"]


def test_a_squatter_who_edits_the_callback_to_a_connected_id_is_refused_and_audited(fakes: Fakes) -> None:
    # Given Alice's seller, When Bob consents as his own Amazon account and edits the id to Alice's
    service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    with pytest.raises(SellerAlreadyConnected, match="ask one of its owners"):
        service(fakes).complete(BOB, callback(state_for(fakes, BOB), code="MALLORY", seller=SELLER))
    # Then nothing of Alice's seller changed, and the attempt is in its audit chain
    assert fakes.tokens == {SELLER: "Atzr|one"}
    assert fakes.named[SELLER].name == "Northwind"
    assert [k for k in fakes.members if k[0] == SELLER] == [(SELLER, ALICE.sub)]
    assert fakes.audit[-1] == "connection.claim_refused"


def test_an_owner_cannot_swap_another_amazon_account_into_a_seller(fakes: Fakes) -> None:
    # Given Alice owns the seller, When she consents as another Amazon account (edited id or mistake)
    service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    with pytest.raises(SellerIdentityMismatch, match="not seller"):
        service(fakes).complete(ALICE, callback(state_for(fakes, ALICE), code="MALLORY"))
    # Then the stored token and profile stay, the proof used the new token, the attempt is audited
    assert fakes.tokens[SELLER] == "Atzr|one"
    assert fakes.named[SELLER].name == "Northwind"
    assert fakes.read_with[-1] == ("Atzr|mallory", SELLER)
    assert fakes.audit[-1] == "connection.identity_mismatch"
    # and a consent by the real account still reconnects
    assert service(fakes).complete(ALICE, callback(state_for(fakes, ALICE), code="CODE2")).reconnected
    assert fakes.tokens[SELLER] == "Atzr|two"


def test_only_an_owner_reconnects(fakes: Fakes) -> None:
    service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    fakes.members[(SELLER, BOB.sub)] = Role.ANALYST
    with pytest.raises(Forbidden):
        service(fakes).complete(BOB, callback(state_for(fakes, BOB), code="CODE2"))
    assert fakes.audit[-1] == "connection.claim_refused"


def test_a_seller_being_erased_cannot_be_reconnected(fakes: Fakes) -> None:
    service(fakes).complete(ALICE, callback(state_for(fakes, ALICE)))
    fakes.stored[SELLER] = fakes.stored[SELLER].model_copy(update={"status": SellerStatus.ERASING})
    with pytest.raises(SellerAlreadyConnected, match="erased"):
        service(fakes).complete(ALICE, callback(state_for(fakes, ALICE), code="CODE2"))


class _Push:
    def __init__(self, fails: bool = False) -> None:
        self.fails = fails
        self.subscribed: list[str] = []

    def subscribe(self, seller_id: str) -> object:
        if self.fails:
            raise SpApiAuthorizationRevoked("createSubscription refused")
        self.subscribed.append(seller_id)
        return None


def test_a_connected_seller_is_subscribed_to_amazons_notifications(fakes: Fakes) -> None:
    push = _Push()
    service(fakes, push).complete(ALICE, callback(state_for(fakes, ALICE)))
    assert push.subscribed == [SELLER]
    # and, pushed, it is polled only as the safety net: the slower cadence
    assert fakes.stored[SELLER].sync_every_minutes == 60


def test_a_failed_subscription_never_fails_the_connection_polling_is_the_safety_net(fakes: Fakes) -> None:
    result = service(fakes, _Push(fails=True)).complete(ALICE, callback(state_for(fakes, ALICE)))
    assert result.sync_execution.status == "started"
    assert fakes.audit == ["connection.authorized"]
    assert fakes.stored[SELLER].sync_every_minutes == 15
