"""Redaction before any drafter: the simulator's canary PII never survives, in any language or
encoding the simulator writes, and Comprehend's findings are applied (botocore Stubber)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.messages.parser import parse
from sellerflow.messages.redaction import ComprehendDetector, Redactor, RuleDetector, language_of
from sellerflow_dev.simulator import SimWorld
from sellerflow_dev.simulator.buyer_messages import buyer_mails
from sellerflow_dev.simulator.buyers import invent_buyer
from sellerflow_dev.simulator.pii import find_pii_markers

ORDER = "302-1234567-7654321"


def test_every_simulated_buyer_mail_loses_all_its_canaries() -> None:
    redactor = Redactor()
    checked = 0
    for seed in (1, 2, 3):
        world = SimWorld.generate(sellers=2, seed=seed, now=datetime(2026, 12, 1, tzinfo=UTC))
        for seller in world.sellers:
            for mail in buyer_mails(world, seller.seller_id, count=5):
                parsed = parse(mail.raw)
                assert find_pii_markers(parsed.text), "the simulator plants PII in every mail"
                redacted = redactor.redact(
                    f"{parsed.subject}\n{parsed.buyer_text}", [parsed.relay_address or ""]
                )
                assert find_pii_markers(redacted.text) == [], mail.intent
                assert mail.order_id in redacted.text  # the order id is kept: the reply must name it
                checked += 1
    assert checked == 30


GREETINGS = ("Hi", "Hello", "Dear", "Hallo", "Bonjour", "Hola")
SIGN_OFFS = ("Thanks,", "Kind regards", "Best,", "Viele Grüße", "Cordialement", "Saludos")


@given(
    seed=st.integers(0, 10_000),
    country=st.sampled_from(["US", "CA", "GB", "DE", "JP"]),
    greeting=st.sampled_from(GREETINGS),
    sign_off=st.sampled_from(SIGN_OFFS),
    with_address=st.booleans(),
    with_phone=st.booleans(),
)
def test_canary_names_addresses_phones_and_emails_never_survive(
    seed: int, country: str, greeting: str, sign_off: str, with_address: bool, with_phone: bool
) -> None:
    import random

    buyer, recipient = invent_buyer(random.Random(seed), country, with_email=True)
    address = recipient["deliveryAddress"]
    lines = [
        f"{greeting} {address['name']},",
        "",
        f"my order {ORDER} has not arrived. My name is {buyer['buyerName']}.",
    ]
    if with_address:
        lines += ["My address is:", address["addressLine1"], f"{address['postalCode']} {address['city']}", ""]
    if with_phone:
        lines += [f"Phone: {address['phone']}", f"Mail: {buyer['buyerEmail']}"]
    lines += ["", sign_off, buyer["buyerName"]]
    text = "\n".join(lines)
    redacted = Redactor().redact(text)
    assert find_pii_markers(redacted.text) == []
    assert ORDER in redacted.text


def test_known_values_go_first_whatever_their_shape() -> None:
    redacted = Redactor().redact("ping xq7 Zed from zz top", known=["xq7 Zed"])
    assert "xq7" not in redacted.text
    assert "Zed" not in redacted.text
    assert redacted.counts["KNOWN"] >= 1
    assert "xq7" not in repr(redacted)


def test_order_ids_are_not_phone_numbers() -> None:
    assert RuleDetector().detect(f"order {ORDER}") == []


def test_language_guess() -> None:
    assert language_of("Wo ist meine Bestellung? Ich warte") == "de"
    assert language_of("商品が届いていません") == "ja"
    assert language_of("Where is my parcel?") == "en"


def test_comprehend_detector_applies_entities_above_the_score_and_skips_unsupported_languages() -> None:
    client = boto3.client("comprehend", region_name="us-east-1")
    text = "Hi, I am Zoe Quill from nowhere"
    with Stubber(client) as stub:
        stub.add_response(
            "detect_pii_entities",
            {
                "Entities": [
                    {"Score": 0.99, "Type": "NAME", "BeginOffset": 9, "EndOffset": 18},
                    {"Score": 0.2, "Type": "ADDRESS", "BeginOffset": 23, "EndOffset": 30},
                ]
            },
            {"Text": text, "LanguageCode": "en"},
        )
        redacted = Redactor([ComprehendDetector(client)]).redact(text)
        stub.assert_no_pending_responses()
    assert redacted.text == "Hi, I am [NAME] from nowhere"
    assert ComprehendDetector(client).detect("Wo ist es", "de") == []  # no call: Stubber would fail
