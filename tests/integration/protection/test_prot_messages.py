"""Buyer messages in moto: inbound mail into threads, bodies only as ciphertext, the order context,
rejections that store nothing, idempotent redelivery, expiry and the long-lived control items."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prot_support import SETTINGS, TABLES, raw_items

from sellerflow.domain import Order, OrderLine
from sellerflow.messages.model import ThreadState
from sellerflow.messages.service import InboundService, Rejection
from sellerflow.store.labels import LabelDataStore
from sellerflow.store.messages import MessageSettingsStore, MessageVault, ThreadStore
from sellerflow.store.orders import OrderStore
from sellerflow.store.sweeper import is_long_lived

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "messages"))
from eml_samples import ORDER, RELAY, multipart_shift_jis, not_from_relay, plain_qp_cp1252

SELLER = "A1MSGSELLER"
DOMAIN = "inbound.test"
CANARY = "Jane PII-CANARY-7a7a"
NOW = datetime.now(UTC).replace(microsecond=0)


class Clock:
    now = NOW

    def __call__(self) -> datetime:
        return self.now


def seed_order() -> None:
    OrderStore().upsert(
        [
            Order(
                seller_id=SELLER, order_id=ORDER, marketplace_id="A1PA6795UKMFR9", created_time=NOW - timedelta(days=3),
                last_updated_time=NOW - timedelta(days=2), local_date=(NOW - timedelta(days=3)).date(), status="Shipped",
                fulfilled_by="MERCHANT", currency="EUR",
                lines=(OrderLine(order_item_id="1", seller_sku="MUG-1", title="Blue mug", quantity_ordered=2),),
            )
        ],
        now=NOW,
    )  # fmt: skip


@pytest.fixture
def inbound(aws: Any, pii_key_arn: str) -> tuple[InboundService, MessageVault, Clock]:
    clock = Clock()
    vault = MessageVault(pii_key_arn, clock=clock)
    service = InboundService(
        inbound_domain=DOMAIN, tokens=MessageSettingsStore(), orders=OrderStore(), shipments=LabelDataStore(),
        threads=ThreadStore(), messages=vault, clock=clock,
    )  # fmt: skip
    seed_order()
    return service, vault, clock


def test_a_buyer_mail_becomes_a_thread_with_order_context_and_an_encrypted_body(
    aws: Any, inbound: Any
) -> None:
    service, vault, clock = inbound
    to = service.inbound_address(SELLER)
    assert to.endswith(f"@{DOMAIN}")
    assert SELLER not in to
    outcome = service.receive(plain_qp_cp1252(to, f"Hallo, wo ist meine Bestellung?\nGrüße\n{CANARY}\n"))
    assert outcome.accepted
    assert outcome.seller_id == SELLER
    thread = ThreadStore().get(SELLER, outcome.thread_id)
    assert thread is not None
    assert thread.state is ThreadState.NEW
    assert thread.messages == 1
    assert thread.due_at == clock.now + timedelta(hours=24)
    assert thread.intent == "where_is_my_order"
    assert thread.order is not None
    assert thread.order.items == ("2 x Blue mug",)
    assert (thread.order.status, thread.order.fulfilment_channel, thread.order.known) == (
        "Shipped",
        "MFN",
        True,
    )
    [message] = vault.messages(SELLER, outcome.thread_id, decrypt=True)
    assert message.content is not None
    assert CANARY in message.content.body
    assert message.content.relay_address == RELAY
    assert vault.messages(SELLER, outcome.thread_id, decrypt=False)[0].content is None
    # Nothing of the buyer in clear in any table: not the text, not the relay address.
    for kind, table in TABLES.items():
        for item in raw_items(aws, table):
            dumped = repr(item)
            leaked = [v for v in ("PII-CANARY", RELAY, "Grüße") if v in dumped]
            assert leaked == [], kind


def test_the_same_mail_twice_is_one_message_and_a_reply_joins_the_thread(inbound: Any) -> None:
    service, vault, _ = inbound
    to = service.inbound_address(SELLER)
    raw = plain_qp_cp1252(to, "Wo ist meine Bestellung?")
    first = service.receive(raw)
    again = service.receive(raw)
    assert again.duplicate
    assert again.thread_id == first.thread_id
    service.receive(
        plain_qp_cp1252(to, "Noch einmal: wo ist sie?").replace(b"Message-ID: <msg-", b"Message-ID: <msg2-")
    )
    assert len(vault.messages(SELLER, first.thread_id, decrypt=False)) == 2
    assert ThreadStore().get(SELLER, first.thread_id).messages == 2


def test_rejections_store_nothing(aws: Any, inbound: Any) -> None:
    service, _, _ = inbound
    to = service.inbound_address(SELLER)
    before = {t: len(raw_items(aws, t)) for t in TABLES.values()}
    assert service.receive(not_from_relay(to)).rejected is Rejection.NOT_FROM_RELAY
    assert (
        service.receive(plain_qp_cp1252("sabc-0000000000@inbound.test", "x")).rejected
        is Rejection.UNKNOWN_RECIPIENT
    )
    wrong_token = to.replace(to.split("-")[1].split("@")[0], "ffffffffffff")
    assert service.receive(plain_qp_cp1252(wrong_token, "x")).rejected is Rejection.UNKNOWN_RECIPIENT
    assert (
        service.receive(plain_qp_cp1252(to.replace(DOMAIN, "other.test"), "x")).rejected
        is Rejection.UNKNOWN_RECIPIENT
    )
    assert service.receive(b"").rejected is Rejection.UNPARSEABLE
    assert {t: len(raw_items(aws, t)) for t in TABLES.values()} == before


def test_unknown_order_and_expiry_of_every_item(aws: Any, inbound: Any) -> None:
    service, vault, clock = inbound
    to = service.inbound_address(SELLER)
    outcome = service.receive(multipart_shift_jis(to, "商品が届いていません。", order="999-0000000-0000000"))
    thread = ThreadStore().get(SELLER, outcome.thread_id)
    assert thread.order is not None
    assert thread.order.known is False
    assert vault.messages(SELLER, outcome.thread_id, decrypt=True)[0].attachments[0].filename == "photo.pdf"
    for kind, table in TABLES.items():
        for item in raw_items(aws, table):
            sk = item["sk"]["S"]
            if sk.startswith("MSG"):
                if is_long_lived(kind, sk):
                    assert "expires_at" not in item
                else:
                    expires = datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC)
                    assert NOW < expires <= NOW + timedelta(days=30), sk
    clock.now = NOW + timedelta(days=31)  # read past expiry: nothing comes back, even before TTL runs
    assert vault.messages(SELLER, outcome.thread_id, decrypt=True) == []


def test_a_mail_about_an_order_past_the_hot_window_finds_it_in_the_history_archive(
    aws: Any, pii_key_arn: str
) -> None:
    import boto3

    from sellerflow.errors import OrderNotFound
    from sellerflow.store.history import HistoryObjects
    from sellerflow.store.history_archiver import HistoryArchiver
    from sellerflow.wiring.messages import _inbound

    # Given the deployment's settings (the raw-documents bucket holds the history archive) and an
    # order of 200 days ago that the archive job has moved out of DynamoDB
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="raw-documents")
    data_key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    settings = SETTINGS.model_copy(
        update={
            "raw_bucket": "raw-documents",
            "data_key_id": data_key,
            "pii_key_id": pii_key_arn,
            "messages_inbound_domain": DOMAIN,
        }
    )
    purchased = NOW - timedelta(days=200)
    OrderStore().upsert(
        [
            Order(
                seller_id=SELLER, order_id=ORDER, marketplace_id="A1PA6795UKMFR9", created_time=purchased,
                last_updated_time=purchased + timedelta(days=2), local_date=purchased.date(), status="Shipped",
                fulfilled_by="MERCHANT", currency="EUR",
                lines=(OrderLine(order_item_id="1", seller_sku="MUG-1", title="Blue mug", quantity_ordered=2),),
            )
        ],
        now=purchased + timedelta(days=2),
    )  # fmt: skip
    objects = HistoryObjects("raw-documents", kms_key_id=data_key, prefix=settings.history_prefix)
    HistoryArchiver(objects, hot_days=settings.history_hot_days).run(SELLER, now=NOW)
    with pytest.raises(OrderNotFound):
        OrderStore().get(SELLER, ORDER)  # DynamoDB alone no longer has it
    # When the buyer writes about it, received as the deployment wires the inbound service
    service = _inbound(settings)
    outcome = service.receive(plain_qp_cp1252(service.inbound_address(SELLER), "Wo ist meine Bestellung?\n"))
    # Then the thread knows the order, read from the archive
    assert outcome.accepted
    thread = ThreadStore().get(SELLER, outcome.thread_id)
    assert thread is not None
    assert thread.order is not None
    assert (thread.order.known, thread.order.items, thread.order.status) == (
        True,
        ("2 x Blue mug",),
        "Shipped",
    )


# --- drafting, approval, sending -------------------------------------------------------------------
class RecordingDrafter:
    """The deterministic drafter, keeping every prompt it was given (the stand-in's role locally)."""

    name = "local"

    def __init__(self) -> None:
        from sellerflow.messages.drafting import TemplateDrafter

        self.inner = TemplateDrafter()
        self.prompts: list[Any] = []

    def draft(self, prompt: Any) -> str:
        self.prompts.append(prompt)
        return self.inner.draft(prompt)


@pytest.fixture
def replies(inbound: Any, pii_key_arn: str) -> Any:
    import boto3

    from sellerflow.messages.model import SellerInstructions
    from sellerflow.messages.redaction import Redactor
    from sellerflow.messages.replies import ReplyService
    from sellerflow.messages.ses import SesMailer
    from sellerflow.store.audit import AuditLog

    _, vault, clock = inbound
    ses = boto3.client("sesv2", region_name="us-east-1")
    ses.create_email_identity(EmailIdentity="support@mugshop.example")
    MessageSettingsStore().put_instructions(
        SELLER, SellerInstructions(signature="The Mug Shop", from_address="support@mugshop.example")
    )
    drafter = RecordingDrafter()
    service = ReplyService(
        threads=ThreadStore(), vault=vault, instructions=MessageSettingsStore(), drafter=drafter,
        redactor=Redactor(), known=None, mailer=SesMailer(ses), audit=AuditLog(), clock=clock,
    )  # fmt: skip
    return service, drafter


def test_draft_approve_send_audited_and_no_pii_in_the_prompt(aws: Any, inbound: Any, replies: Any) -> None:
    from sellerflow_dev.simulator.pii import find_pii_markers

    service, vault, clock = inbound
    reply, drafter = replies
    body = f"Hallo, wo ist meine Bestellung?\nMeine Adresse ist:\nGartenweg 7 {CANARY}\n10115 Berlin\n\nViele Grüße\n{CANARY}\n"
    thread_id = service.receive(plain_qp_cp1252(service.inbound_address(SELLER), body)).thread_id
    draft = reply.draft(SELLER, thread_id)
    assert ORDER in draft.text
    assert draft.text.endswith("The Mug Shop")
    [prompt] = drafter.prompts
    assert find_pii_markers(prompt.system + prompt.user) == []
    assert RELAY not in prompt.user
    assert ThreadStore().get(SELLER, thread_id).state is ThreadState.DRAFTED
    clock.now = NOW + timedelta(hours=21)
    # the due time the message_unanswered alert reads: within its 4 hours, until the reply is sent
    [due] = ThreadStore().due_times(SELLER)
    assert clock.now < due <= clock.now + timedelta(hours=4)
    sent = reply.send(SELLER, thread_id, actor_sub="user-1")
    assert sent.state is ThreadState.SENT
    assert sent.due_at is None
    assert ThreadStore().due_times(SELLER) == []
    outgoing = [m for m in vault.messages(SELLER, thread_id, decrypt=True) if m.direction.value == "out"]
    assert len(outgoing) == 1
    assert outgoing[0].content.relay_address == RELAY
    assert ORDER in outgoing[0].content.subject
    assert outgoing[0].content.subject.startswith("Re: ")
    audit_items = [repr(i) for i in raw_items(aws, "AuditTable") if i["seller_id"]["S"] == SELLER]
    assert any("message.sent" in i and f"thread/{thread_id}" in i for i in audit_items)
    assert [i for i in audit_items if find_pii_markers(i) or RELAY in i] == []
    closed = reply.close(SELLER, thread_id, actor_sub="user-1")
    assert closed.state is ThreadState.CLOSED
    assert closed.expires_at == clock.now + timedelta(days=30)


def test_auto_send_only_for_named_intents(inbound: Any, replies: Any) -> None:
    from sellerflow.messages.model import SellerInstructions

    service, _, _ = inbound
    reply, _ = replies
    MessageSettingsStore().put_instructions(
        SELLER,
        SellerInstructions(from_address="support@mugshop.example", auto_send_intents=("invoice_request",)),
    )
    to = service.inbound_address(SELLER)
    asked = service.receive(plain_qp_cp1252(to, "Bitte eine Rechnung schicken")).thread_id
    where = service.receive(multipart_shift_jis(to, "商品が届いていません。")).thread_id
    reply.draft(SELLER, asked)
    reply.draft(SELLER, where)
    assert ThreadStore().get(SELLER, asked).state is ThreadState.SENT
    assert ThreadStore().get(SELLER, asked).auto_sent is True
    assert ThreadStore().get(SELLER, where).state is ThreadState.DRAFTED


def test_a_send_from_an_address_ses_has_not_verified_is_refused_and_the_draft_kept(
    inbound: Any, replies: Any
) -> None:
    from sellerflow.messages.model import SellerInstructions
    from sellerflow.messages.replies import SendRefused

    service, _, _ = inbound
    reply, _ = replies
    thread_id = service.receive(
        plain_qp_cp1252(service.inbound_address(SELLER), "Wo ist mein Paket?")
    ).thread_id
    reply.draft(SELLER, thread_id)
    MessageSettingsStore().put_instructions(SELLER, SellerInstructions(from_address="typo@mugshop.example"))
    with pytest.raises(SendRefused, match=r"SES refused to send from typo@mugshop\.example"):
        reply.send(SELLER, thread_id, actor_sub="user-1")
    assert ThreadStore().get(SELLER, thread_id).state is ThreadState.DRAFTED  # the draft waits, unsent


def test_the_sending_address_is_verified_when_ses_may_send_from_it_or_its_domain(aws: Any) -> None:
    import boto3
    from botocore.stub import Stubber

    from sellerflow.messages.ses import SesIdentities

    ses = boto3.client("sesv2", region_name="us-east-1")
    ses.create_email_identity(EmailIdentity="support@mugshop.example")
    ses.create_email_identity(EmailIdentity="teashop.example")  # a whole domain
    identities = SesIdentities(ses)
    assert identities.verified("support@mugshop.example") is True
    assert identities.verified("anyone@teashop.example") is True
    assert identities.verified("sales@mugshop.example") is False  # another address of the domain
    assert identities.verified("help@unknown.example") is False
    # SES not answering (throttled, no permission) is unknown, not "unverified"
    stubbed = boto3.client("sesv2", region_name="us-east-1")
    with Stubber(stubbed) as stub:
        stub.add_client_error("get_email_identity", "TooManyRequestsException", http_status_code=429)
        assert SesIdentities(stubbed).verified("support@mugshop.example") is None
