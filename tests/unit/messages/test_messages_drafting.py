"""The prompt holds no buyer data; the deterministic drafter answers each intent; Bedrock's Converse
adapter sends the prompt and reads the reply (botocore Stubber)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from sellerflow.messages import intents
from sellerflow.messages.drafting import BedrockDrafter, DraftPrompt, TemplateDrafter, build_prompt
from sellerflow.messages.model import (
    Direction,
    MessageContent,
    OrderContext,
    SellerInstructions,
    StoredMessage,
)
from sellerflow.messages.redaction import Redactor
from sellerflow_dev.simulator.pii import find_pii_markers

AT = datetime(2026, 12, 4, 9, tzinfo=UTC)
RELAY = "q8x2@marketplace.amazon.com"
ORDER = OrderContext(
    order_id="111-2223334-4445556", status="Shipped", fulfilment_channel="MFN", items=("1 x Blue mug",),
    carrier="UPS", tracking_id="1Z999", purchased_at=AT,
)  # fmt: skip
INSTRUCTIONS = SellerInstructions(tone="warm", policies="30-day returns", signature="The Mug Shop")


def message(body: str) -> StoredMessage:
    content = MessageContent(
        relay_address=RELAY, subject=f"Order {ORDER.order_id}", body=body, message_id="<a@b>"
    )
    return StoredMessage(seller_id="A1", thread_id="t", message_key="k", direction=Direction.IN, received_at=AT, content=content)  # fmt: skip


def prompt_for(
    body: str, intent: str = intents.WHERE_IS_MY_ORDER, known: list[str] | None = None
) -> DraftPrompt:
    return build_prompt(
        [message(body)], order=ORDER, instructions=INSTRUCTIONS, intent=intent, redactor=Redactor(),
        known=[RELAY, *(known or [])],
    )  # fmt: skip


def test_the_prompt_has_redacted_text_instructions_and_order_context_only() -> None:
    prompt = prompt_for(
        f"Hi, where is it? Write to {RELAY}.\nThanks,\nAnna Lee PII-CANARY-0a0a\n12 Oak Ave PII-CANARY-0a0a"
    )
    whole = prompt.system + prompt.user
    assert find_pii_markers(whole) == []
    assert RELAY not in whole
    assert "Tone: warm" in prompt.system
    assert "Signature: The Mug Shop" in prompt.system
    assert "Items: 1 x Blue mug" in prompt.user
    assert "tracking: 1Z999" in prompt.user
    assert prompt.redactions >= 3
    assert "Anna" not in repr(prompt)


def test_known_buyer_values_from_the_label_queue_are_redacted() -> None:
    prompt = prompt_for("Please deliver to Quillon Vexworth at the mill", known=["Quillon Vexworth"])
    assert "Quillon" not in prompt.user


@pytest.mark.parametrize(
    ("intent", "phrase"),
    [
        (intents.WHERE_IS_MY_ORDER, "Tracking (UPS): 1Z999"),
        (intents.RETURN, "start a return"),
        (intents.DAMAGED, "arrived damaged"),
        (intents.INVOICE, "invoice"),
        (intents.CANCELLATION, "can no longer be cancelled"),
        (intents.OTHER, "within one business day"),
    ],
)
def test_the_template_drafter_answers_each_intent_from_the_prompt_alone(intent: str, phrase: str) -> None:
    reply = TemplateDrafter().draft(prompt_for("hello", intent))
    assert phrase in reply
    assert ORDER.order_id in reply
    assert reply.endswith("The Mug Shop")


def test_bedrock_converse_adapter() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    prompt = prompt_for("Where is my order?")
    with Stubber(client) as stub:
        stub.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": [{"text": " It ships today. "}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
                "metrics": {"latencyMs": 100},
            },
            {
                "modelId": "amazon.nova-lite-v1:0",
                "system": [{"text": prompt.system}],
                "messages": [{"role": "user", "content": [{"text": prompt.user}]}],
                "inferenceConfig": {"maxTokens": 600, "temperature": 0.2},
            },
        )
        assert BedrockDrafter(client, "amazon.nova-lite-v1:0").draft(prompt) == "It ships today."
        stub.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": []}},
                "stopReason": "content_filtered",
                "usage": {"inputTokens": 1, "outputTokens": 0, "totalTokens": 1},
                "metrics": {"latencyMs": 1},
            },
        )
        with pytest.raises(ValueError, match="content_filtered"):
            BedrockDrafter(client, "amazon.nova-lite-v1:0").draft(prompt)


def test_ses_mailer_threads_the_reply_with_in_reply_to_and_references() -> None:
    from email import message_from_bytes, policy

    from sellerflow.messages.replies import OutgoingMail
    from sellerflow.messages.ses import SesMailer

    client = boto3.client("sesv2", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("send_email", {"MessageId": "ses-1"})
        sent_id = SesMailer(client).send(OutgoingMail(
            from_address="help@shop.example", to_address=RELAY, subject=f"Re: Order {ORDER.order_id}",
            body="Grüße, it ships today.", in_reply_to="<m2@amazon.com>", references="<m1@amazon.com> <m2@amazon.com>",
        ))  # fmt: skip
        stub.assert_no_pending_responses()
    mime = SesMailer.mime(OutgoingMail(
        from_address="help@shop.example", to_address=RELAY, subject="Re: x", body="Grüße",
        in_reply_to="<m2@amazon.com>", references="<m1@amazon.com>",
    ))  # fmt: skip
    parsed = message_from_bytes(mime.as_bytes(), policy=policy.default)
    assert parsed["In-Reply-To"] == "<m2@amazon.com>"
    assert parsed["References"] == "<m1@amazon.com>"
    assert parsed["To"] == RELAY
    assert parsed.get_content().strip() == "Grüße"
    assert sent_id.startswith("<")
    assert sent_id.endswith("@shop.example>")


def test_ses_refusing_the_sending_address_is_a_refused_send_naming_what_to_do() -> None:
    from sellerflow.messages.replies import OutgoingMail, SendRefused
    from sellerflow.messages.ses import SesMailer

    client = boto3.client("sesv2", region_name="us-east-1")
    mail = OutgoingMail(
        from_address="help@unverified.example", to_address=RELAY, subject="Re: x", body="Hello",
        in_reply_to=None, references=None,
    )  # fmt: skip
    with Stubber(client) as stub:
        stub.add_client_error("send_email", "MessageRejected", "Email address is not verified.", 400)
        with pytest.raises(
            SendRefused, match=r"SES refused to send from help@unverified\.example: verify"
        ) as refused:
            SesMailer(client).send(mail)
    assert RELAY not in str(refused.value)  # the buyer's relay address is never in the message
