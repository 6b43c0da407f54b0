"""The access review through the API, on fakes: members with role and last activity, the due date,
one-click removal recorded in the audit log, a removed member's still-valid token refused at once,
global sign-out only for a user left with no seller; and Twilio's signed webhooks (403 without a
valid signature, delivery status recorded, STOP/START)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from api_fakes import (
    MARKETPLACE_US,
    NOW,
    POOL_ID,
    REGION,
    SELLER_A,
    FakeAudit,
    FakeOrders,
    FakeSellers,
    Tokens,
    bearer,
)
from chalice.test import Client
from team_fakes import FakeReviews, FakeTeam, FakeUsers
from twilio.request_validator import RequestValidator

from sellerflow.alerts.model import Delivery, DeliveryStatus
from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.api.ports import TwilioWebhookPorts
from sellerflow.api.webhook_app import create_webhook_app
from sellerflow.domain import Role
from sellerflow.members.model import REVIEW_INTERVAL
from sellerflow.settings import Settings

OWNER, ANALYST, SUPPORT = "sub-owner-1", "sub-analyst-1", "sub-support-1"
SELLER_B = "A2SELLERBETA"
SETTINGS = Settings(aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id="testappclient123")


@dataclass
class ReviewWorld:
    client: Any
    tokens: Tokens
    sellers: FakeSellers
    reviews: FakeReviews
    users: FakeUsers
    audit: FakeAudit
    now: list[datetime]

    def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        headers = {**bearer(token), "content-type": "application/json"}
        extra = {"body": json.dumps(body)} if body is not None else {}
        return getattr(self.client.http, method.lower())(path, headers=headers, **extra)


@pytest.fixture
def world(tokens: Tokens, pool_jwks: dict[str, Any]) -> Iterator[ReviewWorld]:
    sellers, audit = FakeSellers(), FakeAudit()
    sellers.add(SELLER_A, "Alpha Mugs", (MARKETPLACE_US,))
    sellers.add(SELLER_B, "Beta Bowls", (MARKETPLACE_US,))
    for sub, role in ((OWNER, Role.OWNER), (ANALYST, Role.ANALYST), (SUPPORT, Role.SUPPORT)):
        sellers.members[(SELLER_A, sub)] = role
    sellers.members[(SELLER_B, SUPPORT)] = Role.SUPPORT  # support works for two sellers
    team = FakeTeam(members_by_key=sellers.members, profiles_by_id=sellers.profiles_by_id)
    reviews = FakeReviews(team)
    users = FakeUsers(by_sub={OWNER: (), ANALYST: (), SUPPORT: ()})
    now = [NOW]
    app = create_app(
        settings=SETTINGS, key_source=StaticKeySource(pool_jwks), sellers=sellers, orders=FakeOrders(),
        audit=audit, clock=lambda: now[0], team=team, users=users, reviews=reviews, activity=reviews,
    )  # fmt: skip
    with Client(app) as client:
        yield ReviewWorld(client, tokens, sellers, reviews, users, audit, now)


def test_the_review_lists_every_member_with_role_last_activity_and_due_date(world: ReviewWorld) -> None:
    analyst = world.tokens.id_token(ANALYST)
    assert world.call("GET", f"/sellers/{SELLER_A}/orders", analyst).status_code == 200
    world.now[0] = NOW + timedelta(minutes=5)
    body = world.call("GET", f"/sellers/{SELLER_A}/access-review", world.tokens.id_token(OWNER)).json_body
    members = {m["user_sub"]: m for m in body["members"]}
    assert set(members) == {OWNER, ANALYST, SUPPORT}
    assert members[ANALYST]["role"] == "analyst"
    assert members[ANALYST]["last_activity"] is not None  # recorded by the membership check
    assert members[SUPPORT]["last_activity"] is None  # never called
    assert body["last_completed_at"] is None
    assert body["due_at"] is not None
    assert "access_review.read" in {a for _, _, a, _ in world.audit.entries}


def test_last_activity_is_written_at_most_once_per_member_per_hour(world: ReviewWorld) -> None:
    token = world.tokens.id_token(OWNER)
    for minutes in (0, 10, 59):
        world.now[0] = NOW + timedelta(minutes=minutes)
        world.call("GET", f"/sellers/{SELLER_A}/members", token)
    assert world.reviews.writes == 1
    world.now[0] = NOW + timedelta(minutes=61)
    world.call("GET", f"/sellers/{SELLER_A}/members", token)
    assert world.reviews.writes == 2


def test_only_owners_see_or_complete_the_review(world: ReviewWorld) -> None:
    analyst = world.tokens.id_token(ANALYST)
    assert world.call("GET", f"/sellers/{SELLER_A}/access-review", analyst).status_code == 403
    assert (
        world.call("POST", f"/sellers/{SELLER_A}/access-review", analyst, {"remove": []}).status_code == 403
    )
    outsider = world.tokens.id_token("sub-nobody")
    assert world.call("GET", f"/sellers/{SELLER_A}/access-review", outsider).status_code == 404


def test_completing_the_review_removes_members_at_once_and_records_it(world: ReviewWorld) -> None:
    analyst_token = world.tokens.id_token(ANALYST)  # issued before the removal, still unexpired
    assert world.call("GET", f"/sellers/{SELLER_A}/orders", analyst_token).status_code == 200
    owner = world.tokens.id_token(OWNER)
    response = world.call("POST", f"/sellers/{SELLER_A}/access-review", owner, {"remove": [ANALYST]})
    assert response.status_code == 200, response.body
    body = response.json_body
    assert {m["user_sub"] for m in body["members"]} == {OWNER, SUPPORT}
    assert body["last_completed_by"] == OWNER
    assert datetime.fromisoformat(body["due_at"]) == NOW + REVIEW_INTERVAL
    assert body["overdue"] is False
    # The same, still valid token is refused on the very next call.
    assert world.call("GET", f"/sellers/{SELLER_A}/orders", analyst_token).status_code == 404
    actions = [(a, r) for _, _, a, r in world.audit.entries]
    assert ("access_review.member_removed", f"member/{ANALYST}") in actions
    assert any(a == "access_review.completed" and f"removed={ANALYST}" in r for a, r in actions)
    assert world.users.signed_out == [ANALYST]  # no seller left: refresh tokens revoked
    review = world.reviews.last_review(SELLER_A)
    assert review is not None
    assert review.kept == (OWNER, SUPPORT)
    assert review.removed == (ANALYST,)


def test_a_member_of_another_seller_keeps_its_session_there(world: ReviewWorld) -> None:
    owner = world.tokens.id_token(OWNER)
    assert world.call("DELETE", f"/sellers/{SELLER_A}/members/{SUPPORT}", owner).status_code == 204
    assert world.users.signed_out == []  # still a member of SELLER_B
    support = world.tokens.id_token(SUPPORT)
    assert world.call("GET", f"/sellers/{SELLER_A}/orders", support).status_code == 404
    assert world.call("GET", f"/sellers/{SELLER_B}/orders", support).status_code == 200


def test_the_review_refuses_unknown_members_and_the_reviewer_itself(world: ReviewWorld) -> None:
    owner = world.tokens.id_token(OWNER)
    path = f"/sellers/{SELLER_A}/access-review"
    assert world.call("POST", path, owner, {"remove": ["sub-stranger"]}).status_code == 400
    assert world.call("POST", path, owner, {"remove": [OWNER]}).status_code == 400
    assert world.call("POST", path, owner, {"remove": "x"}).status_code == 400
    assert world.reviews.last_review(SELLER_A) is None
    assert len(world.sellers.members) == 4


# --- Twilio's webhooks ---------------------------------------------------------------------------
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
BASE = "https://hooks.example.com/dev"
PHONE = "+15005550009"
ALERT = "al_0123456789abcdef01234567"


class StaticSignatures:
    def valid(self, url: str, form: Any, signature: str) -> bool:
        return bool(signature) and RequestValidator(AUTH_TOKEN).validate(url, dict(form), signature)


@dataclass
class FakeLedger:
    deliveries: dict[tuple[str, str, str], Delivery] = field(default_factory=dict)
    opted_out: dict[tuple[str, str], str] = field(default_factory=dict)  # (seller, phone) -> reason
    listed: set[tuple[str, str]] = field(default_factory=set)

    def delivery(self, seller_id: str, alert_id: str, phone: str) -> Delivery | None:
        return self.deliveries.get((seller_id, alert_id, phone))

    def record_provider_status(
        self, seller_id: str, alert_id: str, phone: str, provider_status: str, *, error_code: int | None,
        now: datetime,
    ) -> None:  # fmt: skip
        key = (seller_id, alert_id, phone)
        self.deliveries[key] = self.deliveries[key].model_copy(
            update={"provider_status": provider_status, "error_code": error_code, "updated_at": now}
        )

    def mark_opted_out(self, seller_id: str, phone: str, *, reason: str, now: datetime | None = None) -> None:
        del now
        self.opted_out[(seller_id, phone)] = reason

    def opt_out_everywhere(self, phone: str, *, reason: str, now: datetime) -> int:
        found = [s for s, p in self.listed if p == phone]
        for seller in found:
            self.mark_opted_out(seller, phone, reason=reason, now=now)
        return len(found)

    def opt_in_everywhere(self, phone: str, *, reason: str, now: datetime) -> int:
        del now
        back = [k for k, r in self.opted_out.items() if k[1] == phone and r == reason]
        for key in back:
            del self.opted_out[key]
        return len(back)


@pytest.fixture
def hooks() -> Iterator[tuple[Any, FakeLedger]]:
    ledger = FakeLedger(listed={(SELLER_A, PHONE), (SELLER_B, PHONE)})
    ledger.deliveries[(SELLER_A, ALERT, PHONE)] = Delivery(
        alert_id=ALERT, phone=PHONE, status=DeliveryStatus.SENT, message_sid="SM" + "a" * 32,
        provider_status="queued", updated_at=NOW,
    )  # fmt: skip
    ports = TwilioWebhookPorts(signatures=StaticSignatures(), ledger=ledger)
    settings = SETTINGS.model_copy(update={"twilio_webhook_base_url": BASE})
    app = create_webhook_app(settings=settings, clock=lambda: NOW, twilio_webhooks=lambda: ports)
    with Client(app) as client:
        yield client, ledger


def _post(client: Any, path: str, form: dict[str, str], signature: str | None) -> Any:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["x-twilio-signature"] = signature
    return client.http.post(path, headers=headers, body=urlencode(form))


def _signed(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(BASE + path, form))


STATUS_PATH = f"/webhooks/twilio/status/{SELLER_A}/{ALERT}"
DELIVERED = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": f"whatsapp:{PHONE}"}


@pytest.mark.parametrize(
    "signature",
    [None, "", "bm90LWEtc2lnbmF0dXJl", _signed(STATUS_PATH, DELIVERED, token="f" * 32)],
    ids=["missing", "empty", "forged", "other-account"],
)
def test_a_status_callback_without_a_valid_signature_is_refused(hooks: Any, signature: str | None) -> None:
    client, ledger = hooks
    response = _post(client, STATUS_PATH, DELIVERED, signature)
    assert response.status_code == 403
    assert ledger.deliveries[(SELLER_A, ALERT, PHONE)].provider_status == "queued"


def test_a_signature_over_other_parameters_or_another_url_is_refused(hooks: Any) -> None:
    client, ledger = hooks
    tampered = {**DELIVERED, "MessageStatus": "read"}
    assert _post(client, STATUS_PATH, tampered, _signed(STATUS_PATH, DELIVERED)).status_code == 403
    other = f"/webhooks/twilio/status/{SELLER_B}/{ALERT}"
    assert _post(client, other, DELIVERED, _signed(STATUS_PATH, DELIVERED)).status_code == 403
    assert ledger.deliveries[(SELLER_A, ALERT, PHONE)].provider_status == "queued"


def test_a_signed_status_callback_is_recorded_and_never_moves_back(hooks: Any) -> None:
    client, ledger = hooks
    response = _post(client, STATUS_PATH, DELIVERED, _signed(STATUS_PATH, DELIVERED))
    assert response.status_code == 204
    assert ledger.deliveries[(SELLER_A, ALERT, PHONE)].provider_status == "delivered"
    late = {**DELIVERED, "MessageStatus": "sent"}
    assert (
        _post(client, STATUS_PATH, late, _signed(STATUS_PATH, late)).headers["X-Sellerflow-Result"] == "stale"
    )
    assert ledger.deliveries[(SELLER_A, ALERT, PHONE)].provider_status == "delivered"
    unknown = {**DELIVERED, "MessageSid": "SM" + "b" * 32}
    result = _post(client, STATUS_PATH, unknown, _signed(STATUS_PATH, unknown)).headers["X-Sellerflow-Result"]
    assert result == "unknown_message"


def test_stop_opts_the_number_out_everywhere_at_once_and_start_undoes_it(hooks: Any) -> None:
    client, ledger = hooks
    path = "/webhooks/twilio/inbound"
    stop = {"From": f"whatsapp:{PHONE}", "Body": " stop ", "MessageSid": "SM" + "c" * 32}
    assert _post(client, path, stop, None).status_code == 403
    assert ledger.opted_out == {}
    response = _post(client, path, stop, _signed(path, stop))
    assert response.status_code == 200
    assert "<Response>" in response.body.decode()
    assert ledger.opted_out == {(SELLER_A, PHONE): "unsubscribed", (SELLER_B, PHONE): "unsubscribed"}
    start = {**stop, "Body": "START"}
    assert _post(client, path, start, _signed(path, start)).status_code == 200
    assert ledger.opted_out == {}
    chatter = {**stop, "Body": "hello, what is my stock?"}
    assert _post(client, path, chatter, _signed(path, chatter)).headers["X-Sellerflow-Result"] == "ignored"
